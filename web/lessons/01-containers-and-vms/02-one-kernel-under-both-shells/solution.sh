cat /proc/version
ps aux
cd /proc/$(pgrep -nx sleep)
ls -l exe cwd root
