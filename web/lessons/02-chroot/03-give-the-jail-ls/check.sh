# Done once ls runs inside the learner's new root: the root of a chrooted process, a folder a
# process stands in (where the shell is back after exit) or /root/my-new-root. One find gives
# the candidates; chroot runs ls once per folder that has a bin/ls.
hint="The new root has no ls yet: in the second shell, cp /bin/ls into my-new-root/bin"
tried=
for dir in /root/my-new-root $(find /proc/[0-9]*/root /proc/[0-9]*/cwd -maxdepth 0 ! -lname / -printf '%l\n' 2>/dev/null); do
  case " $tried " in *" $dir "*) continue ;; esac
  tried="$tried $dir"
  [ -x "$dir/bin/ls" ] || continue
  chroot "$dir" /bin/ls / >/dev/null 2>&1 && exit 0
  hint="ls is in $dir/bin but cannot start there: copy each library ldd /bin/ls lists to the same path under $dir"
done
echo "$hint"
exit 1
