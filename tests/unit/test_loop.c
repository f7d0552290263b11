/* The reactor (src/loop.c): read and write watches, timers, deferred calls,
 * signals and child processes, each through a real descriptor, clock,
 * signal or process. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

static struct loop *new_loop(void)
{
	struct loop *l = NULL;
	assert_int_equal(loop_new(&l), 0);
	assert_non_null(l);
	return l;
}

/* --- read and write watches ---------------------------------------------- */

struct io_state {
	struct loop *l;
	struct loop_io *io;
	int fd;
	char got[64];
	size_t n_got;
	unsigned whats;
	int calls;
};

static void on_readable(void *arg, int fd, unsigned what)
{
	struct io_state *st = arg;
	st->calls++;
	st->whats |= what;
	ssize_t n = read(fd, st->got + st->n_got, sizeof(st->got) - 1 - st->n_got);
	if (n > 0)
		st->n_got += (size_t)n;
	if (st->n_got >= 5) {
		loop_io_free(st->io); /* a callback may free its own watch */
		st->io = NULL;
		loop_break(st->l);
	}
}

static void test_read_watch(void **state)
{
	(void)state;
	struct loop *l = new_loop();
	int p[2];
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	struct io_state st = {.l = l, .fd = p[0]};
	st.io = loop_io_new(l, p[0], LOOP_READ, on_readable, &st);
	assert_non_null(st.io);
	/* Nothing to read: a non-blocking round runs no callback. */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(st.calls, 0);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(st.n_got, 5);
	assert_memory_equal(st.got, "hello", 5);
	assert_true(st.whats & LOOP_READ);
	assert_false(st.whats & LOOP_WRITE);
	assert_null(st.io);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

struct write_state {
	struct loop *l;
	struct loop_io *io;
	size_t written;
	int write_calls, read_calls;
};

/* Fill a socket until it would block, then wait for writability again: the
 * write watch must fire only when there is room. */
static void on_writable(void *arg, int fd, unsigned what)
{
	struct write_state *st = arg;
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	st->write_calls++;
	assert_true(what & LOOP_WRITE);
	for (;;) {
		ssize_t n = write(fd, buf, sizeof(buf));
		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			break;
		}
		st->written += (size_t)n;
	}
	if (st->write_calls == 2) {
		/* Switch to reading: the peer will answer. */
		assert_int_equal(loop_io_set(st->io, LOOP_READ), 0);
	}
}

static void on_both(void *arg, int fd, unsigned what)
{
	struct write_state *st = arg;
	if (what & LOOP_WRITE)
		on_writable(arg, fd, what);
	if (what & LOOP_READ) {
		char c;
		st->read_calls++;
		assert_int_equal(read(fd, &c, 1), 1);
		assert_int_equal(c, '!');
		loop_break(st->l);
	}
}

static void drain(void *arg)
{
	int *fd = arg;
	char buf[65536];
	while (read(*fd, buf, sizeof(buf)) > 0)
		;
}

struct drain_timer {
	int fd;
};

static void drain_and_reply(void *arg)
{
	struct drain_timer *d = arg;
	drain(&d->fd);
}

static void test_write_watch(void **state)
{
	(void)state;
	struct loop *l = new_loop();
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct write_state st = {.l = l};
	st.io = loop_io_new(l, sv[0], LOOP_WRITE, on_both, &st);
	assert_non_null(st.io);
	/* First round: room to write; it fills the socket. */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(st.write_calls, 1);
	assert_true(st.written > 0);
	size_t first = st.written;
	/* Full: no write event until the peer reads. */
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(st.write_calls, 1);
	struct drain_timer d = {sv[1]};
	struct loop_timer *t = loop_timer_new(l, drain_and_reply, &d);
	loop_timer_start(t, 1000);
	/* The peer drains, the watch fires again, then waits for reading. */
	while (st.write_calls < 2)
		assert_int_equal(loop_run_once(l, 1), 0);
	assert_true(st.written > first);
	drain(&sv[1]);
	assert_int_equal(write(sv[1], "!", 1), 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(st.read_calls, 1);
	assert_int_equal(st.write_calls, 2);
	loop_timer_free(t);
	loop_io_free(st.io);
	close(sv[0]);
	close(sv[1]);
	loop_free(l);
}

/* --- timers and deferred calls --------------------------------------------- */

struct order {
	struct loop *l;
	char seq[32];
	size_t n;
	uint64_t fired_at[4];
};

static void mark(struct order *o, char c)
{
	o->seq[o->n++] = c;
	o->seq[o->n] = '\0';
}

struct tick {
	struct order *o;
	char c;
	int idx;
	int stop;
};

static void on_tick(void *arg)
{
	struct tick *t = arg;
	mark(t->o, t->c);
	t->o->fired_at[t->idx] = loop_now_us();
	if (t->stop)
		loop_break(t->o->l);
}

static void test_timers(void **state)
{
	(void)state;
	struct loop *l = new_loop();
	struct order o = {.l = l};
	struct tick a = {&o, 'a', 0, 0}, b = {&o, 'b', 1, 0}, c = {&o, 'c', 2, 1}, never = {&o, 'x', 3, 0};
	struct loop_timer *ta = loop_timer_new(l, on_tick, &a);
	struct loop_timer *tb = loop_timer_new(l, on_tick, &b);
	struct loop_timer *tc = loop_timer_new(l, on_tick, &c);
	struct loop_timer *tx = loop_timer_new(l, on_tick, &never);
	uint64_t start = loop_now_us();
	/* Armed out of order; they fire in deadline order. */
	loop_timer_start(tc, 60000);
	loop_timer_start(ta, 20000);
	loop_timer_start(tb, 40000);
	loop_timer_start(tx, 30000);
	loop_timer_stop(tx); /* a stopped timer never fires */
	/* Re-arming moves a timer (still between a and c). */
	loop_timer_start(tb, 45000);
	assert_int_equal(loop_run(l), 0);
	assert_string_equal(o.seq, "abc");
	assert_true(o.fired_at[0] - start >= 20000);
	assert_true(o.fired_at[1] - start >= 45000);
	assert_true(o.fired_at[2] - start >= 60000);
	loop_timer_free(ta);
	loop_timer_free(tb);
	loop_timer_free(tc);
	loop_timer_free(tx);
	loop_free(l);
}

struct deferred {
	struct order *o;
	char c;
	int again; /* defer another call from inside this one */
};

static void on_deferred(void *arg)
{
	struct deferred *d = arg;
	mark(d->o, d->c);
	if (d->again) {
		static struct deferred inner;
		inner.o = d->o;
		inner.c = 'z';
		inner.again = 0;
		loop_defer(d->o->l, on_deferred, &inner);
	}
}

static void test_defer(void **state)
{
	(void)state;
	struct loop *l = new_loop();
	struct order o = {.l = l};
	struct deferred d1 = {&o, '1', 0}, d2 = {&o, '2', 1}, d3 = {&o, '3', 0};
	assert_int_equal(loop_defer(l, on_deferred, &d1), 0);
	assert_int_equal(loop_defer(l, on_deferred, &d2), 0);
	assert_int_equal(loop_defer(l, on_deferred, &d3), 0);
	/* Never from inside loop_defer(). */
	assert_int_equal(o.n, 0);
	assert_int_equal(loop_run_once(l, 0), 0);
	/* In order; a call deferred by a deferred call runs after the rest. */
	assert_string_equal(o.seq, "123z");
	loop_free(l);
}

/* --- signals ----------------------------------------------------------------- */

struct sig_state {
	struct loop *l;
	int signo;
	int count;
};

static void on_signal(void *arg, int signo)
{
	struct sig_state *s = arg;
	s->signo = signo;
	s->count++;
	loop_break(s->l);
}

static void test_signal(void **state)
{
	(void)state;
	struct loop *l = new_loop();
	struct sig_state s = {.l = l};
	struct loop_signal *sig = loop_signal_new(l, SIGUSR1, on_signal, &s);
	assert_non_null(sig);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.signo, SIGUSR1);
	loop_signal_free(sig);
	/* Its disposition is back: ignore it for the rest of the test. */
	signal(SIGUSR1, SIG_IGN);
	loop_free(l);
}

/* --- child processes --------------------------------------------------------- */

struct child_state {
	struct loop *l;
	pid_t pid;
	int status;
	int calls;
};

static void on_child(void *arg, pid_t pid, int status)
{
	struct child_state *c = arg;
	c->calls++;
	c->pid = pid;
	c->status = status;
	loop_break(c->l);
}

static void test_child(void **state)
{
	(void)state;
	struct loop *l = new_loop();
	struct child_state c = {.l = l};
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(20000);
		_exit(7);
	}
	struct loop_child *w = loop_child_new(l, pid, on_child, &c);
	assert_non_null(w);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.pid, pid);
	assert_true(WIFEXITED(c.status));
	assert_int_equal(WEXITSTATUS(c.status), 7);
	/* Reaped: it is gone. */
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);

	/* A child killed by a signal. */
	memset(&c, 0, sizeof(c));
	c.l = l;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	w = loop_child_new(l, pid, on_child, &c);
	assert_non_null(w);
	kill(pid, SIGTERM);
	assert_int_equal(loop_run(l), 0);
	assert_true(WIFSIGNALED(c.status));
	assert_int_equal(WTERMSIG(c.status), SIGTERM);

	/* Not our child: refused. */
	assert_null(loop_child_new(l, 1, on_child, &c));
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_watch), cmocka_unit_test(test_write_watch),
		cmocka_unit_test(test_timers),	   cmocka_unit_test(test_defer),
		cmocka_unit_test(test_signal),	   cmocka_unit_test(test_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
