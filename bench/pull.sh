#!/usr/bin/env bash
# Cold pull of a Debian-based image (~100 MB compressed, 4 gzip layers, built from this Debian
# host's /usr) from a loopback registry, side by side in one run:
#   skiff pull  |  podman pull  |  curl | tar -xz of the same layers, in parallel
# Targets (issue #3): skiff ≤ 0.3× podman, ≤ 1.3× curl+tar; peak memory < 150 MB; a second image
# sharing the base layers downloads only its new layer.
#   bench/pull.sh [runs]
source "$(dirname "$0")/lib.sh"
need hyperfine podman skopeo curl docker-registry /usr/bin/time gzip
RUNS=${1:-3}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

work=$(mktemp -d /var/tmp/skiff-bench-pull.XXXXXX)
cleanup() { [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
host="127.0.0.1:$port"
cat > "$work/registry.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/registry } }
http: { addr: $host }
YML
docker-registry serve "$work/registry.yml" & REG_PID=$!
for _ in $(seq 50); do curl -sf "http://$host/v2/" >/dev/null && break; sleep 0.1; done

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

# --- timings --------------------------------------------------------------------------------------
urls=$(echo "$L1"$'\n'"$L2"$'\n'"$L3"$'\n'"$L4" | awk -v h="$host" '{print "http://" h "/v2/bench/debian/blobs/sha256:" $1}')
cat > "$work/curl-tar.sh" <<SH
#!/usr/bin/env bash
rm -rf $work/ct; mkdir -p $work/ct
i=0; for u in $(echo $urls); do i=\$((i+1)); mkdir -p $work/ct/\$i; (curl -sf "\$u" | tar -xz -C $work/ct/\$i) & done; wait
SH
chmod +x "$work/curl-tar.sh"
hyperfine --runs "$RUNS" --export-json "$work/r.json" \
  --prepare "rm -rf $work/sk $work/sk-run" "dist/skiff --root $work/sk --runroot $work/sk-run pull -q $host/bench/debian:one" \
  --prepare "rm -rf $work/pm $work/pm-run" "podman --root $work/pm --runroot $work/pm-run pull -q --tls-verify=false $host/bench/debian:one" \
  --prepare "true" "$work/curl-tar.sh" >/dev/null
report "$work/r.json" "skiff pull" "podman pull" "curl | tar -xz (parallel)"
sk=$(median_ms "$work/r.json" 0); pm=$(median_ms "$work/r.json" 1); ct=$(median_ms "$work/r.json" 2)
node -e '
  const [sk, pm, ct] = process.argv.slice(1).map(Number);
  const r1 = sk / pm, r2 = sk / ct;
  console.log(`target: skiff/podman ${r1.toFixed(2)}x <= 0.30x: ${r1 <= 0.3 ? "met" : "NOT met"}`);
  console.log(`target: skiff/(curl+tar) ${r2.toFixed(2)}x <= 1.30x: ${r2 <= 1.3 ? "met" : "NOT met"}`);' "$sk" "$pm" "$ct"

rm -rf "$work/sk" "$work/sk-run"
peak=$( { /usr/bin/time -f "%M" dist/skiff --root "$work/sk" --runroot "$work/sk-run" pull -q "$host/bench/debian:one" >/dev/null; } 2>&1 | tail -1)
echo "skiff pull peak RSS: $((peak / 1024)) MB (target < 150 MB): $([ $((peak / 1024)) -lt 150 ] && echo met || echo NOT met)"
fetched=$(dist/skiff --root "$work/sk" --runroot "$work/sk-run" pull "$host/bench/debian:two" 2>&1 >/dev/null | grep -c ': started' || true)
echo "second image sharing 3 base layers: $fetched layer(s) downloaded (target 1): $([ "$fetched" = 1 ] && echo met || echo NOT met)"
