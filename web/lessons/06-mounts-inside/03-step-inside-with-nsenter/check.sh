# Done once a shell has joined a container from outside, root directory included: a process in a
# PID namespace of its own (two or more numbers in its NSpid line) that is not that namespace's
# PID 1, whose parent (nsenter) is in the machine's PID namespace, and whose root is /root/rootfs.
# One awk reads every process's status (cat skips the ones that end meanwhile).
joined=$(cat /proc/[0-9]*/status 2>/dev/null | awk '
  $1 == "Pid:" { pid = $2 } $1 == "PPid:" { parent[pid] = $2 }
  $1 == "NSpid:" { depth[pid] = NF - 1; last[pid] = $NF }
  END { for (p in depth) if (depth[p] > 1 && last[p] != 1 && depth[parent[p]] == 1) printf "/proc/%s/root ", p }')
if [ -z "$joined" ]; then
  echo "No shell has joined the container from outside yet: in the second shell, run nsenter --target \$PID --all --root --wd."
  exit 1
fi
if [ -z "$(find $joined -maxdepth 0 -lname /root/rootfs 2>/dev/null)" ]; then
  echo "Your nsenter shell is in the container's namespaces but not its files: exit, and enter again with --root --wd too."
  exit 1
fi
