# Steps 1-2 on a fresh machine: the root filesystem, the overlay one over it, and etc/motd
# changed through it (so copied up).
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
mkdir -p /root/one/upper /root/one/work /root/one/merged
mountpoint -q /root/one/merged || mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=/root/one/upper,workdir=/root/one/work /root/one/merged
[ -e /root/one/upper/etc/motd ] || echo "Built by hand." >> /root/one/merged/etc/motd
