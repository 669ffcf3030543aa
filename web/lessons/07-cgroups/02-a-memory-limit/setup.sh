# Where step 1 leaves a machine: a group of the learner's (not shells) with the first shell's
# work in it. Nothing to do when such a group holds a process already. A fresh machine gets the
# group box, and its first shell is moved into it (setup cannot put that shell in a container,
# but in box what it runs meets box's limits all the same).
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
cg=/sys/fs/cgroup/learner
for group in $cg/*/; do
  [ "$group" = "$cg/shells/" ] && continue
  read -r pid < "${group}cgroup.procs" 2>/dev/null && exit 0
done
mkdir -p $cg/box
for pid in $(pgrep -t hvc0); do echo "$pid" > $cg/box/cgroup.procs; done
