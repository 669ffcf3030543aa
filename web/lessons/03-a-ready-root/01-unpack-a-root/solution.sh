tar -tf /opt/rootfs/debian-bookworm-minbase.tar | head
# The unpacking comes last: the first time, it can take longer than a line may wait for its prompt.
mkdir -p /root/rootfs && tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs
