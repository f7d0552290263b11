/* The resolver's cache (src/resolve.c): an answer is reused while its TTL
 * lasts and asked again once it has run out, and the cache stays within its
 * bound. libunbound forwards to a small DNS server that runs on the same loop
 * (a UDP socket on 127.0.0.1 answered with ldns), so every lookup that reaches
 * the network is counted. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns.h"
#include "loop.h"
#include "resolve.h"

/* The server: every A query gets 192.0.2.<generation>, with TTL ttl. */
struct server {
	int fd;
	struct loop_io *io;
	unsigned queries;
	unsigned generation;
	uint32_t ttl;
	char addr[32];
};

static void serve(void *arg, int fd, unsigned what)
{
	struct server *srv = arg;
	uint8_t buf[4096];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	ldns_pkt *q = NULL;
	if (ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
		return;
	srv->queries++;
	ldns_pkt *a = ldns_pkt_clone(q);
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_ra(a, true);
	ldns_pkt_set_aa(a, true);
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	char *qname = ldns_rdf2str(ldns_rr_owner(question));
	if (strcmp(qname, "alias.example.") == 0) {
		/* An alias with a day-long TTL to a name that does not exist
		 * yet (generation 1), whose absence may be cached for 1 s. */
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, "alias.example. 86400 IN CNAME gone.example.", 0,
						     NULL, NULL),
				 LDNS_STATUS_OK);
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	} else if (strcmp(qname, "gone.example.") == 0 && srv->generation == 1) {
		ldns_rr *soa = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&soa,
						     "example. 1 IN SOA ns.example. h.example. 1 60 60 60 1",
						     0, NULL, NULL),
				 LDNS_STATUS_OK);
		ldns_pkt_set_rcode(a, LDNS_RCODE_NXDOMAIN);
		ldns_pkt_push_rr(a, LDNS_SECTION_AUTHORITY, soa);
	} else if (strncmp(qname, "refused", 7) == 0) {
		ldns_pkt_set_rcode(a, LDNS_RCODE_REFUSED);
	} else if (ldns_rr_get_type(question) == LDNS_RR_TYPE_A) {
		char *owner = ldns_rdf2str(ldns_rr_owner(question));
		char line[512];
		snprintf(line, sizeof(line), "%s %u IN A 192.0.2.%u", owner, srv->ttl, srv->generation);
		free(owner);
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
	}
	free(qname);
	uint8_t *wire = NULL;
	size_t len = 0;
	if (ldns_pkt2wire(&wire, a, &len) == LDNS_STATUS_OK)
		sendto(fd, wire, len, 0, (struct sockaddr *)&from, fromlen);
	free(wire);
	ldns_pkt_free(a);
	ldns_pkt_free(q);
}

struct world {
	struct loop *loop;
	struct dns_engine *engine;
	struct resolver *resolver;
	struct server srv;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	char err[256];
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	w->srv.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(w->srv.fd >= 0);
	assert_int_equal(bind(w->srv.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(w->srv.fd, (struct sockaddr *)&sin, &len), 0);
	snprintf(w->srv.addr, sizeof(w->srv.addr), "127.0.0.1#%u", ntohs(sin.sin_port));
	w->srv.generation = 1;
	w->srv.ttl = 1;
	assert_int_equal(loop_new(&w->loop), 0);
	w->srv.io = loop_io_new(w->loop, w->srv.fd, LOOP_READ, serve, &w->srv);
	assert_non_null(w->srv.io);
	assert_int_equal(dns_engine_new(w->loop, NULL, &w->engine), 0);
	struct resolver_opts ro = {.forwarder = w->srv.addr, .timeout_ms = 1000}; /* lookups: 3000 ms */
	if (resolver_new(w->loop, w->engine, &ro, &w->resolver, err, sizeof(err)) != 0)
		fail_msg("resolver_new: %s", err);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	resolver_free(w->resolver);
	dns_engine_free(w->engine);
	loop_io_free(w->srv.io);
	close(w->srv.fd);
	loop_free(w->loop);
	free(w);
	return 0;
}

struct got {
	struct loop *loop;
	char addr[64];
	const char *err;
	int calls;
	int want; /* break the loop after this many answers */
};

static void on_result(void *arg, const struct resolver_result *res)
{
	struct got *g = arg;
	g->calls++;
	g->err = res->err;
	g->addr[0] = '\0';
	if (res->pkt) {
		ldns_rr_list *ans = ldns_pkt_answer(res->pkt);
		if (ldns_rr_list_rr_count(ans) > 0) {
			char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ans, 0), 0));
			snprintf(g->addr, sizeof(g->addr), "%s", t);
			free(t);
		}
	}
	if (g->calls >= g->want)
		loop_break(g->loop);
}

static void lookup(struct world *w, const char *name, struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->loop = w->loop;
	g->want = 1;
	assert_int_equal(resolver_lookup(w->resolver, name, LDNS_RR_TYPE_A, on_result, g), 0);
	/* Never called from inside resolver_lookup(), even from the cache. */
	assert_int_equal(g->calls, 0);
	assert_int_equal(loop_run(w->loop), 0);
	assert_int_equal(g->calls, 1);
}

static void wake(void *arg)
{
	loop_break(arg);
}

static void sleep_on_loop(struct world *w, uint64_t us)
{
	struct loop_timer *t = loop_timer_new(w->loop, wake, w->loop);
	loop_timer_start(t, us);
	assert_int_equal(loop_run(w->loop), 0);
	loop_timer_free(t);
}

static void test_ttl_expiry(void **state)
{
	struct world *w = *state;
	struct got g;
	struct resolver_stats st;

	lookup(w, "x.example.", &g);
	assert_null(g.err);
	assert_string_equal(g.addr, "192.0.2.1");
	assert_int_equal(w->srv.queries, 1);

	/* Within the TTL: the remembered answer, nothing sent. */
	w->srv.generation = 2;
	lookup(w, "x.example.", &g);
	assert_string_equal(g.addr, "192.0.2.1");
	assert_int_equal(w->srv.queries, 1);
	resolver_stats(w->resolver, &st);
	assert_int_equal(st.hits, 1);

	/* After the TTL (1 s; libunbound's own cache counts whole seconds, so
	 * give it two): asked again, and the new value is seen. */
	sleep_on_loop(w, 2200000);
	lookup(w, "x.example.", &g);
	assert_string_equal(g.addr, "192.0.2.2");
	assert_int_equal(w->srv.queries, 2);
}

/* A name behind a long-lived CNAME that does not exist: its absence is kept
 * only for the negative-caching TTL (1 s), not the alias's day, so the name
 * is seen once it is created. */
static void test_negative_behind_cname(void **state)
{
	struct world *w = *state;
	struct got g;
	struct resolver_stats st;

	lookup(w, "alias.example.", &g);
	assert_string_equal(g.addr, "gone.example.");
	resolver_stats(w->resolver, &st);
	unsigned long before = st.lookups;
	w->srv.generation = 2; /* gone.example. exists now */
	sleep_on_loop(w, 2200000);
	lookup(w, "alias.example.", &g);
	resolver_stats(w->resolver, &st);
	assert_int_equal(st.lookups, before + 1);
}

static void test_concurrent_merge(void **state)
{
	struct world *w = *state;
	struct got a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.loop = b.loop = w->loop;
	a.want = 1;
	b.want = 1;
	assert_int_equal(resolver_lookup(w->resolver, "y.example.", LDNS_RR_TYPE_A, on_result, &a), 0);
	assert_int_equal(resolver_lookup(w->resolver, "Y.EXAMPLE.", LDNS_RR_TYPE_A, on_result, &b), 0);
	while (a.calls + b.calls < 2)
		assert_int_equal(loop_run_once(w->loop, 1), 0);
	assert_string_equal(a.addr, "192.0.2.1");
	assert_string_equal(b.addr, "192.0.2.1");
	assert_int_equal(w->srv.queries, 1); /* one query for both */
}

struct hold {
	struct loop *loop;
	const struct resolver_result *res;
};

static void on_hold(void *arg, const struct resolver_result *res)
{
	struct hold *h = arg;
	h->res = resolver_result_hold(res);
	loop_break(h->loop);
}

/* More names than the cache holds: it stays bounded, evicting the least
 * recently used, and a result held by its user survives eviction. */
static void test_bound(void **state)
{
	struct world *w = *state;
	struct got g;
	struct resolver_stats st;
	struct hold h = {w->loop, NULL};

	w->srv.ttl = 3600;
	assert_int_equal(resolver_lookup(w->resolver, "keep.example.", LDNS_RR_TYPE_A, on_hold, &h), 0);
	assert_int_equal(loop_run(w->loop), 0);
	assert_non_null(h.res);
	memset(&g, 0, sizeof(g));
	for (unsigned i = 0; i < 5000; i++) {
		char name[64];
		snprintf(name, sizeof(name), "n%u.example.", i);
		assert_int_equal(resolver_lookup(w->resolver, name, LDNS_RR_TYPE_A, on_result, &g), 0);
		if (i % 500 == 499) {
			g.calls = 0;
			g.want = 500;
			g.loop = w->loop;
			assert_int_equal(loop_run(w->loop), 0);
		}
	}
	resolver_stats(w->resolver, &st);
	assert_true(st.cached <= 4096);
	assert_true(st.cached > 4000);
	assert_true(st.evicted >= 5001 - 4096);
	/* The held answer is intact though evicted... */
	ldns_rr_list *ans = ldns_pkt_answer(h.res->pkt);
	char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ans, 0), 0));
	assert_string_equal(t, "192.0.2.1");
	free(t);
	resolver_result_release(h.res);
	/* ... and keep.example., least recently used, goes to libunbound again
	 * (whose own cache still has it: the server sees nothing new). */
	unsigned long before = st.lookups;
	lookup(w, "keep.example.", &g);
	resolver_stats(w->resolver, &st);
	assert_int_equal(st.lookups, before + 1);
	assert_string_equal(g.addr, "192.0.2.1");
}

/* A lookup that fails among lookups that succeed is a failure: libunbound's
 * event API hands over, with a failure's rcode, whatever its buffer last held
 * (another question's reply), which must never be taken for the answer. */
static void test_failure_among_answers(void **state)
{
	struct world *w = *state;
	struct got ok[20], bad;

	w->srv.ttl = 3600;
	memset(&bad, 0, sizeof(bad));
	bad.loop = w->loop;
	bad.want = 1000;
	for (unsigned i = 0; i < 20; i++) {
		char name[64];
		memset(&ok[i], 0, sizeof(ok[i]));
		ok[i].loop = w->loop;
		ok[i].want = 1000;
		snprintf(name, sizeof(name), "a%u.example.", i);
		assert_int_equal(resolver_lookup(w->resolver, name, LDNS_RR_TYPE_A, on_result, &ok[i]), 0);
	}
	assert_int_equal(resolver_lookup(w->resolver, "refused.example.", LDNS_RR_TYPE_A, on_result, &bad),
			 0);
	sleep_on_loop(w, 3000000);
	assert_int_equal(bad.calls, 1);
	assert_non_null(bad.err);
	assert_string_equal(bad.addr, "");
	for (unsigned i = 0; i < 20; i++) {
		assert_int_equal(ok[i].calls, 1);
		assert_string_equal(ok[i].addr, "192.0.2.1");
	}
}

/* A thousand lookups at once: libunbound gets a few hundred at a time, the
 * rest wait their turn, and every one is answered. */
static void test_queue(void **state)
{
	struct world *w = *state;
	struct got g;
	struct resolver_stats st;

	w->srv.ttl = 3600;
	memset(&g, 0, sizeof(g));
	g.loop = w->loop;
	g.want = 1000;
	for (unsigned i = 0; i < 1000; i++) {
		char name[64];
		snprintf(name, sizeof(name), "q%u.example.", i);
		assert_int_equal(resolver_lookup(w->resolver, name, LDNS_RR_TYPE_A, on_result, &g), 0);
	}
	assert_int_equal(loop_run(w->loop), 0);
	assert_int_equal(g.calls, 1000);
	assert_null(g.err);
	assert_string_equal(g.addr, "192.0.2.1");
	resolver_stats(w->resolver, &st);
	assert_int_equal(st.lookups, 1000);
	assert_true(st.inflight_max >= 100);
	assert_true(st.inflight_max <= 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ttl_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative_behind_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_among_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
