#!/usr/bin/env bash
# What a health check costs (issue #14 targets), side by side in one run:
#   1. PSS of the shims of N containers with a check every second vs N without (target: +0.5 MB
#      at most per container).
#   2. The shim's CPU time per check (its own and its waited-for children's: the `runc exec`s)
#      vs the CPU time of one `runc exec CTR true` run by hand (target: at most 1.1x).
#   bench/health.sh [containers] [seconds]
source "$(dirname "$0")/lib.sh"
need runc busybox
N=${1:-5}
SECS=${2:-20}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

tmp=$(mktemp -d)
export SKIFF_ROOT="$tmp/root" SKIFF_RUNROOT="$tmp/run"
cleanup() { dist/skiff rm -af -t 0 >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

busybox_rootfs "$tmp/rootfs" "$tmp/rootfs.tar"
dist/skiff import "$tmp/rootfs.tar" skiff-bench-health >/dev/null

for i in $(seq 1 "$N"); do
  dist/skiff run -d --network none --name "plain$i" skiff-bench-health sleep 3600 >/dev/null
  dist/skiff run -d --network none --name "checked$i" --health-cmd '["CMD", "true"]' --health-interval 1s skiff-bench-health sleep 3600 >/dev/null
done
echo "== $N containers with a check every second, $N without; measuring for ${SECS} s"
# a process's own CPU time in ns (all its threads: schedstat), and its waited-for children's in ticks
own_ns() { local s=0 a _; for t in /proc/$1/task/*/schedstat; do read -r a _ < "$t"; s=$((s + a)); done; echo "$s"; }
child_ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }
shim() { cat "$SKIFF_RUNROOT/containers/$(dist/skiff inspect --format '{{.Id}}' "$1")/shim.pid"; }
sleep 3
plain=() checked=()
for i in $(seq 1 "$N"); do plain+=("$(shim "plain$i")"); checked+=("$(shim "checked$i")"); done
declare -A own0 kids0
for p in "${checked[@]}"; do own0[$p]=$(own_ns "$p"); kids0[$p]=$(child_ticks "$p"); done
sleep "$SECS"
own=0 kids=0
for p in "${checked[@]}"; do own=$((own + $(own_ns "$p") - ${own0[$p]})); kids=$((kids + $(child_ticks "$p") - ${kids0[$p]})); done
hz=$(getconf CLK_TCK)
# checks in the window: one a second per container, each scheduled from the end of the last (so at most this)
probes=$((SECS * N))

node -e '
  const fs = require("fs");
  const pss = (pid) => Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))[1]);
  const avg = (list) => list.split(" ").map(Number).map(pss).reduce((a, b) => a + b, 0) / list.split(" ").length / 1024;
  const plain = avg(process.argv[1]), checked = avg(process.argv[2]);
  console.log(`shim PSS: without a check ${plain.toFixed(2)} MB, with a check every second ${checked.toFixed(2)} MB`);
  console.log(`target: a check adds ${(checked - plain).toFixed(2)} MB <= 0.50 MB: ${checked - plain <= 0.5 ? "met" : "NOT met"}`);
' "${plain[*]}" "${checked[*]}"

# `runc exec CTR true` by hand, one a second as the shim runs its checks (a runc exec after a pause
# costs more than one of a tight loop: cold caches): the children's CPU time of a shell that ran
# them, less that of the same shell's sleeps alone
id=$(dist/skiff inspect --format '{{.Id}}' plain1)
children_s() { bash -c "$1; times" | tail -1 | node -e '
  const t = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map((x) => { const [m, s] = x.replace("s", "").split("m"); return Number(m) * 60 + Number(s); });
  console.log(t[0] + t[1])'; }
HAND=15
with_exec=$(children_s "for _ in \$(seq $HAND); do runc --root '$SKIFF_RUNROOT/runtime' exec '$id' true; sleep 1; done")
sleeps=$(children_s "for _ in \$(seq $HAND); do sleep 0.01; done")
by_hand=$(node -e 'const [a, b, n] = process.argv.slice(1).map(Number); console.log(((a - b) / n * 1000).toFixed(2))' "$with_exec" "$sleeps" "$HAND")
per_check=$(node -e 'const [own, kids, hz, p] = process.argv.slice(1).map(Number); console.log(((own / 1e6 + kids / hz * 1000) / p).toFixed(2))' "$own" "$kids" "$hz" "$probes")
own_ms=$(node -e 'console.log((process.argv[1] / 1e6 / process.argv[2]).toFixed(2))' "$own" "$probes")
echo "CPU per check: shim ${per_check} ms (its own ${own_ms} ms, the rest its runc exec) over ~${probes} checks; runc exec CTR true by hand, one a second, ${by_hand} ms"
target "CPU per check shim/runc exec" "$per_check" "$by_hand" 1.1
