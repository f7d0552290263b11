/* Unit tests of the order of the DS and NS changes across a provider move
 * (checks/dnssec_order.c): every combination of the DS at the parent and
 * the states of the old and new sides, and the sentences said for each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnssec_order.h"

#define N_STATES 5 /* enum dnssec_side_state */

/* Short names for the tables */
#define UNK DNSSEC_ORDER_UNKNOWN
#define SAFE DNSSEC_ORDER_SAFE
#define INSEC DNSSEC_ORDER_INSECURE
#define NS_DS DNSSEC_ORDER_NS_THEN_DS
#define ADD DNSSEC_ORDER_ADD_DS_FIRST
#define RM_1ST DNSSEC_ORDER_REMOVE_DS_FIRST
#define MENDS DNSSEC_ORDER_NS_MENDS
#define REPL DNSSEC_ORDER_REPLACE_DS
#define RM DNSSEC_ORDER_REMOVE_DS
#define MIXED DNSSEC_ORDER_NEW_MIXED

/* Rows: from (none given, then each state in enum order: unknown,
 * unsigned, matched, unmatched, mixed); columns: to, the same order. */
static const enum dnssec_order with_ds[N_STATES + 1][N_STATES] = {
	/* no from */ {UNK, RM_1ST, SAFE, ADD, MIXED},
	/* unknown */ {UNK, UNK, UNK, UNK, UNK},
	/* unsigned */ {UNK, RM, MENDS, REPL, MIXED},
	/* matched */ {UNK, RM_1ST, SAFE, ADD, MIXED},
	/* unmatched */ {UNK, RM, MENDS, REPL, MIXED},
	/* mixed */ {UNK, RM, MENDS, REPL, MIXED},
};
static const enum dnssec_order without_ds[N_STATES + 1][N_STATES] = {
	/* no from */ {UNK, INSEC, NS_DS, NS_DS, MIXED},
	/* unknown */ {UNK, UNK, UNK, UNK, UNK},
	/* unsigned */ {UNK, INSEC, NS_DS, NS_DS, MIXED},
	/* matched */ {UNK, INSEC, NS_DS, NS_DS, MIXED},
	/* unmatched */ {UNK, INSEC, NS_DS, NS_DS, MIXED},
	/* mixed */ {UNK, INSEC, NS_DS, NS_DS, MIXED},
};

static enum dnssec_order decide(enum dnssec_ds ds, int from_row, int to)
{
	enum dnssec_side_state from = (enum dnssec_side_state)(from_row - 1);
	return dnssec_order_decide(ds, from_row ? &from : NULL, (enum dnssec_side_state)to);
}

static void test_every_combination(void **state)
{
	(void)state;
	for (int f = 0; f <= N_STATES; f++) {
		for (int t = 0; t < N_STATES; t++) {
			assert_int_equal(decide(DNSSEC_DS_PRESENT, f, t), with_ds[f][t]);
			assert_int_equal(decide(DNSSEC_DS_ABSENT, f, t), without_ds[f][t]);
			/* a DS lookup that failed decides nothing */
			assert_int_equal(decide(DNSSEC_DS_UNKNOWN, f, t), UNK);
		}
	}
}

/* Checked where it is (the same servers before and after), a zone never
 * needs a change before an NS change that will not come. */
static void test_no_move(void **state)
{
	(void)state;
	for (int ds = DNSSEC_DS_UNKNOWN; ds <= DNSSEC_DS_PRESENT; ds++) {
		for (int s = 0; s < N_STATES; s++) {
			enum dnssec_order o = decide((enum dnssec_ds)ds, s + 1, s);
			assert_true(o != ADD && o != RM_1ST && o != MENDS);
		}
	}
}

/* The brief's four moves, by name. */
static void test_the_classic_moves(void **state)
{
	(void)state;
	enum dnssec_side_state signed_ds = DNSSEC_SIDE_MATCHED, unsigned_ = DNSSEC_SIDE_UNSIGNED;
	/* old signed with a DS, new unsigned: the DS goes first */
	assert_int_equal(dnssec_order_decide(DNSSEC_DS_PRESENT, &signed_ds, DNSSEC_SIDE_UNSIGNED), RM_1ST);
	/* old signed, new signed with other keys: the new DS first, beside the old */
	assert_int_equal(dnssec_order_decide(DNSSEC_DS_PRESENT, &signed_ds, DNSSEC_SIDE_UNMATCHED), ADD);
	/* old unsigned, new signed, no DS: NS first, then the DS */
	assert_int_equal(dnssec_order_decide(DNSSEC_DS_ABSENT, &unsigned_, DNSSEC_SIDE_UNMATCHED), NS_DS);
	/* a DS for both providers' keys: the NS change is safe now */
	assert_int_equal(dnssec_order_decide(DNSSEC_DS_PRESENT, &signed_ds, DNSSEC_SIDE_MATCHED), SAFE);
	/* --ns before a move (no from): judged against the DS alone */
	assert_int_equal(dnssec_order_decide(DNSSEC_DS_PRESENT, NULL, DNSSEC_SIDE_UNSIGNED), RM_1ST);
	assert_int_equal(dnssec_order_decide(DNSSEC_DS_PRESENT, NULL, DNSSEC_SIDE_UNMATCHED), ADD);
}

static const struct dnssec_order_facts facts = {
	.zone = "example.test",
	.to = "ns1.new.test, ns2.new.test",
	.ds_ttl = 3600,
	.ns_ttl = 300,
	.dnskey_ttl = 600,
	.ds_tags = "11111",
	.new_ds = "example.test. IN DS 22222 13 2 abcdef",
	.stale_ds = "11111",
	.why = "the DS lookup failed (SERVFAIL)",
};

/* msg holds each of the NULL-terminated words */
static void assert_says(enum dnssec_order o, int no_move, const char *const *words)
{
	struct dnssec_order_facts f = facts;
	f.no_move = no_move;
	char *msg = dnssec_order_message(o, &f);
	for (size_t i = 0; words[i]; i++) {
		if (!strstr(msg, words[i]))
			fail_msg("order %s%s: '%s' is not in: %s", dnssec_order_name(o),
				 no_move ? " (no move)" : "", words[i], msg);
	}
	free(msg);
}

static void test_messages_say_what_to_do(void **state)
{
	(void)state;
	assert_says(ADD, 0,
		    (const char *const[]){"22222 13 2 abcdef", "beside", "key tag 11111", "(3600 s)",
					  "(300 s)", "its TTL: 600 s", "then change NS", NULL});
	assert_says(RM_1ST, 0, (const char *const[]){"remove the DS", "(3600 s)", "then change NS", NULL});
	assert_says(NS_DS, 0, (const char *const[]){"change NS first", "(300 s)", "22222 13 2 abcdef", NULL});
	assert_says(NS_DS, 1, (const char *const[]){"add the DS", "22222 13 2 abcdef", NULL});
	assert_says(SAFE, 0,
		    (const char *const[]){"safe now", "remove the DS with key tag 11111", "(300 s)", NULL});
	assert_says(SAFE, 1, (const char *const[]){"nothing to change", NULL});
	assert_says(INSEC, 0, (const char *const[]){"safe now", NULL});
	assert_says(MENDS, 0, (const char *const[]){"mends", NULL});
	assert_says(REPL, 0, (const char *const[]){"replace the DS", "22222 13 2 abcdef", NULL});
	assert_says(REPL, 1, (const char *const[]){"replace it with", "22222 13 2 abcdef", NULL});
	assert_says(RM, 0, (const char *const[]){"remove the DS", NULL});
	assert_says(RM, 1, (const char *const[]){"remove the DS", NULL});
	assert_says(MIXED, 0, (const char *const[]){"ns1.new.test, ns2.new.test", "disagree", NULL});
	assert_says(UNK, 0, (const char *const[]){"SERVFAIL", NULL});
}

/* Whatever is unknown, every order makes a sentence without "(null)". */
static void test_messages_with_nothing_known(void **state)
{
	(void)state;
	struct dnssec_order_facts f = {.zone = "example.test", .ds_ttl = -1, .ns_ttl = -1, .dnskey_ttl = -1};
	for (int o = (int)UNK; o <= (int)MIXED; o++) {
		for (f.no_move = 0; f.no_move <= 1; f.no_move++) {
			char *msg = dnssec_order_message((enum dnssec_order)o, &f);
			assert_true(strlen(msg) > 40);
			assert_null(strstr(msg, "(null)"));
			assert_null(strstr(msg, "()"));
			free(msg);
		}
		assert_string_not_equal(dnssec_order_name((enum dnssec_order)o), "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_combination),
		cmocka_unit_test(test_no_move),
		cmocka_unit_test(test_the_classic_moves),
		cmocka_unit_test(test_messages_say_what_to_do),
		cmocka_unit_test(test_messages_with_nothing_known),
	};
	return cmocka_run_group_tests_name("dnssec_order", tests, NULL, NULL);
}
