/*
 * contained-inspect: the kernel's view of the guest, as one JSON document on stdout, for the
 * lab's kernel view ("see the container from outside"). The page runs it about once a second
 * over the control channel, so it must stay cheap: it never forks, reads each /proc file once,
 * and enters (setns) each uts and net namespace once to read its hostname and interfaces.
 *
 *   contained-inspect [--all] [--pid N]
 *     --all     the lab's own processes too: kernel threads, init, the control agent and this
 *               program (else only counted: the view hides them unless asked)
 *     --pid N   also "detail": N's mountinfo, uid/gid maps and the files of its cgroup
 *
 * {"version":1, "self":PID, "kernelNs":{KIND:ID}, "unlisted":N (without --all),
 *  "processes":[{"pid","ppid","nspid":[...],"comm","cmdline","state","uid","tty",
 *                "ns":{KIND:ID, only where it differs from kernelNs},"root","cgroup",
 *                flags "kernel","lab","login"}],
 *  "uts":[{"id","hostname"}], "net":[{"id","names":[...],"interfaces":[{"name","up","running",
 *  "ipv4":["a.b.c.d/len"]}]}], "cgroups":[{"path","memoryCurrent","memoryMax","pidsCurrent",
 *  "pidsMax","cpuMax","nrThrottled","throttledUsec"}], "detail":{...}, "cpuUs", "elapsedUs"}
 *
 * A limit of "max" is the string "max"; a file the cgroup lacks is left out. A kernel thread is
 * only {"pid","ppid","state","comm","kernel":true}: it shares kernelNs (kthreadd's), / and the
 * root cgroup. Without --all, those are not read at all, only counted in "unlisted": kernel
 * threads (pids in the root cgroup whose /proc/PID/exe cannot be read: no memory map), init,
 * this program and the agent that runs it. The lab's processes that are listed are flagged
 * "lab" (init, anything in /sys/fs/cgroup/lab: the agent, the lab's checks; this program); the
 * learner's login shells (session leaders on hvc0 and hvc1 that init started) "login".
 *
 * It runs in a cgroup of its own, /sys/fs/cgroup/lab-view (made on its first run), not in the
 * agent's /sys/fs/cgroup/lab: that one's cpu.weight (10000 to the learner's 100) would have a
 * key the learner types wait for this whole run before their shell could echo it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define CG "/sys/fs/cgroup"
#define PF_KTHREAD 0x00200000
#define MAX_TEXT 65536 /* the most of one file this reads (mountinfo of a busy namespace) */

/* --- output: one buffer, written once at the end ------------------------------------------ */

static char *out;
static size_t out_len, out_cap;

static void put(const char *s, size_t n) {
	if (out_len + n > out_cap) {
		while (out_len + n > out_cap) out_cap = out_cap ? out_cap * 2 : 65536;
		out = realloc(out, out_cap);
		if (!out) _exit(1);
	}
	memcpy(out + out_len, s, n);
	out_len += n;
}

static void puts_(const char *s) { put(s, strlen(s)); }

/* A string literal, its length known when compiling. */
#define LIT(s) put(s, sizeof s - 1)

static void putf(const char *fmt, ...) {
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0) put(tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A decimal number (printf's 64-bit division is slow on i386; most values fit 32 bits). */
static void put_num(unsigned long long v) {
	char digits[24];
	int n = sizeof digits;
	unsigned long small = (unsigned long)v;
	if (v != small) {
		putf("%llu", v);
		return;
	}
	do digits[--n] = (char)('0' + small % 10);
	while ((small /= 10));
	put(digits + n, sizeof digits - (size_t)n);
}

/* ,"key":NUMBER */
static void put_field(const char *key, unsigned long long v) {
	LIT(",\"");
	puts_(key);
	LIT("\":");
	put_num(v);
}

/* A JSON string. Bytes >= 0x80 pass through (the page decodes UTF-8, replacing what is not). */
static void put_str(const char *s, size_t n) {
	LIT("\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			put(esc, 2);
		} else if (c == '\n') LIT("\\n");
		else if (c == '\t') LIT("\\t");
		else if (c < 0x20 || c == 0x7f) putf("\\u%04x", c);
		else put((const char *)&c, 1);
	}
	LIT("\"");
}

static void put_cstr(const char *s) { put_str(s, strlen(s)); }

/* --- reading ------------------------------------------------------------------------------- */

/* Reads a whole (small) file under dirfd into buf, NUL-terminated; returns its length or -1. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size) {
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0) len += (size_t)n;
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

/* The inode number in a namespace link ("pid:[4026531836]"), 0 if it cannot be read. */
static unsigned long long ns_id(int dirfd, const char *link) {
	char target[64];
	ssize_t n = readlinkat(dirfd, link, target, sizeof target - 1);
	if (n <= 0) return 0;
	target[n] = 0;
	char *open = strchr(target, '[');
	return open ? strtoull(open + 1, NULL, 10) : 0;
}

static void trim(char *s) {
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
}

/* --- processes ----------------------------------------------------------------------------- */

static const char *const NS_KINDS[] = {"pid", "net", "mnt", "uts", "ipc", "user", "cgroup", "time"};
enum { NS_PID, NS_NET, NS_MNT, NS_UTS, NS_IPC, NS_USER, NS_CGROUP, NS_TIME, NS_COUNT };

struct proc {
	int pid;
	unsigned long long ns[NS_COUNT];
};
static struct proc *procs;
static size_t nprocs, procs_cap;
static unsigned long long kernel_ns[NS_COUNT]; /* every kernel thread shares kthreadd's */
static unsigned long long self_ns[NS_COUNT];   /* this program's own */
static int all;                                /* --all: kernel threads too */
static int unlisted;                           /* the lab's processes left out without --all */

/* hvc0.. (the virtio console's ports) are major 229; ttyS0..3 major 4, minor 64+; /dev/pts/N majors 136..143 */
#define HVC_MAJOR 229
static void put_tty(unsigned dev) {
	unsigned major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	if (major == HVC_MAJOR) putf(",\"tty\":\"hvc%u\"", minor);
	else if (major == 4 && minor >= 64) putf(",\"tty\":\"ttyS%u\"", minor - 64);
	else if (major >= 136 && major <= 143) putf(",\"tty\":\"pts/%u\"", (major - 136) * 256 + minor);
	else if (dev) putf(",\"tty\":\"%u:%u\"", major, minor);
}

/* NSpid and the effective uid from /proc/PID/status; 0 when it cannot be read (it ended). */
static int put_status(int dfd) {
	static char status[4096];
	if (read_at(dfd, "status", status, sizeof status) <= 0) return 0;
	char *line = strstr(status, "\nUid:");
	if (line) {
		unsigned real, effective;
		if (sscanf(line + 5, "%u %u", &real, &effective) == 2) put_field("uid", effective);
	}
	line = strstr(status, "\nNSpid:");
	if (line) {
		LIT(",\"nspid\":[");
		char *p = line + 7, *end;
		int first = 1;
		for (;;) {
			long v = strtol(p, &end, 10);
			if (end == p) break;
			if (!first) LIT(",");
			put_num((unsigned long)v);
			first = 0;
			p = end;
			if (*p == '\n') break;
		}
		LIT("]");
	}
	return line != NULL;
}

/* The cgroup v2 path ("0::/learner"), written into path; returns 0 when there is none. */
static int cgroup_of(int dfd, char *path, size_t size) {
	char text[512];
	if (read_at(dfd, "cgroup", text, sizeof text) < 0) return 0;
	char *p = strstr(text, "0::");
	if (!p) return 0;
	snprintf(path, size, "%s", p + 3);
	path[strcspn(path, "\n")] = 0;
	return 1;
}

/* A process's namespaces: those that differ from `base` (all of them when base is NULL). */
static void put_ns(const char *key, const unsigned long long *ns, const unsigned long long *base) {
	LIT(",\"");
	puts_(key);
	LIT("\":{");
	for (int k = 0, first = 1; k < NS_COUNT; k++) {
		if (base && ns[k] == base[k]) continue;
		if (!first) LIT(",");
		first = 0;
		put_str(NS_KINDS[k], strlen(NS_KINDS[k]));
		LIT(":");
		put_num(ns[k]);
	}
	LIT("}");
}

static void read_ns(int dfd, unsigned long long *ns) {
	for (int k = 0; k < NS_COUNT; k++) {
		char link[16] = "ns/";
		strcpy(link + 3, NS_KINDS[k]);
		ns[k] = ns_id(dfd, link);
	}
}

/* The next number in a line of /proc/PID/stat; moves *p past it. */
static long next_num(char **p) {
	char *end;
	long v = strtol(*p, &end, 10);
	*p = end;
	return v;
}

/* One process as a JSON object; returns 0 (writes nothing) when it is gone. */
static int put_process(int proc_fd, const char *name, int pid, int first) {
	size_t mark = out_len, count = nprocs; /* to take it back if it ends halfway */
	char stat[1024], path[32];
	/* pid (comm) state ppid pgrp session tty_nr tpgid flags ... (read by its path: a kernel
	 * thread needs nothing more, so no directory is opened for it) */
	snprintf(path, sizeof path, "%d/stat", pid);
	ssize_t n = read_at(proc_fd, path, stat, sizeof stat);
	char *open = n > 0 ? strchr(stat, '(') : NULL, *close_ = n > 0 ? strrchr(stat, ')') : NULL;
	if (!open || !close_ || close_[1] != ' ' || !close_[2]) return 0;
	char state = close_[2], *p = close_ + 3;
	int ppid = (int)next_num(&p);
	next_num(&p); /* pgrp */
	int session = (int)next_num(&p), tty_nr = (int)next_num(&p);
	next_num(&p); /* tpgid */
	unsigned long flags = (unsigned long)next_num(&p);

	if (!first) LIT(",");
	LIT("{\"pid\":");
	put_num((unsigned)pid);
	put_field("ppid", (unsigned)ppid);
	LIT(",\"state\":\"");
	put(&state, 1);
	LIT("\",\"comm\":");
	put_str(open + 1, (size_t)(close_ - open - 1));

	if (procs_cap == nprocs) {
		procs_cap = procs_cap ? procs_cap * 2 : 128;
		procs = realloc(procs, procs_cap * sizeof *procs);
		if (!procs) _exit(1);
	}
	struct proc *entry = &procs[nprocs++];
	entry->pid = pid;
	if (flags & PF_KTHREAD) {
		/* Kernel threads share kthreadd's namespaces ("kernelNs"), root and cgroup: nothing more to read. */
		memcpy(entry->ns, kernel_ns, sizeof kernel_ns);
		LIT(",\"kernel\":true}");
		return 1;
	}
	int dfd = openat(proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) goto gone;
	static char cmdline[512];
	n = read_at(dfd, "cmdline", cmdline, sizeof cmdline);
	if (n > 0) {
		while (n > 0 && cmdline[n - 1] == 0) n--;
		for (ssize_t i = 0; i < n; i++)
			if (cmdline[i] == 0) cmdline[i] = ' ';
		LIT(",\"cmdline\":");
		put_str(cmdline, (size_t)n);
	}
	if (!put_status(dfd)) goto gone;
	put_tty((unsigned)tty_nr);
	read_ns(dfd, entry->ns);
	for (int k = 0; k < NS_COUNT; k++)
		if (!entry->ns[k]) goto gone;
	put_ns("ns", entry->ns, kernel_ns);
	char root[1024];
	n = readlinkat(dfd, "root", root, sizeof root - 1);
	if (n > 0) {
		LIT(",\"root\":");
		put_str(root, (size_t)n);
	}
	char cgroup[512];
	int in_cgroup = cgroup_of(dfd, cgroup, sizeof cgroup);
	if (in_cgroup) {
		LIT(",\"cgroup\":");
		put_cstr(cgroup);
	}
	if (pid == 1 || (in_cgroup && (strcmp(cgroup, "/lab") == 0 || strncmp(cgroup, "/lab/", 5) == 0 || strcmp(cgroup, "/lab-view") == 0))) LIT(",\"lab\":true");
	/* init starts each login shell as a session leader on its console port (hvc0, hvc1) */
	unsigned minor = tty_nr & 0xff;
	if (ppid == 1 && session == pid && (tty_nr >> 8 & 0xfff) == HVC_MAJOR && (minor == 0 || minor == 1)) LIT(",\"login\":true");
	LIT("}");
	close(dfd);
	return 1;
gone: /* it ended while being read: as if it had not been there */
	if (dfd >= 0) close(dfd);
	out_len = mark;
	nprocs = count;
	return 0;
}

static void put_processes(void) {
	int kthreadd = open("/proc/2", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kthreadd >= 0) {
		read_ns(kthreadd, kernel_ns);
		close(kthreadd);
	}
	int self_dir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (self_dir >= 0) {
		read_ns(self_dir, self_ns);
		close(self_dir);
	}
	put_ns("kernelNs", kernel_ns, NULL);
	/* this program's own namespaces come first, listed or not: the host's, in the usual case */
	procs = malloc((procs_cap = 128) * sizeof *procs);
	if (!procs) _exit(1);
	procs[nprocs].pid = (int)getpid();
	memcpy(procs[nprocs++].ns, self_ns, sizeof self_ns);
	/* left out without --all: this program, and the agent that runs it (in the lab's cgroup) */
	int self = (int)getpid(), parent = (int)getppid();
	char path[64], cgroup[512];
	snprintf(path, sizeof path, "/proc/%d", parent);
	int parent_dir = all ? -1 : open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent_dir < 0 || !cgroup_of(parent_dir, cgroup, sizeof cgroup) || strcmp(cgroup, "/lab") != 0) parent = 0;
	if (parent_dir >= 0) close(parent_dir);
	/* kernel threads live in the root cgroup (with init, and what the learner may move there) */
	static unsigned char in_root[32768 / 8];
	static char procs_text[16384];
	if (!all && read_at(AT_FDCWD, CG "/cgroup.procs", procs_text, sizeof procs_text) > 0)
		for (char *p = procs_text, *end; *p; p = end + (*end != 0)) {
			long pid = strtol(p, &end, 10);
			if (end == p) break;
			if (pid > 0 && pid < 32768) in_root[pid / 8] |= (unsigned char)(1 << (pid % 8));
		}
	LIT(",\"processes\":[");
	DIR *d = opendir("/proc");
	int first = 1;
	for (struct dirent *e; d && (e = readdir(d));) {
		char *end, link[32], exe[8];
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0) continue;
		if (!all && (pid == 1 || pid == self || pid == parent)) {
			unlisted++;
			continue;
		}
		if (!all && pid < 32768 && (in_root[pid / 8] & (1 << (pid % 8)))) {
			/* no executable: a kernel thread (or, rarely, a zombie moved there) */
			snprintf(link, sizeof link, "%ld/exe", pid);
			if (readlinkat(dirfd(d), link, exe, sizeof exe) < 0) {
				unlisted++;
				continue;
			}
		}
		if (put_process(dirfd(d), e->d_name, (int)pid, first)) first = 0;
	}
	if (d) closedir(d);
	LIT("]");
	if (!all) put_field("unlisted", (unsigned)unlisted);
}

/* --- namespaces entered: uts (hostname) and net (interfaces) ------------------------------- */

/*
 * Enters the namespace of `kind` that process pid is in (id), unless this program is in it
 * already: *here is the one it is in. 0 on success.
 */
static int enter(int pid, const char *kind, int nstype, unsigned long long id, unsigned long long *here) {
	if (id == *here) return 0;
	char path[48];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, kind);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	int rc = setns(fd, nstype);
	close(fd);
	if (rc == 0) *here = id;
	return rc;
}

/* Back to this program's own namespace of a kind (home: /proc/self/ns/KIND, opened at start). */
static void go_home(int home, int nstype, unsigned long long self, unsigned long long here) {
	if (here != self && home >= 0) setns(home, nstype);
	if (home >= 0) close(home);
}

static int seen_before(size_t i, int kind) {
	for (size_t j = 0; j < i; j++)
		if (procs[j].ns[kind] == procs[i].ns[kind]) return 1;
	return 0;
}

static void put_uts(void) {
	int home = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	unsigned long long here = self_ns[NS_UTS];
	LIT(",\"uts\":[");
	int first = 1;
	for (size_t i = 0; i < nprocs; i++) {
		if (!procs[i].ns[NS_UTS] || seen_before(i, NS_UTS)) continue;
		struct utsname u;
		if (enter(procs[i].pid, "uts", CLONE_NEWUTS, procs[i].ns[NS_UTS], &here) != 0 || uname(&u) != 0) continue;
		putf("%s{\"id\":%llu,\"hostname\":", first ? "" : ",", procs[i].ns[NS_UTS]);
		put_cstr(u.nodename);
		LIT("}");
		first = 0;
	}
	LIT("]");
	go_home(home, CLONE_NEWUTS, self_ns[NS_UTS], here);
}

static void put_interfaces(void) {
	struct ifaddrs *list;
	LIT(",\"interfaces\":[");
	if (getifaddrs(&list) != 0) {
		LIT("]");
		return;
	}
	int first = 1;
	/* every link has an AF_PACKET entry; its IPv4 addresses are AF_INET entries of that name */
	for (struct ifaddrs *a = list; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_PACKET) continue;
		putf("%s{\"name\":", first ? "" : ",");
		put_cstr(a->ifa_name);
		putf(",\"up\":%s,\"running\":%s,\"ipv4\":[", a->ifa_flags & IFF_UP ? "true" : "false", a->ifa_flags & IFF_RUNNING ? "true" : "false");
		int firstaddr = 1;
		for (struct ifaddrs *b = list; b; b = b->ifa_next) {
			if (!b->ifa_addr || b->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, b->ifa_name) != 0) continue;
			char addr[INET_ADDRSTRLEN] = "";
			inet_ntop(AF_INET, &((struct sockaddr_in *)b->ifa_addr)->sin_addr, addr, sizeof addr);
			int len = 0;
			if (b->ifa_netmask)
				len = __builtin_popcount(((struct sockaddr_in *)b->ifa_netmask)->sin_addr.s_addr);
			putf("%s\"%s/%d\"", firstaddr ? "" : ",", addr, len);
			firstaddr = 0;
		}
		LIT("]}");
		first = 0;
	}
	LIT("]");
	freeifaddrs(list);
}

/*
 * Named namespaces (`ip netns add NAME`): bind mounts in /run/netns, perhaps with no process in
 * them, and seen only in the mount namespace where they were made: looked for through
 * /proc/PID/root of one process in each mount namespace.
 */
#define MAX_NAMED 32
struct named {
	char name[256];
	unsigned long long id;
	int fd;
};
static struct named named[MAX_NAMED];
static int nnamed;

static void find_named(int pid) {
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/root/run/netns", pid);
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d)) && nnamed < MAX_NAMED;) {
		struct stat st;
		struct statfs fs;
		if (e->d_name[0] == '.') continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);
		/* an empty file where the bind mount is not seen (another mount namespace's) */
		if (fd < 0 || fstatfs(fd, &fs) != 0 || fs.f_type != NSFS_MAGIC || fstat(fd, &st) != 0) {
			if (fd >= 0) close(fd);
			continue;
		}
		int known = 0;
		for (int j = 0; j < nnamed && !known; j++) known = named[j].id == st.st_ino && strcmp(named[j].name, e->d_name) == 0;
		if (known) {
			close(fd);
			continue;
		}
		snprintf(named[nnamed].name, sizeof named[nnamed].name, "%s", e->d_name);
		named[nnamed].id = st.st_ino;
		named[nnamed++].fd = fd;
	}
	if (d) closedir(d);
}

static void put_net_ns(unsigned long long id, int *first) {
	if (!*first) LIT(",");
	LIT("{\"id\":");
	put_num(id);
	LIT(",\"names\":[");
	int firstname = 1;
	for (int j = 0; j < nnamed; j++)
		if (named[j].id == id) {
			if (!firstname) LIT(",");
			put_cstr(named[j].name);
			firstname = 0;
		}
	LIT("]");
	put_interfaces();
	LIT("}");
	*first = 0;
}

static void put_net(void) {
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].ns[NS_MNT] && !seen_before(i, NS_MNT)) find_named(procs[i].pid);
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	unsigned long long here = self_ns[NS_NET];
	LIT(",\"net\":[");
	int first = 1;
	/* the namespaces that processes are in, then the named ones no process is in */
	for (size_t i = 0; i < nprocs; i++)
		if (procs[i].ns[NS_NET] && !seen_before(i, NS_NET) && enter(procs[i].pid, "net", CLONE_NEWNET, procs[i].ns[NS_NET], &here) == 0)
			put_net_ns(procs[i].ns[NS_NET], &first);
	for (int i = 0; i < nnamed; i++) {
		int taken = 0;
		for (size_t j = 0; j < nprocs && !taken; j++) taken = procs[j].ns[NS_NET] == named[i].id;
		for (int j = 0; j < i && !taken; j++) taken = named[j].id == named[i].id;
		if (!taken && setns(named[i].fd, CLONE_NEWNET) == 0) {
			here = named[i].id;
			put_net_ns(named[i].id, &first);
		}
	}
	for (int i = 0; i < nnamed; i++) close(named[i].fd);
	LIT("]");
	go_home(home, CLONE_NEWNET, self_ns[NS_NET], here);
}

/* --- cgroups ------------------------------------------------------------------------------- */

/* A file's one value: a number as it is, "max" as a string; nothing when the file is absent. */
static void put_value(int dfd, const char *file, const char *key) {
	char text[64];
	if (read_at(dfd, file, text, sizeof text) <= 0) return;
	trim(text);
	if (strcmp(text, "max") == 0) putf(",\"%s\":\"max\"", key);
	else if (text[0] >= '0' && text[0] <= '9' && strspn(text, "0123456789") == strlen(text)) putf(",\"%s\":%s", key, text);
}

static void put_cgroup(int dfd, const char *path, int first) {
	char text[512];
	puts_(first ? "{\"path\":" : ",{\"path\":");
	put_cstr(path[0] ? path : "/");
	put_value(dfd, "memory.current", "memoryCurrent");
	put_value(dfd, "memory.max", "memoryMax");
	put_value(dfd, "pids.current", "pidsCurrent");
	put_value(dfd, "pids.max", "pidsMax");
	if (read_at(dfd, "cpu.max", text, sizeof text) > 0) {
		trim(text);
		LIT(",\"cpuMax\":");
		put_cstr(text);
	}
	if (read_at(dfd, "cpu.stat", text, sizeof text) > 0) {
		char *p = strstr(text, "nr_throttled ");
		if (p) putf(",\"nrThrottled\":%llu", strtoull(p + 13, NULL, 10));
		p = strstr(text, "throttled_usec ");
		if (p) putf(",\"throttledUsec\":%llu", strtoull(p + 15, NULL, 10));
	}
	LIT("}");
}

/*
 * Every cgroup below CG, depth first; path is relative to CG ("" for the root). Without --all,
 * not the lab's (/lab, /lab-view and below) nor the root's own figures.
 */
static void walk_cgroups(const char *path, int *first, int depth) {
	if (!all && (strcmp(path, "/lab") == 0 || strncmp(path, "/lab/", 5) == 0 || strcmp(path, "/lab-view") == 0)) return;
	char dir[1024];
	snprintf(dir, sizeof dir, CG "%s", path);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) return;
	if (all || path[0]) {
		put_cgroup(dfd, path, *first);
		*first = 0;
	}
	/* a leaf's directory is not listed: reading its ~40 files' names costs more than this */
	char stat[256];
	int parent = read_at(dfd, "cgroup.stat", stat, sizeof stat) < 0 || !strstr(stat, "nr_descendants 0\n");
	DIR *d = parent && depth < 16 ? fdopendir(dfd) : NULL;
	if (!d) {
		close(dfd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
		char child[1024];
		if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= sizeof child) continue;
		walk_cgroups(child, first, depth + 1);
	}
	closedir(d);
}

/* --- one process in detail ----------------------------------------------------------------- */

static char text_buf[MAX_TEXT];

static void put_file_field(int dfd, const char *file, const char *key) {
	ssize_t n = read_at(dfd, file, text_buf, sizeof text_buf);
	if (n < 0) return;
	if ((size_t)n == sizeof text_buf - 1) { /* more than fits: whole lines only */
		char *last = strrchr(text_buf, '\n');
		if (last) last[1] = 0;
	}
	putf(",\"%s\":", key);
	put_cstr(text_buf);
}

/* Every readable file of the cgroup (cgroup.kill and memory.reclaim are write-only). */
static void put_cgroup_files(const char *cgroup) {
	char dir[1024];
	snprintf(dir, sizeof dir, CG "%s", cgroup);
	DIR *d = opendir(dir);
	if (!d) return;
	LIT(",\"cgroupFiles\":{");
	int first = 1;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		if (e->d_type != DT_REG || fstatat(dirfd(d), e->d_name, &st, 0) != 0 || !(st.st_mode & S_IRUSR)) continue;
		if (read_at(dirfd(d), e->d_name, text_buf, 4096) < 0) continue;
		if (!first) LIT(",");
		put_cstr(e->d_name);
		LIT(":");
		put_cstr(text_buf);
		first = 0;
	}
	LIT("}");
	closedir(d);
}

static void put_detail(int pid) {
	char dir[32], cgroup[512];
	snprintf(dir, sizeof dir, "/proc/%d", pid);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		putf(",\"detail\":{\"pid\":%d,\"gone\":true}", pid);
		return;
	}
	putf(",\"detail\":{\"pid\":%d", pid);
	put_file_field(dfd, "mountinfo", "mountinfo");
	put_file_field(dfd, "uid_map", "uidMap");
	put_file_field(dfd, "gid_map", "gidMap");
	put_file_field(dfd, "setgroups", "setgroups");
	if (cgroup_of(dfd, cgroup, sizeof cgroup)) {
		LIT(",\"cgroup\":");
		put_cstr(cgroup);
		put_cgroup_files(cgroup);
	}
	LIT("}");
	close(dfd);
}

/* --- main ---------------------------------------------------------------------------------- */

#define VIEW_CGROUP CG "/lab-view"

/* Into a cgroup that weighs as much as the learner's (cpu.weight's default, 100). */
static void step_aside(void) {
	mkdir(VIEW_CGROUP, 0755); /* (already there after the first run) */
	int fd = open(VIEW_CGROUP "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0) return;
	if (write(fd, "0", 1) < 0) { /* a cgroup the learner broke: run where we are */ }
	close(fd);
}

static long long us(clockid_t clock) {
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
	long long started = us(CLOCK_MONOTONIC);
	int detail = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) all = 1;
		else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) detail = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: contained-inspect [--all] [--pid N]\n");
			return 2;
		}
	}
	step_aside();
	putf("{\"version\":1,\"self\":%d", (int)getpid());
	put_processes();
	put_uts();
	put_net();
	LIT(",\"cgroups\":[");
	int first = 1;
	walk_cgroups("", &first, 0);
	LIT("]");
	if (detail > 0) put_detail(detail);
	/* the cost so far: what the page's bench reports as one refresh in the guest */
	putf(",\"cpuUs\":%lld,\"elapsedUs\":%lld}\n", us(CLOCK_PROCESS_CPUTIME_ID), us(CLOCK_MONOTONIC) - started);
	for (size_t off = 0; off < out_len;) {
		ssize_t n = write(1, out + off, out_len - off);
		if (n <= 0) return 1;
		off += (size_t)n;
	}
	return 0;
}
