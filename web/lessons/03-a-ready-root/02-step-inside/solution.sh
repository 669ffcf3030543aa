chroot /root/rootfs bash
ls
cat /etc/os-release
cd /root
cp /etc/os-release release.txt
ls -l
