# A fresh machine gets the root of step 1 in /root/my-new-root: bash and what ldd lists for it.
# A file is copied only when missing: a bash running from it cannot be overwritten.
cd /root
mkdir -p my-new-root/bin my-new-root/lib/i386-linux-gnu
[ -e my-new-root/bin/bash ] || cp /bin/bash my-new-root/bin
for lib in /lib/i386-linux-gnu/libtinfo.so.6 /lib/i386-linux-gnu/libc.so.6; do
  [ -e "my-new-root$lib" ] || cp "$lib" my-new-root/lib/i386-linux-gnu
done
[ -e my-new-root/lib/ld-linux.so.2 ] || cp /lib/ld-linux.so.2 my-new-root/lib
