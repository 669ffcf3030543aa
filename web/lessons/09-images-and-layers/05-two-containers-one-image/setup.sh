# Steps 1-4 on a fresh machine: the root filesystem, the overlay one over it with etc/motd
# changed, etc/issue deleted and hello.txt written, and a container whose root is
# /root/one/merged, here in the background (sleep) in the learner's cgroup.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
mkdir -p /root/one/upper /root/one/work /root/one/merged
mountpoint -q /root/one/merged || mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=/root/one/upper,workdir=/root/one/work /root/one/merged
[ -e /root/one/upper/etc/motd ] || echo "Built by hand." >> /root/one/merged/etc/motd
[ ! -e /root/one/merged/etc/issue ] || rm /root/one/merged/etc/issue
[ -e /root/one/upper/hello.txt ] || echo hello > /root/one/merged/hello.txt
if [ -z "$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/one/merged 2>/dev/null)" ]; then
  unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/one/merged sleep infinity </dev/null >/dev/null 2>&1 &
fi
