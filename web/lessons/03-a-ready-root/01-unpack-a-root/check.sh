# Done once the whole tarball is unpacked in /root/rootfs: var/tmp is its last entry.
if [ ! -d /root/rootfs ]; then
  echo "There is no /root/rootfs yet: mkdir -p /root/rootfs, then unpack the tar into it with tar -xf ... -C /root/rootfs"
  exit 1
fi
for path in bin/bash bin/ls etc/os-release usr/sbin/chroot var/tmp; do
  if [ ! -e "/root/rootfs/$path" ]; then
    echo "/root/rootfs has no $path yet: tar -xf /opt/rootfs/debian-bookworm-minbase.tar -C /root/rootfs"
    exit 1
  fi
done
