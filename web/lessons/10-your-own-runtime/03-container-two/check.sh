# Done once two containers made by the runtime are running, each with a root of its own on an
# overlay over /root/rootfs, pid, uts and network namespaces of its own (none shared with the
# host or with the other), a cable, and a cgroup with limits; and their hostnames differ (nsenter
# reads them, once all the rest is there).
# The containers: processes whose root is the merged directory of an overlay over /root/rootfs.
# The overlays come from the host's mount table, read with the shell's builtins; one find picks
# the processes on them, a second reads the namespaces of one process for each root, and of
# PID 1 (the host's). The rest is read with builtins: the process's cgroup and its limits, the
# devices of its network namespace. Then $ok holds a PID for each container that has it all,
# with namespaces no other one has, and $hint says what the closest other one lacks, if it lacks
# one thing only (a container from an earlier lesson lacks more: no hint about it).
set --
while read -r id parent dev root mnt rest; do
  case "$rest" in
    *" - overlay "*"lowerdir=/root/rootfs"[,/]*) set -- "$@" -o -lname "$mnt" ;;
  esac
done < /proc/1/mountinfo
on=
if [ $# -gt 0 ]; then
  shift
  on=$(find /proc/[0-9]*/root -maxdepth 0 \( "$@" \) -printf '%h %l\n' 2>/dev/null)
fi
pids= roots= links=
while read -r dir r; do
  [ -n "$dir" ] || continue
  case " $roots " in *" $r "*) continue ;; esac
  p=${dir#/proc/}
  roots="$roots $r" pids="$pids $p" links="$links $dir/ns/pid $dir/ns/uts $dir/ns/net"
  eval "root_$p=\$r"
done <<EOF
$on
EOF
ok= hint= seen= best=2
if [ -n "$pids" ]; then
  while read -r path link; do
    p=${path#/proc/}
    eval "ns_${p%%/*}_${path##*/}=\$link"
  done <<EOF
$(find /proc/1/ns/pid /proc/1/ns/uts /proc/1/ns/net $links -maxdepth 0 -printf '%p %l\n' 2>/dev/null)
EOF
  for p in $pids; do
    eval "pidns=\$ns_${p}_pid utsns=\$ns_${p}_uts netns=\$ns_${p}_net"
    why= n=0
    [ "$pidns" != "$ns_1_pid" ] || { why=${why:-pid}; n=$((n + 1)); }
    [ "$utsns" != "$ns_1_uts" ] || { why=${why:-uts}; n=$((n + 1)); }
    [ "$netns" != "$ns_1_net" ] || { why=${why:-net}; n=$((n + 1)); }
    cg= pm=max mm=max
    read -r cg < /proc/$p/cgroup 2>/dev/null
    cg=${cg#0::}
    case "$cg" in
      /learner/shells) ;;
      /learner/?*)
        read -r pm < /sys/fs/cgroup$cg/pids.max 2>/dev/null
        read -r mm < /sys/fs/cgroup$cg/memory.max 2>/dev/null ;;
    esac
    [ "$pm" != max ] && [ "$mm" != max ] || { why=${why:-cgroup}; n=$((n + 1)); }
    cable=
    while read -r name rest; do
      case "$name" in lo:*) ;; *:*) cable=1 ;; esac
    done < /proc/$p/net/dev 2>/dev/null
    [ -n "$cable" ] || { why=${why:-veth}; n=$((n + 1)); }
    if [ -z "$why" ]; then
      case " $seen " in
        *" $pidns "* | *" $utsns "* | *" $netns "*) why=shared n=1 ;;
        *) seen="$seen $pidns $utsns $netns" ok="$ok $p" ;;
      esac
    fi
    if [ -n "$why" ] && [ $n -lt $best ]; then best=$n hint=$why hint_pid=$p; fi
  done
fi
# What the runtime should do about the closest container that is not all there.
if [ -n "$hint" ]; then
  eval "where=\"The container on \$root_$hint_pid\""
  case "$hint" in
    pid) hint="$where shares the host's pid namespace: the runtime's unshare needs --pid --fork." ;;
    uts) hint="$where shares the host's hostname (uts namespace): the runtime's unshare needs --uts." ;;
    net) hint="$where shares the host's network: the runtime should nsenter the held namespaces (--user --net) before its unshare." ;;
    cgroup) hint="$where is in no cgroup with limits: the runtime should make /sys/fs/cgroup/learner/NAME, set its pids.max and memory.max, and move itself in (echo \$\$ > cgroup.procs) before it starts the container." ;;
    veth) hint="$where has no cable in its network namespace: the runtime should make a veth pair with eth0 in the held namespace." ;;
    shared) hint="$where shares a namespace with another container: run the runtime once for each container." ;;
  esac
fi
set -- $ok
if [ $# -ge 2 ]; then
  one=$(nsenter --uts=/proc/$1/ns/uts hostname)
  two=$(nsenter --uts=/proc/$2/ns/uts hostname)
  [ "$one" != "$two" ] && exit 0
  echo "Both containers are called $one: the runtime should set the hostname to the container's name (hostname \$NAME)."
elif [ $# -eq 1 ] && [ -z "$hint" ]; then
  echo "One container is running: start the second from the second shell, ./runtime.sh two 2."
else
  echo "${hint:-No container made by the runtime is running yet: start one with ./runtime.sh one 1 (main shell), then the second with ./runtime.sh two 2 (second shell).}"
fi
exit 1
