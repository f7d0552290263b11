/* A YAML document as a tree of scalars, lists and mappings in which every node
 * keeps its 1-based line and column, so that rule sets and plans can say
 * "FILE:LINE:COL: message". Built with libyaml, which this header hides.
 *
 * Named ytree, not yaml: with -Isrc a src/yaml.h would be found for libyaml's
 * <yaml.h>, and libyaml owns the yaml_ prefix (yaml_free, yaml_node_t ...). */
#ifndef CUTOVER_YTREE_H
#define CUTOVER_YTREE_H

#include <stdarg.h>
#include <stddef.h>

/* Nodes nested deeper than this (the top node is at depth 0) are refused
 * with "nesting deeper than 32 levels"; it only stops a runaway. */
#define YTREE_MAX_DEPTH 32

/* Files larger than this (1 MiB) are refused by ytree_load_file() before
 * they are parsed: a rule set is a few kilobytes, and the tree of a large
 * file takes about seventy times its size in memory. */
#define YTREE_MAX_FILE (1024 * 1024)

/* The size of a buffer for ytree_shown(): 64 bytes of text, "..." and NUL. */
#define YTREE_SHOWN_SIZE (64 + 4)

enum ytree_kind { YTREE_SCALAR, YTREE_SEQ, YTREE_MAP };

/* How a scalar was written; a plain scalar can be null (ytree_is_null). */
enum ytree_style { YTREE_PLAIN, YTREE_SINGLE_QUOTED, YTREE_DOUBLE_QUOTED, YTREE_LITERAL, YTREE_FOLDED };

struct ytree_pair;

/* One node. Lists and mappings are read through their arrays:
 *	for (size_t i = 0; i < map->n; i++)
 *		use(&map->pairs[i].key, &map->pairs[i].value);
 * Keys are scalars and unique within their mapping, in file order. */
struct ytree_node {
	enum ytree_kind kind;
	/* 1-based, where the node starts: at its tag or anchor, else at its
	 * opening quote or bracket, else at a block's first '-' or key */
	int line, col;
	char *str;		  /* YTREE_SCALAR: the value, never containing a NUL */
	enum ytree_style style;	  /* YTREE_SCALAR */
	struct ytree_node *items; /* YTREE_SEQ: n items */
	struct ytree_pair *pairs; /* YTREE_MAP: n pairs */
	size_t n;
	/* YTREE_SCALAR: the column of the value's first character when the
	 * value is its source text on one line (plain or quoted, no escapes),
	 * else 0; for ytree_scalar_pos. */
	int text_col;
	size_t alloc; /* internal: room in items or pairs */
};

struct ytree_pair {
	struct ytree_node key; /* always YTREE_SCALAR */
	struct ytree_node value;
};

struct ytree_doc {
	char *file;		 /* the name used in messages */
	struct ytree_node *root; /* NULL when the stream holds no document */
};

/* How messages name the caller's files where the tree refuses something
 * YAML allows: with {"rule sets", "a rule file"} they read "unsupported
 * anchor '&a' (rule sets do not use anchors and aliases)" and "a second YAML
 * document (a rule file holds one)". */
struct ytree_names {
	const char *plural;
	const char *one_file;
};

/* Parse len bytes of text (UTF-8, or UTF-16 with a byte order mark) into a
 * newly allocated document; file (NULL: "<string>") is the name used in
 * messages, names (NULL: "these files", "the file") as above. Refused, with
 * the position of the offending node: anchors and aliases (an error in a
 * copied subtree would point at the anchor), keys that are not scalars,
 * duplicate keys, scalars containing NUL, nesting deeper than
 * YTREE_MAX_DEPTH, a second document. An empty stream is not an error: its
 * root is NULL. Returns 0 and sets *out, which the caller frees with
 * ytree_doc_free(); on failure returns -1, sets *out to NULL and writes
 * "FILE:LINE:COL: message" to err (libyaml's own wording for syntax errors). */
int ytree_load_buffer(const char *text, size_t len, const char *file, const struct ytree_names *names,
		      struct ytree_doc **out, char *err, size_t errlen);

/* Read the file at path and parse it as ytree_load_buffer() does, with path
 * as the name in messages. On failure returns -1 and *out is NULL; a file
 * that cannot be read gives "cannot open 'PATH': REASON" (or "cannot read"),
 * without a position, and one larger than YTREE_MAX_FILE "'PATH' is larger
 * than 1 MiB: too large for a rule file" (names->one_file), read no
 * further than that. */
int ytree_load_file(const char *path, const struct ytree_names *names, struct ytree_doc **out, char *err,
		    size_t errlen);

/* Free doc and every node in it; NULL is harmless. */
void ytree_doc_free(struct ytree_doc *doc);

/* The value of key in mapping map, or NULL when map has no such key or is not
 * a mapping. The node belongs to map's document. */
const struct ytree_node *ytree_map_get(const struct ytree_node *map, const char *key);

/* Whether n is a null scalar: plain "", "~", "null", "Null" or "NULL" (a
 * quoted "~" is a string). */
int ytree_is_null(const struct ytree_node *n);

/* Whether n is what YAML makes of an unquoted {name}: a mapping of one key,
 * a name ([A-Za-z_][A-Za-z0-9_]*), to null. */
int ytree_is_unquoted_braces(const struct ytree_node *n);

/* What n is, for "must be ..., not %s": "a single value", "a list", "a
 * mapping", or for an unquoted {name} "a mapping (quote a value that starts
 * with '{')". A static string. */
const char *ytree_kind_name(const struct ytree_node *n);

/* The line and column of byte off of scalar n's value: exact when the value
 * is its source text on one line (see text_col), else where n starts. */
void ytree_scalar_pos(const struct ytree_node *n, size_t off, int *line, int *col);

/* Write "FILE:LINE:COL: message" to err (nothing when err is NULL or errlen
 * is 0). Always returns -1, so a failing caller can return it. */
int ytree_error(char *err, size_t errlen, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same with a va_list. */
int ytree_verror(char *err, size_t errlen, const char *file, int line, int col, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/* s as it may be quoted in a message, in buf (of size len, normally
 * YTREE_SHOWN_SIZE): control characters become '?', and a text longer than
 * len - 1 is cut at a character boundary and ends in "...". Returns buf. */
const char *ytree_shown(const char *s, char *buf, size_t len);

/* The candidate closest to word, ignoring ASCII case, for "did you mean
 * '%s'?": within 2 edits (a swap of neighbours is one) that are at most a
 * third of the longer word, so "mx" does not suggest "ns". Returns one of
 * cands (not a copy), or NULL when none is close. */
const char *ytree_closest(const char *word, const char *const *cands, size_t n);

#endif
