unshare --net bash
ip link
