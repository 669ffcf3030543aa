echo rootfs > /root/rootfs/etc/debian_chroot
chroot /root/rootfs bash
