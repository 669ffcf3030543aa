# Steps 1-1 on a fresh machine: the root filesystem, and the overlay one over it.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
mkdir -p /root/one/upper /root/one/work /root/one/merged
mountpoint -q /root/one/merged || mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=/root/one/upper,workdir=/root/one/work /root/one/merged
