/* MTA-STS records and policies (RFC 8461) and TLS-RPT records (RFC 8460):
 * pure functions over bytes, no check context (checks/mtasts_parse.h).
 *
 * Written by hand: no Debian library parses MTA-STS policy files or either
 * TXT record (the MTA-STS resolvers packaged for Postfix are programs, not
 * libraries). The grammars are RFC 8461 3.1 and 3.2 and RFC 8460 3, followed
 * as written: a text the ABNF does not allow is an error, except where the
 * RFC says what senders do instead (a field given twice: the first counts,
 * RFC 8461 3.2) and for blanks next to the last ';' of an MTA-STS record,
 * which the ABNF forbids but every parser seen strips: those are notes.
 * https URIs are checked by libcurl's URL parser (http_url_check()). */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "mtasts_parse.h"
#include "names.h"
#include "report.h"
#include "util.h"

/* Character classes are ASCII's: cutover never calls setlocale(), so
 * <ctype.h> works in the "C" locale. */
static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return isdigit((unsigned char)c);
}

static int is_alnum(char c)
{
	return isalnum((unsigned char)c);
}

static char lower(char c)
{
	return (char)tolower((unsigned char)c);
}

static void add_problem(struct mtasts_problems *ps, int error, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_problem(struct mtasts_problems *ps, int error, unsigned line, const char *fmt, ...)
{
	if (error)
		ps->errors++;
	if (ps->n == MTASTS_PROBLEMS_MAX) {
		ps->dropped++;
		return;
	}
	struct mtasts_problem *p = &ps->v[ps->n++];
	p->error = error;
	p->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
}

/* Whether s begins with the case-sensitive version field word, followed by
 * its end, ';' or a blank. */
static int has_version(const char *s, size_t len, const char *word)
{
	size_t w = strlen(word);
	return len >= w && memcmp(s, word, w) == 0 && (len == w || s[w] == ';' || is_wsp(s[w]));
}

/* Whether word appears anywhere in s, ignoring ASCII case. */
static int contains_word(const char *s, size_t len, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= len; i++)
		if (str_is_word(s + i, w, word))
			return 1;
	return 0;
}

int mtasts_record_is_sts(const char *text, size_t len)
{
	return has_version(text, len, "v=STSv1");
}

int mtasts_record_looks_sts(const char *text, size_t len)
{
	return !mtasts_record_is_sts(text, len) && contains_word(text, len, "v=stsv1");
}

int mtasts_tlsrpt_is_record(const char *text, size_t len)
{
	return has_version(text, len, "v=TLSRPTv1");
}

int mtasts_tlsrpt_looks_record(const char *text, size_t len)
{
	return !mtasts_tlsrpt_is_record(text, len) && contains_word(text, len, "v=tlsrptv1");
}

/* ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."): the same
 * in both RFCs' TXT records and the policy's keys. */
static int is_ext_name(const char *s, size_t n)
{
	if (n == 0 || n > 32 || !is_alnum(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* sts-ext-value / tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): printable
 * ASCII but '=' and ';'. */
static int is_ext_value_char(char c)
{
	return c >= 0x21 && c <= 0x7e && c != '=' && c != ';';
}

/* --- the two TXT records ------------------------------------------------- */

/* Whether s[0..n) is a host name: dot-separated labels of letters, digits and
 * inner hyphens, 1 to 63 octets each, 253 in all, no trailing dot (RFC 5321
 * Domain). */
static int is_domain(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return 0;
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && !(s[i] == '-' && label > 0))
			return 0;
		label++;
	}
	return 1;
}

/* A record of the form "v=VERSION; name=value; ..." with one field that
 * must be there (id=, rua=), as both RFCs define it:
 *   version 1*(field-delim field) [field-delim]
 * with field-delim = *WSP ";" *WSP in RFC 8460 and, in RFC 8461, ";" with
 * *WSP before it only between fields and after it only before one (so no
 * blank before a final ';' and none at the end): strict_blanks. Any other
 * field is an extension, name=value with ext-value = 1*(%x21-3A / %x3C /
 * %x3E-7E). */
struct tag_record {
	const char *version; /* "v=STSv1" */
	const char *key;     /* the field required, lower case: "id" */
	const char *rfc;     /* for messages: "RFC 8461 3.1" */
	int strict_blanks;
	/* Judge the value of the first key= field, adding problems. */
	void (*key_value)(void *arg, struct mtasts_problems *ps, const char *value, size_t n);
	void *arg;
	struct mtasts_problems *ps;
	int keys;	   /* key= fields seen */
	char case_key[16]; /* the key in another case ("ID"), an extension */
};

/* One field, with blanks around it cut. */
static void tag_field(struct tag_record *t, const char *f, size_t n)
{
	struct mtasts_problems *ps = t->ps;
	const char *eq = memchr(f, '=', n);
	if (!eq) {
		add_problem(ps, 1, 0, "'%s' is not a name=value field", str_show(f, n).s);
		return;
	}
	size_t name_len = (size_t)(eq - f);
	const char *v = eq + 1;
	size_t vn = n - name_len - 1;
	if (!is_ext_name(f, name_len)) {
		add_problem(ps, 1, 0, "'%s' is not a field name", str_show(f, name_len).s);
		return;
	}
	if (name_len == strlen(t->key) && memcmp(f, t->key, name_len) == 0) {
		/* RFC 8461 3.2: a field given twice, the first counts (RFC
		 * 8460 does not say: senders may read either) */
		if (t->keys++)
			add_problem(ps, 0, 0, "%s= is given more than once: senders %s", t->key,
				    t->strict_blanks ? "take the first (RFC 8461 3.2)" : "may read either");
		else
			t->key_value(t->arg, ps, v, vn);
		return;
	}
	if (vn == 0) {
		add_problem(ps, 1, 0, "%s= has no value", str_show(f, name_len).s);
		return;
	}
	for (size_t k = 0; k < vn; k++)
		if (!is_ext_value_char(v[k])) {
			add_problem(ps, 1, 0, "%s: '%s' cannot stand in a value", str_show(f, n).s,
				    str_show(v + k, 1).s);
			return;
		}
	if (name_len == 1 && f[0] == 'v')
		add_problem(ps, 0, 0, "v= is given again: senders take the first");
	else if (str_is_word(f, name_len, t->key) && !t->case_key[0])
		snprintf(t->case_key, sizeof(t->case_key), "%.*s", (int)name_len, f);
}

/* Parse text as t says. Returns 0 when senders accept it, -1 when not. */
static int tag_record_parse(struct tag_record *t, const char *s, size_t len)
{
	struct mtasts_problems *ps = t->ps;
	if (!has_version(s, len, t->version)) {
		add_problem(ps, 1, 0, "the record does not begin with %s", t->version);
		return -1;
	}
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] >= 0x80 || s[k] == '\0' || (s[k] < 0x20 && s[k] != '\t')) {
			add_problem(ps, 1, 0,
				    "the record holds the byte %s: it must be printable US-ASCII (%s)",
				    str_show(s + k, 1).s, t->rfc);
			return -1;
		}
	size_t i = strlen(t->version), fields = 0;
	for (;;) {
		size_t blanks = 0, after = 0;
		while (i < len && is_wsp(s[i])) {
			i++;
			blanks++;
		}
		if (i < len && s[i] != ';') {
			add_problem(ps, 1, 0, "'%s' where a ';' should separate the fields",
				    str_show(s + i, len - i).s);
			break;
		}
		if (i < len) {
			i++;
			while (i < len && is_wsp(s[i])) {
				i++;
				after++;
			}
		}
		if (i == len) {
			if (!fields)
				add_problem(ps, 1, 0, "the record has nothing after %s (%s= is required)",
					    t->version, t->key);
			else if ((blanks || after) && t->strict_blanks)
				add_problem(
					ps, 0, 0,
					"a blank after the last field, which the %s grammar does not allow "
					"(strict senders discard the record)",
					t->rfc);
			break;
		}
		if (s[i] == ';') {
			add_problem(ps, 1, 0, "an empty field (';;')");
			continue;
		}
		/* a field runs to the next ';'; blanks before it are the
		 * next turn's */
		size_t start = i;
		while (i < len && s[i] != ';')
			i++;
		while (i > start && is_wsp(s[i - 1]))
			i--;
		fields++;
		tag_field(t, s + start, i - start);
	}
	if (!t->keys && fields)
		add_problem(ps, 1, 0, "the record has no %s= field%s%s%s", t->key,
			    t->case_key[0] ? " (field names are case-sensitive: '" : "", t->case_key,
			    t->case_key[0] ? "=' is another field)" : "");
	return ps->errors ? -1 : 0;
}

/* sts-id = %s"id=" 1*32(ALPHA / DIGIT) */
static void sts_id(void *arg, struct mtasts_problems *ps, const char *v, size_t n)
{
	struct mtasts_record *rec = arg;
	int ok = n >= 1 && n <= 32;
	for (size_t k = 0; k < n && ok; k++)
		ok = is_alnum(v[k]);
	if (!ok) {
		add_problem(ps, 1, 0, "id=%s is not 1 to 32 letters and digits", str_show(v, n).s);
		return;
	}
	memcpy(rec->id, v, n);
	rec->id[n] = '\0';
}

int mtasts_record_parse(const char *text, size_t len, struct mtasts_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	struct tag_record t = {"v=STSv1", "id", "RFC 8461 3.1", 1, sts_id, rec, &rec->problems, 0, ""};
	return tag_record_parse(&t, text, len);
}

/* Printable ASCII other than the blank and the characters RFC 3986 never
 * allows in a URI (they must be %-encoded). */
static int is_uri_char(char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c);
}

/* One URI of rua: mailto:ADDRESS (RFC 6068; the address's domain a host
 * name) or an https URL libcurl can parse; another scheme is a note (senders
 * skip it). Counts it when valid. */
static void rua_uri(struct mtasts_tlsrpt *rec, const char *u, size_t n)
{
	struct mtasts_problems *ps = &rec->problems;
	if (n == 0) {
		add_problem(ps, 1, 0, "rua= has an empty URI");
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (!is_uri_char(u[k])) {
			add_problem(ps, 1, 0, "rua URI '%s': '%s' cannot stand in a URI (RFC 3986)",
				    str_show(u, n).s, str_show(u + k, 1).s);
			return;
		}
	size_t scheme = str_uri_scheme(u, n);
	if (scheme == 0) {
		add_problem(ps, 1, 0, "rua URI '%s' is not a URI (mailto:ADDRESS or https://HOST/PATH)",
			    str_show(u, n).s);
		return;
	}
	if (str_is_word(u, scheme, "mailto")) {
		const char *domain;
		size_t domain_len;
		if (str_mailto_domain(u + scheme + 1, n - scheme - 1, &domain, &domain_len) != 0 ||
		    !is_domain(domain, domain_len)) {
			add_problem(ps, 1, 0, "rua URI '%s' is not a mail address with a valid domain",
				    str_show(u, n).s);
			return;
		}
		rec->n_rua++;
		return;
	}
	if (!str_is_word(u, scheme, "https")) {
		add_problem(ps, 0, 0,
			    "rua URI '%s': senders send reports to mailto: and https: URIs only (RFC 8460 3)",
			    str_show(u, n).s);
		return;
	}
	char url[2048], err[512];
	if (n >= sizeof(url)) {
		add_problem(ps, 1, 0, "rua URI '%s' is longer than %zu characters", str_show(u, n).s,
			    sizeof(url) - 1);
		return;
	}
	memcpy(url, u, n);
	url[n] = '\0';
	if (http_url_check(url, err, sizeof(err)) != 0) {
		add_problem(ps, 1, 0, "rua URI '%s' is not an https URL", str_show(u, n).s);
		return;
	}
	rec->n_rua++;
	rec->n_https++;
}

/* tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri) */
static void tlsrpt_rua(void *arg, struct mtasts_problems *ps, const char *v, size_t n)
{
	struct mtasts_tlsrpt *rec = arg;
	size_t start = 0;
	for (size_t k = 0; k <= n; k++) {
		if (k < n && v[k] != ',')
			continue;
		size_t a = start, b = k;
		while (a < b && is_wsp(v[a]))
			a++;
		while (b > a && is_wsp(v[b - 1]))
			b--;
		rua_uri(rec, v + a, b - a);
		start = k + 1;
	}
	if (!rec->n_rua && !ps->errors)
		add_problem(ps, 1, 0, "rua= has no URI senders can send reports to");
}

int mtasts_tlsrpt_parse(const char *text, size_t len, struct mtasts_tlsrpt *rec)
{
	memset(rec, 0, sizeof(*rec));
	struct tag_record t = {"v=TLSRPTv1", "rua", "RFC 8460 3", 0, tlsrpt_rua, rec, &rec->problems, 0, ""};
	return tag_record_parse(&t, text, len);
}

/* --- the policy file (RFC 8461 3.2) --------------------------------------- */

const char *mtasts_mode_name(enum mtasts_mode mode)
{
	switch (mode) {
	case MTASTS_MODE_ENFORCE:
		return "enforce";
	case MTASTS_MODE_TESTING:
		return "testing";
	case MTASTS_MODE_NONE:
		return "none";
	default:
		return "(absent)";
	}
}

/* sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar)
 * sts-policy-vchar], sts-policy-vchar = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4.
 * Returns NULL, or where it breaks. */
static const char *ext_value_fault(const char *v, size_t n)
{
	if (n == 0)
		return v;
	for (size_t k = 0; k < n;) {
		unsigned char c = (unsigned char)v[k];
		if (c >= 0x21 && c <= 0x7e) {
			k++;
		} else if (c == ' ' && k > 0 && k + 1 < n) {
			k++;
		} else {
			uint32_t cp;
			size_t u =
				c >= 0x80 ? report_utf8_decode((const unsigned char *)v + k, n - k, &cp) : 0;
			if (!u)
				return v + k;
			k += u;
		}
	}
	return NULL;
}

/* ["*."] Domain: a valid mx pattern. */
static int is_mx_pattern(const char *v, size_t n)
{
	if (n >= 2 && v[0] == '*' && v[1] == '.') {
		v += 2;
		n -= 2;
	}
	return is_domain(v, n);
}

/* The fields RFC 8461 3.2 defines that may appear once. */
enum field { F_VERSION, F_MODE, F_MAX_AGE, F_COUNT };
static const char *const field_names[F_COUNT] = {"version", "mode", "max_age"};

struct policy_walk {
	struct mtasts_policy *p;
	unsigned seen[F_COUNT];	     /* the line each was first given on, 0: not given */
	unsigned case_line[F_COUNT]; /* a line with the name in another case ("Mode") */
	unsigned mx_lines;	     /* mx fields, valid or not */
};

static void policy_field(struct policy_walk *w, unsigned line, const char *key, size_t key_len, const char *v,
			 size_t n)
{
	struct mtasts_policy *p = w->p;
	struct mtasts_problems *ps = &p->problems;
	if (key_len == 2 && memcmp(key, "mx", 2) == 0) {
		w->mx_lines++;
		if (!is_mx_pattern(v, n)) {
			add_problem(ps, 1, line,
				    "mx: '%s' is not a host name or *. and a host name (letters, digits, "
				    "hyphens; A-labels for IDNs; no trailing dot)",
				    str_show(v, n).s);
			return;
		}
		char **slot = xgrow(&p->mx, &p->n_mx, &p->mx_alloc, sizeof(*p->mx));
		*slot = xstrndup(v, n);
		for (char *c = *slot; *c; c++)
			*c = lower(*c);
		return;
	}
	int f = -1;
	for (int k = 0; k < F_COUNT; k++)
		if (strlen(field_names[k]) == key_len && memcmp(key, field_names[k], key_len) == 0)
			f = k;
	if (f < 0) {
		/* An extension: ignored (RFC 8461 3.2), but it must still be
		 * one; a defined name in another case is one, remembered for
		 * the message should the real field be missing. */
		const char *bad = ext_value_fault(v, n);
		if (bad && n == 0)
			add_problem(ps, 1, line, "%s: the value is empty", str_show(key, key_len).s);
		else if (bad)
			add_problem(ps, 1, line,
				    "%s: the value holds %s, which is not a printable character, a space or "
				    "UTF-8",
				    str_show(key, key_len).s, str_show(bad, 1).s);
		for (int k = 0; k < F_COUNT; k++)
			if (str_is_word(key, key_len, field_names[k]) && !w->case_line[k])
				w->case_line[k] = line;
		return;
	}
	if (w->seen[f]) {
		add_problem(ps, 0, line,
			    "%s is given again (first on line %u): senders take the first (RFC 8461 3.2)",
			    field_names[f], w->seen[f]);
		return;
	}
	w->seen[f] = line;
	switch (f) {
	case F_VERSION:
		if (n == 5 && memcmp(v, "STSv1", 5) == 0)
			p->has_version = 1;
		else
			add_problem(ps, 1, line, "version: '%s' is not STSv1", str_show(v, n).s);
		break;
	case F_MODE:
		if (n == 7 && memcmp(v, "enforce", 7) == 0)
			p->mode = MTASTS_MODE_ENFORCE;
		else if (n == 7 && memcmp(v, "testing", 7) == 0)
			p->mode = MTASTS_MODE_TESTING;
		else if (n == 4 && memcmp(v, "none", 4) == 0)
			p->mode = MTASTS_MODE_NONE;
		else
			add_problem(ps, 1, line, "mode: '%s' is not enforce, testing or none (in lower case)",
				    str_show(v, n).s);
		break;
	case F_MAX_AGE: {
		/* 1*10(DIGIT); above a year is judged by the check */
		unsigned long x = 0;
		size_t k = 0;
		for (; k < n && is_digit(v[k]); k++)
			x = x * 10 + (unsigned long)(v[k] - '0');
		if (n == 0 || k != n || n > 10)
			add_problem(ps, 1, line, "max_age: '%s' is not a number of seconds (1 to 10 digits)",
				    str_show(v, n).s);
		else {
			p->has_max_age = 1;
			p->max_age = x;
		}
		break;
	}
	}
}

/* One line (without its terminator): key ":" *WSP value *WSP. */
static void policy_line(struct policy_walk *w, unsigned line, const char *s, size_t n)
{
	struct mtasts_problems *ps = &w->p->problems;
	if (n == 0) {
		add_problem(ps, 1, line, "an empty line, which the RFC 8461 3.2 grammar does not allow");
		return;
	}
	for (size_t k = 0; k < n; k++)
		if (s[k] == '\0' || ((unsigned char)s[k] < 0x20 && s[k] != '\t') || s[k] == 0x7f) {
			add_problem(ps, 1, line, "'%s' holds the control character %s", str_show(s, n).s,
				    str_show(s + k, 1).s);
			return;
		}
	const char *colon = memchr(s, ':', n);
	size_t key_len = colon ? (size_t)(colon - s) : 0;
	if (!colon || !is_ext_name(s, key_len)) {
		add_problem(ps, 1, line, "'%s' is not a key: value line%s", str_show(s, n).s,
			    colon && key_len && is_wsp(s[key_len - 1]) ? " (a blank before the ':')"
			    : n && is_wsp(s[0])			       ? " (a blank before the key)"
								       : "");
		return;
	}
	size_t v = key_len + 1;
	while (v < n && is_wsp(s[v]))
		v++;
	size_t end = n;
	while (end > v && is_wsp(s[end - 1]))
		end--;
	policy_field(w, line, s, key_len, s + v, end - v);
}

int mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *p)
{
	memset(p, 0, sizeof(*p));
	struct mtasts_problems *ps = &p->problems;
	if (len == 0) {
		add_problem(ps, 1, 0, "the policy is empty");
		return -1;
	}
	struct policy_walk w = {.p = p};
	unsigned line = 0;
	size_t i = 0;
	while (i < len) {
		/* sts-policy-term = LF / CRLF; a last line may go without */
		const char *lf = memchr(text + i, '\n', len - i);
		size_t end = lf ? (size_t)(lf - text) : len;
		size_t next = lf ? end + 1 : len;
		if (end > i && text[end - 1] == '\r' && lf)
			end--;
		if (line < UINT_MAX)
			line++;
		policy_line(&w, line, text + i, end - i);
		i = next;
	}
	for (int k = 0; k < F_COUNT; k++) {
		if (w.seen[k])
			continue;
		if (w.case_line[k])
			add_problem(ps, 1, 0,
				    "no %s field (line %u names it in another case: field names are "
				    "case-sensitive)",
				    field_names[k], w.case_line[k]);
		else
			add_problem(ps, 1, 0, "no %s field", field_names[k]);
	}
	if (w.mx_lines == 0 && p->mode != MTASTS_MODE_NONE && w.seen[F_MODE])
		add_problem(ps, 1, 0, "no mx field: at least one is required unless the mode is none");
	return ps->errors ? -1 : 0;
}

void mtasts_policy_release(struct mtasts_policy *p)
{
	for (size_t i = 0; i < p->n_mx; i++)
		free(p->mx[i]);
	free(p->mx);
	p->mx = NULL;
	p->n_mx = p->mx_alloc = 0;
}

/* --- MX host matching (RFC 8461 4.1) -------------------------------------- */

/* Whether a[0..n) and b[0..n) are equal ignoring ASCII case. */
static int same_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

int mtasts_mx_match(const char *pattern, const char *host)
{
	size_t pn = strlen(pattern), hn = strlen(host);
	if (hn && host[hn - 1] == '.')
		hn--;
	if (pn && pattern[pn - 1] == '.')
		pn--;
	if (pn == 0 || hn == 0)
		return 0;
	if (pn >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* one label, not empty and without dots, then the rest */
		const char *dot = memchr(host, '.', hn);
		if (!dot || dot == host)
			return 0;
		size_t rest = hn - (size_t)(dot + 1 - host);
		return rest == pn - 2 && same_ci(dot + 1, pattern + 2, rest);
	}
	return pn == hn && same_ci(pattern, host, hn);
}

const char *mtasts_mx_covered(char *const *patterns, size_t n, const char *host)
{
	for (size_t i = 0; i < n; i++)
		if (mtasts_mx_match(patterns[i], host))
			return patterns[i];
	return NULL;
}
