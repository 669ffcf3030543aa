# Done once an overlay's upper directory holds a regular file that is also in the lower layer:
# a file of the image changed through the overlay and copied up. One find lists them.
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
find $uppers -type f -printf '%P\n' 2>/dev/null | {
  while read -r path; do [ -e "/root/rootfs/$path" ] && exit 0; done
  exit 1
} && exit 0
echo "No file of the image has changed yet: echo \"Built by hand.\" >> one/merged/etc/motd."
exit 1
