rm one/merged/etc/issue
ls one/merged/etc/issue
ls -l one/upper/etc/issue rootfs/etc/issue
