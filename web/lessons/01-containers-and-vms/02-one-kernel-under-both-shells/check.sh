# Done once some process (the second shell, normally) stands in a sleep process's /proc folder.
# One find reads every process's working directory; only those under /proc are looked at.
for dir in $(find /proc/[0-9]*/cwd -maxdepth 0 -lname '/proc/[0-9]*' -printf '%l\n' 2>/dev/null); do
  read -r comm 2>/dev/null <"$dir/comm" && [ "$comm" = sleep ] && exit 0
done
if ! grep -qx sleep /proc/[0-9]*/comm 2>/dev/null; then
  echo "No sleep is running: start one in the first shell with sleep infinity &"
  exit 1
fi
echo "No shell stands in the sleep's folder yet: in the second shell, cd /proc/\$(pgrep -nx sleep)"
exit 1
