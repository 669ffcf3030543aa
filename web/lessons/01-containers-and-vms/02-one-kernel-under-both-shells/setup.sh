# A fresh machine gets the sleep of step 1, in the background.
grep -qx sleep /proc/[0-9]*/comm 2>/dev/null || setsid -f sleep infinity </dev/null >/dev/null 2>&1
