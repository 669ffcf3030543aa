# A fresh machine gets the root of the last lesson: the tarball unpacked in /root/rootfs.
[ -d /root/rootfs/var/tmp ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
