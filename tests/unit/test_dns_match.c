/* The query engine's answer matching (src/dns.c): a server inside the test,
 * on loopback, answers each query with messages the engine must ignore (another
 * ID, another question, QR=0, ...) before the right one; only the right one
 * may come through, and each ignored one is counted. Over UDP and over TCP
 * (after TC=1). */
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

#include "dns.h"
#include "loop.h"

#define QNAME "www.example.test."
#define RIGHT "192.0.2.1"  /* the address in the answer to accept */
#define WRONG "192.0.2.66" /* the address in every answer to ignore */

/* What the server sends, in order, for one query. */
enum msg {
	END,
	GOOD,		  /* the answer: QNAME A RIGHT */
	OTHER_ID,	  /* ID + 1 */
	NO_QR,		  /* QR=0: a query, not an answer */
	OTHER_NAME,	  /* question other.example.test. */
	OTHER_TYPE,	  /* question type AAAA */
	OTHER_CLASS,	  /* question class CH */
	NO_QUESTION,	  /* NOERROR with an empty question section */
	TWO_QUESTIONS,	  /* the question twice */
	SHORT,		  /* 6 bytes, less than a header */
	EMPTY,		  /* a datagram of no bytes */
	FORMERR_BARE,	  /* FORMERR, no question: accepted on ID and address */
	NOTIMP_BARE,	  /* NOTIMP, no question: accepted on ID and address */
	BROKEN,		  /* the right question, then a count of records that are not there */
	BROKEN_OTHER,	  /* the same, for another name: not ours, ignored */
	TRUNCATED,	  /* TC=1, nothing in it: ask again over TCP */
	TRUNCATED_BROKEN, /* TC=1 and cut short mid-record: still means TCP */
	UPPER_CASE,	  /* the answer, its question WWW.EXAMPLE.TEST. */
	SPOOF,		  /* a right-looking answer (A WRONG) from another port */
	PIECES,		  /* over TCP: the answer in three writes 20 ms apart, split
			     inside the length and before its last byte */
};

struct server {
	struct loop *loop;
	int udp, tcp, conn;
	struct loop_io *udp_io, *tcp_io, *conn_io;
	struct sockaddr_in addr;
	const enum msg *udp_script, *tcp_script;
	int udp_queries, tcp_queries;
	uint8_t tcp_in[512];
	size_t tcp_have;
	/* PIECES: what is still to be written, and when */
	struct loop_timer *later;
	uint8_t pending[512];
	size_t pending_len, pending_cut[2], n_cuts;
};

/* The message kind m in answer to query, as wire bytes (*len); NULL for END. */
static uint8_t *build(const ldns_pkt *query, enum msg m, size_t *len)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(query), 0));
	ldns_rr *a = NULL;
	uint8_t *wire = NULL;
	/* Only the right answer holds RIGHT: a wrong one taken shows. */
	const char *rr = m == GOOD || m == UPPER_CASE || m == PIECES ? QNAME " 300 IN A " RIGHT
								     : QNAME " 300 IN A " WRONG;
	assert_int_equal(ldns_rr_new_frm_str(&a, rr, 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_set_id(p, ldns_pkt_id(query) + (m == OTHER_ID));
	ldns_pkt_set_qr(p, m != NO_QR);
	ldns_pkt_set_aa(p, 1);
	ldns_pkt_set_rcode(p, m == FORMERR_BARE	 ? LDNS_RCODE_FORMERR
			      : m == NOTIMP_BARE ? LDNS_RCODE_NOTIMPL
						 : LDNS_RCODE_NOERROR);
	if (m == OTHER_NAME || m == BROKEN_OTHER || m == UPPER_CASE) {
		ldns_rdf *owner = NULL;
		assert_int_equal(ldns_str2rdf_dname(&owner, m == UPPER_CASE ? "WWW.EXAMPLE.TEST."
									    : "other.example.test."),
				 LDNS_STATUS_OK);
		ldns_rdf_deep_free(ldns_rr_owner(q));
		ldns_rr_set_owner(q, owner);
	}
	if (m == OTHER_TYPE)
		ldns_rr_set_type(q, LDNS_RR_TYPE_AAAA);
	if (m == OTHER_CLASS)
		ldns_rr_set_class(q, LDNS_RR_CLASS_CH);
	if (m == TRUNCATED || m == TRUNCATED_BROKEN)
		ldns_pkt_set_tc(p, 1);
	if (m != NO_QUESTION && m != FORMERR_BARE && m != NOTIMP_BARE) {
		ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
		q = NULL;
		if (m == TWO_QUESTIONS)
			ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION,
					 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(p), 0)));
	}
	if (m != TRUNCATED && m != FORMERR_BARE && m != NOTIMP_BARE) {
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, a);
		a = NULL;
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	if (m == BROKEN || m == BROKEN_OTHER)
		wire[7] = 3; /* ANCOUNT 3, one record there */
	if (m == TRUNCATED_BROKEN)
		*len -= 2; /* cut inside the A record's address */
	if (m == SHORT)
		*len = 6;
	if (m == EMPTY)
		*len = 0;
	ldns_rr_free(q);
	ldns_rr_free(a);
	ldns_pkt_free(p);
	return wire;
}

static void on_udp(void *arg, int fd, unsigned what)
{
	struct server *s = arg;
	uint8_t buf[512];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	ldns_pkt *query = NULL;
	assert_int_equal(ldns_wire2pkt(&query, buf, (size_t)n), LDNS_STATUS_OK);
	s->udp_queries++;
	for (const enum msg *m = s->udp_script; *m != END; m++) {
		size_t len;
		uint8_t *wire = build(query, *m, &len);
		int out = fd;
		if (*m == SPOOF) {
			struct sockaddr_in other = s->addr;
			other.sin_port = 0;
			out = socket(AF_INET, SOCK_DGRAM, 0);
			assert_true(out >= 0);
			assert_int_equal(bind(out, (struct sockaddr *)&other, sizeof(other)), 0);
		}
		assert_int_equal(sendto(out, wire, len, 0, (struct sockaddr *)&from, fromlen), (ssize_t)len);
		if (out != fd)
			close(out);
		free(wire);
	}
	ldns_pkt_free(query);
}

/* Write the next piece of a PIECES answer: up to the next cut, or the rest. */
static void write_piece(void *arg)
{
	struct server *s = arg;
	size_t end = s->n_cuts ? s->pending_cut[0] : s->pending_len;
	assert_int_equal(write(s->conn, s->pending, end), (ssize_t)end);
	memmove(s->pending, s->pending + end, s->pending_len - end);
	s->pending_len -= end;
	if (s->n_cuts) {
		s->pending_cut[0] = s->pending_cut[1] - end;
		s->n_cuts--;
		loop_timer_start(s->later, 20000);
	}
}

static void on_conn(void *arg, int fd, unsigned what)
{
	struct server *s = arg;
	ssize_t n = read(fd, s->tcp_in + s->tcp_have, sizeof(s->tcp_in) - s->tcp_have);
	if (n <= 0) {
		loop_io_free(s->conn_io);
		s->conn_io = NULL;
		return;
	}
	s->tcp_have += (size_t)n;
	if (s->tcp_have < 2 || s->tcp_have < 2 + (size_t)ldns_read_uint16(s->tcp_in))
		return;
	ldns_pkt *query = NULL;
	assert_int_equal(ldns_wire2pkt(&query, s->tcp_in + 2, ldns_read_uint16(s->tcp_in)), LDNS_STATUS_OK);
	s->tcp_queries++;
	s->tcp_have = 0;
	for (const enum msg *m = s->tcp_script; *m != END; m++) {
		size_t len;
		uint8_t *wire = build(query, *m, &len);
		uint8_t prefix[2] = {(uint8_t)(len >> 8), (uint8_t)len};
		if (*m == PIECES) {
			/* one byte of the length, the rest but one byte, the last */
			memcpy(s->pending, prefix, 2);
			memcpy(s->pending + 2, wire, len);
			s->pending_len = len + 2;
			s->pending_cut[0] = 1;
			s->pending_cut[1] = len + 1;
			s->n_cuts = 2;
			write_piece(s);
		} else {
			assert_int_equal(write(fd, prefix, 2), 2);
			assert_int_equal(write(fd, wire, len), (ssize_t)len);
		}
		free(wire);
	}
	ldns_pkt_free(query);
}

static void on_accept(void *arg, int fd, unsigned what)
{
	struct server *s = arg;
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	if (s->conn_io) {
		loop_io_free(s->conn_io);
		close(s->conn);
	}
	s->conn = c;
	s->conn_io = loop_io_new(s->loop, c, LOOP_READ, on_conn, s);
	assert_non_null(s->conn_io);
}

/* A UDP and a TCP socket on one port of 127.0.0.1, watched by loop. */
static void server_start(struct server *s, struct loop *l, const enum msg *udp_script,
			 const enum msg *tcp_script)
{
	memset(s, 0, sizeof(*s));
	s->loop = l;
	s->conn = -1;
	s->udp_script = udp_script;
	s->tcp_script = tcp_script;
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(s->udp >= 0);
	assert_int_equal(bind(s->udp, (struct sockaddr *)&s->addr, sizeof(s->addr)), 0);
	socklen_t len = sizeof(s->addr);
	assert_int_equal(getsockname(s->udp, (struct sockaddr *)&s->addr, &len), 0);
	s->tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(s->tcp >= 0);
	int one = 1;
	setsockopt(s->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s->tcp, (struct sockaddr *)&s->addr, sizeof(s->addr)), 0);
	assert_int_equal(listen(s->tcp, 4), 0);
	s->later = loop_timer_new(l, write_piece, s);
	assert_non_null(s->later);
	s->udp_io = loop_io_new(l, s->udp, LOOP_READ, on_udp, s);
	s->tcp_io = loop_io_new(l, s->tcp, LOOP_READ, on_accept, s);
	assert_non_null(s->udp_io);
	assert_non_null(s->tcp_io);
}

static void server_stop(struct server *s)
{
	loop_timer_free(s->later);
	loop_io_free(s->udp_io);
	loop_io_free(s->tcp_io);
	if (s->conn_io)
		loop_io_free(s->conn_io);
	if (s->conn >= 0)
		close(s->conn);
	close(s->udp);
	close(s->tcp);
}

struct outcome {
	struct loop *loop;
	int calls;
	int err;
	ldns_pkt *pkt;
	int tcp;
};

static void on_answer(void *arg, struct dns_answer *ans)
{
	struct outcome *o = arg;
	o->calls++;
	o->err = ans->err;
	o->pkt = ans->pkt;
	o->tcp = ans->tcp;
	loop_break(o->loop);
}

/* Ask QNAME A of a server that sends udp_script (and tcp_script over TCP);
 * the outcome in *o, the engine's mismatch count in *mismatched. */
static void ask(const enum msg *udp_script, const enum msg *tcp_script, struct outcome *o,
		unsigned long *mismatched)
{
	struct loop *l = NULL;
	struct dns_engine *e = NULL;
	struct server s;
	struct dns_opts opts = DNS_OPTS_INIT;
	opts.timeout_ms = 400;
	opts.retries = 0;
	assert_int_equal(loop_new(&l), 0);
	assert_int_equal(dns_engine_new(l, &opts, &e), 0);
	server_start(&s, l, udp_script, tcp_script);
	memset(o, 0, sizeof(*o));
	o->loop = l;
	ldns_rdf *qname = NULL;
	assert_int_equal(ldns_str2rdf_dname(&qname, QNAME), LDNS_STATUS_OK);
	assert_int_equal(dns_query(e, (struct sockaddr *)&s.addr, sizeof(s.addr), qname, LDNS_RR_TYPE_A, 0,
				   on_answer, o),
			 0);
	ldns_rdf_deep_free(qname);
	while (o->calls == 0)
		assert_int_equal(loop_run(l), 0);
	struct dns_stats st;
	dns_engine_stats(e, &st);
	*mismatched = st.mismatched;
	assert_int_equal(s.udp_queries, 1); /* no retransmission: retries 0 */
	dns_engine_free(e);
	server_stop(&s);
	loop_free(l);
}

/* The address in the answer's A record, "" when there is none. */
static const char *answer_addr(const struct outcome *o, char *buf, size_t len)
{
	buf[0] = '\0';
	ldns_rr_list *an = o->pkt ? ldns_pkt_answer(o->pkt) : NULL;
	if (an && ldns_rr_list_rr_count(an) == 1) {
		char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0));
		snprintf(buf, len, "%s", t);
		free(t);
	}
	return buf;
}

/* Ask (ask()) and check the outcome: the error, whether it came over TCP,
 * the address in its A record ("" for none) and how many messages were
 * ignored. Returns the answer, which the caller frees, or NULL. */
static ldns_pkt *expect(const enum msg *udp, const enum msg *tcp, int err, int over_tcp, const char *addr,
			unsigned long mismatched)
{
	struct outcome o;
	unsigned long seen_mismatched;
	char got[64];
	ask(udp, tcp, &o, &seen_mismatched);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.err, err);
	assert_int_equal(o.tcp, over_tcp);
	assert_string_equal(answer_addr(&o, got, sizeof(got)), addr);
	assert_int_equal(seen_mismatched, mismatched);
	return o.pkt;
}

/* Each kind of wrong message, alone before the right answer: ignored and
 * counted, and the right answer taken. */
static void test_ignored_then_right(void **state)
{
	(void)state;
	static const enum msg wrong[] = {OTHER_ID,    OTHER_NAME,    OTHER_TYPE, OTHER_CLASS, NO_QR,
					 NO_QUESTION, TWO_QUESTIONS, SHORT,	 EMPTY,	      BROKEN_OTHER};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		enum msg script[] = {wrong[i], GOOD, END};
		ldns_pkt *p = expect(script, NULL, DNS_OK, 0, RIGHT, 1);
		assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		ldns_pkt_free(p);
	}
}

/* All of them at once, and never the right one: a timeout, not an answer. */
static void test_only_wrong_times_out(void **state)
{
	(void)state;
	static const enum msg script[] = {OTHER_ID,    NO_QR,	      OTHER_NAME, OTHER_TYPE, OTHER_CLASS,
					  NO_QUESTION, TWO_QUESTIONS, SHORT,	  EMPTY,      BROKEN_OTHER,
					  END};
	assert_null(expect(script, NULL, DNS_ETIMEOUT, 0, "", 10));
}

/* The question's name is compared without regard to case. */
static void test_name_case(void **state)
{
	(void)state;
	static const enum msg script[] = {UPPER_CASE, END};
	ldns_pkt_free(expect(script, NULL, DNS_OK, 0, RIGHT, 0));
}

/* FORMERR or NOTIMP with no question: accepted on ID and address (a server
 * that cannot parse a query cannot echo its question). */
static void test_bare_errors(void **state)
{
	(void)state;
	static const enum msg formerr[] = {FORMERR_BARE, GOOD, END};
	static const enum msg notimp[] = {OTHER_ID, NOTIMP_BARE, GOOD, END};
	ldns_pkt *p = expect(formerr, NULL, DNS_OK, 0, "", 0);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	ldns_pkt_free(p);
	p = expect(notimp, NULL, DNS_OK, 0, "", 1);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTIMPL);
	ldns_pkt_free(p);
}

/* An answer to this query that ldns cannot parse is malformed; one to
 * another question is not ours and ignored. */
static void test_broken(void **state)
{
	(void)state;
	static const enum msg script[] = {BROKEN_OTHER, OTHER_ID, BROKEN, GOOD, END};
	assert_null(expect(script, NULL, DNS_EMALFORMED, 0, "", 2));
}

/* TC=1 over UDP: asked again over TCP, where messages that are not the
 * answer are skipped the same way. */
static void test_truncated_then_tcp(void **state)
{
	(void)state;
	static const enum msg udp[] = {OTHER_ID, TRUNCATED, END};
	static const enum msg tcp[] = {OTHER_ID, OTHER_NAME, NO_QR, TRUNCATED, END};
	static const enum msg udp_broken[] = {TRUNCATED_BROKEN, END};
	static const enum msg tcp_good[] = {OTHER_TYPE, GOOD, END};
	/* Over TCP TC=1 means nothing more: that answer (empty) is the one;
	 * ignored: OTHER_ID over UDP, three over TCP. */
	ldns_pkt *p = expect(udp, tcp, DNS_OK, 1, "", 4);
	assert_true(ldns_pkt_tc(p));
	ldns_pkt_free(p);
	/* A truncated answer cut mid-record still sends the query to TCP. */
	ldns_pkt_free(expect(udp_broken, tcp_good, DNS_OK, 1, RIGHT, 1));
}

/* Over TCP an answer may come in pieces (here split inside the length and
 * before the last byte): it is read whole before it is judged. */
static void test_tcp_pieces(void **state)
{
	(void)state;
	static const enum msg udp[] = {TRUNCATED, END};
	static const enum msg tcp[] = {PIECES, END};
	ldns_pkt_free(expect(udp, tcp, DNS_OK, 1, RIGHT, 0));
}

/* An answer from another port of the same address (a spoofer that guessed
 * the ID and the question) is not the server's: the kernel drops it on the
 * engine's connected socket, and the right one comes through. */
static void test_other_port(void **state)
{
	(void)state;
	static const enum msg script[] = {SPOOF, GOOD, END};
	ldns_pkt_free(expect(script, NULL, DNS_OK, 0, RIGHT, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ignored_then_right),
		cmocka_unit_test(test_only_wrong_times_out),
		cmocka_unit_test(test_name_case),
		cmocka_unit_test(test_bare_errors),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_truncated_then_tcp),
		cmocka_unit_test(test_other_port),
		cmocka_unit_test(test_tcp_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
