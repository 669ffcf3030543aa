unshare --mount --uts --ipc --net --pid --fork --user --map-root-user chroot /root/rootfs bash
mount -t proc none /proc
#@ second
mkdir /sys/fs/cgroup/learner/box
PID=$(pgrep -P "$(pgrep -x unshare)")
echo $PID > /sys/fs/cgroup/learner/box/cgroup.procs
#@ main
cat /proc/self/cgroup
