# Done once a process called sleep runs. One grep reads every process's name.
if ! grep -qx sleep /proc/[0-9]*/comm 2>/dev/null; then
  echo "No sleep is running yet: start one in the background with sleep infinity &"
  exit 1
fi
