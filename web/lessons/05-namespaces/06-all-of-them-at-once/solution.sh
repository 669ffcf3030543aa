unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/rootfs bash
hostname container
#@ second
ls -l /proc/$(pgrep -n -x bash)/ns
