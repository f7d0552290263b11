/* Zone transfers (AXFR) on the reactor (xfr.h): one non-blocking TCP
 * connection per transfer, its descriptor and its one timer on the loop.
 *
 * The answer to an AXFR query is a stream of DNS messages, each behind a
 * two-byte length (RFC 5936 2.2): the zone's SOA first, every record, the
 * SOA again last. Each message is handed whole to xfr_feed(), which parses
 * it with ldns and decides; this file only moves bytes and keeps time.
 *
 * Budget: the connection, the query and then each message the transfer
 * takes must come within timeout_ms of the last of them (a server that
 * stops sending costs one timeout), and the whole transfer within
 * XFR_TOTAL_FACTOR times it (a server that sends a byte a second, or
 * messages of other queries without end, cannot hold it longer). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "loop.h"
#include "util.h"
#include "xfr.h"

/* Reads from the socket in one event at most: the loop gets its turn back
 * while a fast server keeps sending (dns.c's READ_BURST_MAX). */
#define READ_BURST_MAX 64

/* --- judging ------------------------------------------------------------------ */

int xfr_state_init(struct xfr_state *st, const char *zone, uint16_t id, size_t max_records, size_t max_bytes)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->max_records = max_records ? max_records : XFR_MAX_RECORDS;
	st->max_bytes = max_bytes ? max_bytes : XFR_MAX_BYTES;
	if (ldns_str2rdf_dname(&st->zone, zone) != LDNS_STATUS_OK) {
		st->zone = NULL;
		return -1;
	}
	st->rrs = ldns_rr_list_new();
	return st->rrs ? 0 : -1;
}

void xfr_state_release(struct xfr_state *st)
{
	ldns_rdf_deep_free(st->zone);
	ldns_rr_list_deep_free(st->rrs);
	st->zone = NULL;
	st->rrs = NULL;
}

/* Whether the message's question (when it has one) is the transfer's. */
static int question_is_ours(const struct xfr_state *st, const ldns_pkt *pkt)
{
	const ldns_rr_list *qs = ldns_pkt_question(pkt);
	if (ldns_rr_list_rr_count(qs) == 0)
		return 1; /* RFC 5936 2.2.1: later messages may leave it out */
	if (ldns_rr_list_rr_count(qs) != 1)
		return 0;
	const ldns_rr *q = ldns_rr_list_rr(qs, 0);
	return ldns_rr_get_type(q) == LDNS_RR_TYPE_AXFR && ldns_rr_get_class(q) == LDNS_RR_CLASS_IN &&
	       ldns_dname_compare(ldns_rr_owner(q), st->zone) == 0;
}

/* Whether rr is the zone's SOA, whole and of class IN (the fuzz harness
 * found an opening SOA of class 9 taken into the zone). */
static int is_zone_soa(const struct xfr_state *st, const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_get_class(rr) == LDNS_RR_CLASS_IN &&
	       ldns_rr_rd_count(rr) == 7 && ldns_dname_compare(ldns_rr_owner(rr), st->zone) == 0;
}

static uint32_t soa_serial(const ldns_rr *rr)
{
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

/* Take the records of the message's answer section, in order. */
static enum xfr_verdict take_records(struct xfr_state *st, ldns_pkt *pkt, const char **why)
{
	ldns_rr_list *ans = ldns_pkt_answer(pkt);
	size_t n = ldns_rr_list_rr_count(ans);
	if (n == 0 && ldns_rr_list_rr_count(st->rrs) == 0) {
		*why = "no SOA in the transfer's first message";
		return XFR_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_ttl(rr) & 0x80000000u)
			ldns_rr_set_ttl(rr, 0);
		if (ldns_rr_list_rr_count(st->rrs) == 0) {
			if (!is_zone_soa(st, rr)) {
				*why = "the transfer does not start with the zone's SOA";
				return XFR_FAIL;
			}
			st->serial = soa_serial(rr);
		} else if (is_zone_soa(st, rr)) {
			if (i + 1 < n) {
				*why = "records after the closing SOA";
				return XFR_FAIL;
			}
			if (soa_serial(rr) != st->serial) {
				*why = "the closing SOA has another serial (the zone changed during the "
				       "transfer)";
				return XFR_FAIL;
			}
			return XFR_DONE;
		} else if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			   (ldns_dname_compare(ldns_rr_owner(rr), st->zone) != 0 &&
			    !ldns_dname_is_subdomain(ldns_rr_owner(rr), st->zone))) {
			st->dropped++;
			continue;
		}
		if (ldns_rr_list_rr_count(st->rrs) >= st->max_records) {
			*why = "more records than a transfer may hold";
			return XFR_FAIL;
		}
		ldns_rr *copy = ldns_rr_clone(rr);
		if (!copy || !ldns_rr_list_push_rr(st->rrs, copy)) {
			ldns_rr_free(copy);
			*why = "out of memory";
			return XFR_FAIL;
		}
	}
	return XFR_MORE;
}

enum xfr_verdict xfr_feed(struct xfr_state *st, const uint8_t *buf, size_t len, const char **why)
{
	ldns_pkt *pkt = NULL;
	enum xfr_verdict v = XFR_FAIL;

	*why = NULL;
	st->bytes += len + 2;
	if (st->bytes > st->max_bytes) {
		*why = "more bytes than a transfer may hold";
		return XFR_FAIL;
	}
	if (len < LDNS_HEADER_SIZE || LDNS_ID_WIRE(buf) != st->id || !LDNS_QR_WIRE(buf)) {
		st->ignored++;
		return XFR_MORE;
	}
	ldns_status s = ldns_wire2pkt(&pkt, buf, len);
	if (s != LDNS_STATUS_OK) {
		*why = s == LDNS_STATUS_MEM_ERR ? "out of memory" : "a malformed message";
		return XFR_FAIL;
	}
	if (!question_is_ours(st, pkt)) {
		st->ignored++;
		v = XFR_MORE;
		goto out;
	}
	st->messages++;
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NOERROR:
		break;
	case LDNS_RCODE_REFUSED:
	case LDNS_RCODE_NOTAUTH:
		*why = "transfer refused";
		goto out;
	case LDNS_RCODE_NOTIMPL:
		*why = "transfers not implemented (NOTIMP)";
		goto out;
	case LDNS_RCODE_FORMERR:
		*why = "the server did not understand the query (FORMERR)";
		goto out;
	case LDNS_RCODE_NXDOMAIN:
		*why = "the server does not know the zone (NXDOMAIN)";
		goto out;
	default:
		*why = "the server failed (SERVFAIL or another error)";
		goto out;
	}
	if (ldns_pkt_tc(pkt)) {
		*why = "a truncated message over TCP";
		goto out;
	}
	v = take_records(st, pkt, why);
out:
	ldns_pkt_free(pkt);
	return v;
}

/* --- the transfer on the loop ----------------------------------------------- */

enum xfr_phase { X_CONNECT, X_WRITE, X_READ, X_FAILED };

struct xfr {
	struct loop *loop;
	enum xfr_phase phase;
	int fd;
	struct loop_io *io;
	struct loop_timer *timer;
	struct xfr_state st;
	const char *error; /* X_FAILED before the first event: why, delivered by the timer */
	uint64_t started, idle_us, deadline;
	uint8_t *query; /* with its length prefix */
	size_t query_len, sent;
	uint8_t lenbuf[2];
	uint8_t *msg; /* 65535 bytes */
	size_t have, msg_len;
	xfr_callback cb;
	void *arg;
};

static void xfr_free(struct xfr *x)
{
	loop_io_free(x->io);
	if (x->fd >= 0)
		close(x->fd);
	loop_timer_free(x->timer);
	xfr_state_release(&x->st);
	free(x->query);
	free(x->msg);
	free(x);
}

void xfr_cancel(struct xfr *x)
{
	if (x)
		xfr_free(x);
}

/* The outcome: call back once, then free the transfer. */
static void finish(struct xfr *x, const char *error)
{
	struct xfr_result res = {
		.error = error,
		.messages = x->st.messages,
		.bytes = x->st.bytes,
		.dropped = x->st.dropped,
		.ms = (unsigned)((loop_now_us() - x->started) / 1000),
	};
	if (!error) {
		res.rrs = x->st.rrs;
		x->st.rrs = NULL;
	}
	x->cb(x->arg, &res);
	xfr_free(x);
}

/* Progress: the next message has timeout_ms again, within the whole budget. */
static void arm(struct xfr *x)
{
	uint64_t now = loop_now_us(), at = now + x->idle_us;
	if (at > x->deadline)
		at = x->deadline;
	loop_timer_start(x->timer, at > now ? at - now : 0);
}

static void timer_fired(void *arg)
{
	struct xfr *x = arg;
	finish(x, x->phase == X_FAILED ? x->error : "timed out");
}

static const char *errno_text(int err, int local)
{
	return dns_strerror(dns_errno_error(err, local));
}

static void xfr_write(struct xfr *x)
{
	while (x->sent < x->query_len) {
		ssize_t n = send(x->fd, x->query + x->sent, x->query_len - x->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			finish(x, errno_text(errno, 0));
			return;
		}
		x->sent += (size_t)n;
	}
	if (loop_io_set(x->io, LOOP_READ) != 0) {
		finish(x, "out of memory");
		return;
	}
	x->phase = X_READ;
	arm(x);
}

/* Read what has come, a message at a time into xfr_feed(). */
static void xfr_read(struct xfr *x)
{
	for (unsigned burst = 0; burst < READ_BURST_MAX; burst++) {
		if (loop_now_us() >= x->deadline) {
			finish(x, "timed out");
			return;
		}
		uint8_t *dst = x->have < 2 ? x->lenbuf + x->have : x->msg + (x->have - 2);
		size_t want = x->have < 2 ? 2 - x->have : x->msg_len - (x->have - 2);
		ssize_t n = recv(x->fd, dst, want, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				finish(x, errno_text(errno, 0));
			return;
		}
		if (n == 0) {
			finish(x, x->st.messages ? "connection closed before the closing SOA"
						 : "connection closed without an answer");
			return;
		}
		x->have += (size_t)n;
		if (x->have == 2)
			x->msg_len = ldns_read_uint16(x->lenbuf);
		if (x->have < 2 || x->have - 2 < x->msg_len)
			continue;
		const char *why = NULL;
		size_t taken = x->st.messages;
		enum xfr_verdict v = xfr_feed(&x->st, x->msg, x->msg_len, &why);
		x->have = 0;
		if (v != XFR_MORE) {
			finish(x, v == XFR_DONE ? NULL : why);
			return;
		}
		if (x->st.messages > taken)
			arm(x);
	}
}

static void io_event(void *arg, int fd, unsigned what)
{
	struct xfr *x = arg;
	int err = 0;
	socklen_t len = sizeof(err);
	switch (x->phase) {
	case X_CONNECT:
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err) {
			finish(x, errno_text(err, 0));
			return;
		}
		x->phase = X_WRITE;
		arm(x);
		xfr_write(x);
		break;
	case X_WRITE:
		xfr_write(x);
		break;
	case X_READ:
		xfr_read(x);
		break;
	case X_FAILED:
		break;
	}
}

/* The AXFR query for zone with id, behind its two-byte length, into x. */
static int build_query(struct xfr *x, const char *zone, uint16_t id)
{
	ldns_rdf *name = NULL;
	uint8_t *wire = NULL;
	size_t size = 0;
	int rc = -1;
	if (ldns_str2rdf_dname(&name, zone) != LDNS_STATUS_OK)
		return -1;
	ldns_pkt *pkt = ldns_pkt_query_new(name, LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0);
	if (!pkt) {
		ldns_rdf_deep_free(name);
		return -1;
	}
	ldns_pkt_set_id(pkt, id);
	if (ldns_pkt2wire(&wire, pkt, &size) == LDNS_STATUS_OK && size <= 0xffff) {
		x->query = xmalloc(size + 2);
		ldns_write_uint16(x->query, (uint16_t)size);
		memcpy(x->query + 2, wire, size);
		x->query_len = size + 2;
		rc = 0;
	}
	free(wire);
	ldns_pkt_free(pkt);
	return rc;
}

/* Open the socket and start connecting; returns NULL, or why not. */
static const char *xfr_connect(struct xfr *x, const struct sockaddr *addr, socklen_t addrlen)
{
	x->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		return errno == EMFILE || errno == ENFILE ? "out of file descriptors" : errno_text(errno, 1);
	if (connect(x->fd, addr, addrlen) != 0 && errno != EINPROGRESS)
		return errno_text(errno, 1);
	x->io = loop_io_new(x->loop, x->fd, LOOP_WRITE, io_event, x);
	return x->io ? NULL : "out of memory";
}

int xfr_start(struct loop *l, const struct sockaddr *addr, socklen_t addrlen, const char *zone,
	      unsigned timeout_ms, xfr_callback cb, void *arg, struct xfr **out)
{
	struct xfr *x = xcalloc(1, sizeof(*x));
	uint16_t id = (uint16_t)arc4random_uniform(0x10000);
	x->loop = l;
	x->fd = -1;
	x->cb = cb;
	x->arg = arg;
	x->started = loop_now_us();
	x->idle_us = (uint64_t)(timeout_ms ? timeout_ms : 2000) * 1000;
	x->deadline = x->started + x->idle_us * XFR_TOTAL_FACTOR;
	x->msg = xmalloc(0x10000);
	x->timer = loop_timer_new(l, timer_fired, x);
	if (!x->timer) {
		fprintf(stderr, "cutover: out of memory\n");
		exit(3);
	}
	if (out)
		*out = x;
	if (xfr_state_init(&x->st, zone, id, 0, 0) != 0 || build_query(x, zone, id) != 0)
		x->error = "not a zone name";
	else
		x->error = xfr_connect(x, addr, addrlen);
	if (x->error) {
		/* told through the timer, from the loop, never from in here */
		x->phase = X_FAILED;
		loop_timer_start(x->timer, 0);
		return 0;
	}
	x->phase = X_CONNECT;
	arm(x);
	return 0;
}
