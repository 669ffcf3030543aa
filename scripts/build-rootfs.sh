#!/usr/bin/env bash
# Builds the guest's root filesystem from Debian bookworm i386 packages:
#   images/rootfs/packages.txt  -> packages.lock (exact versions), build/debs/*.deb (cache)
#   build/rootfs/tree           -> the guest's / (dpkg -x, trimmed, + images/rootfs/overlay)
#   build/rootfs/minbase        -> /opt/rootfs/debian-bookworm-minbase.tar inside the guest
#   build/rootfs/rootfs.img     -> raw ext2 image (the guest's /dev/sda, no partition table)
#   images/out/disk/            -> rootfs-<start>-<end>.img.zst chunks + rootfs.json
# The i386 binaries cannot run on the host: nothing is executed from the trees, maintainer
# scripts are not run; what they would do (nsswitch.conf, /etc/shells, ld.so.cache, ...) is
# done here. The result is reproducible byte for byte (fixed mtimes, uuid, hash seed, order).
#
# usage: scripts/build-rootfs.sh [--update-lock]
#   --update-lock  re-resolve every package to apt's current candidate (default: the versions
#                  pinned in images/rootfs/packages.lock; packages not in it are resolved)
# env:   CHUNK_SIZE (default 131072), FREE_MB (free space for the learner, default 64)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

ARCH=i386
PKGLIST=images/rootfs/packages.txt
LOCK=images/rootfs/packages.lock
OVERLAY=images/rootfs/overlay
DEBS=build/debs
B=build/rootfs
TREE=$B/tree
MINBASE=$B/minbase
IMG=$B/rootfs.img
OUT=images/out/disk
CHUNK_SIZE=${CHUNK_SIZE:-131072}
FREE_MB=${FREE_MB:-64}
UUID=6c0a7a1e-d000-4c0e-8a1e-c0471a1bed00   # fixed: reproducible image
HASH_SEED=0b5e55ed-0000-4000-8000-c0471a1bed00
MINBASE_TAR=opt/rootfs/debian-bookworm-minbase.tar
UPDATE_LOCK=0
[ "${1-}" = --update-lock ] && UPDATE_LOCK=1

export LC_ALL=C TZ=UTC
umask 022
log() { printf '[build-rootfs] %s\n' "$*" >&2; }
die() { printf '[build-rootfs] ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (device nodes, file ownership)"
for t in apt-get apt-cache dpkg-deb mke2fs e2fsck tar zstd node readelf ldconfig; do
	command -v $t >/dev/null || die "missing host tool: $t"
done

# --- 1. packages: resolve, pin, download --------------------------------------------------------
declare -A TARGETS=() PINNED=() VERSION=()
NAMES=()
while read -r name where _; do
	[ -n "$name" ] || continue
	case "$name" in \#*) continue ;; esac
	[ -n "$where" ] || die "$PKGLIST: no target for $name"
	[ -z "${TARGETS[$name]-}" ] || die "$PKGLIST: $name listed twice"
	TARGETS[$name]=$where
	NAMES+=("$name")
done < <(sed 's/#.*//' "$PKGLIST")
if [ -f "$LOCK" ] && [ $UPDATE_LOCK = 0 ]; then
	while read -r name version; do
		case "$name" in \#* | "") continue ;; esac
		PINNED[$name]=$version
	done < "$LOCK"
fi

# apt's records, in two batched calls (each apt-cache run takes seconds): NAME:i386, then the
# ones not found there as NAME:all. Output lines: name version arch sha256.
apt_records() { # arch-qualifier name...
	local q=$1 specs=() n
	shift
	for n in "$@"; do
		if [ -n "${PINNED[$n]-}" ]; then specs+=("$n:$q=${PINNED[$n]}"); else specs+=("$n:$q"); fi
	done
	[ ${#specs[@]} -gt 0 ] || return 0
	apt-cache show --no-all-versions "${specs[@]}" 2>/dev/null | awk -v q="$q" 'BEGIN { RS = "" } {
		p = v = a = h = ""
		n = split($0, l, "\n")
		for (i = 1; i <= n; i++) {
			if (l[i] ~ /^Package: /) p = substr(l[i], 10)
			if (l[i] ~ /^Version: /) v = substr(l[i], 10)
			if (l[i] ~ /^Architecture: /) a = substr(l[i], 15)
			if (l[i] ~ /^SHA256: /) h = substr(l[i], 9)
		}
		if (a == q && !seen[p]++) print p, v, a, h
	}'
}
declare -A ARCHOF=() SHAOF=()
while read -r n v a h; do VERSION[$n]=$v; ARCHOF[$n]=$a; SHAOF[$n]=$h; done < <(apt_records $ARCH "${NAMES[@]}")
rest=(); for n in "${NAMES[@]}"; do [ -n "${VERSION[$n]-}" ] || rest+=("$n"); done
while read -r n v a h; do VERSION[$n]=$v; ARCHOF[$n]=$a; SHAOF[$n]=$h; done < <(apt_records all "${rest[@]}")
for n in "${NAMES[@]}"; do
	[ -n "${VERSION[$n]-}" ] ||
		die "$n ${PINNED[$n]-}: not in apt's index for $ARCH (run apt-get update; or --update-lock to re-pin)"
	[ -z "${PINNED[$n]-}" ] || [ "${PINNED[$n]}" = "${VERSION[$n]}" ] || die "$n: got ${VERSION[$n]}, pinned ${PINNED[$n]}"
done

mkdir -p "$DEBS"
declare -A DEBFILE=()
for name in "${NAMES[@]}"; do
	version=${VERSION[$name]} arch=${ARCHOF[$name]} sha=${SHAOF[$name]}
	file="$DEBS/${name}_${version//:/%3a}_${arch}.deb"
	if [ ! -f "$file" ] || [ "$(sha256sum < "$file" | cut -d' ' -f1)" != "$sha" ]; then
		rm -f "$file"
		log "download $name:$arch=$version"
		(cd "$DEBS" && apt-get download -q "$name:$arch=$version" >/dev/null 2>&1) || die "apt-get download $name:$arch=$version failed"
		[ -f "$file" ] || die "apt-get download $name:$arch=$version: $file not found"
		[ "$(sha256sum < "$file" | cut -d' ' -f1)" = "$sha" ] || die "$file: sha256 mismatch"
	fi
	[ "$(dpkg-deb -f "$file" Package)" = "$name" ] && [ "$(dpkg-deb -f "$file" Version)" = "$version" ] ||
		die "$file: wrong package inside"
	DEBFILE[$name]=$file
done
{
	echo "# Exact Debian bookworm package versions in the guest, written by scripts/build-rootfs.sh."
	for name in "${NAMES[@]}"; do echo "$name ${VERSION[$name]}"; done | sort
} > "$LOCK"
log "${#NAMES[@]} packages pinned in $LOCK"

# --- 2. unpack ----------------------------------------------------------------------------------
rm -rf "$B"
mkdir -p "$TREE" "$MINBASE"
for name in $(printf '%s\n' "${NAMES[@]}" | sort); do
	dpkg-deb -x "${DEBFILE[$name]}" "$TREE"
	case ",${TARGETS[$name]}," in *,minbase,*) dpkg-deb -x "${DEBFILE[$name]}" "$MINBASE" ;; esac
done
# SOURCE_DATE_EPOCH: the newest file in the packages (stable for a given packages.lock).
SOURCE_DATE_EPOCH=$(find "$TREE" \( -type f -o -type l \) -printf '%T@\n' | sort -n | tail -1 | cut -d. -f1)
export SOURCE_DATE_EPOCH
log "unpacked $(du -sh --apparent-size "$TREE" | cut -f1) (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, $(date -u -d @"$SOURCE_DATE_EPOCH" +%F))"

# --- 3. trim (both trees) -------------------------------------------------------------------------
trim() { # tree
	local t=$1
	# Documentation: only the copyright files stay (licences).
	find "$t/usr/share/doc" -mindepth 1 \( -type l -o \( -type f ! -name copyright \) \) -delete
	find "$t/usr/share/doc" -mindepth 1 -depth -type d -empty -delete
	rm -rf "$t"/usr/share/{man,info,locale,lintian,bug,menu,bash-completion,initramfs-tools,gdb,pixmaps,zsh,fish,doc-base,util-linux} \
		"$t"/usr/include "$t"/usr/lib/i386-linux-gnu/gconv "$t"/lib/systemd "$t"/usr/lib/systemd \
		"$t"/etc/init.d "$t"/etc/pam.d "$t"/usr/lib/mime "$t"/etc/cron.daily "$t"/etc/logrotate.d \
		"$t"/etc/update-motd.d
	find "$t" \( -name '*.a' -o -name '*.pyc' -o -name __pycache__ \) -prune -exec rm -rf {} +
	# Binaries whose libraries we do not ship (and could not configure): PAM, Berkeley DB,
	# ATM, debconf, python, libtirpc (ss: busybox netstat does that job).
	rm -f "$t"/bin/su "$t"/sbin/runuser "$t"/usr/sbin/arpd "$t"/usr/lib/i386-linux-gnu/tc/q_atm.so \
		"$t"/usr/sbin/update-passwd "$t"/usr/bin/routel "$t"/bin/ss
}
trim "$TREE"
trim "$MINBASE"

# --- 4. what the maintainer scripts would have done (both trees) ----------------------------------
configure() { # tree
	local t=$1
	install -m 0644 "$TREE"/usr/share/libc-bin/nsswitch.conf "$t"/etc/nsswitch.conf # libc-bin postinst
	{ # debianutils: update-shells
		echo "# /etc/shells: valid login shells"
		for s in /bin/sh /usr/bin/sh /bin/bash /usr/bin/bash /bin/rbash /usr/bin/rbash /bin/dash /usr/bin/dash; do
			[ -e "$t$s" ] || [ -e "$t${s#/usr}" ] && echo "$s"
		done
	} > "$t"/etc/shells
	# base-files
	mkdir -p "$t"/root "$t"/etc/dpkg/origins
	install -m 0644 "$t"/usr/share/base-files/dot.profile "$t"/root/.profile
	install -m 0644 "$t"/usr/share/base-files/dot.bashrc "$t"/root/.bashrc
	install -m 0644 "$t"/usr/share/base-files/profile "$t"/etc/profile
	install -m 0644 "$t"/usr/share/base-files/motd "$t"/etc/motd
	[ -e "$t"/etc/dpkg/origins/debian ] && ln -sfn debian "$t"/etc/dpkg/origins/default
	install -d -m 0755 "$t"/mnt "$t"/srv "$t"/opt "$t"/etc/opt "$t"/var/opt "$t"/media \
		"$t"/usr/local/{bin,etc,games,include,lib,sbin,share,share/man,src}
	install -d -m 2775 "$t"/var/mail
	ln -sfn ../mail "$t"/var/spool/mail
	install -d -m 1777 "$t"/run/lock
	rmdir "$t"/var/run "$t"/var/lock 2>/dev/null || true
	ln -sfn /run "$t"/var/run
	ln -sfn /run/lock "$t"/var/lock
	ln -sfn share/man "$t"/usr/local/man
	chmod 0755 "$t"/var/local
	ln -sfn ../proc/self/mounts "$t"/etc/mtab
	# update-alternatives
	ln -sfn which.debianutils "$t"/usr/bin/which
	[ -e "$t"/usr/sbin/rmt-tar ] && ln -sfn rmt-tar "$t"/usr/sbin/rmt
	if [ -e "$t"/usr/bin/less ]; then ln -sfn /usr/bin/less "$t"/usr/bin/pager
	elif [ -e "$t"/bin/more ]; then ln -sfn /bin/more "$t"/usr/bin/pager; fi
	# hosts (debootstrap copies the host's; this is the Debian default)
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n' > "$t"/etc/hosts
	# /dev, /proc, ... mount points and the FHS dirs
	install -d -m 0755 "$t"/proc "$t"/sys "$t"/dev "$t"/run "$t"/home "$t"/boot "$t"/var/cache "$t"/var/lib "$t"/var/log
	install -d -m 1777 "$t"/tmp "$t"/var/tmp
	install -d -m 0700 "$t"/root
}
configure "$TREE"
configure "$MINBASE"

# minbase only: accounts from base-passwd's masters (update-passwd), debootstrap's /dev and fstab.
days=$((SOURCE_DATE_EPOCH / 86400))
install -m 0644 "$MINBASE"/usr/share/base-passwd/passwd.master "$MINBASE"/etc/passwd
install -m 0644 "$MINBASE"/usr/share/base-passwd/group.master "$MINBASE"/etc/group
cut -d: -f1 "$MINBASE"/etc/passwd | sed "s/\$/:*:$days:0:99999:7:::/" > "$MINBASE"/etc/shadow
cut -d: -f1 "$MINBASE"/etc/group | sed 's/$/:*::/' > "$MINBASE"/etc/gshadow
chmod 0640 "$MINBASE"/etc/shadow "$MINBASE"/etc/gshadow
echo "# UNCONFIGURED FSTAB FOR BASE SYSTEM" > "$MINBASE"/etc/fstab
(
	cd "$MINBASE"/dev
	mknod -m 0600 console c 5 1; mknod -m 0666 full c 1 7; mknod -m 0666 null c 1 3
	mknod -m 0666 ptmx c 5 2; mknod -m 0666 random c 1 8; mknod -m 0666 tty c 5 0
	mknod -m 0666 urandom c 1 9; mknod -m 0666 zero c 1 5
	ln -s /proc/self/fd fd; ln -s /proc/self/fd/0 stdin; ln -s /proc/self/fd/1 stdout; ln -s /proc/self/fd/2 stderr
	install -d -m 0755 pts; install -d -m 1777 shm
)

# --- 5. the guest's own additions ------------------------------------------------------------
cp -a "$OVERLAY"/. "$TREE"/
chmod 0640 "$TREE"/etc/shadow "$TREE"/etc/gshadow
chmod 0700 "$TREE"/root
# /sbin/init, the control agent, the login-shell starter and the inspector (static i386 C programs).
install -d -m 0755 "$TREE"/usr/sbin
bash scripts/build-agent.sh >&2
install -m 0755 build/agent/contained-init "$TREE"/sbin/init
install -m 0755 build/agent/contained-agent build/agent/contained-login build/agent/contained-inspect "$TREE"/usr/sbin/
# busybox: links for its applets that no Debian package here provides (vi, awk, nc, wget, ...),
# in /usr/local/bin; minus the ones that make no sense here (init, modules, consoles, ...).
deny=" [ [[ busybox sh ash init linuxrc halt poweroff reboot getty login sulogin passwd mkpasswd
 crond crontab syslogd klogd logread acpid depmod insmod lsmod modinfo modprobe rmmod mdev
 switch_root run-init uevent freeramdisk resume watchdog loadfont loadkmap setkeycodes dumpkmap
 chvt deallocvt openvt i2cdetect i2cdump i2cget i2cset i2ctransfer devmem ubirename hwclock
 svc svok start-stop-daemon dpkg dpkg-deb rpm rpm2cpio telnetd udhcpd dumpleases nuke mim
 fatattr nologin "
applets=$(node -e '
	const d = require("fs").readFileSync(process.argv[1]);
	let i = d.indexOf(Buffer.from("[\0[[\0")), names = [];
	for (;;) { const j = d.indexOf(0, i); if (j === i) break; names.push(d.toString("latin1", i, j)); i = j + 1; }
	console.log(names.join("\n"));' "$TREE"/bin/busybox)
[ "$(wc -l <<<"$applets")" -gt 100 ] || die "could not read busybox's applet list"
linked=0
for a in $applets; do
	case "$deny" in *" $a "*) continue ;; esac
	found=0
	for d in bin sbin usr/bin usr/sbin usr/local/bin usr/local/sbin; do
		[ -e "$TREE/$d/$a" ] || [ -L "$TREE/$d/$a" ] && { found=1; break; }
	done
	[ $found = 1 ] && continue
	ln -s /bin/busybox "$TREE/usr/local/bin/$a"
	linked=$((linked + 1))
done
ln -sfn /bin/busybox "$TREE"/usr/sbin/nologin # /etc/passwd's shell for nobody
log "busybox: $linked applet links in /usr/local/bin"
install -d -m 0755 "$TREE"/opt/rootfs "$TREE"/mnt "$TREE"/home "$TREE"/var/tmp
chmod 1777 "$TREE"/tmp "$TREE"/var/tmp

# --- 6. ld.so.cache, closure check ------------------------------------------------------------
for t in "$TREE" "$MINBASE"; do
	ldconfig -X -r "$t" # the host's ldconfig reads i386 ELF files too (multilib); -X: no links
	rm -f "$t"/var/cache/ldconfig/aux-cache # inode numbers and ctimes of the host: not reproducible
	node scripts/rootfs-tools.mjs closure "$t"
done

# --- 7. normalize: owner 0:0 (keeping setuid/setgid modes), mtime = SOURCE_DATE_EPOCH -------------
normalize() { # tree
	local t=$1 modes
	modes=$(find "$t" ! -type l -perm /7000 -printf '%m %p\n')
	chown -hR 0:0 "$t"
	[ -z "$modes" ] || while read -r m p; do chmod "$m" "$p"; done <<<"$modes"
	find "$t" -exec touch -h -d @"$SOURCE_DATE_EPOCH" {} +
}
normalize "$MINBASE"
tar -C "$MINBASE" --sort=name --format=gnu --numeric-owner --owner=0 --group=0 \
	--mtime=@"$SOURCE_DATE_EPOCH" -cf "$TREE/$MINBASE_TAR" .
log "minbase tarball: $(stat -c %s "$TREE/$MINBASE_TAR") bytes, $(tar -tf "$TREE/$MINBASE_TAR" | wc -l) entries"
normalize "$TREE"

# --- 8. the ext2 image ------------------------------------------------------------------------------
# Size: the userland + FREE_MB free for the learner, rounded up to 4 MiB (a multiple of the chunk
# size). Unused blocks are zero and cost nothing once compressed.
used_kb=$(du -s -k "$TREE" | cut -f1)
files=$(find "$TREE" | wc -l)
size_mb=$(( (used_kb / 1024 * 110 / 100 + FREE_MB + 8 + 3) / 4 * 4 ))
INODES=$(( (files + 12000 + 1023) / 1024 * 1024 )) # room for a few unpacked minbase trees
for attempt in 1 2 3; do
	rm -f "$IMG"
	E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mke2fs -q -F -t ext2 -b 4096 -I 256 -N "$INODES" -m 0 \
		-O ^resize_inode -L contained -U "$UUID" -E hash_seed="$HASH_SEED",root_owner=0:0 \
		-d "$TREE" "$IMG" "${size_mb}M"
	free_blocks=$(dumpe2fs -h "$IMG" 2>/dev/null | sed -n 's/^Free blocks: *//p')
	[ $((free_blocks * 4096 / 1048576)) -ge "$FREE_MB" ] && break
	size_mb=$((size_mb + 16))
done
node scripts/rootfs-tools.mjs fixtimes "$IMG" "$SOURCE_DATE_EPOCH"
E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH e2fsck -fn "$IMG" >&2 || die "e2fsck found problems in $IMG"
log "image: $size_mb MiB, $((free_blocks * 4096 / 1048576)) MiB free, $INODES inodes, sha256 $(sha256sum "$IMG" | cut -d' ' -f1)"

# --- 9. chunks --------------------------------------------------------------------------------------
node scripts/rootfs-tools.mjs chunks "$IMG" "$OUT" "$CHUNK_SIZE"
