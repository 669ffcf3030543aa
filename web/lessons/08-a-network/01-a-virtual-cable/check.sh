# Done once the host has veth0, up, with an address on 10.0.0.0/24: the kernel then routes
# 10.0.0.0/24 through veth0 (/proc/net/route lists it, destination 0000000A). The usual path
# reads files with the shell's own builtins and starts no process.
if [ ! -e /sys/class/net/veth0 ]; then
  echo "There is no veth0 yet: make the pair with ip link add veth0 type veth peer name veth1."
  exit 1
fi
routed=
while read -r dev dest rest; do
  [ "$dev $dest" = "veth0 0000000A" ] && routed=1
done < /proc/net/route
[ -n "$routed" ] && exit 0
case "$(ip -o -4 addr show dev veth0)" in
  *" 10.0.0.1/24 "*) echo "veth0 has its address but is still down: ip link set veth0 up." ;;
  *) echo "veth0 has no address yet: ip addr add 10.0.0.1/24 dev veth0." ;;
esac
exit 1
