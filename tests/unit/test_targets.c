/* The resolvers to ask (src/targets.c): --resolver arguments, resolvers
 * files with every error at its FILE:LINE:COLUMN, and the shipped
 * rules/resolvers.txt. Run from the repository root. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "targets.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* helpers */

/* Add spec (and label) and expect it in t's last entry as text, port and
 * family. */
static void add_ok(struct target_list *t, const char *spec, const char *label, const char *text,
		   unsigned port, int family)
{
	char err[512] = "";
	if (target_list_add(t, spec, label, err, sizeof(err)) != 0)
		fail_msg("'%s': %s", spec, err);
	const struct target *x = &t->v[t->n - 1];
	assert_string_equal(x->text, text);
	assert_int_equal(x->port, port);
	assert_int_equal(x->addr.ss_family, family);
	assert_int_equal(x->addrlen,
			 family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	unsigned wire = family == AF_INET ? ntohs(((const struct sockaddr_in *)&x->addr)->sin_port)
					  : ntohs(((const struct sockaddr_in6 *)&x->addr)->sin6_port);
	assert_int_equal(wire, port);
	if (label)
		assert_string_equal(x->label, label);
	else
		assert_null(x->label);
	assert_null(x->file);
	assert_int_equal(x->line, 0);
}

static void add_fails(const char *spec, const char *message)
{
	struct target_list t;
	char err[512] = "";
	target_list_init(&t);
	assert_int_equal(target_list_add(&t, spec, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, message);
	assert_int_equal(t.n, 0);
	target_list_release(&t);
}

static void parse_ok(struct target_list *t, const char *text)
{
	char err[512] = "";
	if (target_list_parse(t, text, strlen(text), "r.txt", err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* Parse text (len bytes) as "r.txt" into a fresh list and expect message,
 * the whole of err. */
static void parse_fails_n(const char *text, size_t len, const char *message)
{
	struct target_list t;
	char err[512] = "";
	target_list_init(&t);
	assert_int_equal(target_list_parse(&t, text, len, "r.txt", err, sizeof(err)), -1);
	assert_string_equal(err, message);
	assert_int_equal(t.n, 0);
	target_list_release(&t);
}

static void parse_fails(const char *text, const char *message)
{
	parse_fails_n(text, strlen(text), message);
}

/* ------------------------------------------------------------------ */
/* --resolver */

static void test_add_forms(void **state)
{
	(void)state;
	struct target_list t;
	target_list_init(&t);
	add_ok(&t, "9.9.9.9", "Quad9", "9.9.9.9", 53, AF_INET);
	add_ok(&t, "2620:fe::fe", NULL, "2620:fe::fe", 53, AF_INET6);
	add_ok(&t, "127.0.0.1#5353", NULL, "127.0.0.1#5353", 5353, AF_INET);
	add_ok(&t, "127.0.0.1:5354", NULL, "127.0.0.1#5354", 5354, AF_INET);
	add_ok(&t, "2001:db8::1#5353", NULL, "2001:db8::1#5353", 5353, AF_INET6);
	add_ok(&t, "[2001:db8::2]", NULL, "2001:db8::2", 53, AF_INET6);
	add_ok(&t, "[2001:db8::3]:5353", NULL, "2001:db8::3#5353", 5353, AF_INET6);
	add_ok(&t, "[2001:db8::4]#53", NULL, "2001:db8::4", 53, AF_INET6);
	/* written otherwise, the same text comes out */
	add_ok(&t, "2001:DB8:0:0:0:0:0:5", NULL, "2001:db8::5", 53, AF_INET6);
	add_ok(&t, "127.0.0.2#00053", NULL, "127.0.0.2", 53, AF_INET);
	/* an IPv4-mapped address is the IPv4 server it stands for */
	add_ok(&t, "::ffff:192.0.2.7", NULL, "192.0.2.7", 53, AF_INET);
	add_ok(&t, "1.2.3.4#65535", "a label with spaces", "1.2.3.4#65535", 65535, AF_INET);
	add_ok(&t, "1.2.3.5#1", "", "1.2.3.5#1", 1, AF_INET);
	/* a port after an IPv6 address needs '#' or brackets: this is all address */
	add_ok(&t, "2001:db8::1:53", NULL, "2001:db8::1:53", 53, AF_INET6);
	assert_int_equal(t.n, 14);
	target_list_release(&t);
	assert_null(t.v);
	assert_int_equal(t.n, 0);
}

static void test_add_errors(void **state)
{
	(void)state;
	add_fails("", "no address");
	add_fails("dns.google", "'dns.google' is not an IPv4 or IPv6 address");
	/* inet_aton would take these; a resolver's address is written in full */
	add_fails("127.1", "'127.1' is not an IPv4 or IPv6 address");
	add_fails("017.0.0.1", "'017.0.0.1' is not an IPv4 or IPv6 address");
	add_fails("0x7f.0.0.1", "'0x7f.0.0.1' is not an IPv4 or IPv6 address");
	add_fails(" 1.1.1.1", "' 1.1.1.1' is not an IPv4 or IPv6 address");
	add_fails("1.1.1.1 ", "'1.1.1.1 ' is not an IPv4 or IPv6 address");
	add_fails("1.1.1.1\x1b[31m", "'1.1.1.1?[31m' is not an IPv4 or IPv6 address");
}

static void test_add_errors_more(void **state)
{
	(void)state;
	add_fails("1.1.1.1#", "no port after '#'");
	add_fails("1.1.1.1:", "no port after ':'");
	add_fails("#53", "no address before '#'");
	add_fails(":53", "no address before ':'");
	add_fails("[]", "no address before ']'");
	add_fails("[]:53", "no address before ']'");
	add_fails("1.1.1.1#0", "port '0' is not in 1..65535");
	add_fails("1.1.1.1#65536", "port '65536' is not in 1..65535");
	add_fails("1.1.1.1#99999999999999999999999", "port '99999999999999999999999' is not in 1..65535");
	add_fails("1.1.1.1#dns", "port 'dns' is not a number");
	add_fails("1.1.1.1#-1", "port '-1' is not a number");
	add_fails("1.1.1.1#+53", "port '+53' is not a number");
	add_fails("1.1.1.1#53#53", "'1.1.1.1#53' is not an IPv4 or IPv6 address");
	add_fails("[2001:db8::1", "'[2001:db8::1' lacks its closing ']'");
	add_fails("[2001:db8::1]53", "'53' after ']' is not a port");
	add_fails("[192.0.2.1]", "'192.0.2.1' in brackets is not an IPv6 address");
	add_fails("[192.0.2.1]:53", "'192.0.2.1' in brackets is not an IPv6 address");
	add_fails("fe80::1%lo", "'fe80::1%lo' has a zone index ('%...'): not supported");
	add_fails("[fe80::1%eth0]:53", "'fe80::1%eth0' has a zone index ('%...'): not supported");
	add_fails("0.0.0.0", "'0.0.0.0' is the unspecified address, not a resolver's");
	add_fails("::", "'::' is the unspecified address, not a resolver's");
	add_fails("[::]:53", "'::' is the unspecified address, not a resolver's");
	add_fails("::ffff:0.0.0.0", "'::ffff:0.0.0.0' is the unspecified address, not a resolver's");
	add_fails("224.0.0.251", "'224.0.0.251' is a multicast address, not a resolver's");
	add_fails("239.255.255.255#5353", "'239.255.255.255' is a multicast address, not a resolver's");
	add_fails("ff02::fb", "'ff02::fb' is a multicast address, not a resolver's");
	add_fails("255.255.255.255", "'255.255.255.255' is the broadcast address, not a resolver's");
	/* too long to be an address: shown cut */
	char longer[200];
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	char want[256];
	snprintf(want, sizeof(want), "'%.64s...' is not an IPv4 or IPv6 address", longer);
	add_fails(longer, want);
}

static void test_add_duplicates_and_limit(void **state)
{
	(void)state;
	struct target_list t;
	char err[512] = "", spec[64];
	target_list_init(&t);
	add_ok(&t, "192.0.2.1", NULL, "192.0.2.1", 53, AF_INET);
	assert_int_equal(target_list_add(&t, "192.0.2.1#53", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "duplicate resolver 192.0.2.1 (first given on the command line)");
	assert_int_equal(target_list_add(&t, "::ffff:192.0.2.1", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "duplicate resolver 192.0.2.1 (first given on the command line)");
	/* another port is another resolver */
	add_ok(&t, "192.0.2.1#54", NULL, "192.0.2.1#54", 54, AF_INET);
	add_ok(&t, "2001:db8::1", NULL, "2001:db8::1", 53, AF_INET6);
	assert_int_equal(target_list_add(&t, "[2001:db8:0::1]:53", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "duplicate resolver 2001:db8::1 (first given on the command line)");
	for (unsigned i = (unsigned)t.n; i < TARGETS_MAX; i++) {
		snprintf(spec, sizeof(spec), "10.0.%u.%u", i / 256, i % 256);
		assert_int_equal(target_list_add(&t, spec, NULL, err, sizeof(err)), 0);
	}
	assert_int_equal(t.n, TARGETS_MAX);
	assert_int_equal(target_list_add(&t, "10.1.0.0", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "more than 4096 resolvers");
	assert_int_equal(t.n, TARGETS_MAX);
	target_list_release(&t);
}

/* ------------------------------------------------------------------ */
/* resolvers files */

static void test_parse_file(void **state)
{
	(void)state;
	struct target_list t;
	target_list_init(&t);
	parse_ok(&t, "# public resolvers\n"
		     "\n"
		     "9.9.9.9 Quad9\n"
		     "   149.112.112.112\tQuad9   # the second one\n"
		     "2620:fe::fe 53 Quad9 (IPv6)\n"
		     "127.0.0.1 5353 local  unbound\t\tfor tests\n"
		     "127.0.0.2#5354 # a comment, no label\n"
		     "[2001:db8::1]:5355 C# and F#, a label with '#' inside words\n"
		     "127.0.0.3 360 Secure DNS\n"
		     "127.0.0.4 53 360 Secure DNS\n"
		     "127.0.0.5 x 53\n"
		     "#127.0.0.6 commented out\n"
		     "  # indented comment\n"
		     "\t \n"
		     "127.0.0.7");
	assert_int_equal(t.n, 10);
	const struct {
		const char *text, *label;
		unsigned port, line;
	} want[] = {
		{"9.9.9.9", "Quad9", 53, 3},
		{"149.112.112.112", "Quad9", 53, 4},
		{"2620:fe::fe", "Quad9 (IPv6)", 53, 5},
		{"127.0.0.1#5353", "local unbound for tests", 5353, 6},
		{"127.0.0.2#5354", NULL, 5354, 7},
		{"2001:db8::1#5355", "C# and F#, a label with '#' inside words", 5355, 8},
		/* a label whose first word is a number is a port... */
		{"127.0.0.3#360", "Secure DNS", 360, 9},
		/* ...unless the port comes first */
		{"127.0.0.4", "360 Secure DNS", 53, 10},
		{"127.0.0.5", "x 53", 53, 11},
		{"127.0.0.7", NULL, 53, 15},
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(t.v[i].text, want[i].text);
		assert_int_equal(t.v[i].port, want[i].port);
		if (want[i].label)
			assert_string_equal(t.v[i].label, want[i].label);
		else
			assert_null(t.v[i].label);
		assert_string_equal(t.v[i].file, "r.txt");
		assert_int_equal(t.v[i].line, want[i].line);
	}
	target_list_release(&t);
}

static void test_parse_crlf(void **state)
{
	(void)state;
	struct target_list t;
	char err[512] = "";
	target_list_init(&t);
	parse_ok(&t, "# resolvers\r\n9.9.9.9 Quad9\r\n\r\n8.8.8.8 5353\r\n1.1.1.1\r\n");
	assert_int_equal(t.n, 3);
	assert_string_equal(t.v[0].label, "Quad9");
	assert_int_equal(t.v[0].line, 2);
	assert_string_equal(t.v[1].text, "8.8.8.8#5353");
	assert_null(t.v[1].label);
	assert_int_equal(t.v[1].line, 4);
	assert_string_equal(t.v[2].text, "1.1.1.1");
	assert_null(t.v[2].label);
	/* and an error's line and column count the same with CR */
	const char *bad = "9.9.9.10\r\n  9.9.9.x\r\n";
	assert_int_equal(target_list_parse(&t, bad, strlen(bad), "r.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "r.txt:2:3: '9.9.9.x' is not an IPv4 or IPv6 address");
	target_list_release(&t);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("9.9.9.9\n  dns.google Google\n",
		    "r.txt:2:3: 'dns.google' is not an IPv4 or IPv6 address");
	parse_fails("\n\n\t127.1\n", "r.txt:3:2: '127.1' is not an IPv4 or IPv6 address");
	parse_fails("1.1.1.1#\n",
		    "r.txt:1:9: no port after '#' (a comment needs white space before its '#')");
	parse_fails("1.1.1.1# Cloudflare\n",
		    "r.txt:1:9: no port after '#' (a comment needs white space before its '#')");
	parse_fails(
		"1.1.1.1#Cloudflare\n",
		"r.txt:1:9: port 'Cloudflare' is not a number (a comment needs white space before its '#')");
	parse_fails("x\n 1.1.1.1#0 Cloudflare\n", "r.txt:1:1: 'x' is not an IPv4 or IPv6 address");
	parse_fails("1.1.1.2\n 1.1.1.1#0 Cloudflare\n", "r.txt:2:10: port '0' is not in 1..65535");
	parse_fails("1.1.1.1 65536 Cloudflare\n", "r.txt:1:9: port '65536' is not in 1..65535");
	parse_fails("1.1.1.1 0\n", "r.txt:1:9: port '0' is not in 1..65535");
	parse_fails("1.1.1.1 123456789012345678901234567890\n",
		    "r.txt:1:9: port '123456789012345678901234567890' is not in 1..65535");
	parse_fails("1.1.1.1#53 53 Cloudflare\n", "r.txt:1:12: '53' is a second port: the address has one");
	parse_fails("[2001:db8::1]:53   5353\n", "r.txt:1:20: '5353' is a second port: the address has one");
	parse_fails("  [2001:db8::1]x\n", "r.txt:1:16: 'x' after ']' is not a port");
	parse_fails("[192.0.2.1]:53\n", "r.txt:1:2: '192.0.2.1' in brackets is not an IPv6 address");
	parse_fails("fe80::1%eth0 link-local\n",
		    "r.txt:1:1: 'fe80::1%eth0' has a zone index ('%...'): not supported");
	parse_fails("0.0.0.0\n", "r.txt:1:1: '0.0.0.0' is the unspecified address, not a resolver's");
	parse_fails("1.1.1.1 a\x1b[2Jb\n", "r.txt:1:10: a control character (0x1b) in the label");
	parse_fails("1.1.1.1 53 ok then\x7f\n", "r.txt:1:19: a control character (0x7f) in the label");
	/* CR, tab, VT and FF are white space, not control characters */
	parse_fails_n("1.1.1.1\r\v\f\tA\nB\0C\n", 18, "r.txt:2:2: a NUL byte: not a text file of resolvers");
	/* a NUL byte is found before anything else wrong on its line */
	parse_fails_n("bad#\0", 5, "r.txt:1:5: a NUL byte: not a text file of resolvers");
	parse_fails_n("# comment \0\n", 12, "r.txt:1:11: a NUL byte: not a text file of resolvers");
}

static void test_parse_label_limit(void **state)
{
	(void)state;
	struct target_list t;
	char text[512];
	/* TARGETS_LABEL_MAX bytes exactly, in two words */
	snprintf(text, sizeof(text), "1.1.1.1 %.*s %.*s\n", 63,
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64,
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
	target_list_init(&t);
	parse_ok(&t, text);
	assert_int_equal(strlen(t.v[0].label), TARGETS_LABEL_MAX);
	target_list_release(&t);
	snprintf(text, sizeof(text), "1.1.1.1 53  %.*s  %.*s\n", 64,
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64,
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
	parse_fails(text, "r.txt:1:13: label longer than 128 bytes");
}

static void test_parse_empty(void **state)
{
	(void)state;
	parse_fails("", "r.txt:1:1: an empty file: no resolver in it");
	parse_fails("# nothing here\n\n  \n# yet",
		    "r.txt:4:6: no resolver in the file, only comments and blank lines");
	parse_fails("# nothing here\n", "r.txt:2:1: no resolver in the file, only comments and blank lines");
}

static void test_parse_duplicates(void **state)
{
	(void)state;
	struct target_list t;
	char err[512] = "";
	const char *a = "9.9.9.9 Quad9\n8.8.8.8 Google\n";
	const char *b = "1.1.1.1\n# again\n  8.8.8.8#53 Google again\n";
	const char *c = "::ffff:9.9.9.9\n";
	const char *d = "192.0.2.1#53\n";
	const char *e = "2001:db8::1 53 x\n2001:db8:0:0::1 y\n";

	parse_fails("9.9.9.9\n8.8.8.8\n\n9.9.9.9#53 again\n",
		    "r.txt:4:1: duplicate resolver 9.9.9.9 (first on line 1)");
	parse_fails(e, "r.txt:2:1: duplicate resolver 2001:db8::1 (first on line 1)");

	target_list_init(&t);
	assert_int_equal(target_list_parse(&t, a, strlen(a), "a.txt", err, sizeof(err)), 0);
	assert_int_equal(target_list_parse(&t, b, strlen(b), "b.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "b.txt:3:3: duplicate resolver 8.8.8.8 (first at a.txt:2)");
	/* a failed parse leaves the list as it was */
	assert_int_equal(t.n, 2);
	assert_int_equal(target_list_parse(&t, c, strlen(c), "c.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "c.txt:1:1: duplicate resolver 9.9.9.9 (first at a.txt:1)");
	/* the same file twice */
	assert_int_equal(target_list_parse(&t, a, strlen(a), "a.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "a.txt:1:1: duplicate resolver 9.9.9.9 (first on line 1)");
	assert_int_equal(target_list_add(&t, "192.0.2.1", NULL, err, sizeof(err)), 0);
	assert_int_equal(target_list_parse(&t, d, strlen(d), "d.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "d.txt:1:1: duplicate resolver 192.0.2.1 (first given on the command line)");
	assert_int_equal(target_list_add(&t, "9.9.9.9", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "duplicate resolver 9.9.9.9 (first at a.txt:1)");
	assert_int_equal(t.n, 3);
	target_list_release(&t);
}

/* n lines of distinct resolvers, then extra. */
static char *many(size_t n, const char *extra)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, "10.%zu.%zu.1 label %zu\n", i / 256, i % 256, i);
	sb_adds(&sb, extra);
	return sb_detach(&sb);
}

static void test_parse_limits(void **state)
{
	(void)state;
	struct target_list t;
	char err[512] = "";
	char *text = many(TARGETS_MAX, "");
	target_list_init(&t);
	parse_ok(&t, text);
	assert_int_equal(t.n, TARGETS_MAX);
	target_list_release(&t);
	free(text);

	text = many(TARGETS_MAX, "# the limit is past\n\n   192.0.2.1 one too many\n");
	parse_fails(text, "r.txt:4099:4: more than 4096 resolvers");
	free(text);

	/* the limit is of the list, however many files fill it */
	text = many(TARGETS_MAX - 1, "");
	target_list_init(&t);
	parse_ok(&t, text);
	const char *two = "192.0.2.1\n192.0.2.2\n";
	assert_int_equal(target_list_parse(&t, two, strlen(two), "two.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "two.txt:2:1: more than 4096 resolvers");
	assert_int_equal(t.n, TARGETS_MAX - 1);
	target_list_release(&t);
	free(text);

	/* 1 MiB is the most a file may hold; the error is where it ends */
	size_t big = TARGETS_FILE_MAX + 1;
	char *buf = xmalloc(big);
	memset(buf, ' ', big);
	memcpy(buf, "192.0.2.1\n", 10);
	buf[TARGETS_FILE_MAX - 1] = '\n';
	target_list_init(&t);
	assert_int_equal(target_list_parse(&t, buf, TARGETS_FILE_MAX, "big.txt", err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	target_list_release(&t);
	parse_fails_n(buf, big, "r.txt:3:1: larger than 1 MiB: not a list of resolvers");
	buf[TARGETS_FILE_MAX - 1] = ' ';
	parse_fails_n(buf, big, "r.txt:2:1048567: larger than 1 MiB: not a list of resolvers");
	free(buf);
}

/* ------------------------------------------------------------------ */
/* loading files, the shipped list */

static void test_load(void **state)
{
	(void)state;
	struct target_list t;
	char err[512] = "";
	target_list_init(&t);

	assert_int_equal(target_list_load(&t, "no-such-list", err, sizeof(err)), -1);
	assert_string_equal(err, "cannot open 'no-such-list': no such file, nor a shipped list of that name");
	assert_int_equal(target_list_load(&t, "tests/no/such.txt", err, sizeof(err)), -1);
	assert_string_equal(err, "cannot open 'tests/no/such.txt': No such file or directory");
	assert_int_equal(target_list_load(&t, "rules", err, sizeof(err)), -1);
	assert_string_equal(err, "'rules' is a directory, not a list of resolvers");
	/* an endless source ends at the limit */
	assert_int_equal(target_list_load(&t, "/dev/zero", err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/zero:1:1048577: larger than 1 MiB: not a list of resolvers");
	assert_int_equal(target_list_load(&t, "/dev/null", err, sizeof(err)), -1);
	assert_string_equal(err, "/dev/null:1:1: an empty file: no resolver in it");
	assert_int_equal(t.n, 0);

	/* standard input */
	char path[] = "/tmp/cutover-targets-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "192.0.2.1 stdin\n192.0.2.x\n", 26), 26);
	close(fd);
	assert_non_null(freopen(path, "r", stdin));
	assert_int_equal(target_list_load(&t, "-", err, sizeof(err)), -1);
	assert_string_equal(err, "standard input:2:1: '192.0.2.x' is not an IPv4 or IPv6 address");
	assert_non_null(freopen(path, "r", stdin));
	assert_int_equal(target_list_load(&t, path, err, sizeof(err)), -1);
	char want[512];
	snprintf(want, sizeof(want), "%s:2:1: '192.0.2.x' is not an IPv4 or IPv6 address", path);
	assert_string_equal(err, want);
	unlink(path);
	target_list_release(&t);
}

static void test_shipped_list(void **state)
{
	(void)state;
	struct target_list t, by_name;
	char err[512] = "";
	size_t v4 = 0, v6 = 0;

	target_list_init(&t);
	if (target_list_load(&t, "rules/resolvers.txt", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(t.n >= 40);
	for (size_t i = 0; i < t.n; i++) {
		const struct target *x = &t.v[i];
		v4 += x->addr.ss_family == AF_INET;
		v6 += x->addr.ss_family == AF_INET6;
		assert_int_equal(x->port, 53);
		assert_non_null(x->label); /* every one says whose it is */
		assert_string_equal(x->file, "rules/resolvers.txt");
		/* no loopback, private or documentation address slipped in */
		if (x->addr.ss_family == AF_INET) {
			uint32_t a = ntohl(((const struct sockaddr_in *)&x->addr)->sin_addr.s_addr);
			assert_false((a >> 24) == 127 || (a >> 24) == 10 || (a >> 20) == 0xac1 ||
				     (a >> 16) == 0xc0a8 || (a >> 8) == 0xc00002 || (a >> 8) == 0xc63364 ||
				     (a >> 8) == 0xcb0071);
		} else {
			const uint8_t *b = ((const struct sockaddr_in6 *)&x->addr)->sin6_addr.s6_addr;
			assert_false(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
			assert_false((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80));
		}
	}
	assert_true(v4 >= 20);
	assert_true(v6 >= 20);
	/* duplicates would have failed the load; the operators all appear */
	const char *operators[] = {"Cloudflare",	 "Google",  "Quad9",
				   "Quad9 (unfiltered)", "OpenDNS", "AdGuard"};
	for (size_t k = 0; k < ARRAY_SIZE(operators); k++) {
		size_t seen = 0;
		for (size_t i = 0; i < t.n; i++)
			seen += strcmp(t.v[i].label, operators[k]) == 0;
		if (seen < 2)
			fail_msg("%s: %zu entries", operators[k], seen);
	}

	/* "resolvers", a bare word, is the shipped list */
	setenv("CUTOVER_RULES_DIR", "rules", 1);
	target_list_init(&by_name);
	if (target_list_load(&by_name, "resolvers", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(by_name.n, t.n);
	assert_true(strstr(by_name.v[0].file, "rules/resolvers.txt") != NULL);
	for (size_t i = 0; i < t.n; i++)
		assert_string_equal(by_name.v[i].text, t.v[i].text);
	target_list_release(&by_name);
	target_list_init(&by_name);
	assert_int_equal(target_list_load(&by_name, "resolvers.txt", err, sizeof(err)), 0);
	assert_int_equal(by_name.n, t.n);
	/* and loading it again beside itself names the first */
	assert_int_equal(target_list_load(&by_name, "resolvers", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "duplicate resolver 1.1.1.1 (first on line"));
	target_list_release(&by_name);
	unsetenv("CUTOVER_RULES_DIR");
	target_list_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_forms),	cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_add_errors_more), cmocka_unit_test(test_add_duplicates_and_limit),
		cmocka_unit_test(test_parse_file),	cmocka_unit_test(test_parse_crlf),
		cmocka_unit_test(test_parse_errors),	cmocka_unit_test(test_parse_label_limit),
		cmocka_unit_test(test_parse_empty),	cmocka_unit_test(test_parse_duplicates),
		cmocka_unit_test(test_parse_limits),	cmocka_unit_test(test_load),
		cmocka_unit_test(test_shipped_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
