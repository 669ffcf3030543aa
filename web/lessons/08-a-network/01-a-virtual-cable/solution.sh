ip link add veth0 type veth peer name veth1
ip link
ip addr add 10.0.0.1/24 dev veth0
ip link set veth0 up
