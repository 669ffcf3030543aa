# Done once a group of the learner's (not shells) has a process limit, the kernel has refused it
# a fork (pids.events counts max), and the group is empty again (cgroup.events: populated 0).
# Only the shell's own `read`: no program per file.
cg=/sys/fs/cgroup/learner
hint="No group of yours has a process limit yet: echo 20 > /sys/fs/cgroup/learner/box/pids.max in the second shell."
for group in $cg/*/; do
  [ "$group" = "$cg/shells/" ] && continue
  read -r max < "${group}pids.max" 2>/dev/null || continue
  [ "$max" = max ] && continue
  refused=0
  while read -r key value; do [ "$key" = max ] && refused=$value; done < "${group}pids.events"
  if [ "$refused" -eq 0 ]; then
    hint="${group%/} may hold $max processes. Now the fork bomb, in the container: :(){ :|:& };:"
    continue
  fi
  while read -r key value; do [ "$key" = populated ] && populated=$value; done < "${group}cgroup.events"
  [ "$populated" = 0 ] && exit 0
  hint="The kernel said no $refused times (pids.events). Now end it all: echo 1 > ${group}cgroup.kill in the second shell."
done
echo "$hint"
exit 1
