/* Findings, statuses and every output format of a report: text, json, nagios,
 * junit, tap and prometheus.
 *
 * Decisions a reader (and every consumer of the output) should know:
 *
 * - Order. Findings are grouped by domain, domains in the order of
 *   r->domains, then any domain that only appears in findings (in order of
 *   first appearance); within a domain findings keep the order they were added.
 *   text additionally puts the worst status first (fail, error, warn, info,
 *   ok), stable otherwise; the nagios long output is worst first across all
 *   domains, then by domain. Output does not depend on
 *   the order in which concurrent checks of different domains finished.
 * - Strings from the network are untrusted. Every format cleans them first:
 *   bytes that are not valid UTF-8 become U+FFFD everywhere (jansson, libxml2
 *   and Prometheus all require UTF-8); text, nagios and tap descriptions turn
 *   tab/CR/LF into a space and show other control characters (C0, DEL, C1) as
 *   \xNN so a TXT record cannot send escape sequences to a terminal; junit
 *   replaces characters XML 1.0 forbids with U+FFFD.
 * - A finding whose message is NULL uses the code table's summary (codes.c).
 *   A NULL domain, check or code is written as "".
 * - json: exactly the design.md schema; "subject", "server", "expected" and
 *   "actual" are omitted when NULL. One addition: "domains" (after "summary"),
 *   the list of domains checked in the order above, so a consumer sees domains
 *   that produced no findings.
 * - Exit code (report_exit_code): 2 any fail; else 3 any error; else 1 when
 *   fail_on <= warn and any warn; else 0. info never fails. A fail_on above
 *   warn (fail, or error) behaves like fail.
 * - nagios: the state word follows report_exit_code(r, opts->fail_on), so the
 *   word and the plugin's exit code always agree; main.c passes fail_on warn
 *   for -f nagios, so warnings give "CUTOVER WARNING" and exit 1 as Nagios
 *   plugins do. The status line names the findings of the worst status
 *   (at most 5, then "+N more"); '|' in any text becomes '/' (it separates
 *   performance data); one long-output line follows per non-ok finding.
 * - junit: one testsuite per domain, one testcase per finding. fail ->
 *   <failure>, error -> <error>, warn -> <system-out> (plus a <failure> when
 *   fail_on is warn), info/ok -> a passing testcase. Domains are checked
 *   concurrently, so a testsuite's time is "0.000"; <testsuites time> is
 *   r->elapsed. timestamp is r->started in UTC without a zone suffix
 *   ("2026-11-25T10:00:00"), the Ant/Jenkins convention. Schema:
 *   tests/junit/junit.xsd.
 * - tap: TAP version 13, one test point per finding. fail and error are
 *   "not ok", warn too when fail_on is warn; every non-ok finding (info
 *   included) is followed by a YAML block with status, domain, check and,
 *   when present, subject, server, expected, actual and message. '#' and '\'
 *   in descriptions are escaped (\#, \\) so they are not read as directives.
 *   No findings: "1..0 # SKIP no findings".
 * - prometheus: cutover_status uses the rank of enum status: 0 ok, 1 info,
 *   2 warn, 3 error, 4 fail. cutover_finding has one series per distinct label
 *   set of the non-ok findings (a NULL subject or server is ""); its value is
 *   the number of findings with that label set (normally 1) - duplicates would
 *   make node_exporter reject the whole file. cutover_last_run_timestamp_seconds
 *   is r->started.
 * - text: per domain a header ("example.org  FAIL  2 fail, 1 ok"), then one
 *   line per finding with aligned columns: tag, code, subject, @server,
 *   message and "(expected X, got Y)"; columns are capped at 40 characters
 *   and a column no finding uses takes no room. Last line:
 *   "FAIL: 3 fail, 1 error, 1 warn, 1 info, 2 ok in 3 domains (0.123 s)".
 * - Behaviour the prototypes leave open:
 *   status_parse ignores case; report_add_domain ignores a domain already
 *   recorded; report_add stores an out-of-range status as error;
 *   report_write accepts opts == NULL (no colour, fail_on fail, tool
 *   "cutover") and returns -1 for an unknown format.
 * - Numbers with a fraction are printed by integer arithmetic (milliseconds),
 *   so a caller's setlocale() cannot turn the decimal point into a comma.
 * - Every format is built in memory and written with one fwrite; report_write
 *   returns -1 when fwrite, fflush or ferror says the write failed, or when
 *   jansson or libxml2 fail to build the document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "report.h"
#include "util.h"

/* Summary and perfdata order of design.md (not rank order). */
static const enum status summary_order[] = {STATUS_OK, STATUS_INFO, STATUS_WARN, STATUS_FAIL, STATUS_ERROR};

/* clang-format off */
static const char *const status_names[STATUS_COUNT] = {
	[STATUS_OK] = "ok",
	[STATUS_INFO] = "info",
	[STATUS_WARN] = "warn",
	[STATUS_ERROR] = "error",
	[STATUS_FAIL] = "fail",
};
/* clang-format on */

/* clang-format off */
static const char *const format_names[] = {
	[FORMAT_TEXT] = "text",
	[FORMAT_JSON] = "json",
	[FORMAT_NAGIOS] = "nagios",
	[FORMAT_JUNIT] = "junit",
	[FORMAT_TAP] = "tap",
	[FORMAT_PROMETHEUS] = "prometheus",
};
/* clang-format on */

/* At most this many findings are named on the nagios status line. */
#define NAGIOS_NAMED_MAX 5

const char *status_name(enum status s)
{
	if ((unsigned)s >= STATUS_COUNT)
		return "unknown";
	return status_names[s];
}

/* Accepts the names case-insensitively ("WARN" as well as "warn"). */
int status_parse(const char *name, enum status *out)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < STATUS_COUNT; i++) {
		if (strcasecmp(name, status_names[i]) == 0) {
			*out = (enum status)i;
			return 0;
		}
	}
	return -1;
}

/* Out-of-range values (never produced by this module) count as error. */
static enum status status_clamp(enum status s)
{
	return (unsigned)s >= STATUS_COUNT ? STATUS_ERROR : s;
}

enum status status_merge(enum status a, enum status b)
{
	a = status_clamp(a);
	b = status_clamp(b);
	return a > b ? a : b;
}

int report_format_parse(const char *name, enum report_format *out)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	}
	return -1;
}

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

static void finding_release(struct finding *f)
{
	free(f->domain);
	free(f->check);
	free(f->code);
	free(f->subject);
	free(f->server);
	free(f->message);
	free(f->expected);
	free(f->actual);
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		finding_release(&r->findings[i]);
	free(r->findings);
	for (size_t i = 0; i < r->n_domains; i++)
		free(r->domains[i]);
	free(r->domains);
	memset(r, 0, sizeof(*r));
}

/* A domain already recorded is not added twice. */
void report_add_domain(struct report *r, const char *domain)
{
	if (!domain)
		return;
	for (size_t i = 0; i < r->n_domains; i++)
		if (strcmp(r->domains[i], domain) == 0)
			return;
	char **slot = xgrow(&r->domains, &r->n_domains, &r->alloc_domains, sizeof(*r->domains));
	*slot = xstrdup(domain);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A status outside enum status is stored as STATUS_ERROR. */
void report_add(struct report *r, const struct finding *f)
{
	struct finding *d = xgrow(&r->findings, &r->n, &r->alloc, sizeof(*r->findings));
	d->domain = dup_or_null(f->domain);
	d->check = dup_or_null(f->check);
	d->code = dup_or_null(f->code);
	d->status = status_clamp(f->status);
	d->subject = dup_or_null(f->subject);
	d->server = dup_or_null(f->server);
	d->message = dup_or_null(f->message);
	d->expected = dup_or_null(f->expected);
	d->actual = dup_or_null(f->actual);
}

void report_count(const struct report *r, size_t counts[STATUS_COUNT])
{
	for (size_t s = 0; s < STATUS_COUNT; s++)
		counts[s] = 0;
	for (size_t i = 0; i < r->n; i++)
		counts[status_clamp(r->findings[i].status)]++;
}

enum status report_status(const struct report *r)
{
	enum status worst = STATUS_OK;
	for (size_t i = 0; i < r->n; i++)
		worst = status_merge(worst, r->findings[i].status);
	return worst;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

int report_exit_code(const struct report *r, enum status fail_on)
{
	switch (report_status(r)) {
	case STATUS_FAIL:
		return 2;
	case STATUS_ERROR:
		return 3;
	case STATUS_WARN:
		return fail_on <= STATUS_WARN ? 1 : 0;
	default:
		return 0;
	}
}

/* ---- cleaning untrusted strings ---- */

enum clean {
	CLEAN_UTF8,   /* valid UTF-8 only (json: jansson escapes the rest) */
	CLEAN_XML,    /* and no character XML 1.0 forbids */
	CLEAN_LINE,   /* one line for a human: no control characters */
	CLEAN_NAGIOS, /* a line, and no '|' */
	CLEAN_TAP,    /* a line, with '#' and '\' escaped */
	CLEAN_PROM,   /* a Prometheus label value: '\', '"', LF escaped */
	CLEAN_YAML    /* the inside of a YAML double-quoted scalar */
};

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Decode the code point at s (len > 0 bytes left). Returns its length in
 * bytes, or 0 when the bytes there are not valid UTF-8 (overlong forms,
 * surrogates and values above U+10FFFF included). */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		n = 2, min = 0x80, c &= 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		n = 3, min = 0x800, c &= 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		n = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static int is_control(uint32_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
}

/* Append s (NULL: nothing) to sb, cleaned for how. */
static void sb_add_clean(struct strbuf *sb, const char *s, enum clean how)
{
	const unsigned char *p = (const unsigned char *)str_or_empty(s);
	size_t len = strlen((const char *)p);

	while (len > 0) {
		uint32_t c;
		size_t n = utf8_decode(p, len, &c);

		if (n == 0) {
			sb_adds(sb, REPLACEMENT);
			p++, len--;
			continue;
		}
		switch (how) {
		case CLEAN_UTF8:
			break;
		case CLEAN_XML:
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF)
				goto replace;
			break;
		case CLEAN_NAGIOS:
			if (c == '|') {
				sb_adds(sb, "/");
				goto next;
			}
			goto line;
		case CLEAN_TAP:
			if (c == '#' || c == '\\') {
				sb_addf(sb, "\\%c", (char)c);
				goto next;
			}
			goto line;
		case CLEAN_LINE:
		line:
			if (c == '\t' || c == '\n' || c == '\r') {
				sb_adds(sb, " ");
				goto next;
			}
			if (is_control(c)) {
				sb_addf(sb, "\\x%02x", (unsigned)c);
				goto next;
			}
			break;
		case CLEAN_PROM:
			if (c == '\\' || c == '"') {
				sb_addf(sb, "\\%c", (char)c);
				goto next;
			}
			if (c == '\n') {
				sb_adds(sb, "\\n");
				goto next;
			}
			break;
		case CLEAN_YAML:
			if (c == '\\' || c == '"') {
				sb_addf(sb, "\\%c", (char)c);
				goto next;
			}
			if (c == '\n' || c == '\t' || c == '\r') {
				sb_adds(sb, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r");
				goto next;
			}
			if (is_control(c)) {
				sb_addf(sb, "\\x%02x", (unsigned)c);
				goto next;
			}
			if (c == 0xFEFF || c == 0xFFFE || c == 0xFFFF) {
				sb_addf(sb, "\\u%04x", (unsigned)c);
				goto next;
			}
			break;
		}
		sb_add(sb, (const char *)p, n);
		goto next;
	replace:
		sb_adds(sb, REPLACEMENT);
	next:
		p += n, len -= n;
	}
}

/* s cleaned for how, in the scratch buffer tmp (valid until tmp's next use). */
static const char *clean(struct strbuf *tmp, const char *s, enum clean how)
{
	sb_reset(tmp);
	sb_add_clean(tmp, s, how);
	return tmp->buf;
}

/* Width of a UTF-8 string in code points (an approximation of columns). */
static size_t text_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			w++;
	return w;
}

static void sb_pad(struct strbuf *sb, size_t used, size_t width)
{
	for (; used < width; used++)
		sb_add(sb, " ", 1);
}

/* Seconds with three decimals, by integer arithmetic (locale-proof). */
static void sb_add_seconds(struct strbuf *sb, double secs)
{
	if (!(secs > 0)) /* negative or NaN */
		secs = 0;
	if (secs > 1e12)
		secs = 1e12;
	unsigned long long ms = (unsigned long long)(secs * 1000.0 + 0.5);
	sb_addf(sb, "%llu.%03llu", ms / 1000, ms % 1000);
}

/* ISO 8601 UTC: "2026-11-25T10:00:00Z", without the Z when !zone. */
static void format_utc(time_t t, int zone, char buf[32])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) ||
	    strftime(buf, 32, zone ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(buf, 32, "%s", zone ? "1970-01-01T00:00:00Z" : "1970-01-01T00:00:00");
}

static const char *finding_message(const struct finding *f)
{
	if (f->message)
		return f->message;
	const struct finding_code *c = f->code ? code_lookup(f->code) : NULL;
	return c ? c->summary : "";
}

/* Does a finding of status s count as a failed test (junit, tap)? */
static int fails_test(enum status s, enum status fail_on)
{
	return s == STATUS_FAIL || s == STATUS_ERROR || (s == STATUS_WARN && fail_on <= STATUS_WARN);
}

/* ---- the view: findings grouped by domain ---- */

struct report_view {
	const char **domains; /* n_domains names, in output order */
	size_t n_domains;
	size_t *order; /* finding indices, grouped by domain */
	size_t *first; /* n_domains + 1 offsets into order */
	size_t counts[STATUS_COUNT];
	size_t (*domain_counts)[STATUS_COUNT]; /* per domain, in output order */
};

/* The worst status of domain d of the view. */
static enum status view_worst(const struct report_view *v, size_t d)
{
	for (int s = STATUS_COUNT - 1; s > STATUS_OK; s--)
		if (v->domain_counts[d][s])
			return (enum status)s;
	return STATUS_OK;
}

struct name_rank {
	const char *name;
	size_t rank; /* first appearance; later: the index in the output order */
};

static int name_rank_by_name(const void *a, const void *b)
{
	const struct name_rank *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* For bsearch in a list whose names are unique. */
static int name_rank_name_only(const void *a, const void *b)
{
	const struct name_rank *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int name_rank_by_rank(const void *a, const void *b)
{
	const struct name_rank *x = a, *y = b;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

struct view_item {
	size_t domain;
	int rank; /* status rank, negated when worst first; 0 otherwise */
	size_t index;
};

static int view_item_cmp(const void *a, const void *b)
{
	const struct view_item *x = a, *y = b;
	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void view_release(struct report_view *v)
{
	free(v->domains);
	free(v->order);
	free(v->first);
	free(v->domain_counts);
	memset(v, 0, sizeof(*v));
}

static void view_init(struct report_view *v, const struct report *r, int worst_first)
{
	size_t n_names = r->n_domains + r->n, n_uniq = 0;
	struct name_rank *names = xcalloc(n_names, sizeof(*names));
	struct name_rank *uniq = xcalloc(n_names, sizeof(*uniq));
	struct name_rank *by_rank = xcalloc(n_names, sizeof(*by_rank));
	struct view_item *items = xcalloc(r->n, sizeof(*items));

	memset(v, 0, sizeof(*v));
	report_count(r, v->counts);

	for (size_t i = 0; i < r->n_domains; i++)
		names[i] = (struct name_rank){str_or_empty(r->domains[i]), i};
	for (size_t i = 0; i < r->n; i++)
		names[r->n_domains + i] =
			(struct name_rank){str_or_empty(r->findings[i].domain), r->n_domains + i};
	qsort(names, n_names, sizeof(*names), name_rank_by_name);
	/* The first of each run of equal names has its lowest rank. */
	for (size_t i = 0; i < n_names; i++)
		if (i == 0 || strcmp(names[i].name, names[i - 1].name) != 0)
			uniq[n_uniq++] = names[i];

	/* Output order is rank order; uniq (sorted by name) learns its position. */
	for (size_t i = 0; i < n_uniq; i++)
		by_rank[i] = uniq[i];
	qsort(by_rank, n_uniq, sizeof(*by_rank), name_rank_by_rank);
	v->domains = xcalloc(n_uniq, sizeof(*v->domains));
	v->n_domains = n_uniq;
	for (size_t i = 0; i < n_uniq; i++) {
		struct name_rank *u = bsearch(&by_rank[i], uniq, n_uniq, sizeof(*uniq), name_rank_name_only);
		v->domains[i] = by_rank[i].name;
		u->rank = i;
	}

	for (size_t i = 0; i < r->n; i++) {
		struct name_rank key = {str_or_empty(r->findings[i].domain), 0};
		struct name_rank *u = bsearch(&key, uniq, n_uniq, sizeof(*uniq), name_rank_name_only);
		items[i].domain = u->rank;
		items[i].rank = worst_first ? -(int)status_clamp(r->findings[i].status) : 0;
		items[i].index = i;
	}
	qsort(items, r->n, sizeof(*items), view_item_cmp);

	v->order = xcalloc(r->n, sizeof(*v->order));
	v->first = xcalloc(n_uniq + 1, sizeof(*v->first));
	v->domain_counts = xcalloc(n_uniq + 1, sizeof(*v->domain_counts));
	for (size_t i = 0, d = 0; d <= n_uniq; d++) {
		v->first[d] = i;
		while (i < r->n && items[i].domain == d) {
			v->order[i] = items[i].index;
			v->domain_counts[d][status_clamp(r->findings[items[i].index].status)]++;
			i++;
		}
	}

	free(names);
	free(uniq);
	free(by_rank);
	free(items);
}

/* ---- text ---- */

/* clang-format off */
static const char *const text_tags[STATUS_COUNT] = {
	[STATUS_OK] = "OK",
	[STATUS_INFO] = "INFO",
	[STATUS_WARN] = "WARN",
	[STATUS_ERROR] = "ERROR",
	[STATUS_FAIL] = "FAIL",
};
static const char *const text_colors[STATUS_COUNT] = {
	[STATUS_OK] = "\033[32m",
	[STATUS_INFO] = "\033[36m",
	[STATUS_WARN] = "\033[33m",
	[STATUS_ERROR] = "\033[1;35m",
	[STATUS_FAIL] = "\033[1;31m",
};
/* clang-format on */
#define COLOR_BOLD "\033[1m"
#define COLOR_RESET "\033[0m"

#define TEXT_TAG_WIDTH 5
#define TEXT_COLUMN_MAX 40

static void text_tag(struct strbuf *sb, enum status s, int color, size_t width)
{
	const char *tag = text_tags[s];
	if (color)
		sb_addf(sb, "%s%s%s", text_colors[s], tag, COLOR_RESET);
	else
		sb_adds(sb, tag);
	sb_pad(sb, strlen(tag), width);
}

/* "1 fail, 2 warn": the non-zero counts of statuses hi down to lo. Returns
 * whether it wrote anything. */
static int sb_add_counts(struct strbuf *sb, const size_t counts[STATUS_COUNT], enum status hi, enum status lo)
{
	int any = 0;
	for (int s = hi; s >= (int)lo; s--) {
		if (!counts[s])
			continue;
		sb_addf(sb, "%s%zu %s", any ? ", " : "", counts[s], status_names[s]);
		any = 1;
	}
	return any;
}

/* "1 fail, 2 warn, 5 ok": the non-zero counts, worst first. */
static void text_counts(struct strbuf *sb, const size_t counts[STATUS_COUNT])
{
	if (!sb_add_counts(sb, counts, STATUS_COUNT - 1, STATUS_OK))
		sb_adds(sb, "no findings");
}

/* One column: prefix and the cleaned value, padded to width; a value wider
 * than the column (they are capped at TEXT_COLUMN_MAX) still gets two spaces. */
static void text_column(struct strbuf *sb, struct strbuf *tmp, const char *prefix, const char *s,
			size_t width)
{
	size_t start = sb->len, used;
	if (s && *s) {
		sb_adds(sb, prefix);
		sb_adds(sb, clean(tmp, s, CLEAN_LINE));
	}
	used = text_width(sb->buf ? sb->buf + start : "", sb->len - start);
	sb_pad(sb, used, used && used + 2 > width ? used + 2 : width);
}

static size_t text_max(size_t a, const char *prefix, const char *s, struct strbuf *tmp)
{
	if (!s || !*s)
		return a;
	const char *c = clean(tmp, s, CLEAN_LINE);
	size_t w = strlen(prefix) + text_width(c, strlen(c));
	if (w > TEXT_COLUMN_MAX)
		w = TEXT_COLUMN_MAX;
	return w > a ? w : a;
}

static int report_write_text(const struct report *r, const struct report_view *v, const struct report_opts *o,
			     struct strbuf *sb)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t code_w = 0, subject_w = 0, server_w = 0;
	int color = o->color;

	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->findings[i];
		code_w = text_max(code_w, "", f->code, &tmp);
		subject_w = text_max(subject_w, "", f->subject, &tmp);
		server_w = text_max(server_w, "@", f->server, &tmp);
	}

	for (size_t d = 0; d < v->n_domains; d++) {
		const size_t *counts = v->domain_counts[d];
		enum status worst = view_worst(v, d);
		if (d > 0)
			sb_adds(sb, "\n");
		const char *name = *v->domains[d] ? clean(&tmp, v->domains[d], CLEAN_LINE) : "(no domain)";
		sb_addf(sb, "%s%s%s  ", color ? COLOR_BOLD : "", name, color ? COLOR_RESET : "");
		text_tag(sb, worst, color, 0);
		sb_adds(sb, "  ");
		text_counts(sb, counts);
		sb_adds(sb, "\n");

		for (size_t k = v->first[d]; k < v->first[d + 1]; k++) {
			const struct finding *f = &r->findings[v->order[k]];
			size_t line = sb->len;

			sb_adds(sb, "  ");
			text_tag(sb, status_clamp(f->status), color, TEXT_TAG_WIDTH + 1);
			text_column(sb, &tmp, "", f->code, code_w + 2);
			if (subject_w)
				text_column(sb, &tmp, "", f->subject, subject_w + 2);
			if (server_w)
				text_column(sb, &tmp, "@", f->server, server_w + 2);
			sb_add_clean(sb, finding_message(f), CLEAN_LINE);
			/* An ok or info finding's message already says what was seen. */
			if ((f->expected || f->actual) && f->status != STATUS_OK &&
			    f->status != STATUS_INFO) {
				sb_adds(sb, " (");
				if (f->expected) {
					sb_adds(sb, "expected ");
					sb_add_clean(sb, f->expected, CLEAN_LINE);
				}
				if (f->actual) {
					sb_adds(sb, f->expected ? ", got " : "got ");
					sb_add_clean(sb, f->actual, CLEAN_LINE);
				}
				sb_adds(sb, ")");
			}
			while (sb->len > line && sb->buf[sb->len - 1] == ' ')
				sb->buf[--sb->len] = '\0';
			sb_adds(sb, "\n");
		}
	}

	if (v->n_domains)
		sb_adds(sb, "\n");
	text_tag(sb, report_status(r), color, 0);
	sb_adds(sb, ": ");
	for (int s = STATUS_COUNT - 1; s >= 0; s--)
		sb_addf(sb, "%zu %s%s", v->counts[s], status_names[s], s ? ", " : "");
	sb_addf(sb, " in %zu domain%s (", v->n_domains, v->n_domains == 1 ? "" : "s");
	sb_add_seconds(sb, r->elapsed);
	sb_adds(sb, " s)\n");

	sb_release(&tmp);
	return 0;
}

/* ---- json ---- */

/* Set key to a new string, s cleaned to valid UTF-8. Returns 0 or -1. */
static int json_set_str(json_t *obj, const char *key, const char *s, struct strbuf *tmp)
{
	return json_object_set_new(obj, key, json_string(clean(tmp, s, CLEAN_UTF8)));
}

static int json_set_opt(json_t *obj, const char *key, const char *s, struct strbuf *tmp)
{
	return s ? json_set_str(obj, key, s, tmp) : 0;
}

static int json_dump_to_sb(const char *buffer, size_t size, void *data)
{
	sb_add(data, buffer, size);
	return 0;
}

static int report_write_json(const struct report *r, const struct report_view *v, const struct report_opts *o,
			     struct strbuf *sb)
{
	struct strbuf tmp = STRBUF_INIT;
	json_t *root = json_object(), *summary = json_object(), *domains = json_array(),
	       *findings = json_array();
	char started[32];
	int rc = -1;

	if (!root || !summary || !domains || !findings)
		goto out;
	format_utc(r->started, 1, started);
	if (json_object_set_new(root, "version", json_integer(1)) < 0 ||
	    json_set_str(root, "tool", o->tool, &tmp) < 0 ||
	    json_set_str(root, "started", started, &tmp) < 0 ||
	    json_set_str(root, "status", status_name(report_status(r)), &tmp) < 0)
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(summary_order); i++) {
		enum status s = summary_order[i];
		if (json_object_set_new(summary, status_names[s], json_integer((json_int_t)v->counts[s])) < 0)
			goto out;
	}
	for (size_t d = 0; d < v->n_domains; d++)
		if (json_array_append_new(domains, json_string(clean(&tmp, v->domains[d], CLEAN_UTF8))) < 0)
			goto out;
	for (size_t k = 0; k < r->n; k++) {
		const struct finding *f = &r->findings[v->order[k]];
		json_t *jf = json_object();
		if (json_array_append_new(findings, jf) < 0)
			goto out;
		if (json_set_str(jf, "domain", f->domain, &tmp) < 0 ||
		    json_set_str(jf, "check", f->check, &tmp) < 0 ||
		    json_set_str(jf, "code", f->code, &tmp) < 0 ||
		    json_set_str(jf, "status", status_name(status_clamp(f->status)), &tmp) < 0 ||
		    json_set_opt(jf, "subject", f->subject, &tmp) < 0 ||
		    json_set_opt(jf, "server", f->server, &tmp) < 0 ||
		    json_set_str(jf, "message", finding_message(f), &tmp) < 0 ||
		    json_set_opt(jf, "expected", f->expected, &tmp) < 0 ||
		    json_set_opt(jf, "actual", f->actual, &tmp) < 0)
			goto out;
	}
	/* json_object_set (not _new) takes a reference: out: drops ours either way. */
	if (json_object_set(root, "summary", summary) < 0 || json_object_set(root, "domains", domains) < 0 ||
	    json_object_set(root, "findings", findings) < 0)
		goto out;
	rc = json_dump_callback(root, json_dump_to_sb, sb, JSON_PRESERVE_ORDER | JSON_INDENT(2));
	if (rc == 0)
		sb_adds(sb, "\n");
out:
	json_decref(findings);
	json_decref(domains);
	json_decref(summary);
	json_decref(root);
	sb_release(&tmp);
	return rc < 0 ? -1 : 0;
}

/* ---- nagios ---- */

static const char *const nagios_states[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* "CODE SUBJECT @SERVER" cleaned for how (the nagios long output and junit's
 * testcase names); the subject falls back to the domain. */
static void sb_add_test_name(struct strbuf *sb, const struct finding *f, enum clean how)
{
	size_t start = sb->len;
	sb_add_clean(sb, f->code, how);
	const char *subject = f->subject ? f->subject : f->domain;
	if (subject && *subject) {
		sb_adds(sb, sb->len > start ? " " : "");
		sb_add_clean(sb, subject, how);
	}
	if (f->server) {
		sb_adds(sb, sb->len > start ? " @" : "@");
		sb_add_clean(sb, f->server, how);
	}
}

static int report_write_nagios(const struct report *r, const struct report_view *v,
			       const struct report_opts *o, struct strbuf *sb)
{
	enum status worst = report_status(r);
	size_t *sorted = xcalloc(r->n, sizeof(*sorted));
	size_t n_sorted = 0;

	/* Non-ok findings, worst first, stable (the view's order). */
	for (int s = STATUS_COUNT - 1; s > STATUS_OK; s--)
		for (size_t k = 0; k < r->n; k++)
			if (status_clamp(r->findings[v->order[k]].status) == (enum status)s)
				sorted[n_sorted++] = v->order[k];

	sb_addf(sb, "CUTOVER %s - ", nagios_states[report_exit_code(r, o->fail_on)]);
	if (worst >= STATUS_WARN) {
		sb_add_counts(sb, v->counts, STATUS_COUNT - 1, STATUS_WARN);
		sb_adds(sb, ": ");
		for (size_t i = 0; i < v->counts[worst] && i < NAGIOS_NAMED_MAX; i++) {
			const struct finding *f = &r->findings[sorted[i]];
			if (i)
				sb_adds(sb, "; ");
			sb_add_clean(sb, f->code, CLEAN_NAGIOS);
			const char *subject = f->subject ? f->subject : f->domain;
			if (subject && *subject) {
				sb_adds(sb, " ");
				sb_add_clean(sb, subject, CLEAN_NAGIOS);
			}
		}
		if (v->counts[worst] > NAGIOS_NAMED_MAX)
			sb_addf(sb, "; +%zu more", v->counts[worst] - NAGIOS_NAMED_MAX);
	} else {
		int any = sb_add_counts(sb, v->counts, STATUS_INFO, STATUS_OK);
		sb_addf(sb, "%s%zu domain%s checked", any ? "; " : "", v->n_domains,
			v->n_domains == 1 ? "" : "s");
	}

	sb_adds(sb, " |");
	for (size_t i = 0; i < ARRAY_SIZE(summary_order); i++) {
		enum status s = summary_order[i];
		sb_addf(sb, " %s=%zu;;;0", status_names[s], v->counts[s]);
	}
	sb_adds(sb, " time=");
	sb_add_seconds(sb, r->elapsed);
	sb_adds(sb, "s\n");

	for (size_t i = 0; i < n_sorted; i++) {
		const struct finding *f = &r->findings[sorted[i]];
		sb_addf(sb, "[%s] ", text_tags[status_clamp(f->status)]);
		sb_add_test_name(sb, f, CLEAN_NAGIOS);
		sb_adds(sb, ": ");
		sb_add_clean(sb, finding_message(f), CLEAN_NAGIOS);
		if (f->expected) {
			sb_adds(sb, " (expected ");
			sb_add_clean(sb, f->expected, CLEAN_NAGIOS);
			sb_adds(sb, f->actual ? ", got " : ")");
		} else if (f->actual) {
			sb_adds(sb, " (got ");
		}
		if (f->actual) {
			sb_add_clean(sb, f->actual, CLEAN_NAGIOS);
			sb_adds(sb, ")");
		}
		sb_adds(sb, "\n");
	}
	free(sorted);
	return 0;
}

/* ---- junit ---- */

/* libxml2 calls return < 0 on failure; these keep report_write_junit flat. */
#define XW(call)                                                                                             \
	do {                                                                                                 \
		if ((call) < 0)                                                                              \
			goto out;                                                                            \
	} while (0)

static int xml_attr(xmlTextWriterPtr w, const char *name, const char *value, struct strbuf *tmp)
{
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST clean(tmp, value, CLEAN_XML));
}

static int xml_attr_size(xmlTextWriterPtr w, const char *name, size_t n)
{
	return xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%zu", n);
}

static int xml_attr_seconds(xmlTextWriterPtr w, const char *name, double secs, struct strbuf *tmp)
{
	sb_reset(tmp);
	sb_add_seconds(tmp, secs);
	return xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST tmp->buf);
}

/* The body of a <failure>/<error>/<system-out>: one "key: value" per line. */
static void junit_details(struct strbuf *sb, const struct finding *f)
{
	const char *keys[] = {"status", "domain",   "check",  "code",	"subject",
			      "server", "expected", "actual", "message"};
	const char *vals[] = {status_name(status_clamp(f->status)),
			      f->domain,
			      f->check,
			      f->code,
			      f->subject,
			      f->server,
			      f->expected,
			      f->actual,
			      finding_message(f)};
	sb_reset(sb);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!vals[i])
			continue;
		sb_addf(sb, "%s: ", keys[i]);
		sb_add_clean(sb, vals[i], CLEAN_XML);
		sb_adds(sb, "\n");
	}
}

static int junit_problem(xmlTextWriterPtr w, const char *element, const struct finding *f, struct strbuf *tmp)
{
	int rc = -1;
	XW(xmlTextWriterStartElement(w, BAD_CAST element));
	XW(xml_attr(w, "message", finding_message(f), tmp));
	XW(xml_attr(w, "type", str_or_empty(f->code), tmp));
	junit_details(tmp, f);
	XW(xmlTextWriterWriteString(w, BAD_CAST tmp->buf));
	XW(xmlTextWriterEndElement(w));
	rc = 0;
out:
	return rc;
}

/* <testcase classname="DOMAIN.CHECK" name="CODE SUBJECT @SERVER" time="0">. */
static int junit_testcase(xmlTextWriterPtr w, const struct finding *f, enum status fail_on,
			  struct strbuf *tmp)
{
	enum status s = status_clamp(f->status);
	struct strbuf name = STRBUF_INIT;
	int rc = -1;

	sb_add_clean(&name, f->domain, CLEAN_XML);
	sb_adds(&name, ".");
	sb_add_clean(&name, f->check, CLEAN_XML);
	XW(xmlTextWriterStartElement(w, BAD_CAST "testcase"));
	XW(xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST name.buf));
	sb_reset(&name);
	sb_add_test_name(&name, f, CLEAN_XML);
	XW(xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name.buf));
	XW(xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0"));

	if (s == STATUS_ERROR)
		XW(junit_problem(w, "error", f, tmp));
	else if (fails_test(s, fail_on))
		XW(junit_problem(w, "failure", f, tmp));
	if (s == STATUS_WARN) {
		XW(xmlTextWriterStartElement(w, BAD_CAST "system-out"));
		sb_reset(tmp);
		sb_adds(tmp, "warning: ");
		sb_add_clean(tmp, finding_message(f), CLEAN_XML);
		sb_adds(tmp, "\n");
		XW(xmlTextWriterWriteString(w, BAD_CAST tmp->buf));
		junit_details(tmp, f);
		XW(xmlTextWriterWriteString(w, BAD_CAST tmp->buf));
		XW(xmlTextWriterEndElement(w));
	}
	XW(xmlTextWriterEndElement(w));
	rc = 0;
out:
	sb_release(&name);
	return rc;
}

static int report_write_junit(const struct report *r, const struct report_view *v,
			      const struct report_opts *o, struct strbuf *sb)
{
	struct strbuf tmp = STRBUF_INIT;
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = NULL;
	char stamp[32];
	size_t failures = 0, errors = 0;
	int rc = -1;

	if (!buf || !(w = xmlNewTextWriterMemory(buf, 0)))
		goto out;
	format_utc(r->started, 0, stamp);
	for (size_t s = 0; s < STATUS_COUNT; s++) {
		if (s == STATUS_ERROR)
			errors += v->counts[s];
		else if (fails_test((enum status)s, o->fail_on))
			failures += v->counts[s];
	}

	XW(xmlTextWriterSetIndent(w, 1));
	XW(xmlTextWriterSetIndentString(w, BAD_CAST "  "));
	XW(xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL));
	XW(xmlTextWriterStartElement(w, BAD_CAST "testsuites"));
	XW(xml_attr(w, "name", "cutover", &tmp));
	XW(xml_attr_size(w, "tests", r->n));
	XW(xml_attr_size(w, "failures", failures));
	XW(xml_attr_size(w, "errors", errors));
	XW(xml_attr_seconds(w, "time", r->elapsed, &tmp));

	for (size_t d = 0; d < v->n_domains; d++) {
		size_t d_failures = 0, d_errors = v->domain_counts[d][STATUS_ERROR];
		for (int st = STATUS_OK; st < STATUS_COUNT; st++)
			if (st != STATUS_ERROR && fails_test((enum status)st, o->fail_on))
				d_failures += v->domain_counts[d][st];
		XW(xmlTextWriterStartElement(w, BAD_CAST "testsuite"));
		XW(xml_attr(w, "name", v->domains[d], &tmp));
		XW(xml_attr_size(w, "tests", v->first[d + 1] - v->first[d]));
		XW(xml_attr_size(w, "failures", d_failures));
		XW(xml_attr_size(w, "errors", d_errors));
		XW(xml_attr(w, "skipped", "0", &tmp));
		XW(xml_attr(w, "time", "0.000", &tmp));
		XW(xml_attr(w, "timestamp", stamp, &tmp));

		for (size_t k = v->first[d]; k < v->first[d + 1]; k++)
			XW(junit_testcase(w, &r->findings[v->order[k]], o->fail_on, &tmp));
		XW(xmlTextWriterEndElement(w)); /* testsuite */
	}
	XW(xmlTextWriterEndElement(w)); /* testsuites */
	XW(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w); /* flushes into buf */
	w = NULL;
	sb_add(sb, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	rc = 0;
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	sb_release(&tmp);
	return rc;
}

/* ---- tap ---- */

static void tap_yaml(struct strbuf *sb, const char *key, const char *value)
{
	if (!value)
		return;
	sb_addf(sb, "  %s: \"", key);
	sb_add_clean(sb, value, CLEAN_YAML);
	sb_adds(sb, "\"\n");
}

static int report_write_tap(const struct report *r, const struct report_view *v, const struct report_opts *o,
			    struct strbuf *sb)
{
	sb_adds(sb, "TAP version 13\n");
	if (r->n == 0) {
		sb_adds(sb, "1..0 # SKIP no findings\n");
		return 0;
	}
	sb_addf(sb, "1..%zu\n", r->n);
	for (size_t k = 0; k < r->n; k++) {
		const struct finding *f = &r->findings[v->order[k]];
		enum status s = status_clamp(f->status);

		sb_addf(sb, "%s %zu - ", fails_test(s, o->fail_on) ? "not ok" : "ok", k + 1);
		sb_add_clean(sb, f->code, CLEAN_TAP);
		if (f->subject) {
			sb_adds(sb, " ");
			sb_add_clean(sb, f->subject, CLEAN_TAP);
		}
		if (f->server) {
			sb_adds(sb, " (");
			sb_add_clean(sb, f->server, CLEAN_TAP);
			sb_adds(sb, ")");
		}
		sb_adds(sb, ": ");
		sb_add_clean(sb, finding_message(f), CLEAN_TAP);
		sb_adds(sb, "\n");
		if (s == STATUS_OK)
			continue;
		sb_adds(sb, "  ---\n");
		sb_addf(sb, "  status: %s\n", status_names[s]);
		tap_yaml(sb, "domain", str_or_empty(f->domain));
		tap_yaml(sb, "check", str_or_empty(f->check));
		tap_yaml(sb, "subject", f->subject);
		tap_yaml(sb, "server", f->server);
		tap_yaml(sb, "expected", f->expected);
		tap_yaml(sb, "actual", f->actual);
		tap_yaml(sb, "message", finding_message(f));
		sb_adds(sb, "  ...\n");
	}
	return 0;
}

/* ---- prometheus ---- */

static void prom_family(struct strbuf *sb, const char *name, const char *help)
{
	sb_addf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void prom_label(struct strbuf *sb, const char *name, const char *value, int first)
{
	sb_addf(sb, "%s%s=\"", first ? "" : ",", name);
	sb_add_clean(sb, value, CLEAN_PROM);
	sb_adds(sb, "\"");
}

struct prom_series {
	char *labels;
	size_t index; /* position in output order */
	size_t count; /* findings with these labels; 0 for a repeat */
};

static int prom_series_by_labels(const void *a, const void *b)
{
	const struct prom_series *x = a, *y = b;
	int c = strcmp(x->labels, y->labels);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int prom_series_by_index(const void *a, const void *b)
{
	const struct prom_series *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int report_write_prometheus(const struct report *r, const struct report_view *v,
				   const struct report_opts *o, struct strbuf *sb)
{
	struct prom_series *series = xcalloc(r->n, sizeof(*series));
	size_t n_series = 0;

	prom_family(sb, "cutover_findings", "Number of findings per domain and status.");
	for (size_t d = 0; d < v->n_domains; d++) {
		const size_t *counts = v->domain_counts[d];
		for (size_t i = 0; i < ARRAY_SIZE(summary_order); i++) {
			enum status s = summary_order[i];
			sb_adds(sb, "cutover_findings{");
			prom_label(sb, "domain", v->domains[d], 1);
			prom_label(sb, "status", status_names[s], 0);
			sb_addf(sb, "} %zu\n", counts[s]);
		}
	}

	prom_family(
		sb, "cutover_status",
		"Worst status per domain: 0 ok, 1 info, 2 warn, 3 error (could not be determined), 4 fail.");
	for (size_t d = 0; d < v->n_domains; d++) {
		sb_adds(sb, "cutover_status{");
		prom_label(sb, "domain", v->domains[d], 1);
		sb_addf(sb, "} %d\n", (int)view_worst(v, d));
	}

	prom_family(sb, "cutover_finding", "Findings that are not ok, by label set (value: how many).");
	for (size_t k = 0; k < r->n; k++) {
		const struct finding *f = &r->findings[v->order[k]];
		struct strbuf labels = STRBUF_INIT;
		if (status_clamp(f->status) == STATUS_OK)
			continue;
		prom_label(&labels, "domain", f->domain, 1);
		prom_label(&labels, "check", f->check, 0);
		prom_label(&labels, "code", f->code, 0);
		prom_label(&labels, "subject", f->subject, 0);
		prom_label(&labels, "server", f->server, 0);
		prom_label(&labels, "status", status_name(status_clamp(f->status)), 0);
		series[n_series] = (struct prom_series){sb_detach(&labels), n_series, 1};
		n_series++;
	}
	qsort(series, n_series, sizeof(*series), prom_series_by_labels);
	for (size_t i = 1, head = 0; i < n_series; i++) {
		if (strcmp(series[i].labels, series[head].labels) == 0) {
			series[head].count++;
			series[i].count = 0;
		} else {
			head = i;
		}
	}
	qsort(series, n_series, sizeof(*series), prom_series_by_index);
	for (size_t i = 0; i < n_series; i++)
		if (series[i].count)
			sb_addf(sb, "cutover_finding{%s} %zu\n", series[i].labels, series[i].count);

	prom_family(sb, "cutover_last_run_timestamp_seconds", "Unix time the last run started.");
	sb_addf(sb, "cutover_last_run_timestamp_seconds %lld\n", (long long)r->started);
	prom_family(sb, "cutover_run_duration_seconds", "Wall-clock duration of the last run.");
	sb_adds(sb, "cutover_run_duration_seconds ");
	sb_add_seconds(sb, r->elapsed);
	sb_adds(sb, "\n");

	for (size_t i = 0; i < n_series; i++)
		free(series[i].labels);
	free(series);
	return 0;
}

/* ---- dispatch ---- */

int report_write(const struct report *r, enum report_format fmt, const struct report_opts *opts, FILE *out)
{
	struct report_opts o = {0, STATUS_FAIL, "cutover"};
	struct report_view v;
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (opts)
		o = *opts;
	if (!o.tool)
		o.tool = "cutover";
	view_init(&v, r, fmt == FORMAT_TEXT);

	switch (fmt) {
	case FORMAT_TEXT:
		rc = report_write_text(r, &v, &o, &sb);
		break;
	case FORMAT_JSON:
		rc = report_write_json(r, &v, &o, &sb);
		break;
	case FORMAT_NAGIOS:
		rc = report_write_nagios(r, &v, &o, &sb);
		break;
	case FORMAT_JUNIT:
		rc = report_write_junit(r, &v, &o, &sb);
		break;
	case FORMAT_TAP:
		rc = report_write_tap(r, &v, &o, &sb);
		break;
	case FORMAT_PROMETHEUS:
		rc = report_write_prometheus(r, &v, &o, &sb);
		break;
	}
	if (rc < 0)
		goto out;
	rc = -1;
	if (sb.len && fwrite(sb.buf, 1, sb.len, out) != sb.len)
		goto out;
	if (fflush(out) != 0 || ferror(out))
		goto out;
	rc = 0;
out:
	sb_release(&sb);
	view_release(&v);
	return rc;
}
