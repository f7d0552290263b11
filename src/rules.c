/* Rule sets: load a YAML rule file (libyaml's event API) into struct ruleset,
 * checking every key and value against the check's parameter table and
 * substituting {variables} from --set.
 *
 * Loading has two steps. The event stream is built into a small tree (struct
 * ynode) that keeps every node's position; that step rejects what a rule set
 * has no use for: anchors and aliases (an error position in a copied subtree
 * would point at the anchor, not at the use), keys that are not scalars,
 * duplicate keys, a second document. The tree is then checked against the
 * schema and turned into struct rule. Every message is "FILE:LINE:COL: text"
 * with a 1-based position; for an undefined variable the column is the one of
 * its brace when the scalar is on one line and has no escapes.
 *
 * Variables: every {name} (name = [A-Za-z_][A-Za-z0-9_]*) in a value is
 * replaced by its --set value now; {domain} is kept for rules_expand() per
 * domain. Keys, `check:` and `when:` are names and never substituted; nor is the
 * top-level `description`, which is prose. Values are checked after
 * substitution, so `max: "{max_ttl}"` with --set max_ttl=300 is a number.
 *
 * Conditional checks: every check accepts `when: NAME`, where NAME is a
 * variable name without braces. The check is used only when NAME is set
 * (--set NAME=VALUE). When it is not, the item is still checked (its check
 * name, keys, severity, and every value whose variables are all defined), an
 * undefined variable in it is not an error, and it goes to ruleset.skipped
 * instead of ruleset.rules. So a shipped rule set can say "the wildcard must
 * point at {new_ip}" with `when: new_ip` and still load without --set new_ip. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <yaml.h>

#include "checks.h"
#include "report.h"
#include "rules.h"
#include "util.h"

#define MAX_DEPTH 32 /* rule sets nest 5 deep; this only stops a runaway */
#define SHOWN_MAX 64 /* bytes of a user's text quoted in a message */

/* ------------------------------------------------------------------ */
/* messages */

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* s as it may be quoted in a message: control characters become '?' and a
 * long text is cut (at a character boundary) and ends in "...". */
static const char *shown(const char *s, char *buf, size_t len)
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

/* The candidate closest to word, when it is within 2 edits and those edits
 * are at most a third of the longer word (so "mx" does not suggest "ns");
 * else NULL. */
static const char *closest(const char *word, const char *const *cands, size_t n)
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
/* variables */

/* The length of the variable name at the start of s, 0 when there is none. */
static size_t name_len(const char *s)
{
	size_t n = 0;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
	       s[n] == '_')
		n++;
	return n;
}

static int valid_name(const char *s)
{
	size_t n = name_len(s);
	return n > 0 && s[n] == '\0';
}

static const char *vars_get_n(const struct vars *v, const char *name, size_t n)
{
	if (!v)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->names[i]) == n && memcmp(v->names[i], name, n) == 0)
			return v->values[i];
	return NULL;
}

const char *vars_get(const struct vars *v, const char *name)
{
	return vars_get_n(v, name, strlen(name));
}

void vars_set(struct vars *v, const char *name, const char *value)
{
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->names[i], name) == 0) {
			free(v->values[i]);
			v->values[i] = xstrdup(value);
			return;
		}
	}
	if (v->n == v->alloc) {
		v->alloc = v->alloc ? 2 * v->alloc : 8;
		v->names = xrealloc(v->names, v->alloc * sizeof(*v->names));
		v->values = xrealloc(v->values, v->alloc * sizeof(*v->values));
	}
	v->names[v->n] = xstrdup(name);
	v->values[v->n] = xstrdup(value);
	v->n++;
}

int vars_set_assignment(struct vars *v, const char *assignment, char *err, size_t errlen)
{
	char buf[SHOWN_MAX + 4];
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment) {
		set_err(err, errlen, "invalid assignment '%s' (expected NAME=VALUE)",
			shown(assignment, buf, sizeof(buf)));
		return -1;
	}
	char *name = xstrndup(assignment, (size_t)(eq - assignment));
	int ret = -1;
	if (!valid_name(name)) {
		set_err(err, errlen,
			"invalid variable name '%s' (letters, digits and '_', not starting with a digit)",
			shown(name, buf, sizeof(buf)));
		goto out;
	}
	if (strcmp(name, "domain") == 0) {
		set_err(err, errlen, "cannot set 'domain': it is always the domain under check");
		goto out;
	}
	vars_set(v, name, eq + 1);
	ret = 0;
out:
	free(name);
	return ret;
}

void vars_release(struct vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->values[i]);
	}
	free(v->names);
	free(v->values);
	v->names = v->values = NULL;
	v->n = v->alloc = 0;
}

/* Expand tmpl (see rules_expand). keep_unknown: keep an undefined {name}
 * instead of failing. On failure returns NULL, sets *undefined (if not NULL)
 * to a copy of the name and *where (if not NULL) to the byte offset of its
 * brace in tmpl. */
static char *expand(const char *tmpl, const struct vars *vars, int keep_unknown, const char *domain,
		    char **undefined, size_t *where)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = tmpl;
	for (;;) {
		const char *brace = strchr(p, '{');
		if (!brace) {
			sb_adds(&sb, p);
			break;
		}
		sb_add(&sb, p, (size_t)(brace - p));
		size_t n = name_len(brace + 1);
		if (n == 0 || brace[n + 1] != '}') {
			sb_add(&sb, "{", 1);
			p = brace + 1;
			continue;
		}
		const char *value;
		if (n == 6 && memcmp(brace + 1, "domain", 6) == 0) {
			value = domain;
		} else {
			value = vars_get_n(vars, brace + 1, n);
			if (!value && !keep_unknown) {
				if (undefined)
					*undefined = xstrndup(brace + 1, n);
				if (where)
					*where = (size_t)(brace - tmpl);
				sb_release(&sb);
				return NULL;
			}
		}
		if (value)
			sb_adds(&sb, value);
		else
			sb_add(&sb, brace, n + 2);
		p = brace + n + 2;
	}
	return sb_detach(&sb);
}

char *rules_expand(const char *tmpl, const struct vars *vars, const char *domain, char **undefined)
{
	if (undefined)
		*undefined = NULL;
	return expand(tmpl, vars, vars == NULL, domain, undefined, NULL);
}

/* ------------------------------------------------------------------ */
/* values */

int rules_parse_percent(const char *s, double *fraction)
{
	double v = 0, scale = 1;
	size_t digits = 0;
	const char *p = s;
	/* By hand rather than strtod: no locale, no "inf", "0x1p3" or spaces. */
	for (; *p >= '0' && *p <= '9' && digits < 20; p++, digits++)
		v = v * 10 + (*p - '0');
	if (digits == 0)
		return -1;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		for (; *p >= '0' && *p <= '9'; p++)
			v += (*p - '0') * (scale /= 10);
	}
	if (p[0] == '%' && p[1] == '\0')
		v /= 100;
	else if (*p)
		return -1;
	if (v > 1)
		return -1;
	*fraction = v;
	return 0;
}

/* Types a check can ask about: no meta types (RFC 6895 3.1). */
static int checkable_rrtype(ldns_rr_type t)
{
	switch (t) {
	case LDNS_RR_TYPE_OPT:
	case LDNS_RR_TYPE_TKEY:
	case LDNS_RR_TYPE_TSIG:
	case LDNS_RR_TYPE_IXFR:
	case LDNS_RR_TYPE_AXFR:
	case LDNS_RR_TYPE_MAILA:
	case LDNS_RR_TYPE_MAILB:
	case LDNS_RR_TYPE_ANY:
		return 0;
	default:
		return t != 0;
	}
}

int rules_check_scalar(const struct check_param *param, char *value, char *err, size_t errlen)
{
	char buf[SHOWN_MAX + 4];
	unsigned long ul;
	double d;

	switch (param->type) {
	case PARAM_STRING:
	case PARAM_STRINGS:
		return 0;
	case PARAM_UINT:
		if (parse_ulong(value, 0, 4294967295ul, &ul) == 0)
			return 0;
		set_err(err, errlen,
			"invalid number '%s' for '%s' (expected a whole number up to 4294967295)",
			shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_RRTYPE:
	case PARAM_RRTYPES:
	case PARAM_RRMAP: {
		ldns_rr_type t;
		for (char *p = value; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		t = ldns_get_rr_type_by_name(value);
		if (checkable_rrtype(t))
			return 0;
		if (t)
			set_err(err, errlen, "record type '%s' for '%s' is a query type, not a record type",
				shown(value, buf, sizeof(buf)), param->key);
		else
			set_err(err, errlen, "unknown record type '%s' for '%s'",
				shown(value, buf, sizeof(buf)), param->key);
		return -1;
	}
	case PARAM_DURATION:
		if (parse_duration(value, &ul) == 0)
			return 0;
		set_err(err, errlen, "invalid duration '%s' for '%s' (expected e.g. 90, 90s, 15m, 2h or 1d)",
			shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_PERCENT:
		if (rules_parse_percent(value, &d) == 0)
			return 0;
		set_err(err, errlen,
			"invalid percentage '%s' for '%s' (expected 0%% to 100%%, e.g. 90%% or 0.9)",
			shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_ENUM: {
		struct strbuf sb = STRBUF_INIT;
		if (!param->choices)
			return 0;
		for (size_t i = 0; param->choices[i]; i++)
			if (strcmp(value, param->choices[i]) == 0)
				return 0;
		for (size_t i = 0; param->choices[i]; i++)
			sb_addf(&sb, "%s%s", i ? ", " : "", param->choices[i]);
		set_err(err, errlen, "invalid value '%s' for '%s' (expected one of: %s)",
			shown(value, buf, sizeof(buf)), param->key, sb.buf ? sb.buf : "");
		sb_release(&sb);
		return -1;
	}
	}
	return 0;
}

static void value_release(struct rule_value *v)
{
	free(v->str);
	for (size_t i = 0; i < v->n; i++) {
		value_release(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	memset(v, 0, sizeof(*v));
}

static void rule_release(struct rule *r)
{
	for (size_t i = 0; i < r->n_params; i++) {
		free(r->params[i].key);
		value_release(&r->params[i].value);
	}
	free(r->params);
	free(r->when);
	memset(r, 0, sizeof(*r));
}

void ruleset_release(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		rule_release(&rs->rules[i]);
	for (size_t i = 0; i < rs->n_skipped; i++)
		rule_release(&rs->skipped[i]);
	free(rs->rules);
	free(rs->skipped);
	free(rs->name);
	free(rs->file);
	memset(rs, 0, sizeof(*rs));
}

const struct rule_value *rule_param(const struct rule *rule, const char *key)
{
	for (size_t i = 0; i < rule->n_params; i++)
		if (strcmp(rule->params[i].key, key) == 0)
			return &rule->params[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the YAML tree */

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	char *str; /* Y_SCALAR */
	yaml_scalar_style_t style;
	size_t start, end;  /* character indices in the input (libyaml marks) */
	int line, col;	    /* 1-based */
	struct ynode *kids; /* Y_SEQ: the items; Y_MAP: key, value, key, value, ... */
	size_t n, alloc;
};

struct loader {
	yaml_parser_t parser;
	const char *file;
	const char *src;
	size_t len;
	size_t *cpos; /* byte offset of each character (UTF-8 input), or NULL */
	size_t n_cpos;
	const struct vars *vars;
	char *err;
	size_t errlen;
};

static int fail(struct loader *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct loader *ld, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	set_err(ld->err, ld->errlen, "%s:%d:%d: %s", ld->file, line, col, msg);
	free(msg);
	return -1;
}

static void ynode_release(struct ynode *n)
{
	for (size_t i = 0; i < n->n; i++)
		ynode_release(&n->kids[i]);
	free(n->kids);
	free(n->str);
}

static int is_null(const struct ynode *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	if (n->kind != Y_SCALAR || n->style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (strcmp(n->str, nulls[i]) == 0)
			return 1;
	return 0;
}

/* What n is, for "must be ..., not %s". A value written {domain} without
 * quotes is a flow mapping to YAML, so that case says how to write it. */
static const char *kind_name(const struct ynode *n)
{
	if (n->kind == Y_SEQ)
		return "a list";
	if (n->kind == Y_SCALAR)
		return "a single value";
	if (n->n == 2 && valid_name(n->kids[0].str) && is_null(&n->kids[1]))
		return "a mapping (quote a value that starts with '{')";
	return "a mapping";
}

/* Line and column of a byte offset, for reader errors, which have no mark. */
static void offset_pos(const struct loader *ld, size_t off, int *line, int *col)
{
	size_t i = 0;
	*line = 1;
	*col = 1;
	if (ld->len >= 3 && memcmp(ld->src, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* the byte order mark is not a character */
	for (; i < off && i < ld->len; i++) {
		if (ld->src[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)ld->src[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int syntax_error(struct loader *ld)
{
	yaml_parser_t *p = &ld->parser;
	int line, col;
	if (p->error == YAML_MEMORY_ERROR)
		return fail(ld, 1, 1, "out of memory");
	if (p->error == YAML_READER_ERROR) {
		offset_pos(ld, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return fail(ld, line, col, "%s (#x%X)", p->problem, (unsigned)p->problem_value);
		return fail(ld, line, col, "%s", p->problem);
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	if (p->context)
		return fail(ld, line, col, "%s %s", p->problem ? p->problem : "syntax error", p->context);
	return fail(ld, line, col, "%s", p->problem ? p->problem : "syntax error");
}

static int next_event(struct loader *ld, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev))
		return syntax_error(ld);
	return 0;
}

static int no_anchor(struct loader *ld, const struct ynode *n, const yaml_char_t *anchor)
{
	char buf[SHOWN_MAX + 4];
	if (!anchor)
		return 0;
	return fail(ld, n->line, n->col,
		    "unsupported anchor '&%s' (rule sets do not use anchors and aliases)",
		    shown((const char *)anchor, buf, sizeof(buf)));
}

/* Build node from ev (which build deletes) and, for a collection, from the
 * events up to its end. On failure node holds what was built so far. */
static int build(struct loader *ld, yaml_event_t *ev, struct ynode *node, int depth)
{
	char buf[SHOWN_MAX + 4];
	int ret = -1;
	yaml_event_t kid_ev;

	node->line = (int)ev->start_mark.line + 1;
	node->col = (int)ev->start_mark.column + 1;
	node->start = ev->start_mark.index;
	node->end = ev->end_mark.index;
	if (depth > MAX_DEPTH) {
		fail(ld, node->line, node->col, "nesting deeper than %d levels", MAX_DEPTH);
		goto out;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		fail(ld, node->line, node->col,
		     "unsupported alias '*%s' (rule sets do not use anchors and aliases)",
		     shown((const char *)ev->data.alias.anchor, buf, sizeof(buf)));
		goto out;
	case YAML_SCALAR_EVENT:
		node->kind = Y_SCALAR;
		if (no_anchor(ld, node, ev->data.scalar.anchor))
			goto out;
		node->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		node->style = ev->data.scalar.style;
		if (strlen(node->str) != ev->data.scalar.length) {
			fail(ld, node->line, node->col, "a value contains a NUL character");
			goto out;
		}
		break;
	case YAML_SEQUENCE_START_EVENT:
		node->kind = Y_SEQ;
		if (no_anchor(ld, node, ev->data.sequence_start.anchor))
			goto out;
		for (;;) {
			if (next_event(ld, &kid_ev))
				goto out;
			if (kid_ev.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&kid_ev);
				break;
			}
			struct ynode *kid = xgrow(&node->kids, &node->n, &node->alloc, sizeof(*kid));
			if (build(ld, &kid_ev, kid, depth + 1))
				goto out;
		}
		break;
	case YAML_MAPPING_START_EVENT:
		node->kind = Y_MAP;
		if (no_anchor(ld, node, ev->data.mapping_start.anchor))
			goto out;
		for (;;) {
			if (next_event(ld, &kid_ev))
				goto out;
			if (kid_ev.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&kid_ev);
				break;
			}
			struct ynode *key = xgrow(&node->kids, &node->n, &node->alloc, sizeof(*key));
			if (build(ld, &kid_ev, key, depth + 1))
				goto out;
			if (key->kind != Y_SCALAR) {
				fail(ld, key->line, key->col, "a key must be a single value, not %s",
				     kind_name(key));
				goto out;
			}
			for (size_t i = 0; i + 1 < node->n; i += 2) {
				if (strcmp(node->kids[i].str, key->str) == 0) {
					fail(ld, key->line, key->col, "duplicate key '%s' (first at line %d)",
					     shown(key->str, buf, sizeof(buf)), node->kids[i].line);
					goto out;
				}
			}
			if (next_event(ld, &kid_ev))
				goto out;
			struct ynode *value = xgrow(&node->kids, &node->n, &node->alloc, sizeof(*value));
			if (build(ld, &kid_ev, value, depth + 1))
				goto out;
		}
		break;
	default:
		fail(ld, node->line, node->col, "unexpected YAML event");
		goto out;
	}
	ret = 0;
out:
	yaml_event_delete(ev);
	return ret;
}

/* Read the one document into root. Returns 1 when the stream is empty. */
static int build_document(struct loader *ld, struct ynode *root)
{
	yaml_event_t ev;
	if (next_event(ld, &ev))
		return -1;
	yaml_event_delete(&ev); /* stream start */
	if (next_event(ld, &ev))
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 1;
	}
	yaml_event_delete(&ev); /* document start */
	if (next_event(ld, &ev) || build(ld, &ev, root, 0))
		return -1;
	if (next_event(ld, &ev))
		return -1;
	yaml_event_delete(&ev); /* document end */
	if (next_event(ld, &ev))
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT) {
		int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
		yaml_event_delete(&ev);
		return fail(ld, line, col, "a second YAML document (a rule file holds one)");
	}
	yaml_event_delete(&ev);
	return 0;
}

/* The byte offset of each character in the input, so that a libyaml mark
 * (which counts characters) can be found in it. Only for UTF-8 input. */
static void index_characters(struct loader *ld)
{
	size_t i = 0, n = 0, alloc = 0;
	const unsigned char *s = (const unsigned char *)ld->src;
	if (ld->len >= 2 && ((s[0] == 0xfe && s[1] == 0xff) || (s[0] == 0xff && s[1] == 0xfe)))
		return;
	if (ld->len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		i = 3;
	for (;; i++) {
		if (i < ld->len && (s[i] & 0xc0) == 0x80)
			continue;
		size_t *slot = xgrow(&ld->cpos, &n, &alloc, sizeof(*slot));
		*slot = i;
		if (i >= ld->len)
			break;
	}
	ld->n_cpos = n;
}

/* The line and column of byte off of scalar n's value: exact when the value
 * is the source text itself (one line, no escapes), else n's start. */
static void scalar_pos(const struct loader *ld, const struct ynode *n, size_t off, int *line, int *col)
{
	size_t q =
		(n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE || n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	size_t len = strlen(n->str);
	*line = n->line;
	*col = n->col;
	if (!ld->cpos || n->end >= ld->n_cpos || n->start > n->end || memchr(n->str, '\n', len))
		return;
	if (!q && n->style != YAML_PLAIN_SCALAR_STYLE)
		return;
	size_t b0 = ld->cpos[n->start], b1 = ld->cpos[n->end];
	if (b1 - b0 != len + 2 * q || memcmp(ld->src + b0 + q, n->str, len) != 0)
		return;
	int chars = 0;
	for (size_t i = 0; i < off && i < len; i++)
		if (((unsigned char)n->str[i] & 0xc0) != 0x80)
			chars++;
	*col = n->col + (int)q + chars;
}

/* ------------------------------------------------------------------ */
/* the schema */

struct item_ctx {
	const struct check_param *param; /* for messages and types */
	int active;			 /* 0: the item's `when` variable is unset */
};

/* Substitute variables in scalar n and check it as type (with param's key
 * and choices). In an inactive item an undefined variable leaves the text as
 * written, unchecked, and then it returns 1. */
static int scalar_value(struct loader *ld, const struct item_ctx *ic, enum param_type type,
			const struct ynode *n, struct rule_value *out)
{
	char msg[512], buf[SHOWN_MAX + 4];
	char *undefined = NULL;
	size_t where = 0;
	int line, col;

	if (is_null(n))
		return fail(ld, n->line, n->col, "missing value for '%s'", ic->param->key);
	out->kind = RV_SCALAR;
	out->line = n->line;
	out->col = n->col;
	out->str = expand(n->str, ld->vars, 0, NULL, &undefined, &where);
	if (!out->str) {
		if (ic->active) {
			scalar_pos(ld, n, where, &line, &col);
			fail(ld, line, col, "undefined variable '%s' (set it with --set %s=VALUE)",
			     shown(undefined, buf, sizeof(buf)), shown(undefined, buf, sizeof(buf)));
			free(undefined);
			return -1;
		}
		free(undefined);
		out->str = xstrdup(n->str);
		return 1;
	}
	struct check_param p = *ic->param;
	p.type = type;
	if (rules_check_scalar(&p, out->str, msg, sizeof(msg)))
		return fail(ld, n->line, n->col, "%s", msg);
	return 0;
}

/* A scalar or a list of scalars (of type item_type) into an RV_LIST. */
static int list_value(struct loader *ld, const struct item_ctx *ic, enum param_type item_type,
		      const struct ynode *n, struct rule_value *out)
{
	const char *key = ic->param->key;
	out->kind = RV_LIST;
	out->line = n->line;
	out->col = n->col;
	if (n->kind == Y_SCALAR) {
		if (is_null(n))
			return fail(ld, n->line, n->col, "missing value for '%s'", key);
		out->items = xcalloc(1, sizeof(*out->items));
		out->n = 1;
		return scalar_value(ld, ic, item_type, n, &out->items[0]) < 0 ? -1 : 0;
	}
	if (n->kind == Y_MAP)
		return fail(ld, n->line, n->col, "'%s' must be a value or a list of values, not a mapping",
			    key);
	if (n->n == 0)
		return fail(ld, n->line, n->col, "'%s' is an empty list", key);
	out->items = xcalloc(n->n, sizeof(*out->items));
	out->n = n->n;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = &n->kids[i];
		if (it->kind != Y_SCALAR)
			return fail(ld, it->line, it->col, "an item of '%s' must be a single value, not %s",
				    key, kind_name(it));
		if (is_null(it))
			return fail(ld, it->line, it->col, "empty item in '%s'", key);
		if (scalar_value(ld, ic, item_type, it, &out->items[i]) < 0)
			return -1;
	}
	return 0;
}

static int rrmap_value(struct loader *ld, const struct item_ctx *ic, const struct ynode *n,
		       struct rule_value *out)
{
	const char *key = ic->param->key;
	out->kind = RV_MAP;
	out->line = n->line;
	out->col = n->col;
	if (is_null(n))
		return fail(ld, n->line, n->col, "missing value for '%s'", key);
	if (n->kind != Y_MAP)
		return fail(ld, n->line, n->col, "'%s' must be a mapping of record types to values, not %s",
			    key, kind_name(n));
	if (n->n == 0)
		return fail(ld, n->line, n->col, "'%s' is an empty mapping", key);
	out->items = xcalloc(n->n / 2, sizeof(*out->items));
	out->keys = xcalloc(n->n / 2, sizeof(*out->keys));
	for (size_t i = 0; i < n->n; i += 2) {
		struct rule_value k = {0};
		const struct ynode *kn = &n->kids[i];
		if (scalar_value(ld, ic, PARAM_RRTYPE, kn, &k) < 0) {
			value_release(&k);
			return -1;
		}
		out->keys[out->n] = k.str;
		out->n++;
		for (size_t j = 0; j + 1 < out->n; j++)
			if (strcmp(out->keys[j], k.str) == 0)
				return fail(ld, kn->line, kn->col, "duplicate record type '%s' in '%s'",
					    k.str, key);
		if (list_value(ld, ic, PARAM_STRING, &n->kids[i + 1], &out->items[out->n - 1]))
			return -1;
	}
	return 0;
}

static int param_value(struct loader *ld, const struct item_ctx *ic, const struct ynode *n,
		       struct rule_value *out)
{
	enum param_type type = ic->param->type;
	switch (type) {
	case PARAM_STRINGS:
		return list_value(ld, ic, PARAM_STRING, n, out);
	case PARAM_RRTYPES:
		return list_value(ld, ic, PARAM_RRTYPE, n, out);
	case PARAM_RRMAP:
		return rrmap_value(ld, ic, n, out);
	default:
		if (n->kind != Y_SCALAR)
			return fail(ld, n->line, n->col, "'%s' must be a single value, not %s",
				    ic->param->key, kind_name(n));
		return scalar_value(ld, ic, type, n, out) < 0 ? -1 : 0;
	}
}

/* A plain name (check, when, top-level name) that must be one scalar. */
static int name_value(struct loader *ld, const char *key, const struct ynode *n)
{
	if (n->kind != Y_SCALAR)
		return fail(ld, n->line, n->col, "'%s' must be a single value, not %s", key, kind_name(n));
	if (is_null(n))
		return fail(ld, n->line, n->col, "missing value for '%s'", key);
	return 0;
}

static int severity_value(struct loader *ld, const struct item_ctx *ic, const struct ynode *n, int *severity)
{
	static const struct check_param sev = {"severity", PARAM_STRING, 0, NULL, NULL};
	static const struct {
		const char *name;
		int status;
	} levels[] = {{"info", STATUS_INFO}, {"warn", STATUS_WARN}, {"fail", STATUS_FAIL}};
	char buf[SHOWN_MAX + 4];
	struct item_ctx sc = {&sev, ic->active};
	struct rule_value v = {0};
	int ret = -1;

	int r = name_value(ld, "severity", n) ? -1 : scalar_value(ld, &sc, PARAM_STRING, n, &v);
	if (r) {
		ret = r < 0 ? -1 : 0; /* 1: unresolved in a skipped item, left unset */
		goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		if (strcmp(v.str, levels[i].name) == 0) {
			*severity = levels[i].status;
			ret = 0;
			goto out;
		}
	}
	fail(ld, n->line, n->col, "invalid severity '%s' (expected info, warn or fail)",
	     shown(v.str, buf, sizeof(buf)));
out:
	value_release(&v);
	return ret;
}

static int unknown_check(struct loader *ld, const struct ynode *n)
{
	char buf[SHOWN_MAX + 4];
	size_t count;
	const struct check_desc *const *table = check_table(&count);
	const char **names = xcalloc(count, sizeof(*names));
	for (size_t i = 0; i < count; i++)
		names[i] = table[i]->name;
	const char *near = closest(n->str, names, count);
	if (near)
		fail(ld, n->line, n->col, "unknown check '%s'; did you mean '%s'?",
		     shown(n->str, buf, sizeof(buf)), near);
	else
		fail(ld, n->line, n->col, "unknown check '%s'", shown(n->str, buf, sizeof(buf)));
	free(names);
	return -1;
}

static const char *const item_keys[] = {"check", "severity", "when"};

static int unknown_key(struct loader *ld, const struct check_desc *desc, const struct ynode *key)
{
	char buf[SHOWN_MAX + 4];
	struct strbuf allowed = STRBUF_INIT;
	const char **names = NULL;
	size_t n = 0, alloc = 0;

	for (const struct check_param *p = desc->params; p && p->key; p++) {
		*(const char **)xgrow(&names, &n, &alloc, sizeof(*names)) = p->key;
		sb_addf(&allowed, "%s, ", p->key);
	}
	for (size_t i = 0; i < ARRAY_SIZE(item_keys); i++)
		*(const char **)xgrow(&names, &n, &alloc, sizeof(*names)) = item_keys[i];
	sb_adds(&allowed, "severity, when");
	const char *near = closest(key->str, names, n);
	if (near)
		fail(ld, key->line, key->col, "unknown key '%s' for check '%s'; did you mean '%s'?",
		     shown(key->str, buf, sizeof(buf)), desc->name, near);
	else
		fail(ld, key->line, key->col, "unknown key '%s' for check '%s' (allowed: %s)",
		     shown(key->str, buf, sizeof(buf)), desc->name, allowed.buf);
	sb_release(&allowed);
	free(names);
	return -1;
}

static const struct check_param *find_param(const struct check_desc *desc, const char *key)
{
	for (const struct check_param *p = desc->params; p && p->key; p++)
		if (strcmp(p->key, key) == 0)
			return p;
	return NULL;
}

/* One item of `checks`: into rs->rules, or rs->skipped when its `when`
 * variable is unset. */
static int load_item(struct loader *ld, const struct ynode *item, struct ruleset *rs)
{
	char buf[SHOWN_MAX + 4];
	const struct ynode *check = NULL, *when = NULL;
	struct rule r = {0};
	int ret = -1;

	if (item->kind != Y_MAP)
		return fail(ld, item->line, item->col,
			    "an item of 'checks' must be a mapping, not %s (write '- check: NAME')",
			    kind_name(item));
	for (size_t i = 0; i < item->n; i += 2) {
		if (strcmp(item->kids[i].str, "check") == 0)
			check = &item->kids[i + 1];
		else if (strcmp(item->kids[i].str, "when") == 0)
			when = &item->kids[i + 1];
	}
	if (!check)
		return fail(ld, item->line, item->col, "item has no 'check' key");
	if (name_value(ld, "check", check))
		return -1;
	r.desc = check_find(check->str);
	if (!r.desc)
		return unknown_check(ld, check);
	r.severity = -1;
	r.file = rs->file;
	r.line = item->line;
	r.col = item->col;
	if (when) {
		/* `when: {new_ip}` unquoted is a flow mapping to YAML: say what
		 * to write rather than "quote it", which only leads to the
		 * braces message below. */
		if (when->kind == Y_MAP && when->n == 2 && valid_name(when->kids[0].str) &&
		    is_null(&when->kids[1])) {
			fail(ld, when->line, when->col,
			     "'when' takes a variable name without braces: 'when: %s'",
			     shown(when->kids[0].str, buf, sizeof(buf)));
			goto out;
		}
		if (name_value(ld, "when", when))
			goto out;
		size_t wl = strlen(when->str);
		if (wl > 2 && when->str[0] == '{' && when->str[wl - 1] == '}' &&
		    name_len(when->str + 1) == wl - 2) {
			fail(ld, when->line, when->col,
			     "'when' takes a variable name without braces: 'when: %.*s'", (int)(wl - 2),
			     when->str + 1);
			goto out;
		}
		if (!valid_name(when->str)) {
			fail(ld, when->line, when->col, "invalid variable name '%s' for 'when'",
			     shown(when->str, buf, sizeof(buf)));
			goto out;
		}
		if (strcmp(when->str, "domain") == 0) {
			fail(ld, when->line, when->col,
			     "'when: domain' is always true (the domain is always set)");
			goto out;
		}
		r.when = xstrdup(when->str);
	}

	struct item_ctx ic = {NULL, !r.when || vars_get(ld->vars, r.when) != NULL};
	size_t alloc = 0;
	for (size_t i = 0; i < item->n; i += 2) {
		const struct ynode *key = &item->kids[i], *val = &item->kids[i + 1];
		if (strcmp(key->str, "check") == 0 || strcmp(key->str, "when") == 0)
			continue;
		if (strcmp(key->str, "severity") == 0) {
			if (severity_value(ld, &ic, val, &r.severity))
				goto out;
			continue;
		}
		ic.param = find_param(r.desc, key->str);
		if (!ic.param) {
			unknown_key(ld, r.desc, key);
			goto out;
		}
		struct rule_param *rp = xgrow(&r.params, &r.n_params, &alloc, sizeof(*rp));
		rp->key = xstrdup(key->str);
		if (param_value(ld, &ic, val, &rp->value))
			goto out;
	}
	for (const struct check_param *p = r.desc->params; p && p->key; p++) {
		if (p->required && !rule_param(&r, p->key)) {
			fail(ld, item->line, item->col, "check '%s' needs '%s'", r.desc->name, p->key);
			goto out;
		}
	}
	if (ic.active) {
		rs->rules = xrealloc(rs->rules, (rs->n + 1) * sizeof(*rs->rules));
		rs->rules[rs->n++] = r;
	} else {
		rs->skipped = xrealloc(rs->skipped, (rs->n_skipped + 1) * sizeof(*rs->skipped));
		rs->skipped[rs->n_skipped++] = r;
	}
	memset(&r, 0, sizeof(r));
	ret = 0;
out:
	rule_release(&r);
	return ret;
}

static const char *const top_keys[] = {"name", "description", "checks"};

static int load_tree(struct loader *ld, const struct ynode *root, struct ruleset *rs)
{
	char buf[SHOWN_MAX + 4];
	const struct ynode *checks = NULL;

	if (is_null(root))
		return fail(ld, 1, 1, "empty rule file");
	if (root->kind != Y_MAP)
		return fail(ld, root->line, root->col,
			    "the top level must be a mapping with 'checks', not %s", kind_name(root));
	for (size_t i = 0; i < root->n; i += 2) {
		const struct ynode *key = &root->kids[i], *val = &root->kids[i + 1];
		if (strcmp(key->str, "checks") == 0) {
			checks = val;
		} else if (strcmp(key->str, "description") == 0) {
			if (val->kind != Y_SCALAR)
				return fail(ld, val->line, val->col,
					    "'description' must be a single value, not %s", kind_name(val));
		} else if (strcmp(key->str, "name") == 0) {
			static const struct check_param name = {"name", PARAM_STRING, 0, NULL, NULL};
			struct item_ctx ic = {&name, 1};
			struct rule_value v = {0};
			if (name_value(ld, "name", val) || scalar_value(ld, &ic, PARAM_STRING, val, &v) < 0) {
				value_release(&v);
				return -1;
			}
			free(rs->name);
			rs->name = v.str;
		} else {
			const char *near = closest(key->str, top_keys, ARRAY_SIZE(top_keys));
			if (near)
				return fail(ld, key->line, key->col,
					    "unknown top-level key '%s'; did you mean '%s'?",
					    shown(key->str, buf, sizeof(buf)), near);
			return fail(ld, key->line, key->col,
				    "unknown top-level key '%s' (allowed: name, description, checks)",
				    shown(key->str, buf, sizeof(buf)));
		}
	}
	if (!checks)
		return fail(ld, root->line, root->col, "missing 'checks' (the list of checks to run)");
	if (is_null(checks))
		return fail(ld, checks->line, checks->col, "'checks' is empty");
	if (checks->kind != Y_SEQ)
		return fail(ld, checks->line, checks->col, "'checks' must be a list, not %s",
			    kind_name(checks));
	if (checks->n == 0)
		return fail(ld, checks->line, checks->col, "'checks' is an empty list");
	for (size_t i = 0; i < checks->n; i++)
		if (load_item(ld, &checks->kids[i], rs))
			return -1;
	return 0;
}

/* The file's base name without .yml or .yaml: the name of a rule set that
 * has no `name:`. */
static char *default_name(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
		n -= 4;
	else if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
		n -= 5;
	return xstrndup(base, n);
}

int rules_load_string(const char *text, size_t len, const char *name, const struct vars *vars,
		      struct ruleset *out, char *err, size_t errlen)
{
	struct loader ld = {0};
	struct ynode root = {0};
	int ret = -1, r;

	memset(out, 0, sizeof(*out));
	if (!name)
		name = "<string>";
	if (!text)
		text = "";
	ld.file = name;
	ld.src = text;
	ld.len = len;
	ld.vars = vars;
	ld.err = err;
	ld.errlen = errlen;
	if (!yaml_parser_initialize(&ld.parser)) {
		fail(&ld, 1, 1, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text, len);
	index_characters(&ld);
	out->file = xstrdup(name);

	r = build_document(&ld, &root);
	if (r < 0)
		goto out;
	if (r > 0) {
		fail(&ld, 1, 1, "empty rule file");
		goto out;
	}
	if (load_tree(&ld, &root, out))
		goto out;
	if (!out->name)
		out->name = default_name(name);
	ret = 0;
out:
	if (ret)
		ruleset_release(out);
	ynode_release(&root);
	free(ld.cpos);
	yaml_parser_delete(&ld.parser);
	return ret;
}

int rules_load(const char *path, const struct vars *vars, struct ruleset *out, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	char chunk[8192];
	size_t got;
	int ret = -1;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (!f) {
		set_err(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_add(&sb, chunk, got);
	if (ferror(f)) {
		set_err(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	ret = rules_load_string(sb.buf ? sb.buf : "", sb.len, path, vars, out, err, errlen);
out:
	fclose(f);
	sb_release(&sb);
	return ret;
}
