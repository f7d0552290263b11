/* Unit tests of TTL and serial arithmetic (src/ttl.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ttl.h"

static void test_negative_ttl(void **state)
{
	(void)state;
	/* RFC 2308: the smaller of the SOA record's TTL and its MINIMUM. */
	assert_int_equal(ttl_negative(3600, 300), 300);
	assert_int_equal(ttl_negative(300, 86400), 300);
	assert_int_equal(ttl_negative(86400, 86400), 86400);
	assert_int_equal(ttl_negative(0, 900), 0);
	assert_int_equal(ttl_negative(UINT32_MAX, 5), 5);
}

static void test_serial_compare(void **state)
{
	(void)state;
	assert_int_equal(serial_compare(2026112501u, 2026112501u), 0);
	assert_int_equal(serial_compare(2026112401u, 2026112501u), -1);
	assert_int_equal(serial_compare(2026112501u, 2026112401u), 1);
	/* RFC 1982: wrapping past 2^32 is still "newer". */
	assert_int_equal(serial_compare(4294967295u, 5u), -1);
	assert_int_equal(serial_compare(5u, 4294967295u), 1);
	/* Exactly 2^31 apart: undefined. */
	assert_int_equal(serial_compare(0u, 0x80000000u), 2);
	assert_int_equal(serial_compare(0x80000000u, 0u), 2);
	/* Just under half the space apart is still ordered. */
	assert_int_equal(serial_compare(0u, 0x7FFFFFFFu), -1);
	assert_int_equal(serial_compare(0u, 0x80000001u), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_ttl),
		cmocka_unit_test(test_serial_compare),
	};
	return cmocka_run_group_tests_name("ttl", tests, NULL, NULL);
}
