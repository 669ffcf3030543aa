# Done once /root/runtime.sh is executable, has no syntax error, and has a command line (not a
# comment) for each of its four parts. The shell's own read loop looks; only `sh -n` starts a
# process.
f=/root/runtime.sh
[ -e $f ] || { echo "There is no /root/runtime.sh: write it with cat > runtime.sh <<'EOF' ... EOF, in /root."; exit 1; }
overlay= cgroup= veth= chroot=
while read -r first rest; do
  case "$first" in "#"*) continue ;; esac
  line="$first $rest"
  case "$line" in *"mount -t overlay"*) overlay=1 ;; esac
  case "$line" in *cgroup.procs*) cgroup=1 ;; esac
  case "$line" in *"type veth"*) veth=1 ;; esac
  case "$line" in *chroot*) chroot=1 ;; esac
done < $f
[ -n "$overlay" ] || { echo "Part 1 is missing: the script mounts no overlay (mount -t overlay ...)."; exit 1; }
[ -n "$cgroup" ] || { echo "Part 2 is missing: the script moves itself into no cgroup (echo \$\$ > \$CG/cgroup.procs)."; exit 1; }
[ -n "$veth" ] || { echo "Part 3 is missing: the script makes no veth pair (ip link add ... type veth ...)."; exit 1; }
[ -n "$chroot" ] || { echo "Part 4 is missing: the script starts no container (nsenter ... unshare ... chroot ...)."; exit 1; }
err=$(sh -n $f 2>&1) || { echo "runtime.sh has a syntax error: ${err##*:}"; exit 1; }
[ -x $f ] || { echo "runtime.sh is written: now make it executable, chmod +x runtime.sh."; exit 1; }
