/* The progress line on a terminal (progress.h).
 *
 * The line lives on standard error, drawn as "\r" TEXT "\033[K" from a timer of
 * the loop. Whatever else is written to that terminal -- a warning, a report on
 * standard output when it is the same terminal, a plan's events and its steps'
 * output, a prompt -- must erase it first, or the two would share a line.
 * Rather than asking every fprintf() in cutover to remember that, standard
 * error (and standard output, when it is the same terminal) are replaced at
 * start-up by streams (fopencookie) that erase the line before each write and
 * note whether the cursor was left at the start of a line: the line is drawn
 * only there, never after a prompt that waits for its answer. There is one
 * terminal and one line, hence the state below is the process's. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop.h"
#include "progress.h"
#include "util.h"

struct progress {
	struct loop_timer *timer;
	progress_sample_fn sample;
	void *arg;
	uint64_t started; /* loop_now_us() */
};

#define LINE_MAX_BYTES 512

static struct {
	int shown;	   /* the line is on the terminal */
	int at_line_start; /* the last byte written to the terminal ended a line */
	int wrapped_out;   /* standard output is the terminal, through tty_write() */
	struct progress *active;
	char last[LINE_MAX_BYTES];
	size_t last_len;
} tty = {0, 1, 0, NULL, "", 0};

static int write_all(int fd, const char *buf, size_t n, size_t *written)
{
	size_t done = 0;
	int rc = 0;
	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		done += (size_t)w;
	}
	if (written)
		*written = done;
	return rc;
}

static void line_erase(void)
{
	if (!tty.shown)
		return;
	int saved = errno;
	write_all(STDERR_FILENO, "\r\033[K", 4, NULL);
	errno = saved;
	tty.shown = 0;
}

/* The write function of the streams that replace stderr and stdout: the line
 * goes first. Returns the bytes written; fewer (0) on error, errno set, as
 * fopencookie(3) asks. */
static ssize_t tty_write(void *cookie, const char *buf, size_t n)
{
	int fd = (int)(intptr_t)cookie;
	size_t done = 0;
	line_erase();
	write_all(fd, buf, n, &done);
	if (done)
		tty.at_line_start = buf[done - 1] == '\n';
	return (ssize_t)done;
}

static void at_exit_erase(void)
{
	line_erase();
}

/* Standard error is a terminal that takes cursor control, and NO_COLOR
 * (https://no-color.org: no decoration) is not asked for. */
static int terminal_usable(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(STDERR_FILENO) && !(nc && *nc) && term && *term && strcmp(term, "dumb") != 0;
}

/* Descriptors a and b are the same terminal. */
static int same_terminal(int a, int b)
{
	struct stat sa, sb;
	return isatty(a) && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev;
}

void progress_setup(void)
{
	static const cookie_io_functions_t io = {.write = tty_write};
	if (!terminal_usable())
		return;
	FILE *err = fopencookie((void *)(intptr_t)STDERR_FILENO, "w", io);
	if (!err)
		return;
	setvbuf(err, NULL, _IONBF, 0);
	stderr = err;
	if (same_terminal(STDOUT_FILENO, STDERR_FILENO)) {
		FILE *out = fopencookie((void *)(intptr_t)STDOUT_FILENO, "w", io);
		if (out) {
			setvbuf(out, NULL, _IOLBF, BUFSIZ);
			stdout = out;
			tty.wrapped_out = 1;
		}
	}
	atexit(at_exit_erase);
}

int progress_wanted(int quiet)
{
	return !quiet && terminal_usable();
}

/* "%s" into buf at *len, as far as it goes. */
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

size_t progress_format(char *buf, size_t size, const struct progress_counts *c, uint64_t elapsed_us,
		       unsigned width)
{
	size_t len = 0;
	unsigned long secs = (unsigned long)(elapsed_us / 1000000);
	if (size == 0)
		return 0;
	buf[0] = '\0';
	add(buf, size, &len, "%s:", c->what ? c->what : "cutover");
	if (c->unit)
		add(buf, size, &len, " %zu/%zu %s,", c->done, c->total, c->unit);
	add(buf, size, &len, " %zu finding%s", c->findings, c->findings == 1 ? "" : "s");
	if (c->problems)
		add(buf, size, &len, " (%zu problem%s)", c->problems, c->problems == 1 ? "" : "s");
	add(buf, size, &len, ", %zu in flight, ", c->in_flight);
	if (secs < 60)
		add(buf, size, &len, "%lus", secs);
	else if (secs < 3600)
		add(buf, size, &len, "%lum%02lus", secs / 60, secs % 60);
	else
		add(buf, size, &len, "%luh%02lum", secs / 3600, secs / 60 % 60);
	add(buf, size, &len, " elapsed");
	/* last: what the width cuts first */
	if (c->doing)
		add(buf, size, &len, ", %s", c->doing);
	/* no control character may move the cursor (a phase's name is the
	 * plan's) */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	/* A byte is at most a column: cut at width - 1 bytes, never inside a
	 * UTF-8 sequence. */
	if (width == 0)
		width = 80;
	if (len > width - 1) {
		len = width - 1;
		while (len > 0 && ((unsigned char)buf[len] & 0xc0) == 0x80)
			len--;
		buf[len] = '\0';
	}
	return len;
}

static void draw(struct progress *p)
{
	struct progress_counts c;
	struct winsize ws;
	char text[LINE_MAX_BYTES], line[LINE_MAX_BYTES + 8];
	memset(&c, 0, sizeof(c));
	p->sample(p->arg, &c);
	if (c.hidden) {
		line_erase();
		return;
	}
	/* what is buffered goes above the line, and decides where the cursor is */
	if (tty.wrapped_out)
		fflush(stdout);
	if (!tty.at_line_start)
		return; /* someone's line is not finished (a prompt): not over it */
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0) {
		tty.shown = 0; /* not a terminal any more (a plan's terminal hung up) */
		return;
	}
	size_t n = progress_format(text, sizeof(text), &c, loop_now_us() - p->started, ws.ws_col);
	if (tty.shown && n == tty.last_len && memcmp(text, tty.last, n) == 0)
		return;
	int len = snprintf(line, sizeof(line), "\r%s\033[K", text);
	if (len <= 0)
		return;
	if (write_all(STDERR_FILENO, line, (size_t)len, NULL) == 0) {
		tty.shown = 1;
		memcpy(tty.last, text, n);
		tty.last_len = n;
	}
}

static void on_tick(void *arg)
{
	struct progress *p = arg;
	draw(p);
	loop_timer_start(p->timer, PROGRESS_EVERY_US);
}

struct progress *progress_start(struct loop *l, int quiet, progress_sample_fn sample, void *arg)
{
	if (!progress_wanted(quiet) || tty.active)
		return NULL;
	struct progress *p = xcalloc(1, sizeof(*p));
	p->sample = sample;
	p->arg = arg;
	p->started = loop_now_us();
	p->timer = loop_timer_new(l, on_tick, p);
	if (!p->timer) {
		free(p);
		return NULL;
	}
	loop_timer_start(p->timer, PROGRESS_DELAY_US);
	tty.active = p;
	return p;
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	line_erase();
	loop_timer_free(p->timer);
	if (tty.active == p)
		tty.active = NULL;
	free(p);
}
