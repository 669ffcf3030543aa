# Done once some process has a UTS namespace of its own, named other than the machine. One find
# lists every process's ns/uts link (a program per process would take seconds in the emulator);
# awk keeps one process for each namespace other than init's (the first line, /proc/1's).
read machine < /proc/sys/kernel/hostname
found=
for pid in $(find /proc/1/ns/uts /proc/[0-9]*/ns/uts -maxdepth 0 -printf '%l %p\n' 2>/dev/null |
    awk 'NR == 1 { init = $1 } $1 != init && !seen[$1]++ { split($2, p, "/"); print p[3] }'); do
  found=1
  name=$(nsenter --target "$pid" --uts hostname 2>/dev/null) || continue
  [ -n "$name" ] && [ "$name" != "$machine" ] && exit 0
done
if [ -z "$found" ]; then
  echo "No shell has a UTS namespace of its own yet: run unshare --uts bash."
  exit 1
fi
echo "Your new shell is still called $machine: run hostname container in it."
exit 1
