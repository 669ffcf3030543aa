#!/usr/bin/env bash
# Builds the guest's static i386 programs (they cannot run on the host): /sbin/init, the
# control agent, the login-shell starter and the inspector (the page's view of the kernel).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build/agent"
mkdir -p "$out"
for name in agent login init inspect; do
  gcc -m32 -march=i686 -static -Os -s -Wall -Wextra -Werror -Wno-unused-result \
    -ffile-prefix-map="$root"=. -Wl,--build-id=none \
    -o "$out/contained-$name" "$root/images/agent/$name.c"
done
sha256sum "$out/contained-agent" "$out/contained-login" "$out/contained-init" "$out/contained-inspect"
