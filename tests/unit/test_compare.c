/* The compare check's pure parts (checks/compare_data.c): answers read as
 * RRsets of canonical values and judged old against new, and zone files
 * read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compare_data.h"
#include "dns.h"
#include "util.h"

#define ZONE "example.org."

static ldns_rr *rr_of(const char *text)
{
	ldns_rr *rr = NULL;
	assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
	return rr;
}

/* An answer to name/type: rcode, AA, then records of the answer section and,
 * after a NULL, of the authority section; the list ends with two NULLs. */
static ldns_pkt *answer(const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, int aa, ...)
{
	ldns_pkt *pkt = NULL;
	assert_int_equal(ldns_pkt_query_new_frm_str(&pkt, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_qr(pkt, 1);
	ldns_pkt_set_aa(pkt, aa);
	ldns_pkt_set_rcode(pkt, rcode);
	va_list ap;
	va_start(ap, aa);
	ldns_pkt_section section = LDNS_SECTION_ANSWER;
	for (;;) {
		const char *text = va_arg(ap, const char *);
		if (!text) {
			if (section == LDNS_SECTION_AUTHORITY)
				break;
			section = LDNS_SECTION_AUTHORITY;
			continue;
		}
		ldns_pkt_push_rr(pkt, section, rr_of(text));
	}
	va_end(ap);
	return pkt;
}

/* The view of pkt as the answer to name/type, pkt freed. */
static void view_of(struct arena *a, ldns_pkt *pkt, const char *name, ldns_rr_type type, struct rrset_view *v)
{
	compare_rrset_read(a, pkt, 0, name, type, ZONE, v);
	ldns_pkt_free(pkt);
}

static const char *rdata(struct arena *a, const char *text)
{
	ldns_rr *rr = rr_of(text);
	const char *out = compare_rdata(a, rr);
	ldns_rr_free(rr);
	return out;
}

static void test_rdata(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	/* TXT: the strings joined, however they are split */
	assert_string_equal(rdata(&a, "x.example.org. 300 IN TXT \"v=spf1 mx \" \"-all\""),
			    "\"v=spf1 mx -all\"");
	assert_string_equal(rdata(&a, "x.example.org. 300 IN TXT \"v=spf1 mx -all\""), "\"v=spf1 mx -all\"");
	assert_string_equal(rdata(&a, "x.example.org. 300 IN TXT \"a\" \"\" \"b\""), "\"ab\"");
	/* quotes, backslashes and bytes outside printable ASCII escaped */
	assert_string_equal(rdata(&a, "x.example.org. 300 IN TXT \"say \\\"hi\\\" \\\\ \\009\\255\""),
			    "\"say \\\"hi\\\" \\\\ \\009\\255\"");
	/* names in any case are one name: MX, CNAME, SRV, and SVCB's target */
	assert_string_equal(rdata(&a, "example.org. 300 IN MX 10 Mail.EXAMPLE.org."), "10 mail.example.org.");
	assert_string_equal(rdata(&a, "www.example.org. 300 IN CNAME CDN.Example.NET."), "cdn.example.net.");
	assert_string_equal(rdata(&a, "_imaps._tcp.example.org. 300 IN SRV 0 1 993 IMAP.example.org."),
			    "0 1 993 imap.example.org.");
	assert_string_equal(rdata(&a, "example.org. 300 IN HTTPS 1 Svc.Example.ORG. alpn=h2"),
			    "1 svc.example.org. alpn=h2");
	/* data that is not a name keeps its case */
	assert_string_equal(rdata(&a, "example.org. 300 IN CAA 0 issue \"LetsEncrypt.org\""),
			    "0 issue \"LetsEncrypt.org\"");
	arena_release(&a);
}

static void test_read(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct rrset_view v;

	compare_rrset_read(&a, NULL, DNS_ETIMEOUT, "www." ZONE, LDNS_RR_TYPE_A, ZONE, &v);
	assert_int_equal(v.state, RRSET_UNUSABLE);
	assert_string_equal(v.problem, "timed out");

	view_of(&a, answer("www." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED, 0, NULL, NULL), "www." ZONE,
		LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_UNUSABLE);
	assert_string_equal(v.problem, "REFUSED");

	/* AA=0 and no referral: a server that does not serve the zone */
	view_of(&a,
		answer("www." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 0,
		       "www.example.org. 300 IN A 192.0.2.1", NULL, NULL),
		"www." ZONE, LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_UNUSABLE);
	assert_string_equal(v.problem, "not authoritative (AA=0)");

	view_of(&a, answer("nx." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, 1, NULL, NULL), "nx." ZONE,
		LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_NXDOMAIN);

	/* an alias: no A of its own (the CNAME is compared as name/CNAME) */
	view_of(&a,
		answer("www." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1,
		       "www.example.org. 300 IN CNAME web.example.org.",
		       "web.example.org. 300 IN A 192.0.2.1", NULL, NULL),
		"www." ZONE, LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_NONE);

	/* a set: sorted, duplicates dropped, the lowest TTL, the owner in
	 * any case */
	view_of(&a,
		answer("www." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1,
		       "WWW.example.org. 600 IN A 192.0.2.2", "www.example.org. 300 IN A 192.0.2.1",
		       "www.example.org. 600 IN A 192.0.2.2", NULL, NULL),
		"www." ZONE, LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_DATA);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.values[0], "192.0.2.1");
	assert_string_equal(v.values[1], "192.0.2.2");
	assert_int_equal(v.ttl, 300);
	assert_string_equal(compare_values_text(&a, &v), "192.0.2.1, 192.0.2.2");

	/* the SOA's negative-caching TTL: min(TTL, MINIMUM) */
	view_of(&a,
		answer(ZONE, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, 1,
		       "example.org. 3600 IN SOA ns1.example.net. h.example.org. 1 2 3 4 900", NULL, NULL),
		ZONE, LDNS_RR_TYPE_SOA, &v);
	assert_int_equal(v.negative_ttl, 900);
	view_of(&a,
		answer(ZONE, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, 1,
		       "example.org. 300 IN SOA ns1.example.net. h.example.org. 1 2 3 4 900", NULL, NULL),
		ZONE, LDNS_RR_TYPE_SOA, &v);
	assert_int_equal(v.negative_ttl, 300);

	/* a referral to a delegation inside the zone: its NS set is the cut's
	 * NS RRset; another type there, or a name below it, is not the zone's */
	view_of(&a,
		answer("sub." ZONE, LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, 0, NULL,
		       "sub.example.org. 300 IN NS NS.sub.example.org.", NULL),
		"sub." ZONE, LDNS_RR_TYPE_NS, &v);
	assert_int_equal(v.state, RRSET_DATA);
	assert_true(v.referral);
	assert_string_equal(v.values[0], "ns.sub.example.org.");
	view_of(&a,
		answer("a.sub." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 0, NULL,
		       "sub.example.org. 300 IN NS ns.sub.example.org.", NULL),
		"a.sub." ZONE, LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_NONE);
	assert_true(v.referral);
	/* NS records above the zone are no referral inside it (an upward one) */
	view_of(&a,
		answer("www." ZONE, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 0, NULL, "org. 300 IN NS a.org.",
		       NULL),
		"www." ZONE, LDNS_RR_TYPE_A, &v);
	assert_int_equal(v.state, RRSET_UNUSABLE);
	arena_release(&a);
}

/* A view of www/TXT holding a record for each word of text ("a b": two
 * records) with ttl; "" for none, "NX" for NXDOMAIN. */
static void make(struct arena *a, const char *text, unsigned ttl, struct rrset_view *v)
{
	ldns_pkt *pkt = NULL;
	int nx = strcmp(text, "NX") == 0;
	assert_int_equal(ldns_pkt_query_new_frm_str(&pkt, "www." ZONE, LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, 0),
			 LDNS_STATUS_OK);
	ldns_pkt_set_aa(pkt, 1);
	ldns_pkt_set_rcode(pkt, nx ? LDNS_RCODE_NXDOMAIN : LDNS_RCODE_NOERROR);
	char *copy = strdup(text), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w && !nx; w = strtok_r(NULL, " ", &save)) {
		char line[256];
		snprintf(line, sizeof(line), "www.example.org. %u IN TXT %s", ttl, w);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr_of(line));
	}
	free(copy);
	view_of(a, pkt, "www." ZONE, LDNS_RR_TYPE_TXT, v);
}

static void test_judge(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct rrset_view o, n;

	make(&a, "", 300, &o);
	make(&a, "NX", 300, &n);
	assert_int_equal(compare_judge(&o, &n), COMPARE_ABSENT);
	assert_true(compare_agree(&o, &n)); /* no records either way */

	make(&a, "a b", 300, &o);
	make(&a, "b a a", 300, &n); /* order and duplicates do not count */
	assert_int_equal(compare_judge(&o, &n), COMPARE_SAME);

	make(&a, "a", 300, &o);
	make(&a, "NX", 300, &n);
	assert_int_equal(compare_judge(&o, &n), COMPARE_MISSING);
	assert_int_equal(compare_judge(&n, &o), COMPARE_EXTRA);

	make(&a, "a b", 300, &o);
	make(&a, "a c", 300, &n);
	assert_int_equal(compare_judge(&o, &n), COMPARE_VALUE);
	assert_string_equal(compare_values_only(&a, &o, &n), "\"b\"");
	assert_string_equal(compare_values_only(&a, &n, &o), "\"c\"");

	make(&a, "a", 300, &o);
	make(&a, "a", 3600, &n);
	assert_int_equal(compare_judge(&o, &n), COMPARE_TTL);
	assert_true(compare_same_values(&o, &n));
	assert_false(compare_agree(&o, &n));
	assert_string_equal(compare_values_text(&a, &o), "\"a\"");
	make(&a, "", 300, &n);
	assert_string_equal(compare_values_text(&a, &n), "(none)");
	arena_release(&a);
}

/* A zone file of text in TMPDIR; its path (freed by the caller). */
static char *zone_file(const char *text)
{
	char *path = xasprintf("%s/cutover-test-zone.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_zone_read(void **state)
{
	(void)state;
	ldns_rr_list *z = NULL;
	char err[512];
	char *path =
		zone_file("; an export\n@ 300 IN A 192.0.2.1\nwww 300 IN CNAME @\nmail 300 IN MX 10 mx\n");
	assert_int_equal(compare_zone_read(path, ZONE, &z, err, sizeof(err)), 0);
	assert_int_equal(ldns_rr_list_rr_count(z), 3);
	char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(z, 2)));
	assert_string_equal(owner, "mail.example.org.");
	free(owner);
	ldns_rr_list_deep_free(z);
	unlink(path);
	free(path);

	/* $TTL, $ORIGIN, an owner left blank (the one before) */
	path = zone_file("$TTL 600\n$ORIGIN sub.example.org.\nx IN A 192.0.2.1\n  IN AAAA 2001:db8::1\n");
	assert_int_equal(compare_zone_read(path, ZONE, &z, err, sizeof(err)), 0);
	assert_int_equal(ldns_rr_list_rr_count(z), 2);
	owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(z, 1)));
	assert_string_equal(owner, "x.sub.example.org.");
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(z, 1)), 600);
	free(owner);
	ldns_rr_list_deep_free(z);
	unlink(path);
	free(path);

	/* an error after records read: nothing of them left behind (ASan) */
	path = zone_file("a 300 IN A 192.0.2.1\nb 300 IN A 192.0.2.300\nc 300 IN A 192.0.2.3\n");
	assert_int_equal(compare_zone_read(path, ZONE, &z, err, sizeof(err)), -1);
	assert_null(z);
	char *want = xasprintf("%s:2: ", path);
	assert_memory_equal(err, want, strlen(want));
	free(want);
	unlink(path);
	free(path);

	path = zone_file("$INCLUDE /etc/passwd\n");
	assert_int_equal(compare_zone_read(path, ZONE, &z, err, sizeof(err)), -1);
	want = xasprintf("%s:1: ", path);
	assert_memory_equal(err, want, strlen(want));
	free(want);
	unlink(path);
	free(path);

	assert_int_equal(compare_zone_read("/", ZONE, &z, err, sizeof(err)), -1);
	assert_string_equal(err, "/: not a regular file");
	assert_int_equal(compare_zone_read("/nonexistent/zone", ZONE, &z, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/zone: cannot read it: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rdata),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_zone_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
