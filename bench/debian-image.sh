# The Debian-based bench image (4 gzip layers from this host's /usr, ~100 MB compressed) pushed to
# a loopback docker-registry: sourced by pull.sh and push.sh after start_registry.
# --- the image: an OCI layout pushed with skopeo ------------------------------------------------
layout="$work/layout"; mkdir -p "$layout/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
layer() { # layer NAME PATH... -> prints "digest size diffid"
  local name=$1; shift
  tar -C / --numeric-owner -cf - "$@" 2>/dev/null | tee >(sha256sum | cut -d' ' -f1 > "$work/$name.diffid") | gzip -6 > "$work/$name.tgz"
  sleep 0.2
  local d; d=$(sha256sum "$work/$name.tgz" | cut -d' ' -f1)
  mv "$work/$name.tgz" "$layout/blobs/sha256/$d"
  echo "$d $(stat -c %s "$layout/blobs/sha256/$d") $(cat "$work/$name.diffid")"
}
image() { # image TAG "layer-lines..."
  local tag=$1 lines=$2 layers="" diffids="" sep=""
  while read -r d s i; do
    layers+="$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$s}"
    diffids+="$sep\"sha256:$i\""; sep=","
  done <<< "$lines"
  local cfg="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/bash\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffids]}}"
  local cd; cd=$(printf %s "$cfg" | sha256sum | cut -d' ' -f1); printf %s "$cfg" > "$layout/blobs/sha256/$cd"
  local man="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cd\",\"size\":${#cfg}},\"layers\":[$layers]}"
  local md; md=$(printf %s "$man" | sha256sum | cut -d' ' -f1); printf %s "$man" > "$layout/blobs/sha256/$md"
  echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$md\",\"size\":${#man},\"annotations\":{\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" > "$layout/index.json"
  skopeo copy -q --dest-tls-verify=false "oci:$layout:$tag" "docker://$host/bench/debian:$tag"
}
echo "building the image from /usr (4 layers) ..."
L1=$(layer l1 usr/lib/gcc usr/libexec)
L2=$(layer l2 usr/lib/python3 usr/lib/python3.11)
L3=$(layer l3 usr/share/perl usr/share/zoneinfo usr/share/mime usr/share/X11)
L4=$(layer l4 usr/lib/x86_64-linux-gnu/perl usr/lib/x86_64-linux-gnu/gconv usr/bin/perl usr/bin/git)
L5=$(layer l5 etc/apt)
image one "$L1"$'\n'"$L2"$'\n'"$L3"$'\n'"$L4"
image two "$L1"$'\n'"$L2"$'\n'"$L3"$'\n'"$L5"
total=$(echo "$L1 $L2 $L3 $L4" | awk '{print $2+$5+$8+$11}')
echo "image: 4 layers, $((total / 1000000)) MB compressed"

