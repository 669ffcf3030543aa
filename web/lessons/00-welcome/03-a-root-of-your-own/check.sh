# Done once a process runs with /root/my-new-root as its root directory.
for process in /proc/[0-9]*; do
  [ "$(readlink "$process/root" 2>/dev/null)" = /root/my-new-root ] && exit 0
done
echo "No process runs inside my-new-root yet: run chroot . bash from inside it."
exit 1
