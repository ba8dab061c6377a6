#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for skiff: system packages, npm dependencies, build; then checks
# end to end, offline, that this host runs containers. Idempotent; run as root (or it uses sudo).
#   bash scripts/setup.sh            packages the tests need, build, container check
#   bash scripts/setup.sh --bench    also what bench/ compares against (podman, umoci, hyperfine, qemu)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# What the tests use: runc and a registry (real components), busybox-static (test image base),
# CNI plugins, crun (--runtime), skopeo, umoci and podman (interop), attr (getfattr), man-db, zsh and fish (completion checks), and
# qemu-user-static with arm64's libc to run the arm64 executable.
PACKAGES=(runc crun docker-registry busybox-static containernetworking-plugins skopeo umoci podman attr zstd man-db zsh fish tar util-linux iproute2 ca-certificates catatonit iptables qemu-user-static libc6:arm64)
BENCH_PACKAGES=(hyperfine time)

if [ "${1:-}" = "--bench" ]; then PACKAGES+=("${BENCH_PACKAGES[@]}"); fi

update=""
if ! dpkg --print-foreign-architectures | grep -qx arm64; then $SUDO dpkg --add-architecture arm64; update=1; fi

missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ] || [ -n "$update" ]; then
  echo "==> installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
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
