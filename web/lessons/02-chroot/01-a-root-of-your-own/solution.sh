mkdir -p my-new-root/bin
cp /bin/bash my-new-root/bin
chroot my-new-root bash
ldd /bin/bash
mkdir -p my-new-root/lib/i386-linux-gnu
cp /lib/i386-linux-gnu/libtinfo.so.6 /lib/i386-linux-gnu/libc.so.6 my-new-root/lib/i386-linux-gnu
cp /lib/ld-linux.so.2 my-new-root/lib
cd my-new-root
chroot . bash
