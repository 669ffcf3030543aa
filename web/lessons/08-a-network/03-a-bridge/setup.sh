# A fresh machine gets what the steps before made: the root filesystem with busybox in it, and
# the pair veth0 (on the host, up, 10.0.0.1/24) and veth1 (10.0.0.2/24, up, in a container). The
# container runs in the background here (sleep), not in a shell; it lives in the learner's cgroup.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
[ -x /root/rootfs/bin/busybox ] || cp /bin/busybox /root/rootfs/bin/
[ -e /sys/class/net/veth0 ] || ip link add veth0 type veth peer name veth1
ip -o -4 addr show | grep -q 'inet 10\.0\.0\.1/' || ip addr add 10.0.0.1/24 dev veth0
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
