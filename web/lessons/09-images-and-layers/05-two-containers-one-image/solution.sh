cd
mkdir -p two/upper two/work two/merged
mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=/root/two/upper,workdir=/root/two/work /root/two/merged
unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/two/merged bash
tail -n 1 /etc/motd
ls /etc/issue /hello.txt
