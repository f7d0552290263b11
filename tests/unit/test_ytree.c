/* Unit tests for src/ytree.c, the YAML tree with positions: where nodes are,
 * what the tree refuses and where it says so, loading from a buffer and a
 * file, and the helpers messages share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"
#include "ytree.h"

/* ------------------------------------------------------------------ */
/* helpers */

static struct ytree_doc *load_ok(const char *text)
{
	struct ytree_doc *doc = NULL;
	char err[512] = "";
	if (ytree_load_buffer(text, strlen(text), "t.yml", NULL, &doc, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(doc);
	return doc;
}

/* Load text and expect it to fail with "t.yml:" message. */
static void expect_error_names(const char *text, const struct ytree_names *names, const char *message)
{
	struct ytree_doc *doc = (struct ytree_doc *)1;
	char err[512] = "";
	char *want = xasprintf("t.yml:%s", message);
	assert_int_equal(ytree_load_buffer(text, strlen(text), "t.yml", names, &doc, err, sizeof(err)), -1);
	assert_null(doc);
	assert_string_equal(err, want);
	free(want);
}

static void expect_error(const char *text, const char *message)
{
	expect_error_names(text, NULL, message);
}

static void assert_at(const struct ytree_node *n, enum ytree_kind kind, int line, int col)
{
	assert_non_null(n);
	assert_int_equal(n->kind, kind);
	assert_int_equal(n->line, line);
	assert_int_equal(n->col, col);
}

static void assert_scalar_at(const struct ytree_node *n, const char *str, int line, int col)
{
	assert_at(n, YTREE_SCALAR, line, col);
	assert_string_equal(n->str, str);
}

/* ------------------------------------------------------------------ */
/* the tree */

static void test_positions(void **state)
{
	(void)state;
	struct ytree_doc *doc = load_ok("top:\n"
					"  list:\n"
					"    - a\n"
					"    - {k: v, \"q\": 'x'}\n"
					"  deep: [1, [2, [3]]]\n");
	const struct ytree_node *root = doc->root, *top, *list, *item, *deep;

	assert_string_equal(doc->file, "t.yml");
	assert_at(root, YTREE_MAP, 1, 1);
	assert_int_equal(root->n, 1);
	assert_scalar_at(&root->pairs[0].key, "top", 1, 1);
	top = ytree_map_get(root, "top");
	assert_ptr_equal(top, &root->pairs[0].value);
	assert_at(top, YTREE_MAP, 2, 3);
	assert_int_equal(top->n, 2);
	assert_scalar_at(&top->pairs[0].key, "list", 2, 3);
	assert_scalar_at(&top->pairs[1].key, "deep", 5, 3);

	/* a block list starts at its first '-', an item after it */
	list = ytree_map_get(top, "list");
	assert_at(list, YTREE_SEQ, 3, 5);
	assert_int_equal(list->n, 2);
	assert_scalar_at(&list->items[0], "a", 3, 7);
	item = &list->items[1];
	assert_at(item, YTREE_MAP, 4, 7);
	assert_int_equal(item->n, 2);
	assert_scalar_at(&item->pairs[0].key, "k", 4, 8);
	assert_scalar_at(&item->pairs[0].value, "v", 4, 11);
	/* a quoted scalar starts at its quote */
	assert_scalar_at(&item->pairs[1].key, "q", 4, 14);
	assert_int_equal(item->pairs[1].key.style, YTREE_DOUBLE_QUOTED);
	assert_scalar_at(ytree_map_get(item, "q"), "x", 4, 19);
	assert_int_equal(ytree_map_get(item, "q")->style, YTREE_SINGLE_QUOTED);

	deep = ytree_map_get(top, "deep");
	assert_at(deep, YTREE_SEQ, 5, 9);
	assert_scalar_at(&deep->items[0], "1", 5, 10);
	assert_at(&deep->items[1], YTREE_SEQ, 5, 13);
	assert_scalar_at(&deep->items[1].items[0], "2", 5, 14);
	assert_at(&deep->items[1].items[1], YTREE_SEQ, 5, 17);
	assert_scalar_at(&deep->items[1].items[1].items[0], "3", 5, 18);
	ytree_doc_free(doc);
}

static void test_positions_count_characters(void **state)
{
	(void)state;
	/* columns count characters, not bytes; a byte order mark is none */
	struct ytree_doc *doc = load_ok("\xc3\xa9t\xc3\xa9: \xc3\xbc\n");
	assert_scalar_at(&doc->root->pairs[0].key, "\xc3\xa9t\xc3\xa9", 1, 1);
	assert_scalar_at(&doc->root->pairs[0].value, "\xc3\xbc", 1, 6);
	ytree_doc_free(doc);
	doc = load_ok("\xef\xbb\xbf"
		      "a: b\r\nc: d\r\n");
	assert_scalar_at(ytree_map_get(doc->root, "a"), "b", 1, 4);
	assert_scalar_at(ytree_map_get(doc->root, "c"), "d", 2, 4);
	ytree_doc_free(doc);
}

static void test_empty(void **state)
{
	(void)state;
	static const char *const no_document[] = {"", "\n", "# only a comment\n", "\xef\xbb\xbf"};
	for (size_t i = 0; i < ARRAY_SIZE(no_document); i++) {
		struct ytree_doc *doc = load_ok(no_document[i]);
		assert_null(doc->root);
		ytree_doc_free(doc);
	}
	/* an empty document is one null scalar */
	static const char *const null_document[] = {"---\n", "~\n", "---\nnull\n"};
	for (size_t i = 0; i < ARRAY_SIZE(null_document); i++) {
		struct ytree_doc *doc = load_ok(null_document[i]);
		assert_non_null(doc->root);
		assert_true(ytree_is_null(doc->root));
		ytree_doc_free(doc);
	}
	ytree_doc_free(NULL);
}

static void test_buffer(void **state)
{
	(void)state;
	struct ytree_doc *doc = NULL;
	char err[512] = "";
	/* only len bytes are read: the text need not end in a NUL */
	static const char text[] = "a: 1\nb: 2\n";
	assert_int_equal(ytree_load_buffer(text, 5, "part.yml", NULL, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc->file, "part.yml");
	assert_int_equal(doc->root->n, 1);
	assert_scalar_at(ytree_map_get(doc->root, "a"), "1", 1, 4);
	assert_null(ytree_map_get(doc->root, "b"));
	ytree_doc_free(doc);

	/* no name: "<string>" */
	assert_int_equal(ytree_load_buffer("[", 1, NULL, NULL, &doc, err, sizeof(err)), -1);
	assert_null(doc);
	assert_string_equal(err,
			    "<string>:2:1: did not find expected node content while parsing a flow node");
	assert_int_equal(ytree_load_buffer("a: 1", 4, NULL, NULL, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc->file, "<string>");
	ytree_doc_free(doc);

	/* NULL text is empty; a failure without err still fails */
	assert_int_equal(ytree_load_buffer(NULL, 10, "t.yml", NULL, &doc, err, sizeof(err)), 0);
	assert_null(doc->root);
	ytree_doc_free(doc);
	assert_int_equal(ytree_load_buffer("a: *b", 5, "t.yml", NULL, &doc, NULL, 0), -1);
	assert_null(doc);

	/* UTF-16 with a byte order mark */
	static const char utf16[] = "\xff\xfe"
				    "a\0:\0 \0b\0\n\0";
	assert_int_equal(ytree_load_buffer(utf16, sizeof(utf16) - 1, "t.yml", NULL, &doc, err, sizeof(err)),
			 0);
	assert_scalar_at(ytree_map_get(doc->root, "a"), "b", 1, 4);
	ytree_doc_free(doc);
}

static void test_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_ytree.XXXXXX";
	struct ytree_doc *doc = NULL;
	char err[512] = "";
	int fd = mkstemp(path);
	static const char text[] = "name: x\nlist: [a, a]\nname: y\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(ytree_load_file(path, NULL, &doc, err, sizeof(err)), -1);
	assert_null(doc);
	char *want = xasprintf("%s:3:1: duplicate key 'name' (first at line 1)", path);
	assert_string_equal(err, want);
	free(want);
	unlink(path);

	assert_int_equal(ytree_load_file("tests/unit/test_ytree.c.missing", NULL, &doc, err, sizeof(err)),
			 -1);
	assert_null(doc);
	assert_string_equal(err, "cannot open 'tests/unit/test_ytree.c.missing': No such file or directory");
	assert_int_equal(ytree_load_file("/tmp", NULL, &doc, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read '/tmp': Is a directory");

	assert_int_equal(ytree_load_file("rules/default.yml", NULL, &doc, err, sizeof(err)), 0);
	assert_string_equal(doc->file, "rules/default.yml");
	assert_non_null(ytree_map_get(doc->root, "checks"));
	ytree_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* what the tree refuses */

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_error("key: value\n  bad: x\n", "2:6: mapping values are not allowed in this context");
	expect_error("a: [b, c\n", "2:1: did not find expected ',' or ']' while parsing a flow sequence");
	expect_error("a: \"b\n", "2:1: found unexpected end of stream while scanning a quoted scalar");
	/* tabs may not indent */
	expect_error("a:\n\tb: 1\n",
		     "2:1: found character that cannot start any token while scanning for the next token");
	expect_error("a:\n  - b\n\tc: x\n",
		     "3:1: found a tab character that violates indentation while scanning a plain scalar");
	/* reader errors have an offset, which becomes a position */
	expect_error("a: b\n\x01\n", "2:1: control characters are not allowed (#x1)");
	expect_error("a: \xc3\xa9\xc3\n", "1:6: invalid trailing UTF-8 octet (#xA)");
	expect_error("a: \"x\\0y\"\n", "1:4: a value contains a NUL character");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_error("a: 1\nb: 2\na: 3\n", "3:1: duplicate key 'a' (first at line 1)");
	expect_error("top:\n  x: {k: 1,\n      k: 2}\n", "3:7: duplicate key 'k' (first at line 2)");
	/* the same key in two mappings is no duplicate, nor are two values */
	struct ytree_doc *doc = load_ok("- {a: 1, b: 1}\n- {a: 2}\n");
	assert_int_equal(doc->root->n, 2);
	ytree_doc_free(doc);
	/* keys are compared as written: a quoted "a" is the same key */
	expect_error("a: 1\n'a': 2\n", "2:1: duplicate key 'a' (first at line 1)");
}

static void test_keys_are_scalars(void **state)
{
	(void)state;
	expect_error("? [a]\n: b\n", "1:3: a key must be a single value, not a list");
	expect_error("{x}: 1\n",
		     "1:1: a key must be a single value, not a mapping (quote a value that starts with '{')");
	expect_error("? {x: 1}\n: b\n", "1:3: a key must be a single value, not a mapping");
}

static void test_anchors_and_documents(void **state)
{
	(void)state;
	static const struct ytree_names plans = {"plans", "a plan file"};
	expect_error("a: &x 1\n",
		     "1:4: unsupported anchor '&x' (these files do not use anchors and aliases)");
	expect_error("a: *x\n", "1:4: unsupported alias '*x' (these files do not use anchors and aliases)");
	expect_error("a: 1\n---\nb: 2\n", "2:1: a second YAML document (the file holds one)");
	expect_error_names("a: !!str &x 1\n", &plans,
			   "1:4: unsupported anchor '&x' (plans do not use anchors and aliases)");
	expect_error_names("a: [&l [1]]\n", &plans,
			   "1:5: unsupported anchor '&l' (plans do not use anchors and aliases)");
	expect_error_names("a: &m {b: 1}\n", &plans,
			   "1:4: unsupported anchor '&m' (plans do not use anchors and aliases)");
	expect_error_names("a: 1\n--- x\n", &plans, "2:1: a second YAML document (a plan file holds one)");
	/* a document end marker alone is not a second document */
	struct ytree_doc *doc = load_ok("a: 1\n...\n");
	ytree_doc_free(doc);
}

/* k nested flow lists, "[[...]]": the innermost is at depth k - 1 */
static char *nested(size_t k)
{
	char *s = xcalloc(2 * k + 1, 1);
	memset(s, '[', k);
	memset(s + k, ']', k);
	return s;
}

static void test_depth_limit(void **state)
{
	(void)state;
	char *s = nested(YTREE_MAX_DEPTH + 1);
	struct ytree_doc *doc = load_ok(s);
	const struct ytree_node *n = doc->root;
	for (int depth = 0; depth < YTREE_MAX_DEPTH; depth++) {
		assert_at(n, YTREE_SEQ, 1, depth + 1);
		assert_int_equal(n->n, 1);
		n = &n->items[0];
	}
	assert_at(n, YTREE_SEQ, 1, YTREE_MAX_DEPTH + 1);
	assert_int_equal(n->n, 0);
	ytree_doc_free(doc);
	free(s);

	s = nested(YTREE_MAX_DEPTH + 2);
	expect_error(s, "1:34: nesting deeper than 32 levels");
	free(s);
	/* mappings count too: the mapping on line i + 1 is at depth i and its
	 * key one below */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < YTREE_MAX_DEPTH; i++)
		sb_addf(&sb, "%*sk:\n", 2 * i, "");
	doc = load_ok(sb.buf);
	ytree_doc_free(doc);
	sb_addf(&sb, "%*sk:\n", 2 * YTREE_MAX_DEPTH, "");
	expect_error(sb.buf, "33:65: nesting deeper than 32 levels");
	sb_release(&sb);
}

/* ------------------------------------------------------------------ */
/* helpers */

static void test_map_get(void **state)
{
	(void)state;
	struct ytree_doc *doc = load_ok("a: 1\nb: [x]\nc:\n");
	assert_scalar_at(ytree_map_get(doc->root, "a"), "1", 1, 4);
	assert_at(ytree_map_get(doc->root, "b"), YTREE_SEQ, 2, 4);
	assert_true(ytree_is_null(ytree_map_get(doc->root, "c")));
	assert_null(ytree_map_get(doc->root, "d"));
	assert_null(ytree_map_get(doc->root, "A"));
	assert_null(ytree_map_get(ytree_map_get(doc->root, "b"), "x"));
	assert_null(ytree_map_get(ytree_map_get(doc->root, "a"), "1"));
	ytree_doc_free(doc);
}

static void test_null_and_kind_names(void **state)
{
	(void)state;
	/* null is plain: a quoted '' or "~" is a string */
	struct ytree_doc *doc = load_ok("[~, null, Null, NULL, '', \"~\", 'null', nUll, 0, "
					"{x}, {x: 1}, {1x}, {a, b}, []]");
	const struct ytree_node *it = doc->root->items;
	assert_int_equal(doc->root->n, 14);
	for (size_t i = 0; i < 4; i++)
		assert_true(ytree_is_null(&it[i]));
	for (size_t i = 4; i < 14; i++)
		assert_false(ytree_is_null(&it[i]));
	assert_string_equal(ytree_kind_name(&it[0]), "a single value");
	assert_string_equal(ytree_kind_name(&it[9]), "a mapping (quote a value that starts with '{')");
	assert_true(ytree_is_unquoted_braces(&it[9]));
	assert_string_equal(ytree_kind_name(&it[10]), "a mapping");
	assert_false(ytree_is_unquoted_braces(&it[10]));
	assert_string_equal(ytree_kind_name(&it[11]), "a mapping");
	assert_false(ytree_is_unquoted_braces(&it[12]));
	assert_string_equal(ytree_kind_name(&it[13]), "a list");
	assert_false(ytree_is_unquoted_braces(&it[13]));
	ytree_doc_free(doc);
}

static void expect_pos(const struct ytree_node *n, size_t off, int line, int col)
{
	int l = 0, c = 0;
	ytree_scalar_pos(n, off, &l, &c);
	assert_int_equal(l, line);
	assert_int_equal(c, col);
}

static void test_scalar_pos(void **state)
{
	(void)state;
	struct ytree_doc *doc = load_ok("p: ab{v}\n"
					"s: 'ab{v}'\n"
					"d: \"ab{v}\"\n"
					"e: \"\\x41b{v}\"\n"
					"q: 'it''s {v}'\n"
					"u: \"\xc3\xa9\xc3\xa9{v}\"\n"
					"f: >\n"
					"  ab {v}\n"
					"m: ab\n"
					"   cd {v}\n");
	const struct ytree_node *r = doc->root;
	expect_pos(ytree_map_get(r, "p"), 2, 1, 6);
	expect_pos(ytree_map_get(r, "p"), 0, 1, 4);
	expect_pos(ytree_map_get(r, "s"), 2, 2, 7);
	expect_pos(ytree_map_get(r, "d"), 2, 3, 7);
	/* escapes, doubled quotes, block and multi-line scalars: where the node starts */
	expect_pos(ytree_map_get(r, "e"), 2, 4, 4);
	expect_pos(ytree_map_get(r, "q"), 5, 5, 4);
	/* characters, not bytes */
	expect_pos(ytree_map_get(r, "u"), 4, 6, 7);
	expect_pos(ytree_map_get(r, "f"), 3, 7, 4);
	expect_pos(ytree_map_get(r, "m"), 6, 9, 4);
	/* not a scalar */
	expect_pos(r, 3, 1, 1);
	ytree_doc_free(doc);

	/* a byte order mark is not a character */
	doc = load_ok("\xef\xbb\xbfp: ab{v}\n");
	expect_pos(ytree_map_get(doc->root, "p"), 2, 1, 6);
	ytree_doc_free(doc);
}

static void test_error_format(void **state)
{
	(void)state;
	char err[64] = "unchanged";
	assert_int_equal(ytree_error(err, sizeof(err), "f.yml", 12, 5, "unknown check '%s'", "spff"), -1);
	assert_string_equal(err, "f.yml:12:5: unknown check 'spff'");
	assert_int_equal(ytree_error(NULL, 0, "f.yml", 1, 1, "x"), -1);
	assert_int_equal(ytree_error(err, 12, "f.yml", 1, 1, "a long message"), -1);
	assert_string_equal(err, "f.yml:1:1: ");
}

static void test_shown(void **state)
{
	(void)state;
	char buf[YTREE_SHOWN_SIZE];
	char small[8];
	assert_string_equal(ytree_shown("plain", buf, sizeof(buf)), "plain");
	assert_string_equal(ytree_shown("a\tb\x1b[31m\x7f", buf, sizeof(buf)), "a?b?[31m?");
	assert_string_equal(ytree_shown("1234567", small, sizeof(small)), "1234567");
	assert_string_equal(ytree_shown("12345678", small, sizeof(small)), "1234...");
	/* cut at a character boundary: never half an "é" */
	assert_string_equal(ytree_shown("123\xc3\xa9xyz", small, sizeof(small)), "123...");
	char *long_text = xcalloc(200, 1);
	memset(long_text, 'x', 199);
	assert_int_equal(strlen(ytree_shown(long_text, buf, sizeof(buf))), 67);
	assert_string_equal(buf + 64, "...");
	free(long_text);
}

static void test_closest(void **state)
{
	(void)state;
	static const char *const checks[] = {"ns", "soa", "ttl", "record", "wildcard"};
	size_t n = ARRAY_SIZE(checks);
	assert_string_equal(ytree_closest("sao", checks, n), "soa");
	assert_string_equal(ytree_closest("TTL", checks, n), "ttl");
	assert_string_equal(ytree_closest("recrod", checks, n), "record");
	assert_string_equal(ytree_closest("wildcards", checks, n), "wildcard");
	assert_null(ytree_closest("mx", checks, n));
	assert_null(ytree_closest("zzzzzz", checks, n));
	assert_null(ytree_closest("ns", checks, 0));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_positions_count_characters),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_keys_are_scalars),
		cmocka_unit_test(test_anchors_and_documents),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_map_get),
		cmocka_unit_test(test_null_and_kind_names),
		cmocka_unit_test(test_scalar_pos),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_shown),
		cmocka_unit_test(test_closest),
	};
	return cmocka_run_group_tests_name("ytree", tests, NULL, NULL);
}
