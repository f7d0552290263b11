/* The common options (src/session.c): parsed the same for every command,
 * with a command's own options beside them. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "session.h"

struct seen {
	int watch;
	const char *label;
};

static int on_extra(void *arg, int c, const char *optarg)
{
	struct seen *s = arg;
	if (c == 'w')
		s->watch++;
	else if (c == 1000)
		s->label = optarg;
	else
		return -1;
	return 0;
}

static void test_common_and_extra(void **state)
{
	(void)state;
	static const struct option longopts[] = {
		{"watch", no_argument, NULL, 'w'},
		{"label", required_argument, NULL, 1000},
		{NULL, 0, NULL, 0},
	};
	struct seen seen = {0, NULL};
	struct opts_extra extra = {longopts, "w", on_extra, &seen, 0, 0};
	char *argv[] = {"propagation",
			"-r",
			"pre-cutover",
			"--set",
			"new_ip=192.0.2.1",
			"-w",
			"--label",
			"Quad9",
			"--timeout",
			"500",
			"-j",
			"8",
			"-f",
			"json",
			"--watch",
			"www.example.org",
			"A",
			NULL};
	struct common_opts o;
	assert_int_equal(opts_common_parse(&o, 17, argv, "usage\n", &extra), 0);
	assert_int_equal(seen.watch, 2);
	assert_string_equal(seen.label, "Quad9");
	assert_int_equal(o.n_rule_args, 1);
	assert_string_equal(o.rule_args[0], "pre-cutover");
	assert_string_equal(vars_get(&o.vars, "new_ip"), "192.0.2.1");
	assert_int_equal(o.dns.timeout_ms, 500);
	assert_int_equal(o.jobs, 8);
	assert_int_equal(o.format, FORMAT_JSON);
	assert_int_equal(o.n_args, 2);
	assert_string_equal(o.args[0], "www.example.org");
	assert_string_equal(o.args[1], "A");
	opts_common_release(&o);
}

static void test_defaults_and_errors(void **state)
{
	(void)state;
	struct common_opts o;
	char *plain[] = {"check", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 2, plain, "usage\n", NULL), 0);
	assert_int_equal(o.jobs, 64);
	assert_int_equal(o.dns.timeout_ms, 2000);
	assert_int_equal(o.format, FORMAT_TEXT);
	assert_int_equal(o.fail_on, STATUS_FAIL);
	assert_null(o.output);
	assert_int_equal(o.quiet, 0);
	opts_common_release(&o);

	/* -q and --quiet: no progress line, no notes */
	char *quiet[] = {"check", "-q", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 3, quiet, "usage\n", NULL), 0);
	assert_int_equal(o.quiet, 1);
	assert_int_equal(o.n_args, 1);
	opts_common_release(&o);
	char *quiet_long[] = {"check", "example.org", "--quiet", NULL};
	assert_int_equal(opts_common_parse(&o, 3, quiet_long, "usage\n", NULL), 0);
	assert_int_equal(o.quiet, 1);
	opts_common_release(&o);

	/* Without the command's options, its letters are unknown. */
	char *unknown[] = {"check", "-w", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 3, unknown, "usage\n", NULL), -1);
	opts_common_release(&o);

	char *bad[] = {"check", "--jobs", "0", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 4, bad, "usage\n", NULL), -1);
	opts_common_release(&o);

	char *both[] = {"check", "--resolver", "127.0.0.1", "--root-hints", "x", NULL};
	assert_int_equal(opts_common_parse(&o, 5, both, "usage\n", NULL), -1);
	opts_common_release(&o);

	/* The command's own option can refuse its value. */
	static const struct option longopts[] = {{"other", no_argument, NULL, 'x'}, {NULL, 0, NULL, 0}};
	struct seen seen = {0, NULL};
	struct opts_extra extra = {longopts, "x", on_extra, &seen, 0, 0};
	char *refused[] = {"propagation", "-x", NULL};
	assert_int_equal(opts_common_parse(&o, 2, refused, "usage\n", &extra), -1);
	opts_common_release(&o);
}

/* --fail-on new: only for a command that reads a baseline (check); the
 * others (propagation, plan) refuse it; a later --fail-on replaces it. */
static void test_fail_on_new(void **state)
{
	(void)state;
	struct common_opts o;
	static const struct option longopts[] = {{"other", no_argument, NULL, 'x'}, {NULL, 0, NULL, 0}};
	struct seen seen = {0, NULL};
	struct opts_extra check = {longopts, "x", on_extra, &seen, 0, 1};
	struct opts_extra other = {longopts, "x", on_extra, &seen, 1, 0};

	char *argv_new[] = {"check", "--fail-on", "new", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 4, argv_new, "usage\n", &check), 0);
	assert_int_equal(o.fail_on_new, 1);
	assert_int_equal(o.fail_on, STATUS_WARN);
	opts_common_release(&o);

	assert_int_equal(opts_common_parse(&o, 4, argv_new, "usage\n", &other), -1);
	opts_common_release(&o);
	assert_int_equal(opts_common_parse(&o, 4, argv_new, "usage\n", NULL), -1);
	opts_common_release(&o);

	char *argv_then_fail[] = {"check", "--fail-on", "new", "--fail-on", "fail", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 6, argv_then_fail, "usage\n", &check), 0);
	assert_int_equal(o.fail_on_new, 0);
	assert_int_equal(o.fail_on, STATUS_FAIL);
	opts_common_release(&o);

	char *argv_bad[] = {"check", "--fail-on", "news", "example.org", NULL};
	assert_int_equal(opts_common_parse(&o, 4, argv_bad, "usage\n", &check), -1);
	opts_common_release(&o);
}

/* The names domains_parse() hands over, one string "name@line ..." */
struct got {
	struct strbuf sb;
	const char *refuse; /* a name to refuse */
};

static int collect(void *arg, const char *name, char *why, size_t whylen)
{
	struct got *g = arg;
	if (g->refuse && strcmp(name, g->refuse) == 0) {
		snprintf(why, whylen, "'%s' is refused", name);
		return -1;
	}
	sb_addf(&g->sb, "%s%s", g->sb.len ? " " : "", name);
	return 0;
}

static const char *parse(const char *text, size_t len, struct got *g, char *err, size_t errlen)
{
	sb_reset(&g->sb);
	err[0] = '\0';
	if (domains_parse(text, len, "d.txt", collect, g, err, errlen) != 0)
		return NULL;
	return g->sb.buf;
}

/* The -d reader (issue 7, defect 9: only the first name of a line was read,
 * and a NUL byte cut a name short). */
static void test_domains_parse(void **state)
{
	(void)state;
	struct got g = {STRBUF_INIT, NULL};
	char err[256];
	static const char text[] = "# a comment\n"
				   "a.test b.test\tc.test\r\n"
				   "\n"
				   "   d.test#no space before the comment\n"
				   "e.test # f.test\n"
				   "g.test";
	assert_string_equal(parse(text, sizeof(text) - 1, &g, err, sizeof(err)),
			    "a.test b.test c.test d.test e.test g.test");
	assert_string_equal(parse("", 0, &g, err, sizeof(err)), "");
	/* only len bytes */
	assert_string_equal(parse("x.test y.test", 6, &g, err, sizeof(err)), "x.test");

	/* a NUL byte is an error at its line, never a name cut short */
	static const char nul[] = "a.test\nb.test\nc\0d.test\n";
	assert_null(parse(nul, sizeof(nul) - 1, &g, err, sizeof(err)));
	assert_string_equal(err, "d.txt:3: a NUL byte: not a text file of domain names");
	static const char nul_comment[] = "a.test # \0\n";
	assert_null(parse(nul_comment, sizeof(nul_comment) - 1, &g, err, sizeof(err)));
	assert_string_equal(err, "d.txt:1: a NUL byte: not a text file of domain names");

	/* a name the caller refuses: its line */
	g.refuse = "bad";
	assert_null(parse("a.test\n\nok.test bad\n", 19, &g, err, sizeof(err)));
	assert_string_equal(err, "d.txt:3: 'bad' is refused");
	sb_release(&g.sb);
}

/* -d with a directory is an error (it read as empty, and nothing was
 * checked), and so is a file too large to be a list of names. */
static void test_domains_file_errors(void **state)
{
	(void)state;
	struct common_opts o;
	char *dir[] = {"check", "-d", "/tmp", NULL};
	assert_int_equal(opts_common_parse(&o, 3, dir, "usage\n", NULL), -1);
	opts_common_release(&o);
	char *zero[] = {"check", "-d", "/dev/zero", NULL};
	assert_int_equal(opts_common_parse(&o, 3, zero, "usage\n", NULL), -1);
	opts_common_release(&o);

	char path[] = "/tmp/cutover-test-domains.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a.test b.test\nc.test\n", 21), 21);
	close(fd);
	char *file[] = {"check", "-d", path, "z.test", NULL};
	assert_int_equal(opts_common_parse(&o, 4, file, "usage\n", NULL), 0);
	assert_int_equal(o.n_args, 4);
	assert_string_equal(o.args[1], "b.test");
	assert_string_equal(o.args[3], "z.test");
	opts_common_release(&o);

	/* a name of a -d file is checked and converted as an operand is */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("b\xc3\xbc"
	      "cher.test\n",
	      f);
	fclose(f);
	char *idn[] = {"check", "-d", path, NULL};
	assert_int_equal(opts_common_parse(&o, 3, idn, "usage\n", NULL), 0);
	assert_int_equal(o.n_args, 1);
	assert_string_equal(o.args[0], "xn--bcher-kva.test");
	opts_common_release(&o);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("good.test\n192.0.2.1\n", f);
	fclose(f);
	char *ip[] = {"check", "-d", path, NULL};
	assert_int_equal(opts_common_parse(&o, 3, ip, "usage\n", NULL), -1);
	opts_common_release(&o);

	/* more than DOMAINS_MAX names: refused at the first one too many */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i <= DOMAINS_MAX; i++)
		fputs("a\n", f);
	fclose(f);
	char *many[] = {"check", "-d", path, NULL};
	assert_int_equal(opts_common_parse(&o, 3, many, "usage\n", NULL), -1);
	opts_common_release(&o);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_and_extra),    cmocka_unit_test(test_defaults_and_errors),
		cmocka_unit_test(test_fail_on_new),	    cmocka_unit_test(test_domains_parse),
		cmocka_unit_test(test_domains_file_errors),
	};
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
