/* The query engine: many DNS queries in flight to chosen servers, on the
 * reactor of loop.h (libevent). Queries are built and answers parsed by ldns; this file owns the
 * sockets, the matching of answers to queries, retransmission, timeouts, the
 * TCP fallback and the per-server "never answered" table.
 *
 * Source ports. An off-path forger must guess a query's source port on top of
 * its 16-bit ID, so UDP sockets are never bound by us: the first connect()
 * makes the kernel pick a random ephemeral port (ip_local_port_range, about
 * 15 bits), the protection unbound gets from its outgoing port range. A
 * socket per query, closed when it ends, is the strongest form, as a port
 * then lives no longer than its query and leaves no time to find it by
 * probing (the SAD DNS side channel). It costs six system calls a query
 * (socket, connect, epoll_ctl, send, recv, close), though, and on a 2-core
 * VM held the engine to about 40% of dnsperf's rate.
 *
 * So UDP sockets are recycled, as unbound reuses the ports of its range: a
 * query that ends (answered, refused, failed) hands its socket to a pool, and
 * a later query takes one already connected to its server, else any, which
 * it re-connect()s (the port stays). Limits keep the port a moving target: a
 * socket carries at most SOCKET_MAX_USES queries, gets none once
 * SOCKET_MAX_AGE_US old, and is closed, not pooled, when its query timed
 * out: a late answer could still arrive, and a query kept open by a muted
 * server is how a port scan gets its time. A socket carries one query at a
 * time and stays connected, so the kernel drops datagrams from other
 * addresses (a scan must spoof the server's) and reports ICMP port
 * unreachable as ECONNREFUSED, which is how a closed port fails fast.
 * Unconnected sockets with sendto() were measured too: no cheaper while
 * queries go to one server, about 2 µs a query (a sixth) cheaper than a
 * re-connect() when each query changes server, but they take datagrams from
 * anyone and hear ICMP only with IP_RECVERR.
 *
 * Figures (2-core VM, loopback NSD, 100 queries in flight, bench/dnsbench,
 * 2026-12-01): about 2.4 system calls a query instead of 6 (send, recv, and
 * for a fresh socket every 16 queries socket, connect, close and two
 * epoll_ctl, as libevent takes a descriptor out of epoll before it is
 * closed); 9.7 µs of CPU a query, against 9.2 for the hand-written epoll
 * loop this engine ran on before libevent (200,000 queries, three
 * alternating pairs); and in alternating 5-second runs beside dnsperf (-c 1
 * -q 100) on a quiet machine, 0.91 to 0.94 of its queries per second (the
 * epoll loop: 0.97 to 0.99 in the same runs). On the shared VM single pairs
 * range much wider (bench/README.md). */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dns.h"
#include "loop.h"
#include "util.h"

/* A query on the wire: 2 bytes of TCP length, then the message. Header (12),
 * longest name (255), type and class (4), OPT record (11): 284 bytes. */
#define QUERY_WIRE_MAX 320
/* One receive buffer for every UDP socket: the largest UDP payload. */
#define RECV_BUF_SIZE 65536
/* How long a server that timed out without ever answering is skipped. The
 * mark expires so that a long-running process (a plan gate re-checking for
 * hours) tries a server again once it may have come up. */
#define DEAD_HOLD_US (60ULL * 1000 * 1000)
/* Sockets kept free for the rest of the program when sizing max_inflight
 * against RLIMIT_NOFILE (stdio, SQLite, libunbound, libcurl). */
#define FD_RESERVE 64
/* start_query() result meaning "out of file descriptors, try again later". */
#define START_LATER 1
/* Out of descriptors with nothing of the engine's on the wire (they are held
 * elsewhere: libunbound, the report), the queue is looked at again this
 * often; a query fails with DNS_ENOFD only once none has come free for
 * FD_WAIT_MAX_US, rather than the run hanging for good. */
#define FD_RETRY_US (20ULL * 1000)
#define FD_WAIT_MAX_US (30ULL * 1000 * 1000)
/* Messages read from one socket in one event at most. A server that sends
 * faster than they are read (an endless stream of zero bytes or of answers
 * to other questions) would otherwise keep the read loop from ever seeing
 * EAGAIN, and the deadline timer from ever running: the loop gets its turn
 * back after this many, and the deadline is checked on every one. */
/* The DO bit (RFC 3225) in the TTL of an OPT record. */
#define EDNS_DO_BIT 0x8000u

#define READ_BURST_MAX 64
/* UDP sockets are reused, within limits that keep the source port a moving
 * target (the reasoning is at the top of this file). A socket carries at most
 * SOCKET_MAX_USES queries: a port an attacker has found then serves at most
 * 15 more, while the four system calls of a fresh socket, spread over 16
 * queries, cost a quarter of a system call each on top of send and recv. */
#define SOCKET_MAX_USES 16
/* ... and is not given a new query once it is this old, well under the tens of
 * seconds a SAD DNS scan of the ephemeral port range needs at Linux's ICMP
 * rate limit. Under load a socket uses up its 16 queries long before this;
 * a slow trickle of queries gets fresh sockets, as if there were no pool. */
#define SOCKET_MAX_AGE_US (1000ULL * 1000)
/* Idle sockets are kept open up to max_inflight, both families together. A
 * round of the loop may finish every query on the wire before the callbacks
 * that usually ask again at once, so a smaller cap only turns reuses into
 * closes and new sockets: with a cap of 256 and 1,000 domains, 25,000 queries
 * took 15,000 sockets; with max_inflight, about 1,600 (one per
 * SOCKET_MAX_USES queries). The pool never holds more sockets of a family
 * than were once on the wire together. */

enum query_state {
	Q_QUEUED,      /* waiting for room under max_inflight */
	Q_UDP,	       /* sent over UDP, waiting for the answer */
	Q_TCP_CONNECT, /* non-blocking connect in progress */
	Q_TCP_WRITE,   /* connected, sending the length-prefixed query */
	Q_TCP_READ,    /* reading the length-prefixed answer */
	Q_DONE	       /* outcome known, callback not yet run */
};

/* What the engine knows about one server (address and port). */
struct server {
	struct server *next; /* hash chain */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint64_t dead_until;	 /* µs; new queries fail with DNS_EDEAD before this */
	int answered;		 /* it has sent at least one valid answer */
	struct udp_socket *idle; /* idle sockets connected to it */
};

/* A UDP socket, connect()ed to the last server it was used for. It carries
 * one query at a time and waits in the engine's pool in between, still in
 * the epoll set, so that a late answer to its last query is read and counted
 * as mismatched rather than left to confuse the next one. */
struct udp_socket {
	struct dns_engine *e;
	int fd;
	struct loop_io *io;
	int family;
	unsigned uses;	     /* queries it has carried, the current one included */
	uint64_t opened_at;  /* µs */
	struct server *peer; /* connected to; NULL before the first connect() */
	struct query *q;     /* the query it carries, NULL while in the pool */
	/* While idle: in its family's pool (most recently used first) and in
	 * its peer's list, so that a query to the same server takes a socket
	 * already connected there and needs no connect(). */
	struct udp_socket *pool_prev, *pool_next, *peer_prev, *peer_next;
};

struct query {
	struct dns_engine *e;
	enum query_state state;
	int fd;			  /* TCP socket, or -1 */
	struct loop_io *io;	  /* its watch */
	struct loop_timer *timer; /* retransmission and deadline; kept across reuse */
	struct udp_socket *udp;	  /* UDP socket, or NULL */
	int on_wire;		  /* counted in inflight, on the engine's wire list */
	struct query *wire_prev, *wire_next;
	struct query *next; /* queue, done list or free list */
	struct server *srv;
	uint64_t timer_at; /* next retransmission or the deadline, µs */
	uint64_t deadline; /* end of the whole budget, µs */
	uint64_t budget;   /* what is left of timeout_ms when it next goes on the wire, µs: all of it
			      at first, the rest after it went back to the queue for want of a TCP
			      socket (the budget counts time on the wire only) */
	uint64_t sent_at;  /* first send, µs */
	uint64_t interval; /* current retransmission interval, µs */
	unsigned retries_left;
	unsigned flags;
	ldns_rr_type qtype;
	uint16_t id;
	dns_callback cb;
	void *arg;
	struct dns_answer ans;
	/* TCP: bytes of the query sent, bytes of the answer read (length prefix
	 * included), and the answer being read. */
	size_t tcp_sent, tcp_have, tcp_len;
	uint8_t tcp_lenbuf[2];
	uint8_t *tcp_buf;
	size_t wire_len; /* the query, without the TCP prefix */
	ldns_rdf qname;	 /* points at qname_buf, so no allocation per query */
	uint8_t qname_buf[LDNS_MAX_DOMAINLEN];
	uint8_t wire[QUERY_WIRE_MAX];
};

struct dns_engine {
	struct dns_opts opts;
	struct loop *loop;
	uint64_t now; /* µs, CLOCK_MONOTONIC, refreshed on entry from the loop */
	uint64_t first_interval;
	/* Every query on the wire, for dns_engine_free(). */
	struct query *wire_head;
	/* Queries waiting for room, first in first out. */
	struct query *queue_head, *queue_tail;
	size_t queued;
	/* Outcomes waiting for their callback, run from one deferred call
	 * (flush_done) after the events of the round that produced them. */
	struct query *done_head, *done_tail;
	size_t done_n;
	int flush_scheduled;
	struct query *free_list;
	size_t inflight;
	/* Out of descriptors with nothing on the wire: the timer that looks at
	 * the queue again, and since when (µs, 0 when not waiting). */
	struct loop_timer *fd_retry;
	uint64_t fd_wait_since;
	/* Idle UDP sockets, most recently used first, [0] IPv4 and [1] IPv6. */
	struct udp_socket *pool[2], *pool_tail[2];
	size_t pool_n;
	/* Servers, hashed on address and port. */
	struct server **buckets;
	size_t nbuckets, nservers;
	/* Query packets reused for every query, [0] without EDNS and [1] with
	 * a ready-made OPT record: only the ID, the RD bit and the question
	 * change, so building a query allocates nothing. (Letting ldns add the
	 * OPT record from the packet's EDNS fields would create and parse a
	 * new record on every query.) */
	struct query_template {
		ldns_pkt *pkt;
		ldns_rr *question; /* owned by pkt; its owner is lent per query */
		ldns_rr *opt;	   /* [1]: the OPT record, owned by pkt; its TTL holds the DO bit */
	} tmpl[2];
	ldns_buffer *wbuf;
	uint8_t *rbuf;
	/* Random bytes for query IDs, fetched in bulk: one getrandom() per 128
	 * queries rather than one per query. */
	uint8_t rand_pool[256];
	size_t rand_used;
	struct dns_stats stats;
};

const char *dns_strerror(int err)
{
	switch (err) {
	case DNS_OK:
		return "no error";
	case DNS_ETIMEOUT:
		return "timed out";
	case DNS_EREFUSED:
		return "connection refused";
	case DNS_ENETWORK:
		return "no route from this machine";
	case DNS_EMALFORMED:
		return "malformed answer";
	case DNS_EDEAD:
		return "server not responding";
	case DNS_ENOMEM:
		return "out of memory";
	case DNS_EINVAL:
		return "invalid query";
	case DNS_ECLOSED:
		return "connection closed without an answer";
	case DNS_ERESET:
		return "connection reset";
	case DNS_EUNREACH:
		return "network error";
	case DNS_ENOFD:
		return "out of file descriptors";
	}
	return "unknown error";
}

/* Query IDs come from the kernel's CSPRNG (arc4random_buf() is getrandom()
 * in glibc 2.36), 256 bytes at a time. */
static uint16_t random_id(struct dns_engine *e)
{
	if (e->rand_used + 2 > sizeof(e->rand_pool)) {
		arc4random_buf(e->rand_pool, sizeof(e->rand_pool));
		e->rand_used = 0;
	}
	uint16_t id = ldns_read_uint16(e->rand_pool + e->rand_used);
	e->rand_used += 2;
	return id;
}

/* ---- timers ---------------------------------------------------------- */

/* Set the query's timer to fire at `at` (µs), arming or moving it. */
static void arm_timer(struct dns_engine *e, struct query *q, uint64_t at)
{
	q->timer_at = at;
	loop_timer_start(q->timer, at > e->now ? at - e->now : 0);
}

/* The next retransmission while any are left, else the deadline. */
static void arm_next_timer(struct dns_engine *e, struct query *q)
{
	uint64_t at = q->deadline;
	if (q->state == Q_UDP && q->retries_left > 0 && e->now + q->interval < at)
		at = e->now + q->interval;
	arm_timer(e, q, at);
}

/* ---- servers --------------------------------------------------------- */

static unsigned long addr_hash(const struct sockaddr *sa)
{
	const unsigned char *p;
	size_t n;
	unsigned long h = 2166136261UL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		h = (h ^ sin->sin_port) * 16777619UL;
		p = (const unsigned char *)&sin->sin_addr;
		n = sizeof(sin->sin_addr);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		h = (h ^ sin6->sin6_port) * 16777619UL;
		p = (const unsigned char *)&sin6->sin6_addr;
		n = sizeof(sin6->sin6_addr);
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619UL;
	return h;
}

/* Same family, address and port (and IPv6 scope). */
static int addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a,
					 *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a,
					  *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return 0;
}

static void servers_grow(struct dns_engine *e)
{
	size_t n = e->nbuckets ? e->nbuckets * 2 : 64;
	struct server **b = xcalloc(n, sizeof(*b));
	for (size_t i = 0; i < e->nbuckets; i++) {
		struct server *s = e->buckets[i], *next;
		for (; s; s = next) {
			next = s->next;
			size_t slot = addr_hash((struct sockaddr *)&s->addr) & (n - 1);
			s->next = b[slot];
			b[slot] = s;
		}
	}
	free(e->buckets);
	e->buckets = b;
	e->nbuckets = n;
}

/* The entry for addr, created on first use; NULL when addr is neither IPv4
 * nor IPv6. */
static struct server *server_get(struct dns_engine *e, const struct sockaddr *addr, socklen_t addrlen)
{
	socklen_t need;
	if (addr->sa_family == AF_INET)
		need = sizeof(struct sockaddr_in);
	else if (addr->sa_family == AF_INET6)
		need = sizeof(struct sockaddr_in6);
	else
		return NULL;
	if (addrlen < need)
		return NULL;
	if (e->nservers >= e->nbuckets)
		servers_grow(e);
	size_t slot = addr_hash(addr) & (e->nbuckets - 1);
	for (struct server *s = e->buckets[slot]; s; s = s->next)
		if (addr_equal((struct sockaddr *)&s->addr, addr))
			return s;
	struct server *s = xcalloc(1, sizeof(*s));
	memcpy(&s->addr, addr, need);
	s->addrlen = need;
	s->next = e->buckets[slot];
	e->buckets[slot] = s;
	e->nservers++;
	return s;
}

/* The error for an errno. `local` when the call that failed was this
 * machine's refusal to send (socket(), connect() of a UDP socket or the
 * first step of a TCP one, send() of a datagram): no route, an address family
 * the host lacks. Anything else came back from the server or the network on
 * the way to it (recv(), SO_ERROR of a TCP connect, send() on a TCP
 * connection), and is the server's failure, never "no route from here". */
int dns_errno_error(int err, int local)
{
	switch (err) {
	case ECONNREFUSED:
		return DNS_EREFUSED;
	case ECONNRESET:
	case EPIPE:
		return DNS_ERESET;
	case ENOMEM:
	case ENOBUFS:
		return DNS_ENOMEM;
	default:
		return local ? DNS_ENETWORK : DNS_EUNREACH;
	}
}

/* ---- UDP sockets ------------------------------------------------------- */

/* Stop watching the socket, close it and free it. An event of it already
 * due in this round is dropped with the watch. */
static void udp_close(struct udp_socket *s)
{
	loop_io_free(s->io);
	close(s->fd);
	free(s);
}

static void udp_readable(struct dns_engine *e, struct udp_socket *s);

static void udp_event(void *arg, int fd, unsigned what)
{
	struct udp_socket *s = arg;
	s->e->now = loop_now_us();
	udp_readable(s->e, s);
}

/* Take an idle socket out of the pool and its peer's list. */
static void pool_take(struct dns_engine *e, struct udp_socket *s)
{
	size_t i = s->family == AF_INET6;
	if (s->pool_prev)
		s->pool_prev->pool_next = s->pool_next;
	else
		e->pool[i] = s->pool_next;
	if (s->pool_next)
		s->pool_next->pool_prev = s->pool_prev;
	else
		e->pool_tail[i] = s->pool_prev;
	if (s->peer) {
		if (s->peer_prev)
			s->peer_prev->peer_next = s->peer_next;
		else
			s->peer->idle = s->peer_next;
		if (s->peer_next)
			s->peer_next->peer_prev = s->peer_prev;
	}
	s->pool_prev = s->pool_next = s->peer_prev = s->peer_next = NULL;
	e->pool_n--;
}

/* Close every idle socket (to give descriptors back). */
static void pool_flush(struct dns_engine *e)
{
	for (size_t i = 0; i < 2; i++) {
		while (e->pool[i]) {
			struct udp_socket *s = e->pool[i];
			pool_take(e, s);
			udp_close(s);
		}
	}
}

/* The query is done with its socket: back to the pool when `reusable` and
 * within the limits, else closed. A socket whose query timed out is not
 * reusable: the answer may still arrive, or an attacker may have had the time
 * to find its port. A full pool gives up its least recently used socket. */
static void udp_release(struct dns_engine *e, struct udp_socket *s, int reusable)
{
	s->q = NULL;
	if (!reusable || s->uses >= SOCKET_MAX_USES) {
		udp_close(s);
		return;
	}
	size_t i = s->family == AF_INET6;
	if (e->pool_n >= e->opts.max_inflight) {
		struct udp_socket *old = e->pool_tail[i] ? e->pool_tail[i] : e->pool_tail[!i];
		pool_take(e, old);
		udp_close(old);
	}
	s->pool_prev = NULL;
	s->pool_next = e->pool[i];
	if (e->pool[i])
		e->pool[i]->pool_prev = s;
	else
		e->pool_tail[i] = s;
	e->pool[i] = s;
	s->peer_prev = NULL;
	s->peer_next = s->peer->idle;
	if (s->peer->idle)
		s->peer->idle->peer_prev = s;
	s->peer->idle = s;
	e->pool_n++;
}

/* A non-blocking UDP socket of the family, watched for reading; NULL with errno
 * set. Not bound: the first connect() makes the kernel pick a random
 * ephemeral port. */
static struct udp_socket *udp_open(struct dns_engine *e, int family)
{
	struct udp_socket *s = NULL;
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->e = e;
	s->fd = fd;
	s->family = family;
	s->opened_at = e->now;
	s->io = loop_io_new(e->loop, fd, LOOP_READ, udp_event, s);
	if (!s->io) {
		int err = errno;
		udp_close(s);
		errno = err;
		return NULL;
	}
	return s;
}

/* Give the query a UDP socket connected to its server: an idle one when the
 * pool has one young enough, else a new one. Returns 0, START_LATER when out
 * of descriptors, or a negative enum dns_error. */
static int udp_acquire(struct dns_engine *e, struct query *q)
{
	const struct sockaddr *sa = (const struct sockaddr *)&q->srv->addr;
	size_t i = sa->sa_family == AF_INET6;
	struct udp_socket *s = NULL;

	/* One already connected to this server first, else any of the
	 * family; one too old to reuse is closed on the way. */
	while (!s && (q->srv->idle || e->pool[i])) {
		s = q->srv->idle ? q->srv->idle : e->pool[i];
		pool_take(e, s);
		if (e->now - s->opened_at >= SOCKET_MAX_AGE_US) {
			udp_close(s);
			s = NULL;
		}
	}
	if (!s) {
		s = udp_open(e, sa->sa_family);
		if (!s && (errno == EMFILE || errno == ENFILE) && e->pool_n > 0) {
			/* Idle sockets of the other family hold descriptors
			 * this one needs. */
			pool_flush(e);
			s = udp_open(e, sa->sa_family);
		}
		if (!s) {
			if (errno == EMFILE || errno == ENFILE)
				return START_LATER;
			return errno == ENOMEM || errno == ENOSPC ? DNS_ENOMEM : DNS_ENETWORK;
		}
	}
	/* Connected, the kernel drops datagrams from any other address and
	 * reports ICMP port unreachable as ECONNREFUSED. Re-connecting keeps
	 * the local port; a socket that stays with one server needs no call. */
	if (s->peer != q->srv) {
		if (connect(s->fd, sa, q->srv->addrlen) != 0) {
			int err = errno;
			udp_close(s);
			return dns_errno_error(err, 1);
		}
		s->peer = q->srv;
	}
	s->uses++;
	s->q = q;
	q->udp = s;
	return 0;
}

/* ---- query lifecycle --------------------------------------------------- */

static void query_timer_fired(void *arg);
static void flush_done(void *arg);
static void queue_push(struct dns_engine *e, struct query *q, int front);
static void wait_for_fd(struct dns_engine *e);
static void pump_queue(struct dns_engine *e);

static void wire_add(struct dns_engine *e, struct query *q)
{
	q->on_wire = 1;
	q->wire_prev = NULL;
	q->wire_next = e->wire_head;
	if (e->wire_head)
		e->wire_head->wire_prev = q;
	e->wire_head = q;
}

static void wire_remove(struct dns_engine *e, struct query *q)
{
	if (q->wire_prev)
		q->wire_prev->wire_next = q->wire_next;
	else
		e->wire_head = q->wire_next;
	if (q->wire_next)
		q->wire_next->wire_prev = q->wire_prev;
	q->wire_prev = q->wire_next = NULL;
	q->on_wire = 0;
}

static struct query *query_alloc(struct dns_engine *e)
{
	struct query *q = e->free_list;
	if (q)
		e->free_list = q->next;
	else
		q = xcalloc(1, sizeof(*q));
	/* Only the head of the struct needs clearing; qname_buf and wire are
	 * always written before they are read. */
	struct loop_timer *timer = q ? q->timer : NULL;
	memset(q, 0, offsetof(struct query, qname_buf));
	q->e = e;
	q->fd = -1;
	q->budget = (uint64_t)e->opts.timeout_ms * 1000;
	q->timer = timer ? timer : loop_timer_new(e->loop, query_timer_fired, q);
	if (!q->timer) {
		fprintf(stderr, "cutover: out of memory\n");
		exit(3);
	}
	return q;
}

static void query_release(struct dns_engine *e, struct query *q)
{
	q->ans.pkt = NULL; /* the callback owns it now */
	q->state = Q_QUEUED;
	q->next = e->free_list;
	e->free_list = q;
}

/* Record the outcome, give back everything the query held on the wire, and
 * queue its callback. */
static void finish(struct dns_engine *e, struct query *q, int err)
{
	loop_timer_stop(q->timer);
	if (q->udp) {
		/* Only after a clean answer: a timeout may leave a late answer,
		 * a refusal a late ICMP error, for the next query to trip on. */
		udp_release(e, q->udp, err == DNS_OK);
		q->udp = NULL;
	}
	if (q->fd >= 0) {
		loop_io_free(q->io);
		q->io = NULL;
		close(q->fd);
		q->fd = -1;
	}
	free(q->tcp_buf);
	q->tcp_buf = NULL;
	if (q->on_wire) {
		wire_remove(e, q);
		e->inflight--;
		q->ans.rtt_ms = (unsigned)((e->now - q->sent_at) / 1000);
	}
	q->ans.err = err;
	if (err == DNS_OK)
		q->ans.received = loop_wall_time();
	if (err == DNS_ETIMEOUT) {
		e->stats.timeouts++;
		/* The dead-server rule: a server that has never answered and
		 * just let a query time out is skipped for a while, so the
		 * queries behind it fail at once instead of each waiting out a
		 * timeout of its own. */
		if (!q->srv->answered)
			q->srv->dead_until = e->now + DEAD_HOLD_US;
	}
	q->state = Q_DONE;
	q->next = NULL;
	if (e->done_tail)
		e->done_tail->next = q;
	else
		e->done_head = q;
	e->done_tail = q;
	e->done_n++;
	/* Callbacks run from the loop, after the other events of this round,
	 * never from inside dns_query() or an engine event. */
	if (!e->flush_scheduled) {
		e->flush_scheduled = 1;
		loop_defer(e->loop, flush_done, e);
	}
}

static ldns_rr_class query_class(const struct query *q)
{
	return q->flags & DNS_CHAOS ? LDNS_RR_CLASS_CH : LDNS_RR_CLASS_IN;
}

/* Build the query with a fresh random ID into q->wire, after two bytes left
 * for the TCP length. */
static int build_query(struct dns_engine *e, struct query *q)
{
	int edns = !(q->flags & DNS_NO_EDNS) && e->opts.edns_size != 0;
	struct query_template *t = &e->tmpl[edns];
	q->id = random_id(e);
	/* DO is the top bit of the OPT record's flags, the low 16 bits of its
	 * TTL (RFC 6891 6.1.3, RFC 3225). Not ldns_pkt_set_edns_do(): ldns
	 * would then add an OPT record of its own beside the template's, and
	 * a query with two is FORMERR (RFC 6891 6.1.1). */
	if (edns)
		ldns_rr_set_ttl(t->opt, (q->flags & DNS_DO) ? EDNS_DO_BIT : 0);
	/* The template's question borrows q->qname for the call and gives it
	 * back before anything could free it. */
	ldns_rr_set_owner(t->question, &q->qname);
	ldns_rr_set_type(t->question, q->qtype);
	ldns_rr_set_class(t->question, query_class(q));
	ldns_pkt_set_id(t->pkt, q->id);
	ldns_pkt_set_rd(t->pkt, (q->flags & DNS_RD) != 0);
	ldns_buffer_clear(e->wbuf);
	/* No compression tree: a query holds a single name, and the tree
	 * would cost several allocations per query for nothing. */
	ldns_status st = ldns_pkt2buffer_wire_compress(e->wbuf, t->pkt, NULL);
	ldns_rr_set_owner(t->question, NULL);
	if (st != LDNS_STATUS_OK)
		return st == LDNS_STATUS_MEM_ERR ? DNS_ENOMEM : DNS_EINVAL;
	size_t n = ldns_buffer_position(e->wbuf);
	if (n + 2 > sizeof(q->wire))
		return DNS_EINVAL;
	ldns_write_uint16(q->wire, (uint16_t)n);
	memcpy(q->wire + 2, ldns_buffer_begin(e->wbuf), n);
	q->wire_len = n;
	return 0;
}

static void tcp_event(void *arg, int fd, unsigned what);

/* Open a non-blocking TCP socket, start connecting it to the query's server
 * and watch it for writing. Returns 0, START_LATER when out of
 * descriptors, or a negative enum dns_error. */
static int tcp_open(struct dns_engine *e, struct query *q)
{
	const struct sockaddr *sa = (const struct sockaddr *)&q->srv->addr;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && e->pool_n > 0) {
		pool_flush(e); /* idle UDP sockets hold the descriptors TCP needs */
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE)
			return START_LATER;
		return errno == ENOMEM || errno == ENOBUFS ? DNS_ENOMEM : DNS_ENETWORK;
	}
	if (connect(fd, sa, q->srv->addrlen) != 0 && errno != EINPROGRESS) {
		int err = errno;
		close(fd);
		return dns_errno_error(err, 1);
	}
	q->io = loop_io_new(e->loop, fd, LOOP_WRITE, tcp_event, q);
	if (!q->io) {
		close(fd);
		return DNS_ENOMEM;
	}
	q->fd = fd;
	return 0;
}

/* Send (or resend) the query on its UDP socket. A full socket buffer counts
 * as a lost packet: the retransmission timer covers it. */
static int udp_send(struct query *q)
{
	for (;;) {
		if (send(q->udp->fd, q->wire + 2, q->wire_len, 0) >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
			return 0;
		return dns_errno_error(errno, 1);
	}
}

/* Switch the query to TCP after a truncated answer: same server, same
 * budget, no retransmissions. The UDP socket goes back to the pool: its
 * query got an answer. With no descriptor free for the TCP socket, the
 * query leaves the wire for the head of the queue, with what is left of its
 * budget, and goes over TCP when it gets one. Returns 0 or a negative enum
 * dns_error. */
static int tcp_start(struct dns_engine *e, struct query *q)
{
	if (q->udp) {
		udp_release(e, q->udp, 1);
		q->udp = NULL;
	}
	q->flags |= DNS_TCP;
	int rc = tcp_open(e, q);
	if (rc == START_LATER) {
		loop_timer_stop(q->timer);
		q->budget = q->deadline > e->now ? q->deadline - e->now : 1;
		wire_remove(e, q);
		e->inflight--;
		queue_push(e, q, 1);
		return 0;
	}
	if (rc < 0)
		return rc;
	q->state = Q_TCP_CONNECT;
	q->tcp_sent = q->tcp_have = 0;
	arm_timer(e, q, q->deadline);
	return 0;
}

/* Put the query on the wire. Returns 0 (started, or finished with an error
 * whose callback is queued) or START_LATER (nothing done: out of
 * descriptors). */
static int start_query(struct dns_engine *e, struct query *q)
{
	int rc;
	/* Callbacks may have run since the clock was read: the budget counts
	 * from the send. */
	e->now = loop_now_us();
	if (q->srv->dead_until > e->now) {
		finish(e, q, DNS_EDEAD);
		return 0;
	}
	/* A query back from the wire for want of a TCP socket keeps its ID
	 * and its first send time. */
	if (!q->sent_at) {
		rc = build_query(e, q);
		if (rc < 0) {
			finish(e, q, rc);
			return 0;
		}
		q->sent_at = e->now;
	}
	q->deadline = e->now + q->budget;
	if (q->flags & DNS_TCP) {
		rc = tcp_open(e, q);
		if (rc == START_LATER)
			return START_LATER;
		wire_add(e, q);
		e->inflight++;
		if (rc < 0) {
			finish(e, q, rc);
			return 0;
		}
		q->state = Q_TCP_CONNECT;
		q->tcp_sent = q->tcp_have = 0;
		arm_timer(e, q, q->deadline);
		return 0;
	}
	rc = udp_acquire(e, q);
	if (rc == START_LATER)
		return START_LATER;
	wire_add(e, q);
	e->inflight++;
	if (rc == 0)
		rc = udp_send(q);
	if (rc < 0) {
		finish(e, q, rc);
		return 0;
	}
	e->stats.sent++;
	q->state = Q_UDP;
	q->retries_left = e->opts.retries;
	q->interval = e->first_interval;
	arm_next_timer(e, q);
	return 0;
}

/* Put the query in the queue: at its tail, or at its head (`front`) for one
 * that was already on the wire. */
static void queue_push(struct dns_engine *e, struct query *q, int front)
{
	q->state = Q_QUEUED;
	q->next = NULL;
	if (!e->queue_head) {
		e->queue_head = e->queue_tail = q;
	} else if (front) {
		q->next = e->queue_head;
		e->queue_head = q;
	} else {
		e->queue_tail->next = q;
		e->queue_tail = q;
	}
	e->queued++;
	/* Out of descriptors with nothing on the wire: no answer will come to
	 * pump the queue, so look at it again later. */
	if (e->inflight == 0)
		wait_for_fd(e);
}

static void fd_retry_fired(void *arg)
{
	struct dns_engine *e = arg;
	e->now = loop_now_us();
	pump_queue(e);
}

/* Look at the queue again in FD_RETRY_US (descriptors are freed by others,
 * unseen). Once none has come free for FD_WAIT_MAX_US, the query at the
 * head fails with DNS_ENOFD: a descriptor limit too low for even one query
 * ends the run with errors rather than never. */
static void wait_for_fd(struct dns_engine *e)
{
	if (!e->fd_wait_since)
		e->fd_wait_since = e->now;
	if (e->now - e->fd_wait_since >= FD_WAIT_MAX_US && e->queue_head) {
		struct query *q = e->queue_head;
		e->queue_head = q->next;
		if (!e->queue_head)
			e->queue_tail = NULL;
		e->queued--;
		finish(e, q, DNS_ENOFD);
	}
	loop_timer_start(e->fd_retry, FD_RETRY_US);
}

/* Start queued queries while there is room. A query that finds no
 * descriptor stays at the head of the queue: it goes out when a query on
 * the wire gives one back, or when the retry timer finds one. */
static void pump_queue(struct dns_engine *e)
{
	while (e->queue_head && e->inflight < e->opts.max_inflight) {
		struct query *q = e->queue_head;
		e->queue_head = q->next;
		if (!e->queue_head)
			e->queue_tail = NULL;
		e->queued--;
		q->next = NULL;
		if (start_query(e, q) == START_LATER) {
			queue_push(e, q, 1);
			return;
		}
		e->fd_wait_since = 0;
	}
}

/* ---- answers ----------------------------------------------------------- */

/* Whether the question of pkt is qname/qtype. FORMERR and NOTIMP
 * answers may carry no question (a server that could not parse the query
 * cannot echo it); they are accepted on ID and address alone. */
static int question_matches(const ldns_rdf *qname, ldns_rr_type qtype, ldns_rr_class qclass,
			    const ldns_pkt *pkt)
{
	const ldns_rr_list *qs = ldns_pkt_question(pkt);
	if (ldns_rr_list_rr_count(qs) == 0) {
		ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
		return rc == LDNS_RCODE_FORMERR || rc == LDNS_RCODE_NOTIMPL;
	}
	if (ldns_rr_list_rr_count(qs) != 1)
		return 0;
	const ldns_rr *rr = ldns_rr_list_rr(qs, 0);
	const ldns_rdf *owner = ldns_rr_owner(rr);
	return owner && ldns_rdf_get_type(owner) == LDNS_RDF_TYPE_DNAME && ldns_rr_get_type(rr) == qtype &&
	       ldns_rr_get_class(rr) == qclass && ldns_dname_compare(owner, qname) == 0;
}

/* Question check for a packet ldns cannot parse whole: read the question
 * alone, so an unparseable answer to *this* query is reported as malformed
 * while anything else is ignored. */
static int raw_question_matches(const ldns_rdf *qname, ldns_rr_type qtype, ldns_rr_class qclass,
				const uint8_t *buf, size_t len)
{
	ldns_rr *rr = NULL;
	size_t pos = LDNS_HEADER_SIZE;
	int match = 0;
	if (LDNS_QDCOUNT(buf) != 1)
		return 0;
	if (ldns_wire2rr(&rr, buf, len, &pos, LDNS_SECTION_QUESTION) != LDNS_STATUS_OK)
		goto out;
	match = ldns_rr_get_type(rr) == qtype && ldns_rr_get_class(rr) == qclass &&
		ldns_dname_compare(ldns_rr_owner(rr), qname) == 0;
out:
	ldns_rr_free(rr);
	return match;
}

/* RFC 2181 section 8: a TTL with the top bit set is to be taken as 0. Done
 * here, where every answer is read, so no check ever sees one (libunbound
 * does the same to what the resolver reads). */
static void ttls_clamp(ldns_pkt *pkt)
{
	ldns_rr_list *sections[] = {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt), ldns_pkt_additional(pkt)};
	for (size_t s = 0; s < ARRAY_SIZE(sections); s++)
		for (size_t i = 0; i < ldns_rr_list_rr_count(sections[s]); i++) {
			ldns_rr *rr = ldns_rr_list_rr(sections[s], i);
			if (ldns_rr_ttl(rr) & 0x80000000u)
				ldns_rr_set_ttl(rr, 0);
		}
}

enum dns_verdict dns_judge_message(uint16_t id, const ldns_rdf *qname, ldns_rr_type qtype, const uint8_t *buf,
				   size_t len, int tcp, ldns_pkt **out)
{
	return dns_judge_message_class(id, qname, qtype, LDNS_RR_CLASS_IN, buf, len, tcp, out);
}

enum dns_verdict dns_judge_message_class(uint16_t id, const ldns_rdf *qname, ldns_rr_type qtype,
					 ldns_rr_class qclass, const uint8_t *buf, size_t len, int tcp,
					 ldns_pkt **out)
{
	ldns_pkt *pkt = NULL;
	ldns_status st;

	*out = NULL;
	if (len < LDNS_HEADER_SIZE || LDNS_ID_WIRE(buf) != id || !LDNS_QR_WIRE(buf))
		return DNS_V_IGNORE;
	st = ldns_wire2pkt(&pkt, buf, len);
	if (st == LDNS_STATUS_MEM_ERR)
		return DNS_V_NOMEM;
	if (st != LDNS_STATUS_OK) {
		if (!raw_question_matches(qname, qtype, qclass, buf, len))
			return DNS_V_IGNORE;
		/* A truncated answer that ldns cannot read whole (some
		 * servers cut mid-record) still says "ask over TCP". */
		return !tcp && LDNS_TC_WIRE(buf) ? DNS_V_TRUNCATED : DNS_V_MALFORMED;
	}
	if (!question_matches(qname, qtype, qclass, pkt)) {
		ldns_pkt_free(pkt);
		return DNS_V_IGNORE;
	}
	if (!tcp && ldns_pkt_tc(pkt)) {
		ldns_pkt_free(pkt);
		return DNS_V_TRUNCATED;
	}
	ttls_clamp(pkt);
	*out = pkt;
	return DNS_V_ANSWER;
}

/* Judge one message from the query's server. Returns 1 when it settled the
 * query (answered, malformed, or moved to TCP), 0 when it was ignored. */
static int handle_answer(struct dns_engine *e, struct query *q, const uint8_t *buf, size_t len, int tcp)
{
	ldns_pkt *pkt = NULL;
	int rc;

	switch (dns_judge_message_class(q->id, &q->qname, q->qtype, query_class(q), buf, len, tcp, &pkt)) {
	case DNS_V_IGNORE:
		e->stats.mismatched++;
		return 0;
	case DNS_V_NOMEM:
		finish(e, q, DNS_ENOMEM);
		return 1;
	case DNS_V_MALFORMED:
		q->srv->answered = 1;
		q->srv->dead_until = 0;
		finish(e, q, DNS_EMALFORMED);
		return 1;
	case DNS_V_TRUNCATED:
		/* A truncated answer is no answer yet: a server that
		 * truncates every answer and never completes one over TCP
		 * falls under the dead-server rule like one that is silent. */
		e->stats.tcp_fallbacks++;
		rc = tcp_start(e, q);
		if (rc < 0)
			finish(e, q, rc);
		return 1;
	case DNS_V_ANSWER:
		break;
	}
	q->srv->answered = 1;
	q->srv->dead_until = 0;
	e->stats.received++;
	q->ans.pkt = pkt;
	q->ans.size = len;
	q->ans.tcp = tcp;
	finish(e, q, DNS_OK);
	return 1;
}

/* Whether the query's budget is spent; it then fails with DNS_ETIMEOUT. The
 * read loops ask before every message, so that a server sending without end
 * cannot keep a query alive past its deadline. */
static int past_deadline(struct dns_engine *e, struct query *q)
{
	e->now = loop_now_us();
	if (e->now < q->deadline)
		return 0;
	finish(e, q, DNS_ETIMEOUT);
	return 1;
}

/* Read the socket until its query is settled or nothing is left, at most
 * READ_BURST_MAX datagrams (the loop calls again while more wait). Datagrams
 * on an idle socket (late answers to its last query) are counted as
 * mismatched; so are those the next query finds queued, which the ID and the
 * question, or the source address after a re-connect(), tell apart. */
static void udp_readable(struct dns_engine *e, struct udp_socket *s)
{
	for (unsigned burst = 0; burst < READ_BURST_MAX; burst++) {
		struct query *q = s->q;
		if (q && past_deadline(e, q))
			return;
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(s->fd, e->rbuf, RECV_BUF_SIZE, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* ECONNREFUSED: ICMP port unreachable, reported on
			 * the connected socket (reading it clears it). */
			if (q)
				finish(e, q, dns_errno_error(errno, 0));
			return;
		}
		/* The connected socket already filters on the source; this
		 * check keeps the rule visible and covers what was queued
		 * before a re-connect(). */
		if (!q || !addr_equal((struct sockaddr *)&from, (struct sockaddr *)&q->srv->addr)) {
			e->stats.mismatched++;
			continue;
		}
		if (handle_answer(e, q, e->rbuf, (size_t)n, 0))
			return;
	}
}

static void tcp_write(struct dns_engine *e, struct query *q)
{
	size_t total = q->wire_len + 2;
	while (q->tcp_sent < total) {
		ssize_t n = send(q->fd, q->wire + q->tcp_sent, total - q->tcp_sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return; /* still registered for EPOLLOUT */
			finish(e, q, dns_errno_error(errno, 0));
			return;
		}
		q->tcp_sent += (size_t)n;
	}
	e->stats.sent++;
	if (loop_io_set(q->io, LOOP_READ) != 0) {
		finish(e, q, DNS_ENOMEM);
		return;
	}
	q->state = Q_TCP_READ;
}

static void tcp_connected(struct dns_engine *e, struct query *q)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err) {
		finish(e, q, dns_errno_error(err, 0));
		return;
	}
	q->state = Q_TCP_WRITE;
	tcp_write(e, q);
}

/* Read length-prefixed messages until one matches; a mismatched one is
 * skipped and the next read. At most READ_BURST_MAX reads a call (the loop
 * calls again while more wait), and none past the deadline: a server that
 * sends zero bytes or answers to other questions without end gets the
 * query's budget and no more. */
static void tcp_read(struct dns_engine *e, struct query *q)
{
	for (unsigned burst = 0; burst < READ_BURST_MAX; burst++) {
		if (past_deadline(e, q))
			return;
		uint8_t *dst;
		size_t want;
		if (q->tcp_have < 2) {
			dst = q->tcp_lenbuf + q->tcp_have;
			want = 2 - q->tcp_have;
		} else {
			dst = q->tcp_buf + (q->tcp_have - 2);
			want = q->tcp_len - (q->tcp_have - 2);
		}
		ssize_t n = recv(q->fd, dst, want, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			finish(e, q, dns_errno_error(errno, 0));
			return;
		}
		if (n == 0) {
			/* Closed before a matching answer. */
			finish(e, q, DNS_ECLOSED);
			return;
		}
		q->tcp_have += (size_t)n;
		if (q->tcp_have == 2) {
			q->tcp_len = ldns_read_uint16(q->tcp_lenbuf);
			if (q->tcp_len == 0) {
				e->stats.mismatched++;
				q->tcp_have = 0;
				continue;
			}
			free(q->tcp_buf);
			q->tcp_buf = xmalloc(q->tcp_len);
			continue;
		}
		if (q->tcp_have < 2 || q->tcp_have - 2 < q->tcp_len)
			continue;
		if (handle_answer(e, q, q->tcp_buf, q->tcp_len, 1))
			return;
		q->tcp_have = 0;
	}
}

static void tcp_event(void *arg, int fd, unsigned what)
{
	struct query *q = arg;
	struct dns_engine *e = q->e;
	e->now = loop_now_us();
	switch (q->state) {
	case Q_TCP_CONNECT:
		tcp_connected(e, q);
		break;
	case Q_TCP_WRITE:
		tcp_write(e, q);
		break;
	case Q_TCP_READ:
		tcp_read(e, q);
		break;
	case Q_QUEUED:
	case Q_UDP: /* its events come through its udp_socket */
	case Q_DONE:
		break;
	}
}

/* A query's timer fired: retransmit, or give up at the deadline. */
static void query_timer_fired(void *arg)
{
	struct query *q = arg;
	struct dns_engine *e = q->e;
	e->now = loop_now_us();
	if (e->now >= q->deadline) {
		finish(e, q, DNS_ETIMEOUT);
		return;
	}
	if (q->state == Q_UDP && q->retries_left > 0) {
		/* Same socket, same ID: an answer to the first copy that is
		 * merely late is as good as one to this copy. */
		q->retries_left--;
		e->stats.retransmits++;
		int rc = udp_send(q);
		if (rc < 0) {
			finish(e, q, rc);
			return;
		}
		q->interval *= 2;
	}
	arm_next_timer(e, q);
}

/* ---- public interface -------------------------------------------------- */

/* A query packet with an empty question (class IN) and, when edns_size is
 * not 0, an OPT record advertising it (version 0, no flags, no options).
 * Returns 0 or -1 (out of memory). */
static int template_init(struct query_template *t, unsigned edns_size)
{
	ldns_rr *question = NULL, *opt = NULL;
	int rc = -1;

	t->pkt = ldns_pkt_new();
	question = ldns_rr_new();
	if (!t->pkt || !question)
		goto out;
	ldns_rr_set_owner(question, NULL);
	ldns_rr_set_class(question, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(question, true);
	if (!ldns_pkt_push_rr(t->pkt, LDNS_SECTION_QUESTION, question))
		goto out;
	t->question = question;
	question = NULL;
	if (edns_size) {
		/* RFC 6891: owner the root, class the UDP payload size, TTL
		 * extended rcode / version / flags, all zero here. */
		opt = ldns_rr_new();
		if (!opt)
			goto out;
		ldns_rr_set_owner(opt, ldns_dname_new_frm_str("."));
		if (!ldns_rr_owner(opt))
			goto out;
		ldns_rr_set_type(opt, LDNS_RR_TYPE_OPT);
		ldns_rr_set_class(opt, (ldns_rr_class)edns_size);
		ldns_rr_set_ttl(opt, 0);
		if (!ldns_pkt_push_rr(t->pkt, LDNS_SECTION_ADDITIONAL, opt))
			goto out;
		t->opt = opt;
		opt = NULL;
	}
	rc = 0;
out:
	ldns_rr_free(question);
	ldns_rr_free(opt);
	return rc;
}

static void template_release(struct query_template *t)
{
	if (t->question)
		ldns_rr_set_owner(t->question, NULL);
	ldns_pkt_free(t->pkt); /* frees the question and OPT records with it */
	t->pkt = NULL;
	t->question = NULL;
	t->opt = NULL;
}

int dns_engine_new(struct loop *loop, const struct dns_opts *opts, struct dns_engine **out)
{
	static const struct dns_opts defaults = DNS_OPTS_INIT;
	struct dns_engine *e = NULL;
	int rc = -1, saved;

	*out = NULL;
	e = xcalloc(1, sizeof(*e));
	e->loop = loop;
	e->opts = opts ? *opts : defaults;
	if (e->opts.timeout_ms == 0)
		e->opts.timeout_ms = defaults.timeout_ms;
	if (e->opts.max_inflight == 0)
		e->opts.max_inflight = defaults.max_inflight;
	if (e->opts.retries > 16)
		e->opts.retries = 16;
	if (e->opts.edns_size > 65535)
		e->opts.edns_size = 65535;
	else if (e->opts.edns_size > 0 && e->opts.edns_size < 512)
		e->opts.edns_size = 512;

	/* Every query on the wire holds a socket. Raise the soft descriptor
	 * limit as far as needed (and allowed), then fit max_inflight under
	 * it rather than fail with EMFILE mid-run. Room for a full pool of
	 * idle sockets is asked for too, but not needed: the pool is emptied
	 * when a new UDP or TCP socket finds no descriptor. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t need = (rlim_t)e->opts.max_inflight + FD_RESERVE;
		rlim_t want = need + e->opts.max_inflight;
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
			rlim_t old = rl.rlim_cur;
			rl.rlim_cur =
				(rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				rl.rlim_cur = old;
			if (rl.rlim_cur < need)
				e->opts.max_inflight = rl.rlim_cur > 2 * FD_RESERVE
							       ? (unsigned)(rl.rlim_cur - FD_RESERVE)
							       : 16;
		}
	}

	/* Retransmission intervals double, and together fill the budget:
	 * first = budget / (2^(retries+1) - 1). */
	uint64_t budget = (uint64_t)e->opts.timeout_ms * 1000;
	e->first_interval = budget / ((2ULL << e->opts.retries) - 1);
	if (e->first_interval < 1000)
		e->first_interval = 1000;

	e->wbuf = ldns_buffer_new(QUERY_WIRE_MAX);
	if (!e->wbuf || template_init(&e->tmpl[0], 0) != 0 ||
	    template_init(&e->tmpl[1], e->opts.edns_size) != 0) {
		errno = ENOMEM;
		goto out;
	}
	e->rbuf = xmalloc(RECV_BUF_SIZE);
	e->fd_retry = loop_timer_new(loop, fd_retry_fired, e);
	if (!e->fd_retry)
		goto out;
	e->rand_used = sizeof(e->rand_pool);
	servers_grow(e);
	*out = e;
	e = NULL;
	rc = 0;
out:
	saved = errno;
	dns_engine_free(e);
	errno = saved;
	return rc;
}

/* Free a list of queries; answers not yet delivered are dropped. */
static void free_list(struct query *q)
{
	while (q) {
		struct query *next = q->next;
		if (q->fd >= 0) {
			loop_io_free(q->io);
			close(q->fd);
		}
		free(q->tcp_buf);
		if (q->state == Q_DONE)
			ldns_pkt_free(q->ans.pkt);
		loop_timer_free(q->timer);
		free(q);
		q = next;
	}
}

void dns_engine_free(struct dns_engine *e)
{
	if (!e)
		return;
	while (e->wire_head) {
		struct query *q = e->wire_head;
		wire_remove(e, q);
		if (q->udp)
			udp_close(q->udp);
		if (q->fd >= 0) {
			loop_io_free(q->io);
			close(q->fd);
		}
		free(q->tcp_buf);
		loop_timer_free(q->timer);
		free(q);
	}
	pool_flush(e);
	free_list(e->queue_head);
	free_list(e->done_head);
	free_list(e->free_list);
	for (size_t i = 0; i < e->nbuckets; i++) {
		struct server *s = e->buckets[i], *next;
		for (; s; s = next) {
			next = s->next;
			free(s);
		}
	}
	free(e->buckets);
	loop_timer_free(e->fd_retry);
	template_release(&e->tmpl[0]);
	template_release(&e->tmpl[1]);
	ldns_buffer_free(e->wbuf);
	free(e->rbuf);
	free(e);
}

int dns_query(struct dns_engine *e, const struct sockaddr *addr, socklen_t addrlen, const ldns_rdf *qname,
	      ldns_rr_type qtype, unsigned flags, dns_callback cb, void *arg)
{
	if (!e || !addr || !qname || !cb)
		return DNS_EINVAL;
	size_t len = ldns_rdf_size(qname);
	if (ldns_rdf_get_type(qname) != LDNS_RDF_TYPE_DNAME || len == 0 || len > LDNS_MAX_DOMAINLEN)
		return DNS_EINVAL;
	struct server *srv = server_get(e, addr, addrlen);
	if (!srv)
		return DNS_EINVAL;

	struct query *q = query_alloc(e);
	q->srv = srv;
	q->qtype = qtype;
	q->flags = flags;
	q->cb = cb;
	q->arg = arg;
	memcpy(q->qname_buf, ldns_rdf_data(qname), len);
	ldns_rdf_set_type(&q->qname, LDNS_RDF_TYPE_DNAME);
	ldns_rdf_set_size(&q->qname, len);
	ldns_rdf_set_data(&q->qname, q->qname_buf);

	e->now = loop_now_us();
	/* A server known dead fails the query now, not after the queue ahead. */
	if (q->srv->dead_until > e->now) {
		finish(e, q, DNS_EDEAD);
		return 0;
	}
	/* Sent right away when there is room, so a lone query does not wait
	 * for the loop; its callback still only runs from the loop. */
	if (!e->queue_head && e->inflight < e->opts.max_inflight && start_query(e, q) != START_LATER)
		return 0;
	queue_push(e, q, 0);
	return 0;
}

unsigned dns_engine_timeout_ms(const struct dns_engine *e)
{
	return e->opts.timeout_ms;
}

size_t dns_pending(const struct dns_engine *e)
{
	return e->queued + e->inflight + e->done_n;
}

size_t dns_in_flight(const struct dns_engine *e)
{
	return e->inflight;
}

/* The deferred call that runs the callbacks of finished queries: those known
 * when it starts, and any their callbacks cause (a new query to a dead
 * server fails at once), then starts queued queries in the room they left. */
static void flush_done(void *arg)
{
	struct dns_engine *e = arg;
	e->now = loop_now_us();
	e->flush_scheduled = 0;
	pump_queue(e);
	struct query *q = e->done_head;
	e->done_head = e->done_tail = NULL;
	while (q) {
		struct query *next = q->next;
		e->done_n--;
		q->cb(q->arg, &q->ans); /* the callback now owns ans.pkt */
		query_release(e, q);
		q = next;
	}
	pump_queue(e);
}

void dns_engine_stats(const struct dns_engine *e, struct dns_stats *out)
{
	*out = e->stats;
}

int dns_addr_host(const struct sockaddr *addr, char *buf, size_t len, unsigned *port)
{
	const void *raw;
	unsigned p;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
		raw = &sin->sin_addr;
		p = ntohs(sin->sin_port);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
		raw = &sin6->sin6_addr;
		p = ntohs(sin6->sin6_port);
	} else {
		snprintf(buf, len, "(unknown address family %d)", addr->sa_family);
		return -1;
	}
	if (!inet_ntop(addr->sa_family, raw, buf, (socklen_t)len)) {
		snprintf(buf, len, "?");
		return -1;
	}
	if (port)
		*port = p;
	return 0;
}

char *dns_addr_str(const struct sockaddr *addr, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port;
	if (dns_addr_host(addr, host, sizeof(host), &port) != 0)
		snprintf(buf, len, "%s", host);
	else if (port == 53)
		snprintf(buf, len, "%s", host);
	else
		snprintf(buf, len, "%s#%u", host, port);
	return buf;
}

int dns_rr_addr(const ldns_rr *rr, struct sockaddr_storage *out, socklen_t *outlen)
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	memset(out, 0, sizeof(*out));
	if (!rd)
		return -1;
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(rd) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(53);
		memcpy(&sin->sin_addr, ldns_rdf_data(rd), 4);
		*outlen = sizeof(*sin);
	} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(rd) == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(53);
		memcpy(&sin6->sin6_addr, ldns_rdf_data(rd), 16);
		*outlen = sizeof(*sin6);
	} else {
		return -1;
	}
	return 0;
}

int dns_addr_parse(const char *text, struct sockaddr_storage *out, socklen_t *outlen)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE];
	unsigned long port = 53;
	struct addrinfo hints, *res = NULL;
	int rc = -1;

	const char *hash = strrchr(text, '#');
	size_t hostlen = hash ? (size_t)(hash - text) : strlen(text);
	if (hostlen == 0 || hostlen >= sizeof(host))
		goto out;
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';
	if (hash && parse_ulong(hash + 1, 1, 65535, &port) != 0)
		goto out;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	/* Numeric only: a name here would be resolved by the system's
	 * resolver, which cutover never uses. */
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		goto out;
	if (res->ai_addrlen > sizeof(*out))
		goto out;
	memset(out, 0, sizeof(*out));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*outlen = res->ai_addrlen;
	if (out->ss_family == AF_INET)
		((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
	else if (out->ss_family == AF_INET6)
		((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
	else
		goto out;
	rc = 0;
out:
	if (res)
		freeaddrinfo(res);
	return rc;
}

void dns_txt_join(const ldns_rr *rr, struct strbuf *sb)
{
	/* Each rdf of a TXT record is one <character-string>: a length octet
	 * and that many bytes (ldns has checked the length). */
	for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, j);
		if (ldns_rdf_size(f) > 1)
			sb_add(sb, (const char *)ldns_rdf_data(f) + 1, ldns_rdf_size(f) - 1);
	}
}

char *dns_rdata_canonical(ldns_rr_type type, const char *text)
{
	/* Parse a whole record so ldns applies the type's own rdata syntax;
	 * the owner is a placeholder, relative names are made absolute. */
	char *tname = ldns_rr_type2str(type);
	char *line = xasprintf("cutover.invalid. 0 IN %s %s", tname ? tname : "TYPE0", text);
	free(tname);
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL);
	free(line);
	if (st != LDNS_STATUS_OK || !rr)
		return NULL;
	char *out = dns_rr_rdata_text(rr);
	ldns_rr_free(rr);
	return out;
}

char *dns_rr_rdata_text(const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);
	ldns_rr2canonical(c);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ldns_rr_rd_count(c); i++) {
		char *t = ldns_rdf2str(ldns_rr_rdf(c, i));
		sb_addf(&sb, "%s%s", i ? " " : "", t ? t : "?");
		free(t);
	}
	ldns_rr_free(c);
	return sb_detach(&sb);
}
