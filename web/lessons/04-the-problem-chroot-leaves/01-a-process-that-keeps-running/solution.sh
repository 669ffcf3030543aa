chroot /root/rootfs bash
touch /tmp/log
tail -f /tmp/log
