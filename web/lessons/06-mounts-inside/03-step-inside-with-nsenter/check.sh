# Done once a shell has joined a container from outside, root directory included: a process whose
# root is /root/rootfs, that is not its PID namespace's PID 1 (the last number of its NSpid line),
# and whose parent (nsenter) is not in the container. One find lists the processes in
# /root/rootfs; the shell's own `read` reads their status files (no program per process).
roots=" $(find /proc/[0-9]*/root -maxdepth 0 -lname /root/rootfs 2>/dev/null | tr '\n' ' ') "
for root in $roots; do
  parent= last=
  while read -r key value; do
    case $key in PPid:) parent=$value ;; NSpid:) last=${value##*[[:space:]]} ;; esac
  done < "${root%/root}/status" 2>/dev/null
  [ -n "$parent" ] && [ "$last" != 1 ] || continue
  case "$roots" in *" /proc/$parent/root "*) ;; *) exit 0 ;; esac
done
echo "No shell has joined the container from outside yet: in the second shell, run nsenter --target \$PID --all --root --wd (without --root and --wd it gets the machine's files)."
exit 1
