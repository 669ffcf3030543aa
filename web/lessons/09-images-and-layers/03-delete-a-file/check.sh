# Done once an overlay's upper directory holds a whiteout (a character device; overlayfs makes them
# with number 0, 0) for a file that is in the lower layer: a file of the image deleted through it.
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
find $uppers -type c -printf '%P\n' 2>/dev/null | {
  while read -r path; do [ -e "/root/rootfs/$path" ] && exit 0; done
  exit 1
} && exit 0
echo "No file of the image has been deleted yet: rm one/merged/etc/issue."
exit 1
