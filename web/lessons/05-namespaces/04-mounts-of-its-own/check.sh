# Done once some process sees a tmpfs on /mnt that the machine does not: mountinfo lines are
# "ID PARENT DEV ROOT MOUNTPOINT OPTIONS ... - TYPE SOURCE ...". One grep reads every process's.
if grep -qs ' /mnt .* - tmpfs ' /proc/1/mountinfo; then
  echo "That tmpfs is on the machine's own /mnt: run umount /mnt here, then unshare --mount bash and mount it in there."
  exit 1
fi
if ! grep -qs ' /mnt .* - tmpfs ' /proc/[0-9]*/mountinfo; then
  echo "No mount namespace has a tmpfs on /mnt yet: run unshare --mount bash, then mount -t tmpfs none /mnt in it."
  exit 1
fi
