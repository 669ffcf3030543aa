ps aux
ls /proc
cat /proc/1/cmdline
cat /proc/version
sleep infinity &
ls /proc/$!
