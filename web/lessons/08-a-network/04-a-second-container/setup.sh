# A fresh machine gets what the steps before made: the root filesystem with busybox in it; a
# container in the background (sleep) holding veth1 (10.0.0.2/24, up); its peer veth0 plugged
# into the bridge br0, which has the host's 10.0.0.1/24. Background processes go in the
# learner's cgroup.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
[ -x /root/rootfs/bin/busybox ] || cp /bin/busybox /root/rootfs/bin/
[ -e /sys/class/net/veth0 ] || ip link add veth0 type veth peer name veth1
ip link set veth0 up
if [ -e /sys/class/net/veth1 ]; then
  unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/rootfs sleep infinity </dev/null >/dev/null 2>&1 &
  pid=$!
  host=$(readlink /proc/self/ns/net)
  i=0
  while [ "$(readlink /proc/$pid/ns/net)" = "$host" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  ip link set veth1 netns $pid
  nsenter --net=/proc/$pid/ns/net ip addr add 10.0.0.2/24 dev veth1
  nsenter --net=/proc/$pid/ns/net ip link set veth1 up
fi
[ -e /sys/class/net/br0 ] || ip link add br0 type bridge
ip link set br0 up
ip link set veth0 master br0
ip addr del 10.0.0.1/24 dev veth0 2>/dev/null
ip -o -4 addr show dev br0 | grep -q 'inet 10\.0\.0\.1/' || ip addr add 10.0.0.1/24 dev br0
true
