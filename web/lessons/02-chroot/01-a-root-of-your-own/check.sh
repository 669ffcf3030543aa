# Done once a bash runs with a root other than / (in a chroot), wherever the learner built it.
# One find reads every process's root link: a process per PID would take seconds in the emulator.
for proc in $(find /proc/[0-9]*/root -maxdepth 0 ! -lname / -printf '%h\n' 2>/dev/null); do
  read -r comm 2>/dev/null <"$proc/comm" && [ "$comm" = bash ] && exit 0
done
root=/root/my-new-root
if [ ! -e $root/bin/bash ]; then
  echo "my-new-root has no bash yet: mkdir -p my-new-root/bin, then cp /bin/bash my-new-root/bin"
elif [ ! -e $root/lib/ld-linux.so.2 ] || [ ! -e $root/lib/i386-linux-gnu/libc.so.6 ] || [ ! -e $root/lib/i386-linux-gnu/libtinfo.so.6 ]; then
  echo "bash is in my-new-root, but not all it needs: copy each file ldd /bin/bash lists to the same path under my-new-root"
else
  echo "my-new-root is ready: cd my-new-root, then chroot . bash"
fi
exit 1
