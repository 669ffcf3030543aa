# Done once a container (a process whose root is /root/rootfs) has a file hello in its own /tmp:
# the tmpfs seen through /proc/PID/root, not the folder /root/rootfs/tmp on the machine's disk.
roots=$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/rootfs 2>/dev/null)
if [ -z "$roots" ]; then
  echo "No container runs: start it in the first shell as in the last step."
  exit 1
fi
hint="The container's /tmp has no hello yet: echo hello from outside > /proc/\$PID/root/tmp/hello in the second shell."
for root in $roots; do
  if [ -e "$root/tmp/hello" ]; then
    [ "$root/tmp/hello" -ef /root/rootfs/tmp/hello ] || exit 0
    hint="That hello is in the folder /root/rootfs/tmp: the container has no tmpfs of its own on /tmp yet (mount -t tmpfs none /tmp in it)."
  fi
done
echo "$hint"
exit 1
