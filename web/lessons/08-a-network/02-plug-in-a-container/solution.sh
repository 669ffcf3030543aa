cp /bin/busybox /root/rootfs/bin/
unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/rootfs bash
busybox ip link
#@ second
lsns -t net
ip link set veth1 netns $(pgrep -n unshare)
ip link
#@ main
busybox ip link
busybox ip addr add 10.0.0.2/24 dev veth1
busybox ip link set veth1 up
busybox ping -c 1 10.0.0.1
