ps -ef --forest
PID=$(pgrep -P "$(pgrep -x unshare)")
ls -l /proc/$PID/ns
echo hello from outside > /proc/$PID/root/tmp/hello
