cd
mkdir -p one/upper one/work one/merged
mount -t overlay overlay -o lowerdir=/root/rootfs,upperdir=/root/one/upper,workdir=/root/one/work /root/one/merged
ls one/merged
ls one/upper
