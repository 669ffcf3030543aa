# Done once a group of the learner's (not shells) has a CPU limit and the kernel has held it to
# it: cpu.stat counts throttled periods. Only the shell's own `read`: no program per file.
cg=/sys/fs/cgroup/learner
hint="No group of yours has a CPU limit yet: echo \"20000 100000\" > /sys/fs/cgroup/learner/box/cpu.max in the second shell."
for group in $cg/*/; do
  [ "$group" = "$cg/shells/" ] && continue
  read -r quota period < "${group}cpu.max" 2>/dev/null || continue
  [ "$quota" = max ] && continue
  throttled=0
  while read -r key value; do [ "$key" = nr_throttled ] && throttled=$value; done < "${group}cpu.stat"
  [ "$throttled" -gt 0 ] && exit 0
  hint="${group%/} may run $quota us in every $period us. Now keep it busy in the container: time timeout 5 sh -c 'while :; do :; done'"
done
echo "$hint"
exit 1
