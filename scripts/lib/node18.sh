# Debian 12's own Node.js (18), beside whatever Node runs the build, for the runtime matrix
# (test/e2e/runtimes.test.ts): its nodejs and libnode108 packages unpacked under SKIFF_NODE18_DIR,
# since installing them would replace the newer nodejs the project builds with. Its externalized
# builtins (undici, acorn, cjs-module-lexer in /usr/share/nodejs) and libc-ares come as ordinary
# packages (scripts/packages.txt). Sourced by scripts/setup.sh (needs apt.sh).
SKIFF_NODE18_DIR=${SKIFF_NODE18_DIR:-/opt/skiff-node18}

# node18_download DIR VERSION
node18_download() {
  (cd "$1" && apt-get download "nodejs=$2" "libnode108=$2" >/dev/null 2>&1)
}

make_node18() {
  [ -x "$SKIFF_NODE18_DIR/node" ] && "$SKIFF_NODE18_DIR/node" --version >/dev/null 2>&1 && return 0
  echo "==> Debian's Node.js 18 for the runtime matrix (in $SKIFF_NODE18_DIR)"
  local work
  work=$(mktemp -d /var/tmp/skiff-node18.XXXXXX)
  chmod 0755 "$work" # apt-get download drops to the _apt user
  # the candidate of nodejs may be a newer repository's (nodesource): Debian's is asked for by version
  local version
  version=$(apt-cache madison nodejs | awk '$3 ~ /^18\./ { print $3; exit }')
  if [ -z "$version" ] || ! apt_retry node18_download "$work" "$version"; then
    echo "setup.sh: cannot download Debian's nodejs 18 and libnode108; check the Debian mirror, then run scripts/setup.sh again" >&2
    rm -rf "$work"
    return 1
  fi
  $SUDO rm -rf "$SKIFF_NODE18_DIR" && $SUDO mkdir -p "$SKIFF_NODE18_DIR"
  for deb in "$work"/nodejs_18.*.deb "$work"/libnode108_*.deb; do $SUDO dpkg-deb -x "$deb" "$SKIFF_NODE18_DIR/root"; done
  rm -rf "$work"
  # a node that finds its libnode: children (the shim, runc) inherit the path, as they must
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s/root/usr/lib/%s${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} exec %s/root/usr/bin/node "$@"\n' \
    "$SKIFF_NODE18_DIR" "$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)" "$SKIFF_NODE18_DIR" | $SUDO tee "$SKIFF_NODE18_DIR/node" >/dev/null
  $SUDO chmod 0755 "$SKIFF_NODE18_DIR/node"
  "$SKIFF_NODE18_DIR/node" --version >/dev/null || { echo "setup.sh: Debian's node 18 in $SKIFF_NODE18_DIR does not start" >&2; return 1; }
}
