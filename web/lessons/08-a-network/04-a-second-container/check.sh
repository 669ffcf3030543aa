# Done once br0 has a second port and a container other than the first has reached 10.0.0.2,
# the first container: a neighbour table knows 10.0.0.2 behind a device that is not the host's
# (br0, veth0). The first container's own table never lists its own address. One grep reads
# every process's table (/proc/PID/net/arp is the table of PID's network namespace).
if [ ! -e /sys/class/net/br0 ]; then
  echo "There is no bridge br0: do the step before this one first."
  exit 1
fi
set -- /sys/class/net/br0/brif/*
if [ $# -lt 2 ]; then
  echo "Only one cable is plugged into br0: make veth2/veth3, move veth3 into the held namespace and plug veth2 into br0 (second shell)."
  exit 1
fi
grep -hsE '^10\.0\.0\.2 +0x1 +0x2 ' /proc/[0-9]*/net/arp | {
  while read -r ip type flags mac mask dev; do
    case "$dev" in br0 | veth0) ;; *) exit 0 ;; esac
  done
  exit 1
} && exit 0
echo "The second container has not reached the first yet: in it, busybox ip addr add 10.0.0.3/24 dev veth3, busybox ip link set veth3 up, then busybox ping -c 1 10.0.0.2."
exit 1
