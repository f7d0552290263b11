/* Rule sets: load a YAML rule file into struct ruleset, checking every key and
 * value against the check's parameter table and substituting {variables} from
 * --set.
 *
 * The file is first read into the YAML tree of ytree.h, which keeps every
 * node's position and refuses what a rule set has no use for (anchors and
 * aliases, keys that are not scalars, duplicate keys, a second document).
 * The tree is then checked against the schema and turned into struct rule.
 * Every message is "FILE:LINE:COL: text" with a 1-based position; for an
 * undefined variable the column is the one of its brace when the scalar is on
 * one line and has no escapes.
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
 * point at {new_ip}" with `when: new_ip` and still load without --set new_ip.
 * `unless: NAME` is the converse: the check is used only when NAME is not
 * set (one rule with a variable, another without it).
 *
 * Defaults: a top-level `vars:` mapping gives a value to each variable that
 * --set does not, so an example rule set runs as it is and is still adapted
 * with --set. A default that applies is expanded first, in file order, with
 * the variables given and the defaults before it (`mail_ip: "{new_ip}"`);
 * {domain} in it is kept for the per-domain pass. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "checks.h"
#include "http.h"
#include "report.h"
#include "rules.h"
#include "util.h"
#include "ytree.h"

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

/* ------------------------------------------------------------------ */
/* variables */

size_t vars_name_len(const char *s)
{
	size_t n = 0;
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
	       s[n] == '_')
		n++;
	return n;
}

int vars_valid_name(const char *s)
{
	size_t n = vars_name_len(s);
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
	char buf[YTREE_SHOWN_SIZE];
	const char *eq = strchr(assignment, '=');
	if (!eq || eq == assignment) {
		set_err(err, errlen, "invalid assignment '%s' (expected NAME=VALUE)",
			ytree_shown(assignment, buf, sizeof(buf)));
		return -1;
	}
	char *name = xstrndup(assignment, (size_t)(eq - assignment));
	int ret = -1;
	if (!vars_valid_name(name)) {
		set_err(err, errlen,
			"invalid variable name '%s' (letters, digits and '_', not starting with a digit)",
			ytree_shown(name, buf, sizeof(buf)));
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
		size_t n = vars_name_len(brace + 1);
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

/* Whether value, a name given for a PARAM_NAME, parses as a domain name
 * once {domain} is expanded (here to a short stand-in: the domain itself is
 * checked when it is given). */
static int name_syntax_ok(const char *value)
{
	char *name = rules_expand(value, NULL, "d.example", NULL);
	ldns_rdf *rdf = NULL;
	int ok = *name && ldns_str2rdf_dname(&rdf, name) == LDNS_STATUS_OK;
	ldns_rdf_deep_free(rdf);
	free(name);
	return ok;
}

/* Whether a name given for a PARAM_NAME is a single label (www, mail, *),
 * which is relative to {domain}: written in a rule set, "www" means the www
 * of the domain under check, as it would in its zone file, never the
 * top-level name "www.". A name with a dot is taken as written ("www." is
 * absolute); an IPv6 address (ns previous: names or addresses) has colons. */
static int name_is_bare(const char *value)
{
	return !strchr(value, '.') && !strchr(value, ':') && !strstr(value, "{domain}");
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
	char buf[YTREE_SHOWN_SIZE];
	unsigned long ul;
	double d;

	switch (param->type) {
	case PARAM_STRING:
	case PARAM_STRINGS:
		return 0;
	case PARAM_NAME:
	case PARAM_NAMES:
		if (name_syntax_ok(value))
			return 0;
		set_err(err, errlen,
			"invalid domain name '%s' for '%s' (labels of 1 to 63 characters, at most 253 in "
			"all)",
			ytree_shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_UINT:
		if (parse_ulong(value, 0, 4294967295ul, &ul) == 0)
			return 0;
		set_err(err, errlen,
			"invalid number '%s' for '%s' (expected a whole number up to 4294967295)",
			ytree_shown(value, buf, sizeof(buf)), param->key);
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
				ytree_shown(value, buf, sizeof(buf)), param->key);
		else
			set_err(err, errlen, "unknown record type '%s' for '%s'",
				ytree_shown(value, buf, sizeof(buf)), param->key);
		return -1;
	}
	case PARAM_DURATION:
		if (parse_duration(value, &ul) == 0)
			return 0;
		set_err(err, errlen, "invalid duration '%s' for '%s' (expected e.g. 90, 90s, 15m, 2h or 1d)",
			ytree_shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_PERCENT:
		if (rules_parse_percent(value, &d) == 0)
			return 0;
		set_err(err, errlen,
			"invalid percentage '%s' for '%s' (expected 0%% to 100%%, e.g. 90%% or 0.9)",
			ytree_shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on")) {
			strcpy(value, "true"); /* never longer than what it replaces */
			return 0;
		}
		if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off")) {
			strcpy(value, "false");
			return 0;
		}
		set_err(err, errlen, "invalid value '%s' for '%s' (expected true or false)",
			ytree_shown(value, buf, sizeof(buf)), param->key);
		return -1;
	case PARAM_URL: {
		/* {domain} stands for a name here, as for PARAM_NAME */
		char *url = rules_expand(value, NULL, "d.example", NULL), why[512];
		int r = http_url_check(url, why, sizeof(why));
		free(url);
		if (r == 0)
			return 0;
		set_err(err, errlen, "invalid URL for '%s': %s", param->key, why);
		return -1;
	}
	case PARAM_ADDRS: {
		unsigned char bin[sizeof(struct in6_addr)];
		if (inet_pton(AF_INET, value, bin) == 1 || inet_pton(AF_INET6, value, bin) == 1)
			return 0;
		set_err(err, errlen, "invalid IP address '%s' for '%s'", ytree_shown(value, buf, sizeof(buf)),
			param->key);
		return -1;
	}
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
			ytree_shown(value, buf, sizeof(buf)), param->key, sb.buf ? sb.buf : "");
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
	free(r->unless);
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
/* the schema */

/* What the tree refuses is named after rule sets in its messages. */
static const struct ytree_names rule_names = {"rule sets", "a rule file"};

struct loader {
	const char *file;
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
	ytree_verror(ld->err, ld->errlen, ld->file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

struct item_ctx {
	const struct check_param *param; /* for messages and types */
	int active;			 /* 0: the item's `when` variable is unset */
};

/* Substitute variables in scalar n and check it as type (with param's key
 * and choices). In an inactive item an undefined variable leaves the text as
 * written, unchecked, and then it returns 1. */
static int scalar_value(struct loader *ld, const struct item_ctx *ic, enum param_type type,
			const struct ytree_node *n, struct rule_value *out)
{
	char msg[512], buf[YTREE_SHOWN_SIZE];
	char *undefined = NULL;
	size_t where = 0;
	int line, col;

	if (ytree_is_null(n))
		return fail(ld, n->line, n->col, "missing value for '%s'", ic->param->key);
	out->kind = RV_SCALAR;
	out->line = n->line;
	out->col = n->col;
	out->str = expand(n->str, ld->vars, 0, NULL, &undefined, &where);
	if (!out->str) {
		if (ic->active) {
			ytree_scalar_pos(n, where, &line, &col);
			fail(ld, line, col, "undefined variable '%s' (set it with --set %s=VALUE)",
			     ytree_shown(undefined, buf, sizeof(buf)),
			     ytree_shown(undefined, buf, sizeof(buf)));
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
	if (type == PARAM_NAME && name_is_bare(out->str)) {
		char *relative = xasprintf("%s.{domain}", out->str);
		free(out->str);
		out->str = relative;
	}
	return 0;
}

/* A scalar or a list of scalars (of type item_type) into an RV_LIST. */
static int list_value(struct loader *ld, const struct item_ctx *ic, enum param_type item_type,
		      const struct ytree_node *n, struct rule_value *out)
{
	const char *key = ic->param->key;
	out->kind = RV_LIST;
	out->line = n->line;
	out->col = n->col;
	if (n->kind == YTREE_SCALAR) {
		if (ytree_is_null(n))
			return fail(ld, n->line, n->col, "missing value for '%s'", key);
		out->items = xcalloc(1, sizeof(*out->items));
		out->n = 1;
		return scalar_value(ld, ic, item_type, n, &out->items[0]) < 0 ? -1 : 0;
	}
	if (n->kind == YTREE_MAP)
		return fail(ld, n->line, n->col, "'%s' must be a value or a list of values, not a mapping",
			    key);
	if (n->n == 0)
		return fail(ld, n->line, n->col, "'%s' is an empty list", key);
	out->items = xcalloc(n->n, sizeof(*out->items));
	out->n = n->n;
	for (size_t i = 0; i < n->n; i++) {
		const struct ytree_node *it = &n->items[i];
		if (it->kind != YTREE_SCALAR)
			return fail(ld, it->line, it->col, "an item of '%s' must be a single value, not %s",
				    key, ytree_kind_name(it));
		if (ytree_is_null(it))
			return fail(ld, it->line, it->col, "empty item in '%s'", key);
		if (scalar_value(ld, ic, item_type, it, &out->items[i]) < 0)
			return -1;
	}
	return 0;
}

static int rrmap_value(struct loader *ld, const struct item_ctx *ic, const struct ytree_node *n,
		       struct rule_value *out)
{
	const char *key = ic->param->key;
	out->kind = RV_MAP;
	out->line = n->line;
	out->col = n->col;
	if (ytree_is_null(n))
		return fail(ld, n->line, n->col, "missing value for '%s'", key);
	if (n->kind != YTREE_MAP)
		return fail(ld, n->line, n->col, "'%s' must be a mapping of record types to values, not %s",
			    key, ytree_kind_name(n));
	if (n->n == 0)
		return fail(ld, n->line, n->col, "'%s' is an empty mapping", key);
	out->items = xcalloc(n->n, sizeof(*out->items));
	out->keys = xcalloc(n->n, sizeof(*out->keys));
	for (size_t i = 0; i < n->n; i++) {
		struct rule_value k = {0};
		const struct ytree_node *kn = &n->pairs[i].key;
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
		if (list_value(ld, ic, PARAM_STRING, &n->pairs[i].value, &out->items[out->n - 1]))
			return -1;
	}
	return 0;
}

static int param_value(struct loader *ld, const struct item_ctx *ic, const struct ytree_node *n,
		       struct rule_value *out)
{
	enum param_type type = ic->param->type;
	switch (type) {
	case PARAM_STRINGS:
		return list_value(ld, ic, PARAM_STRING, n, out);
	case PARAM_NAMES:
		return list_value(ld, ic, PARAM_NAME, n, out);
	case PARAM_RRTYPES:
		return list_value(ld, ic, PARAM_RRTYPE, n, out);
	case PARAM_ADDRS:
		return list_value(ld, ic, PARAM_ADDRS, n, out);
	case PARAM_RRMAP:
		return rrmap_value(ld, ic, n, out);
	default:
		if (n->kind != YTREE_SCALAR)
			return fail(ld, n->line, n->col, "'%s' must be a single value, not %s",
				    ic->param->key, ytree_kind_name(n));
		return scalar_value(ld, ic, type, n, out) < 0 ? -1 : 0;
	}
}

/* A plain name (check, when, top-level name) that must be one scalar. */
static int name_value(struct loader *ld, const char *key, const struct ytree_node *n)
{
	if (n->kind != YTREE_SCALAR)
		return fail(ld, n->line, n->col, "'%s' must be a single value, not %s", key,
			    ytree_kind_name(n));
	if (ytree_is_null(n))
		return fail(ld, n->line, n->col, "missing value for '%s'", key);
	return 0;
}

static int severity_value(struct loader *ld, const struct item_ctx *ic, const struct ytree_node *n,
			  int *severity)
{
	static const struct check_param sev = {"severity", PARAM_STRING, 0, NULL, NULL};
	static const struct {
		const char *name;
		int status;
	} levels[] = {{"info", STATUS_INFO}, {"warn", STATUS_WARN}, {"fail", STATUS_FAIL}};
	char buf[YTREE_SHOWN_SIZE];
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
	     ytree_shown(v.str, buf, sizeof(buf)));
out:
	value_release(&v);
	return ret;
}

static int unknown_check(struct loader *ld, const struct ytree_node *n)
{
	char buf[YTREE_SHOWN_SIZE];
	size_t count;
	const struct check_desc *const *table = check_table(&count);
	const char **names = xcalloc(count, sizeof(*names));
	for (size_t i = 0; i < count; i++)
		names[i] = table[i]->name;
	const char *near = ytree_closest(n->str, names, count);
	if (near)
		fail(ld, n->line, n->col, "unknown check '%s'; did you mean '%s'?",
		     ytree_shown(n->str, buf, sizeof(buf)), near);
	else
		fail(ld, n->line, n->col, "unknown check '%s'", ytree_shown(n->str, buf, sizeof(buf)));
	free(names);
	return -1;
}

static const char *const item_keys[] = {"check", "severity", "when", "unless"};

static int unknown_key(struct loader *ld, const struct check_desc *desc, const struct ytree_node *key)
{
	char buf[YTREE_SHOWN_SIZE];
	struct strbuf allowed = STRBUF_INIT;
	const char **names = NULL;
	size_t n = 0, alloc = 0;

	for (const struct check_param *p = desc->params; p && p->key; p++) {
		*(const char **)xgrow(&names, &n, &alloc, sizeof(*names)) = p->key;
		sb_addf(&allowed, "%s, ", p->key);
	}
	for (size_t i = 0; i < ARRAY_SIZE(item_keys); i++)
		*(const char **)xgrow(&names, &n, &alloc, sizeof(*names)) = item_keys[i];
	sb_adds(&allowed, "severity, when, unless");
	const char *near = ytree_closest(key->str, names, n);
	if (near)
		fail(ld, key->line, key->col, "unknown key '%s' for check '%s'; did you mean '%s'?",
		     ytree_shown(key->str, buf, sizeof(buf)), desc->name, near);
	else
		fail(ld, key->line, key->col, "unknown key '%s' for check '%s' (allowed: %s)",
		     ytree_shown(key->str, buf, sizeof(buf)), desc->name, allowed.buf);
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

/* The value of a `when:` or `unless:` key: a variable name, not "domain".
 * Returns 0 with a new string in *out, or -1 after fail(). */
static int condition_value(struct loader *ld, const char *key, const struct ytree_node *when, char **out)
{
	char buf[YTREE_SHOWN_SIZE];
	/* `when: {new_ip}` unquoted is a flow mapping to YAML: say what
	 * to write rather than "quote it", which only leads to the
	 * braces message below. */
	if (ytree_is_unquoted_braces(when)) {
		fail(ld, when->line, when->col, "'%s' takes a variable name without braces: '%s: %s'", key,
		     key, ytree_shown(when->pairs[0].key.str, buf, sizeof(buf)));
		return -1;
	}
	if (name_value(ld, key, when))
		return -1;
	size_t wl = strlen(when->str);
	if (wl > 2 && when->str[0] == '{' && when->str[wl - 1] == '}' &&
	    vars_name_len(when->str + 1) == wl - 2) {
		fail(ld, when->line, when->col, "'%s' takes a variable name without braces: '%s: %.*s'", key,
		     key, (int)(wl - 2), when->str + 1);
		return -1;
	}
	if (!vars_valid_name(when->str)) {
		fail(ld, when->line, when->col, "invalid variable name '%s' for '%s'",
		     ytree_shown(when->str, buf, sizeof(buf)), key);
		return -1;
	}
	if (strcmp(when->str, "domain") == 0) {
		fail(ld, when->line, when->col, "'%s: domain' is always %s (the domain is always set)", key,
		     strcmp(key, "when") == 0 ? "true" : "false");
		return -1;
	}
	*out = xstrdup(when->str);
	return 0;
}

/* One item of `checks`: into rs->rules, or rs->skipped when its `when`
 * variable is unset. */
static int load_item(struct loader *ld, const struct ytree_node *item, struct ruleset *rs)
{
	const struct ytree_node *check = NULL, *when = NULL, *unless = NULL;
	struct rule r = {0};
	int ret = -1;

	if (item->kind != YTREE_MAP)
		return fail(ld, item->line, item->col,
			    "an item of 'checks' must be a mapping, not %s (write '- check: NAME')",
			    ytree_kind_name(item));
	check = ytree_map_get(item, "check");
	when = ytree_map_get(item, "when");
	unless = ytree_map_get(item, "unless");
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
	if (when && condition_value(ld, "when", when, &r.when))
		goto out;
	if (unless && condition_value(ld, "unless", unless, &r.unless))
		goto out;

	struct item_ctx ic = {NULL, (!r.when || vars_get(ld->vars, r.when) != NULL) &&
					    (!r.unless || vars_get(ld->vars, r.unless) == NULL)};
	size_t alloc = 0;
	for (size_t i = 0; i < item->n; i++) {
		const struct ytree_node *key = &item->pairs[i].key, *val = &item->pairs[i].value;
		if (strcmp(key->str, "check") == 0 || strcmp(key->str, "when") == 0 ||
		    strcmp(key->str, "unless") == 0)
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
	if (r.desc->validate) {
		const struct rule_value *at = NULL;
		char msg[512];
		if (r.desc->validate(&r, &at, msg, sizeof(msg))) {
			fail(ld, at ? at->line : item->line, at ? at->col : item->col, "%s", msg);
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

/* The value of a `checks:` key: a non-empty list of items. */
static int load_checks(struct loader *ld, const struct ytree_node *checks, struct ruleset *rs)
{
	if (ytree_is_null(checks))
		return fail(ld, checks->line, checks->col, "'checks' is empty");
	if (checks->kind != YTREE_SEQ)
		return fail(ld, checks->line, checks->col, "'checks' must be a list, not %s",
			    ytree_kind_name(checks));
	if (checks->n == 0)
		return fail(ld, checks->line, checks->col, "'checks' is an empty list");
	for (size_t i = 0; i < checks->n; i++)
		if (load_item(ld, &checks->items[i], rs))
			return -1;
	return 0;
}

static const char *const top_keys[] = {"name", "description", "vars", "checks"};

/* The top-level `vars:` mapping: into merged (a copy of the --set values),
 * each default whose variable --set does not give, expanded with merged as
 * it stands. Returns 0, or -1 after fail(). */
static int default_vars(struct loader *ld, const struct ytree_node *n, struct vars *merged)
{
	char buf[YTREE_SHOWN_SIZE];
	int line, col;

	if (ytree_is_null(n))
		return fail(ld, n->line, n->col, "'vars' is empty");
	if (n->kind != YTREE_MAP)
		return fail(ld, n->line, n->col,
			    "'vars' must be a mapping of variable names to values, not %s",
			    ytree_kind_name(n));
	if (n->n == 0)
		return fail(ld, n->line, n->col, "'vars' is an empty mapping");
	for (size_t i = 0; i < n->n; i++) {
		const struct ytree_node *key = &n->pairs[i].key, *val = &n->pairs[i].value;
		char *undefined = NULL;
		size_t where = 0;
		if (!vars_valid_name(key->str))
			return fail(ld, key->line, key->col,
				    "invalid variable name '%s' in 'vars' (letters, digits and '_', not "
				    "starting with a digit)",
				    ytree_shown(key->str, buf, sizeof(buf)));
		if (strcmp(key->str, "domain") == 0)
			return fail(ld, key->line, key->col,
				    "'domain' has no default: it is always the domain under check");
		if (name_value(ld, key->str, val))
			return -1;
		if (vars_get(merged, key->str))
			continue; /* given: the default does not apply */
		char *value = expand(val->str, merged, 0, NULL, &undefined, &where);
		if (!value) {
			int later = 0;
			for (size_t j = i + 1; j < n->n; j++)
				later |= strcmp(n->pairs[j].key.str, undefined) == 0;
			ytree_scalar_pos(val, where, &line, &col);
			ytree_shown(undefined, buf, sizeof(buf));
			if (later)
				fail(ld, line, col,
				     "the default of '%s' uses '%s', whose default comes later", key->str,
				     buf);
			else
				fail(ld, line, col, "undefined variable '%s' (set it with --set %s=VALUE)",
				     buf, buf);
			free(undefined);
			return -1;
		}
		vars_set(merged, key->str, value);
		free(value);
	}
	return 0;
}

/* The top level, a mapping, with the variables of ld (and the defaults). */
static int load_top(struct loader *ld, const struct ytree_node *root, struct ruleset *rs)
{
	char buf[YTREE_SHOWN_SIZE];
	const struct ytree_node *checks = NULL;

	for (size_t i = 0; i < root->n; i++) {
		const struct ytree_node *key = &root->pairs[i].key, *val = &root->pairs[i].value;
		if (strcmp(key->str, "checks") == 0) {
			checks = val;
		} else if (strcmp(key->str, "vars") == 0) {
			continue; /* load_tree's */
		} else if (strcmp(key->str, "description") == 0) {
			if (val->kind != YTREE_SCALAR)
				return fail(ld, val->line, val->col,
					    "'description' must be a single value, not %s",
					    ytree_kind_name(val));
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
			const char *near = ytree_closest(key->str, top_keys, ARRAY_SIZE(top_keys));
			if (near)
				return fail(ld, key->line, key->col,
					    "unknown top-level key '%s'; did you mean '%s'?",
					    ytree_shown(key->str, buf, sizeof(buf)), near);
			return fail(ld, key->line, key->col,
				    "unknown top-level key '%s' (allowed: name, description, vars, checks)",
				    ytree_shown(key->str, buf, sizeof(buf)));
		}
	}
	if (!checks)
		return fail(ld, root->line, root->col, "missing 'checks' (the list of checks to run)");
	return load_checks(ld, checks, rs);
}

static int load_tree(struct loader *ld, const struct ytree_node *root, struct ruleset *rs)
{
	if (ytree_is_null(root))
		return fail(ld, 1, 1, "empty rule file");
	if (root->kind != YTREE_MAP)
		return fail(ld, root->line, root->col,
			    "the top level must be a mapping with 'checks', not %s", ytree_kind_name(root));
	const struct ytree_node *defaults = ytree_map_get(root, "vars");
	if (!defaults)
		return load_top(ld, root, rs);
	/* the defaults apply to every other key, whatever their order */
	struct vars merged = VARS_INIT;
	const struct vars *given = ld->vars;
	for (size_t i = 0; given && i < given->n; i++)
		vars_set(&merged, given->names[i], given->values[i]);
	int ret = default_vars(ld, defaults, &merged);
	if (ret == 0) {
		ld->vars = &merged;
		ret = load_top(ld, root, rs);
		ld->vars = given;
	}
	vars_release(&merged);
	return ret;
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

/* Check doc against the schema into out (already zeroed). */
static int load_doc(const struct ytree_doc *doc, const struct vars *vars, struct ruleset *out, char *err,
		    size_t errlen)
{
	struct loader ld = {doc->file, vars, err, errlen};

	out->file = xstrdup(doc->file);
	if (!doc->root)
		return fail(&ld, 1, 1, "empty rule file");
	if (load_tree(&ld, doc->root, out))
		return -1;
	if (!out->name)
		out->name = default_name(doc->file);
	return 0;
}

int rules_load_string(const char *text, size_t len, const char *name, const struct vars *vars,
		      struct ruleset *out, char *err, size_t errlen)
{
	struct ytree_doc *doc = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (ytree_load_buffer(text, len, name, &rule_names, &doc, err, errlen))
		goto out;
	ret = load_doc(doc, vars, out, err, errlen);
out:
	if (ret)
		ruleset_release(out);
	ytree_doc_free(doc);
	return ret;
}

int rules_load(const char *path, const struct vars *vars, struct ruleset *out, char *err, size_t errlen)
{
	struct ytree_doc *doc = NULL;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (ytree_load_file(path, &rule_names, &doc, err, errlen))
		goto out;
	ret = load_doc(doc, vars, out, err, errlen);
out:
	if (ret)
		ruleset_release(out);
	ytree_doc_free(doc);
	return ret;
}

int rules_load_checks(const struct ytree_node *checks, const char *file, const char *name,
		      const struct vars *vars, struct ruleset *out, char *err, size_t errlen)
{
	struct loader ld = {file, vars, err, errlen};

	memset(out, 0, sizeof(*out));
	out->file = xstrdup(file);
	out->name = xstrdup(name);
	if (load_checks(&ld, checks, out) == 0)
		return 0;
	ruleset_release(out);
	return -1;
}
