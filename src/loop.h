/* The reactor: the one libevent event_base of the process, and the few things
 * cutover asks of it -- descriptor watches (read and write), timers, deferred
 * calls, signals and child processes. Nothing outside loop.c sees a libevent
 * type; libunbound and libcurl, which want the base itself, get it from
 * loop_event_base() and nowhere else. */
#ifndef CUTOVER_LOOP_H
#define CUTOVER_LOOP_H

#include <stdint.h>
#include <sys/types.h>

struct loop;
struct loop_io;
struct loop_timer;
struct loop_signal;
struct loop_child;
struct event_base;

/* Create the loop. Returns 0, or -1 with errno set (*out is NULL then). */
int loop_new(struct loop **out);
/* Free the loop. Every watch, timer, signal and child made on it must have
 * been freed first (their owners do that); deferred calls not yet run are
 * dropped. */
void loop_free(struct loop *l);
/* The libevent base, for libunbound (ub_ctx_create_event) and libcurl's
 * multi-socket interface only. */
struct event_base *loop_event_base(struct loop *l);

/* Run until loop_break() or until nothing is left that could make a callback
 * run. Returns 0, or -1 on a fatal error of the backend. */
int loop_run(struct loop *l);
/* Wait for at most one round of events (block != 0: until something happens)
 * and run their callbacks. Returns 0, 1 when nothing is registered, -1 on a
 * fatal error. */
int loop_run_once(struct loop *l, int block);
/* Make loop_run() return after the callbacks of the current round. Only from
 * a callback: a break asked for outside loop_run() is forgotten when it
 * starts. */
void loop_break(struct loop *l);
/* Monotonic microseconds, read afresh. */
uint64_t loop_now_us(void);
/* Wall clock, seconds since the epoch with microseconds. */
double loop_wall_time(void);

/* --- descriptors ------------------------------------------------------- */

#define LOOP_READ 0x1
#define LOOP_WRITE 0x2

/* Called from the loop when fd is readable and/or writable (what says which,
 * LOOP_READ | LOOP_WRITE). Level-triggered: the callback must read or write
 * what it can, or be called again. The callback may free its own watch. */
typedef void (*loop_io_cb)(void *arg, int fd, unsigned what);

/* Watch fd for what (LOOP_READ, LOOP_WRITE or both; 0 watches nothing yet).
 * The watch does not own fd: loop_io_free() before close(). Returns the
 * watch, or NULL with errno set. */
struct loop_io *loop_io_new(struct loop *l, int fd, unsigned what, loop_io_cb cb, void *arg);
/* Change what is watched. Returns 0, or -1 with errno set. */
int loop_io_set(struct loop_io *io, unsigned what);
/* Stop watching and free the watch (NULL is ignored). A callback already due
 * in this round does not run. */
void loop_io_free(struct loop_io *io);

/* --- timers ------------------------------------------------------------ */

typedef void (*loop_timer_cb)(void *arg);

/* A timer, not armed yet. Returns it, or NULL with errno set. */
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg);
/* Arm the timer to fire once, no sooner than delay_us from now by
 * loop_now_us() (re-arming moves it). */
void loop_timer_start(struct loop_timer *t, uint64_t delay_us);
/* Disarm (harmless when not armed). */
void loop_timer_stop(struct loop_timer *t);
/* Disarm and free (NULL is ignored). */
void loop_timer_free(struct loop_timer *t);

/* --- deferred calls ---------------------------------------------------- */

/* Run cb(arg) from the loop, after the callbacks already due in this round,
 * never from inside this call. Calls run in the order they were deferred.
 * For work that must not run re-entrantly (a callback that must not fire from
 * inside the call that asked for it). Returns 0, or -1 (out of memory). */
int loop_defer(struct loop *l, void (*cb)(void *arg), void *arg);

/* --- signals ----------------------------------------------------------- */

/* Call cb(arg, signo) from the loop (not from the signal handler) when signo
 * arrives. Returns the watch, or NULL with errno set. */
struct loop_signal *loop_signal_new(struct loop *l, int signo, void (*cb)(void *arg, int signo), void *arg);
/* Stop watching (the signal's previous disposition comes back); NULL is
 * ignored. */
void loop_signal_free(struct loop_signal *s);

/* --- child processes --------------------------------------------------- */

/* Call cb(arg, pid, status) from the loop once, when the child pid has
 * exited; status is as waitpid() gives it, and the child is reaped. Watched
 * through a pidfd, so no SIGCHLD handler is involved. Returns the watch, or
 * NULL with errno set (pid is not a child of ours, or no pidfd support). */
struct loop_child *loop_child_new(struct loop *l, pid_t pid, void (*cb)(void *arg, pid_t pid, int status),
				  void *arg);
/* Stop watching; the child is not reaped (NULL is ignored). The watch is
 * freed by the loop after its callback has run: do not free it then. */
void loop_child_free(struct loop_child *c);

#endif
