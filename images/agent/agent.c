/*
 * contained-agent: the lab's control channel inside the guest.
 *
 * It reads requests from its port (/dev/hvc2, a virtio console: one line each) and answers on the
 * same port with lines
 * that carry the request's nonce, so the host can match answers to requests and ignore anything
 * stale. It never touches the learner's terminals except to tell a tty its window size.
 *
 * Requests (host -> agent), fields separated by one space, line ends with '\n':
 *   x NONCE TIMEOUT_MS B64_COMMAND [B64_STDIN]   run COMMAND with /bin/sh -c
 *   c NONCE                                      cancel the running command with that nonce
 *   w NONCE TTY ROWS COLS                        set a tty's window size (SIGWINCH to its group)
 *   t NONCE UNIX_MS                              set the real-time clock
 *   p NONCE                                      ping
 * Answers (agent -> host):
 *   @@contained-agent ready 1                    once, at start
 *   NONCE o B64                                  a chunk of the command's stdout
 *   NONCE e B64                                  a chunk of the command's stderr
 *   NONCE x EXIT STATUS                          the end: STATUS is ok, timeout, cancelled, or
 *                                                error:WORD (then EXIT is -1)
 * A nonce is 8 to 64 characters of [0-9a-zA-Z]. Malformed lines are answered with
 *   ? x -1 error:bad-request                     (the nonce is unknown, so it is '?')
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Raw bytes per o/e line (64 KiB of base64): one pipe's worth, so a big output takes few lines. */
#define CHUNK 49152
#define READ_SIZE 65536
#define KILL_GRACE_MS 300

static int in_fd, out_fd;
static char *line_buf;
static size_t line_len, line_cap;

static long long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(const char *buf, size_t len) {
	while (len > 0) {
		ssize_t n = write(out_fd, buf, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN) continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const unsigned char *src, size_t len, char *dst) {
	size_t o = 0, i = 0;
	for (; i + 2 < len; i += 3) {
		unsigned v = src[i] << 16 | src[i + 1] << 8 | src[i + 2];
		dst[o++] = b64chars[v >> 18 & 63];
		dst[o++] = b64chars[v >> 12 & 63];
		dst[o++] = b64chars[v >> 6 & 63];
		dst[o++] = b64chars[v & 63];
	}
	if (i < len) {
		unsigned v = src[i] << 16 | (i + 1 < len ? src[i + 1] << 8 : 0);
		dst[o++] = b64chars[v >> 18 & 63];
		dst[o++] = b64chars[v >> 12 & 63];
		dst[o++] = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
		dst[o++] = '=';
	}
	return o;
}

/* 0..63 for a base64 character, 64 for '=', 255 for anything else. */
static unsigned char b64_values[256];

static void b64_init(void) {
	memset(b64_values, 255, sizeof b64_values);
	for (int i = 0; i < 64; i++) b64_values[(unsigned char)b64chars[i]] = (unsigned char)i;
	b64_values['='] = 64;
}

/* Decodes in place; returns the decoded length or -1 if the text is not base64. */
static ssize_t b64_decode(char *s) {
	size_t len = strlen(s), o = 0;
	const unsigned char *in = (const unsigned char *)s;
	if (len % 4) return -1;
	for (size_t i = 0; i < len; i += 4) {
		unsigned a = b64_values[in[i]], b = b64_values[in[i + 1]], c = b64_values[in[i + 2]], d = b64_values[in[i + 3]];
		int last = i + 4 == len;
		if ((a | b) > 63 || c > 64 || d > 64 || (c == 64 && (!last || d != 64)) || (d == 64 && !last)) return -1;
		unsigned v = a << 18 | b << 12 | (c & 63) << 6 | (d & 63);
		s[o++] = (char)(v >> 16);
		if (c != 64) s[o++] = (char)(v >> 8);
		if (d != 64) s[o++] = (char)v;
	}
	return (ssize_t)o;
}

static void send_chunk(const char *nonce, char kind, const unsigned char *data, size_t len) {
	static char line[128 + (CHUNK + 2) / 3 * 4 + 8];
	size_t o = (size_t)snprintf(line, 128, "%s %c ", nonce, kind);
	o += b64_encode(data, len, line + o);
	line[o++] = '\n';
	write_all(line, o);
}

static void send_end(const char *nonce, int code, const char *status) {
	char line[160];
	int n = snprintf(line, sizeof line, "%s x %d %s\n", nonce, code, status);
	write_all(line, (size_t)n);
}

static int valid_nonce(const char *s) {
	size_t n = strlen(s);
	if (n < 8 || n > 64) return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return 0;
	}
	return 1;
}

/* Splits a request line in place into at most max fields separated by single spaces. */
static int split(char *s, char **fields, int max) {
	int n = 0;
	while (n < max) {
		fields[n++] = s;
		char *sp = strchr(s, ' ');
		if (!sp) break;
		*sp = 0;
		s = sp + 1;
	}
	return n;
}

/* Lines that arrive while a command runs and are not its cancel wait here, in order. */
static char **pending;
static size_t pending_count, pending_cap;

static void queue_line(const char *line) {
	if (pending_count == pending_cap) {
		pending_cap = pending_cap ? pending_cap * 2 : 8;
		pending = realloc(pending, pending_cap * sizeof *pending);
	}
	pending[pending_count++] = strdup(line);
}

/* Reads what is available from in_fd; calls on_line for every complete line. Returns -1 on EOF. */
static int pump_input(void (*on_line)(char *line, void *ctx), void *ctx) {
	static char buf[READ_SIZE];
	ssize_t n = read(in_fd, buf, sizeof buf);
	if (n == 0) return -1;
	if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	char *p = buf, *end = buf + n;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t take = (size_t)((nl ? nl : end) - p);
		if (line_len + take + 1 > line_cap) {
			while (line_len + take + 1 > line_cap) line_cap *= 2;
			line_buf = realloc(line_buf, line_cap);
		}
		memcpy(line_buf + line_len, p, take);
		line_len += take;
		p += take;
		if (!nl) break;
		p++; /* the newline */
		if (line_len > 0 && line_buf[line_len - 1] == '\r') line_len--;
		line_buf[line_len] = 0;
		if (line_len > 0) on_line(line_buf, ctx);
		line_len = 0;
	}
	return 0;
}

static void queue_line_cb(char *line, void *ctx) {
	(void)ctx;
	queue_line(line);
}

struct running {
	const char *nonce;
	int cancelled;
};

static void while_running(char *line, void *ctx) {
	struct running *r = ctx;
	if (line[0] == 'c' && line[1] == ' ' && strcmp(line + 2, r->nonce) == 0) {
		r->cancelled = 1;
		return;
	}
	queue_line(line);
}

static void run_command(const char *nonce, long timeout_ms, const char *command, const char *stdin_data, size_t stdin_len) {
	int out_pipe[2], err_pipe[2], in_pipe[2];
	if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC) || pipe2(in_pipe, O_CLOEXEC)) {
		send_end(nonce, -1, "error:pipe");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		send_end(nonce, -1, "error:fork");
		close(out_pipe[0]); close(out_pipe[1]); close(err_pipe[0]); close(err_pipe[1]);
		close(in_pipe[0]); close(in_pipe[1]);
		return;
	}
	if (pid == 0) {
		setsid();
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		dup2(err_pipe[1], 2);
		int adj = open("/proc/self/oom_score_adj", O_WRONLY);
		if (adj >= 0) { write(adj, "0", 1); close(adj); }
		signal(SIGPIPE, SIG_DFL);
		if (chdir("/root") != 0) chdir("/");
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	close(in_pipe[0]);
	/* Small inputs fit the pipe buffer; larger ones are written as the child reads. */
	size_t stdin_off = 0;
	int stdin_fd = in_pipe[1];
	fcntl(stdin_fd, F_SETFL, O_NONBLOCK);
	if (stdin_len == 0) { close(stdin_fd); stdin_fd = -1; }

	struct running r = { nonce, 0 };
	long long deadline = now_ms() + timeout_ms, kill_deadline = 0;
	const char *status = "ok";
	int open_fds = 2, input_eof = 0;
	int fds[2] = { out_pipe[0], err_pipe[0] };
	unsigned char buf[CHUNK];
	while (open_fds > 0) {
		long long now = now_ms();
		if (!kill_deadline && (now >= deadline || r.cancelled)) {
			status = r.cancelled ? "cancelled" : "timeout";
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			kill_deadline = now + KILL_GRACE_MS;
		}
		if (kill_deadline && now >= kill_deadline) break; /* something outside the group holds the pipes */
		struct pollfd p[4];
		int np = 0, idx_in = -1, idx_stdin = -1;
		for (int i = 0; i < 2; i++) if (fds[i] >= 0) p[np++] = (struct pollfd){ fds[i], POLLIN, 0 };
		int streams = np;
		if (!input_eof) { idx_in = np; p[np++] = (struct pollfd){ in_fd, POLLIN, 0 }; }
		if (stdin_fd >= 0) { idx_stdin = np; p[np++] = (struct pollfd){ stdin_fd, POLLOUT, 0 }; }
		long long wait = (kill_deadline ? kill_deadline : deadline) - now;
		if (wait < 0) wait = 0;
		if (poll(p, (nfds_t)np, (int)(wait > 1000 ? 1000 : wait)) < 0 && errno != EINTR) break;
		for (int k = 0; k < streams; k++) {
			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
			int which = p[k].fd == fds[0] ? 0 : 1;
			ssize_t n = read(p[k].fd, buf, sizeof buf);
			if (n > 0) {
				send_chunk(nonce, which == 0 ? 'o' : 'e', buf, (size_t)n);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(fds[which]);
				fds[which] = -1;
				open_fds--;
			}
		}
		if (idx_in >= 0 && (p[idx_in].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (pump_input(while_running, &r) < 0) input_eof = 1;
		}
		if (idx_stdin >= 0 && (p[idx_stdin].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(stdin_fd, stdin_data + stdin_off, stdin_len - stdin_off);
			if (n > 0) stdin_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || stdin_off == stdin_len) {
				close(stdin_fd);
				stdin_fd = -1;
			}
		}
	}
	for (int i = 0; i < 2; i++) if (fds[i] >= 0) close(fds[i]);
	if (stdin_fd >= 0) close(stdin_fd);
	int wstatus = 0;
	if (kill_deadline) kill(-pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {}
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	send_end(nonce, code, status);
}

static void set_window(const char *nonce, const char *tty, const char *rows, const char *cols) {
	struct winsize ws = { 0 };
	ws.ws_row = (unsigned short)atoi(rows);
	ws.ws_col = (unsigned short)atoi(cols);
	/* a terminal: a tty (/dev/tty...) or a console port (/dev/hvc...) */
	if ((strncmp(tty, "/dev/tty", 8) != 0 && strncmp(tty, "/dev/hvc", 8) != 0) || !ws.ws_row || !ws.ws_col) {
		send_end(nonce, -1, "error:bad-window");
		return;
	}
	int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) { send_end(nonce, -1, "error:open-tty"); return; }
	int rc = ioctl(fd, TIOCSWINSZ, &ws);
	close(fd);
	send_end(nonce, rc == 0 ? 0 : -1, rc == 0 ? "ok" : "error:ioctl");
}

static void set_time(const char *nonce, const char *unix_ms) {
	long long ms = atoll(unix_ms);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
	int rc = ms > 0 ? clock_settime(CLOCK_REALTIME, &ts) : -1;
	send_end(nonce, rc == 0 ? 0 : -1, rc == 0 ? "ok" : "error:clock");
}

static void handle_line(char *line) {
	char *f[6];
	int n = split(line, f, 6);
	if (n < 2 || strlen(f[0]) != 1 || !valid_nonce(f[1])) {
		send_end("?", -1, "error:bad-request");
		return;
	}
	const char *nonce = f[1];
	switch (f[0][0]) {
	case 'p':
		send_end(nonce, 0, "ok");
		return;
	case 'c':
		send_end(nonce, -1, "error:not-running");
		return;
	case 't':
		if (n == 3) { set_time(nonce, f[2]); return; }
		break;
	case 'w':
		if (n == 5) { set_window(nonce, f[2], f[3], f[4]); return; }
		break;
	case 'x': {
		if (n < 4 || n > 5) break;
		long timeout_ms = atol(f[2]);
		ssize_t cmd_len = b64_decode(f[3]);
		ssize_t in_len = n == 5 ? b64_decode(f[4]) : 0;
		if (timeout_ms <= 0 || cmd_len <= 0 || in_len < 0) break;
		f[3][cmd_len] = 0;
		if ((size_t)cmd_len != strlen(f[3])) break; /* a NUL inside the command */
		char *nonce_copy = strdup(nonce);
		char *cmd = strdup(f[3]);
		char *input = NULL;
		if (in_len > 0) { input = malloc((size_t)in_len); memcpy(input, f[4], (size_t)in_len); }
		run_command(nonce_copy, timeout_ms, cmd, input, (size_t)in_len);
		free(nonce_copy); free(cmd); free(input);
		return;
	}
	}
	send_end(nonce, -1, "error:bad-request");
}

int main(int argc, char **argv) {
	const char *port = argc > 1 ? argv[1] : "/dev/hvc2";
	signal(SIGPIPE, SIG_IGN);
	b64_init();
	/* The virtio console's ports come up while init already runs: wait for ours (up to 10 s). */
	for (int tries = 0; (in_fd = open(port, O_RDWR | O_NOCTTY)) < 0 && tries < 1000; tries++) usleep(10000);
	if (in_fd < 0) { perror(port); return 1; }
	out_fd = in_fd;
	struct termios t;
	if (tcgetattr(in_fd, &t) == 0) {
		cfmakeraw(&t);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(in_fd, TCSANOW, &t);
	}
	int adj = open("/proc/self/oom_score_adj", O_WRONLY);
	if (adj >= 0) { write(adj, "-1000", 5); close(adj); }
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("LANG", "C.UTF-8", 1);
	line_cap = 65536;
	line_buf = malloc(line_cap);
	static const char hello[] = "\n@@contained-agent ready 1\n";
	write_all(hello, sizeof hello - 1);
	for (;;) {
		while (pending_count > 0) {
			char *l = pending[0];
			memmove(pending, pending + 1, --pending_count * sizeof *pending);
			handle_line(l);
			free(l);
		}
		/* Lines are queued, never handled inside the read loop: a request that runs a command
		 * reads further input itself, and that must not reorder the stream. */
		if (pump_input(queue_line_cb, NULL) < 0) {
			/* The port went away (should not happen on a console port): reopen after a pause. */
			sleep(1);
		}
	}
}
