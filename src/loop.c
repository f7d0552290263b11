/* The reactor on libevent: one event_base, and thin wrappers that name what
 * cutover needs so that checks and the engine never see libevent types.
 *
 * Everything runs at one priority, so within one round of the loop the
 * callbacks run in the order libevent activates them: descriptors first (the
 * backend's poll), then expired timers, then whatever those callbacks made
 * ready (deferred calls, in the order they were deferred). An answer that
 * arrives in the same round as its query's deadline therefore still counts,
 * as it did with the hand-written epoll loop this replaces. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "loop.h"
#include "util.h"

struct deferred {
	void (*cb)(void *arg);
	void *arg;
	struct deferred *next;
};

struct loop {
	struct event_base *base;
	/* Deferred calls: one event made active when the queue gets its first
	 * entry; it drains the queue. */
	struct event *defer_ev;
	struct deferred *defer_head, *defer_tail, *defer_free;
};

struct loop_io {
	struct loop *l;
	struct event *ev;
	int fd;
	unsigned what;
	loop_io_cb cb;
	void *arg;
};

struct loop_timer {
	struct loop *l;
	struct event *ev;
	loop_timer_cb cb;
	void *arg;
};

struct loop_signal {
	struct event *ev;
	void (*cb)(void *arg, int signo);
	void *arg;
};

struct loop_child {
	struct event *ev;
	int pidfd;
	pid_t pid;
	void (*cb)(void *arg, pid_t pid, int status);
	void *arg;
};

uint64_t loop_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

double loop_wall_time(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void defer_drain(evutil_socket_t fd, short what, void *arg)
{
	struct loop *l = arg;
	(void)fd;
	(void)what;
	/* Calls deferred while draining join the queue and run in this drain
	 * too, after those before them. */
	while (l->defer_head) {
		struct deferred *d = l->defer_head;
		l->defer_head = d->next;
		if (!l->defer_head)
			l->defer_tail = NULL;
		void (*cb)(void *) = d->cb;
		void *cb_arg = d->arg;
		d->next = l->defer_free;
		l->defer_free = d;
		cb(cb_arg);
	}
}

int loop_new(struct loop **out)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	struct event_config *cfg = NULL;
	int rc = -1;

	*out = NULL;
	cfg = event_config_new();
	if (!cfg)
		goto out;
	/* No locking: the base belongs to this one thread. And the precise
	 * monotonic clock: libevent's default on Linux is the coarse one, which
	 * ticks every few milliseconds and fires timers up to a tick early by
	 * the clock loop_now_us() reads. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK | EVENT_BASE_FLAG_PRECISE_TIMER);
	l->base = event_base_new_with_config(cfg);
	if (!l->base)
		goto out;
	l->defer_ev = event_new(l->base, -1, 0, defer_drain, l);
	if (!l->defer_ev)
		goto out;
	*out = l;
	l = NULL;
	rc = 0;
out:
	if (cfg)
		event_config_free(cfg);
	if (l) {
		loop_free(l);
		if (!errno)
			errno = ENOMEM;
	}
	return rc;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	if (l->defer_ev)
		event_free(l->defer_ev);
	for (struct deferred *d = l->defer_head, *n; d; d = n) {
		n = d->next;
		free(d);
	}
	for (struct deferred *d = l->defer_free, *n; d; d = n) {
		n = d->next;
		free(d);
	}
	if (l->base)
		event_base_free(l->base);
	free(l);
}

struct event_base *loop_event_base(struct loop *l)
{
	return l->base;
}

int loop_run(struct loop *l)
{
	int rc = event_base_loop(l->base, 0);
	return rc < 0 ? -1 : 0;
}

int loop_run_once(struct loop *l, int block)
{
	int rc = event_base_loop(l->base, EVLOOP_ONCE | (block ? 0 : EVLOOP_NONBLOCK));
	return rc < 0 ? -1 : rc;
}

void loop_break(struct loop *l)
{
	/* loopexit, not loopbreak: the callbacks already due in this round
	 * still run, as loop.h promises. */
	event_base_loopexit(l->base, NULL);
}

/* --- descriptors ------------------------------------------------------- */

static void io_fired(evutil_socket_t fd, short ev, void *arg)
{
	struct loop_io *io = arg;
	unsigned what = 0;
	if (ev & EV_READ)
		what |= LOOP_READ;
	if (ev & EV_WRITE)
		what |= LOOP_WRITE;
	io->cb(io->arg, (int)fd, what);
}

static short io_events(unsigned what)
{
	short ev = EV_PERSIST;
	if (what & LOOP_READ)
		ev |= EV_READ;
	if (what & LOOP_WRITE)
		ev |= EV_WRITE;
	return ev;
}

struct loop_io *loop_io_new(struct loop *l, int fd, unsigned what, loop_io_cb cb, void *arg)
{
	struct loop_io *io = xcalloc(1, sizeof(*io));
	io->l = l;
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	io->ev = event_new(l->base, fd, io_events(what), io_fired, io);
	if (!io->ev) {
		free(io);
		errno = ENOMEM;
		return NULL;
	}
	io->what = what;
	if (what && event_add(io->ev, NULL) != 0) {
		event_free(io->ev);
		free(io);
		errno = EINVAL;
		return NULL;
	}
	return io;
}

int loop_io_set(struct loop_io *io, unsigned what)
{
	if (what == io->what)
		return 0;
	event_del(io->ev);
	if (event_assign(io->ev, io->l->base, io->fd, io_events(what), io_fired, io) != 0) {
		errno = EINVAL;
		return -1;
	}
	io->what = what;
	if (what && event_add(io->ev, NULL) != 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void loop_io_free(struct loop_io *io)
{
	if (!io)
		return;
	event_free(io->ev); /* deletes it, pending or active */
	free(io);
}

/* --- timers ------------------------------------------------------------ */

static void timer_fired(evutil_socket_t fd, short ev, void *arg)
{
	struct loop_timer *t = arg;
	(void)fd;
	(void)ev;
	t->cb(t->arg);
}

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));
	t->l = l;
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(l->base, timer_fired, t);
	if (!t->ev) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void loop_timer_start(struct loop_timer *t, uint64_t delay_us)
{
	struct timeval tv = {(time_t)(delay_us / 1000000), (suseconds_t)(delay_us % 1000000)};
	/* libevent counts the delay from the time it read when the round
	 * began; callbacks may have run since. Count it from now, so a timer
	 * never fires before delay_us have passed by loop_now_us(). */
	event_base_update_cache_time(t->l->base);
	evtimer_add(t->ev, &tv);
}

void loop_timer_stop(struct loop_timer *t)
{
	evtimer_del(t->ev);
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	event_free(t->ev);
	free(t);
}

/* --- deferred calls ---------------------------------------------------- */

int loop_defer(struct loop *l, void (*cb)(void *arg), void *arg)
{
	struct deferred *d = l->defer_free;
	if (d)
		l->defer_free = d->next;
	else
		d = xmalloc(sizeof(*d));
	d->cb = cb;
	d->arg = arg;
	d->next = NULL;
	if (l->defer_tail)
		l->defer_tail->next = d;
	else
		l->defer_head = d;
	l->defer_tail = d;
	if (!event_pending(l->defer_ev, EV_TIMEOUT, NULL))
		event_active(l->defer_ev, EV_TIMEOUT, 0);
	return 0;
}

/* --- signals ----------------------------------------------------------- */

static void signal_fired(evutil_socket_t signo, short ev, void *arg)
{
	struct loop_signal *s = arg;
	(void)ev;
	s->cb(s->arg, (int)signo);
}

struct loop_signal *loop_signal_new(struct loop *l, int signo, void (*cb)(void *arg, int signo), void *arg)
{
	struct loop_signal *s = xcalloc(1, sizeof(*s));
	s->cb = cb;
	s->arg = arg;
	s->ev = evsignal_new(l->base, signo, signal_fired, s);
	if (!s->ev || evsignal_add(s->ev, NULL) != 0) {
		if (s->ev)
			event_free(s->ev);
		free(s);
		errno = EINVAL;
		return NULL;
	}
	return s;
}

void loop_signal_free(struct loop_signal *s)
{
	if (!s)
		return;
	event_free(s->ev);
	free(s);
}

/* --- child processes --------------------------------------------------- */

static void child_exited(evutil_socket_t fd, short ev, void *arg)
{
	struct loop_child *c = arg;
	int status = 0;
	(void)fd;
	(void)ev;
	pid_t got = waitpid(c->pid, &status, WNOHANG);
	if (got == 0)
		return; /* spurious: the pidfd is readable only once it exited */
	void (*cb)(void *, pid_t, int) = c->cb;
	void *cb_arg = c->arg;
	pid_t pid = c->pid;
	loop_child_free(c);
	cb(cb_arg, pid, got < 0 ? -1 : status);
}

struct loop_child *loop_child_new(struct loop *l, pid_t pid, void (*cb)(void *arg, pid_t pid, int status),
				  void *arg)
{
	/* Only a child of ours can be reaped here. */
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
		return NULL;
	int fd = pidfd_open(pid, 0);
	if (fd < 0)
		return NULL;
	struct loop_child *c = xcalloc(1, sizeof(*c));
	c->pidfd = fd;
	c->pid = pid;
	c->cb = cb;
	c->arg = arg;
	c->ev = event_new(l->base, fd, EV_READ, child_exited, c);
	if (!c->ev || event_add(c->ev, NULL) != 0) {
		if (c->ev)
			event_free(c->ev);
		close(fd);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void loop_child_free(struct loop_child *c)
{
	if (!c)
		return;
	event_free(c->ev);
	close(c->pidfd);
	free(c);
}
