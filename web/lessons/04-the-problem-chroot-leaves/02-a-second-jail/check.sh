# Done once the file a chrooted tail follows (/tmp/log in its root) has a line in it.
for proc in $(find /proc/[0-9]*/root -maxdepth 0 ! -lname / -printf '%h\n' 2>/dev/null); do
  read -r comm 2>/dev/null <"$proc/comm" && [ "$comm" = tail ] || continue
  [ -s "$proc/root/tmp/log" ] && exit 0
  echo "The jail's /tmp/log is still empty: in the second shell, chroot /root/rootfs bash, then echo hello >> /tmp/log"
  exit 1
done
echo "No tail runs in the jail any more: start it again in the first shell (chroot /root/rootfs bash, then tail -f /tmp/log)"
exit 1
