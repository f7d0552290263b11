/* Unit tests of the DMARC record parser and the tree walk's names
 * (checks/dmarc_parse.c), hostile input included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc.h"

static void parse(const char *text, struct dmarc_record *r)
{
	dmarc_parse(text, strlen(text), r);
}

/* How many notes of kind r has, and whether one is about tag. */
static size_t notes(const struct dmarc_record *r, enum dmarc_note_kind kind, const char *tag)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_notes; i++)
		if (r->notes[i].kind == kind && (!tag || strcmp(r->notes[i].tag, tag) == 0))
			n++;
	return n;
}

static void test_is_record(void **state)
{
	(void)state;
	assert_true(dmarc_is_record("v=DMARC1", 8));
	assert_true(dmarc_is_record("v=DMARC1; p=none", 16));
	assert_true(dmarc_is_record("V = DMARC1 ;p=none", 18));
	assert_true(dmarc_is_record("v=DMARC1\t", 9));
	/* the value is case-sensitive; v first; no leading blank */
	assert_false(dmarc_is_record("v=dmarc1; p=none", 16));
	assert_false(dmarc_is_record("v=DMARC10", 9));
	assert_false(dmarc_is_record("v=DMARC1x; p=none", 17));
	assert_false(dmarc_is_record(" v=DMARC1", 9));
	assert_false(dmarc_is_record("p=none; v=DMARC1", 16));
	assert_false(dmarc_is_record("v=spf1 -all", 11));
	assert_false(dmarc_is_record("", 0));
	assert_false(dmarc_is_record("v=DMAR", 6));
	/* a NUL inside the text is a byte like any other */
	assert_false(dmarc_is_record("v=DMA\0C1", 8));
	assert_true(dmarc_is_record("v=DMARC1;\0", 10));
}

static void test_good_record(void **state)
{
	(void)state;
	struct dmarc_record r;
	const char *text = "v=DMARC1; p=reject; sp=quarantine; np=none; psd=n; t=y; adkim=s; aspf=r; "
			   "fo=0:1:d:s; rua=mailto:a@example.org, mailto:b@Reports.Example.NET; "
			   "ruf=mailto:f@example.org;";
	parse(text, &r);
	assert_true(r.is_dmarc);
	assert_int_equal(r.n_notes, 0);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.sp, DMARC_POLICY_QUARANTINE);
	assert_int_equal(r.np, DMARC_POLICY_NONE);
	assert_int_equal(r.psd, 'n');
	assert_true(r.testing);
	assert_true(r.rua_valid);
	assert_int_equal(r.n_rua, 2);
	assert_int_equal(r.n_ruf, 1);
	assert_true(r.rua[1].mailto);
	assert_string_equal(r.rua[1].domain, "reports.example.net");
	assert_int_equal(r.rua[0].len, strlen("mailto:a@example.org"));
	assert_memory_equal(text + r.rua[0].off, "mailto:a@example.org", r.rua[0].len);
	/* absent tags */
	parse("v=DMARC1", &r);
	assert_int_equal(r.p, DMARC_POLICY_ABSENT);
	assert_int_equal(r.sp, DMARC_POLICY_ABSENT);
	assert_int_equal(r.psd, 'u');
	assert_false(r.rua_valid);
	/* policy words are case-insensitive, as ABNF strings are */
	parse("v=DMARC1; p=Reject", &r);
	assert_int_equal(r.p, DMARC_POLICY_REJECT);
	assert_int_equal(r.n_notes, 0);
}

static void test_syntax(void **state)
{
	(void)state;
	struct dmarc_record r;
	parse("v=DMARC1; p=rejected; sp=; np=block; psd=x; t=yes; adkim=x; aspf=; fo=2", &r);
	assert_int_equal(r.p, DMARC_POLICY_INVALID);
	assert_int_equal(r.sp, DMARC_POLICY_INVALID);
	assert_int_equal(r.np, DMARC_POLICY_INVALID);
	assert_int_equal(r.psd, 'u');
	assert_false(r.testing);
	const char *tags[] = {"p", "sp", "np", "psd", "t", "adkim", "aspf", "fo"};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, tags[i]), 1);
	assert_non_null(strstr(r.notes[0].text, "p=rejected"));

	parse("v=dmarc1; p=none", &r);
	assert_false(r.is_dmarc);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "v"), 1);
	parse("p=none; v=DMARC1", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "v"), 2); /* not first; found later */
	parse("v=DMARC1; p=none; p=reject", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "p"), 1);
	assert_int_equal(r.p, DMARC_POLICY_NONE);
	parse("v=DMARC1; p=none; junk; 9x=1", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, NULL), 2);
}

static void test_uris(void **state)
{
	(void)state;
	struct dmarc_record r;
	parse("v=DMARC1; p=none; rua=dmarc@example.org, mailto:nobody, mailto:x@-bad.example, "
	      "https://r.example/x, mailto:ok@example.org!10m, mailto:z@example.org!big",
	      &r);
	/* three bad addresses, one bad size; https is a URI, not checked further */
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "rua"), 4);
	assert_int_equal(notes(&r, DMARC_NOTE_REMOVED, "rua"), 1);
	assert_int_equal(r.n_rua, 2);
	assert_false(r.rua[0].mailto);
	assert_true(r.rua[1].mailto);
	assert_string_equal(r.rua[1].domain, "example.org");
	assert_true(r.rua_valid);
	parse("v=DMARC1; p=none; rua=", &r);
	assert_false(r.rua_valid);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "rua"), 1);
	/* mailto with headers: the domain stops at '?' */
	parse("v=DMARC1; rua=mailto:a@Example.ORG?subject=x", &r);
	assert_string_equal(r.rua[0].domain, "example.org");
	/* a space or DEL inside a URI is no URI character; '~' is */
	parse("v=DMARC1; p=none; rua=mailto:a b@example.org, mailto:a\177b@example.org, "
	      "mailto:a~b@example.org",
	      &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "rua"), 2);
	assert_int_equal(r.n_rua, 1);
	/* a label of 64 bytes is too long */
	parse("v=DMARC1; p=none; "
	      "rua=mailto:x@a123456789012345678901234567890123456789012345678901234567890123.org",
	      &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "rua"), 1);
	/* a domain of 253 bytes is a host name, 254 is not */
	char uri[400];
	const char *l63 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	for (int extra = 0; extra < 2; extra++) {
		snprintf(uri, sizeof(uri), "v=DMARC1; p=none; rua=mailto:x@%s.%s.%s.%.*s", l63, l63, l63,
			 61 + extra, l63);
		parse(uri, &r);
		assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "rua"), extra);
	}
}

static void test_removed_unknown(void **state)
{
	(void)state;
	struct dmarc_record r;
	parse("v=DMARC1; p=none; pct=50; rf=afrf; ri=86400; foo=bar; x_y=1", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_REMOVED, NULL), 3);
	assert_int_equal(notes(&r, DMARC_NOTE_UNKNOWN, NULL), 2);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, NULL), 0);
	assert_int_equal(r.pct, 50);
	parse("v=DMARC1; p=none; pct=0", &r);
	assert_int_equal(r.pct, 0);
	parse("v=DMARC1; p=none", &r);
	assert_int_equal(r.pct, 100);
	parse("v=DMARC1; p=none; pct=101; rf=; ri=-1", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, NULL), 3);
	assert_int_equal(r.pct, 100);
	parse("v=DMARC1; pct=99999999999999999999999", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "pct"), 1);
	assert_int_equal(r.pct, 100);
	/* tag names at the ends of the alphabet are names, unknown ones */
	parse("v=DMARC1; p=none; zZ=1; Az=2", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_UNKNOWN, NULL), 2);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, NULL), 0);
	/* rf keywords: letters, digits and '-', nothing else; receivers know
	 * only afrf */
	parse("v=DMARC1; p=none; rf=afrf:iodef-2", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, NULL), 0);
	assert_non_null(strstr(r.notes[0].text, "(and know only afrf)"));
	parse("v=DMARC1; p=none; rf=afrf", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_REMOVED, "rf"), 1);
	assert_null(strstr(r.notes[0].text, "know only"));
	/* an empty number is none */
	parse("v=DMARC1; p=none; pct=; ri=", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "pct"), 1);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "ri"), 1);
	assert_int_equal(r.pct, 100);
	parse("v=DMARC1; p=none; rf=a_b", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, "rf"), 1);
}

static void test_hostile(void **state)
{
	(void)state;
	struct dmarc_record r;
	/* control bytes and NUL are shown escaped, never copied raw */
	const char bad[] = "v=DMARC1; p=\001\0\377; rua=mailto:\033[31m@x";
	dmarc_parse(bad, sizeof(bad) - 1, &r);
	assert_int_equal(r.p, DMARC_POLICY_INVALID);
	for (size_t i = 0; i < r.n_notes; i++)
		for (const char *c = r.notes[i].text; *c; c++)
			assert_true(*c >= 0x20 && *c < 0x7f);
	assert_non_null(strstr(r.notes[0].text, "\\x01\\x00\\xff"));
	/* the edges of printable ASCII: 0x1f and 0x7f escaped, ' ' and '~' not */
	const char edges[] = "v=DMARC1; p=x\037 ~\177";
	dmarc_parse(edges, sizeof(edges) - 1, &r);
	assert_int_equal(r.p, DMARC_POLICY_INVALID);
	assert_non_null(strstr(r.notes[0].text, "x\\x1f ~\\x7f"));
	/* a long record of many bad tags: notes are capped, counted */
	size_t len = 64 * 1024;
	char *big = malloc(len);
	for (size_t i = 0; i < len; i++)
		big[i] = i % 4 == 3 ? ';' : 'q';
	dmarc_parse(big, len, &r);
	assert_int_equal(r.n_notes, DMARC_NOTES_MAX);
	assert_true(r.notes_dropped > 1000);
	/* a value far longer than a note: shortened */
	memset(big, 'a', len);
	memcpy(big, "v=DMARC1; p=", 12);
	dmarc_parse(big, len, &r);
	assert_int_equal(r.p, DMARC_POLICY_INVALID);
	assert_true(strlen(r.notes[0].text) < sizeof(r.notes[0].text));
	/* many URIs: only DMARC_URIS_MAX kept */
	char *uris = malloc(len);
	size_t at = (size_t)snprintf(uris, len, "v=DMARC1; rua=");
	for (int i = 0; i < 100; i++)
		at += (size_t)snprintf(uris + at, len - at, "%smailto:r%d@example.org", i ? "," : "", i);
	dmarc_parse(uris, at, &r);
	assert_int_equal(r.n_rua, DMARC_URIS_MAX);
	assert_int_equal(r.uris_dropped, 100 - DMARC_URIS_MAX);
	free(uris);
	free(big);
	/* separators only, empty */
	parse(";;;;", &r);
	assert_false(r.is_dmarc);
	parse("", &r);
	assert_int_equal(notes(&r, DMARC_NOTE_SYNTAX, NULL), 1);
	parse("=;=;==", &r);
	assert_true(r.n_notes > 0);
}

static void test_walk(void **state)
{
	(void)state;
	const char *t[DMARC_WALK_MAX];
	/* fewer than 8 labels: one label at a time, down to the TLD */
	assert_int_equal(dmarc_walk_targets("mail.example.co.uk.", t), 4);
	assert_string_equal(t[0], "mail.example.co.uk.");
	assert_string_equal(t[1], "example.co.uk.");
	assert_string_equal(t[2], "co.uk.");
	assert_string_equal(t[3], "uk.");
	assert_int_equal(dmarc_walk_targets("example.org", t), 2);
	assert_string_equal(t[1], "org");
	/* 8 labels or more: straight to the last 7 (RFC 9989 4.10 step 4) */
	assert_int_equal(dmarc_walk_targets("a.b.c.d.e.f.example.co.uk.", t), 8);
	assert_string_equal(t[0], "a.b.c.d.e.f.example.co.uk.");
	assert_string_equal(t[1], "c.d.e.f.example.co.uk.");
	assert_string_equal(t[7], "uk.");
	assert_int_equal(dmarc_walk_targets("1.2.3.4.5.6.7.8.9.10.11.12.13.", t), 8);
	assert_string_equal(t[1], "7.8.9.10.11.12.13.");
	assert_string_equal(t[7], "13.");
	assert_int_equal(dmarc_walk_targets("h.g.f.e.d.c.b.a.", t), 8);
	assert_string_equal(t[1], "g.f.e.d.c.b.a.");
	/* 7 labels: one at a time, 7 queries */
	assert_int_equal(dmarc_walk_targets("g.f.e.d.c.b.a.", t), 7);
	/* the root is never asked */
	assert_int_equal(dmarc_walk_targets(".", t), 0);
	assert_int_equal(dmarc_walk_targets("", t), 0);
	/* an escaped dot does not separate labels */
	assert_int_equal(dmarc_label_count("a\\.b.example.org."), 3);
	assert_int_equal(dmarc_walk_targets("a\\.b.example.org.", t), 3);
	assert_string_equal(t[1], "example.org.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_record),
		cmocka_unit_test(test_good_record),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_removed_unknown),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests_name("dmarc", tests, NULL, NULL);
}
