/* Unit tests of the MTA-STS and TLS-RPT parsers and MX matching
 * (checks/mtasts_parse.c): the RFCs' own examples, each rule of their
 * grammars, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mtasts_parse.h"

/* Whether some problem (of the kind error, -1: either) has text containing
 * what, on line (0: any). */
static int has_problem(const struct mtasts_problems *ps, int error, unsigned line, const char *what)
{
	for (size_t i = 0; i < ps->n; i++)
		if ((error < 0 || ps->v[i].error == error) && (!line || ps->v[i].line == line) &&
		    strstr(ps->v[i].text, what))
			return 1;
	return 0;
}

/* Every problem's text is printable ASCII and terminated. */
static void assert_printable(const struct mtasts_problems *ps)
{
	assert_true(ps->n <= MTASTS_PROBLEMS_MAX);
	for (size_t i = 0; i < ps->n; i++) {
		assert_non_null(memchr(ps->v[i].text, '\0', sizeof(ps->v[i].text)));
		for (const char *c = ps->v[i].text; *c; c++)
			assert_true(*c >= 0x20 && *c < 0x7f);
	}
}

static int record(const char *text, struct mtasts_record *r)
{
	int rc = mtasts_record_parse(text, strlen(text), r);
	assert_printable(&r->problems);
	assert_int_equal(rc == 0, r->problems.errors == 0);
	return rc;
}

static void test_record_is_sts(void **state)
{
	(void)state;
	assert_true(mtasts_record_is_sts("v=STSv1; id=1", 13));
	assert_true(mtasts_record_is_sts("v=STSv1", 7));
	assert_true(mtasts_record_is_sts("v=STSv1 ;id=1", 13));
	/* the version is case-sensitive (%s"v=STSv1") and first */
	assert_false(mtasts_record_is_sts("v=stsv1; id=1", 13));
	assert_false(mtasts_record_is_sts("V=STSv1; id=1", 13));
	assert_false(mtasts_record_is_sts(" v=STSv1; id=1", 14));
	assert_false(mtasts_record_is_sts("id=1; v=STSv1", 13));
	assert_false(mtasts_record_is_sts("v=STSv10; id=1", 14));
	assert_false(mtasts_record_is_sts("v=STSv", 6));
	assert_false(mtasts_record_is_sts("", 0));
	assert_false(mtasts_record_is_sts("v=spf1 -all", 11));
	/* meant as one, but senders discard them */
	assert_true(mtasts_record_looks_sts("v=stsv1; id=1", 13));
	assert_true(mtasts_record_looks_sts(" v=STSv1; id=1", 14));
	assert_true(mtasts_record_looks_sts("id=1; v=STSv1", 13));
	assert_false(mtasts_record_looks_sts("v=STSv1; id=1", 13));
	assert_false(mtasts_record_looks_sts("v=spf1 -all", 11));
	/* a NUL is a byte like any other */
	assert_false(mtasts_record_is_sts("v=STS\0v1; id=1", 14));
	assert_true(mtasts_record_is_sts("v=STSv1;\0", 9));
}

static void test_record_rfc(void **state)
{
	(void)state;
	struct mtasts_record r;
	/* RFC 8461 3.1's example */
	assert_int_equal(record("v=STSv1; id=20160831085700Z;", &r), 0);
	assert_string_equal(r.id, "20160831085700Z");
	assert_int_equal(r.problems.n, 0);
	/* without the final ';', with blanks around inner ones, an extension */
	assert_int_equal(record("v=STSv1;id=abc", &r), 0);
	assert_int_equal(record("v=STSv1 ;\tid=abc ; ext.v-1_x=va:lue!", &r), 0);
	assert_string_equal(r.id, "abc");
	assert_int_equal(r.problems.n, 0);
	/* 32 characters is the most */
	assert_int_equal(record("v=STSv1; id=0123456789abcdefABCDEF0123456789", &r), 0);
	assert_int_equal(strlen(r.id), 32);
}

static void test_record_errors(void **state)
{
	(void)state;
	struct mtasts_record r;
	assert_int_equal(record("v=STSv1", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "nothing after v=STSv1 (id= is required)"));
	assert_int_equal(record("v=STSv1;", &r), -1);
	assert_int_equal(record("v=STSv1; ", &r), -1);
	/* id is required */
	assert_int_equal(record("v=STSv1; foo=bar", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "no id="));
	assert_string_equal(r.id, "");
	/* names are case-sensitive: ID= is an extension */
	assert_int_equal(record("v=STSv1; ID=abc", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "'ID=' is another field"));
	/* 1 to 32 alphanumerics */
	assert_int_equal(record("v=STSv1; id=", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "not 1 to 32"));
	assert_int_equal(record("v=STSv1; id=0123456789abcdefABCDEF0123456789x", &r), -1);
	assert_int_equal(record("v=STSv1; id=2016-08-31", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc def", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc_1", &r), -1);
	/* no ';' after the version */
	assert_int_equal(record("v=STSv1 id=abc", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "';' should separate"));
	/* empty fields, fields that are no name=value */
	assert_int_equal(record("v=STSv1;; id=abc", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "empty field"));
	assert_int_equal(record("v=STSv1; id=abc; junk", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "not a name=value"));
	assert_int_equal(record("v=STSv1; id=abc; =x", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc; -x=1", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc; x=", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "no value"));
	assert_int_equal(record("v=STSv1; id=abc; x=a=b", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc; x=a b", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc; abcdefghijklmnopqrstuvwxyz0123456=1", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc; abcdefghijklmnopqrstuvwxyz012345=1", &r), 0);
	/* US-ASCII only */
	assert_int_equal(record("v=STSv1; id=abc; x=\xc3\xa9", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "\\xc3"));
	/* not a record at all */
	assert_int_equal(record("v=stsv1; id=abc", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "does not begin with v=STSv1"));
}

static void test_record_notes(void **state)
{
	(void)state;
	struct mtasts_record r;
	/* RFC 8461 3.2: a field given twice, the first counts */
	assert_int_equal(record("v=STSv1; id=first; id=second", &r), 0);
	assert_string_equal(r.id, "first");
	assert_true(has_problem(&r.problems, 0, 0, "id= is given more than once"));
	assert_int_equal(record("v=STSv1; id=first; v=STSv2", &r), 0);
	assert_true(has_problem(&r.problems, 0, 0, "v= is given again"));
	/* ... even when the second would be the valid one */
	assert_int_equal(record("v=STSv1; id=bad-id; id=good", &r), -1);
	assert_string_equal(r.id, "");
	/* blanks the grammar has no room for, which parsers strip */
	assert_int_equal(record("v=STSv1; id=abc; ", &r), 0);
	assert_true(has_problem(&r.problems, 0, 0, "a blank after the last field"));
	assert_int_equal(record("v=STSv1; id=abc ;", &r), 0);
	assert_true(has_problem(&r.problems, 0, 0, "a blank after the last field"));
	assert_int_equal(record("v=STSv1; id=abc ", &r), 0);
	assert_true(has_problem(&r.problems, 0, 0, "a blank after the last field"));
	assert_int_equal(r.problems.errors, 0);
}

static void test_record_hostile(void **state)
{
	(void)state;
	struct mtasts_record r;
	/* NUL bytes, control characters, bad UTF-8 */
	assert_int_equal(mtasts_record_parse("v=STSv1; id=a\0b", 15, &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "\\x00"));
	assert_int_equal(record("v=STSv1; id=abc\r\n", &r), -1);
	assert_int_equal(record("v=STSv1; id=abc; x=\xff\xfe", &r), -1);
	assert_printable(&r.problems);
	/* a huge record: many fields, many problems, kept within bounds */
	size_t n = 200000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, "v=STSv1", 7);
	for (size_t i = 7; i < n; i += 2)
		memcpy(big + i, ";;", 2);
	big[n] = '\0';
	assert_int_equal(mtasts_record_parse(big, n, &r), -1);
	assert_int_equal(r.problems.n, MTASTS_PROBLEMS_MAX);
	assert_true(r.problems.dropped > 1000);
	assert_true(r.problems.errors == r.problems.n + r.problems.dropped);
	assert_printable(&r.problems);
	/* a huge id and a huge extension value */
	memset(big, 'a', n);
	memcpy(big, "v=STSv1; id=", 12);
	assert_int_equal(mtasts_record_parse(big, n, &r), -1);
	assert_printable(&r.problems);
	assert_true(has_problem(&r.problems, 1, 0, "..."));
	memcpy(big, "v=STSv1; id=1; x=", 17);
	assert_int_equal(mtasts_record_parse(big, n, &r), 0);
	free(big);
}

static int policy(const char *text, struct mtasts_policy *p)
{
	int rc = mtasts_policy_parse(text, strlen(text), p);
	assert_printable(&p->problems);
	assert_int_equal(rc == 0, p->problems.errors == 0);
	return rc;
}

static void test_policy_rfc(void **state)
{
	(void)state;
	struct mtasts_policy p;
	/* RFC 8461 3.2's example, with CRLF as it says */
	assert_int_equal(policy("version: STSv1\r\n"
				"mode: enforce\r\n"
				"mx: mail.example.com\r\n"
				"mx: *.example.net\r\n"
				"mx: backupmx.example.com\r\n"
				"max_age: 604800\r\n",
				&p),
			 0);
	assert_int_equal(p.problems.n, 0);
	assert_true(p.has_version);
	assert_int_equal(p.mode, MTASTS_MODE_ENFORCE);
	assert_true(p.has_max_age);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.n_mx, 3);
	assert_string_equal(p.mx[0], "mail.example.com");
	assert_string_equal(p.mx[1], "*.example.net");
	assert_string_equal(p.mx[2], "backupmx.example.com");
	mtasts_policy_release(&p);
	/* LF alone, no final line end, fields in any order, blanks after the
	 * ':' and at the end of a line, an unknown key (ignored), mx in
	 * another case (kept in lower case) */
	assert_int_equal(policy("max_age:86400\nmx:\tMail.Example.COM \nfuture_key: x y \xc3\xa9\n"
				"mode: testing\nversion: STSv1",
				&p),
			 0);
	assert_int_equal(p.problems.n, 0);
	assert_int_equal(p.mode, MTASTS_MODE_TESTING);
	assert_string_equal(p.mx[0], "mail.example.com");
	mtasts_policy_release(&p);
	/* mode none needs no mx */
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 0\n", &p), 0);
	assert_int_equal(p.mode, MTASTS_MODE_NONE);
	assert_int_equal(p.n_mx, 0);
	assert_true(p.has_max_age);
	assert_int_equal(p.max_age, 0);
	mtasts_policy_release(&p);
	/* max_age above a year parses (the check judges it); 10 digits */
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 9999999999\n", &p), 0);
	assert_int_equal(p.max_age, 9999999999UL);
	mtasts_policy_release(&p);
	assert_string_equal(mtasts_mode_name(MTASTS_MODE_ENFORCE), "enforce");
	assert_string_equal(mtasts_mode_name(MTASTS_MODE_ABSENT), "(absent)");
}

static void test_policy_errors(void **state)
{
	(void)state;
	struct mtasts_policy p;
	const char *base = "version: STSv1\nmode: enforce\nmax_age: 86400\n";
	char text[512];
	/* required fields */
	assert_int_equal(policy("mode: enforce\nmx: a.example\nmax_age: 1\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 0, "no version field"));
	mtasts_policy_release(&p);
	assert_int_equal(policy("version: STSv1\nmx: a.example\nmax_age: 1\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 0, "no mode field"));
	mtasts_policy_release(&p);
	assert_int_equal(policy("version: STSv1\nmode: enforce\nmx: a.example\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 0, "no max_age field"));
	mtasts_policy_release(&p);
	assert_int_equal(policy(base, &p), -1);
	assert_true(has_problem(&p.problems, 1, 0, "no mx field"));
	mtasts_policy_release(&p);
	assert_int_equal(policy("version: STSv1\nmode: testing\nmax_age: 1\n", &p), -1);
	mtasts_policy_release(&p);
	/* values: case-sensitive words, digits */
	assert_int_equal(policy("version: stsv1\nmode: enforce\nmax_age: 1\nmx: a.example\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 1, "is not STSv1"));
	mtasts_policy_release(&p);
	assert_int_equal(policy("version: STSv1\nmode: Enforce\nmax_age: 1\nmx: a.example\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 2, "not enforce, testing or none"));
	assert_int_equal(p.mode, MTASTS_MODE_ABSENT);
	mtasts_policy_release(&p);
	assert_int_equal(policy("version: STSv1\nmode: enforcing\nmax_age: 1\nmx: a.example\n", &p), -1);
	mtasts_policy_release(&p);
	const char *ages[] = {"-1", "1d", "1 2", "", "12345678901", "0x10", "+5"};
	for (size_t i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		snprintf(text, sizeof(text), "version: STSv1\nmode: none\nmax_age: %s\n", ages[i]);
		assert_int_equal(policy(text, &p), -1);
		assert_false(p.has_max_age);
		mtasts_policy_release(&p);
	}
	/* names are case-sensitive: "Mode" is an extension, and said so */
	assert_int_equal(policy("version: STSv1\nMode: enforce\nmax_age: 1\nmx: a.example\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 0, "no mode field (line 2 names it in another case"));
	mtasts_policy_release(&p);
	/* mx patterns: ["*."] Domain */
	const char *bad_mx[] = {"mail.example.com.",
				"*example.com",
				"*.*.example.com",
				"mail*.example.com",
				"m_x.example.com",
				"-mx.example.com",
				"mx-.example.com",
				"mx..example.com",
				".example.com",
				"*.",
				"*",
				"b\xc3\xbc"
				"cher.example",
				"mx.example.com extra",
				"192.0.2.1:25",
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"};
	for (size_t i = 0; i < sizeof(bad_mx) / sizeof(bad_mx[0]); i++) {
		snprintf(text, sizeof(text), "%smx: %s\nmx: good.example\n", base, bad_mx[i]);
		assert_int_equal(policy(text, &p), -1);
		assert_true(has_problem(&p.problems, 1, 4, "is not a host name"));
		assert_int_equal(p.n_mx, 1);
		mtasts_policy_release(&p);
	}
	/* lines that are no key: value */
	const char *bad_lines[] = {"mode enforce", " mx: a.example", "mx : a.example",
				   ": x",	   "k\xc3\xa9y: x",  "\xef\xbb\xbfversion: STSv1"};
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(text, sizeof(text), "%smx: a.example\n%s\n", base, bad_lines[i]);
		assert_int_equal(policy(text, &p), -1);
		assert_true(has_problem(&p.problems, 1, 5, "is not a key: value line"));
		mtasts_policy_release(&p);
	}
	assert_int_equal(policy("version: STSv1\nmode: enforce\nmax_age: 1\nmx : a.example\n", &p), -1);
	assert_true(has_problem(&p.problems, 1, 4, "a blank before the ':'"));
	mtasts_policy_release(&p);
	/* empty lines, in the middle and at the end */
	snprintf(text, sizeof(text), "version: STSv1\n\nmode: enforce\nmax_age: 1\nmx: a.example\n");
	assert_int_equal(policy(text, &p), -1);
	assert_true(has_problem(&p.problems, 1, 2, "an empty line"));
	mtasts_policy_release(&p);
	snprintf(text, sizeof(text), "%smx: a.example\n\n", base);
	assert_int_equal(policy(text, &p), -1);
	assert_true(has_problem(&p.problems, 1, 5, "an empty line"));
	mtasts_policy_release(&p);
	snprintf(text, sizeof(text), "%smx: a.example\r\n\r\n", base);
	assert_int_equal(policy(text, &p), -1);
	mtasts_policy_release(&p);
	/* an extension's value: no empty, no tab inside */
	snprintf(text, sizeof(text), "%smx: a.example\nx:\n", base);
	assert_int_equal(policy(text, &p), -1);
	assert_true(has_problem(&p.problems, 1, 5, "empty"));
	mtasts_policy_release(&p);
	snprintf(text, sizeof(text), "%smx: a.example\nx: a\tb\n", base);
	assert_int_equal(policy(text, &p), -1);
	assert_true(has_problem(&p.problems, 1, 5, "\\x09"));
	mtasts_policy_release(&p);
	/* the empty policy */
	assert_int_equal(mtasts_policy_parse("", 0, &p), -1);
	assert_true(has_problem(&p.problems, 1, 0, "empty"));
	mtasts_policy_release(&p);
}

static void test_policy_duplicates(void **state)
{
	(void)state;
	struct mtasts_policy p;
	/* RFC 8461 3.2: the first of a repeated field counts; mx repeats */
	assert_int_equal(policy("version: STSv1\nmode: testing\nmode: enforce\nmax_age: 100\nmax_age: 5\n"
				"mx: a.example\nmx: b.example\nmx: a.example\n",
				&p),
			 0);
	assert_int_equal(p.mode, MTASTS_MODE_TESTING);
	assert_int_equal(p.max_age, 100);
	assert_int_equal(p.n_mx, 3);
	assert_int_equal(p.problems.errors, 0);
	assert_true(has_problem(&p.problems, 0, 3, "mode is given again (first on line 2)"));
	assert_true(has_problem(&p.problems, 0, 5, "max_age is given again"));
	mtasts_policy_release(&p);
	/* an invalid first value is the one that counts */
	assert_int_equal(
		policy("version: STSv1\nmode: bogus\nmode: enforce\nmax_age: 1\nmx: a.example\n", &p), -1);
	assert_int_equal(p.mode, MTASTS_MODE_ABSENT);
	mtasts_policy_release(&p);
	/* unknown keys may repeat */
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 1\nx: 1\nx: 2\n", &p), 0);
	assert_int_equal(p.problems.n, 0);
	mtasts_policy_release(&p);
}

static void test_policy_hostile(void **state)
{
	(void)state;
	struct mtasts_policy p;
	/* NUL bytes: a line holding one is broken, the rest still read */
	const char nul[] = "version: STSv1\nmode: enf\0rce\nmax_age: 1\nmx: a.example\n";
	assert_int_equal(mtasts_policy_parse(nul, sizeof(nul) - 1, &p), -1);
	assert_true(has_problem(&p.problems, 1, 2, "\\x00"));
	assert_true(p.has_version);
	assert_int_equal(p.n_mx, 1);
	mtasts_policy_release(&p);
	/* a CR alone is no line end */
	assert_int_equal(policy("version: STSv1\rmode: none\rmax_age: 1\r", &p), -1);
	assert_true(has_problem(&p.problems, 1, 1, "\\x0d"));
	mtasts_policy_release(&p);
	/* bad UTF-8 in an extension: overlong, surrogate, above U+10FFFF,
	 * cut short, a lone continuation byte, 0xff */
	const char *bad_utf8[] = {"\xc0\x80", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
				  "\xe2\x82", "\x80",	      "\xff",	      "\xf5\x80\x80\x80"};
	char text[256];
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		snprintf(text, sizeof(text), "version: STSv1\nmode: none\nmax_age: 1\nnote: a%sb\n",
			 bad_utf8[i]);
		assert_int_equal(policy(text, &p), -1);
		assert_true(has_problem(&p.problems, 1, 4, "not a printable character"));
		mtasts_policy_release(&p);
	}
	/* good UTF-8 of every length */
	assert_int_equal(policy("version: STSv1\nmode: none\nmax_age: 1\nnote: \xc3\xa9 \xe2\x82\xac "
				"\xf0\x9f\x98\x80\n",
				&p),
			 0);
	mtasts_policy_release(&p);
	/* a huge line, a huge number of lines */
	size_t n = 1 << 20;
	char *big = malloc(n + 64);
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big, "mx: ", 4);
	assert_int_equal(mtasts_policy_parse(big, n, &p), -1);
	assert_printable(&p.problems);
	assert_int_equal(p.n_mx, 0);
	mtasts_policy_release(&p);
	size_t at = 0;
	at += (size_t)snprintf(big, n, "version: STSv1\nmode: enforce\nmax_age: 1\n");
	while (at + 16 < n)
		at += (size_t)snprintf(big + at, n - at, "mx: m%06zu.ex\n", at);
	assert_int_equal(mtasts_policy_parse(big, at, &p), 0);
	assert_true(p.n_mx > 50000);
	assert_non_null(mtasts_mx_covered(p.mx, p.n_mx, p.mx[p.n_mx - 1]));
	mtasts_policy_release(&p);
	/* many broken lines: problems kept within bounds, all counted */
	memset(big, '\n', n);
	assert_int_equal(mtasts_policy_parse(big, n, &p), -1);
	assert_int_equal(p.problems.n, MTASTS_PROBLEMS_MAX);
	assert_true(p.problems.errors >= n);
	assert_int_equal(p.problems.v[MTASTS_PROBLEMS_MAX - 1].line, MTASTS_PROBLEMS_MAX);
	mtasts_policy_release(&p);
	free(big);
	/* release twice, and of a zeroed struct, is harmless */
	mtasts_policy_release(&p);
}

static void test_mx_match(void **state)
{
	(void)state;
	/* exact names, any case, the host with or without its trailing dot */
	assert_true(mtasts_mx_match("mail.example.com", "mail.example.com"));
	assert_true(mtasts_mx_match("mail.example.com", "MAIL.Example.com."));
	assert_true(mtasts_mx_match("Mail.Example.com", "mail.example.com"));
	assert_false(mtasts_mx_match("mail.example.com", "mail.example.co"));
	assert_false(mtasts_mx_match("mail.example.com", "xmail.example.com"));
	assert_false(mtasts_mx_match("mail.example.com", "mail.example.com.au"));
	/* RFC 8461 4.1 (RFC 6125 6.4.3): "*.example.com" matches one label */
	assert_true(mtasts_mx_match("*.example.com", "mail.example.com"));
	assert_true(mtasts_mx_match("*.example.com", "mx1.EXAMPLE.com."));
	assert_false(mtasts_mx_match("*.example.com", "example.com"));
	assert_false(mtasts_mx_match("*.example.com", "foo.bar.example.com"));
	assert_false(mtasts_mx_match("*.example.com", ".example.com"));
	assert_false(mtasts_mx_match("*.example.com", "mail.example.net"));
	assert_false(mtasts_mx_match("*.example.com", "mailexample.com"));
	/* a '*' in a host name is not a wildcard */
	assert_false(mtasts_mx_match("mail.example.com", "*.example.com"));
	assert_false(mtasts_mx_match("", ""));
	assert_false(mtasts_mx_match("a", "."));
	/* IDNs: A-labels compare as written */
	assert_true(mtasts_mx_match("*.xn--bcher-kva.test", "mail.xn--bcher-kva.test."));
	char *patterns[] = {"mail.example.com", "*.example.net", "backupmx.example.com"};
	assert_string_equal(mtasts_mx_covered(patterns, 3, "x.example.net."), "*.example.net");
	assert_string_equal(mtasts_mx_covered(patterns, 3, "backupmx.example.com"), "backupmx.example.com");
	assert_null(mtasts_mx_covered(patterns, 3, "mail2.example.com"));
	assert_null(mtasts_mx_covered(patterns, 0, "mail.example.com"));
}

static int tlsrpt(const char *text, struct mtasts_tlsrpt *r)
{
	int rc = mtasts_tlsrpt_parse(text, strlen(text), r);
	assert_printable(&r->problems);
	assert_int_equal(rc == 0, r->problems.errors == 0);
	return rc;
}

static void test_tlsrpt(void **state)
{
	(void)state;
	struct mtasts_tlsrpt r;
	assert_true(mtasts_tlsrpt_is_record("v=TLSRPTv1; rua=mailto:a@b.c", 28));
	assert_false(mtasts_tlsrpt_is_record("v=tlsrptv1; rua=mailto:a@b.c", 28));
	assert_false(mtasts_tlsrpt_is_record("v=TLSRPTv10; rua=mailto:a@b.c", 29));
	assert_true(mtasts_tlsrpt_looks_record("v=tlsrptv1; rua=mailto:a@b.c", 28));
	assert_false(mtasts_tlsrpt_looks_record("v=TLSRPTv1; rua=mailto:a@b.c", 28));
	/* RFC 8460 3's examples */
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:reports@example.com", &r), 0);
	assert_int_equal(r.n_rua, 1);
	assert_int_equal(r.n_https, 0);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", &r), 0);
	assert_int_equal(r.n_https, 1);
	assert_int_equal(
		tlsrpt("v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt",
		       &r),
		0);
	assert_int_equal(r.n_rua, 2);
	assert_int_equal(r.problems.n, 0);
	/* blanks around ',' and ';', a final ';' with blanks (field-delim is
	 * *WSP ";" *WSP here), extensions, a mailto with headers */
	assert_int_equal(
		tlsrpt("v=TLSRPTv1 ;rua=mailto:a@example.com , MAILTO:b@example.net?subject=x ; ext=1 ; ",
		       &r),
		0);
	assert_int_equal(r.n_rua, 2);
	assert_int_equal(r.problems.n, 0);
	/* errors */
	assert_int_equal(tlsrpt("v=TLSRPTv1", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1;", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1; ext=1", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "no rua="));
	assert_int_equal(tlsrpt("v=TLSRPTv1; RUA=mailto:a@example.com", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "'RUA=' is another field"));
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "empty URI"));
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com,", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=reports@example.com", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "is not a URI"));
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:reports", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "not a mail address"));
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:@example.com", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:a@exa_mple.com", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=https://", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "not an https URL"));
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=https://exa mple.com/", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1 rua=mailto:a@example.com", &r), -1);
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; x=\xc3\xa9", &r), -1);
	/* another scheme: skipped by senders (a note); with no other, no rua */
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=http://example.com/r,mailto:a@example.com", &r), 0);
	assert_int_equal(r.n_rua, 1);
	assert_true(has_problem(&r.problems, 0, 0, "mailto: and https: URIs only"));
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=ftp://example.com/r", &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "no URI senders can send reports to"));
	/* rua twice */
	assert_int_equal(tlsrpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", &r), 0);
	assert_true(has_problem(&r.problems, 0, 0, "more than once"));
	/* hostile: NUL, a very long URI */
	assert_int_equal(mtasts_tlsrpt_parse("v=TLSRPTv1; rua=mailto:a@b\0.c", 29, &r), -1);
	char big[5000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "v=TLSRPTv1; rua=https://x.example/", 34);
	assert_int_equal(tlsrpt(big, &r), -1);
	assert_true(has_problem(&r.problems, 1, 0, "longer than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_is_sts),  cmocka_unit_test(test_record_rfc),
		cmocka_unit_test(test_record_errors),  cmocka_unit_test(test_record_notes),
		cmocka_unit_test(test_record_hostile), cmocka_unit_test(test_policy_rfc),
		cmocka_unit_test(test_policy_errors),  cmocka_unit_test(test_policy_duplicates),
		cmocka_unit_test(test_policy_hostile), cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_tlsrpt),
	};
	return cmocka_run_group_tests_name("mtasts", tests, NULL, NULL);
}
