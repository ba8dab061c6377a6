#!/usr/bin/env bash
# Installs a built skiff on this machine (or into a staging directory for a device image):
# the executable, man pages, completions and the boot unit that starts the containers whose restart
# policy says so, for the init system there is (systemd, OpenRC or sysvinit).
#   scripts/install.sh [--prefix /usr/local] [--destdir DIR] [--init auto|systemd|openrc|sysv|none]
#                      [--executable dist/skiff] [--no-enable]
# With --destdir (staging) nothing is enabled: the device's first boot does not run this script.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=/usr/local destdir="" init=auto exe="$here/dist/skiff" enable=1
die() { echo "install: $*" >&2; exit 125; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?}; shift ;;
    --destdir) destdir=${2:?}; shift ;;
    --init) init=${2:?}; shift ;;
    --executable) exe=${2:?}; shift ;;
    --no-enable) enable=0 ;;
    -h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
case "$prefix" in /*) ;; *) die "--prefix must be an absolute path, not $prefix" ;; esac
[ -x "$exe" ] || die "$exe is not an executable: run npm run build first, or give --executable"
if [ -n "$destdir" ]; then enable=0; fi

if [ "$init" = auto ]; then
  if [ -n "$destdir" ]; then init=none
  elif [ -d /run/systemd/system ]; then init=systemd
  elif command -v openrc-run >/dev/null 2>&1; then init=openrc
  elif [ -d /etc/init.d ]; then init=sysv
  else init=none
  fi
fi

root="${destdir%/}"
install -D -m 755 "$exe" "$root$prefix/bin/skiff"
for page in "$here"/man/*.1; do install -D -m 644 "$page" "$root$prefix/share/man/man1/$(basename "$page")"; done
install -D -m 644 "$here/completions/skiff.bash" "$root$prefix/share/bash-completion/completions/skiff"
install -D -m 644 "$here/completions/_skiff" "$root$prefix/share/zsh/site-functions/_skiff"
install -D -m 644 "$here/completions/skiff.fish" "$root$prefix/share/fish/vendor_completions.d/skiff.fish"

# the shipped units name /usr/local/bin/skiff: another prefix is written into the installed copy
unit() { # unit SOURCE DEST MODE
  install -D -m "$3" /dev/null "$root$2"
  sed "s|/usr/local/bin/skiff|$prefix/bin/skiff|g" "$here/$1" > "$root$2"
}
case "$init" in
  systemd)
    unit contrib/systemd/skiff-restart.service /etc/systemd/system/skiff-restart.service 644
    if [ "$enable" = 1 ]; then systemctl daemon-reload && systemctl enable skiff-restart.service; fi ;;
  openrc)
    unit contrib/openrc/skiff-restart /etc/init.d/skiff-restart 755
    if [ "$enable" = 1 ]; then rc-update add skiff-restart default; fi ;;
  sysv)
    unit contrib/init.d/skiff-restart /etc/init.d/skiff-restart 755
    if [ "$enable" = 1 ]; then
      if command -v update-rc.d >/dev/null; then update-rc.d skiff-restart defaults; else echo "install: enable /etc/init.d/skiff-restart in your runlevels" >&2; fi
    fi ;;
  none) ;;
  *) die "unknown --init $init (auto, systemd, openrc, sysv or none)" ;;
esac
echo "installed skiff in $root$prefix (boot unit: $init)"
