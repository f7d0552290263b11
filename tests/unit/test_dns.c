/* The query engine (src/dns.c) against a fake server in the same process, on
 * 127.0.0.1: what it does when no descriptor is free, TTLs with the top bit
 * set, and a TCP server that sends zero bytes without end. The misbehaving
 * servers of the test world (tests/world/zoo.pl) cover the rest end to end. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns.h"
#include "loop.h"

/* --- a fake server --------------------------------------------------------- */

enum fake_mode {
	FAKE_A,	    /* an A record whose TTL is fake.ttl */
	FAKE_ZEROS, /* TC=1 over UDP; over TCP zero bytes without end */
};

struct fake {
	struct loop *l;
	enum fake_mode mode;
	uint32_t ttl;
	int udp, listener, conn;
	struct loop_io *udp_io, *listen_io, *conn_io;
	struct sockaddr_in addr;
	size_t zeros_sent;
	uint8_t query[512]; /* the last query received over UDP */
	size_t query_len;
};

/* The query cut after its question (its OPT record dropped), made an answer:
 * QR and AA set, and TC, or one A record (192.0.2.1) with the given TTL. */
static size_t fake_answer(const struct fake *f, const uint8_t *q, size_t n, uint8_t *out)
{
	size_t p = 12;
	while (p < n && q[p] != 0)
		p += 1 + q[p];
	p += 5; /* the root label, type and class */
	assert_true(p <= n);
	memcpy(out, q, p);
	out[2] |= 0x84; /* QR, AA */
	memset(out + 6, 0, 6);
	if (f->mode == FAKE_ZEROS) {
		out[2] |= 0x02; /* TC */
		return p;
	}
	out[7] = 1; /* ANCOUNT */
	static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1};
	memcpy(out + p, rr, sizeof(rr));
	p += sizeof(rr);
	out[p++] = (uint8_t)(f->ttl >> 24);
	out[p++] = (uint8_t)(f->ttl >> 16);
	out[p++] = (uint8_t)(f->ttl >> 8);
	out[p++] = (uint8_t)f->ttl;
	static const uint8_t rdata[] = {0, 4, 192, 0, 2, 1};
	memcpy(out + p, rdata, sizeof(rdata));
	return p + sizeof(rdata);
}

static void fake_udp(void *arg, int fd, unsigned what)
{
	struct fake *f = arg;
	uint8_t q[512], a[600];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	memcpy(f->query, q, (size_t)n);
	f->query_len = (size_t)n;
	size_t len = fake_answer(f, q, (size_t)n, a);
	assert_int_equal(sendto(fd, a, len, 0, (struct sockaddr *)&from, fromlen), (ssize_t)len);
}

/* Zero bytes, as fast as the client takes them, for as long as it stays. */
static void fake_conn(void *arg, int fd, unsigned what)
{
	struct fake *f = arg;
	uint8_t buf[4096];
	if (what & LOOP_READ) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			loop_io_free(f->conn_io);
			f->conn_io = NULL;
			close(fd);
			f->conn = -1;
			return;
		}
	}
	if (what & LOOP_WRITE) {
		memset(buf, 0, sizeof(buf));
		ssize_t n = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
		if (n > 0)
			f->zeros_sent += (size_t)n;
	}
}

static void fake_accept(void *arg, int fd, unsigned what)
{
	struct fake *f = arg;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c < 0)
		return;
	assert_int_equal(f->conn, -1);
	f->conn = c;
	f->conn_io = loop_io_new(f->l, c, LOOP_READ | LOOP_WRITE, fake_conn, f);
	assert_non_null(f->conn_io);
}

/* Start a fake server on 127.0.0.1, UDP and TCP on the same port. */
static void fake_start(struct fake *f, struct loop *l, enum fake_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->l = l;
	f->mode = mode;
	f->conn = -1;
	f->addr.sin_family = AF_INET;
	f->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A UDP port the kernel picks, then TCP on the same port; another
	 * process may hold that TCP port, so try a few. */
	for (int tries = 0; tries < 20; tries++) {
		f->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(f->udp >= 0);
		f->addr.sin_port = 0;
		assert_int_equal(bind(f->udp, (struct sockaddr *)&f->addr, sizeof(f->addr)), 0);
		socklen_t len = sizeof(f->addr);
		assert_int_equal(getsockname(f->udp, (struct sockaddr *)&f->addr, &len), 0);
		f->listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(f->listener >= 0);
		if (bind(f->listener, (struct sockaddr *)&f->addr, sizeof(f->addr)) == 0)
			break;
		close(f->udp);
		close(f->listener);
		f->udp = f->listener = -1;
	}
	assert_true(f->listener >= 0);
	assert_int_equal(listen(f->listener, 8), 0);
	f->udp_io = loop_io_new(l, f->udp, LOOP_READ, fake_udp, f);
	f->listen_io = loop_io_new(l, f->listener, LOOP_READ, fake_accept, f);
	assert_non_null(f->udp_io);
	assert_non_null(f->listen_io);
}

static void fake_stop(struct fake *f)
{
	loop_io_free(f->udp_io);
	loop_io_free(f->listen_io);
	loop_io_free(f->conn_io);
	close(f->udp);
	close(f->listener);
	if (f->conn >= 0)
		close(f->conn);
}

/* --- one query --------------------------------------------------------------- */

struct outcome {
	struct loop *l;
	int called;
	int err;
	uint32_t ttl;
	uint64_t at; /* µs */
};

static void on_answer(void *arg, struct dns_answer *ans)
{
	struct outcome *o = arg;
	o->called++;
	o->err = ans->err;
	o->at = loop_now_us();
	if (ans->pkt) {
		ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
		if (ldns_rr_list_rr_count(an) > 0)
			o->ttl = ldns_rr_ttl(ldns_rr_list_rr(an, 0));
		ldns_pkt_free(ans->pkt);
	}
	loop_break(o->l);
}

static void ask_flags(struct dns_engine *e, const struct fake *f, struct outcome *o, unsigned flags)
{
	ldns_rdf *name = ldns_dname_new_frm_str("www.example.test.");
	assert_non_null(name);
	assert_int_equal(dns_query(e, (const struct sockaddr *)&f->addr, sizeof(f->addr), name,
				   LDNS_RR_TYPE_A, flags, on_answer, o),
			 0);
	ldns_rdf_deep_free(name);
}

static void ask(struct dns_engine *e, const struct fake *f, struct outcome *o)
{
	ask_flags(e, f, o, 0);
}

static void setup(struct loop **l, struct dns_engine **e, unsigned timeout_ms)
{
	struct dns_opts opts = DNS_OPTS_INIT;
	opts.timeout_ms = timeout_ms;
	assert_int_equal(loop_new(l), 0);
	assert_int_equal(dns_engine_new(*l, &opts, e), 0);
}

/* --- the tests ----------------------------------------------------------------- */

struct held {
	int *fds;
	size_t n;
};

static void release(void *arg)
{
	struct held *h = arg;
	for (size_t i = 0; i < h->n; i++)
		close(h->fds[i]);
	h->n = 0;
}

/* No descriptor is free when the query is asked, and none of the engine's
 * is on the wire to give one back: the query waits in the queue and goes
 * out once descriptors are free again (here after 200 ms), rather than
 * failing as a network error. */
static void test_out_of_descriptors_waits(void **state)
{
	(void)state;
	struct loop *l;
	struct dns_engine *e;
	setup(&l, &e, 2000);
	struct fake f;
	fake_start(&f, l, FAKE_A);
	f.ttl = 300;

	/* Take every descriptor left (under a soft limit of 256). */
	struct rlimit old, rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	struct held h = {calloc(256, sizeof(int)), 0};
	assert_non_null(h.fds);
	for (;;) {
		int fd = dup(0);
		if (fd < 0) {
			assert_int_equal(errno, EMFILE);
			break;
		}
		h.fds[h.n++] = fd;
	}
	struct outcome o = {.l = l};
	uint64_t asked = loop_now_us();
	ask(e, &f, &o);
	struct loop_timer *t = loop_timer_new(l, release, &h);
	assert_non_null(t);
	loop_timer_start(t, 200 * 1000);
	assert_int_equal(loop_run(l), 0);

	assert_int_equal(o.called, 1);
	assert_int_equal(o.err, DNS_OK);
	assert_int_equal(o.ttl, 300);
	assert_true(o.at - asked >= 200 * 1000); /* it waited for the descriptors */
	assert_int_equal(h.n, 0);

	loop_timer_free(t);
	free(h.fds);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	fake_stop(&f);
	dns_engine_free(e);
	loop_free(l);
}

/* RFC 2181 section 8: a TTL with the top bit set reads as 0. */
static void test_ttl_top_bit(void **state)
{
	(void)state;
	static const uint32_t sent[] = {0x80000000u + 60, 0xffffffffu, 0x7fffffffu, 300};
	static const uint32_t read[] = {0, 0, 0x7fffffffu, 300};
	struct loop *l;
	struct dns_engine *e;
	setup(&l, &e, 2000);
	struct fake f;
	fake_start(&f, l, FAKE_A);
	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		f.ttl = sent[i];
		struct outcome o = {.l = l};
		ask(e, &f, &o);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(o.err, DNS_OK);
		assert_int_equal(o.ttl, read[i]);
	}
	fake_stop(&f);
	dns_engine_free(e);
	loop_free(l);
}

/* A truncated answer, then over TCP zero bytes as fast as they are read:
 * the query ends at its budget (300 ms), however the bytes keep coming. */
static void test_tcp_zeros_bounded(void **state)
{
	(void)state;
	struct loop *l;
	struct dns_engine *e;
	setup(&l, &e, 300);
	struct fake f;
	fake_start(&f, l, FAKE_ZEROS);
	struct outcome o = {.l = l};
	uint64_t asked = loop_now_us();
	ask(e, &f, &o);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(o.called, 1);
	assert_int_equal(o.err, DNS_ETIMEOUT);
	assert_true(o.at - asked >= 300 * 1000);
	assert_true(o.at - asked < 3000 * 1000);
	assert_true(f.zeros_sent > 0);
	struct dns_stats st;
	dns_engine_stats(e, &st);
	assert_int_equal(st.tcp_fallbacks, 1);
	assert_true(st.mismatched > 0); /* the empty messages, each skipped */
	fake_stop(&f);
	dns_engine_free(e);
	loop_free(l);
}

/* DNS_DO sets the DO bit of the query's one OPT record (RFC 3225), and the
 * next query without it has it clear again: the engine reuses one query
 * template. (Setting ldns's packet flag instead added a second OPT record,
 * which servers answer with FORMERR.) */
static void test_do_bit(void **state)
{
	(void)state;
	static const unsigned flags[] = {DNS_DO, 0, DNS_DO | DNS_RD, DNS_DO};
	struct loop *l;
	struct dns_engine *e;
	setup(&l, &e, 2000);
	struct fake f;
	fake_start(&f, l, FAKE_A);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		struct outcome o = {.l = l};
		ask_flags(e, &f, &o, flags[i]);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(o.err, DNS_OK);
		/* ARCOUNT in the header: ldns moves an OPT record out of the
		 * section when it reads one, so it would not show two */
		assert_true(f.query_len > 12);
		assert_int_equal(f.query[10] << 8 | f.query[11], 1);
		ldns_pkt *q = NULL;
		assert_int_equal(ldns_wire2pkt(&q, f.query, f.query_len), LDNS_STATUS_OK);
		assert_true(ldns_pkt_edns(q));
		assert_int_equal(ldns_pkt_edns_do(q), (flags[i] & DNS_DO) != 0);
		assert_int_equal(ldns_pkt_rd(q), (flags[i] & DNS_RD) != 0);
		ldns_pkt_free(q);
	}
	fake_stop(&f);
	dns_engine_free(e);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_descriptors_waits),
		cmocka_unit_test(test_ttl_top_bit),
		cmocka_unit_test(test_tcp_zeros_bounded),
		cmocka_unit_test(test_do_bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
