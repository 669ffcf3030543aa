# Done once an overlay with /root/rootfs as its lower layer is mounted (the host's mount table,
# /proc/1/mountinfo, lists it). Builtins only: no process to start.
while read -r id parent dev root mnt rest; do
  case "$rest" in
    *" - overlay "*"lowerdir=/root/rootfs"[,/]*) exit 0 ;;
  esac
done < /proc/1/mountinfo
echo "No overlay over /root/rootfs is mounted yet: make one/upper, one/work and one/merged, then mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=/root/one/upper,workdir=/root/one/work /root/one/merged."
exit 1
