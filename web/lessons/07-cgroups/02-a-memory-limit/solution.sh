#@ second
echo 32M > /sys/fs/cgroup/learner/box/memory.max
#@ main
dd if=/dev/zero of=/dev/null bs=64M count=1
#@ second
cat /sys/fs/cgroup/learner/box/memory.events
