#!/usr/bin/env bash
# Build the Contained guest kernel: Debian's linux-source-6.1 plus the small patches in
# images/kernel/patches/ (applied in name order), `tinyconfig` plus
# images/kernel/contained.config, i386, everything built in.
#
# Outputs (committed):
#   images/out/bzImage          the kernel
#   images/kernel/full.config   the fully resolved .config
#   images/kernel/VERSION       linux-source-6.1=<Debian package version>
#
# usage: scripts/build-kernel.sh [--clean] [--config-only]
#   --clean        re-extract the source tree even if build/kernel/ already has it
#   --config-only  stop after resolving and verifying the config (no compile)
#
# The build is reproducible: the same source package, fragment and toolchain give a
# byte-identical bzImage (fixed KBUILD_BUILD_* values, no LOCALVERSION_AUTO, in-tree
# build with relative paths, no debug info).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG=linux-source-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz
WORK="$ROOT/build/kernel"
SRC="$WORK/linux-source-6.1"
FRAGMENT="$ROOT/images/kernel/contained.config"
PATCHES="$ROOT/images/kernel/patches"
OUT="$ROOT/images/out"

CLEAN=0
CONFIG_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --clean) CLEAN=1 ;;
    --config-only) CONFIG_ONLY=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[build-kernel] %s\n' "$*" >&2; }

# --- 1. Tools and the Debian source package ----------------------------------------
need_pkgs=()
for p in "$PKG" make gcc bc flex bison libelf-dev libssl-dev lz4 xz-utils cpio perl patch; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  log "installing: ${need_pkgs[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi
PKG_VERSION="$(dpkg-query -W -f='${Version}' "$PKG")"
log "$PKG version $PKG_VERSION"

# --- 2. Source tree (re-extracted and patched when missing, stale or --clean) ----------
shopt -s nullglob
patch_files=("$PATCHES"/*.patch)
STAMP="$WORK/.source-stamp"
want_stamp="$PKG_VERSION $(cat "${patch_files[@]}" /dev/null | sha256sum | cut -d' ' -f1)"
if [ "$CLEAN" = 1 ] || [ ! -f "$SRC/Makefile" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want_stamp" ]; then
  log "extracting $TARBALL into $WORK"
  rm -rf "$SRC" "$STAMP"
  mkdir -p "$WORK"
  tar -xf "$TARBALL" -C "$WORK"
  for p in "${patch_files[@]}"; do
    log "applying $(basename "$p")"
    patch -s -p1 -d "$SRC" < "$p"
  done
  echo "$want_stamp" > "$STAMP"
fi

# --- 3. Reproducible build environment -------------------------------------------------
export ARCH=i386
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2025"
export KBUILD_BUILD_USER=contained
export KBUILD_BUILD_HOST=contained
export KBUILD_BUILD_VERSION=1
export LC_ALL=C TZ=UTC
export SOURCE_DATE_EPOCH=1735689600
unset KCFLAGS KAFLAGS KCPPFLAGS LOCALVERSION CROSS_COMPILE 2>/dev/null || true
cd "$SRC"

# --- 4. Config: tinyconfig + fragment, then verify -------------------------------------
log "make tinyconfig + $FRAGMENT"
make -s tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null
make -s olddefconfig

# Every option named in the fragment must have the requested value in the resolved
# config ("is not set" is also satisfied by the option being absent/unselectable).
bad=()
while IFS= read -r line; do
  if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
    opt="${BASH_REMATCH[1]}"; want="${BASH_REMATCH[2]}"
    got="$(grep -E "^$opt=" .config | head -n1 | cut -d= -f2- || true)"
    if [ -z "$got" ] && grep -qE "^# $opt is not set" .config; then got="n"; fi
    [ "$got" = "$want" ] || bad+=("$opt: wanted $want, got ${got:-<absent>}")
  elif [[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
    opt="${BASH_REMATCH[1]}"
    if grep -qE "^$opt=" .config; then
      bad+=("$opt: wanted not set, got $(grep -E "^$opt=" .config | cut -d= -f2-)")
    fi
  fi
done < "$FRAGMENT"
if ((${#bad[@]})); then
  log "ERROR: ${#bad[@]} option(s) in $(basename "$FRAGMENT") did not stick (unmet dependencies?):"
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
log "all $(grep -cE '^(CONFIG_|# CONFIG_.* is not set)' "$FRAGMENT") fragment options verified"
if grep -q '^CONFIG_MODULES=y' .config; then log "ERROR: CONFIG_MODULES is on"; exit 1; fi

mkdir -p "$OUT"
# the resolved config, committed so config changes show up in review
cp .config "$ROOT/images/kernel/full.config"
echo "$PKG=$PKG_VERSION" > "$ROOT/images/kernel/VERSION"
[ "$CONFIG_ONLY" = 1 ] && { log "config only: done"; exit 0; }

# --- 5. Compile ----------------------------------------------------------------------------
log "building bzImage with -j$(nproc)"
start=$SECONDS
make -s -j"$(nproc)" bzImage
log "compiled in $((SECONDS - start)) s"
cp arch/x86/boot/bzImage "$OUT/bzImage"

size=$(stat -c %s "$OUT/bzImage")
sha=$(sha256sum "$OUT/bzImage" | cut -d' ' -f1)
echo "kernel:  $PKG=$PKG_VERSION ($(make -s kernelversion))"
echo "bzImage: $OUT/bzImage"
echo "size:    $size bytes"
echo "sha256:  $sha"
