/* Unit tests for src/report.c: statuses, the finding list, counts, exit codes
 * and every output format, through a reporter fed domain by domain (from a
 * whole sample report built here, or directly; interrupted or not; and whose
 * heap must not grow with the number of domains). With REPORT_SAMPLES_DIR set, test_write_samples also writes
 * each format of a sample report there (sample.txt, sample.json, sample.nagios, sample.xml, sample.tap,
 * sample.prom) for checking with the consumers: xmllint --schema tests/junit/junit.xsd, promtool check
 * metrics, prove, jq. */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "report.h"
#include "util.h"

#define STARTED 1795600800 /* 2026-11-25T10:00:00Z */

/* A whole report, for these tests only (cutover itself streams): findings
 * added in any order, the domains named first (a domain may have none), when
 * it started and how long it took. report_write() feeds it to a reporter
 * domain by domain: the named domains in order, then those that only appear
 * in findings, each with its findings in the order they were added. */
#define DOMAINS_MAX 16
struct report {
	struct finding_list list;
	const char *domains[DOMAINS_MAX];
	size_t n_domains;
	time_t started;
	double elapsed;
};

static void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	finding_list_init(&r->list);
}

static void report_release(struct report *r)
{
	finding_list_release(&r->list);
	memset(r, 0, sizeof(*r));
}

static void report_add(struct report *r, const struct finding *f)
{
	finding_list_add(&r->list, f);
}

static int domain_known(const struct report *r, const char *domain)
{
	for (size_t i = 0; i < r->n_domains; i++)
		if (strcmp(r->domains[i], domain) == 0)
			return 1;
	return 0;
}

static void report_add_domain(struct report *r, const char *domain)
{
	if (domain_known(r, domain))
		return;
	assert_true(r->n_domains < DOMAINS_MAX);
	r->domains[r->n_domains++] = domain;
}

/* Feed r to rp, one call per domain (see struct report). */
static int feed(const struct report *r, struct reporter *rp)
{
	struct report order = *r;
	struct finding *group = xcalloc(r->list.n + 1, sizeof(*group));
	int rc = 0;

	for (size_t i = 0; i < r->list.n; i++)
		report_add_domain(&order, r->list.v[i].domain ? r->list.v[i].domain : "");
	for (size_t d = 0; d < order.n_domains && rc == 0; d++) {
		size_t n = 0;
		for (size_t i = 0; i < r->list.n; i++)
			if (strcmp(r->list.v[i].domain ? r->list.v[i].domain : "", order.domains[d]) == 0)
				group[n++] = r->list.v[i]; /* shallow: the reporter copies nothing */
		rc = reporter_domain(rp, order.domains[d], group, n);
	}
	free(group);
	return rc;
}

static int report_write(const struct report *r, enum report_format fmt, const struct report_opts *opts,
			FILE *out)
{
	struct reporter *rp = NULL;
	int rc = -1;
	if (reporter_open(fmt, opts, r->started, out, &rp) == 0 && feed(r, rp) == 0 &&
	    reporter_close(rp, r->elapsed, 0) == 0)
		rc = 0;
	reporter_free(rp);
	return rc;
}

/* The running totals and exit code after r went through a reporter. */
static int totals(const struct report *r, enum status fail_on, size_t counts[STATUS_COUNT])
{
	struct report_opts o = {.fail_on = fail_on, .tool = "cutover"};
	struct reporter *rp = NULL;
	FILE *null = fopen("/dev/null", "w");
	assert_non_null(null);
	assert_int_equal(reporter_open(FORMAT_JSON, &o, r->started, null, &rp), 0);
	assert_int_equal(feed(r, rp), 0);
	if (counts)
		reporter_counts(rp, counts);
	int code = reporter_exit_code(rp);
	reporter_free(rp);
	fclose(null);
	return code;
}

/* A message no output format may pass through unescaped. */
#define NASTY_MESSAGE "got \"v=spf1 +all\" | # not \\ ok\nsecond\tline \xe2\x9c\x93 caf\xc3\xa9 \x1b[31m"

static void add(struct report *r, const char *domain, const char *check, const char *code, enum status s,
		const char *subject, const char *server, const char *message, const char *expected,
		const char *actual)
{
	struct finding f = {
		.domain = (char *)domain,
		.check = (char *)check,
		.code = (char *)code,
		.status = s,
		.subject = (char *)subject,
		.server = (char *)server,
		.message = (char *)message,
		.expected = (char *)expected,
		.actual = (char *)actual,
	};
	report_add(r, &f);
}

/* Findings of two domains added interleaved (as concurrent checks do), a
 * domain without findings, every status, and one nasty message. */
static void sample_report(struct report *r)
{
	report_init(r);
	r->started = STARTED;
	r->elapsed = 0.1234;
	report_add_domain(r, "example.org");
	report_add_domain(r, "example.net");
	report_add_domain(r, "quiet.example");
	add(r, "example.org", "ns", "ns.ok", STATUS_OK, "example.org", NULL, "delegation is consistent", NULL,
	    NULL);
	add(r, "example.org", "ttl", "ttl.too-high", STATUS_FAIL, "www.example.org/A",
	    "ns2.example.net/192.0.2.53", "TTL 86400 is above 900", "<= 900", "86400");
	add(r, "example.net", "ttl", "ttl.inconsistent", STATUS_WARN, "example.net/MX", NULL,
	    "servers serve different TTLs: 300, 3600", NULL, NULL);
	add(r, "example.org", "soa", "soa.serial-mismatch", STATUS_FAIL, "example.org", NULL,
	    "serials differ between servers", "2026112501", "2026112400");
	add(r, "example.net", "ns", "ns.unreachable", STATUS_ERROR, "example.net",
	    "ns3.example.net/192.0.2.99", "timeout after 2000 ms", NULL, NULL);
	add(r, "example.org", "ttl", "ttl.no-records", STATUS_INFO, "old.example.org", NULL,
	    "no A, AAAA or MX records", NULL, NULL);
	add(r, "example.net", "record", "record.mismatch", STATUS_FAIL, "txt.example.net/TXT",
	    "ns1.example.net/192.0.2.1", NASTY_MESSAGE, "\"v=spf1 -all\"", "\"v=spf1 +all\"");
	add(r, "example.net", "soa", "soa.ok", STATUS_OK, "example.net", NULL, "SOA serial agrees", NULL,
	    NULL);
}

/* The report rendered in fmt, as a NUL-terminated string the caller frees. */
static char *render(const struct report *r, enum report_format fmt, enum status fail_on, int color)
{
	struct report_opts o = {.color = color, .fail_on = fail_on, .tool = "cutover 0.1.0"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(report_write(r, fmt, &o, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static size_t count_substr(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static size_t count_lines_starting(const char *text, const char *prefix)
{
	size_t n = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

/* ---- statuses ---- */

static void test_status_names(void **state)
{
	const char *names[] = {"ok", "info", "warn", "error", "fail"};
	for (int s = 0; s < STATUS_COUNT; s++)
		assert_string_equal(status_name((enum status)s), names[s]);
	assert_string_equal(status_name(STATUS_COUNT), "unknown");
}

static void test_status_merge_rank(void **state)
{
	/* Rank order: ok < info < warn < error < fail. */
	const enum status rank[] = {STATUS_OK, STATUS_INFO, STATUS_WARN, STATUS_ERROR, STATUS_FAIL};
	for (size_t i = 0; i < ARRAY_SIZE(rank); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(rank); j++) {
			enum status want = rank[i > j ? i : j];
			assert_int_equal(status_merge(rank[i], rank[j]), want);
			assert_int_equal(status_merge(rank[j], rank[i]), want);
		}
	}
	assert_int_equal(status_merge(STATUS_ERROR, STATUS_WARN), STATUS_ERROR);
	assert_int_equal(status_merge(STATUS_ERROR, STATUS_FAIL), STATUS_FAIL);
}

static void test_format_parse(void **state)
{
	const char *names[] = {"text", "json", "nagios", "junit", "tap", "prometheus", "html"};
	const enum report_format want[] = {FORMAT_TEXT, FORMAT_JSON,	   FORMAT_NAGIOS, FORMAT_JUNIT,
					   FORMAT_TAP,	FORMAT_PROMETHEUS, FORMAT_HTML};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		enum report_format f;
		assert_int_equal(report_format_parse(names[i], &f), 0);
		assert_int_equal(f, want[i]);
	}
	enum report_format f;
	assert_int_equal(report_format_parse("xml", &f), -1);
	assert_int_equal(report_format_parse("JSON", &f), -1);
	assert_int_equal(report_format_parse(NULL, &f), -1);
}

/* ---- the report ---- */

static void test_add_copies(void **state)
{
	struct finding_list l;
	char domain[] = "example.org", message[] = "hello";
	struct finding f = {.domain = domain, .check = "ttl", .code = "ttl.ok", .message = message};
	finding_list_init(&l);
	finding_list_add(&l, &f);
	domain[0] = 'X';
	message[0] = 'X';
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].domain, "example.org");
	assert_string_equal(l.v[0].message, "hello");
	assert_null(l.v[0].subject);
	assert_null(l.v[0].server);
	assert_null(l.v[0].expected);
	assert_null(l.v[0].actual);
	/* A status outside the enum is kept as error. */
	f.status = (enum status)42;
	finding_list_add(&l, &f);
	assert_int_equal(l.v[1].status, STATUS_ERROR);

	for (int i = 0; i < 100; i++)
		finding_list_add(&l, &f);
	assert_int_equal(l.n, 102);
	finding_list_release(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

static void test_counts_and_status(void **state)
{
	struct report r;
	size_t counts[STATUS_COUNT];

	report_init(&r);
	assert_int_equal(totals(&r, STATUS_WARN, counts), 0);
	for (int s = 0; s < STATUS_COUNT; s++)
		assert_int_equal(counts[s], 0);
	report_release(&r);

	sample_report(&r);
	assert_int_equal(totals(&r, STATUS_FAIL, counts), 2);
	assert_int_equal(counts[STATUS_OK], 2);
	assert_int_equal(counts[STATUS_INFO], 1);
	assert_int_equal(counts[STATUS_WARN], 1);
	assert_int_equal(counts[STATUS_ERROR], 1);
	assert_int_equal(counts[STATUS_FAIL], 3);
	report_release(&r);
}

static void test_exit_codes(void **state)
{
	/* clang-format off */
	/* worst status -> exit code with fail_on warn, with fail_on fail */
	static const struct {
		enum status worst;
		int on_warn, on_fail;
	} cases[] = {
		{STATUS_OK, 0, 0},
		{STATUS_INFO, 0, 0},
		{STATUS_WARN, 1, 0},
		{STATUS_ERROR, 3, 3},
		{STATUS_FAIL, 2, 2},
	};
	/* clang-format on */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct report r;
		report_init(&r);
		add(&r, "a.example", "ttl", "ttl.ok", STATUS_OK, NULL, NULL, "m", NULL, NULL);
		if (cases[i].worst != STATUS_OK)
			add(&r, "a.example", "ttl", "x.y", cases[i].worst, NULL, NULL, "m", NULL, NULL);
		assert_int_equal(totals(&r, STATUS_WARN, NULL), cases[i].on_warn);
		assert_int_equal(totals(&r, STATUS_FAIL, NULL), cases[i].on_fail);
		report_release(&r);
	}

	/* A fail outranks an error, an error a warning, in any order. */
	struct report r;
	report_init(&r);
	add(&r, "a.example", "ns", "ns.unreachable", STATUS_ERROR, NULL, NULL, "m", NULL, NULL);
	add(&r, "b.example", "ttl", "ttl.inconsistent", STATUS_WARN, NULL, NULL, "m", NULL, NULL);
	assert_int_equal(totals(&r, STATUS_WARN, NULL), 3);
	add(&r, "a.example", "ns", "ns.lame", STATUS_FAIL, NULL, NULL, "m", NULL, NULL);
	assert_int_equal(totals(&r, STATUS_FAIL, NULL), 2);
	report_release(&r);
}

/* ---- json ---- */

static void assert_json_str(json_t *obj, const char *key, const char *want)
{
	json_t *v = json_object_get(obj, key);
	assert_non_null(v);
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), want);
}

static void assert_keys(json_t *obj, const char *const *keys, size_t n)
{
	size_t i = 0;
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it), i++) {
		assert_true(i < n);
		assert_string_equal(json_object_iter_key(it), keys[i]);
	}
	assert_int_equal(i, n);
}

static void test_json(void **state)
{
	struct report r;
	json_error_t err;

	sample_report(&r);
	add(&r, "example.org", "ttl", "ttl.bad-utf8", STATUS_WARN, NULL, NULL, "bad \xff\xfe byte, \x01 ctl",
	    NULL, NULL);
	add(&r, "only.example", "ttl", "ttl.ok", STATUS_OK, NULL, NULL, NULL, NULL, NULL);
	char *text = render(&r, FORMAT_JSON, STATUS_FAIL, 0);
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		fail_msg("json does not parse: %s (line %d)\n%s", err.text, err.line, text);

	/* status and summary need the totals, so they follow the streamed findings. */
	static const char *const top[] = {"version", "tool",   "started", "findings",
					  "domains", "status", "summary"};
	assert_keys(root, top, ARRAY_SIZE(top));
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
	assert_json_str(root, "tool", "cutover 0.1.0");
	assert_json_str(root, "started", "2026-11-25T10:00:00Z");
	assert_json_str(root, "status", "fail");

	json_t *summary = json_object_get(root, "summary");
	static const char *const sum_keys[] = {"ok", "info", "warn", "fail", "error"};
	const json_int_t sum_want[] = {3, 1, 2, 3, 1};
	assert_keys(summary, sum_keys, ARRAY_SIZE(sum_keys));
	for (size_t i = 0; i < ARRAY_SIZE(sum_keys); i++)
		assert_int_equal(json_integer_value(json_object_get(summary, sum_keys[i])), sum_want[i]);

	json_t *domains = json_object_get(root, "domains");
	static const char *const dom_want[] = {"example.org", "example.net", "quiet.example", "only.example"};
	assert_int_equal(json_array_size(domains), ARRAY_SIZE(dom_want));
	for (size_t i = 0; i < ARRAY_SIZE(dom_want); i++)
		assert_string_equal(json_string_value(json_array_get(domains, i)), dom_want[i]);

	/* Grouped by domain in r->domains order, insertion order within. */
	json_t *findings = json_object_get(root, "findings");
	static const char *const code_want[] = {"ns.ok",	  "ttl.too-high",    "soa.serial-mismatch",
						"ttl.no-records", "ttl.bad-utf8",    "ttl.inconsistent",
						"ns.unreachable", "record.mismatch", "soa.ok",
						"ttl.ok"};
	assert_int_equal(json_array_size(findings), ARRAY_SIZE(code_want));
	for (size_t i = 0; i < ARRAY_SIZE(code_want); i++)
		assert_json_str(json_array_get(findings, i), "code", code_want[i]);

	/* Every key, in schema order. */
	json_t *f = json_array_get(findings, 1);
	static const char *const full[] = {"domain", "check",	"code",	    "status", "subject",
					   "server", "message", "expected", "actual"};
	assert_keys(f, full, ARRAY_SIZE(full));
	assert_json_str(f, "domain", "example.org");
	assert_json_str(f, "check", "ttl");
	assert_json_str(f, "status", "fail");
	assert_json_str(f, "subject", "www.example.org/A");
	assert_json_str(f, "server", "ns2.example.net/192.0.2.53");
	assert_json_str(f, "message", "TTL 86400 is above 900");
	assert_json_str(f, "expected", "<= 900");
	assert_json_str(f, "actual", "86400");

	/* NULL subject, server, expected, actual are omitted. */
	f = json_array_get(findings, 4);
	static const char *const minimal[] = {"domain", "check", "code", "status", "message"};
	assert_keys(f, minimal, ARRAY_SIZE(minimal));
	/* Invalid UTF-8 becomes U+FFFD; a control character survives (escaped by jansson). */
	assert_json_str(f, "message", "bad \xef\xbf\xbd\xef\xbf\xbd byte, \x01 ctl");
	assert_non_null(strstr(text, "\\u0001"));

	/* Quotes, newline, tab, UTF-8 and ESC round-trip exactly. */
	f = json_array_get(findings, 7);
	assert_json_str(f, "message", NASTY_MESSAGE);
	assert_json_str(f, "expected", "\"v=spf1 -all\"");
	assert_json_str(f, "actual", "\"v=spf1 +all\"");

	/* A NULL message falls back to the code table's summary. */
	f = json_array_get(findings, 9);
	assert_json_str(f, "message", code_lookup("ttl.ok")->summary);

	json_decref(root);
	free(text);
	report_release(&r);
}

static void test_json_empty(void **state)
{
	struct report r;
	report_init(&r);
	char *text = render(&r, FORMAT_JSON, STATUS_FAIL, 0);
	json_t *root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_json_str(root, "status", "ok");
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "summary"), "ok")), 0);
	json_decref(root);
	free(text);
	report_release(&r);
}

/* ---- prometheus ---- */

static void test_prometheus(void **state)
{
	struct report r;
	sample_report(&r);
	add(&r, "example.org", "ttl", "ttl.too-high", STATUS_FAIL, "www.example.org/A",
	    "ns2.example.net/192.0.2.53", "a second finding, same labels", NULL, NULL);
	add(&r, "we\"ird\\dom\nain", "ns", "ns.lame", STATUS_FAIL, NULL, NULL, "m", NULL, NULL);
	char *text = render(&r, FORMAT_PROMETHEUS, STATUS_FAIL, 0);

	/* Every status for every domain, zeros included: 4 domains x 5. */
	assert_int_equal(count_lines_starting(text, "cutover_findings{"), 20);
	assert_non_null(strstr(text, "cutover_findings{domain=\"quiet.example\",status=\"fail\"} 0\n"));
	assert_non_null(strstr(text, "cutover_findings{domain=\"example.org\",status=\"fail\"} 3\n"));
	assert_non_null(strstr(text, "cutover_findings{domain=\"example.net\",status=\"error\"} 1\n"));

	/* 0 ok, 1 info, 2 warn, 3 error, 4 fail. */
	assert_non_null(strstr(text, "cutover_status{domain=\"example.org\"} 4\n"));
	assert_non_null(strstr(text, "cutover_status{domain=\"quiet.example\"} 0\n"));

	/* Label values: backslash, quote and newline escaped. */
	assert_non_null(strstr(text, "cutover_status{domain=\"we\\\"ird\\\\dom\\nain\"} 4\n"));

	/* Non-ok findings only, one series per label set. */
	assert_non_null(strstr(text,
			       "cutover_finding{domain=\"example.org\",check=\"ttl\",code=\"ttl.too-high\","
			       "subject=\"www.example.org/A\",server=\"ns2.example.net/192.0.2.53\","
			       "status=\"fail\"} 2\n"));
	assert_non_null(strstr(text,
			       "cutover_finding{domain=\"example.net\",check=\"ns\",code=\"ns.unreachable\","
			       "subject=\"example.net\",server=\"ns3.example.net/192.0.2.99\","
			       "status=\"error\"} 1\n"));
	assert_non_null(strstr(text, "code=\"ns.lame\",subject=\"\",server=\"\",status=\"fail\"} 1\n"));
	assert_null(strstr(text, "code=\"ns.ok\""));
	/* 8 sample findings + 2 added, 2 ok, one pair merged. */
	assert_int_equal(count_lines_starting(text, "cutover_finding{"), 7);

	assert_non_null(strstr(text, "\ncutover_last_run_timestamp_seconds 1795600800\n"));
	assert_non_null(strstr(text, "\ncutover_run_duration_seconds 0.123\n"));
	assert_int_equal(count_lines_starting(text, "# TYPE "), 5);
	assert_int_equal(count_lines_starting(text, "# HELP "), 5);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
	report_release(&r);
}

/* ---- tap ---- */

static void test_tap(void **state)
{
	struct report r;
	sample_report(&r);

	char *text = render(&r, FORMAT_TAP, STATUS_FAIL, 0);
	/* The plan follows the test points, which go out as they come. */
	assert_true(strncmp(text, "TAP version 13\nok 1 - ", 22) == 0);
	assert_int_equal(count_lines_starting(text, "1.."), 1);
	assert_int_equal(strcmp(text + strlen(text) - 5, "1..8\n"), 0);
	assert_int_equal(count_lines_starting(text, "ok "), 4);
	assert_int_equal(count_lines_starting(text, "not ok "), 4); /* 3 fail + 1 error */
	/* A YAML block for each non-ok finding: info, warn, error, 3 fail. */
	assert_int_equal(count_lines_starting(text, "  ---\n"), 6);
	assert_int_equal(count_lines_starting(text, "  ...\n"), 6);
	assert_non_null(strstr(text,
			       "\nok 5 - ttl.inconsistent example.net/MX: servers serve different TTLs: "
			       "300, 3600\n  ---\n  status: warn\n"));
	assert_non_null(strstr(text,
			       "\nnot ok 2 - ttl.too-high www.example.org/A (ns2.example.net/192.0.2.53): "
			       "TTL 86400 is above 900\n"));
	/* '#' cannot start a directive, newlines cannot end the line. */
	assert_non_null(strstr(text, "| \\# not \\\\ ok second line"));
	assert_non_null(strstr(text, "  message: \"got \\\"v=spf1 +all\\\" | # not \\\\ ok\\nsecond\\tline"));
	assert_non_null(strstr(text, "  expected: \"<= 900\"\n  actual: \"86400\"\n"));
	free(text);

	text = render(&r, FORMAT_TAP, STATUS_WARN, 0);
	assert_int_equal(count_lines_starting(text, "not ok "), 5);
	assert_non_null(strstr(text, "\nnot ok 5 - ttl.inconsistent"));
	free(text);
	report_release(&r);

	report_init(&r);
	text = render(&r, FORMAT_TAP, STATUS_FAIL, 0);
	assert_string_equal(text, "TAP version 13\n1..0 # SKIP no findings\n");
	free(text);
	report_release(&r);
}

/* ---- nagios ---- */

static char *first_line(const char *text)
{
	const char *nl = strchr(text, '\n');
	assert_non_null(nl);
	return xstrndup(text, (size_t)(nl - text));
}

static void test_nagios(void **state)
{
	struct report r;
	sample_report(&r);
	char *text = render(&r, FORMAT_NAGIOS, STATUS_FAIL, 0);
	char *line = first_line(text);

	assert_string_equal(line,
			    "CUTOVER CRITICAL - 3 fail, 1 error, 1 warn: ttl.too-high www.example.org/A; "
			    "soa.serial-mismatch example.org; record.mismatch txt.example.net/TXT | "
			    "ok=2;;;0 info=1;;;0 warn=1;;;0 fail=3;;;0 error=1;;;0 time=0.123s");
	/* Long output: one line per non-ok finding, worst first, no '|'. */
	assert_int_equal(count_substr(text, "\n"), 1 + 6);
	assert_int_equal(count_substr(text, "|"), 1);
	assert_non_null(strstr(text, "\n[FAIL] ttl.too-high www.example.org/A @ns2.example.net/192.0.2.53: "
				     "TTL 86400 is above 900 (expected <= 900, got 86400)\n"));
	assert_non_null(strstr(text, "got \"v=spf1 +all\" / # not \\ ok second line"));
	assert_true(strstr(text, "[ERROR]") < strstr(text, "[WARN]"));
	assert_true(strstr(text, "[WARN]") < strstr(text, "[INFO]"));
	free(line);
	free(text);
	report_release(&r);

	/* error and no fail: UNKNOWN. */
	report_init(&r);
	add(&r, "a.example", "ns", "ns.unreachable", STATUS_ERROR, "a.example", NULL, "m", NULL, NULL);
	add(&r, "a.example", "ttl", "ttl.inconsistent", STATUS_WARN, "a.example", NULL, "m", NULL, NULL);
	text = render(&r, FORMAT_NAGIOS, STATUS_FAIL, 0);
	assert_true(strncmp(text, "CUTOVER UNKNOWN - 1 error, 1 warn: ns.unreachable a.example | ", 62) == 0);
	free(text);
	report_release(&r);

	/* warn: the state word follows the exit code, so it depends on fail_on. */
	report_init(&r);
	add(&r, "a.example", "ttl", "ttl.inconsistent", STATUS_WARN, "a.example", NULL, "m", NULL, NULL);
	add(&r, "a.example", "ttl", "ttl.ok", STATUS_OK, "a.example", NULL, "m", NULL, NULL);
	text = render(&r, FORMAT_NAGIOS, STATUS_WARN, 0);
	assert_true(strncmp(text, "CUTOVER WARNING - 1 warn: ttl.inconsistent a.example | ", 55) == 0);
	free(text);
	text = render(&r, FORMAT_NAGIOS, STATUS_FAIL, 0);
	assert_true(strncmp(text, "CUTOVER OK - 1 warn: ttl.inconsistent a.example | ", 50) == 0);
	free(text);
	report_release(&r);

	/* All good. */
	report_init(&r);
	report_add_domain(&r, "a.example");
	add(&r, "a.example", "ttl", "ttl.ok", STATUS_OK, "a.example", NULL, "m", NULL, NULL);
	text = render(&r, FORMAT_NAGIOS, STATUS_WARN, 0);
	assert_string_equal(text, "CUTOVER OK - 1 ok; 1 domain checked | ok=1;;;0 info=0;;;0 warn=0;;;0 "
				  "fail=0;;;0 error=0;;;0 time=0.000s\n");
	free(text);
	report_release(&r);

	/* More than five of the worst status: named up to five. */
	report_init(&r);
	for (int i = 0; i < 7; i++)
		add(&r, "a.example", "ns", "ns.lame", STATUS_FAIL, "a.example", NULL, "m", NULL, NULL);
	text = render(&r, FORMAT_NAGIOS, STATUS_FAIL, 0);
	line = first_line(text);
	assert_int_equal(count_substr(line, "ns.lame a.example"), 5);
	assert_non_null(strstr(line, "; +2 more | "));
	free(line);
	free(text);
	report_release(&r);
}

/* ---- text ---- */

static void test_text(void **state)
{
	struct report r;
	sample_report(&r);
	char *text = render(&r, FORMAT_TEXT, STATUS_FAIL, 0);

	assert_null(strchr(text, '\033'));
	/* Domains in order, each header then its findings worst first. */
	const char *org = strstr(text, "example.org  FAIL  2 fail, 1 info, 1 ok\n");
	const char *net = strstr(text, "example.net  FAIL  1 fail, 1 error, 1 warn, 1 ok\n");
	const char *quiet = strstr(text, "quiet.example  OK  no findings\n");
	assert_non_null(org);
	assert_non_null(net);
	assert_non_null(quiet);
	assert_true(org < net && net < quiet);
	const char *fail1 = strstr(org, "ttl.too-high"), *fail2 = strstr(org, "soa.serial-mismatch");
	const char *info = strstr(org, "ttl.no-records"), *ok = strstr(org, "ns.ok");
	assert_true(fail1 < fail2 && fail2 < info && info < ok && ok < net);
	assert_non_null(strstr(text, "TTL 86400 is above 900 (expected <= 900, got 86400)\n"));
	assert_non_null(strstr(text, "@ns2.example.net/192.0.2.53"));
	/* A control character is shown, not sent to the terminal. */
	assert_non_null(strstr(text, "second line \xe2\x9c\x93 caf\xc3\xa9 \\x1b[31m"));
	/* Columns line up: every finding line has its code at the same offset. */
	const char *a = strstr(text, "\n  FAIL  ttl.too-high ");
	const char *b = strstr(text, "\n  OK    ns.ok ");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(strstr(a, "www.example.org/A") - a, strstr(b, "example.org ") - b);
	assert_int_equal(strstr(a, "TTL 86400") - a, strstr(b, "delegation") - b);
	const char *c = strstr(text, "\n  ERROR ns.unreachable ");
	assert_non_null(c);
	assert_int_equal(strstr(a, "@ns2") - a, strstr(c, "@ns3") - c);
	/* The summary line. */
	assert_non_null(
		strstr(text, "\nFAIL: 3 fail, 1 error, 1 warn, 1 info, 2 ok in 3 domains (0.123 s)\n"));
	/* No trailing blanks. */
	assert_null(strstr(text, " \n"));
	free(text);

	/* A value wider than its (capped) column is still followed by two spaces;
	 * an empty column takes no room. */
	struct report wide;
	report_init(&wide);
	add(&wide, "a.example", "ttl", "ttl.ok", STATUS_OK, NULL, NULL, "short", NULL, NULL);
	add(&wide, "a.example", "ttl", "ttl.ok", STATUS_OK,
	    "a-very-long-owner-name-that-does-not-fit-the-column.a.example/AAAA", NULL, "long", NULL, NULL);
	char *wtext = render(&wide, FORMAT_TEXT, STATUS_FAIL, 0);
	assert_non_null(strstr(wtext,
			       "\n  OK    ttl.ok  "
			       "a-very-long-owner-name-that-does-not-fit-the-column.a.example/AAAA  long\n"));
	assert_non_null(strstr(wtext, "\n  OK    ttl.ok  "));
	free(wtext);
	report_release(&wide);
	report_init(&wide);
	add(&wide, "a.example", "ttl", "ttl.ok", STATUS_OK, NULL, NULL, "no subject", NULL, NULL);
	wtext = render(&wide, FORMAT_TEXT, STATUS_FAIL, 0);
	assert_non_null(strstr(wtext, "\n  OK    ttl.ok  no subject\n"));
	free(wtext);
	report_release(&wide);

	text = render(&r, FORMAT_TEXT, STATUS_FAIL, 1);
	assert_non_null(strstr(text, "\033[1;31mFAIL\033[0m"));
	assert_null(strstr(text, "\033[31m")); /* the one in the message is escaped */
	free(text);
	report_release(&r);
}

/* ---- junit ---- */

static xmlChar *attr(xmlNodePtr n, const char *name)
{
	return xmlGetProp(n, BAD_CAST name);
}

static void assert_attr(xmlNodePtr n, const char *name, const char *want)
{
	xmlChar *v = attr(n, name);
	assert_non_null(v);
	assert_string_equal((const char *)v, want);
	xmlFree(v);
}

static xmlNodePtr next_element(xmlNodePtr n, const char *name)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && (!name || xmlStrcmp(n->name, BAD_CAST name) == 0))
			return n;
	return NULL;
}

/* Validate doc against tests/junit/junit.xsd when it can be found (the
 * tests run from the repository root). */
static void validate_junit(xmlDocPtr doc)
{
	const char *xsd = "tests/junit/junit.xsd";
	FILE *probe = fopen(xsd, "r");
	if (!probe)
		return;
	fclose(probe);
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(xsd);
	xmlSchemaPtr schema = xmlSchemaParse(pctx);
	assert_non_null(schema);
	xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
	assert_int_equal(xmlSchemaValidateDoc(vctx, doc), 0);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
}

/* A testcase's name is built in a buffer that first held its classname:
 * with no code, subject or server the name must not repeat it. */
static void test_junit_name_reset(void **state)
{
	(void)state;
	struct report r;
	report_init(&r);
	add(&r, "", "ttl", NULL, STATUS_OK, NULL, NULL, "m", NULL, NULL);
	char *text = render(&r, FORMAT_JUNIT, STATUS_FAIL, 0);
	xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlNodePtr suite = next_element(xmlDocGetRootElement(doc)->children, "testsuite");
	xmlNodePtr tc = next_element(suite->children, "testcase");
	assert_attr(tc, "classname", ".ttl");
	assert_attr(tc, "name", "");
	xmlFreeDoc(doc);
	free(text);
	report_release(&r);
}

static void test_junit(void **state)
{
	struct report r;
	sample_report(&r);
	add(&r, "example.org", "ttl", "ttl.ctl", STATUS_WARN, "a<b>&c", NULL, "bell \x07 here", NULL, NULL);

	for (int pass = 0; pass < 2; pass++) {
		enum status fail_on = pass ? STATUS_WARN : STATUS_FAIL;
		char *text = render(&r, FORMAT_JUNIT, fail_on, 0);
		xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL, XML_PARSE_NONET);
		assert_non_null(doc);
		validate_junit(doc);

		xmlNodePtr root = xmlDocGetRootElement(doc);
		assert_string_equal((const char *)root->name, "testsuites");
		assert_attr(root, "name", "cutover");
		assert_attr(root, "tests", "9");
		assert_attr(root, "failures", pass ? "5" : "3");
		assert_attr(root, "errors", "1");
		assert_attr(root, "time", "0.123");

		xmlNodePtr suite = next_element(root->children, "testsuite");
		assert_attr(suite, "name", "example.org");
		assert_attr(suite, "tests", "5");
		assert_attr(suite, "failures", pass ? "3" : "2");
		assert_attr(suite, "errors", "0");
		assert_attr(suite, "timestamp", "2026-11-25T10:00:00");

		xmlNodePtr tc = next_element(suite->children, "testcase");
		assert_attr(tc, "classname", "example.org.ns");
		assert_attr(tc, "name", "ns.ok example.org");
		assert_null(next_element(tc->children, NULL)); /* ok: a plain pass */

		tc = next_element(tc->next, "testcase");
		assert_attr(tc, "name", "ttl.too-high www.example.org/A @ns2.example.net/192.0.2.53");
		xmlNodePtr failure = next_element(tc->children, NULL);
		assert_string_equal((const char *)failure->name, "failure");
		assert_attr(failure, "type", "ttl.too-high");
		assert_attr(failure, "message", "TTL 86400 is above 900");
		xmlChar *body = xmlNodeGetContent(failure);
		assert_non_null(strstr((const char *)body, "expected: <= 900\nactual: 86400\n"));
		xmlFree(body);

		/* The warning with markup in its subject and a control character. */
		tc = next_element(tc->next, "testcase");
		tc = next_element(tc->next, "testcase");
		tc = next_element(tc->next, "testcase");
		assert_attr(tc, "name", "ttl.ctl a<b>&c");
		xmlNodePtr child = next_element(tc->children, NULL);
		if (pass) {
			assert_string_equal((const char *)child->name, "failure");
			child = next_element(child->next, NULL);
		}
		assert_string_equal((const char *)child->name, "system-out");
		body = xmlNodeGetContent(child);
		assert_true(strncmp((const char *)body, "warning: bell \xef\xbf\xbd here\nstatus: warn\n",
				    26) == 0);
		assert_non_null(strstr((const char *)body, "message: bell \xef\xbf\xbd here\n"));
		xmlFree(body);

		suite = next_element(suite->next, "testsuite");
		assert_attr(suite, "name", "example.net");
		assert_attr(suite, "errors", "1");
		tc = next_element(suite->children, "testcase");
		tc = next_element(tc->next, "testcase");
		assert_attr(tc, "name", "ns.unreachable example.net @ns3.example.net/192.0.2.99");
		assert_string_equal((const char *)next_element(tc->children, NULL)->name, "error");
		tc = next_element(tc->next, "testcase");
		xmlChar *msg = attr(next_element(tc->children, "failure"), "message");
		/* Markup escaped by libxml2 (newline and tab survive in the attribute); ESC,
		 * which XML 1.0 forbids, became U+FFFD. */
		assert_string_equal((const char *)msg, "got \"v=spf1 +all\" | # not \\ ok\nsecond\tline "
						       "\xe2\x9c\x93 caf\xc3\xa9 \xef\xbf\xbd[31m");
		xmlFree(msg);

		suite = next_element(suite->next, "testsuite");
		assert_attr(suite, "name", "quiet.example");
		assert_attr(suite, "tests", "0");
		assert_null(next_element(suite->next, "testsuite"));

		xmlFreeDoc(doc);
		free(text);
	}
	report_release(&r);
}

/* ---- write errors ---- */

static void test_write_error(void **state)
{
	struct report r;
	struct report_opts o = {.fail_on = STATUS_FAIL, .tool = "cutover 0.1.0"};
	sample_report(&r);

	FILE *full = fopen("/dev/full", "w");
	if (full) {
		for (int fmt = FORMAT_TEXT; fmt <= FORMAT_PROMETHEUS; fmt++)
			assert_int_equal(report_write(&r, (enum report_format)fmt, &o, full), -1);
		fclose(full);
	}
	FILE *ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	assert_int_equal(report_write(&r, FORMAT_JSON, &o, ro), -1);
	fclose(ro);

	/* opts may be NULL: defaults (no colour, fail_on fail, tool "cutover"). */
	FILE *null = fopen("/dev/null", "w");
	assert_non_null(null);
	assert_int_equal(report_write(&r, FORMAT_JSON, NULL, null), 0);
	fclose(null);
	report_release(&r);
}

/* ---- the reporter, driven directly ---- */

#define F(domain, check, code, status, subject, message)                                                     \
	{                                                                                                    \
		(char *)(domain), (char *)(check), (char *)(code), (status), (char *)(subject), NULL,        \
			(char *)(message), NULL, NULL, MARK_NONE                                             \
	}

/* Three domains as a caller streams them: one with a fail, a warn and an ok
 * (in that order of arrival: text sorts them), one without findings, one
 * with an error and an info. */
static const struct finding stream_a[] = {
	F("a.example", "ttl", "ttl.ok", STATUS_OK, "a.example", "TTL 300 <= 900"),
	F("a.example", "ns", "ns.lame", STATUS_FAIL, "a.example", "ns2 is lame"),
	F("a.example", "soa", "soa.timers", STATUS_WARN, "a.example", "refresh is low"),
};
static const struct finding stream_b[] = {
	F("b.example", "ns", "ns.unreachable", STATUS_ERROR, "b.example", "timeout"),
	F("b.example", "ttl", "ttl.no-records", STATUS_INFO, "old.b.example", "no records"),
};

/* The three domains through a reporter in fmt, closed after elapsed 1.5 s;
 * returns the report (the caller frees it). */
static char *stream(enum report_format fmt, enum status fail_on, int interrupted)
{
	struct report_opts o = {.fail_on = fail_on, .tool = "cutover 0.1.0"};
	struct reporter *rp = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(reporter_open(fmt, &o, STARTED, f, &rp), 0);
	assert_non_null(rp);
	assert_int_equal(reporter_domain(rp, "a.example", stream_a, ARRAY_SIZE(stream_a)), 0);
	assert_int_equal(reporter_domain(rp, "empty.example", NULL, 0), 0);
	assert_int_equal(reporter_domain(rp, "b.example", stream_b, ARRAY_SIZE(stream_b)), 0);
	assert_int_equal(reporter_close(rp, 1.5, interrupted), 0);
	reporter_free(rp);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	return buf;
}

static void test_reporter_counts(void **state)
{
	struct report_opts o = {.fail_on = STATUS_WARN, .tool = "t"};
	struct reporter *rp = NULL;
	size_t counts[STATUS_COUNT];
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	assert_int_equal(reporter_open(FORMAT_TAP, &o, STARTED, null, &rp), 0);
	reporter_counts(rp, counts);
	for (int s = 0; s < STATUS_COUNT; s++)
		assert_int_equal(counts[s], 0);
	assert_int_equal(reporter_exit_code(rp), 0);
	assert_int_equal(reporter_domain(rp, "b.example", stream_b + 1, 1), 0);
	assert_int_equal(reporter_exit_code(rp), 0); /* info never fails */
	assert_int_equal(reporter_domain(rp, "empty.example", NULL, 0), 0);
	assert_int_equal(reporter_domain(rp, "a.example", stream_a + 2, 1), 0);
	assert_int_equal(reporter_exit_code(rp), 1); /* warn, fail_on warn */
	assert_int_equal(reporter_domain(rp, "b.example", stream_b, 1), 0);
	assert_int_equal(reporter_exit_code(rp), 3);
	assert_int_equal(reporter_domain(rp, "a.example", stream_a, ARRAY_SIZE(stream_a)), 0);
	assert_int_equal(reporter_exit_code(rp), 2);
	reporter_counts(rp, counts);
	assert_int_equal(counts[STATUS_OK], 1);
	assert_int_equal(counts[STATUS_INFO], 1);
	assert_int_equal(counts[STATUS_WARN], 2);
	assert_int_equal(counts[STATUS_ERROR], 1);
	assert_int_equal(counts[STATUS_FAIL], 1);
	assert_int_equal(reporter_close(rp, 0, 0), 0);
	/* Closed: nothing more goes in, the totals stay. */
	assert_int_equal(reporter_domain(rp, "c.example", NULL, 0), -1);
	assert_int_equal(reporter_close(rp, 0, 0), -1);
	assert_int_equal(reporter_exit_code(rp), 2);
	reporter_free(rp);
	reporter_free(NULL);
	fclose(null);
}

static void test_reporter_json(void **state)
{
	for (int interrupted = 0; interrupted < 2; interrupted++) {
		char *text = stream(FORMAT_JSON, STATUS_FAIL, interrupted);
		json_error_t err;
		json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &err);
		if (!root)
			fail_msg("json does not parse: %s (line %d)\n%s", err.text, err.line, text);

		assert_json_str(root, "status", "fail");
		json_t *domains = json_object_get(root, "domains");
		assert_int_equal(json_array_size(domains), 3);
		assert_string_equal(json_string_value(json_array_get(domains, 0)), "a.example");
		assert_string_equal(json_string_value(json_array_get(domains, 1)), "empty.example");
		assert_string_equal(json_string_value(json_array_get(domains, 2)), "b.example");
		/* Arrival order, domain by domain. */
		json_t *findings = json_object_get(root, "findings");
		static const char *const codes[] = {"ttl.ok", "ns.lame", "soa.timers", "ns.unreachable",
						    "ttl.no-records"};
		assert_int_equal(json_array_size(findings), ARRAY_SIZE(codes));
		for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
			assert_json_str(json_array_get(findings, i), "code", codes[i]);
		json_t *summary = json_object_get(root, "summary");
		assert_int_equal(json_integer_value(json_object_get(summary, "fail")), 1);
		assert_int_equal(json_integer_value(json_object_get(summary, "ok")), 1);

		json_t *flag = json_object_get(root, "interrupted");
		if (interrupted)
			assert_true(json_is_true(flag));
		else
			assert_null(flag);
		/* As jansson would indent it: no line ends in a blank. */
		assert_null(strstr(text, " \n"));
		json_decref(root);
		free(text);
	}
}

static void test_reporter_text(void **state)
{
	char *text = stream(FORMAT_TEXT, STATUS_FAIL, 0);
	const char *a = strstr(text, "a.example  FAIL  1 fail, 1 warn, 1 ok\n");
	const char *empty =
		strstr(text, "\n\nempty.example  OK  no findings\n\nb.example  ERROR  1 error, 1 info\n");
	assert_non_null(a);
	assert_non_null(empty);
	assert_true(a == text && a < empty);
	/* Worst first within a domain, whatever the order of arrival. */
	const char *fail = strstr(a, "  FAIL  ns.lame "), *warn = strstr(a, "  WARN  soa.timers ");
	const char *ok = strstr(a, "  OK    ttl.ok ");
	assert_true(fail && warn && ok && fail < warn && warn < ok && ok < empty);
	/* The columns are the widest of the whole report: b's subject is. */
	assert_non_null(strstr(text, "\n  FAIL  ns.lame         a.example      ns2 is lame\n"));
	assert_non_null(
		strstr(text, "\n\nFAIL: 1 fail, 1 error, 1 warn, 1 info, 1 ok in 3 domains (1.500 s)\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);

	text = stream(FORMAT_TEXT, STATUS_FAIL, 1);
	assert_non_null(strstr(text,
			       "\n\nFAIL: 1 fail, 1 error, 1 warn, 1 info, 1 ok in 3 domains (1.500 s); "
			       "interrupted, later domains were not reported\n"));
	free(text);
}

/* Value columns (report_opts.value_words, cutover compare): expected and
 * actual side by side after their words, cut to 40 characters, no
 * "(expected X, got Y)" after the message; a finding without values leaves
 * the columns blank. */
static void test_text_value_columns(void **state)
{
	(void)state;
	struct report r;
	report_init(&r);
	r.started = STARTED;
	add(&r, "x.example", "compare", "compare.value", STATUS_FAIL, "www.x.example/A", NULL,
	    "the values differ", "192.0.2.10", "198.51.100.10");
	add(&r, "x.example", "compare", "compare.missing", STATUS_FAIL, "k._domainkey.x.example/TXT", NULL,
	    "missing on the new servers",
	    "\"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\"", "(none)");
	add(&r, "x.example", "compare", "compare.inconsistent", STATUS_WARN, "www.x.example/A",
	    "ns2.x.example/192.0.2.2", "the new servers disagree", NULL, NULL);
	struct report_opts o = {.fail_on = STATUS_FAIL, .tool = "cutover", .value_words = {"old", "new"}};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_write(&r, FORMAT_TEXT, &o, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf,
			       "\n  FAIL  compare.value         www.x.example/A                              "
			       "         old: 192.0.2.10                                new: 198.51.100.10  "
			       "the values differ\n"));
	assert_non_null(strstr(buf,
			       "\n  FAIL  compare.missing       k._domainkey.x.example/TXT                   "
			       "         old: \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w...  new: (none)         "
			       "missing on the new servers\n"));
	assert_non_null(strstr(buf,
			       "\n  WARN  compare.inconsistent  www.x.example/A             "
			       "@ns2.x.example/192.0.2.2                                                  "
			       "                   the new servers disagree\n"));
	assert_null(strstr(buf, "(expected"));
	free(buf);
	report_release(&r);
}

static void test_reporter_nagios(void **state)
{
	char *text = stream(FORMAT_NAGIOS, STATUS_FAIL, 0);
	assert_string_equal(text, "CUTOVER CRITICAL - 1 fail, 1 error, 1 warn: ns.lame a.example | ok=1;;;0 "
				  "info=1;;;0 warn=1;;;0 fail=1;;;0 error=1;;;0 time=1.500s\n"
				  "[FAIL] ns.lame a.example: ns2 is lame\n"
				  "[ERROR] ns.unreachable b.example: timeout\n"
				  "[WARN] soa.timers a.example: refresh is low\n"
				  "[INFO] ttl.no-records old.b.example: no records\n");
	free(text);

	text = stream(FORMAT_NAGIOS, STATUS_FAIL, 1);
	char *line = first_line(text);
	assert_string_equal(line,
			    "CUTOVER CRITICAL - 1 fail, 1 error, 1 warn: ns.lame a.example; interrupted, "
			    "later domains were not reported | ok=1;;;0 info=1;;;0 warn=1;;;0 fail=1;;;0 "
			    "error=1;;;0 time=1.500s");
	free(line);
	free(text);

	/* Nothing wrong, but interrupted: what was not checked is unknown, so
	 * the state is UNKNOWN and the exit code 3, and the line says why. */
	struct reporter *rp = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(reporter_open(FORMAT_NAGIOS, NULL, STARTED, f, &rp), 0);
	assert_int_equal(reporter_domain(rp, "a.example", stream_a, 1), 0);
	assert_int_equal(reporter_close(rp, 0.25, 1), 0);
	assert_int_equal(reporter_exit_code(rp), 3);
	reporter_free(rp);
	fclose(f);
	assert_string_equal(buf,
			    "CUTOVER UNKNOWN - 1 ok; 1 domain checked; interrupted, later domains were not "
			    "reported | ok=1;;;0 info=0;;;0 warn=0;;;0 fail=0;;;0 error=0;;;0 time=0.250s\n");
	free(buf);
}

static void test_reporter_junit(void **state)
{
	for (int interrupted = 0; interrupted < 2; interrupted++) {
		char *text = stream(FORMAT_JUNIT, STATUS_WARN, interrupted);
		xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL, XML_PARSE_NONET);
		assert_non_null(doc);
		validate_junit(doc);

		xmlNodePtr root = xmlDocGetRootElement(doc);
		assert_attr(root, "tests", "5");
		assert_attr(root, "failures", "2"); /* fail, and warn with fail_on warn */
		assert_attr(root, "errors", "1");
		assert_attr(root, "time", "1.500");
		xmlNodePtr suite = next_element(root->children, "testsuite");
		assert_attr(suite, "name", "a.example");
		assert_attr(suite, "tests", "3");
		assert_attr(suite, "failures", "2");
		suite = next_element(suite->next, "testsuite");
		assert_attr(suite, "name", "empty.example");
		assert_attr(suite, "tests", "0");
		assert_null(next_element(suite->children, NULL));
		suite = next_element(suite->next, "testsuite");
		assert_attr(suite, "name", "b.example");
		assert_attr(suite, "errors", "1");
		assert_null(next_element(suite->next, "testsuite"));

		/* The interruption is a comment: the schema has no place for it. */
		xmlNodePtr comment = NULL;
		for (xmlNodePtr n = root->children; n; n = n->next)
			if (n->type == XML_COMMENT_NODE)
				comment = n;
		if (interrupted) {
			assert_non_null(comment);
			assert_non_null(strstr((const char *)comment->content, "interrupted"));
		} else {
			assert_null(comment);
		}
		/* Indented as one writer would have: suites two spaces in. */
		assert_non_null(strstr(text, "\">\n  <testsuite name=\"a.example\""));
		assert_non_null(strstr(text, "\n  </testsuite>\n  <testsuite name=\"empty.example\""));
		xmlFreeDoc(doc);
		free(text);
	}

	/* No domain at all, interrupted: still a valid document. */
	struct reporter *rp = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(reporter_open(FORMAT_JUNIT, NULL, STARTED, f, &rp), 0);
	assert_int_equal(reporter_close(rp, 0, 1), 0);
	reporter_free(rp);
	fclose(f);
	xmlDocPtr doc = xmlReadMemory(buf, (int)len, "junit.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	validate_junit(doc);
	assert_attr(xmlDocGetRootElement(doc), "tests", "0");
	xmlFreeDoc(doc);
	free(buf);
}

static void test_reporter_tap(void **state)
{
	char *text = stream(FORMAT_TAP, STATUS_FAIL, 0);
	/* Numbered across domains, the plan last. */
	assert_true(strncmp(text,
			    "TAP version 13\nok 1 - ttl.ok a.example: TTL 300 <= 900\nnot ok 2 - ns.lame ",
			    70) == 0);
	assert_non_null(strstr(text, "\nnot ok 4 - ns.unreachable b.example: timeout\n"));
	assert_non_null(strstr(text, "\nok 5 - ttl.no-records old.b.example: no records\n"));
	assert_int_equal(count_lines_starting(text, "1.."), 1);
	assert_int_equal(strcmp(text + strlen(text) - 5, "1..5\n"), 0);
	free(text);

	text = stream(FORMAT_TAP, STATUS_FAIL, 1);
	const char *plan = strstr(text, "\n1..5\nBail out! interrupted, later domains were not reported\n");
	assert_non_null(plan);
	assert_int_equal(strlen(plan),
			 strlen("\n1..5\nBail out! interrupted, later domains were not reported\n"));
	free(text);
}

/* The metric name of a sample line, in buf. */
static const char *metric_name(const char *line, char buf[64])
{
	size_t n = strcspn(line, "{ \n");
	assert_true(n < 64);
	memcpy(buf, line, n);
	buf[n] = '\0';
	return buf;
}

/* Every family's samples are contiguous and follow its # TYPE line. */
static void assert_prom_contiguous(const char *text)
{
	char names[16][64], name[64];
	size_t n_names = 0;
	const char *typed = "";

	for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "# TYPE ", 7) == 0) {
			metric_name(p + 7, name);
			for (size_t i = 0; i < n_names; i++)
				assert_string_not_equal(names[i], name);
			assert_true(n_names < 16);
			memcpy(names[n_names++], name, sizeof(name));
			typed = names[n_names - 1];
		} else if (*p != '#') {
			assert_string_equal(metric_name(p, name), typed);
		}
	}
}

static void test_reporter_prometheus(void **state)
{
	char *text = stream(FORMAT_PROMETHEUS, STATUS_FAIL, 0);
	assert_prom_contiguous(text);
	assert_int_equal(count_lines_starting(text, "cutover_findings{"), 15);
	assert_non_null(strstr(text, "\ncutover_findings{domain=\"empty.example\",status=\"ok\"} 0\n"));
	assert_non_null(strstr(text, "\ncutover_status{domain=\"a.example\"} 4\n"
				     "cutover_status{domain=\"empty.example\"} 0\n"
				     "cutover_status{domain=\"b.example\"} 3\n"));
	assert_int_equal(count_lines_starting(text, "cutover_finding{"), 4);
	assert_null(strstr(text, "interrupted"));
	free(text);

	text = stream(FORMAT_PROMETHEUS, STATUS_FAIL, 1);
	assert_prom_contiguous(text);
	assert_non_null(strstr(text, "\n# TYPE cutover_run_interrupted gauge\ncutover_run_interrupted 1\n"));
	free(text);
}

static void test_reporter_errors(void **state)
{
	struct reporter *rp = (struct reporter *)&rp;
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	errno = 0;
	assert_int_equal(reporter_open((enum report_format)99, NULL, STARTED, null, &rp), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(rp);
	assert_int_equal(reporter_open(FORMAT_JSON, NULL, STARTED, NULL, &rp), -1);

	/* A format that streams finds a write error at the domain that hit it;
	 * after that the reporter refuses everything. */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		assert_int_equal(reporter_open(FORMAT_JSON, NULL, STARTED, full, &rp), 0);
		assert_int_equal(reporter_domain(rp, "a.example", stream_a, ARRAY_SIZE(stream_a)), -1);
		assert_int_equal(reporter_domain(rp, "b.example", stream_b, ARRAY_SIZE(stream_b)), -1);
		assert_int_equal(reporter_close(rp, 0, 0), -1);
		reporter_free(rp);
		/* One that spools finds it at close. */
		assert_int_equal(reporter_open(FORMAT_JUNIT, NULL, STARTED, full, &rp), 0);
		assert_int_equal(reporter_domain(rp, "a.example", stream_a, ARRAY_SIZE(stream_a)), 0);
		assert_int_equal(reporter_close(rp, 0, 0), -1);
		reporter_free(rp);
		fclose(full);
	}

	/* Spools go to TMPDIR: where it cannot write, a spooling format cannot
	 * start and says why; tap, which spools nothing, can. */
	char *saved = getenv("TMPDIR") ? xstrdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", "/nonexistent/cutover-test", 1);
	errno = 0;
	assert_int_equal(reporter_open(FORMAT_NAGIOS, NULL, STARTED, null, &rp), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(rp);
	assert_int_equal(reporter_open(FORMAT_TAP, NULL, STARTED, null, &rp), 0);
	assert_int_equal(reporter_close(rp, 0, 0), 0);
	reporter_free(rp);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	fclose(null);
}

/* ---- html ---- */

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* s cleaned as HTML, as a string the caller frees. */
static char *html_clean(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	report_add_clean(&sb, s, REPORT_CLEAN_HTML);
	return sb_detach(&sb);
}

static void expect_html(const char *in, const char *want)
{
	char *got = html_clean(in);
	assert_string_equal(got ? got : "", want);
	free(got);
}

/* What a TXT record, a server's message or a name can carry never becomes
 * markup: every character that means something to HTML is a reference,
 * bytes that are not UTF-8 and noncharacters are U+FFFD, control
 * characters are shown, line ends are spaces. */
static void test_html_escape(void **state)
{
	expect_html("<script>alert(\"x\")</script>", "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	expect_html("a & b's <b>", "a &amp; b&#39;s &lt;b&gt;");
	expect_html("\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)");
	expect_html("&lt;", "&amp;lt;"); /* a reference in the data stays text */
	expect_html("<!-- -->", "&lt;!-- --&gt;");
	expect_html("</textarea><img src=x onerror=alert(1)>",
		    "&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;");
	/* invalid UTF-8: a stray continuation byte, an overlong '<', a lone
	 * surrogate, a sequence cut short */
	expect_html("a\x80"
		    "b",
		    "a" REPLACEMENT "b");
	expect_html("\xc0\xbcscript", REPLACEMENT REPLACEMENT "script");
	expect_html("\xed\xa0\x80", REPLACEMENT REPLACEMENT REPLACEMENT);
	expect_html("caf\xc3", "caf" REPLACEMENT);
	/* noncharacters are HTML parse errors */
	expect_html("x\xef\xbf\xbe\xef\xb7\x90y", "x" REPLACEMENT REPLACEMENT "y");
	/* control characters: shown, never passed (ESC, DEL, C1 NEL); line
	 * ends and tabs are spaces */
	expect_html("\x1b[31mred\x7f\xc2\x85", "\\x1b[31mred\\x7f\\x85");
	expect_html("one\ntwo\r\tthree", "one two  three");
	/* text that is fine stays as it is */
	expect_html("b\xc3\xbc"
		    "cher.test \xe2\x9c\x93",
		    "b\xc3\xbc"
		    "cher.test \xe2\x9c\x93");
	expect_html(NULL, "");
}

/* The sections of an html report in the order they appear, by domain
 * name, joined by spaces. */
static char *html_domain_order(const char *html)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = html; (p = strstr(p, "<h2>")); p++) {
		const char *name = strstr(p, "<span class=\"mono\">");
		assert_non_null(name);
		name += strlen("<span class=\"mono\">");
		const char *end = strchr(name, '<');
		assert_non_null(end);
		sb_adds(&sb, sb.len ? " " : "");
		sb_add(&sb, name, (size_t)(end - name));
	}
	return sb_detach(&sb);
}

/* Domains worst first (fail, error, warn, info, ok), each in input order
 * within its rank; each domain's findings worst first; everything from the
 * findings escaped; the totals, the tool, the start; the partial banner
 * only when interrupted; baseline marks; compare's words for the values. */
static void test_reporter_html(void **state)
{
	struct finding a[] = {F("a.example", "ttl", "ttl.inconsistent", STATUS_WARN, "a.example", "warned")};
	struct finding b[] = {F("b.example", "ns", "ns.ok", STATUS_OK, "b.example", "fine"),
			      F("b.example", "ns", "ns.lame", STATUS_FAIL, "b.example", "lame")};
	struct finding d[] = {F("d.example", "ns", "ns.unreachable", STATUS_ERROR, "d.example", "timeout")};
	struct finding e[] = {
		F("e.example", "ttl", "ttl.no-records", STATUS_INFO, "old.e.example", "none"),
		F("e.example", "record", "record.mismatch", STATUS_FAIL,
		  "<script>alert(1)</script>.e.example", NASTY_MESSAGE),
	};
	e[1].actual = "\"<script>document.title='pwned'</script>\"";
	e[1].expected = "\"v=spf1 -all\"";
	struct report_opts o = {.fail_on = STATUS_FAIL, .tool = "cutover 0.1.0"};
	char *buf = NULL, *order = NULL;
	size_t len = 0;
	struct reporter *rp = NULL;

	for (int interrupted = 0; interrupted < 2; interrupted++) {
		FILE *f = open_memstream(&buf, &len);
		assert_non_null(f);
		assert_int_equal(reporter_open(FORMAT_HTML, &o, STARTED, f, &rp), 0);
		assert_int_equal(reporter_domain(rp, "a.example", a, ARRAY_SIZE(a)), 0);
		assert_int_equal(reporter_domain(rp, "b.example", b, ARRAY_SIZE(b)), 0);
		assert_int_equal(reporter_domain(rp, "c.example", NULL, 0), 0);
		assert_int_equal(reporter_domain(rp, "d.example", d, ARRAY_SIZE(d)), 0);
		assert_int_equal(reporter_domain(rp, "e.example", e, ARRAY_SIZE(e)), 0);
		assert_int_equal(reporter_close(rp, 1.5, interrupted), 0);
		reporter_free(rp);
		assert_int_equal(fclose(f), 0);

		order = html_domain_order(buf);
		assert_string_equal(order, "b.example e.example d.example a.example c.example");
		free(order);
		assert_true(strncmp(buf, "<!DOCTYPE html>\n", 16) == 0);
		assert_non_null(strstr(buf, "<title>cutover report, 2026-11-25T10:00:00Z</title>"));
		assert_non_null(
			strstr(buf, "cutover 0.1.0; started <time datetime=\"2026-11-25T10:00:00Z\">"));
		assert_non_null(strstr(buf, "took 1.500 s; 5 domains"));
		/* the totals: 2 fail, 1 error, 1 warn, 1 info, 1 ok */
		assert_non_null(strstr(buf, "<td class=\"num\">2</td><td class=\"num\">1</td><td "
					    "class=\"num\">1</td><td class=\"num\">1</td><td "
					    "class=\"num\">1</td><td class=\"num\">5</td>"));
		/* b: fail before ok; e: fail before info */
		assert_true(strstr(buf, "ns.lame") < strstr(buf, "ns.ok"));
		assert_true(strstr(buf, "record.mismatch") < strstr(buf, "ttl.no-records"));
		assert_non_null(strstr(buf, "<section class=\"domain\" id=\"d3\" data-worst=\"ok\">"));
		assert_non_null(strstr(buf, "<tr class=\"r-fail\" data-status=\"fail\">"));
		/* one script: the page's own; the findings' markup is text */
		assert_int_equal(count_substr(buf, "<script"), 1);
		assert_non_null(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt;.e.example"));
		assert_non_null(strstr(buf,
				       "&quot;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"
				       "&quot;"));
		assert_non_null(strstr(buf, "got &quot;v=spf1 +all&quot; | # not \\ ok second line"));
		assert_non_null(strstr(buf, "\\x1b[31m"));
		assert_null(strstr(buf, "\x1b"));
		assert_int_equal(count_substr(buf, "class=\"banner\""), (size_t)interrupted);
		if (interrupted)
			assert_non_null(strstr(buf, "Partial report: the run was interrupted, later domains "
						    "were not reported."));
		assert_null(strstr(buf, "<th>baseline</th>"));
		assert_non_null(strstr(buf, "<th>expected</th><th>actual</th>"));
		assert_true(strstr(buf, "</html>\n") == buf + len - 8);
		free(buf);
		buf = NULL;
	}

	/* a baseline's marks, and compare's words for the values */
	b[0].baseline = MARK_UNCHANGED;
	b[1].baseline = MARK_NEW;
	o.baseline = "before.json";
	o.value_words[0] = "old";
	o.value_words[1] = "new";
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(reporter_open(FORMAT_HTML, &o, STARTED, f, &rp), 0);
	assert_int_equal(reporter_domain(rp, "b.example", b, ARRAY_SIZE(b)), 0);
	assert_int_equal(reporter_close(rp, 0, 0), 0);
	reporter_free(rp);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "<th>baseline</th>"));
	assert_non_null(strstr(buf, "<td class=\"mark-new\">new</td>"));
	assert_non_null(strstr(buf, "<td class=\"mark-unchanged\">unchanged</td>"));
	assert_non_null(strstr(buf, "Baseline <span class=\"mono\">before.json</span>: <span "
				    "class=\"mark-new\">1 new</span>, 0 fixed, 1 unchanged"));
	assert_non_null(strstr(buf, "<th>old</th><th>new</th>"));
	free(buf);
}

/* Heap in use does not grow with the number of domains: 50,000 domains of 3
 * findings each, in every format, to /dev/null (spools in TMPDIR). The heap
 * after the first 1,000 domains and after all of them may differ by a few
 * kilobytes at most (what a longer domain name or number needs). Under
 * AddressSanitizer mallinfo2 does not see the heap: fewer domains, for the
 * leak check only. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_SEEN 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_SEEN 0
#endif
#endif
#ifndef HEAP_SEEN
#define HEAP_SEEN 1
#endif
#define MEMORY_DOMAINS (HEAP_SEEN ? 50000 : 2000)
#define MEMORY_WARMUP 1000
#define MEMORY_SLACK 4096

static const char *const formats_for_test[] = {"text", "json",	     "nagios", "junit",
					       "tap",  "prometheus", "html"};

static void test_reporter_memory(void **state)
{
	for (int fmt = FORMAT_TEXT; fmt <= FORMAT_HTML; fmt++) {
		struct report_opts o = {.fail_on = STATUS_WARN, .tool = "cutover 0.1.0"};
		struct reporter *rp = NULL;
		FILE *null = fopen("/dev/null", "w");
		size_t warm = 0, end = 0;

		assert_non_null(null);
		assert_int_equal(reporter_open((enum report_format)fmt, &o, STARTED, null, &rp), 0);
		for (size_t d = 0; d < MEMORY_DOMAINS; d++) {
			char domain[32], subject[48];
			snprintf(domain, sizeof(domain), "d%06zu.example", d);
			snprintf(subject, sizeof(subject), "www.d%06zu.example/A", d);
			struct finding f[3] = {
				F(domain, "ttl", "ttl.too-high", STATUS_FAIL, subject,
				  "TTL 86400 is above 900"),
				F(domain, "ns", "ns.lame", d % 2 ? STATUS_WARN : STATUS_ERROR, domain,
				  "lame"),
				F(domain, "soa", "soa.ok", STATUS_OK, domain, "SOA serial agrees"),
			};
			assert_int_equal(reporter_domain(rp, domain, f, 3), 0);
			if (d + 1 == MEMORY_WARMUP)
				warm = HEAP_SEEN ? mallinfo2().uordblks : 0;
		}
		end = HEAP_SEEN ? mallinfo2().uordblks : 0;
		assert_int_equal(reporter_close(rp, 1.0, 0), 0);
		reporter_free(rp);
		fclose(null);

		if (!HEAP_SEEN)
			continue;
		print_message("%-10s heap in use after %d domains %zu bytes, after %d %zu bytes (%+lld)\n",
			      formats_for_test[fmt], MEMORY_WARMUP, warm, MEMORY_DOMAINS, end,
			      (long long)end - (long long)warm);
		if (end > warm + MEMORY_SLACK)
			fail_msg("%s: the heap grew by %zu bytes from %d to %d domains",
				 formats_for_test[fmt], end - warm, MEMORY_WARMUP, MEMORY_DOMAINS);
	}
}

/* ---- samples for the consumers (REPORT_SAMPLES_DIR) ---- */

static void test_write_samples(void **state)
{
	const char *dir = getenv("REPORT_SAMPLES_DIR");
	/* clang-format off */
	static const struct {
		enum report_format fmt;
		const char *file;
		int color;
	} samples[] = {
		{FORMAT_TEXT, "sample.txt", 0},
		{FORMAT_TEXT, "sample-color.txt", 1},
		{FORMAT_JSON, "sample.json", 0},
		{FORMAT_NAGIOS, "sample.nagios", 0},
		{FORMAT_JUNIT, "sample.xml", 0},
		{FORMAT_TAP, "sample.tap", 0},
		{FORMAT_PROMETHEUS, "sample.prom", 0},
		{FORMAT_HTML, "sample.html", 0},
	};
	/* clang-format on */
	struct report r;

	if (!dir || !*dir)
		skip();
	sample_report(&r);
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		struct report_opts o = {
			.color = samples[i].color, .fail_on = STATUS_FAIL, .tool = "cutover 0.1.0"};
		char *path = xasprintf("%s/%s", dir, samples[i].file);
		FILE *f = fopen(path, "w");
		if (!f)
			fail_msg("cannot write '%s'", path);
		assert_int_equal(report_write(&r, samples[i].fmt, &o, f), 0);
		assert_int_equal(fclose(f), 0);
		free(path);
	}
	report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_status_merge_rank),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_add_copies),
		cmocka_unit_test(test_counts_and_status),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_tap),
		cmocka_unit_test(test_nagios),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_junit_name_reset),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_reporter_counts),
		cmocka_unit_test(test_reporter_json),
		cmocka_unit_test(test_reporter_text),
		cmocka_unit_test(test_text_value_columns),
		cmocka_unit_test(test_reporter_nagios),
		cmocka_unit_test(test_reporter_junit),
		cmocka_unit_test(test_reporter_tap),
		cmocka_unit_test(test_reporter_prometheus),
		cmocka_unit_test(test_reporter_errors),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_reporter_html),
		cmocka_unit_test(test_reporter_memory),
		cmocka_unit_test(test_write_samples),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
