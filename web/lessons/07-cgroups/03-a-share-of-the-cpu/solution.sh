#@ second
echo "20000 100000" > /sys/fs/cgroup/learner/box/cpu.max
#@ main
time timeout 5 sh -c 'while :; do :; done'
#@ second
cat /sys/fs/cgroup/learner/box/cpu.stat
