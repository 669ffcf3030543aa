# Done once a process has an overlay's merged directory as its root (its /proc/PID/root) and
# that overlay's upper directory holds a new file, one the lower layer does not have.
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
set -- $uppers
for m in $merged; do
  u=$1
  shift
  case "
$roots
" in
    *"
$m
"*) ;;
    *) continue ;;
  esac
  find "$u" -type f -printf '%P\n' 2>/dev/null | {
    while read -r path; do [ -e "/root/rootfs/$path" ] || exit 0; done
    exit 1
  } && exit 0
  echo "The container runs on the overlay: now write a file of its own in it, echo hello > /hello.txt."
  exit 1
done
echo "No process has an overlay as its root yet: start a container on it, unshare ... chroot /root/one/merged bash (main shell)."
exit 1
