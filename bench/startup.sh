#!/usr/bin/env bash
# Start-up time of `skiff --version` (target: median under 30 ms), side by side in one run with
# podman, runc, the bundle on Node/Bun/Deno, and an empty Bun executable (the floor); the bundle on
# Node with its V8 code cache (bundle/loader.ts) and without (dist/skiff-code.cjs loaded as is),
# and `node -e 0` (Node's floor). Issue #16: Node's --version at most 3x the executable's.
#   bench/startup.sh [runs]
source "$(dirname "$0")/lib.sh"
need hyperfine podman runc node
RUNS=${1:-100}
cd "$REPO"
[ -x dist/skiff ] || npm run build >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo 'console.log("x")' > "$tmp/empty.js"
# the bundle's code without the cache: the same function, called as the loader calls it
cat > "$tmp/no-cache.cjs" <<JS
require("vm").runInThisContext(require("fs").readFileSync("$REPO/dist/skiff-code.cjs", "utf8"), { filename: "$REPO/dist/skiff-code.cjs" })(exports, require, module, "$REPO/dist/skiff-code.cjs", "$REPO/dist");
JS
node dist/skiff.js --version >/dev/null # makes the cache
node_modules/.bin/bun build "$tmp/empty.js" --compile --outfile "$tmp/bun-empty" >/dev/null

hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$tmp/r.json" \
  "dist/skiff --version" \
  "podman --version" \
  "runc --version" \
  "$tmp/bun-empty" \
  "dist/skiff --help" \
  "node dist/skiff.js --version" \
  "node_modules/.bin/bun dist/skiff.js --version" \
  "node_modules/.bin/deno run -A --quiet dist/skiff.js --version" \
  "node $tmp/no-cache.cjs --version" \
  "node -e 0" >/dev/null 2>&1 || true
report "$tmp/r.json" "skiff --version" "podman --version" "runc --version" "empty Bun executable" "skiff --help (whole CLI loaded)" "node dist/skiff.js --version" "bun dist/skiff.js --version" "deno dist/skiff.js --version" "node, no code cache, --version" "node -e 0"
m=$(median_ms "$tmp/r.json" 0)
if node -e "process.exit(+process.argv[1] < 30 ? 0 : 1)" "$m"; then echo "target: skiff --version median ${m} ms < 30 ms: met"; else echo "target: skiff --version median ${m} ms < 30 ms: NOT met"; fi
target "node dist/skiff.js --version / dist/skiff --version" "$(median_ms "$tmp/r.json" 5)" "$m" 3
