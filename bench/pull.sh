#!/usr/bin/env bash
# Cold pull of a Debian-based image (~100 MB compressed, 4 gzip layers, built from this Debian
# host's /usr) from a loopback registry, side by side in one run:
#   skiff pull  |  podman pull  |  curl | tar -xz of the same layers, in parallel
# Targets (issue #3): skiff ≤ 0.3× podman, ≤ 1.3× curl+tar; peak memory < 150 MB; a second image
# sharing the base layers downloads only its new layer; peak RSS at most podman's (issue #16).
#   bench/pull.sh [runs]
source "$(dirname "$0")/lib.sh"
need hyperfine podman skopeo curl docker-registry /usr/bin/time gzip
RUNS=${1:-3}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

work=$(mktemp -d /var/tmp/skiff-bench-pull.XXXXXX)
cleanup() { [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start_registry "$work"
source "$BENCH_DIR/debian-image.sh"

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
rm -rf "$work/pm" "$work/pm-run"
pm_peak=$( { /usr/bin/time -f "%M" podman --root "$work/pm" --runroot "$work/pm-run" pull -q --tls-verify=false "$host/bench/debian:one" >/dev/null; } 2>&1 | tail -1)
echo "skiff pull peak RSS: $((peak / 1024)) MB (target < 150 MB): $([ $((peak / 1024)) -lt 150 ] && echo met || echo NOT met)"
echo "podman pull peak RSS: $((pm_peak / 1024)) MB; target (issue #16) skiff <= podman: $([ "$peak" -le "$pm_peak" ] && echo met || echo NOT met)"
# the same peaks split: what each allocates (anon) and the pages of its executable (file)
rm -rf "$work/sk" "$work/sk-run"
read -r sk_anon sk_file < <(peak_split dist/skiff --root "$work/sk" --runroot "$work/sk-run" pull -q "$host/bench/debian:one")
rm -rf "$work/pm" "$work/pm-run"
read -r pm_anon pm_file < <(peak_split podman --root "$work/pm" --runroot "$work/pm-run" pull -q --tls-verify=false "$host/bench/debian:one")
echo "at the peak: skiff anon ${sk_anon} MB + executable ${sk_file} MB; podman anon ${pm_anon} MB + executable ${pm_file} MB"
fetched=$(dist/skiff --root "$work/sk" --runroot "$work/sk-run" pull "$host/bench/debian:two" 2>&1 >/dev/null | grep -c ': started' || true)
echo "second image sharing 3 base layers: $fetched layer(s) downloaded (target 1): $([ "$fetched" = 1 ] && echo met || echo NOT met)"
