/* The offline audit (audit_run_offline in src/audit.c), the seam the fuzz
 * harnesses feed packets through: every question is answered at once by a
 * function, so a check's findings follow from the answers alone. These
 * tests keep the seam honest (the checks still judge what it answers), and
 * hold the regression tests of what the fuzzers find in the checks. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "dns.h"
#include "util.h"

/* A delegation of example.test to ns1 (IPv4) and ns2 (IPv6). */
static struct delegation *delegation(struct arena *a)
{
	static const char *const ns[] = {"ns1.example.test.", "ns2.example.test."};
	static const char *const addrs[] = {"192.0.2.1", "2001:db8::2"};
	struct delegation *d = arena_alloc(a, sizeof(*d));
	memset(d, 0, sizeof(*d));
	d->name = d->zone = "example.test.";
	d->parent = "test.";
	d->parent_ns = d->child_ns = (const char **)ns;
	d->n_parent_ns = d->n_child_ns = 2;
	d->servers = arena_alloc(a, 2 * sizeof(*d->servers));
	memset(d->servers, 0, 2 * sizeof(*d->servers));
	for (int i = 0; i < 2; i++) {
		struct ns_server *s = &d->servers[i];
		s->name = ns[i];
		if (i == 0) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr;
			sin->sin_family = AF_INET;
			inet_pton(AF_INET, addrs[i], &sin->sin_addr);
			s->addrlen = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->addr;
			sin6->sin6_family = AF_INET6;
			inet_pton(AF_INET6, addrs[i], &sin6->sin6_addr);
			s->addrlen = sizeof(*sin6);
		}
		snprintf(s->addr_text, sizeof(s->addr_text), "%s", addrs[i]);
		s->roles = SERVER_PARENT | SERVER_CHILD;
		s->label = server_label(a, ns[i], addrs[i]);
	}
	d->n_servers = 2;
	return d;
}

/* What each source says: a zone text line per answer record, or an error. */
struct world {
	const struct delegation *d;
	const char *ns1, *ns2, *resolver; /* "OWNER TTL IN TYPE RDATA" or NULL */
	int ns2_err;			  /* ns2 fails so, when not 0 */
	unsigned asked;
};

static ldns_pkt *answer(void *arg, const struct ns_server *server, int rd, const char *name,
			ldns_rr_type type, int *err)
{
	struct world *w = arg;
	const char *text = !server ? w->resolver : server == &w->d->servers[0] ? w->ns1 : w->ns2;
	(void)rd;
	w->asked++;
	if (server == &w->d->servers[1] && w->ns2_err) {
		*err = w->ns2_err;
		return NULL;
	}
	ldns_pkt *pkt = NULL;
	assert_int_equal(ldns_pkt_query_new_frm_str(&pkt, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_qr(pkt, 1);
	ldns_pkt_set_aa(pkt, server != NULL);
	ldns_rr *rr = NULL;
	if (text && ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) == LDNS_STATUS_OK) {
		ldns_rdf *owner = ldns_dname_new_frm_str(name);
		if (ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0)
			ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
		else
			ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
	}
	return pkt;
}

static struct audit_result *run(const char *yaml, struct world *w, struct arena *a, struct ruleset *rs)
{
	char err[512];
	if (rules_load_string(yaml, strlen(yaml), "t.yml", NULL, rs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct audit_rules rules = {rs, 1};
	struct delegation *d = delegation(a);
	w->d = d;
	struct audit_result *res = audit_run_offline(&rules, "example.test", d, answer, w);
	assert_non_null(res);
	return res;
}

/* The finding with code at subject and server (NULL: any), or NULL. */
static const struct finding *find(const struct audit_result *res, const char *code, const char *subject,
				  const char *server)
{
	for (size_t i = 0; i < res->n; i++) {
		const struct finding *f = &res->findings[i];
		if (strcmp(f->code, code) == 0 && f->subject && strcmp(f->subject, subject) == 0 &&
		    (!server || (f->server && strcmp(f->server, server) == 0)))
			return f;
	}
	return NULL;
}

static void test_servers_answer(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct ruleset rs;
	struct world w = {NULL,
			  "www.example.test. 300 IN A 192.0.2.10",
			  "www.example.test. 86400 IN A 192.0.2.10",
			  NULL,
			  0,
			  0};
	struct audit_result *res =
		run("checks:\n  - check: ttl\n    names: [www]\n    types: [A]\n    max: 900\n", &w, &a, &rs);
	/* one question per server, each answered; ns2's TTL is over the limit */
	assert_int_equal(w.asked, 2);
	const struct finding *f =
		find(res, "ttl.too-high", "www.example.test/A", "ns2.example.test/2001:db8::2");
	assert_non_null(f);
	assert_int_equal(f->status, STATUS_FAIL);
	assert_string_equal(f->actual, "86400");
	assert_null(find(res, "ttl.too-high", "www.example.test/A", "ns1.example.test/192.0.2.1"));
	audit_result_free(res);
	ruleset_release(&rs);
	arena_release(&a);
}

static void test_ttl_min(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct ruleset rs;
	/* ns1 still has the TTL lowered for the move, ns2 exactly the minimum */
	struct world w = {NULL,
			  "www.example.test. 300 IN A 198.51.100.20",
			  "www.example.test. 3600 IN A 198.51.100.20",
			  NULL,
			  0,
			  0};
	struct audit_result *res = run(
		"checks:\n  - check: ttl\n    names: [www]\n    types: [A]\n    min: 3600\n    max: 86400\n",
		&w, &a, &rs);
	const struct finding *f =
		find(res, "ttl.too-low", "www.example.test/A", "ns1.example.test/192.0.2.1");
	assert_non_null(f);
	assert_int_equal(f->status, STATUS_WARN);
	assert_string_equal(f->expected, ">= 3600");
	assert_string_equal(f->actual, "300");
	assert_non_null(strstr(f->message, "resolvers ask again every 5 minutes"));
	assert_null(find(res, "ttl.too-low", "www.example.test/A", "ns2.example.test/2001:db8::2"));
	assert_null(find(res, "ttl.too-high", "www.example.test/A", NULL));
	assert_null(find(res, "ttl.ok", "www.example.test/A", NULL));
	assert_non_null(find(res, "ttl.inconsistent", "www.example.test/A", NULL));
	audit_result_free(res);
	ruleset_release(&rs);

	/* both at the minimum: ok, and the message gives the range */
	w.ns1 = w.ns2;
	res = run("checks:\n  - check: ttl\n    names: [www]\n    types: [A]\n    min: 3600\n", &w, &a, &rs);
	f = find(res, "ttl.ok", "www.example.test/A", NULL);
	assert_non_null(f);
	assert_string_equal(f->message, "3600 <= TTL 3600 <= 3600 on 2 servers");
	assert_null(find(res, "ttl.too-low", "www.example.test/A", NULL));
	audit_result_free(res);
	ruleset_release(&rs);

	/* severity: fail makes a TTL left low a failure */
	w.ns1 = "www.example.test. 60 IN A 198.51.100.20";
	res = run("checks:\n  - check: ttl\n    names: [www]\n    types: [A]\n    min: 61\n    severity: "
		  "fail\n",
		  &w, &a, &rs);
	f = find(res, "ttl.too-low", "www.example.test/A", "ns1.example.test/192.0.2.1");
	assert_non_null(f);
	assert_int_equal(f->status, STATUS_FAIL);
	assert_non_null(strstr(f->message, "TTL 60 is below 61: resolvers ask again every 1 minute;"));
	audit_result_free(res);
	ruleset_release(&rs);
	arena_release(&a);
}

static void test_errors_and_lookups(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct ruleset rs;
	/* ns2 times out; the resolver answers the lookup of a record check */
	struct world w = {NULL,		"www.example.test. 300 IN A 192.0.2.10",
			  NULL,		"example.test. 300 IN MX 10 mail.example.test.",
			  DNS_ETIMEOUT, 0};
	struct audit_result *res = run("checks:\n"
				       "  - check: ttl\n    names: [www]\n    types: [A]\n    max: 900\n"
				       "  - check: ns\n"
				       "  - check: record\n    name: \"{domain}\"\n    type: MX\n"
				       "    expect: [\"10 mail.example.test.\"]\n    via: resolver\n",
				       &w, &a, &rs);
	const struct finding *f = find(res, "record.ok", "example.test/MX", NULL);
	assert_non_null(f);
	assert_int_equal(f->status, STATUS_OK);
	f = find(res, "ns.unreachable", "ns2.example.test", "ns2.example.test/2001:db8::2");
	assert_non_null(f);
	assert_int_equal(f->status, STATUS_ERROR);
	/* ns2 never answered: the TTL is judged on ns1 alone (the ns check is
	 * the one that reports a server that does not answer) */
	f = find(res, "ttl.ok", "www.example.test/A", NULL);
	assert_non_null(f);
	assert_non_null(strstr(f->message, "on 1 server"));
	audit_result_free(res);
	ruleset_release(&rs);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servers_answer),
		cmocka_unit_test(test_ttl_min),
		cmocka_unit_test(test_errors_and_lookups),
	};
	return cmocka_run_group_tests_name("audit_offline", tests, NULL, NULL);
}
