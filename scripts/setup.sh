#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for skiff: system packages, npm dependencies, build; then checks
# end to end, offline, that this host runs containers. Idempotent; run as root (or it uses sudo).
#   bash scripts/setup.sh            packages the tests need, build, container check
#   bash scripts/setup.sh --bench    also what bench/ compares against (podman, umoci, hyperfine, qemu)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

source scripts/lib/apt.sh
source scripts/lib/minbase.sh
source scripts/lib/node18.sh

# What the tests (and with --bench, bench/) call that a new machine lacks: scripts/packages.txt, one
# package a line; a line tagged "bench" only with --bench.
bench=""
if [ "${1:-}" = "--bench" ]; then bench=1; fi
PACKAGES=()
while read -r name tag _; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ "$tag" = "bench" ] && [ -z "$bench" ]; then continue; fi
  PACKAGES+=("$name")
done < scripts/packages.txt

# qemu runs the arm64 executable with arm64's libc: a foreign architecture
if ! dpkg --print-foreign-architectures | grep -qx arm64; then $SUDO dpkg --add-architecture arm64; fi

missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  apt_install "${missing[@]}" || exit 1
fi

make_minbase || exit 1
make_node18 || exit 1

# rootless networking (slirp4netns, pasta) opens /dev/net/tun as the user: Debian's udev makes it
# 0666; a machine without udev (a microVM, a container) leaves the kernel's 0600
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  echo "==> /dev/net/tun: mode 0666, as udev sets it (rootless networking needs it)"
  $SUDO chmod 0666 /dev/net/tun
fi

echo "==> npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "==> build"
npm run --silent build

echo "==> dist/skiff"
dist/skiff --version
dist/skiff info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Version}}, cgroups {{.Host.CgroupsVersion}} ({{.Host.CgroupsMode}}), overlay {{.Host.OverlaySupported}}, CNI {{join .Host.CNI.Plugins ","}}'

# End to end, offline: the host's busybox-static becomes an image, and skiff runs it under runc.
echo "==> a container, offline: busybox imported from the host, run by skiff"
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in sh ls cat echo uname id ps sleep; do ln -s busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\n' > "$rootfs/etc/group"
tar -C "$rootfs" -c . | $SUDO dist/skiff import --change 'CMD ["sh"]' - busybox-host >/dev/null
$SUDO dist/skiff run --rm busybox-host sh -c 'echo "hello from a container: $(uname -sm), pid $$"'
echo "==> ready: run the tests with 'npm test'; try 'dist/skiff run --rm -it busybox-host'"
