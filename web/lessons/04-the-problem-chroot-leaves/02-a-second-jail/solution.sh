chroot /root/rootfs bash
echo hello from the second jail >> /tmp/log
exit
