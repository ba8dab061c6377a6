# The Debian minbase root file system of the glibc test images (real libc, users, nginx and gosu
# from Debian's packages), made once with debootstrap and cached as a tar outside the clone, so a
# new clone on the same machine does not make it again. Sourced by scripts/setup.sh (needs apt.sh).
SKIFF_MINBASE=${SKIFF_MINBASE:-/var/cache/skiff-test/debian-minbase.tar}
MINBASE_PACKAGES=nginx-light,gosu,procps,curl

debian_mirror() {
  local uri
  uri=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -1)
  [ -n "$uri" ] || uri=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "${uri:-http://deb.debian.org/debian}"
}

debootstrap_once() {
  rm -rf "$1" && mkdir -p "$1"
  $SUDO debootstrap --variant=minbase --include="$MINBASE_PACKAGES" bookworm "$1" "$(debian_mirror)" >"$1.log" 2>&1 || { tail -3 "$1.log" >&2; return 1; }
}

make_minbase() {
  [ -s "$SKIFF_MINBASE" ] && return 0
  echo "==> a Debian minbase for the glibc test images (once; cached as $SKIFF_MINBASE)"
  local work
  work=$(mktemp -d /var/tmp/skiff-minbase.XXXXXX)
  if ! apt_retry debootstrap_once "$work/rootfs"; then
    echo "setup.sh: debootstrap of the Debian minbase failed; check that $(debian_mirror) is reachable, then run scripts/setup.sh again" >&2
    $SUDO rm -rf "$work"
    return 1
  fi
  $SUDO rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/debootstrap" \
    "$work/rootfs/usr/share/"{doc,man,info,locale}
  $SUDO mkdir -p "$(dirname "$SKIFF_MINBASE")"
  $SUDO tar -C "$work/rootfs" --numeric-owner --xattrs -cf "$work/minbase.tar" .
  $SUDO mv "$work/minbase.tar" "$SKIFF_MINBASE"
  $SUDO rm -rf "$work"
}
