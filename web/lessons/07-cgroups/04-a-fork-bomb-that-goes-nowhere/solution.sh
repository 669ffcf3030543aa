#@ second
echo 20 > /sys/fs/cgroup/learner/box/pids.max
#@ main
:(){ :|:& };:
#@ second
# Wait until the kernel has refused the bomb a fork, then read the count and end it.
until grep -q '^max [1-9]' /sys/fs/cgroup/learner/box/pids.events; do sleep 1; done
cat /sys/fs/cgroup/learner/box/pids.events
echo 1 > /sys/fs/cgroup/learner/box/cgroup.kill
