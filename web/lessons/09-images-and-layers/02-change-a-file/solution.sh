echo "Built by hand." >> one/merged/etc/motd
tail -n 2 one/merged/etc/motd
tail -n 2 rootfs/etc/motd
ls -l rootfs/etc/motd one/upper/etc/motd
