/* Findings, statuses and every output format of a report: text, json, nagios,
 * junit, tap, prometheus and html.
 *
 * Decisions a reader (and every consumer of the output) should know:
 *
 * - Streaming. A reporter (reporter_open, reporter_domain, reporter_close)
 *   is handed one domain's findings at a time, in input order, and keeps in
 *   memory only that domain, the running totals (counts per status, domains
 *   and findings so far), the text column widths and the few findings the
 *   nagios status line names (at most NAGIOS_NAMED_MAX per status >= warn).
 *   What a format can write before it knows the totals goes to out at once
 *   (flushed after each domain); what must follow something that needs the
 *   totals is spooled to unlinked temporary files in $TMPDIR (else /tmp) and
 *   copied out by reporter_close:
 *     text        spools every line: the columns are as wide as the widest
 *                 value of the whole report;
 *     json        writes each finding as it comes; spools the "domains" list,
 *                 which follows "findings", then the totals;
 *     nagios      spools the long output, one file per status (it is worst
 *                 first across domains); the status line goes first;
 *     junit       spools the <testsuite>s: <testsuites> carries the totals;
 *     tap         spools nothing: the plan ("1..N") goes at the end;
 *     prometheus  writes cutover_findings as it comes; spools cutover_status
 *                 and cutover_finding, as each family must be contiguous;
 *     html        writes the page's head at once; spools each domain's
 *                 <section> into the spool of its worst status, and writes
 *                 the header (the totals) then the spools fail to ok.
 *   The reporter copies nothing of a finding once reporter_domain returns.
 * - Order: a reporter keeps the order of its calls (the audit makes them in
 *   input order) and of each call's findings. text additionally puts the
 *   worst status first within a domain (fail, error, warn, info, ok), stable
 *   otherwise; the nagios long output is worst first across all domains,
 *   then in domain order; html puts the domains worst first (by each one's
 *   worst status, in input order among equals) and each domain's findings
 *   strictly worst first (text's order among equals).
 * - Interrupted (reporter_close's interrupted != 0): every format stays what
 *   its consumer can read, and says it is partial: json "interrupted": true;
 *   the text summary line and the nagios status line end in "; interrupted,
 *   later domains were not reported"; junit carries that as an XML comment
 *   (its schema has no place for it); tap ends in "Bail out!" so a harness
 *   fails the run; prometheus adds cutover_run_interrupted 1; html a
 *   "Partial report" banner under the title. Without an
 *   interruption none of these appear.
 * - Strings from the network are untrusted. Every format cleans them first:
 *   bytes that are not valid UTF-8 become U+FFFD everywhere (jansson, libxml2
 *   and Prometheus all require UTF-8); text, nagios and tap descriptions turn
 *   tab/CR/LF into a space and show other control characters (C0, DEL, C1) as
 *   \xNN so a TXT record cannot send escape sequences to a terminal; junit
 *   replaces characters XML 1.0 forbids with U+FFFD; html cleans as text
 *   does, makes noncharacters U+FFFD and writes & < > " ' as references.
 * - A finding whose message is NULL uses the code table's summary (codes.c).
 *   A NULL domain, check or code is written as "".
 * - json: the design.md schema, indented as jansson's JSON_INDENT(2) would,
 *   keys in the order version, tool, started, findings, domains, status,
 *   summary (status and summary need the totals); "subject", "server",
 *   "expected" and "actual" are omitted when NULL. Additions: "domains", the
 *   list of domains reported, so a consumer sees domains that produced no
 *   findings; "interrupted" (see above).
 * - Exit code (reporter_exit_code): 2 any fail; else 3 any
 *   error; else 1 when fail_on <= warn and any warn; else 0. info never
 *   fails. A fail_on above warn (fail, or error) behaves like fail.
 * - nagios: the state word follows the exit code (fail_on from opts), so the
 *   word and the plugin's exit code always agree; main.c passes fail_on warn
 *   for -f nagios, so warnings give "CUTOVER WARNING" and exit 1 as Nagios
 *   plugins do. The status line names the first findings of the worst status
 *   (at most 5, then "+N more"); '|' in any text becomes '/' (it separates
 *   performance data); one long-output line follows per non-ok finding.
 * - junit: one testsuite per domain, one testcase per finding. fail ->
 *   <failure>, error -> <error>, warn -> <system-out> (plus a <failure> when
 *   fail_on is warn), info/ok -> a passing testcase. Domains are checked
 *   concurrently, so a testsuite's time is "0.000"; <testsuites time> is the
 *   run's elapsed time. timestamp is the run's start in UTC without a zone
 *   suffix ("2026-11-25T10:00:00"), the Ant/Jenkins convention. Schema:
 *   tests/junit/junit.xsd.
 * - tap: TAP version 13, one test point per finding, the plan last. fail and
 *   error are "not ok", warn too when fail_on is warn; every non-ok finding
 *   (info included) is followed by a YAML block with status, domain, check
 *   and, when present, subject, server, expected, actual and message. '#'
 *   and '\' in descriptions are escaped (\#, \\) so they are not read as
 *   directives. No findings: "1..0 # SKIP no findings".
 * - prometheus: cutover_status uses the rank of enum status: 0 ok, 1 info,
 *   2 warn, 3 error, 4 fail. cutover_finding has one series per distinct label
 *   set of the non-ok findings (a NULL subject or server is ""); its value is
 *   the number of findings with that label set (normally 1) - duplicates would
 *   make node_exporter reject the whole file. Label sets include the domain,
 *   so they are merged per reporter_domain call: a domain must be reported
 *   once. cutover_last_run_timestamp_seconds is the run's start.
 * - text: per domain a header ("example.org  FAIL  2 fail, 1 ok"), then one
 *   line per finding with aligned columns: tag, code, subject, @server,
 *   message and "(expected X, got Y)"; columns are capped at 40 characters
 *   and a column no finding uses takes no room. Last line:
 *   "FAIL: 3 fail, 1 error, 1 warn, 1 info, 2 ok in 3 domains (0.123 s)".
 *   With value_words (cutover compare: "old", "new"), expected and actual
 *   are two more columns before the message, "old: X" and "new: Y", each
 *   value cut to 40 characters ("..." ending it; the message and the other
 *   formats have it whole), and no "(expected X, got Y)" follows.
 * - Baselines (report_opts.baseline set; the marks are the caller's, see
 *   baseline.h): every finding carries its mark. json: a "baseline" key
 *   after "status" ("new", "unchanged", "fixed") and a top-level
 *   "baseline": {"file", "new", "fixed", "unchanged"} after "summary".
 *   text: a column after the tag, NEW or FIXED (blank: unchanged), the
 *   domain heading adds "; 1 new, 2 fixed" and the last line "; baseline
 *   FILE: N new, N fixed, N unchanged". nagios: the tag before the long
 *   output's code, the counts on the status line and as perfdata (new=,
 *   fixed=, unchanged=). junit: a "baseline: MARK" line in the details, in
 *   a <system-out> of its own where there is none (the testcase name stays
 *   what it is without a baseline, so a CI server's history of a test goes
 *   on). tap: the tag at the start of the description and "baseline:" in
 *   the YAML block. prometheus: a baseline label on cutover_finding and
 *   cutover_baseline_findings{mark}. With fail_on_new, a problem that is
 *   not new is no failure anywhere: the exit code, the nagios state (its
 *   status line counts and names the new problems), junit (a passing
 *   testcase whose <system-out> says so), tap ("not ok ... # TODO
 *   unchanged since the baseline": a known failure).
 * - Behaviour the prototypes leave open:
 *   finding_list_add stores an out-of-range status as error, and every
 *   format reads one as error; reporter_open accepts
 *   opts == NULL (no colour, fail_on fail, tool "cutover") and return -1 for
 *   an unknown format; reporter_domain accepts a NULL domain as "".
 * - html: one self-contained page (html.c: style and script inline, nothing
 *   fetched), readable without its script: a header with the tool, the
 *   start, the elapsed time and the totals by status; a status filter (a
 *   fieldset the script unhides: without it nothing is hidden); one
 *   <section class="domain" data-worst=STATUS> per domain with a table of
 *   its findings, a row each (data-status=STATUS), expected and actual (or
 *   compare's value_words) in columns of their own; with a baseline, a
 *   column of marks and the counts under the totals.
 * - Numbers with a fraction are printed by integer arithmetic (milliseconds),
 *   so a caller's setlocale() cannot turn the decimal point into a comma.
 * - Errors: reporter_domain and reporter_close return -1 when fwrite, fflush
 *   or ferror say a write (to out or a spool) failed, or when jansson or
 *   libxml2 fail to build a piece; the reporter then refuses further calls
 *   but must still be freed. What was written before stays written: a caller
 *   that must not leave half a report writes to a temporary file and renames.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "html.h"
#include "names.h"
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

/* At most this many findings are named on the nagios status line. */
#define NAGIOS_NAMED_MAX 5

/* clang-format off */
static const char *const mark_names[MARK_COUNT] = {
	[MARK_NONE] = "",
	[MARK_NEW] = "new",
	[MARK_UNCHANGED] = "unchanged",
	[MARK_FIXED] = "fixed",
};
/* The order reports count them in: what changed first. */
static const enum finding_mark mark_order[] = {MARK_NEW, MARK_FIXED, MARK_UNCHANGED};
/* What text, nagios and tap show: unchanged, the usual case, is blank. */
static const char *const mark_tags[MARK_COUNT] = {
	[MARK_NONE] = "",
	[MARK_NEW] = "NEW",
	[MARK_UNCHANGED] = "",
	[MARK_FIXED] = "FIXED",
};
/* clang-format on */

const char *finding_mark_name(enum finding_mark m)
{
	return (unsigned)m < MARK_COUNT ? mark_names[m] : "";
}

static enum finding_mark mark_clamp(enum finding_mark m)
{
	return (unsigned)m < MARK_COUNT ? m : MARK_NONE;
}

const char *status_name(enum status s)
{
	if ((unsigned)s >= STATUS_COUNT)
		return "unknown";
	return status_names[s];
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

void finding_list_init(struct finding_list *l)
{
	memset(l, 0, sizeof(*l));
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

void finding_list_release(struct finding_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		finding_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A status outside enum status is stored as STATUS_ERROR. */
void finding_list_add(struct finding_list *l, const struct finding *f)
{
	struct finding *d = xgrow(&l->v, &l->n, &l->alloc, sizeof(*l->v));
	d->domain = dup_or_null(f->domain);
	d->check = dup_or_null(f->check);
	d->code = dup_or_null(f->code);
	d->status = status_clamp(f->status);
	d->subject = dup_or_null(f->subject);
	d->server = dup_or_null(f->server);
	d->message = dup_or_null(f->message);
	d->expected = dup_or_null(f->expected);
	d->actual = dup_or_null(f->actual);
	d->baseline = mark_clamp(f->baseline);
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- cleaning untrusted strings ---- */

enum clean {
	CLEAN_UTF8,   /* valid UTF-8 only (json: jansson escapes the rest) */
	CLEAN_XML,    /* and no character XML 1.0 forbids */
	CLEAN_LINE,   /* one line for a human: no control characters */
	CLEAN_NAGIOS, /* a line, and no '|' */
	CLEAN_TAP,    /* a line, with '#' and '\' escaped */
	CLEAN_PROM,   /* a Prometheus label value: '\', '"', LF escaped */
	CLEAN_YAML,   /* the inside of a YAML double-quoted scalar */
	CLEAN_HTML    /* HTML text or attribute value: a line, markup escaped */
};

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

size_t report_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
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

/* The character reference HTML needs for c, or NULL when c stands for
 * itself. */
static const char *html_entity(uint32_t c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

/* Append s (NULL: nothing) to sb, cleaned for how. */
static void sb_add_clean(struct strbuf *sb, const char *s, enum clean how)
{
	const unsigned char *p = (const unsigned char *)str_or_empty(s);
	size_t len = strlen((const char *)p);

	while (len > 0) {
		uint32_t c;
		size_t n = report_utf8_decode(p, len, &c);

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
		case CLEAN_HTML:
			if (html_entity(c)) {
				sb_adds(sb, html_entity(c));
				goto next;
			}
			/* noncharacters are parse errors in HTML */
			if ((c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE)
				goto replace;
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

/* Does a finding count for the exit code, as a failed test (junit, tap)
 * and in the nagios state? With fail_on_new only the new ones do. */
static int counts_for_exit(const struct report_opts *o, const struct finding *f)
{
	return !o->fail_on_new || mark_clamp(f->baseline) == MARK_NEW;
}

/* Is f a failed test (junit, tap)? fail and error are, warn too when
 * fail_on is warn (always with fail_on_new), of the findings that count. */
static int fails_test(const struct report_opts *o, const struct finding *f)
{
	enum status s = status_clamp(f->status);
	enum status fail_on = o->fail_on_new ? STATUS_WARN : o->fail_on;
	return counts_for_exit(o, f) &&
	       (s == STATUS_FAIL || s == STATUS_ERROR || (s == STATUS_WARN && fail_on <= STATUS_WARN));
}

/* ---- the reporter ---- */

/* A format spools into at most this many files (nagios: one per non-ok
 * status; html: one per status). */
#define SPOOL_MAX STATUS_COUNT

struct format;

struct reporter {
	const struct format *format;
	struct report_opts opts; /* opts.tool is read by reporter_open only */
	time_t started;
	FILE *out;
	int stopped;		     /* a write failed or the report was closed: later calls fail */
	int write_errno;	     /* errno of the write that failed, or 0 */
	int interrupted;	     /* reporter_close() was told the run was cut short */
	size_t counts[STATUS_COUNT]; /* findings so far, by status */
	size_t n_findings;
	size_t n_domains;
	struct strbuf sb;	/* the next bytes for out or a spool */
	struct strbuf tmp;	/* scratch for cleaning */
	FILE *spool[SPOOL_MAX]; /* unlinked temporary files, NULL when unused */
	/* text: the widest code, subject and @server so far (capped) */
	size_t code_w, subject_w, server_w;
	/* text: the words of the value columns (opts.value_words copied; NULL:
	 * no such columns), and their widest values so far (capped) */
	char *value_words[2];
	size_t value_w[2];
	/* nagios: the first findings of each status >= warn, as the status line
	 * names them (with fail_on_new, of the new ones) */
	char *named[STATUS_COUNT][NAGIOS_NAMED_MAX];
	char *baseline;			 /* opts.baseline copied, or NULL */
	char *tool;			 /* opts.tool copied (html writes it at the end) */
	size_t marks[MARK_COUNT];	 /* findings so far, by mark */
	size_t new_counts[STATUS_COUNT]; /* findings marked new so far, by status */
};

/* One domain's findings as reporter_domain() hands them to a format. The
 * reporter's totals do not include them yet. */
struct batch {
	const char *domain; /* never NULL */
	const struct finding *f;
	size_t n;
	size_t counts[STATUS_COUNT];
	enum status worst;
	size_t marks[MARK_COUNT];
	size_t new_counts[STATUS_COUNT];
};

/* A format: what it writes first, for each domain, and last. begin and
 * domain leave what goes to out in rp->sb. */
struct format {
	const char *name;
	size_t spools; /* spool files it needs, opened by reporter_open */
	int (*begin)(struct reporter *rp);
	int (*domain)(struct reporter *rp, const struct batch *b);
	int (*finish)(struct reporter *rp, double elapsed, int interrupted);
};

/* Write rp->sb to out and empty it. Returns 0, or -1 when fwrite failed. */
static int out_flush(struct reporter *rp)
{
	int rc = 0;
	if (rp->sb.len && fwrite(rp->sb.buf, 1, rp->sb.len, rp->out) != rp->sb.len)
		rc = -1;
	sb_reset(&rp->sb);
	return rc;
}

/* An unlinked temporary file in $TMPDIR (else /tmp) open for reading and
 * writing, or NULL (errno set). Not tmpfile(), which ignores TMPDIR: a big
 * run's spool belongs where its operator has room. */
static FILE *spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/cutover-report-XXXXXX", dir && *dir ? dir : P_tmpdir);
	FILE *f = NULL;
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd >= 0) {
		unlink(path);
		f = fdopen(fd, "w+");
		if (!f) {
			int saved = errno;
			close(fd);
			errno = saved;
		}
	}
	free(path);
	return f;
}

/* Append rp->sb to spool i and empty it. Returns 0 or -1. */
static int spool_put(struct reporter *rp, size_t i)
{
	int rc = 0;
	if (rp->sb.len && fwrite(rp->sb.buf, 1, rp->sb.len, rp->spool[i]) != rp->sb.len)
		rc = -1;
	sb_reset(&rp->sb);
	return rc;
}

/* Make spool i ready to be read from its start. Returns 0 or -1. */
static int spool_rewind(struct reporter *rp, size_t i)
{
	FILE *f = rp->spool[i];
	if (fflush(f) != 0 || ferror(f) || fseek(f, 0, SEEK_SET) != 0)
		return -1;
	return 0;
}

/* Write rp->sb, then all of spool i, to out. Returns 0 or -1. */
static int spool_copy(struct reporter *rp, size_t i)
{
	char buf[16384];
	size_t n;

	if (out_flush(rp) < 0 || spool_rewind(rp, i) < 0)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), rp->spool[i])) > 0)
		if (fwrite(buf, 1, n, rp->out) != n)
			return -1;
	return ferror(rp->spool[i]) ? -1 : 0;
}

static enum status counts_worst(const size_t counts[STATUS_COUNT])
{
	for (int s = STATUS_COUNT - 1; s > STATUS_OK; s--)
		if (counts[s])
			return (enum status)s;
	return STATUS_OK;
}

static int exit_code(enum status worst, enum status fail_on)
{
	switch (worst) {
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

/* What an interrupted report says about the domains it lacks: they come
 * after the last one reported in input order (reporter_domain's contract). */
#define INTERRUPTED_NOTE "interrupted, later domains were not reported"

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
#define TEXT_MARK_WIDTH 5 /* "FIXED" */
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

/*
 * The columns are as wide as the widest value of the whole report, known only
 * at the end, so text spools one record per line and lays them out then. The
 * values are cleaned for a line (no tab, CR, LF or other control character is
 * left), which makes tab a safe separator:
 *
 *   H<worst>\t<domain>\t<counts>       a domain's heading
 *   R<status><mark>\t<code>\t<subject>\t<server>\t<message (expected X, got Y)>
 *
 * and with value columns (report_opts.value_words), expected and actual as
 * cells of their own, cut to TEXT_COLUMN_MAX, before the message:
 *
 *   R<status><mark>\t<code>\t<subject>\t<server>\t<expected>\t<actual>\t<message>
 */
#define TEXT_CELLS 7
/* text_finish writes out what it laid out whenever it has this much. */
#define TEXT_FLUSH_AT 65536

/* Append s cleaned for a line and a tab; widen *width to it (plus prefix_len). */
static void text_cell(struct strbuf *sb, const char *s, size_t prefix_len, size_t *width)
{
	size_t start = sb->len;
	sb_add_clean(sb, s, CLEAN_LINE);
	if (sb->len > start) {
		size_t w = prefix_len + text_width(sb->buf + start, sb->len - start);
		if (w > TEXT_COLUMN_MAX)
			w = TEXT_COLUMN_MAX;
		if (w > *width)
			*width = w;
	}
	sb_adds(sb, "\t");
}

/* Append s cleaned for a line, cut to TEXT_COLUMN_MAX code points ("..."
 * ending what was cut), and a tab; widen *width to it. */
static void text_value_cell(struct strbuf *sb, struct strbuf *tmp, const char *s, size_t *width)
{
	const char *c = clean(tmp, s, CLEAN_LINE);
	size_t len = tmp->len, w = len ? text_width(c, len) : 0;
	if (w > TEXT_COLUMN_MAX) {
		/* the bytes of the first TEXT_COLUMN_MAX - 3 code points */
		size_t keep = 0, points = 0;
		for (; keep < len; keep++)
			if (((unsigned char)c[keep] & 0xC0) != 0x80 && points++ == TEXT_COLUMN_MAX - 3)
				break;
		sb_add(sb, c, keep);
		sb_adds(sb, "...");
		w = TEXT_COLUMN_MAX;
	} else if (len) {
		sb_add(sb, c, len);
	}
	if (w > *width)
		*width = w;
	sb_adds(sb, "\t");
}

/* The order text shows a domain's findings in: worst first, where the
 * findings of one check about one subject (a name on each server, a URL on
 * each address: old and new side by side) stay together, ranked by the
 * worst of them; stable otherwise. A new array of b->n indexes. */
struct text_key {
	size_t i;	   /* the finding */
	size_t group;	   /* the first finding of its check and subject */
	enum status worst; /* of its group */
};

/* The check and subject of findings x and y, compared. */
static int group_cmp(const struct finding *x, const struct finding *y)
{
	int c = strcmp(str_or_empty(x->check), str_or_empty(y->check));
	return c ? c : strcmp(str_or_empty(x->subject), str_or_empty(y->subject));
}

static int by_group(const void *pa, const void *pb, void *arg)
{
	const struct finding *f = arg;
	const struct text_key *a = pa, *b = pb;
	int c = group_cmp(&f[a->i], &f[b->i]);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static int by_rank(const void *pa, const void *pb)
{
	const struct text_key *a = pa, *b = pb;
	if (a->worst != b->worst)
		return a->worst > b->worst ? -1 : 1;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static size_t *text_order(const struct batch *b)
{
	size_t n = b->n;
	struct text_key *k = xcalloc(n ? n : 1, sizeof(*k));
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		k[i].i = i;
	qsort_r(k, n, sizeof(*k), by_group, (void *)b->f);
	for (size_t start = 0, end; start < n; start = end) {
		enum status worst = STATUS_OK;
		for (end = start; end < n && group_cmp(&b->f[k[start].i], &b->f[k[end].i]) == 0; end++)
			worst = status_merge(worst, status_clamp(b->f[k[end].i].status));
		for (size_t j = start; j < end; j++) {
			k[j].group = k[start].i; /* the lowest index: sorted by it within */
			k[j].worst = worst;
		}
	}
	qsort(k, n, sizeof(*k), by_rank);
	for (size_t i = 0; i < n; i++)
		order[i] = k[i].i;
	free(k);
	return order;
}

static int text_domain(struct reporter *rp, const struct batch *b)
{
	struct strbuf *sb = &rp->sb;

	sb_addf(sb, "H%d\t", (int)b->worst);
	sb_add_clean(sb, *b->domain ? b->domain : "(no domain)", CLEAN_LINE);
	char *unicode = name_unicode(b->domain);
	if (unicode) {
		/* an internationalised name: both forms, "xn--bcher-kva.test (bücher.test)" */
		sb_adds(sb, " (");
		sb_add_clean(sb, unicode, CLEAN_LINE);
		sb_adds(sb, ")");
		free(unicode);
	}
	sb_adds(sb, "\t");
	text_counts(sb, b->counts);
	if (rp->baseline) {
		/* what changed since the baseline; unchanged is the rest */
		if (b->marks[MARK_NEW] && b->marks[MARK_FIXED])
			sb_addf(sb, "; %zu new, %zu fixed", b->marks[MARK_NEW], b->marks[MARK_FIXED]);
		else if (b->marks[MARK_NEW] || b->marks[MARK_FIXED])
			sb_addf(sb, "; %zu %s", b->marks[MARK_NEW] + b->marks[MARK_FIXED],
				b->marks[MARK_NEW] ? "new" : "fixed");
		else
			sb_adds(sb, "; unchanged");
	}
	sb_adds(sb, "\n");

	size_t *order = text_order(b);
	for (size_t k = 0; k < b->n; k++) {
		const struct finding *f = &b->f[order[k]];
		enum status s = status_clamp(f->status);
		{
			sb_addf(sb, "R%d%d\t", (int)s, (int)mark_clamp(f->baseline));
			text_cell(sb, f->code, 0, &rp->code_w);
			text_cell(sb, f->subject, 0, &rp->subject_w);
			text_cell(sb, f->server, 1, &rp->server_w);
			for (int v = 0; v < 2 && rp->value_words[0]; v++)
				text_value_cell(sb, &rp->tmp, v ? f->actual : f->expected, &rp->value_w[v]);
			sb_add_clean(sb, finding_message(f), CLEAN_LINE);
			/* An ok or info finding's message already says what was seen;
			 * value columns show it beside the message. */
			if ((f->expected || f->actual) && s != STATUS_OK && s != STATUS_INFO &&
			    !rp->value_words[0]) {
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
			sb_adds(sb, "\n");
		}
	}
	free(order);
	return spool_put(rp, 0);
}

/* One column: prefix and the (cleaned) value, padded to width; a value wider
 * than the column (they are capped at TEXT_COLUMN_MAX) still gets two spaces. */
static void text_column(struct strbuf *sb, const char *prefix, const char *s, size_t width)
{
	size_t start = sb->len, used;
	if (*s) {
		sb_adds(sb, prefix);
		sb_adds(sb, s);
	}
	used = text_width(sb->buf ? sb->buf + start : "", sb->len - start);
	sb_pad(sb, used, used && used + 2 > width ? used + 2 : width);
}

/* Lay out one spooled record (its newline removed) in rp->sb. Returns 0, or
 * -1 when it is not a record text_domain() wrote. */
static int text_record(struct reporter *rp, char *line, size_t *headings)
{
	struct strbuf *sb = &rp->sb;
	char *cell[TEXT_CELLS] = {NULL};
	size_t n = 0, start = sb->len;
	int color = rp->opts.color;

	for (char *p = line; n < TEXT_CELLS; n++) {
		cell[n] = p;
		if (!(p = strchr(p, '\t')))
			break;
		*p++ = '\0';
	}
	size_t len = strlen(cell[0]);
	if (len < 2 || cell[0][1] < '0' || cell[0][1] >= '0' + STATUS_COUNT)
		return -1;
	enum status s = (enum status)(cell[0][1] - '0');

	if (cell[0][0] == 'H' && len == 2 && n == 2) {
		if ((*headings)++)
			sb_adds(sb, "\n");
		sb_addf(sb, "%s%s%s  ", color ? COLOR_BOLD : "", cell[1], color ? COLOR_RESET : "");
		text_tag(sb, s, color, 0);
		sb_addf(sb, "  %s\n", cell[2]);
		return 0;
	}
	size_t cells = rp->value_words[0] ? TEXT_CELLS : TEXT_CELLS - 2;
	if (cell[0][0] != 'R' || len != 3 || cell[0][2] < '0' || cell[0][2] >= '0' + MARK_COUNT ||
	    n != cells - 1)
		return -1;
	enum finding_mark m = (enum finding_mark)(cell[0][2] - '0');
	sb_adds(sb, "  ");
	text_tag(sb, s, color, TEXT_TAG_WIDTH + 1);
	if (rp->baseline) {
		const char *tag = mark_tags[m];
		int bold = color && m == MARK_NEW;
		sb_addf(sb, "%s%s%s", bold ? COLOR_BOLD : "", tag, bold ? COLOR_RESET : "");
		sb_pad(sb, strlen(tag), TEXT_MARK_WIDTH + 2);
	}
	text_column(sb, "", cell[1], rp->code_w + 2);
	if (rp->subject_w)
		text_column(sb, "", cell[2], rp->subject_w + 2);
	if (rp->server_w)
		text_column(sb, "@", cell[3], rp->server_w + 2);
	for (int v = 0; v < 2 && rp->value_words[0]; v++) {
		/* "old: 192.0.2.10": the column is as wide as its word and the
		 * widest value; none when no finding has a value */
		char prefix[64];
		int plen = snprintf(prefix, sizeof(prefix), "%s: ", rp->value_words[v]);
		if (rp->value_w[v])
			text_column(sb, prefix, cell[4 + v], (size_t)plen + rp->value_w[v] + 2);
	}
	sb_adds(sb, cell[rp->value_words[0] ? 6 : 4]);
	while (sb->len > start && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
	sb_adds(sb, "\n");
	return 0;
}

static int text_finish(struct reporter *rp, double elapsed, int interrupted)
{
	struct strbuf *sb = &rp->sb;
	FILE *spool = rp->spool[0];
	char *line = NULL;
	size_t cap = 0, headings = 0;
	ssize_t len;
	int rc = -1;

	if (spool_rewind(rp, 0) < 0)
		goto out;
	while ((len = getline(&line, &cap, spool)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (text_record(rp, line, &headings) < 0) {
			errno = EILSEQ;
			goto out;
		}
		if (sb->len >= TEXT_FLUSH_AT && out_flush(rp) < 0)
			goto out;
	}
	if (ferror(spool))
		goto out;

	if (rp->n_domains)
		sb_adds(sb, "\n");
	text_tag(sb, counts_worst(rp->counts), rp->opts.color, 0);
	sb_adds(sb, ": ");
	for (int s = STATUS_COUNT - 1; s >= 0; s--)
		sb_addf(sb, "%zu %s%s", rp->counts[s], status_names[s], s ? ", " : "");
	sb_addf(sb, " in %zu domain%s (", rp->n_domains, rp->n_domains == 1 ? "" : "s");
	sb_add_seconds(sb, elapsed);
	sb_adds(sb, " s)");
	if (rp->baseline) {
		sb_adds(sb, "; baseline ");
		sb_add_clean(sb, rp->baseline, CLEAN_LINE);
		sb_addf(sb, ": %zu new, %zu fixed, %zu unchanged", rp->marks[MARK_NEW], rp->marks[MARK_FIXED],
			rp->marks[MARK_UNCHANGED]);
		if (rp->opts.fail_on_new) {
			sb_adds(sb, "; new problems: ");
			if (!sb_add_counts(sb, rp->new_counts, STATUS_COUNT - 1, STATUS_WARN))
				sb_adds(sb, "none");
		}
	}
	sb_addf(sb, "%s\n", interrupted ? "; " INTERRUPTED_NOTE : "");
	rc = 0;
out:
	free(line);
	return rc;
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

/* Append s as a JSON string (cleaned to valid UTF-8). Returns 0 or -1. */
static int json_add_string(struct strbuf *sb, const char *s, struct strbuf *tmp)
{
	json_t *j = json_string(clean(tmp, s, CLEAN_UTF8));
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	if (!text) {
		errno = ENOMEM; /* clean() made it UTF-8: only memory can be short */
		return -1;
	}
	sb_adds(sb, text);
	free(text);
	return 0;
}

/*
 * The document is written as jansson would indent it whole (JSON_INDENT(2)),
 * piece by piece: the head at reporter_open, each finding as it comes, the
 * domains (spooled, one per line) and the totals at the end.
 */
static int json_begin(struct reporter *rp)
{
	char started[32];

	format_utc(rp->started, 1, started);
	sb_adds(&rp->sb, "{\n  \"version\": 1,\n  \"tool\": ");
	if (json_add_string(&rp->sb, rp->opts.tool, &rp->tmp) < 0)
		return -1;
	sb_adds(&rp->sb, ",\n  \"started\": ");
	if (json_add_string(&rp->sb, started, &rp->tmp) < 0)
		return -1;
	sb_adds(&rp->sb, ",\n  \"findings\": [");
	return 0;
}

static json_t *json_finding(const struct finding *f, struct strbuf *tmp)
{
	json_t *jf = json_object();
	/* an internationalised domain's Unicode form beside its A-labels */
	char *unicode = f->domain ? name_unicode(f->domain) : NULL;
	int bad = !jf || json_set_str(jf, "domain", f->domain, tmp) < 0 ||
		  json_set_opt(jf, "unicode", unicode, tmp) < 0 ||
		  json_set_str(jf, "check", f->check, tmp) < 0 ||
		  json_set_str(jf, "code", f->code, tmp) < 0 ||
		  json_set_str(jf, "status", status_name(status_clamp(f->status)), tmp) < 0 ||
		  (mark_clamp(f->baseline) != MARK_NONE &&
		   json_set_str(jf, "baseline", finding_mark_name(f->baseline), tmp) < 0) ||
		  json_set_opt(jf, "subject", f->subject, tmp) < 0 ||
		  json_set_opt(jf, "server", f->server, tmp) < 0 ||
		  json_set_str(jf, "message", finding_message(f), tmp) < 0 ||
		  json_set_opt(jf, "expected", f->expected, tmp) < 0 ||
		  json_set_opt(jf, "actual", f->actual, tmp) < 0;
	free(unicode);
	if (bad) {
		json_decref(jf);
		return NULL;
	}
	return jf;
}

static int json_domain(struct reporter *rp, const struct batch *b)
{
	struct strbuf *sb = &rp->sb;

	sb_adds(sb, rp->n_domains ? ",\n    " : "\n    ");
	if (json_add_string(sb, b->domain, &rp->tmp) < 0 || spool_put(rp, 0) < 0)
		return -1;

	for (size_t i = 0; i < b->n; i++) {
		json_t *jf = json_finding(&b->f[i], &rp->tmp);
		char *text = jf ? json_dumps(jf, JSON_PRESERVE_ORDER | JSON_INDENT(2)) : NULL;

		json_decref(jf);
		if (!text) {
			errno = ENOMEM;
			return -1;
		}
		sb_adds(sb, rp->n_findings + i > 0 ? ",\n    " : "\n    ");
		/* Indent it as an element of "findings"; a newline in jansson's
		 * output is never inside a string (those escape it). */
		for (const char *p = text, *nl; *p; p = nl + 1) {
			if (!(nl = strchr(p, '\n'))) {
				sb_adds(sb, p);
				break;
			}
			sb_add(sb, p, (size_t)(nl - p) + 1);
			sb_adds(sb, "    ");
		}
		free(text);
	}
	return 0;
}

static int json_finish(struct reporter *rp, double elapsed, int interrupted)
{
	struct strbuf *sb = &rp->sb;

	sb_adds(sb, rp->n_findings ? "\n  ],\n  \"domains\": [" : "],\n  \"domains\": [");
	if (spool_copy(rp, 0) < 0)
		return -1;
	sb_adds(sb, rp->n_domains ? "\n  ]" : "]");
	sb_addf(sb, ",\n  \"status\": \"%s\",\n  \"summary\": {", status_name(counts_worst(rp->counts)));
	for (size_t i = 0; i < ARRAY_SIZE(summary_order); i++) {
		enum status s = summary_order[i];
		sb_addf(sb, "%s\n    \"%s\": %zu", i ? "," : "", status_names[s], rp->counts[s]);
	}
	sb_adds(sb, "\n  }");
	if (rp->baseline) {
		sb_adds(sb, ",\n  \"baseline\": {\n    \"file\": ");
		if (json_add_string(sb, rp->baseline, &rp->tmp) < 0)
			return -1;
		sb_addf(sb, ",\n    \"new\": %zu,\n    \"fixed\": %zu,\n    \"unchanged\": %zu\n  }",
			rp->marks[MARK_NEW], rp->marks[MARK_FIXED], rp->marks[MARK_UNCHANGED]);
	}
	if (interrupted)
		sb_adds(sb, ",\n  \"interrupted\": true");
	sb_adds(sb, "\n}\n");
	return 0;
}

/* ---- nagios ---- */

static const char *const nagios_states[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* The spool of the long output of status s (info, warn, error or fail). */
#define NAGIOS_SPOOL(s) ((size_t)(s)-STATUS_INFO)

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

/* Keep "CODE SUBJECT" of f in named when fewer than NAGIOS_NAMED_MAX are
 * kept there; the subject falls back to the domain. */
static void nagios_keep_name(char *named[NAGIOS_NAMED_MAX], const struct finding *f)
{
	const char *subject = f->subject ? f->subject : f->domain;
	struct strbuf name = STRBUF_INIT;
	size_t k = 0;

	while (k < NAGIOS_NAMED_MAX && named[k])
		k++;
	if (k == NAGIOS_NAMED_MAX)
		return;
	sb_add_clean(&name, f->code, CLEAN_NAGIOS);
	if (subject && *subject) {
		sb_adds(&name, " ");
		sb_add_clean(&name, subject, CLEAN_NAGIOS);
	}
	named[k] = sb_detach(&name);
}

/* The status line needs the totals, so the long output (one line per non-ok
 * finding, worst first) is spooled, one file per status, and only the first
 * few findings of each status >= warn are kept for the status line to name. */
static int nagios_domain(struct reporter *rp, const struct batch *b)
{
	struct strbuf *sb = &rp->sb;

	for (size_t i = 0; i < b->n; i++) {
		const struct finding *f = &b->f[i];
		enum status s = status_clamp(f->status);

		if (s == STATUS_OK)
			continue;
		if (s >= STATUS_WARN && counts_for_exit(&rp->opts, f))
			nagios_keep_name(rp->named[s], f);
		sb_addf(sb, "[%s] ", text_tags[s]);
		if (*mark_tags[mark_clamp(f->baseline)])
			sb_addf(sb, "%s ", mark_tags[mark_clamp(f->baseline)]);
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
		if (spool_put(rp, NAGIOS_SPOOL(s)) < 0)
			return -1;
	}
	return 0;
}

static int nagios_finish(struct reporter *rp, double elapsed, int interrupted)
{
	struct strbuf *sb = &rp->sb;
	/* the findings the state is about: with fail_on_new, the new ones */
	const size_t *counts = rp->opts.fail_on_new ? rp->new_counts : rp->counts;
	enum status worst = counts_worst(counts);

	sb_addf(sb, "CUTOVER %s - ", nagios_states[reporter_exit_code(rp)]);
	if (worst >= STATUS_WARN) {
		if (rp->opts.fail_on_new)
			sb_adds(sb, "new: ");
		sb_add_counts(sb, counts, STATUS_COUNT - 1, STATUS_WARN);
		sb_adds(sb, ": ");
		for (size_t i = 0; i < NAGIOS_NAMED_MAX && rp->named[worst][i]; i++)
			sb_addf(sb, "%s%s", i ? "; " : "", rp->named[worst][i]);
		if (counts[worst] > NAGIOS_NAMED_MAX)
			sb_addf(sb, "; +%zu more", counts[worst] - NAGIOS_NAMED_MAX);
	} else if (rp->opts.fail_on_new) {
		sb_adds(sb, "no new problem");
		if (counts_worst(rp->counts) >= STATUS_WARN) {
			sb_adds(sb, " (unchanged: ");
			sb_add_counts(sb, rp->counts, STATUS_COUNT - 1, STATUS_WARN);
			sb_adds(sb, ")");
		}
		sb_addf(sb, "; %zu domain%s checked", rp->n_domains, rp->n_domains == 1 ? "" : "s");
	} else {
		int any = sb_add_counts(sb, counts, STATUS_INFO, STATUS_OK);
		sb_addf(sb, "%s%zu domain%s checked", any ? "; " : "", rp->n_domains,
			rp->n_domains == 1 ? "" : "s");
	}
	if (rp->baseline) {
		sb_adds(sb, "; baseline ");
		sb_add_clean(sb, rp->baseline, CLEAN_NAGIOS);
		sb_addf(sb, ": %zu new, %zu fixed, %zu unchanged", rp->marks[MARK_NEW], rp->marks[MARK_FIXED],
			rp->marks[MARK_UNCHANGED]);
	}
	if (interrupted)
		sb_adds(sb, "; " INTERRUPTED_NOTE);

	sb_adds(sb, " |");
	for (size_t i = 0; i < ARRAY_SIZE(summary_order); i++) {
		enum status s = summary_order[i];
		sb_addf(sb, " %s=%zu;;;0", status_names[s], rp->counts[s]);
	}
	if (rp->baseline)
		for (size_t i = 0; i < ARRAY_SIZE(mark_order); i++)
			sb_addf(sb, " %s=%zu;;;0", mark_names[mark_order[i]], rp->marks[mark_order[i]]);
	sb_adds(sb, " time=");
	sb_add_seconds(sb, elapsed);
	sb_adds(sb, "s\n");

	for (int s = STATUS_COUNT - 1; s > STATUS_OK; s--)
		if (spool_copy(rp, NAGIOS_SPOOL(s)) < 0)
			return -1;
	return 0;
}

/* ---- junit ---- */

/* libxml2 calls return < 0 on failure; these keep the junit functions flat. */
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
	const char *keys[] = {"status",	 "baseline", "domain",	 "check",  "code",
			      "subject", "server",   "expected", "actual", "message"};
	enum finding_mark m = mark_clamp(f->baseline);
	const char *vals[] = {status_name(status_clamp(f->status)),
			      m == MARK_NONE ? NULL : mark_names[m],
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
static int junit_testcase(xmlTextWriterPtr w, const struct finding *f, const struct report_opts *o,
			  struct strbuf *tmp)
{
	enum status s = status_clamp(f->status);
	enum finding_mark m = mark_clamp(f->baseline);
	int fails = fails_test(o, f);
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

	if (fails && s == STATUS_ERROR)
		XW(junit_problem(w, "error", f, tmp));
	else if (fails)
		XW(junit_problem(w, "failure", f, tmp));
	if (s == STATUS_WARN || (!fails && s >= STATUS_WARN)) {
		/* a warning, or a problem --fail-on new lets pass: not new */
		XW(xmlTextWriterStartElement(w, BAD_CAST "system-out"));
		sb_reset(tmp);
		if (s == STATUS_WARN)
			sb_adds(tmp, "warning");
		else
			sb_addf(tmp, "%s, unchanged since the baseline", status_names[s]);
		sb_adds(tmp, ": ");
		sb_add_clean(tmp, finding_message(f), CLEAN_XML);
		sb_adds(tmp, "\n");
		XW(xmlTextWriterWriteString(w, BAD_CAST tmp->buf));
		junit_details(tmp, f);
		XW(xmlTextWriterWriteString(w, BAD_CAST tmp->buf));
		XW(xmlTextWriterEndElement(w));
	} else if (m != MARK_NONE && !fails) {
		/* the mark, where no details carry it */
		sb_reset(tmp);
		sb_addf(tmp, "baseline: %s\n", mark_names[m]);
		XW(xmlTextWriterWriteElement(w, BAD_CAST "system-out", BAD_CAST tmp->buf));
	}
	XW(xmlTextWriterEndElement(w));
	rc = 0;
out:
	sb_release(&name);
	return rc;
}

/* What an indenting writer has written once it began a UTF-8 document (so
 * that it writes UTF-8, not character references), opened <testsuites> and
 * started a child: the stand-in junit_domain() cuts off. */
#define JUNIT_STAND_IN "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"

/* <testsuites> carries the totals, so each domain's <testsuite> is spooled.
 * libxml2 writes it inside a stand-in <testsuites>, which gives it the
 * indentation it has in the document and is cut off again. */
/* The findings that are JUnit failures and errors, of the counts by status
 * of all findings and of the new ones (fails_test() in numbers). */
static void junit_failures(const struct report_opts *o, const size_t counts[STATUS_COUNT],
			   const size_t new_counts[STATUS_COUNT], size_t *failures, size_t *errors)
{
	const size_t *c = o->fail_on_new ? new_counts : counts;
	*failures = c[STATUS_FAIL] + (o->fail_on_new || o->fail_on <= STATUS_WARN ? c[STATUS_WARN] : 0);
	*errors = c[STATUS_ERROR];
}

/* The document's start, as both the per-domain writer and the last one
 * write it (the first must match JUNIT_STAND_IN byte for byte). */
static int junit_begin(xmlTextWriterPtr w)
{
	if (xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0)
		return -1;
	return 0;
}

static int junit_domain(struct reporter *rp, const struct batch *b)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = NULL;
	size_t failures = 0, errors = 0, skip = strlen(JUNIT_STAND_IN);
	char stamp[32];
	int rc = -1;

	if (!buf || !(w = xmlNewTextWriterMemory(buf, 0)))
		goto out;
	format_utc(rp->started, 0, stamp);
	junit_failures(&rp->opts, b->counts, b->new_counts, &failures, &errors);

	XW(junit_begin(w));
	XW(xmlTextWriterStartElement(w, BAD_CAST "testsuite"));
	XW(xml_attr(w, "name", b->domain, &rp->tmp));
	XW(xml_attr_size(w, "tests", b->n));
	XW(xml_attr_size(w, "failures", failures));
	XW(xml_attr_size(w, "errors", errors));
	XW(xml_attr(w, "skipped", "0", &rp->tmp));
	XW(xml_attr(w, "time", "0.000", &rp->tmp));
	XW(xml_attr(w, "timestamp", stamp, &rp->tmp));
	for (size_t i = 0; i < b->n; i++)
		XW(junit_testcase(w, &b->f[i], &rp->opts, &rp->tmp));
	XW(xmlTextWriterEndElement(w)); /* testsuite */
	XW(xmlTextWriterFlush(w));

	const char *text = (const char *)xmlBufferContent(buf);
	size_t len = (size_t)xmlBufferLength(buf);
	if (len < skip || memcmp(text, JUNIT_STAND_IN, skip) != 0) {
		errno = EPROTO; /* a libxml2 that indents differently */
		goto out;
	}
	sb_add(&rp->sb, text + skip, len - skip);
	rc = spool_put(rp, 0);
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

static int junit_finish(struct reporter *rp, double elapsed, int interrupted)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = NULL;
	size_t failures = 0, errors = 0;
	int rc = -1;

	if (!buf || !(w = xmlNewTextWriterMemory(buf, 0)))
		goto out;
	junit_failures(&rp->opts, rp->counts, rp->new_counts, &failures, &errors);

	XW(junit_begin(w));
	XW(xml_attr(w, "name", "cutover", &rp->tmp));
	XW(xml_attr_size(w, "tests", rp->n_findings));
	XW(xml_attr_size(w, "failures", failures));
	XW(xml_attr_size(w, "errors", errors));
	XW(xml_attr_seconds(w, "time", elapsed, &rp->tmp));
	if (rp->n_domains == 0) {
		if (interrupted)
			XW(xmlTextWriterWriteComment(w, BAD_CAST " " INTERRUPTED_NOTE " "));
		XW(xmlTextWriterEndElement(w));
		XW(xmlTextWriterEndDocument(w));
	}
	XW(xmlTextWriterFlush(w));
	sb_add(&rp->sb, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	if (rp->n_domains) {
		/* The start tag is still open: close it, then the spooled suites. */
		sb_adds(&rp->sb, ">\n");
		if (spool_copy(rp, 0) < 0)
			goto out;
		if (interrupted)
			sb_adds(&rp->sb, "  <!-- " INTERRUPTED_NOTE " -->\n");
		sb_adds(&rp->sb, "</testsuites>\n");
	}
	rc = 0;
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

/* ---- tap ---- */

/* Test points go out as they come; the plan follows them (TAP allows it at
 * the end), as does a "Bail out!" when the run was interrupted. */
static int tap_begin(struct reporter *rp)
{
	sb_adds(&rp->sb, "TAP version 13\n");
	return 0;
}

static void tap_yaml(struct strbuf *sb, const char *key, const char *value)
{
	if (!value)
		return;
	sb_addf(sb, "  %s: \"", key);
	sb_add_clean(sb, value, CLEAN_YAML);
	sb_adds(sb, "\"\n");
}

static int tap_domain(struct reporter *rp, const struct batch *b)
{
	struct strbuf *sb = &rp->sb;

	for (size_t i = 0; i < b->n; i++) {
		const struct finding *f = &b->f[i];
		enum status s = status_clamp(f->status);
		enum finding_mark m = mark_clamp(f->baseline);
		int fails = fails_test(&rp->opts, f);
		/* --fail-on new: a problem from the baseline is a known failure */
		int known = !fails && rp->opts.fail_on_new && s >= STATUS_WARN;

		sb_addf(sb, "%s %zu - ", fails || known ? "not ok" : "ok", rp->n_findings + i + 1);
		if (*mark_tags[m])
			sb_addf(sb, "%s ", mark_tags[m]);
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
		if (known)
			sb_adds(sb, " # TODO unchanged since the baseline");
		sb_adds(sb, "\n");
		if (s == STATUS_OK)
			continue;
		sb_adds(sb, "  ---\n");
		sb_addf(sb, "  status: %s\n", status_names[s]);
		if (m != MARK_NONE)
			sb_addf(sb, "  baseline: %s\n", mark_names[m]);
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

static int tap_finish(struct reporter *rp, double elapsed, int interrupted)
{
	if (rp->n_findings)
		sb_addf(&rp->sb, "1..%zu\n", rp->n_findings);
	else
		sb_adds(&rp->sb, "1..0 # SKIP no findings\n");
	/* Harnesses fail a run that bailed out, so a partial report cannot pass. */
	if (interrupted)
		sb_adds(&rp->sb, "Bail out! " INTERRUPTED_NOTE "\n");
	return 0;
}

/* ---- prometheus ---- */

/* Each metric family must be contiguous: cutover_findings goes out as the
 * domains come, cutover_status and cutover_finding are spooled (spools 0
 * and 1) and copied out after it. */
#define PROM_SPOOL_STATUS 0
#define PROM_SPOOL_FINDING 1

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

static int prom_begin(struct reporter *rp)
{
	prom_family(&rp->sb, "cutover_findings", "Number of findings per domain and status.");
	return 0;
}

/* A label set includes the domain, so merging the duplicates of one domain
 * merges them all. */
static int prom_domain(struct reporter *rp, const struct batch *b)
{
	struct strbuf *sb = &rp->sb;
	struct prom_series *series = xcalloc(b->n ? b->n : 1, sizeof(*series));
	size_t n_series = 0;
	int rc = -1;

	sb_adds(sb, "cutover_status{");
	prom_label(sb, "domain", b->domain, 1);
	sb_addf(sb, "} %d\n", (int)b->worst);
	if (spool_put(rp, PROM_SPOOL_STATUS) < 0)
		goto out;

	for (size_t i = 0; i < b->n; i++) {
		const struct finding *f = &b->f[i];
		struct strbuf labels = STRBUF_INIT;
		if (status_clamp(f->status) == STATUS_OK)
			continue;
		prom_label(&labels, "domain", f->domain, 1);
		prom_label(&labels, "check", f->check, 0);
		prom_label(&labels, "code", f->code, 0);
		prom_label(&labels, "subject", f->subject, 0);
		prom_label(&labels, "server", f->server, 0);
		prom_label(&labels, "status", status_name(status_clamp(f->status)), 0);
		if (rp->baseline)
			prom_label(&labels, "baseline", finding_mark_name(f->baseline), 0);
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
	if (spool_put(rp, PROM_SPOOL_FINDING) < 0)
		goto out;

	for (size_t i = 0; i < ARRAY_SIZE(summary_order); i++) {
		enum status s = summary_order[i];
		sb_adds(sb, "cutover_findings{");
		prom_label(sb, "domain", b->domain, 1);
		prom_label(sb, "status", status_names[s], 0);
		sb_addf(sb, "} %zu\n", b->counts[s]);
	}
	rc = 0;
out:
	for (size_t i = 0; i < n_series; i++)
		free(series[i].labels);
	free(series);
	return rc;
}

static int prom_finish(struct reporter *rp, double elapsed, int interrupted)
{
	struct strbuf *sb = &rp->sb;

	prom_family(
		sb, "cutover_status",
		"Worst status per domain: 0 ok, 1 info, 2 warn, 3 error (could not be determined), 4 fail.");
	if (spool_copy(rp, PROM_SPOOL_STATUS) < 0)
		return -1;
	prom_family(sb, "cutover_finding", "Findings that are not ok, by label set (value: how many).");
	if (spool_copy(rp, PROM_SPOOL_FINDING) < 0)
		return -1;
	prom_family(sb, "cutover_last_run_timestamp_seconds", "Unix time the last run started.");
	sb_addf(sb, "cutover_last_run_timestamp_seconds %lld\n", (long long)rp->started);
	prom_family(sb, "cutover_run_duration_seconds", "Wall-clock duration of the last run.");
	sb_adds(sb, "cutover_run_duration_seconds ");
	sb_add_seconds(sb, elapsed);
	sb_adds(sb, "\n");
	if (rp->baseline) {
		prom_family(sb, "cutover_baseline_findings",
			    "Findings by where they stand against the baseline: new, fixed, unchanged.");
		for (size_t i = 0; i < ARRAY_SIZE(mark_order); i++)
			sb_addf(sb, "cutover_baseline_findings{mark=\"%s\"} %zu\n", mark_names[mark_order[i]],
				rp->marks[mark_order[i]]);
	}
	if (interrupted) {
		prom_family(sb, "cutover_run_interrupted",
			    "1: the last run was interrupted and only the domains above were reported.");
		sb_adds(sb, "cutover_run_interrupted 1\n");
	}
	return 0;
}

/* ---- html ---- */

/* The head goes out at once; each domain's <section> is spooled by its
 * worst status (spool s for status s), and reporter_close writes the header
 * with the totals, then the spools from fail down to ok, each in input
 * order: domains worst first, in memory that holds one domain. */
static int html_begin(struct reporter *rp)
{
	char started[32];
	struct strbuf title = STRBUF_INIT;

	format_utc(rp->started, 1, started);
	sb_addf(&title, "cutover report, %s", started);
	html_page_begin(&rp->sb, title.buf);
	sb_release(&title);
	return 0;
}

/* The value columns' heads: compare's words ("old", "new"), else these. */
static const char *html_value_word(const struct reporter *rp, int v)
{
	if (rp->value_words[0])
		return rp->value_words[v];
	return v ? "actual" : "expected";
}

/* The order html shows a domain's findings in: strictly worst first (the
 * status filter hides whole statuses), and text's order among equals. A new
 * array of b->n indexes. */
struct html_key {
	size_t i;
	size_t rank; /* position in text's order */
	enum status status;
};

static int html_by_status(const void *pa, const void *pb)
{
	const struct html_key *a = pa, *b = pb;
	if (a->status != b->status)
		return a->status > b->status ? -1 : 1;
	return (a->rank > b->rank) - (a->rank < b->rank);
}

static size_t *html_order(const struct batch *b)
{
	size_t *order = text_order(b);
	struct html_key *k = xcalloc(b->n ? b->n : 1, sizeof(*k));
	for (size_t r = 0; r < b->n; r++)
		k[r] = (struct html_key){order[r], r, status_clamp(b->f[order[r]].status)};
	qsort(k, b->n, sizeof(*k), html_by_status);
	for (size_t r = 0; r < b->n; r++)
		order[r] = k[r].i;
	free(k);
	return order;
}

static int html_domain(struct reporter *rp, const struct batch *b)
{
	struct strbuf *sb = &rp->sb;

	sb_addf(sb, "<section class=\"domain\" id=\"d%zu\" data-worst=\"%s\">\n<h2>", rp->n_domains + 1,
		status_names[b->worst]);
	html_tag(sb, status_names[b->worst], text_tags[b->worst]);
	sb_adds(sb, " <span class=\"mono\">");
	html_text(sb, *b->domain ? b->domain : "(no domain)");
	sb_adds(sb, "</span>");
	char *unicode = name_unicode(b->domain);
	if (unicode) {
		sb_adds(sb, " (");
		html_text(sb, unicode);
		sb_adds(sb, ")");
		free(unicode);
	}
	sb_adds(sb, "</h2>\n<p class=\"meta\">");
	text_counts(sb, b->counts);
	if (rp->baseline)
		sb_addf(sb, "; %zu new, %zu fixed, %zu unchanged", b->marks[MARK_NEW], b->marks[MARK_FIXED],
			b->marks[MARK_UNCHANGED]);
	sb_adds(sb, "</p>\n");
	if (b->n == 0)
		return spool_put(rp, (size_t)b->worst);

	sb_adds(sb, "<table class=\"wide\">\n<thead><tr><th>status</th>");
	if (rp->baseline)
		sb_adds(sb, "<th>baseline</th>");
	sb_adds(sb, "<th>code</th><th>subject</th><th>server</th><th>message</th>");
	for (int v = 0; v < 2; v++) {
		sb_adds(sb, "<th>");
		html_text(sb, html_value_word(rp, v));
		sb_adds(sb, "</th>");
	}
	sb_adds(sb, "</tr></thead>\n<tbody>\n");
	size_t *order = html_order(b);
	for (size_t k = 0; k < b->n; k++) {
		const struct finding *f = &b->f[order[k]];
		enum status s = status_clamp(f->status);
		enum finding_mark m = mark_clamp(f->baseline);

		sb_addf(sb, "<tr class=\"r-%s\" data-status=\"%s\"><td>", status_names[s], status_names[s]);
		html_tag(sb, status_names[s], text_tags[s]);
		sb_adds(sb, "</td>");
		if (rp->baseline)
			sb_addf(sb, "<td class=\"mark-%s\">%s</td>", mark_names[m], mark_names[m]);
		html_cell(sb, "mono code", f->code);
		html_cell(sb, "mono text", f->subject);
		html_cell(sb, "mono text", f->server);
		html_cell(sb, "msg", finding_message(f));
		html_cell(sb, "mono value", f->expected);
		html_cell(sb, "mono value", f->actual);
		sb_adds(sb, "</tr>\n");
	}
	free(order);
	sb_adds(sb, "</tbody>\n</table>\n</section>\n");
	return spool_put(rp, (size_t)b->worst);
}

static int html_finish(struct reporter *rp, double elapsed, int interrupted)
{
	struct strbuf *sb = &rp->sb;
	enum status worst = counts_worst(rp->counts);
	char started[32];

	format_utc(rp->started, 1, started);
	sb_adds(sb, "<header>\n<h1>cutover report ");
	html_tag(sb, status_names[worst], text_tags[worst]);
	sb_adds(sb, "</h1>\n<p class=\"meta\">");
	html_text(sb, rp->tool);
	sb_addf(sb, "; started <time datetime=\"%s\">%s</time>, took ", started, started);
	sb_add_seconds(sb, elapsed);
	sb_addf(sb, " s; %zu domain%s</p>\n", rp->n_domains, rp->n_domains == 1 ? "" : "s");
	if (interrupted)
		sb_adds(sb, "<p class=\"banner\" role=\"alert\">Partial report: the run was " INTERRUPTED_NOTE
			    ".</p>\n");
	sb_adds(sb, "<table>\n<thead><tr>");
	for (int s = STATUS_COUNT - 1; s >= 0; s--) {
		sb_adds(sb, "<th class=\"num\">");
		html_tag(sb, status_names[s], status_names[s]);
		sb_adds(sb, "</th>");
	}
	sb_adds(sb, "<th class=\"num\">domains</th></tr></thead>\n<tbody><tr>");
	for (int s = STATUS_COUNT - 1; s >= 0; s--)
		sb_addf(sb, "<td class=\"num\">%zu</td>", rp->counts[s]);
	sb_addf(sb, "<td class=\"num\">%zu</td></tr></tbody>\n</table>\n", rp->n_domains);
	if (rp->baseline) {
		sb_adds(sb, "<p>Baseline <span class=\"mono\">");
		html_text(sb, rp->baseline);
		sb_addf(sb, "</span>: <span class=\"mark-new\">%zu new</span>, %zu fixed, %zu unchanged",
			rp->marks[MARK_NEW], rp->marks[MARK_FIXED], rp->marks[MARK_UNCHANGED]);
		if (rp->opts.fail_on_new) {
			sb_adds(sb, "; new problems: ");
			if (!sb_add_counts(sb, rp->new_counts, STATUS_COUNT - 1, STATUS_WARN))
				sb_adds(sb, "none");
		}
		sb_adds(sb, "</p>\n");
	}
	/* shown by the script, which makes it work */
	sb_adds(sb, "<fieldset id=\"filter\" hidden>\n<legend>Show findings</legend>\n");
	for (int s = STATUS_COUNT - 1; s >= 0; s--) {
		sb_addf(sb, "<label><input type=\"checkbox\" value=\"%s\" checked> ", status_names[s]);
		html_tag(sb, status_names[s], status_names[s]);
		sb_addf(sb, " %zu</label>\n", rp->counts[s]);
	}
	sb_adds(sb, "</fieldset>\n</header>\n<main>\n");
	if (rp->n_domains == 0)
		sb_adds(sb, "<p>No domain was reported.</p>\n");
	for (int s = STATUS_COUNT - 1; s >= 0; s--)
		if (spool_copy(rp, (size_t)s) < 0)
			return -1;
	sb_adds(sb, "</main>\n");
	html_page_end(sb);
	return 0;
}

/* ---- the reporter's interface ---- */

/* clang-format off */
static const struct format formats[] = {
	[FORMAT_TEXT] = {"text", 1, NULL, text_domain, text_finish},
	[FORMAT_JSON] = {"json", 1, json_begin, json_domain, json_finish},
	[FORMAT_NAGIOS] = {"nagios", STATUS_COUNT - 1, NULL, nagios_domain, nagios_finish},
	[FORMAT_JUNIT] = {"junit", 1, NULL, junit_domain, junit_finish},
	[FORMAT_TAP] = {"tap", 0, tap_begin, tap_domain, tap_finish},
	[FORMAT_PROMETHEUS] = {"prometheus", 2, prom_begin, prom_domain, prom_finish},
	[FORMAT_HTML] = {"html", STATUS_COUNT, html_begin, html_domain, html_finish},
};
/* clang-format on */

const char *report_format_name(size_t i)
{
	return i < ARRAY_SIZE(formats) ? formats[i].name : NULL;
}

int report_format_parse(const char *name, enum report_format *out)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		if (strcmp(name, formats[i].name) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	}
	return -1;
}

int reporter_open(enum report_format fmt, const struct report_opts *opts, time_t started, FILE *out,
		  struct reporter **rp_out)
{
	struct reporter *rp = NULL;
	int rc = -1;

	if (rp_out)
		*rp_out = NULL;
	if ((unsigned)fmt >= ARRAY_SIZE(formats) || !out || !rp_out) {
		errno = EINVAL;
		return -1;
	}
	rp = xcalloc(1, sizeof(*rp));
	rp->format = &formats[fmt];
	rp->opts = opts ? *opts : (struct report_opts){.fail_on = STATUS_FAIL, .tool = "cutover"};
	if (!rp->opts.tool)
		rp->opts.tool = "cutover";
	rp->started = started;
	rp->out = out;
	rp->baseline = rp->opts.baseline ? xstrdup(rp->opts.baseline) : NULL;
	rp->tool = xstrdup(rp->opts.tool);
	rp->opts.baseline = NULL; /* the copy above is used */
	for (int i = 0; i < 2 && rp->opts.value_words[0] && rp->opts.value_words[1]; i++)
		rp->value_words[i] = xstrdup(rp->opts.value_words[i]);
	rp->opts.value_words[0] = rp->opts.value_words[1] = NULL;
	if (!rp->baseline)
		rp->opts.fail_on_new = 0; /* nothing is new without a baseline */
	for (size_t i = 0; i < rp->format->spools; i++)
		if (!(rp->spool[i] = spool_open()))
			goto out;
	if (rp->format->begin && rp->format->begin(rp) < 0)
		goto out;
	if (out_flush(rp) < 0)
		goto out;
	rp->opts.tool = NULL; /* the caller's; not needed again */
	*rp_out = rp;
	rp = NULL;
	rc = 0;
out:
	reporter_free(rp);
	return rc;
}

int reporter_domain(struct reporter *rp, const char *domain, const struct finding *f, size_t n)
{
	struct batch b = {.domain = domain ? domain : "", .f = f, .n = n, .worst = STATUS_OK};

	if (rp->stopped) {
		errno = rp->write_errno ? rp->write_errno : EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		enum status s = status_clamp(f[i].status);
		enum finding_mark m = mark_clamp(f[i].baseline);
		b.counts[s]++;
		b.worst = status_merge(b.worst, s);
		b.marks[m]++;
		if (m == MARK_NEW)
			b.new_counts[s]++;
	}
	/* What a domain sends to out is flushed at once: it flows to a reader,
	 * and a write error shows now rather than at the end. */
	int rc = rp->format->domain(rp, &b);
	int wrote = rp->sb.len > 0;
	if (rc == 0)
		rc = out_flush(rp);
	if (rc == 0 && wrote && fflush(rp->out) != 0)
		rc = -1;
	if (rc < 0) {
		rp->write_errno = errno;
		sb_reset(&rp->sb);
		rp->stopped = 1;
		errno = rp->write_errno;
		return -1;
	}
	for (size_t s = 0; s < STATUS_COUNT; s++) {
		rp->counts[s] += b.counts[s];
		rp->new_counts[s] += b.new_counts[s];
	}
	for (size_t m = 0; m < MARK_COUNT; m++)
		rp->marks[m] += b.marks[m];
	rp->n_findings += n;
	rp->n_domains++;
	return 0;
}

int reporter_close(struct reporter *rp, double elapsed, int interrupted)
{
	int rc = -1;

	if (rp->stopped) {
		/* a write failed before: say why again */
		errno = rp->write_errno ? rp->write_errno : EINVAL;
		return -1;
	}
	rp->stopped = 1; /* closed: nothing more can be added */
	rp->interrupted = interrupted != 0;
	if (rp->format->finish(rp, elapsed, interrupted) < 0 || out_flush(rp) < 0)
		goto out;
	if (fflush(rp->out) != 0 || ferror(rp->out))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		rp->write_errno = errno;
	sb_reset(&rp->sb);
	errno = rp->write_errno;
	return rc;
}

void reporter_counts(const struct reporter *rp, size_t counts[STATUS_COUNT])
{
	for (size_t s = 0; s < STATUS_COUNT; s++)
		counts[s] = rp->counts[s];
}

/* An interrupted run cannot pass: what was not checked is unknown (3,
 * Nagios UNKNOWN), unless a finding already failed (2). */
int reporter_exit_code(const struct reporter *rp)
{
	int code = rp->opts.fail_on_new ? exit_code(counts_worst(rp->new_counts), STATUS_WARN)
					: exit_code(counts_worst(rp->counts), rp->opts.fail_on);
	return rp->interrupted && code < 2 ? 3 : code;
}

void reporter_free(struct reporter *rp)
{
	if (!rp)
		return;
	for (size_t i = 0; i < SPOOL_MAX; i++)
		if (rp->spool[i])
			fclose(rp->spool[i]);
	for (size_t s = 0; s < STATUS_COUNT; s++)
		for (size_t k = 0; k < NAGIOS_NAMED_MAX; k++)
			free(rp->named[s][k]);
	sb_release(&rp->sb);
	sb_release(&rp->tmp);
	free(rp->baseline);
	free(rp->tool);
	free(rp->value_words[0]);
	free(rp->value_words[1]);
	free(rp);
}

/* ---- for commands with report shapes of their own (propagation) ---- */

void report_utc(time_t t, char buf[32])
{
	format_utc(t, 1, buf);
}

void report_add_clean(struct strbuf *sb, const char *s, enum report_clean how)
{
	static const enum clean map[] = {CLEAN_UTF8, CLEAN_LINE, CLEAN_NAGIOS, CLEAN_PROM, CLEAN_HTML};
	sb_add_clean(sb, s, map[how]);
}

json_t *report_json_string(const char *s)
{
	struct strbuf tmp = STRBUF_INIT;
	json_t *j = json_string(clean(&tmp, s, CLEAN_UTF8));
	sb_release(&tmp);
	return j;
}

json_t *report_json_finding(const struct finding *f)
{
	struct strbuf tmp = STRBUF_INIT;
	json_t *j = json_finding(f, &tmp);
	sb_release(&tmp);
	return j;
}

const char *report_finding_message(const struct finding *f)
{
	return finding_message(f);
}
