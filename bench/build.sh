#!/usr/bin/env bash
# Build of a Containerfile that needs no network, side by side in one run:
#   COPY of a 5,000-file (~100 MB) context, then three RUN steps that change files
#   skiff build --no-cache  |  podman build --no-cache      (uncached)
#   skiff build             |  podman build                 (a rebuild with nothing changed)
# Targets (issue #13): uncached ≤ 0.5× podman's wall time; cached rebuild ≤ 0.2× podman's.
#   bench/build.sh [runs]
source "$(dirname "$0")/lib.sh"
need hyperfine podman
RUNS=${1:-3}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

work=$(mktemp -d /var/tmp/skiff-bench-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
SK="dist/skiff --root $work/sk --runroot $work/sk-run"
PM="podman --root $work/pm --runroot $work/pm-run --cgroup-manager cgroupfs --events-backend file"

# --- a base image of busybox-static, imported by both ------------------------------------------
mkdir -p "$work/rootfs/bin" "$work/rootfs/tmp" "$work/rootfs/etc"
cp /bin/busybox "$work/rootfs/bin/"
for c in sh cp rm mkdir chmod echo find cat; do ln -s busybox "$work/rootfs/bin/$c"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$work/rootfs/etc/passwd"
tar -C "$work/rootfs" -cf "$work/base.tar" .
$SK import "$work/base.tar" localhost/benchbase >/dev/null
$PM import -q "$work/base.tar" localhost/benchbase >/dev/null

# --- the context: 50 directories of 100 files of 20 KB -------------------------------------------
ctx="$work/ctx"
node -e '
  const fs = require("fs"), path = require("path"), crypto = require("crypto");
  const root = process.argv[1];
  for (let d = 0; d < 50; d++) {
    const dir = path.join(root, "src", `d${String(d).padStart(2, "0")}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++) fs.writeFileSync(path.join(dir, `f${f}.bin`), crypto.randomBytes(20000));
  }' "$ctx"
cat > "$ctx/Containerfile" <<'CF'
FROM localhost/benchbase
COPY src /data/
RUN rm -rf /data/d0* && echo changed > /data/new
RUN chmod -R go-w /data/d1* && mkdir /out
RUN cp -r /data/d2* /out/
CF
echo "context: $(find "$ctx/src" -type f | wc -l) files, $(du -sm "$ctx/src" | cut -f1) MB"

hyperfine --runs "$RUNS" --export-json "$work/cold.json" \
  "$SK build -q --no-cache --network none $ctx" \
  "$PM build -q --no-cache --network none $ctx" >/dev/null
report "$work/cold.json" "skiff build (uncached)" "podman build (uncached)"
$SK build -q --network none -t bench:1 "$ctx" >/dev/null
$PM build -q --network none -t bench:1 "$ctx" >/dev/null
hyperfine --runs "$RUNS" --export-json "$work/warm.json" \
  "$SK build -q --network none -t bench:1 $ctx" \
  "$PM build -q --network none -t bench:1 $ctx" >/dev/null
report "$work/warm.json" "skiff build (cached)" "podman build (cached)"
target "uncached skiff/podman" "$(median_ms "$work/cold.json" 0)" "$(median_ms "$work/cold.json" 1)" 0.5
target "cached skiff/podman" "$(median_ms "$work/warm.json" 0)" "$(median_ms "$work/warm.json" 1)" 0.2
