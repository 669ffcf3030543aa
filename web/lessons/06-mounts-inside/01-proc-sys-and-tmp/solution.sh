unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/rootfs bash
hostname container
mount -t proc none /proc
ps aux
mount -t sysfs none /sys
mount -t tmpfs none /tmp
