ldd /bin/ls
cd ~/my-new-root
cp /bin/ls bin
cp /lib/i386-linux-gnu/libselinux.so.1 lib/i386-linux-gnu
mkdir -p usr/lib/i386-linux-gnu
cp /usr/lib/i386-linux-gnu/libpcre2-8.so.0 usr/lib/i386-linux-gnu
#@ main
ls /
ls -l /bin
exit
