./runtime.sh one 1
ps aux
cat /proc/self/cgroup
busybox ip addr
busybox ping -c 1 10.0.1.1
