/* Unit tests of the propagation judgments (src/propagation.c): values as the
 * user gives them, answers judged new, old, stale, other or error, and a
 * sweep added up. Answers are made with ldns from zone-file lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns.h"
#include "propagation.h"

#define QNAME "www.example.test."
#define NOW 1000000.0

/* An answer: flags "aa", "ra" or both, rcode, then answer-section lines
 * until NULL, then authority-section lines after a "--" line. */
static ldns_pkt *answer(const char *flags, ldns_pkt_rcode rcode, ...)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = NULL;
	va_list ap;
	int section = LDNS_SECTION_ANSWER;
	assert_non_null(p);
	assert_int_equal(ldns_rr_new_question_frm_str(&q, QNAME " IN A", NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_set_qr(p, 1);
	ldns_pkt_set_aa(p, strstr(flags, "aa") != NULL);
	ldns_pkt_set_ra(p, strstr(flags, "ra") != NULL);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	va_start(ap, rcode);
	for (const char *line; (line = va_arg(ap, const char *));) {
		if (strcmp(line, "--") == 0) {
			section = LDNS_SECTION_AUTHORITY;
			continue;
		}
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, (ldns_pkt_section)section, rr);
	}
	va_end(ap);
	return p;
}

static void values(struct prop_values *v, ldns_rr_type type, const char *const *texts)
{
	char err[256];
	prop_values_init(v, type);
	for (; *texts; texts++)
		if (prop_values_add(v, *texts, err, sizeof(err)) != 0)
			fail_msg("%s: %s", *texts, err);
}

/* Judge pkt (freed) against expect (and old, may be NULL) as a resolver's
 * (auth 0) or an authoritative server's answer. */
static void judge(const struct prop_values *expect, const struct prop_values *old, ldns_pkt *pkt, int auth,
		  struct prop_result *r)
{
	prop_judge(expect, old, QNAME, 0, pkt, NOW, auth, r);
	ldns_pkt_free(pkt);
}

static void test_values(void **state)
{
	struct prop_values v;
	char err[256], *t;
	(void)state;
	values(&v, LDNS_RR_TYPE_A,
	       (const char *[]){"198.51.100.20", "198.51.100.77/24", "198.51.100.20", NULL});
	t = prop_values_text(&v);
	assert_string_equal(t, "198.51.100.0/24, 198.51.100.20"); /* masked, de-duplicated, sorted */
	free(t);
	assert_int_equal(prop_values_add(&v, "300.1.1.1", err, sizeof(err)), -1);
	assert_string_equal(err, "'300.1.1.1' is not a value of type A");
	assert_int_equal(prop_values_add(&v, "198.51.100.0/33", err, sizeof(err)), -1);
	assert_int_equal(prop_values_add(&v, "/24", err, sizeof(err)), -1);
	assert_int_equal(prop_values_add(&v, "CNAME cdn.example.net", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not both"));
	prop_values_release(&v);

	values(&v, LDNS_RR_TYPE_MX, (const char *[]){"10 Mail.Example.Test", NULL});
	assert_string_equal(v.exact[0], "10 mail.example.test.");
	prop_values_release(&v);
	values(&v, LDNS_RR_TYPE_TXT, (const char *[]){"\"v=spf1 -all\"", NULL});
	assert_string_equal(v.exact[0], "v=spf1 -all");
	prop_values_release(&v);
	values(&v, LDNS_RR_TYPE_AAAA, (const char *[]){"2001:DB8:0::1", "2001:db8::/32", NULL});
	t = prop_values_text(&v);
	assert_string_equal(t, "2001:db8::/32, 2001:db8::1");
	free(t);
	assert_int_equal(prop_values_add(&v, "CNAME", err, sizeof(err)), -1);
	prop_values_release(&v);
}

static void test_whole_set(void **state)
{
	struct prop_values e;
	struct prop_result r;
	(void)state;
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", "198.51.100.21", NULL});
	/* order does not matter */
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.100.21",
		     QNAME " 300 IN A 198.51.100.20", NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_NEW);
	assert_int_equal(r.n_answer, 2);
	assert_string_equal(r.answer[0], "198.51.100.20");
	prop_result_release(&r);
	/* one of the two is not the set: old (no --old), with flips_at */
	judge(&e, NULL, answer("ra", LDNS_RCODE_NOERROR, QNAME " 120 IN A 198.51.100.20", NULL), 0, &r);
	assert_int_equal(r.status, PROP_OLD);
	assert_int_equal(r.ttl, 120);
	assert_true(r.flips_at == NOW + 120);
	prop_result_release(&r);
	/* a value beside the set: not new */
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.100.20",
		     QNAME " 300 IN A 198.51.100.21", QNAME " 300 IN A 192.0.2.10", NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_OLD);
	prop_result_release(&r);
	prop_values_release(&e);

	/* a range matches any address in it, and must hold one */
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.0/24", NULL});
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.100.1",
		     QNAME " 300 IN A 198.51.100.254", NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_NEW);
	prop_result_release(&r);
	judge(&e, NULL, answer("ra", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.101.1", NULL), 0, &r);
	assert_int_equal(r.status, PROP_OLD);
	prop_result_release(&r);
	prop_values_release(&e);
}

static void test_old_other_negative(void **state)
{
	struct prop_values e, o;
	struct prop_result r;
	(void)state;
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", NULL});
	values(&o, LDNS_RR_TYPE_A, (const char *[]){"192.0.2.10", "192.0.2.11", NULL});
	judge(&e, &o, answer("ra", LDNS_RCODE_NOERROR, QNAME " 60 IN A 192.0.2.11", NULL), 0, &r);
	assert_int_equal(r.status, PROP_OLD); /* part of the old set is old */
	prop_result_release(&r);
	judge(&e, &o, answer("ra", LDNS_RCODE_NOERROR, QNAME " 60 IN A 203.0.113.9", NULL), 0, &r);
	assert_int_equal(r.status, PROP_OTHER);
	assert_true(r.flips_at == 0);
	prop_result_release(&r);
	/* a cached NXDOMAIN: old without --old, held min(SOA TTL, MINIMUM) */
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NXDOMAIN, "--",
		     "example.test. 200 IN SOA ns.example.test. h.example.test. 1 2 3 4 90", NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_OLD);
	assert_int_equal(r.negative, 1);
	assert_int_equal(r.ttl, 90);
	assert_true(r.flips_at == NOW + 90);
	prop_result_release(&r);
	judge(&e, &o, answer("ra", LDNS_RCODE_NXDOMAIN, NULL), 0, &r);
	assert_int_equal(r.status, PROP_OTHER);
	prop_result_release(&r);
	prop_values_release(&o);
	prop_values_release(&e);

	/* an empty expected set: the name is to have no record */
	prop_values_init(&e, LDNS_RR_TYPE_A);
	judge(&e, NULL, answer("aa", LDNS_RCODE_NOERROR, NULL), 1, &r);
	assert_int_equal(r.status, PROP_NEW);
	prop_result_release(&r);
	prop_values_release(&e);
}

static void test_errors(void **state)
{
	struct prop_values e;
	struct prop_result r;
	(void)state;
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", NULL});
	prop_judge(&e, NULL, QNAME, DNS_ETIMEOUT, NULL, NOW, 0, &r);
	assert_int_equal(r.status, PROP_ERROR);
	assert_string_equal(r.error, "timed out");
	prop_result_release(&r);
	judge(&e, NULL, answer("ra", LDNS_RCODE_SERVFAIL, NULL), 0, &r);
	assert_int_equal(r.status, PROP_ERROR);
	assert_string_equal(r.error, "SERVFAIL");
	prop_result_release(&r);
	/* an authoritative server must say AA */
	judge(&e, NULL, answer("", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.100.20", NULL), 1, &r);
	assert_int_equal(r.status, PROP_ERROR);
	prop_result_release(&r);
	/* a "resolver" that refers: not a resolver */
	judge(&e, NULL,
	      answer("", LDNS_RCODE_NOERROR, "--", "example.test. 300 IN NS ns.example.test.", NULL), 0, &r);
	assert_int_equal(r.status, PROP_ERROR);
	prop_result_release(&r);
	prop_values_release(&e);
}

static void test_chains(void **state)
{
	struct prop_values e;
	struct prop_result r;
	(void)state;
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", NULL});
	/* a chain followed to its end: the smallest TTL held, the largest
	 * says when nothing of it is left */
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NOERROR, QNAME " 30 IN CNAME cdn.example.net.",
		     "cdn.example.net. 600 IN A 192.0.2.10", NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_OLD);
	assert_string_equal(r.alias, "cdn.example.net.");
	assert_int_equal(r.ttl, 30);
	assert_int_equal(r.ttl_max, 600);
	assert_true(r.flips_at == NOW + 600);
	prop_result_release(&r);
	/* an authoritative server's bare CNAME into another zone cannot say
	 * anything of addresses */
	judge(&e, NULL, answer("aa", LDNS_RCODE_NOERROR, QNAME " 300 IN CNAME cdn.example.net.", NULL), 1,
	      &r);
	assert_int_equal(r.status, PROP_ERROR);
	assert_non_null(strstr(r.error, "in another zone"));
	prop_result_release(&r);
	prop_values_release(&e);
	/* ... but is judged by where it points */
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"CNAME CDN.example.net", NULL});
	judge(&e, NULL, answer("aa", LDNS_RCODE_NOERROR, QNAME " 300 IN CNAME cdn.example.net.", NULL), 1,
	      &r);
	assert_int_equal(r.status, PROP_NEW);
	assert_int_equal(r.alias_only, 1);
	prop_result_release(&r);
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NOERROR, QNAME " 30 IN CNAME old-cdn.example.net.",
		     "old-cdn.example.net. 600 IN A 192.0.2.10", NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_OLD);
	prop_result_release(&r);
	prop_values_release(&e);
	/* a loop ends, with nothing */
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", NULL});
	judge(&e, NULL,
	      answer("ra", LDNS_RCODE_NOERROR, QNAME " 30 IN CNAME a.example.test.",
		     "a.example.test. 30 IN CNAME " QNAME, NULL),
	      0, &r);
	assert_int_equal(r.status, PROP_OLD);
	assert_int_equal(r.negative, 1);
	prop_result_release(&r);
	prop_values_release(&e);
}

static void test_ede_stale(void **state)
{
	struct prop_values e;
	struct prop_result r;
	uint8_t ede[2] = {0, 3}; /* RFC 8914 info-code 3: Stale Answer */
	(void)state;
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", NULL});
	ldns_pkt *p = answer("ra", LDNS_RCODE_NOERROR, QNAME " 30 IN A 192.0.2.10", NULL);
	ldns_edns_option_list *opts = ldns_edns_option_list_new();
	ldns_edns_option_list_push(opts, ldns_edns_new_from_data(LDNS_EDNS_EDE, sizeof(ede), ede));
	ldns_pkt_set_edns_option_list(p, opts);
	ldns_pkt_set_edns_udp_size(p, 1232);
	/* through the wire and back, as the engine delivers it */
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, wire, len), LDNS_STATUS_OK);
	free(wire);
	judge(&e, NULL, p, 0, &r);
	assert_int_equal(r.status, PROP_STALE);
	assert_int_equal(r.ede_stale, 1);
	assert_true(r.flips_at == 0);
	prop_result_release(&r);
	prop_values_release(&e);
	/* by the clock: one second of slack */
	assert_int_equal(prop_stale_by_time(0, NOW), 0);
	assert_int_equal(prop_stale_by_time(NOW - 0.5, NOW), 0);
	assert_int_equal(prop_stale_by_time(NOW - 1.5, NOW), 1);
}

static void test_summary(void **state)
{
	struct prop_values e;
	struct prop_result r[5];
	int kinds[5] = {1, 1, 0, 0, 0};
	struct prop_summary s;
	(void)state;
	values(&e, LDNS_RR_TYPE_A, (const char *[]){"198.51.100.20", NULL});
	judge(&e, NULL, answer("aa", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.100.20", NULL), 1, &r[0]);
	judge(&e, NULL, answer("aa", LDNS_RCODE_NOERROR, QNAME " 300 IN A 192.0.2.10", NULL), 1, &r[1]);
	judge(&e, NULL, answer("ra", LDNS_RCODE_NOERROR, QNAME " 300 IN A 198.51.100.20", NULL), 0, &r[2]);
	judge(&e, NULL, answer("ra", LDNS_RCODE_NOERROR, QNAME " 40 IN A 192.0.2.10", NULL), 0, &r[3]);
	prop_judge(&e, NULL, QNAME, DNS_EREFUSED, NULL, NOW, 0, &r[4]);
	prop_summarize(r, kinds, 5, &s);
	assert_int_equal(s.auth, 2);
	assert_int_equal(s.auth_new, 1);
	assert_int_equal(s.auth_agree, 0);
	assert_int_equal(s.recursive, 3);
	assert_int_equal(s.answered, 2);
	assert_int_equal(s.converged, 1);
	assert_int_equal(s.old, 1);
	assert_int_equal(s.errors, 1);
	assert_true(s.eta == NOW + 40);
	assert_true(prop_ratio(&s) == 0.5);
	assert_false(prop_converged(&s, 0.5)); /* an authoritative server still old */
	s.auth_new = s.auth_answered;
	assert_true(prop_converged(&s, 0.5));
	assert_false(prop_converged(&s, 0.51));
	char *msg = NULL;
	assert_int_equal(prop_problem(&r[4], 0, "lab/192.0.2.53", 0, &msg), CODE_PROPAGATION_UNREACHABLE);
	assert_string_equal(msg, "resolver lab/192.0.2.53 gave no usable answer: connection refused");
	free(msg);
	assert_int_equal(prop_problem(&r[3], 0, "x", 0, &msg), CODE_COUNT); /* old: the summary says it */
	assert_null(msg);
	assert_int_equal(prop_same_answer(&r[0], &r[2]), 1);
	assert_int_equal(prop_same_answer(&r[0], &r[1]), 0);
	for (int i = 0; i < 5; i++)
		prop_result_release(&r[i]);
	prop_values_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_whole_set),
		cmocka_unit_test(test_old_other_negative),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_chains),
		cmocka_unit_test(test_ede_stale),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
