# A fresh machine has no container: start one in the background, as step 1 leaves it (proc, sysfs
# and tmpfs mounted, hostname container), unless something already runs in /root/rootfs. It goes
# in the learner's cgroup, with the OOM killer's usual say over it (the agent it comes from is
# exempt), and its own session, with nothing open on the agent's pipes.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
[ -n "$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/rootfs 2>/dev/null)" ] && exit 0
group=/sys/fs/cgroup/learner/shells
[ -d $group ] || group=/sys/fs/cgroup/learner
echo $$ > $group/cgroup.procs
echo 0 > /proc/self/oom_score_adj
setsid unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/rootfs \
  bash -c 'mount -t proc none /proc; mount -t sysfs none /sys; mount -t tmpfs none /tmp; hostname container; exec sleep infinity' \
  < /dev/null > /dev/null 2>&1 &
# Ready once the container's /tmp is its own.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  for root in $(find /proc/[0-9]*/root -maxdepth 0 -lname /root/rootfs 2>/dev/null); do
    grep -qs ' /tmp .* - tmpfs ' ${root%/root}/mountinfo && exit 0
  done
  sleep 0.5
done
echo "The container did not start." >&2
exit 1
