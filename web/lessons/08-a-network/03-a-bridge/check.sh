# Done once br0 is up with veth0 as a port, the host's address has moved from veth0 to br0 (the
# route to 10.0.0.0/24 goes through br0, not veth0), and the host has reached 10.0.0.2 through br0
# (its neighbour table knows 10.0.0.2 behind br0). Builtins only: no process to start.
if [ ! -e /sys/class/net/br0 ]; then
  echo "There is no bridge yet: ip link add br0 type bridge (second shell)."
  exit 1
fi
read -r flags < /sys/class/net/br0/flags
[ $((flags & 1)) -eq 1 ] || { echo "br0 is still down: ip link set br0 up."; exit 1; }
[ -e /sys/class/net/br0/brif/veth0 ] || { echo "veth0 is not plugged into br0 yet: ip link set veth0 master br0."; exit 1; }
on_veth0= on_br0=
while read -r dev dest rest; do
  case "$dev $dest" in
    "veth0 0000000A") on_veth0=1 ;;
    "br0 0000000A") on_br0=1 ;;
  esac
done < /proc/net/route
[ -z "$on_veth0" ] || { echo "10.0.0.1 is still on veth0: ip addr del 10.0.0.1/24 dev veth0."; exit 1; }
[ -n "$on_br0" ] || { echo "br0 has no address yet: ip addr add 10.0.0.1/24 dev br0."; exit 1; }
reached=
while read -r ip type flags mac mask dev; do
  [ "$ip $flags $dev" = "10.0.0.2 0x2 br0" ] && reached=1
done < /proc/net/arp
[ -n "$reached" ] || { echo "br0 is ready: now ping -c 1 10.0.0.2 across it."; exit 1; }
