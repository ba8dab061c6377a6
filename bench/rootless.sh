#!/usr/bin/env bash
# Rootless skiff beside rootful skiff and rootless podman (issue #15 targets), side by side in one run:
#   1. `run --rm IMAGE true` (each with its default network, and with --network none): rootless at
#      most 1.3x rootful skiff and at most 0.5x rootless podman
#   2. a cold pull of the ~110 MB Debian-based image: rootless at most 1.2x rootful
#   3. a 100 MB download through a published port: at least 0.9x rootless podman's throughput
#   bench/rootless.sh [runs]    as root: it makes the user skiff-bench (with /etc/subuid ranges)
# Rootless commands go through runuser, whose own cost (measured, printed) is in their times.
source "$(dirname "$0")/lib.sh"
need runc busybox hyperfine podman slirp4netns newuidmap curl skopeo docker-registry runuser
RUNS=${1:-10}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null
[ "$(id -u)" = 0 ] || { echo "bench/rootless.sh: run it as root (it makes the bench user)" >&2; exit 125; }

USER_NAME=skiff-bench
id -u "$USER_NAME" >/dev/null 2>&1 || useradd -M -s /bin/sh "$USER_NAME"
work=$(mktemp -d /tmp/skiff-bench-rootless.XXXXXX)
chmod 755 "$work"
home="$work/home" runtime="$work/run"
mkdir -p "$home" "$runtime"
chown "$USER_NAME:" "$home" "$runtime"
chmod 700 "$runtime"
cp dist/skiff "$work/skiff" && chmod 755 "$work/skiff"
as_user="runuser -u $USER_NAME -- env -i HOME=$home XDG_RUNTIME_DIR=$runtime PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin CONTAINERS_CONF=$BENCH_DIR/containers.conf"
rl="$as_user $work/skiff"
rlpod="$as_user podman --root $home/podman --runroot $runtime/podman --cgroup-manager cgroupfs --events-backend file"
export SKIFF_ROOT="$work/rootful/root" SKIFF_RUNROOT="$work/rootful/run"
cleanup() {
  $rl rm -af -t 0 >/dev/null 2>&1 || true
  $rlpod rm -af -t 0 >/dev/null 2>&1 || true
  $rl unshare rm -rf "$home/.local" "$home/podman" >/dev/null 2>&1 || true
  $rlpod system migrate >/dev/null 2>&1 || true
  pkill -KILL -u "$USER_NAME" >/dev/null 2>&1 || true
  dist/skiff rm -af -t 0 >/dev/null 2>&1 || true
  [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

# a busybox image with every applet, in all three stores
root="$work/bb"; mkdir -p "$root/bin" "$root/etc" "$root/www"
cp "$(command -v busybox)" "$root/bin/busybox"
for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"; printf 'root:x:0:\n' > "$root/etc/group"
tar -C "$root" -cf "$work/bb.tar" . && chmod 644 "$work/bb.tar"
dist/skiff import "$work/bb.tar" bb >/dev/null
$rl import "$work/bb.tar" bb >/dev/null
$rlpod import -q "$work/bb.tar" bb >/dev/null 2>&1

echo "== 1. run --rm bb true ($RUNS runs each)"
hyperfine -N -w 2 -r "$RUNS" --export-json "$work/run.json" \
  "$as_user true" \
  "dist/skiff run --rm bb true" \
  "$rl run --rm bb true" \
  "$rlpod run --rm bb true" \
  "dist/skiff run --rm --network none bb true" \
  "$rl run --rm --network none bb true" \
  "$rlpod run --rm --network none bb true" >/dev/null 2>&1
report "$work/run.json" "runuser + env (in every rootless)" "rootful skiff (bridge)" "rootless skiff (pasta)" "rootless podman (slirp4netns)" "rootful skiff --network none" "rootless skiff --network none" "rootless podman --network none"
for i in 1 2 3 4 5 6; do eval "m$i=$(median_ms "$work/run.json" "$i")"; done
target "rootless/rootful skiff, default networks" "$m2" "$m1" 1.3
target "rootless skiff/rootless podman, default networks" "$m2" "$m3" 0.5
target "rootless/rootful skiff, --network none" "$m5" "$m4" 1.3
target "rootless skiff/rootless podman, --network none" "$m5" "$m6" 0.5

echo "== 2. cold pull of the Debian-based image"
start_registry "$work"
# shellcheck source=bench/debian-image.sh
source "$BENCH_DIR/debian-image.sh"
# each run starts with the disk's write-back done (sync): the run after a pull otherwise pays for
# the previous one's dirty pages in its own fsyncs, and hyperfine runs the rootless ones last
hyperfine -N -w 1 -r 3 --export-json "$work/pull.json" \
  --prepare "sh -c 'rm -rf $work/rootful/root && sync'" "dist/skiff pull -q --tls-verify=false $host/bench/debian:one" \
  --prepare "sh -c '$rl unshare rm -rf $home/.local/share/skiff && sync'" "$rl pull -q --tls-verify=false $host/bench/debian:one" >/dev/null 2>&1
report "$work/pull.json" "rootful skiff" "rootless skiff"
target "rootless/rootful cold pull" "$(median_ms "$work/pull.json" 1)" "$(median_ms "$work/pull.json" 0)" 1.2

echo "== 3. 100 MB through a published port"
port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
p1=$(port) p2=$(port) p3=$(port)
$rl import "$work/bb.tar" bb >/dev/null  # the pulls above emptied the rootless store
serve='dd if=/dev/zero of=/www/big bs=1M count=100 2>/dev/null && exec httpd -f -p 8080 -h /www'
$rl run -d --name big -p "127.0.0.1:$p1:8080" bb sh -c "$serve" >/dev/null
$rl run -d --name big-slirp --network slirp4netns -p "127.0.0.1:$p3:8080" bb sh -c "$serve" >/dev/null
$rlpod run -d --name big -p "127.0.0.1:$p2:8080" bb sh -c "$serve" >/dev/null 2>&1
for p in "$p1" "$p2" "$p3"; do for _ in $(seq 100); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$p/big" && break; sleep 0.1; done; done
speed() { local best=0 s; for _ in 1 2 3; do s=$(curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$1/big"); best=$(node -e 'console.log(Math.max(...process.argv.slice(1).map(Number)))' "$best" "$s"); done; echo "$best"; }
s1=$(speed "$p1") s2=$(speed "$p2") s3=$(speed "$p3")
node -e 'const [a, b, c] = process.argv.slice(1).map(Number); console.log(`rootless skiff ${(a / 1e6).toFixed(0)} MB/s (pasta, the default; slirp4netns ${(c / 1e6).toFixed(0)} MB/s), rootless podman ${(b / 1e6).toFixed(0)} MB/s (best of 3 each)`); const r = a / b; console.log(`target: rootless skiff/podman throughput ${r.toFixed(2)}x >= 0.90x: ${r >= 0.9 ? "met" : "NOT met"}`)' "$s1" "$s2" "$s3"
