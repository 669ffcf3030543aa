# Done once a process runs with /root/rootfs as its root and shares none of these namespaces
# with the machine: mnt, uts, ipc, net, pid, user. One find reads every process's root link; for
# each process found, one find prints the names of the namespaces it still shares with init
# (`find -L` follows ns links to the namespaces themselves, so `-samefile` compares them).
roots=$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/rootfs 2>/dev/null)
if [ -z "$roots" ]; then
  echo "Nothing runs in /root/rootfs yet: run the whole unshare line, ending in chroot /root/rootfs bash."
  exit 1
fi
for root in $roots; do
  ns=${root%/root}/ns
  shared=$(find -L "$ns" -mindepth 1 -maxdepth 1 \( \
      -name mnt -samefile /proc/1/ns/mnt -o -name uts -samefile /proc/1/ns/uts -o \
      -name ipc -samefile /proc/1/ns/ipc -o -name net -samefile /proc/1/ns/net -o \
      -name pid -samefile /proc/1/ns/pid -o -name user -samefile /proc/1/ns/user \) -printf '%f ' 2>/dev/null)
  [ -z "$shared" ] && [ -d "$ns" ] && exit 0
done
echo "Your chroot still shares the machine's ${shared% } namespace(s): type exit, then run the whole line, every flag in it."
exit 1
