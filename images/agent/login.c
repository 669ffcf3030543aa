/*
 * contained-login: starts the learner's login shell on a console tty (hvc0, hvc1). /sbin/init runs it as
 *   contained-login TTY [ROWS COLS]
 * in place of `setsid -c env --default-signal stty ... bash -l`, which cost three dynamically
 * linked programs (about 0.3 s of boot in the emulator). It:
 *  - puts every signal back to its default and unblocks them all (busybox ash starts
 *    background jobs with SIGINT and SIGQUIT ignored; bash would pass that on to every command
 *    the learner runs, and Ctrl-C would not stop them),
 *  - starts a new session with TTY as its controlling terminal on fds 0, 1 and 2,
 *  - sets the tty to `stty sane -ixon erase ^?` (and to ROWS x COLS when given: the size
 *    until the page sets its own),
 *  - runs /bin/bash -l in /root.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void sane(int fd) {
	struct termios t;
	if (tcgetattr(fd, &t) != 0) return;
	/* stty sane, then -ixon: input */
	t.c_iflag &= ~(IGNBRK | INLCR | IGNCR | IXOFF | IUCLC | IXANY | IXON);
	t.c_iflag |= BRKINT | ICRNL | IMAXBEL;
	/* output */
	t.c_oflag &= ~(OLCUC | OCRNL | ONOCR | ONLRET | OFILL | OFDEL | NLDLY | CRDLY | TABDLY | BSDLY | VTDLY | FFDLY);
	t.c_oflag |= OPOST | ONLCR;
	/* control */
	t.c_cflag |= CREAD;
	/* local */
	t.c_lflag &= ~(ECHONL | NOFLSH | XCASE | TOSTOP | ECHOPRT);
	t.c_lflag |= ISIG | ICANON | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE;
	/* characters */
	t.c_cc[VINTR] = 3;     /* ^C */
	t.c_cc[VQUIT] = 28;    /* ^\ */
	t.c_cc[VERASE] = 127;  /* ^? */
	t.c_cc[VKILL] = 21;    /* ^U */
	t.c_cc[VEOF] = 4;      /* ^D */
	t.c_cc[VSTART] = 17;   /* ^Q */
	t.c_cc[VSTOP] = 19;    /* ^S */
	t.c_cc[VSUSP] = 26;    /* ^Z */
	t.c_cc[VREPRINT] = 18; /* ^R */
	t.c_cc[VWERASE] = 23;  /* ^W */
	t.c_cc[VLNEXT] = 22;   /* ^V */
	t.c_cc[VDISCARD] = 15; /* ^O */
	t.c_cc[VEOL] = 0;
	t.c_cc[VEOL2] = 0;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tcsetattr(fd, TCSANOW, &t);
}

int main(int argc, char **argv) {
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: contained-login TTY [ROWS COLS]\n");
		return 2;
	}
	for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	setsid();
	/* The virtio console's ports come up while init already runs: wait for this one (up to 10 s). */
	int fd;
	for (int tries = 0; (fd = open(argv[1], O_RDWR)) < 0 && tries < 1000; tries++) usleep(10000);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	ioctl(fd, TIOCSCTTY, 1);
	for (int i = 0; i < 3; i++)
		if (fd != i) dup2(fd, i);
	for (int i = 3; i < 64; i++) close(i);

	sane(0);
	if (argc == 4) {
		struct winsize ws = {0};
		ws.ws_row = (unsigned short)atoi(argv[2]);
		ws.ws_col = (unsigned short)atoi(argv[3]);
		ioctl(0, TIOCSWINSZ, &ws);
	}
	if (chdir("/root") != 0) chdir("/");
	char *const args[] = {"/bin/bash", "-l", NULL};
	execv(args[0], args);
	perror("/bin/bash");
	return 127;
}
