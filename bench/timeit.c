/* timeit: run a command, then write its wall time and peak resident set
 * size (from wait4's rusage) to a file, for bench/run.sh. It stands in for
 * `/usr/bin/time -f '%e %M'` (Debian's `time` package, not installed by
 * `make deps`) with millisecond resolution.
 *
 * usage: timeit [-t SECONDS] OUTFILE COMMAND [ARG...]
 *
 * OUTFILE gets one line: "wall_ms=W user_ms=U sys_ms=Y maxrss_kb=K status=S
 * start_ns=T timed_out=X": wall time, CPU time in user and kernel mode, peak
 * RSS, S, the command's exit status (128+N when signal N killed it), T, when
 * it started (CLOCK_REALTIME in nanoseconds, to compare with packet
 * timestamps: bench/firstpkt.c), and X, 1 when the command ran longer than
 * the -t limit and got SIGKILL (by its pid), else 0. timeit exits with S,
 * or 127 when the command could not be run. The command's stdin, stdout and
 * stderr are timeit's. Built by bench/run.sh: cc -O2 -o timeit bench/timeit.c */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static volatile sig_atomic_t expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

int main(int argc, char **argv)
{
	unsigned limit = 0;
	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		limit = (unsigned)atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 3) {
		fputs("usage: timeit [-t SECONDS] OUTFILE COMMAND [ARG...]\n", stderr);
		return 127;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "timeit: cannot write '%s': %s\n", argv[1], strerror(errno));
		return 127;
	}
	struct timespec start_rt;
	clock_gettime(CLOCK_REALTIME, &start_rt);
	double start = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "timeit: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "timeit: cannot run '%s': %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (limit) {
		/* No SA_RESTART: the alarm interrupts wait4. */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		alarm(limit);
	}
	int wstatus, killed = 0;
	struct rusage ru;
	pid_t r;
	while ((r = wait4(pid, &wstatus, 0, &ru)) < 0 && errno == EINTR)
		if (expired && !killed) {
			kill(pid, SIGKILL);
			killed = 1;
		}
	double wall = now_ms() - start;
	if (r < 0) {
		fprintf(stderr, "timeit: wait4: %s\n", strerror(errno));
		return 127;
	}
	int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	/* On Linux ru_maxrss is in kilobytes. */
	fprintf(out, "wall_ms=%.1f user_ms=%.1f sys_ms=%.1f maxrss_kb=%ld status=%d start_ns=%lld%09ld timed_out=%d\n",
		wall, (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3,
		(double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3, ru.ru_maxrss, status,
		(long long)start_rt.tv_sec, start_rt.tv_nsec, killed);
	if (fclose(out) != 0) {
		fprintf(stderr, "timeit: cannot write '%s': %s\n", argv[1], strerror(errno));
		return 127;
	}
	return status;
}
