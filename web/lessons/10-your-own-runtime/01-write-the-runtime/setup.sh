# The containers need the root filesystem unpacked in /root/rootfs, with busybox in it (ip and
# ping inside, as in the network lesson). The learner starts from a skeleton in /root/runtime.sh,
# unless there is a runtime.sh already.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
[ -x /root/rootfs/bin/busybox ] || cp /bin/busybox /root/rootfs/bin/
[ -e /root/runtime.sh ] || cat > /root/runtime.sh <<'EOF'
#!/bin/sh
# runtime.sh NAME N: a shell in a new container called NAME, at the address 10.0.N.2.
# Fill in each TODO: each part is one lesson of this course.
set -e
[ $# -eq 2 ] || { echo "usage: $0 NAME N"; exit 1; }
NAME=$1
N=$2
DIR=/root/containers/$NAME

# 1. A root of its own: an overlay, the image below, a new layer on top.
# TODO: make $DIR/upper, $DIR/work and $DIR/merged; mount an overlay of /root/rootfs on $DIR/merged.

# 2. Limits: a cgroup that holds this script and all it starts.
CG=/sys/fs/cgroup/learner/$NAME
# TODO: make $CG; limit it to 64 processes and 32M of memory; move this script ($$) into it.

# 3. A network: a process holds a user and a network namespace, a veth goes in.
# TODO: hold the namespaces with a sleeping unshare in the background, its PID in NET; on exit,
# kill it and unmount $DIR/merged; wait until it has a network namespace of its own; make the
# pair veth-$NAME (10.0.$N.1/24, on the host) and eth0 (10.0.$N.2/24, in it), both up.

# 4. The container: the other namespaces, the mounts, a hostname, a shell.
# TODO: enter NET's user and network namespaces, unshare the others, chroot into $DIR/merged,
# and there mount /proc, /sys and /tmp, set the hostname to $NAME and start bash.
EOF
