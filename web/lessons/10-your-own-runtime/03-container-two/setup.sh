# Steps 1-2 on a fresh machine: the root filesystem with busybox in it, the runtime written, and
# container one running. Its shell reads from a pipe that never brings a line, so it waits in the
# background instead of in the main shell. Everything here runs in the learner's cgroup.
[ -x /root/rootfs/bin/bash ] || { mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs; }
[ -x /root/rootfs/bin/busybox ] || cp /bin/busybox /root/rootfs/bin/
# The finished runtime, unless the learner's own is there (a runtime.sh without a TODO left).
if ! [ -x /root/runtime.sh ] || grep -q TODO /root/runtime.sh; then
  cat > /root/runtime.sh <<'EOF'
#!/bin/sh
# runtime.sh NAME N: a shell in a new container called NAME, at the address 10.0.N.2.
set -e
[ $# -eq 2 ] || { echo "usage: $0 NAME N"; exit 1; }
NAME=$1
N=$2
DIR=/root/containers/$NAME

# 1. A root of its own: an overlay, the image below, a new layer on top.
mkdir -p $DIR/upper $DIR/work $DIR/merged
mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=$DIR/upper,workdir=$DIR/work $DIR/merged

# 2. Limits: a cgroup that holds this script and all it starts.
CG=/sys/fs/cgroup/learner/$NAME
mkdir -p $CG
echo 64 > $CG/pids.max
echo 32M > $CG/memory.max
echo $$ > $CG/cgroup.procs

# 3. A network: a process holds a user and a network namespace, a veth goes in.
unshare --user --map-root-user --net sleep infinity &
NET=$!
trap 'kill $NET; umount $DIR/merged' EXIT
while [ "$(readlink /proc/$NET/ns/net)" = "$(readlink /proc/$$/ns/net)" ]; do sleep 0.1; done
ip link add veth-$NAME type veth peer name eth0 netns $NET
ip addr add 10.0.$N.1/24 dev veth-$NAME
ip link set veth-$NAME up
nsenter --target $NET --net ip addr add 10.0.$N.2/24 dev eth0
nsenter --target $NET --net ip link set eth0 up

# 4. The container: the other namespaces, the mounts, a hostname, a shell.
nsenter --target $NET --user --net unshare --mount --uts --ipc --pid --fork chroot $DIR/merged \
  sh -c "mount -t proc none /proc; mount -t sysfs none /sys; mount -t tmpfs none /tmp; hostname $NAME; exec bash"
EOF
  chmod +x /root/runtime.sh
fi
if [ -z "$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/containers/one/merged 2>/dev/null)" ]; then
  sleep infinity </dev/null 2>/dev/null | /root/runtime.sh one 1 >/dev/null 2>&1 &
  i=0
  while [ -z "$(find /proc/[0-9]*/root -maxdepth 0 -lname /root/containers/one/merged 2>/dev/null)" ] && [ $i -lt 60 ]; do
    sleep 0.5
    i=$((i + 1))
  done
fi
