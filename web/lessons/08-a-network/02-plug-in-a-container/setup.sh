# A fresh machine gets what the step before made: the root filesystem in /root/rootfs and the
# pair veth0/veth1, both ends on the host, veth0 up with 10.0.0.1/24.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
[ -e /sys/class/net/veth0 ] || ip link add veth0 type veth peer name veth1
ip -o -4 addr show | grep -q 'inet 10\.0\.0\.1/' || ip addr add 10.0.0.1/24 dev veth0
ip link set veth0 up
