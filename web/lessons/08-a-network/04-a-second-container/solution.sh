unshare --user --map-root-user --net sleep infinity &
TWO=$!
ip link add veth2 type veth peer name veth3
ip link set veth3 netns $TWO
ip link set veth2 master br0
ip link set veth2 up
nsenter --target $TWO --user --net unshare --mount --uts --ipc --pid --fork chroot /root/rootfs bash
busybox ip addr add 10.0.0.3/24 dev veth3
busybox ip link set veth3 up
busybox ping -c 1 10.0.0.2
