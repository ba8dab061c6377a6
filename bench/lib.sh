# Shared helpers for bench/*.sh: hyperfine runs and a median/ratio report.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
export CONTAINERS_CONF="$BENCH_DIR/containers.conf"

need() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is not installed (apt-get install $tool)" >&2; exit 125; }
  done
}

# report JSON LABEL... : prints median and min per command, then each command's median as a ratio of the first's
report() {
  node -e '
    const [file, ...labels] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(file, "utf8")).results;
    const med = (t) => { const s = [...t].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] * 1000; };
    const base = med(r[0].times);
    r.forEach((x, i) => {
      const m = med(x.times);
      console.log(`${(labels[i] ?? x.command).padEnd(34)} median ${m.toFixed(1).padStart(7)} ms  min ${(Math.min(...x.times) * 1000).toFixed(1).padStart(7)} ms  ${(m / base).toFixed(2)}x ${labels[0] ?? "first"}`);
    });
  ' "$@"
}

# median_ms JSON INDEX
median_ms() {
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results[+process.argv[2]]; const s = [...r.times].sort((a, b) => a - b); console.log((s[Math.floor(s.length / 2)] * 1000).toFixed(1));' "$1" "$2"
}

# busybox_rootfs DIR TAR: a busybox root file system in DIR (sh, true, sleep; root in passwd and
# group), and the same as the tar TAR for import
busybox_rootfs() {
  local dir=$1 tar=$2 a
  mkdir -p "$dir/bin" "$dir/etc"
  cp "$(command -v busybox)" "$dir/bin/busybox"
  for a in sh true sleep; do ln -s busybox "$dir/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$dir/etc/passwd"
  printf 'root:x:0:\n' > "$dir/etc/group"
  tar -C "$dir" -cf "$tar" .
}

# start_registry WORKDIR: Debian's docker-registry on a free loopback port, storage under WORKDIR;
# sets host and REG_PID (the caller's EXIT trap kills it).
start_registry() {
  local dir=$1 port
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  host="127.0.0.1:$port"
  cat > "$dir/registry-$port.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $dir/registry-$port } }
http: { addr: $host }
YML
  docker-registry serve "$dir/registry-$port.yml" 2>/dev/null & REG_PID=$!
  for _ in $(seq 50); do curl -sf "http://$host/v2/" >/dev/null && break; sleep 0.1; done
}

# target LABEL NUM_MS DEN_MS LIMIT: "target: LABEL 0.42x <= 0.50x: met" (a same-run ratio)
target() {
  node -e 'const [l, a, b, lim] = process.argv.slice(1); const r = a / b; console.log(`target: ${l} ${r.toFixed(2)}x <= ${Number(lim).toFixed(2)}x: ${r <= Number(lim) ? "met" : "NOT met"}`);' "$@"
}

# peak_split CMD...: runs CMD, sampling its RSS every 20 ms; prints "ANON_MB FILE_MB" at the peak
# (file: pages of the executable and libraries; the anonymous part is what the program allocates).
peak_split() {
  "$@" >/dev/null 2>&1 & local pid=$! mx=0 ma=0 mf=0 a f
  while kill -0 "$pid" 2>/dev/null; do
    read -r a f < <(awk '/RssAnon/{a=$2} /RssFile/{f=$2} END{print a+0, f+0}' "/proc/$pid/status" 2>/dev/null)
    if [ "$((a + f))" -gt "$mx" ]; then mx=$((a + f)); ma=$a; mf=$f; fi
    sleep 0.02
  done
  wait "$pid"
  echo "$((ma / 1024)) $((mf / 1024))"
}
