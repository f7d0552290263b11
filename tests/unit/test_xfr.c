/* Zone transfers (src/xfr.c): the messages judged one by one (xfr_feed):
 * the zone whole over several messages, decoys ignored, refusals, broken
 * transfers and the limits; and transfers on the loop from a fake server in
 * the same process: a whole zone, a server that stalls, one that sends a
 * record at a time without end, one that closes halfway, and a port where
 * nothing listens. t0800 transfers from NSD. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"
#include "xfr.h"

#define ZONE "example.org."

static ldns_rr *rr_of(const char *text)
{
	ldns_rr *rr = NULL;
	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
	return rr;
}

#define XID 0x4242

/* A message of the transfer: id, rcode, question (or none), the records
 * (NULL-terminated), as wire bytes in *wire (freed by the caller). */
static size_t xmsg(uint16_t id, ldns_pkt_rcode rcode, int question, uint8_t **wire, ...)
{
	ldns_pkt *pkt = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt_query_new_frm_str(&pkt, ZONE, LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0),
			 LDNS_STATUS_OK);
	ldns_pkt_set_id(pkt, id);
	ldns_pkt_set_qr(pkt, 1);
	ldns_pkt_set_aa(pkt, 1);
	ldns_pkt_set_rcode(pkt, rcode);
	if (!question) {
		ldns_rr_list_deep_free(ldns_pkt_question(pkt));
		ldns_pkt_set_question(pkt, ldns_rr_list_new());
		ldns_pkt_set_qdcount(pkt, 0);
	}
	va_list ap;
	va_start(ap, wire);
	for (const char *t; (t = va_arg(ap, const char *));)
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr_of(t));
	va_end(ap);
	assert_int_equal(ldns_pkt2wire(wire, pkt, &len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return len;
}

#define SOA "example.org. 300 IN SOA ns1.example.net. h.example.org. 7 2 3 4 300"
#define SOA8 "example.org. 300 IN SOA ns1.example.net. h.example.org. 8 2 3 4 300"

/* Feed one message; returns the verdict, *why the reason. */
static enum xfr_verdict feed(struct xfr_state *st, uint8_t *wire, size_t len, const char **why)
{
	enum xfr_verdict v = xfr_feed(st, wire, len, why);
	free(wire);
	return v;
}

static void test_xfr(void **state)
{
	(void)state;
	struct xfr_state st;
	const char *why;
	uint8_t *w;
	size_t n;

	/* a whole zone in two messages, a decoy between them */
	assert_int_equal(xfr_state_init(&st, ZONE, XID, 0, 0), 0);
	n = xmsg(XID, LDNS_RCODE_NOERROR, 1, &w, SOA, "www.example.org. 300 IN A 192.0.2.1",
		 "elsewhere.example.net. 300 IN A 192.0.2.9", NULL);
	assert_int_equal(feed(&st, w, n, &why), XFR_MORE);
	n = xmsg(XID + 1, LDNS_RCODE_NOERROR, 1, &w, SOA, NULL);
	assert_int_equal(feed(&st, w, n, &why), XFR_MORE);
	assert_int_equal(st.ignored, 1);
	n = xmsg(XID, LDNS_RCODE_NOERROR, 0, &w, "example.org. 2147483948 IN TXT \"x\"", SOA, NULL);
	assert_int_equal(feed(&st, w, n, &why), XFR_DONE);
	assert_int_equal(ldns_rr_list_rr_count(st.rrs), 3); /* the SOA, A, TXT; not the closing SOA */
	assert_int_equal(st.dropped, 1);		    /* outside the zone */
	assert_int_equal(st.messages, 2);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(st.rrs, 2)), 0); /* the top bit set: 0 */
	xfr_state_release(&st);

	struct {
		const char *what, *why;
		ldns_pkt_rcode rcode;
		const char *r1, *r2, *r3;
	} fails[] = {
		{"REFUSED", "transfer refused", LDNS_RCODE_REFUSED, NULL, NULL, NULL},
		{"NOTAUTH", "transfer refused", LDNS_RCODE_NOTAUTH, NULL, NULL, NULL},
		{"SERVFAIL", "the server failed (SERVFAIL or another error)", LDNS_RCODE_SERVFAIL, NULL, NULL,
		 NULL},
		{"no records", "no SOA in the transfer's first message", LDNS_RCODE_NOERROR, NULL, NULL,
		 NULL},
		{"no SOA first", "the transfer does not start with the zone's SOA", LDNS_RCODE_NOERROR,
		 "www.example.org. 300 IN A 192.0.2.1", SOA, NULL},
		{"an SOA of class CH first", "the transfer does not start with the zone's SOA",
		 LDNS_RCODE_NOERROR, "example.org. 300 CH SOA ns1.example.net. h.example.org. 7 2 3 4 300",
		 SOA, NULL},
		{"another serial",
		 "the closing SOA has another serial (the zone changed during the transfer)",
		 LDNS_RCODE_NOERROR, SOA, SOA8, NULL},
		{"after the end", "records after the closing SOA", LDNS_RCODE_NOERROR, SOA, SOA,
		 "www.example.org. 300 IN A 192.0.2.1"},
	};
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		assert_int_equal(xfr_state_init(&st, ZONE, XID, 0, 0), 0);
		n = xmsg(XID, fails[i].rcode, 1, &w, fails[i].r1, fails[i].r2, fails[i].r3, NULL);
		assert_int_equal(feed(&st, w, n, &why), XFR_FAIL);
		assert_string_equal(why, fails[i].why);
		xfr_state_release(&st);
	}

	/* TC=1, a message cut short */
	assert_int_equal(xfr_state_init(&st, ZONE, XID, 0, 0), 0);
	n = xmsg(XID, LDNS_RCODE_NOERROR, 1, &w, SOA, NULL);
	w[2] |= 0x02; /* TC */
	assert_int_equal(feed(&st, w, n, &why), XFR_FAIL);
	assert_string_equal(why, "a truncated message over TCP");
	xfr_state_release(&st);
	assert_int_equal(xfr_state_init(&st, ZONE, XID, 0, 0), 0);
	n = xmsg(XID, LDNS_RCODE_NOERROR, 1, &w, SOA, NULL);
	assert_int_equal(feed(&st, w, n - 3, &why), XFR_FAIL);
	assert_string_equal(why, "a malformed message");
	xfr_state_release(&st);

	/* the limits: records, bytes */
	assert_int_equal(xfr_state_init(&st, ZONE, XID, 2, 0), 0);
	n = xmsg(XID, LDNS_RCODE_NOERROR, 1, &w, SOA, "a.example.org. 300 IN A 192.0.2.1",
		 "b.example.org. 300 IN A 192.0.2.2", NULL);
	assert_int_equal(feed(&st, w, n, &why), XFR_FAIL);
	assert_string_equal(why, "more records than a transfer may hold");
	xfr_state_release(&st);
	assert_int_equal(xfr_state_init(&st, ZONE, XID, 0, 100), 0);
	n = xmsg(XID, LDNS_RCODE_NOERROR, 1, &w, SOA,
		 "a.example.org. 300 IN TXT \"0123456789012345678901234567890\"", NULL);
	assert_int_equal(feed(&st, w, n, &why), XFR_FAIL);
	assert_string_equal(why, "more bytes than a transfer may hold");
	xfr_state_release(&st);
}

/* --- transfers on the loop ---------------------------------------------------- */

enum fake_mode {
	FAKE_WHOLE,   /* the zone in two messages */
	FAKE_STALL,   /* reads the query, never answers */
	FAKE_ENDLESS, /* the SOA, then a record every 10 ms without end */
	FAKE_CLOSE    /* the SOA and a record, then closes */
};

struct fake {
	struct loop *l;
	enum fake_mode mode;
	int listener, conn;
	struct loop_io *listen_io, *conn_io;
	struct loop_timer *tick;
	struct sockaddr_in addr;
	uint16_t id; /* of the query read */
	size_t sent;
	int gone; /* a send failed: the client closed */
};

/* Send one message of the transfer (the query's ID) with the records. */
static void fake_send(struct fake *f, ...)
{
	uint8_t *w = NULL;
	va_list ap;
	va_start(ap, f);
	const char *rrs[4] = {NULL};
	for (size_t i = 0; i < 3; i++)
		if (!(rrs[i] = va_arg(ap, const char *)))
			break;
	va_end(ap);
	size_t n = xmsg(f->id, LDNS_RCODE_NOERROR, f->sent == 0, &w, rrs[0], rrs[1], rrs[2], NULL);
	uint8_t *buf = malloc(n + 2);
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, w, n);
	/* the client may have given up already (ENDLESS): then it fails */
	if (send(f->conn, buf, n + 2, MSG_NOSIGNAL) == (ssize_t)(n + 2))
		f->sent++;
	else
		f->gone = 1;
	free(buf);
	free(w);
}

static void fake_tick(void *arg)
{
	struct fake *f = arg;
	fake_send(f, "www.example.org. 300 IN A 192.0.2.1", NULL);
	if (!f->gone)
		loop_timer_start(f->tick, 10000);
}

static void fake_conn(void *arg, int fd, unsigned what)
{
	struct fake *f = arg;
	uint8_t q[512];
	ssize_t n = read(fd, q, sizeof(q));
	if (n <= 0 || f->sent || f->mode == FAKE_STALL) {
		if (n == 0) {
			loop_io_free(f->conn_io);
			f->conn_io = NULL;
		}
		return;
	}
	assert_true(n >= 14);
	f->id = (uint16_t)(q[2] << 8 | q[3]); /* after the length */
	switch (f->mode) {
	case FAKE_WHOLE:
		fake_send(f, SOA, "www.example.org. 300 IN A 192.0.2.1", NULL);
		fake_send(f, "example.org. 300 IN MX 10 www.example.org.", SOA, NULL);
		break;
	case FAKE_ENDLESS:
		fake_send(f, SOA, NULL);
		loop_timer_start(f->tick, 10000);
		break;
	case FAKE_CLOSE:
		fake_send(f, SOA, "www.example.org. 300 IN A 192.0.2.1", NULL);
		loop_io_free(f->conn_io);
		f->conn_io = NULL;
		close(f->conn);
		f->conn = -1;
		break;
	case FAKE_STALL:
		break;
	}
}

static void fake_accept(void *arg, int fd, unsigned what)
{
	struct fake *f = arg;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	f->conn = c;
	f->conn_io = loop_io_new(f->l, c, LOOP_READ, fake_conn, f);
	assert_non_null(f->conn_io);
}

/* A fake server on 127.0.0.1, a port the kernel picks (listen: 0 leaves
 * the port bound but not listening: connections are refused). */
static void fake_start(struct fake *f, struct loop *l, enum fake_mode mode, int listening)
{
	memset(f, 0, sizeof(*f));
	f->l = l;
	f->mode = mode;
	f->conn = -1;
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(f->listener >= 0);
	assert_int_equal(bind(f->listener, (struct sockaddr *)&f->addr, sizeof(f->addr)), 0);
	socklen_t len = sizeof(f->addr);
	assert_int_equal(getsockname(f->listener, (struct sockaddr *)&f->addr, &len), 0);
	f->tick = loop_timer_new(l, fake_tick, f);
	if (!listening)
		return;
	assert_int_equal(listen(f->listener, 8), 0);
	f->listen_io = loop_io_new(l, f->listener, LOOP_READ, fake_accept, f);
	assert_non_null(f->listen_io);
}

static void fake_stop(struct fake *f)
{
	loop_timer_free(f->tick);
	loop_io_free(f->listen_io);
	loop_io_free(f->conn_io);
	close(f->listener);
	if (f->conn >= 0)
		close(f->conn);
}

struct outcome {
	struct loop *l;
	int called;
	char error[128];
	size_t records, messages;
	uint64_t at;
};

static void on_done(void *arg, struct xfr_result *res)
{
	struct outcome *o = arg;
	o->called++;
	snprintf(o->error, sizeof(o->error), "%s", res->error ? res->error : "");
	o->records = res->rrs ? ldns_rr_list_rr_count(res->rrs) : 0;
	o->messages = res->messages;
	o->at = loop_now_us();
	ldns_rr_list_deep_free(res->rrs);
	loop_break(o->l);
}

/* Transfer example.org. from a fake server in mode; the outcome in *o. */
static void transfer(enum fake_mode mode, int listening, unsigned timeout_ms, struct outcome *o)
{
	struct loop *l = NULL;
	struct fake f;
	assert_int_equal(loop_new(&l), 0);
	fake_start(&f, l, mode, listening);
	memset(o, 0, sizeof(*o));
	o->l = l;
	uint64_t t0 = loop_now_us();
	assert_int_equal(
		xfr_start(l, (struct sockaddr *)&f.addr, sizeof(f.addr), ZONE, timeout_ms, on_done, o, NULL),
		0);
	assert_int_equal(o->called, 0); /* never from inside xfr_start() */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(o->called, 1);
	o->at -= t0;
	fake_stop(&f);
	loop_free(l);
}

static void test_transfers(void **state)
{
	(void)state;
	struct outcome o;

	transfer(FAKE_WHOLE, 1, 2000, &o);
	assert_string_equal(o.error, "");
	assert_int_equal(o.records, 3);
	assert_int_equal(o.messages, 2);

	/* silence: one timeout */
	transfer(FAKE_STALL, 1, 200, &o);
	assert_string_equal(o.error, "timed out");
	assert_true(o.at >= 190000 && o.at < 1500000);

	/* a record every 10 ms: each in time, the whole never: 10 x 100 ms */
	transfer(FAKE_ENDLESS, 1, 100, &o);
	assert_string_equal(o.error, "timed out");
	assert_true(o.messages > 10);
	assert_true(o.at >= 990000 && o.at < 5000000);

	transfer(FAKE_CLOSE, 1, 2000, &o);
	assert_string_equal(o.error, "connection closed before the closing SOA");

	transfer(FAKE_WHOLE, 0, 2000, &o);
	assert_string_equal(o.error, "connection refused");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xfr),
		cmocka_unit_test(test_transfers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
