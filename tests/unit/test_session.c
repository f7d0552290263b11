/* The common options (src/session.c): parsed the same for every command,
 * with a command's own options beside them. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
	struct opts_extra extra = {longopts, "w", on_extra, &seen};
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
	struct opts_extra extra = {longopts, "x", on_extra, &seen};
	char *refused[] = {"propagation", "-x", NULL};
	assert_int_equal(opts_common_parse(&o, 2, refused, "usage\n", &extra), -1);
	opts_common_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_and_extra),
		cmocka_unit_test(test_defaults_and_errors),
	};
	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
