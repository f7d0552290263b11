/* The YAML tree with positions (ytree.h): libyaml's event stream built into
 * nodes that keep their line and column, refusing what neither rule sets nor
 * plans use (anchors, aliases, keys that are not scalars, duplicate keys, a
 * second document), and the helpers their messages share. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util.h"
#include "ytree.h"

struct parser {
	yaml_parser_t yp;
	const char *file;
	const char *src;
	size_t len;
	size_t *cpos; /* byte offset of each character (UTF-8 input), or NULL */
	size_t n_cpos;
	const struct ytree_names *names;
	char *err;
	size_t errlen;
};

static const struct ytree_names default_names = {"these files", "the file"};

/* ------------------------------------------------------------------ */
/* messages */

int ytree_verror(char *err, size_t errlen, const char *file, int line, int col, const char *fmt, va_list ap)
{
	if (!err || !errlen)
		return -1;
	char *msg = xvasprintf(fmt, ap);
	snprintf(err, errlen, "%s:%d:%d: %s", file, line, col, msg);
	free(msg);
	return -1;
}

int ytree_error(char *err, size_t errlen, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ytree_verror(err, errlen, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail(struct parser *p, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct parser *p, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ytree_verror(p->err, p->errlen, p->file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

const char *ytree_shown(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s), cut = n;
	if (n > len - 1) {
		cut = len - 4;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (cut < n) {
		memcpy(buf + cut, "...", 3);
		cut += 3;
	}
	buf[cut] = '\0';
	return buf;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Restricted Damerau-Levenshtein distance, ignoring ASCII case; words
 * longer than 31 bytes are "far". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[32][32];
	if (la > 31 || lb > 31)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = lower(a[i - 1]), cb = lower(b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ca != cb);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && ca == lower(b[j - 2]) && lower(a[i - 2]) == cb &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *ytree_closest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i]);
		size_t longer = strlen(word) > strlen(cands[i]) ? strlen(word) : strlen(cands[i]);
		if (d < best_d && d * 3 <= longer) {
			best = cands[i];
			best_d = d;
		}
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* nodes */

static void node_release(struct ytree_node *n)
{
	for (size_t i = 0; n->items && i < n->n; i++)
		node_release(&n->items[i]);
	for (size_t i = 0; n->pairs && i < n->n; i++) {
		node_release(&n->pairs[i].key);
		node_release(&n->pairs[i].value);
	}
	free(n->items);
	free(n->pairs);
	free(n->str);
}

void ytree_doc_free(struct ytree_doc *doc)
{
	if (!doc)
		return;
	if (doc->root)
		node_release(doc->root);
	free(doc->root);
	free(doc->file);
	free(doc);
}

const struct ytree_node *ytree_map_get(const struct ytree_node *map, const char *key)
{
	if (map->kind != YTREE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key.str, key) == 0)
			return &map->pairs[i].value;
	return NULL;
}

int ytree_is_null(const struct ytree_node *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	if (n->kind != YTREE_SCALAR || n->style != YTREE_PLAIN)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (strcmp(n->str, nulls[i]) == 0)
			return 1;
	return 0;
}

/* Whether s is [A-Za-z_][A-Za-z0-9_]*. */
static int is_name(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

int ytree_is_unquoted_braces(const struct ytree_node *n)
{
	return n->kind == YTREE_MAP && n->n == 1 && is_name(n->pairs[0].key.str) &&
	       ytree_is_null(&n->pairs[0].value);
}

const char *ytree_kind_name(const struct ytree_node *n)
{
	if (n->kind == YTREE_SEQ)
		return "a list";
	if (n->kind == YTREE_SCALAR)
		return "a single value";
	if (ytree_is_unquoted_braces(n))
		return "a mapping (quote a value that starts with '{')";
	return "a mapping";
}

void ytree_scalar_pos(const struct ytree_node *n, size_t off, int *line, int *col)
{
	*line = n->line;
	*col = n->col;
	if (n->kind != YTREE_SCALAR || !n->text_col)
		return;
	int chars = 0;
	for (size_t i = 0; i < off && n->str[i]; i++)
		if (((unsigned char)n->str[i] & 0xc0) != 0x80)
			chars++;
	*col = n->text_col + chars;
}

/* ------------------------------------------------------------------ */
/* building the tree */

/* Line and column of a byte offset, for reader errors, which have no mark. */
static void offset_pos(const struct parser *p, size_t off, int *line, int *col)
{
	size_t i = 0;
	*line = 1;
	*col = 1;
	if (p->len >= 3 && memcmp(p->src, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* the byte order mark is not a character */
	for (; i < off && i < p->len; i++) {
		if (p->src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)p->src[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int syntax_error(struct parser *p)
{
	yaml_parser_t *yp = &p->yp;
	int line, col;
	if (yp->error == YAML_MEMORY_ERROR)
		return fail(p, 1, 1, "out of memory");
	if (yp->error == YAML_READER_ERROR) {
		offset_pos(p, yp->problem_offset, &line, &col);
		if (yp->problem_value != -1)
			return fail(p, line, col, "%s (#x%X)", yp->problem, (unsigned)yp->problem_value);
		return fail(p, line, col, "%s", yp->problem);
	}
	line = (int)yp->problem_mark.line + 1;
	col = (int)yp->problem_mark.column + 1;
	if (yp->context)
		return fail(p, line, col, "%s %s", yp->problem ? yp->problem : "syntax error", yp->context);
	return fail(p, line, col, "%s", yp->problem ? yp->problem : "syntax error");
}

static int next_event(struct parser *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->yp, ev))
		return syntax_error(p);
	return 0;
}

static int no_anchor(struct parser *p, const struct ytree_node *n, const yaml_char_t *anchor)
{
	char buf[YTREE_SHOWN_SIZE];
	if (!anchor)
		return 0;
	return fail(p, n->line, n->col, "unsupported anchor '&%s' (%s do not use anchors and aliases)",
		    ytree_shown((const char *)anchor, buf, sizeof(buf)), p->names->plural);
}

static enum ytree_style style_of(yaml_scalar_style_t style)
{
	switch (style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return YTREE_SINGLE_QUOTED;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return YTREE_DOUBLE_QUOTED;
	case YAML_LITERAL_SCALAR_STYLE:
		return YTREE_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE:
		return YTREE_FOLDED;
	default:
		return YTREE_PLAIN;
	}
}

/* The text_col of scalar n, whose source runs from character start to
 * character end: n's value must be exactly the text between its quotes (if
 * any), on one line. */
static int text_col(const struct parser *p, const struct ytree_node *n, size_t start, size_t end)
{
	size_t q = (n->style == YTREE_SINGLE_QUOTED || n->style == YTREE_DOUBLE_QUOTED);
	size_t len = strlen(n->str);
	if (!p->cpos || end >= p->n_cpos || start > end || memchr(n->str, '\n', len))
		return 0;
	if (!q && n->style != YTREE_PLAIN)
		return 0;
	size_t b0 = p->cpos[start], b1 = p->cpos[end];
	if (b1 - b0 != len + 2 * q || memcmp(p->src + b0 + q, n->str, len) != 0)
		return 0;
	return n->col + (int)q;
}

/* Build node from ev (which build deletes) and, for a collection, from the
 * events up to its end. On failure node holds what was built so far. */
static int build(struct parser *p, yaml_event_t *ev, struct ytree_node *node, int depth)
{
	char buf[YTREE_SHOWN_SIZE];
	int ret = -1;
	yaml_event_t kid_ev;

	node->line = (int)ev->start_mark.line + 1;
	node->col = (int)ev->start_mark.column + 1;
	if (depth > YTREE_MAX_DEPTH) {
		fail(p, node->line, node->col, "nesting deeper than %d levels", YTREE_MAX_DEPTH);
		goto out;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		fail(p, node->line, node->col, "unsupported alias '*%s' (%s do not use anchors and aliases)",
		     ytree_shown((const char *)ev->data.alias.anchor, buf, sizeof(buf)), p->names->plural);
		goto out;
	case YAML_SCALAR_EVENT:
		node->kind = YTREE_SCALAR;
		if (no_anchor(p, node, ev->data.scalar.anchor))
			goto out;
		node->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		node->style = style_of(ev->data.scalar.style);
		if (strlen(node->str) != ev->data.scalar.length) {
			fail(p, node->line, node->col, "a value contains a NUL character");
			goto out;
		}
		node->text_col = text_col(p, node, ev->start_mark.index, ev->end_mark.index);
		break;
	case YAML_SEQUENCE_START_EVENT:
		node->kind = YTREE_SEQ;
		if (no_anchor(p, node, ev->data.sequence_start.anchor))
			goto out;
		for (;;) {
			if (next_event(p, &kid_ev))
				goto out;
			if (kid_ev.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&kid_ev);
				break;
			}
			struct ytree_node *item = xgrow(&node->items, &node->n, &node->alloc, sizeof(*item));
			if (build(p, &kid_ev, item, depth + 1))
				goto out;
		}
		break;
	case YAML_MAPPING_START_EVENT:
		node->kind = YTREE_MAP;
		if (no_anchor(p, node, ev->data.mapping_start.anchor))
			goto out;
		for (;;) {
			if (next_event(p, &kid_ev))
				goto out;
			if (kid_ev.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&kid_ev);
				break;
			}
			struct ytree_pair *pair = xgrow(&node->pairs, &node->n, &node->alloc, sizeof(*pair));
			if (build(p, &kid_ev, &pair->key, depth + 1))
				goto out;
			if (pair->key.kind != YTREE_SCALAR) {
				fail(p, pair->key.line, pair->key.col, "a key must be a single value, not %s",
				     ytree_kind_name(&pair->key));
				goto out;
			}
			for (size_t i = 0; i + 1 < node->n; i++) {
				if (strcmp(node->pairs[i].key.str, pair->key.str) == 0) {
					fail(p, pair->key.line, pair->key.col,
					     "duplicate key '%s' (first at line %d)",
					     ytree_shown(pair->key.str, buf, sizeof(buf)),
					     node->pairs[i].key.line);
					goto out;
				}
			}
			if (next_event(p, &kid_ev))
				goto out;
			if (build(p, &kid_ev, &pair->value, depth + 1))
				goto out;
		}
		break;
	default:
		fail(p, node->line, node->col, "unexpected YAML event");
		goto out;
	}
	ret = 0;
out:
	yaml_event_delete(ev);
	return ret;
}

/* Read the one document into *root (newly allocated). Returns 1 when the
 * stream is empty, leaving *root NULL. */
static int build_document(struct parser *p, struct ytree_node **root)
{
	yaml_event_t ev;
	if (next_event(p, &ev))
		return -1;
	yaml_event_delete(&ev); /* stream start */
	if (next_event(p, &ev))
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 1;
	}
	yaml_event_delete(&ev); /* document start */
	*root = xcalloc(1, sizeof(**root));
	if (next_event(p, &ev) || build(p, &ev, *root, 0))
		return -1;
	if (next_event(p, &ev))
		return -1;
	yaml_event_delete(&ev); /* document end */
	if (next_event(p, &ev))
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT) {
		int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
		yaml_event_delete(&ev);
		return fail(p, line, col, "a second YAML document (%s holds one)", p->names->one_file);
	}
	yaml_event_delete(&ev);
	return 0;
}

/* The byte offset of each character in the input, so that a libyaml mark
 * (which counts characters) can be found in it. Only for UTF-8 input. */
static void index_characters(struct parser *p)
{
	size_t i = 0, n = 0, alloc = 0;
	const unsigned char *s = (const unsigned char *)p->src;
	if (p->len >= 2 && ((s[0] == 0xfe && s[1] == 0xff) || (s[0] == 0xff && s[1] == 0xfe)))
		return;
	if (p->len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		i = 3;
	for (;; i++) {
		if (i < p->len && (s[i] & 0xc0) == 0x80)
			continue;
		size_t *slot = xgrow(&p->cpos, &n, &alloc, sizeof(*slot));
		*slot = i;
		if (i >= p->len)
			break;
	}
	p->n_cpos = n;
}

int ytree_load_buffer(const char *text, size_t len, const char *file, const struct ytree_names *names,
		      struct ytree_doc **out, char *err, size_t errlen)
{
	struct parser p = {0};
	struct ytree_doc *doc = xcalloc(1, sizeof(*doc));
	int ret = -1, started = 0;

	*out = NULL;
	if (!text) {
		text = "";
		len = 0;
	}
	doc->file = xstrdup(file ? file : "<string>");
	p.file = doc->file;
	p.src = text;
	p.len = len;
	p.names = names ? names : &default_names;
	p.err = err;
	p.errlen = errlen;
	if (!yaml_parser_initialize(&p.yp)) {
		fail(&p, 1, 1, "out of memory");
		goto out;
	}
	started = 1;
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)text, len);
	index_characters(&p);
	if (build_document(&p, &doc->root) < 0)
		goto out;
	*out = doc;
	doc = NULL;
	ret = 0;
out:
	ytree_doc_free(doc);
	free(p.cpos);
	if (started)
		yaml_parser_delete(&p.yp);
	return ret;
}

int ytree_load_file(const char *path, const struct ytree_names *names, struct ytree_doc **out, char *err,
		    size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = -1, rc;
	FILE *f;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		if (err && errlen)
			snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	rc = sb_read_file(&sb, f, YTREE_MAX_FILE);
	if (rc < 0) {
		if (err && errlen)
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (rc > 0) {
		if (err && errlen)
			snprintf(err, errlen, "'%s' is larger than %d MiB: too large for %s", path,
				 YTREE_MAX_FILE / (1024 * 1024), names ? names->one_file : "the file");
		goto out;
	}
	ret = ytree_load_buffer(sb.buf ? sb.buf : "", sb.len, path, names, out, err, errlen);
out:
	fclose(f);
	sb_release(&sb);
	return ret;
}
