#!/usr/bin/env bash
# Containers, side by side in one run (issue #4 targets):
#   1. `run --rm IMAGE true`: skiff vs podman (target ≤ 0.25×) vs a bare `runc run` of a prepared
#      bundle (target ≤ 2×). All three without a network namespace setup (--network none / none).
#   2. skiff's memory per running container: PSS of the shim (and of any runtime process beside
#      it) over 10 detached containers, on the executable (target ≤ 4 MB) and on Node (≤ 8 MB).
#   3. `skiff ps -a` with 100 containers (target < 100 ms).
#   4. What the default bridge network adds to `run --rm` over --network host (issue #5: ≤ 60 ms).
#   bench/run.sh [runs]
source "$(dirname "$0")/lib.sh"
need hyperfine podman runc busybox
RUNS=${1:-30}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

tmp=$(mktemp -d)
export SKIFF_ROOT="$tmp/root" SKIFF_RUNROOT="$tmp/run"
cleanup() {
  dist/skiff rm -af >/dev/null 2>&1 || true
  podman rmi -f skiff-bench-busybox >/dev/null 2>&1 || true
  runc delete -f skiff-bench >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# one busybox root filesystem for all three
busybox_rootfs "$tmp/bundle/rootfs" "$tmp/rootfs.tar"
dist/skiff import "$tmp/rootfs.tar" skiff-bench-busybox >/dev/null
podman import -q "$tmp/rootfs.tar" skiff-bench-busybox >/dev/null
(cd "$tmp/bundle" && runc spec)
node -e '
  const fs = require("fs"), f = process.argv[1], s = JSON.parse(fs.readFileSync(f));
  s.process.terminal = false; s.process.rlimits = []; s.process.args = ["/bin/true"];
  fs.writeFileSync(f, JSON.stringify(s));' "$tmp/bundle/config.json"

echo "== run --rm IMAGE true ($RUNS runs each)"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$tmp/run.json" \
  "dist/skiff run --rm --network none skiff-bench-busybox true" \
  "podman run --rm --network none skiff-bench-busybox true" \
  "runc run --bundle $tmp/bundle skiff-bench" >/dev/null
report "$tmp/run.json" "skiff run --rm" "podman run --rm" "runc run (prepared bundle)"
s=$(median_ms "$tmp/run.json" 0); p=$(median_ms "$tmp/run.json" 1); r=$(median_ms "$tmp/run.json" 2)
node -e '
  const [s, p, r] = process.argv.slice(1).map(Number);
  const say = (what, v, max) => console.log(`target: ${what} ${v.toFixed(2)}x (≤ ${max}x): ${v <= max ? "met" : "NOT met"}`);
  say("skiff / podman", s / p, 0.25);
  say("skiff / runc", s / r, 2);' "$s" "$p" "$r"

echo "== bridge networking: run --rm true on the default bridge network vs --network host (target: +60 ms at most)"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$tmp/net.json" \
  "dist/skiff run --rm --network host skiff-bench-busybox true" \
  "dist/skiff run --rm skiff-bench-busybox true" >/dev/null
report "$tmp/net.json" "skiff run --rm --network host" "skiff run --rm (bridge)"
h=$(median_ms "$tmp/net.json" 0); b=$(median_ms "$tmp/net.json" 1)
node -e 'const [h, b] = process.argv.slice(1).map(Number); console.log(`target: bridge adds ${(b - h).toFixed(0)} ms (≤ 60 ms): ${b - h <= 60 ? "met" : "NOT met"}`)' "$h" "$b"

# on the executable, and on the bundle with the system's Node (issue #16: at most 4 and 8 MB)
for launcher in "dist/skiff:4" "node dist/skiff.js:8"; do
  cmd=${launcher%:*} max=${launcher##*:}
  echo "== memory of 10 detached containers ($cmd)"
  for i in $(seq 1 10); do $cmd run -d --network none --name "mem$i" skiff-bench-busybox sleep 600 >/dev/null; done
  # the shims give back their start-up code 2 s after the start (sys/code-pages.ts)
  sleep 4
  node -e '
    const fs = require("fs");
    const field = (pid, k) => { try { return Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]); } catch { return 0; } };
    // the shims of this store (their pid files), and any runtime process still beside a container
    const run = `${process.argv[1]}/run`, max = Number(process.argv[2]);
    const shims = fs.readdirSync(`${run}/containers`).flatMap((id) => { try { return [Number(fs.readFileSync(`${run}/containers/${id}/shim.pid`, "utf8"))]; } catch { return []; } });
    const runcs = [];
    for (const p of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let cmd = ""; try { cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" "); } catch { continue; }
      if (cmd.includes(`--root ${run}/runtime`)) runcs.push(+p);
    }
    const per = (list, k) => list.reduce((a, p) => a + field(p, k), 0) / Math.max(1, shims.length) / 1024;
    const shim = per(shims, "Pss"), runc = per(runcs, "Pss");
    console.log(`shims: ${shims.length}, PSS ${shim.toFixed(1)} MB each (anonymous ${per(shims, "Pss_Anon").toFixed(1)}, files ${per(shims, "Pss_File").toFixed(1)}); runtime processes beside them: ${runcs.length} (${runc.toFixed(1)} MB per container)`);
    console.log(`target: skiff per container ${(shim + runc).toFixed(1)} MB (shim + runtime) <= ${max} MB: ${shims.length === 10 && shim + runc <= max ? "met" : "NOT met"}`);
  ' "$tmp" "$max"
  dist/skiff rm -af >/dev/null
done

echo "== ps -a with 100 containers"
for i in $(seq 1 100); do dist/skiff create --network none --name "c$i" skiff-bench-busybox true >/dev/null; done
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$tmp/ps.json" "dist/skiff ps -a" >/dev/null
report "$tmp/ps.json" "skiff ps -a (100 containers)"
m=$(median_ms "$tmp/ps.json" 0)
node -e 'const m = +process.argv[1]; console.log(`target: ps -a ${m.toFixed(1)} ms < 100 ms: ${m < 100 ? "met" : "NOT met"}`)' "$m"
