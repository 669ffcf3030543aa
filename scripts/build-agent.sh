#!/usr/bin/env bash
# Builds the guest's control agent: a static i386 binary (it cannot run on the host).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/agent"
mkdir -p "$out"
gcc -m32 -march=i686 -static -Os -s -Wall -Wextra -Werror -Wno-unused-result \
  -ffile-prefix-map="$root"=. -Wl,--build-id=none \
  -o "$out/contained-agent" "$root/images/agent/agent.c"
sha256sum "$out/contained-agent"
