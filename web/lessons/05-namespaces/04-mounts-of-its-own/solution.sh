unshare --mount bash
mount -t tmpfs none /mnt
touch /mnt/inside
#@ second
ls /mnt
