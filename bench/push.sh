#!/usr/bin/env bash
# Push of the ~100 MB four-layer Debian-based image (pull.sh's) to an empty loopback registry, side
# by side in one run:
#   skiff push  |  skopeo copy oci:<skiff's root>:<name> docker://…   (the same blobs, the same store)
# then again with everything present at the registry. Targets (issue #13): first push ≤ 1.0×
# skopeo's wall time, second ≤ 0.5×; peak memory under 150 MB for both.
#   bench/push.sh [runs]
source "$(dirname "$0")/lib.sh"
need hyperfine skopeo curl docker-registry /usr/bin/time gzip
RUNS=${1:-3}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

work=$(mktemp -d /var/tmp/skiff-bench-push.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

start_registry "$work"; PIDS+=("$REG_PID"); src=$host
source "$BENCH_DIR/debian-image.sh"
start_registry "$work"; PIDS+=("$REG_PID"); dst=$host
dst_storage="$work/registry-${dst##*:}"
SK="dist/skiff --root $work/sk --runroot $work/sk-run"
$SK pull -q "$src/bench/debian:one" >/dev/null
name="$src/bench/debian:one"

hyperfine --runs "$RUNS" --export-json "$work/cold.json" \
  --prepare "rm -rf $dst_storage/docker" "$SK push -q $name $dst/bench/skiff:one" \
  --prepare "rm -rf $dst_storage/docker" "skopeo copy -q --dest-tls-verify=false oci:$work/sk:$name docker://$dst/bench/skopeo:one" >/dev/null
report "$work/cold.json" "skiff push (empty registry)" "skopeo copy (empty registry)"
$SK push -q "$name" "$dst/bench/skiff:one"
skopeo copy -q --dest-tls-verify=false "oci:$work/sk:$name" "docker://$dst/bench/skopeo:one"
hyperfine --runs "$RUNS" --export-json "$work/warm.json" \
  "$SK push -q $name $dst/bench/skiff:one" \
  "skopeo copy -q --dest-tls-verify=false oci:$work/sk:$name docker://$dst/bench/skopeo:one" >/dev/null
report "$work/warm.json" "skiff push (all present)" "skopeo copy (all present)"
target "first push skiff/skopeo" "$(median_ms "$work/cold.json" 0)" "$(median_ms "$work/cold.json" 1)" 1
target "second push skiff/skopeo" "$(median_ms "$work/warm.json" 0)" "$(median_ms "$work/warm.json" 1)" 0.5
rm -rf "$dst_storage/docker"
sk_peak=$( { /usr/bin/time -f "%M" $SK push -q "$name" "$dst/bench/skiff:one" >/dev/null; } 2>&1 | tail -1)
rm -rf "$dst_storage/docker"
so_peak=$( { /usr/bin/time -f "%M" skopeo copy -q --dest-tls-verify=false "oci:$work/sk:$name" "docker://$dst/bench/skopeo:one" >/dev/null; } 2>&1 | tail -1)
echo "peak RSS: skiff push $((sk_peak / 1024)) MB, skopeo copy $((so_peak / 1024)) MB (target < 150 MB): $([ $((sk_peak / 1024)) -lt 150 ] && echo met || echo NOT met)"
