#!/usr/bin/env bash
# Rebuilds every guest artifact in images/out/ from Debian packages, then the manifest and the
# pre-booted state. Needs root (apt-get) and about 15 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! dpkg --print-foreign-architectures | grep -qx i386; then dpkg --add-architecture i386; fi
apt-get update -q || true # a stale mirror index for one suite must not stop the build
apt-get install -y -q linux-source-6.1 bc flex bison libelf-dev libssl-dev lz4 zstd cpio \
  e2fsprogs gcc-multilib seabios >/dev/null

bash scripts/build-kernel.sh
bash scripts/build-rootfs.sh

# Firmware: SeaBIOS and its VGA BIOS, straight from Debian's package.
cp /usr/share/seabios/bios.bin /usr/share/seabios/vgabios-stdvga.bin images/out/
dpkg-query -W -f='${Version}\n' seabios > images/out/seabios.version

npx tsx scripts/write-manifest.ts
npx tsx scripts/preboot.ts --force
