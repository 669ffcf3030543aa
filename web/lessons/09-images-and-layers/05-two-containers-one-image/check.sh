# Done once two processes have as their roots the merged directories of two different overlays
# over /root/rootfs: two containers on one image, a layer each.
# The overlays over /root/rootfs, from the host's mount table (/proc/1/mountinfo): their merged
# directories (mount points) and upper directories. Builtins only.
merged= uppers=
while read -r id parent dev root mnt rest; do
  case "$rest" in
    *" - overlay "*"lowerdir=/root/rootfs"[,/]*)
      upper=${rest#*upperdir=}
      merged="$merged $mnt" uppers="$uppers ${upper%%,*}" ;;
  esac
done < /proc/1/mountinfo
if [ -z "$merged" ]; then
  echo "No overlay over /root/rootfs is mounted: do the first step of this lesson."
  exit 1
fi
roots=$(find /proc/[0-9]*/root -maxdepth 0 -printf '%l\n' 2>/dev/null)
n=0
for m in $merged; do
  case "
$roots
" in
    *"
$m
"*) n=$((n + 1)) ;;
  esac
done
[ $n -ge 2 ] && exit 0
if [ $n -eq 1 ]; then
  echo "One container runs on an overlay. Give the second its own: mount two/merged over /root/rootfs with two/upper and two/work, then unshare ... chroot /root/two/merged bash (second shell)."
else
  echo "No container runs on an overlay: start one on each of one/merged and two/merged."
fi
exit 1
