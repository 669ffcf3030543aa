unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/one/merged bash
tail -n 1 /etc/motd
ls /etc/issue
echo hello > /hello.txt
#@ second
ls /root/one/upper
ls /root/rootfs
