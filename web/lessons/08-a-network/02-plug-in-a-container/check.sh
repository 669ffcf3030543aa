# Done once veth1 is in a container and a packet has crossed the cable: some process's neighbour
# table knows 10.0.0.1's hardware address behind veth1. (/proc/PID/net/arp is the table of PID's
# network namespace; the host's own never lists 10.0.0.1, its own address.) One grep reads them all.
if [ -e /sys/class/net/veth1 ]; then
  echo "veth1 is still on the host: start the container (main shell), then move veth1 in from the second shell: ip link set veth1 netns \$(pgrep -n unshare)."
  exit 1
fi
if [ ! -e /sys/class/net/veth0 ]; then
  echo "The cable is gone (a veth pair goes when its container exits): make it again as in the step before, start the container and move veth1 in."
  exit 1
fi
if ! grep -qsE '^10\.0\.0\.1 +0x1 +0x2 .* veth1$' /proc/[0-9]*/net/arp; then
  echo "veth1 is in the container, but nothing has crossed yet: in the container, busybox ip addr add 10.0.0.2/24 dev veth1, busybox ip link set veth1 up, then busybox ping -c 1 10.0.0.1."
  exit 1
fi
