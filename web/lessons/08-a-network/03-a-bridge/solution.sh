ip link add br0 type bridge
ip link set br0 up
ip link set veth0 master br0
ip addr del 10.0.0.1/24 dev veth0
ip addr add 10.0.0.1/24 dev br0
ping -c 1 10.0.0.2
