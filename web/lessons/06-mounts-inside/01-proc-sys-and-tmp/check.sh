# Done once a container (a process whose root is /root/rootfs, in a mount namespace of its own)
# has proc on /proc, sysfs on /sys and tmpfs on /tmp. One find reads every process's root link;
# the shell's own `read` turns each one's mountinfo ("ID PARENT DEV ROOT MOUNTPOINT ... - TYPE
# ...", mount points as the process sees them) into "MOUNTPOINT TYPE" lines.
roots=$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/rootfs 2>/dev/null)
if [ -z "$roots" ]; then
  echo "No container runs yet: run the unshare line, the one that ends in chroot /root/rootfs bash."
  exit 1
fi
hint="That chroot shares the machine's mounts: type exit, then run the whole unshare line."
for root in $roots; do
  pid=${root%/root}
  [ -n "$(find -L $pid/ns/mnt -maxdepth 0 ! -samefile /proc/1/ns/mnt 2>/dev/null)" ] || continue
  mounts=
  while read -r id parent dev base point rest; do
    type=${rest#* - }
    mounts="$mounts
$point ${type%% *}"
  done < $pid/mountinfo 2>/dev/null
  case "$mounts" in *"/proc proc"*) ;; *) hint="The container has no /proc yet: run mount -t proc none /proc in it."; continue ;; esac
  case "$mounts" in *"/sys sysfs"*) ;; *) hint="/proc is mounted. Now /sys: run mount -t sysfs none /sys in the container."; continue ;; esac
  case "$mounts" in *"/tmp tmpfs"*) exit 0 ;; *) hint="/proc and /sys are there. One more: mount -t tmpfs none /tmp in the container." ;; esac
done
echo "$hint"
exit 1
