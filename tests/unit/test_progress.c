/* Unit tests of the progress line's text (src/progress.c): its fields, the
 * elapsed time, the cut to the terminal's width, and what may not reach the
 * terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "progress.h"

#define SEC 1000000ull

static void test_fields(void **state)
{
	char buf[256];
	struct progress_counts c = {.what = "check",
				    .unit = "domains",
				    .done = 3,
				    .total = 40,
				    .findings = 12,
				    .problems = 2,
				    .in_flight = 17};
	(void)state;
	size_t n = progress_format(buf, sizeof(buf), &c, 4 * SEC + 900000, 200);
	assert_string_equal(buf, "check: 3/40 domains, 12 findings (2 problems), 17 in flight, 4s elapsed");
	assert_int_equal(n, strlen(buf));
	/* one finding, no problem; no unit: no count; what is done comes last */
	c = (struct progress_counts){.what = "plan run", .findings = 1, .doing = "phase a: holding"};
	progress_format(buf, sizeof(buf), &c, 0, 200);
	assert_string_equal(buf, "plan run: 1 finding, 0 in flight, 0s elapsed, phase a: holding");
}

static void test_elapsed(void **state)
{
	char buf[256];
	struct progress_counts c = {.what = "x"};
	(void)state;
	progress_format(buf, sizeof(buf), &c, 65 * SEC, 200);
	assert_string_equal(buf, "x: 0 findings, 0 in flight, 1m05s elapsed");
	progress_format(buf, sizeof(buf), &c, (2 * 3600 + 3 * 60 + 59) * SEC, 200);
	assert_string_equal(buf, "x: 0 findings, 0 in flight, 2h03m elapsed");
}

static void test_width(void **state)
{
	char buf[256];
	struct progress_counts c = {.what = "check", .unit = "domains", .done = 3, .total = 40};
	(void)state;
	/* one column short of the width: the last column would wrap */
	size_t n = progress_format(buf, sizeof(buf), &c, 0, 20);
	assert_int_equal(n, 19);
	assert_string_equal(buf, "check: 3/40 domains");
	/* 0: the width is not known, 80 */
	c.doing = "a long description of what happens now, long enough to pass eighty columns";
	n = progress_format(buf, sizeof(buf), &c, 0, 0);
	assert_int_equal(n, 79);
	/* a width of one or none leaves nothing */
	assert_int_equal(progress_format(buf, sizeof(buf), &c, 0, 1), 0);
	assert_string_equal(buf, "");
	/* the buffer's size bounds it too */
	char small[10];
	assert_int_equal(progress_format(small, sizeof(small), &c, 0, 200), 9);
	assert_string_equal(small, "check: 3/");
}

static void test_utf8_cut(void **state)
{
	char buf[256];
	/* "é" is two bytes: a cut between them backs up before it */
	struct progress_counts c = {.what = "plan run", .doing = "phase \xc3\xa9t\xc3\xa9"};
	(void)state;
	size_t full = progress_format(buf, sizeof(buf), &c, 0, 200);
	size_t n = progress_format(buf, sizeof(buf), &c, 0, (unsigned)full); /* width - 1: one byte short */
	assert_int_equal(n, full - 2);
	assert_int_equal(buf[n - 1], 't');
}

static void test_controls(void **state)
{
	char buf[256];
	/* a phase named with an escape sequence cannot move the cursor */
	struct progress_counts c = {.what = "plan run", .doing = "phase \033[2J\r\nx\x7f"};
	(void)state;
	progress_format(buf, sizeof(buf), &c, 0, 200);
	assert_null(strchr(buf, '\033'));
	assert_null(strchr(buf, '\r'));
	assert_null(strchr(buf, '\n'));
	assert_null(strchr(buf, '\x7f'));
	assert_non_null(strstr(buf, "phase ?[2J??x?"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),	 cmocka_unit_test(test_elapsed),
		cmocka_unit_test(test_width),	 cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
