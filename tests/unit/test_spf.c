/* Unit tests of the SPF record parser, term costs and macro expansion
 * (checks/spf_parse.c), on good records and hostile ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "spf_parse.h"

/* Parse s; returns the parser's result, rec filled. */
static int parse(const char *s, struct spf_record *rec)
{
	return spf_parse(s, strlen(s), rec);
}

/* The term a record is bad at ("" for a record that is not one), or NULL
 * when it is valid. */
static const char *bad_term(const char *s)
{
	static char out[256];
	struct spf_record rec;
	int rc = parse(s, &rec);
	const char *r = NULL;
	if (rc != 0) {
		snprintf(out, sizeof(out), "%s", rec.bad_term);
		r = out;
	}
	spf_record_release(&rec);
	return r;
}

static void test_is_record(void **state)
{
	(void)state;
	assert_true(spf_is_record("v=spf1", 6));
	assert_true(spf_is_record("v=spf1 -all", 11));
	assert_true(spf_is_record("V=SPF1 -all", 11));
	assert_false(spf_is_record(" v=spf1 -all", 12)); /* leading white space */
	assert_false(spf_is_record("v=spf10 -all", 12));
	assert_false(spf_is_record("v=spf1\t-all", 11));
	assert_false(spf_is_record("v=spf", 5));
	assert_false(spf_is_record("", 0));
	assert_false(spf_is_record("v=spf1\0 -all", 12));
}

static void test_valid(void **state)
{
	(void)state;
	const char *good[] = {
		"v=spf1",
		"v=spf1 ",
		"v=spf1  -all  ",
		"v=spf1 a mx -all",
		"v=spf1 a/24 mx/24//64 a//64 a:example.org/0//0 mx:mail.example.org ~all",
		"v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:db8::/32 ip6:::1 ?all",
		"v=spf1 include:_spf.example.org include:example.org. -all",
		"v=spf1 exists:%{i}._spf.%{d} exists:%{ir}.%{v}._spf.%{d2} -all",
		"v=spf1 exists:%{l1r-}.example.org -all",
		"v=spf1 ptr ptr:example.org -all",
		"v=spf1 redirect=_spf.example.org",
		"v=spf1 -all exp=explain.example.org",
		"v=spf1 foo=bar x.y_z-1=%{c} empty= -all",
		"v=spf1 a:%{d}",
		"v=spf1 a:example.1-2",
		"v=spf1 Include:Example.ORG MX -ALL",
		"v=spf1 exists:%%.example.org exists:%_x.example.org exists:%-y.example.org",
		/* the edges of visible ASCII (RFC 7208 macro-literal: %x21-24 / %x26-7E) */
		"v=spf1 exists:!a~.example.org foo=!~ -all",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *bad = bad_term(good[i]);
		if (bad)
			fail_msg("'%s' should be valid; bad at '%s'", good[i], bad);
	}
}

static void test_invalid(void **state)
{
	(void)state;
	struct {
		const char *record, *term;
	} bad[] = {
		{"v=spf1 ip4:192.0.2.300 -all", "ip4:192.0.2.300"},
		{"v=spf1 ip4:192.0.2.1/33", "ip4:192.0.2.1/33"},
		{"v=spf1 ip4:192.0.2.1/024", "ip4:192.0.2.1/024"},
		{"v=spf1 ip4:192.0.2.1/99999999999999999999", "ip4:192.0.2.1/99999999999999999999"},
		{"v=spf1 ip6:2001:db8::/129", "ip6:2001:db8::/129"},
		{"v=spf1 ip6:192.0.2.1", "ip6:192.0.2.1"},
		{"v=spf1 ip4:", "ip4:"},
		{"v=spf1 a:example.org/33", "a:example.org/33"},
		{"v=spf1 mx//129", "mx//129"},
		{"v=spf1 include:", "include:"},
		{"v=spf1 include", "include"},
		{"v=spf1 include:localhost", "include:localhost"},
		{"v=spf1 include:192.0.2.1", "include:192.0.2.1"},
		{"v=spf1 include:example.-org", "include:example.-org"},
		{"v=spf1 exists:%{x}.example.org", "exists:%{x}.example.org"},
		{"v=spf1 exists:%{c}.example.org", "exists:%{c}.example.org"},
		{"v=spf1 exists:%{i0}.example.org", "exists:%{i0}.example.org"},
		{"v=spf1 exists:%{i.example.org", "exists:%{i.example.org"},
		{"v=spf1 exists:50%.example.org", "exists:50%.example.org"},
		{"v=spf1 all:foo", "all:foo"},
		{"v=spf1 +", "+"},
		{"v=spf1 -foo", "-foo"},
		{"v=spf1 a mx ipv4:192.0.2.1", "ipv4:192.0.2.1"},
		{"v=spf1 redirect=a.example redirect=b.example", "redirect=b.example"},
		{"v=spf1 exp=a.example exp=b.example", "exp=b.example"},
		{"v=spf1 redirect=", "redirect="},
		{"v=spf1 =foo", "=foo"},
		{"v=spf1 a:ex\x01mple.org", "a:ex\x01mple.org"},
		{"v=spf1 exists:a\x7f.example.org", "exists:a\x7f.example.org"},
		{"v=spf1 foo=a\x7f", "foo=a\x7f"},
		{"v=spf1 a:\xc3\xa9xample.org", "a:\xc3\xa9xample.org"},
		{" v=spf1 -all", ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *got = bad_term(bad[i].record);
		if (!got)
			fail_msg("'%s' should be invalid", bad[i].record);
		if (strcmp(got, bad[i].term) != 0)
			fail_msg("'%s': bad at '%s', expected '%s'", bad[i].record, got, bad[i].term);
	}
}

/* A byte outside visible ASCII is refused as such, before anything else is
 * judged about the term. */
static void test_invisible(void **state)
{
	(void)state;
	const char *records[] = {"v=spf1 exists:a\x7f.example.org", "v=spf1 foo=a\x7f",
				 "v=spf1 a:ex\x01mple.org"};
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		struct spf_record rec;
		assert_int_not_equal(parse(records[i], &rec), 0);
		assert_string_equal(rec.error, "a character that is not visible ASCII");
		spf_record_release(&rec);
	}
}

static void test_terms(void **state)
{
	(void)state;
	struct spf_record rec;
	assert_int_equal(parse("v=spf1 ~a:ex.org/24//64 ip4:192.0.2.0/24 include:x.org redirect=r.org -all "
			       "exp=e.org",
			       &rec),
			 0);
	assert_int_equal(rec.n, 6);
	assert_int_equal(rec.terms[0].kind, SPF_A);
	assert_int_equal(rec.terms[0].qualifier, '~');
	assert_string_equal(rec.terms[0].domain, "ex.org");
	assert_int_equal(rec.terms[0].cidr4, 24);
	assert_int_equal(rec.terms[0].cidr6, 64);
	assert_string_equal(rec.terms[0].text, "~a:ex.org/24//64"); /* as written */
	assert_int_equal(rec.terms[1].kind, SPF_IP4);
	assert_string_equal(rec.terms[1].text, "ip4:192.0.2.0/24");
	assert_int_equal(rec.terms[1].cidr4, 24);
	assert_int_equal(rec.redirect, 3);
	assert_int_equal(rec.exp, 5);
	assert_true(rec.has_all);
	/* redirect beside all costs nothing: it is ignored */
	int cost = 0;
	for (size_t i = 0; i < rec.n; i++)
		cost += spf_term_cost(&rec, &rec.terms[i]);
	assert_int_equal(cost, 2);
	spf_record_release(&rec);

	assert_int_equal(parse("v=spf1 a mx ptr exists:x.org include:y.org ip4:192.0.2.1 ip6:::1 "
			       "redirect=z.org exp=e.org",
			       &rec),
			 0);
	cost = 0;
	for (size_t i = 0; i < rec.n; i++)
		cost += spf_term_cost(&rec, &rec.terms[i]);
	assert_int_equal(cost, 6); /* a mx ptr exists include redirect */
	assert_false(rec.has_all);
	spf_record_release(&rec);

	assert_int_equal(parse("v=spf1 exists:%{i}.%{d}", &rec), 0);
	assert_int_equal(rec.terms[0].macros, SPF_MACRO_BIT('i') | SPF_MACRO_BIT('d'));
	spf_record_release(&rec);
}

static void test_hostile(void **state)
{
	(void)state;
	struct spf_record rec;
	/* a NUL byte inside a term */
	const char nul[] = "v=spf1 ip4:192.0.2.1\0 -all";
	assert_int_equal(spf_parse(nul, sizeof(nul) - 1, &rec), -1);
	assert_string_equal(rec.bad_term, "ip4:192.0.2.1");
	assert_string_equal(rec.error, "a NUL byte");
	spf_record_release(&rec);
	/* a very long record: 4000 terms */
	size_t n = 4000;
	char *big = malloc(7 + n * 8 + 1);
	assert_non_null(big);
	size_t cap = 7 + n * 8 + 1;
	size_t at = (size_t)snprintf(big, cap, "v=spf1");
	for (size_t i = 0; i < n; i++)
		at += (size_t)snprintf(big + at, cap - at, " a:h.org");
	assert_int_equal(spf_parse(big, at, &rec), 0);
	assert_int_equal(rec.n, n);
	spf_record_release(&rec);
	/* nothing but spaces, and one-letter terms as densely as possible */
	memset(big + 6, ' ', at - 6);
	assert_int_equal(spf_parse(big, at, &rec), 0);
	assert_int_equal(rec.n, 0);
	spf_record_release(&rec);
	for (size_t i = 6; i + 1 < at; i += 2)
		big[i] = ' ', big[i + 1] = 'a';
	assert_int_equal(spf_parse(big, at, &rec), 0);
	assert_int_equal(rec.n, (at - 6) / 2);
	spf_record_release(&rec);
	/* a macro with a huge label count, and one with many delimiters */
	assert_int_equal(parse("v=spf1 exists:%{d99999}.x.org", &rec), -1);
	spf_record_release(&rec);
	assert_int_equal(parse("v=spf1 exists:%{d2r.-+,/_=.-+,/_=}.x.org", &rec), 0);
	spf_record_release(&rec);
	/* every byte value as a one-byte term never crashes */
	for (int c = 1; c < 256; c++) {
		char s[9] = "v=spf1 x";
		s[7] = (char)c;
		(void)spf_parse(s, 8, &rec);
		spf_record_release(&rec);
	}
	free(big);
}

static void test_expand(void **state)
{
	(void)state;
	char *e;
	e = spf_expand("%{d}", "example.org", "example.org");
	assert_string_equal(e, "example.org");
	free(e);
	e = spf_expand("_spf.%{d2}", "a.b.example.org", "x.org");
	assert_string_equal(e, "_spf.example.org");
	free(e);
	e = spf_expand("%{dr}.rev", "a.b.c", "x");
	assert_string_equal(e, "c.b.a.rev");
	free(e);
	e = spf_expand("%{o1r}.x", "a.b", "m.example.org");
	assert_string_equal(e, "m.x");
	free(e);
	e = spf_expand("%{d-}.x", "a-b.c", "x");
	assert_string_equal(e, "a.b.c.x");
	free(e);
	e = spf_expand("example.org.", "d", "o");
	assert_string_equal(e, "example.org");
	free(e);
	/* macros that need a message */
	assert_null(spf_expand("%{i}._spf.example.org", "example.org", "example.org"));
	assert_null(spf_expand("%{s}.x.org", "example.org", "example.org"));
	assert_null(spf_expand("%{l}.x.org", "example.org", "example.org"));
	/* longer than 253: labels dropped from the left */
	char spec[600];
	memset(spec, 0, sizeof(spec));
	for (int i = 0; i < 100; i++)
		strcat(spec, "abcd.");
	strcat(spec, "org");
	e = spf_expand(spec, "d", "o");
	assert_non_null(e);
	assert_true(strlen(e) <= 253);
	assert_string_equal(e + strlen(e) - 8, "abcd.org");
	free(e);
}

static void test_addr_in(void **state)
{
	(void)state;
	unsigned char a[16] = {192, 0, 2, 130}, n[16] = {192, 0, 2, 128};
	assert_true(spf_addr_in(a, n, 25, 4));
	assert_false(spf_addr_in(a, n, 32, 4));
	assert_true(spf_addr_in(a, n, 0, 4));
	assert_false(spf_addr_in(a, n, -1, 4)); /* no prefix: the whole address */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_record), cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),	  cmocka_unit_test(test_invisible),
		cmocka_unit_test(test_terms),	  cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_expand),	  cmocka_unit_test(test_addr_in),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
