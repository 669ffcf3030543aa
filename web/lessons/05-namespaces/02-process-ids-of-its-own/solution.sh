unshare --pid --fork --mount-proc bash
ps aux
#@ second
ps -o pid,ppid,cmd -t hvc0
