ps aux
# A learner reads the PID off ps aux and types it: kill -9 1234. pgrep types it here.
kill -9 $(pgrep -x tail)
#@ main
exit
