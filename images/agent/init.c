/*
 * /sbin/init of Contained Linux (PID 1). It mounts the filesystems in /etc/fstab, sets up the
 * cgroups that keep the learner from starving the control agent, starts the learner's login
 * shells on hvc0/hvc1 and the control agent on hvc2 (ports of the virtio console), restarts
 * whichever of them exits, and
 * reaps orphans forever. It must never exit (that is a kernel panic).
 *
 * It was a busybox sh script; as a small static program it reaches the first shell ~0.5 s of
 * emulated time sooner (the shell's own start-up and a few applets cost millions of guest
 * instructions each).
 *
 * cgroups: /sys/fs/cgroup/lab (the agent: cpu.weight 10000, out of the OOM killer's reach) and
 * /sys/fs/cgroup/learner (cpu.weight 100, pids.max 1024, memory.max = RAM - 24 MiB), which holds
 * no process itself: the shells live in its leaf learner/shells, and learner hands the cpu,
 * memory and pids controllers down, so a group the learner makes in it (learner/box) has
 * pids.max, memory.max and cpu.max of its own, inside the lab's limits (cgroup v2 gives no
 * controllers to the children of a group that holds processes).
 * `echo 1 > /sys/fs/cgroup/learner/cgroup.kill` ends every learner process, in every group
 * below it; init starts the shells again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CG "/sys/fs/cgroup"

static void say(const char *msg) {
	int fd = open("/dev/ttyS3", O_WRONLY | O_NOCTTY);
	if (fd >= 0) {
		dprintf(fd, "%s\n", msg);
		close(fd);
		return;
	}
	fd = open("/dev/kmsg", O_WRONLY); /* ttyS3 cannot be written: the kernel log then */
	if (fd >= 0) {
		dprintf(fd, "<3>%s\n", msg);
		close(fd);
	}
}

static void write_file(const char *path, const char *text) {
	int fd = open(path, O_WRONLY);
	if (fd < 0) return;
	if (write(fd, text, strlen(text)) < 0) { /* a controller the kernel lacks: go on */ }
	close(fd);
}

/* mount(2) flags for the fstab options that are flags; the rest go to the filesystem. */
static const struct { const char *name; unsigned long flag; } FLAGS[] = {
	{"nosuid", MS_NOSUID}, {"nodev", MS_NODEV}, {"noexec", MS_NOEXEC}, {"noatime", MS_NOATIME},
	{"ro", MS_RDONLY}, {"rw", 0}, {"defaults", 0},
};

static void mount_entry(const struct mntent *m) {
	char data[256] = "", opts[256];
	unsigned long flags = 0;
	snprintf(opts, sizeof opts, "%s", m->mnt_opts);
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof FLAGS / sizeof FLAGS[0]; i++)
			if (strcmp(o, FLAGS[i].name) == 0) break;
		if (i < sizeof FLAGS / sizeof FLAGS[0]) flags |= FLAGS[i].flag;
		else snprintf(data + strlen(data), sizeof data - strlen(data), "%s%s", data[0] ? "," : "", o);
	}
	mkdir(m->mnt_dir, 0755);
	if (mount(m->mnt_fsname, m->mnt_dir, m->mnt_type, flags, data[0] ? data : NULL) != 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "contained: could not mount %s on %s: %s", m->mnt_type, m->mnt_dir, strerror(errno));
		say(msg);
	}
}

static void filesystems(void) {
	if (access("/dev/ttyS0", F_OK) != 0) mount("devtmpfs", "/dev", "devtmpfs", 0, NULL); /* normally the kernel's */
	mkdir("/dev/pts", 0755);
	mkdir("/dev/shm", 01777);
	FILE *f = setmntent("/etc/fstab", "r");
	if (f) {
		struct mntent *m;
		while ((m = getmntent(f)))
			if (strcmp(m->mnt_dir, "/") != 0) mount_entry(m);
		endmntent(f);
	}
	/* reads never write to the disk (nor to a saved state) */
	mount(NULL, "/", NULL, MS_REMOUNT | MS_NOATIME, NULL);
}

static void cgroups(void) {
	write_file(CG "/cgroup.subtree_control", "+cpu +memory +pids");
	mkdir(CG "/lab", 0755);
	/* the kernel view's inspector (contained-inspect): a default cpu.weight, not the agent's
	 * 10000, so a key the learner types is not held up by a refresh */
	mkdir(CG "/lab-view", 0755);
	mkdir(CG "/learner", 0755);
	mkdir(CG "/learner/shells", 0755);
	/* while learner is still empty: afterwards only its children may hold processes */
	write_file(CG "/learner/cgroup.subtree_control", "+cpu +memory +pids");
	write_file(CG "/lab/cpu.weight", "10000");
	write_file(CG "/learner/cpu.weight", "100");
	write_file(CG "/learner/pids.max", "1024"); /* the kernel's threads-max is ~1700 with 128 MB */
	FILE *f = fopen("/proc/meminfo", "r");
	long kb = 0;
	if (f) {
		if (fscanf(f, "MemTotal: %ld kB", &kb) != 1) kb = 0;
		fclose(f);
	}
	if (kb > 48 * 1024) { /* memory.max = MemTotal - 24 MiB (for the kernel, init, the agent) */
		char text[32];
		snprintf(text, sizeof text, "%lld", (long long)(kb - 24 * 1024) * 1024);
		write_file(CG "/learner/memory.max", text);
	}
}

static void identity(void) {
	char name[65] = "";
	FILE *f = fopen("/etc/hostname", "r");
	if (f) {
		if (fgets(name, sizeof name, f)) {
			name[strcspn(name, "\r\n")] = 0;
			if (name[0]) sethostname(name, strlen(name));
		}
		fclose(f);
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0); /* ip link set lo up */
	if (s >= 0) {
		struct ifreq ifr = {0};
		strcpy(ifr.ifr_name, "lo");
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(s, SIOCSIFFLAGS, &ifr);
		}
		close(s);
	}
}

/* --- services ------------------------------------------------------------------------------ */

enum { SHELL0, SHELL1, AGENT, SERVICES };
static pid_t pids[SERVICES];
static double started_at[SERVICES] = {-100, -100, -100};
static int starts[SERVICES];

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void join_cgroup(const char *group) {
	char path[64];
	snprintf(path, sizeof path, CG "/%s/cgroup.procs", group);
	write_file(path, "0");
}

static void child_defaults(void) {
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int fd = 3; fd < 64; fd++) close(fd);
}

static void start(int which) {
	double t = now();
	/* A service that died within 2 s of its start waits a second: no spinning. */
	int pause = starts[which] > 0 && t - started_at[which] < 2;
	starts[which]++;
	started_at[which] = t;
	pid_t pid = fork();
	if (pid < 0) {
		pids[which] = 0;
		return;
	}
	if (pid > 0) {
		pids[which] = pid;
		return;
	}
	child_defaults();
	if (pause) sleep(1);
	if (which == AGENT) {
		join_cgroup("lab");
		write_file("/proc/self/oom_score_adj", "-1000");
		int in = open("/dev/null", O_RDONLY), out = open("/dev/ttyS3", O_WRONLY | O_NOCTTY);
		if (in >= 0) dup2(in, 0);
		if (out >= 0) { dup2(out, 1); dup2(out, 2); }
		if (in > 2) close(in);
		if (out > 2) close(out);
		execl("/usr/sbin/contained-agent", "contained-agent", "/dev/hvc2", (char *)NULL);
	} else {
		/* The shell on hvc1 waits 2 s at boot: one CPU, and hvc0's prompt comes first. */
		if (which == SHELL1 && starts[which] == 1) sleep(2);
		/* The leaf again, in case the learner removed it (it is empty after a cgroup.kill). */
		mkdir(CG "/learner/shells", 0755);
		join_cgroup("learner/shells");
		const char *tty = which == SHELL0 ? "/dev/hvc0" : "/dev/hvc1";
		/* rows and columns until the page sets the size; later shells keep the tty's size */
		if (starts[which] == 1) execl("/usr/sbin/contained-login", "contained-login", tty, "24", "80", (char *)NULL);
		else execl("/usr/sbin/contained-login", "contained-login", tty, (char *)NULL);
	}
	_exit(127);
}

/* Opens a tty and keeps it open; a virtio console's port may come up a moment after init starts. */
static void hold_tty(const char *path) {
	for (int tries = 0; tries < 400; tries++) {
		if (open(path, O_RDWR | O_NOCTTY) >= 0) return;
		usleep(5000);
	}
	say("contained: a shell's tty did not come up");
}

static void on_signal(int sig) { (void)sig; }

int main(void) {
	if (getpid() != 1) {
		fprintf(stderr, "contained-init: not process 1\n");
		return 1;
	}
	/* The kernel delivers to PID 1 only the signals it handles: every catchable signal gets a
	 * no-op handler (not SIG_IGN, which children would inherit through exec). SIGCHLD is
	 * blocked and waited for below. */
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD) sigaction(sig, &sa, NULL);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);

	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", "xterm-256color", 1);
	setenv("SHELL", "/bin/bash", 1);
	setenv("USER", "root", 1);
	setenv("LOGNAME", "root", 1);
	umask(022);
	if (chdir("/") != 0) { /* / is always there */ }

	filesystems();
	cgroups();
	identity();
	/* init holds the ttys open, so a tty's settings and size live on between shells (an hvc
	 * tty forgets both when it is last closed) */
	hold_tty("/dev/hvc0");
	hold_tty("/dev/hvc1");

	start(SHELL0);
	start(AGENT);
	start(SHELL1);
	say("contained: init done");

	for (;;) {
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < SERVICES; i++)
				if (pids[i] == pid) pids[i] = 0;
		int down = 0;
		for (int i = 0; i < SERVICES; i++) {
			if (pids[i] == 0) start(i);
			if (pids[i] == 0) down = 1; /* could not fork: try again in a second */
		}
		/* Sleep until a child changes state (or a while passes: a safety net). */
		struct timespec wait = {down ? 1 : 60, 0};
		sigtimedwait(&chld, NULL, &wait);
	}
}
