/* Unit tests for src/baseline.c (reading a report back, keys, marking) and
 * for what the reports (src/report.c) make of marked findings: the json
 * fields, the text column, --fail-on new in the exit code, the nagios state,
 * junit (against tests/junit/junit.xsd), tap and prometheus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "baseline.h"
#include "report.h"
#include "util.h"

#define STARTED 1795600800 /* 2026-11-25T10:00:00Z */

static struct finding F(const char *domain, const char *check, const char *code, enum status status,
			const char *subject, const char *server, const char *message) {
	struct finding f = {
		.domain = (char *)domain,
		.check = (char *)check,
		.code = (char *)code,
		.status = status,
		.subject = (char *)subject,
		.server = (char *)server,
		.message = (char *)message,
	};
	return f;
}

/* A report with one finding a line: {"domain": D, ...} objects. */
static const char report_head[] = "{\"version\": 1, \"tool\": \"cutover 0.1.0\", \"findings\": [";
static const char report_tail[] = "], \"domains\": [\"a.test\", \"b.test\"], \"status\": \"fail\"}";

static struct baseline *load_ok(const char *findings)
{
	char *text = xasprintf("%s%s%s", report_head, findings, report_tail);
	struct baseline *b = NULL;
	char err[512] = "";
	int rc = baseline_load_string(text, strlen(text), "base.json", &b, err, sizeof(err));
	if (rc != 0)
		fail_msg("baseline_load_string: %s", err);
	assert_non_null(b);
	free(text);
	return b;
}

/* The error a text gives (a new string in a static buffer). */
static const char *load_err(const char *text)
{
	static char err[512];
	struct baseline *b = (struct baseline *)1;
	err[0] = '\0';
	assert_int_equal(baseline_load_string(text, strlen(text), "base.json", &b, err, sizeof(err)), -1);
	assert_null(b);
	return err;
}

/* "CODE SUBJECT MARK STATUS" of each finding, one a line. */
static char *marks_of(const struct finding_list *l)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < l->n; i++)
		sb_addf(&sb, "%s %s %s %s\n", l->v[i].code, l->v[i].subject ? l->v[i].subject : "-",
			finding_mark_name(l->v[i].baseline), status_name(l->v[i].status));
	return sb_detach(&sb);
}

static void add(struct finding_list *l, struct finding f)
{
	finding_list_add(l, &f);
}

/* Mark l's findings as of domain and compare them with want (marks_of()). */
static void expect_marks(struct baseline *b, const char *domain, struct finding_list *l, const char *want)
{
	baseline_mark(b, domain, l);
	char *got = marks_of(l);
	assert_string_equal(got, want);
	free(got);
}

/* The report of n findings of one domain in fmt, closed after 0.25 s (not
 * interrupted); *rc its exit code (when rc is not NULL). */
static char *write_report(enum report_format fmt, const struct report_opts *o, const char *domain,
			  const struct finding *f, size_t n, int *rc)
{
	struct reporter *rp = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(reporter_open(fmt, o, STARTED, out, &rp), 0);
	assert_int_equal(reporter_domain(rp, domain, f, n), 0);
	assert_int_equal(reporter_close(rp, 0.25, 0), 0);
	if (rc)
		*rc = reporter_exit_code(rp);
	reporter_free(rp);
	assert_int_equal(fclose(out), 0);
	assert_non_null(buf);
	return buf;
}

#define BASE_FINDINGS                                                                                        \
	"{\"domain\": \"a.test\", \"check\": \"ttl\", \"code\": \"ttl.too-high\", \"status\": \"fail\","     \
	" \"subject\": \"a.test/A\", \"server\": \"ns1/192.0.2.1\", \"message\": \"TTL 86400 is above "      \
	"900\","                                                                                             \
	" \"expected\": \"<= 900\", \"actual\": \"86400\"},"                                                 \
	"{\"domain\": \"a.test\", \"check\": \"ttl\", \"code\": \"ttl.too-high\", \"status\": \"fail\","     \
	" \"subject\": \"www.a.test/A\", \"server\": \"ns1/192.0.2.1\", \"message\": \"TTL 3600 is above "   \
	"900\", \"expected\": \"<= 900\", \"actual\": \"3600\"},"                                            \
	"{\"domain\": \"a.test\", \"check\": \"soa\", \"code\": \"soa.ok\", \"status\": \"ok\","             \
	" \"subject\": \"a.test/SOA\", \"message\": \"serial 1\"},"                                          \
	"{\"domain\": \"a.test\", \"check\": \"ns\", \"code\": \"ns.ok\", \"status\": \"ok\","               \
	" \"subject\": \"a.test\", \"message\": \"ok\"},"                                                    \
	"{\"domain\": \"a.test\", \"check\": \"soa\", \"code\": \"soa.timers\", \"status\": \"warn\","       \
	" \"subject\": \"a.test/SOA\", \"message\": \"refresh low\"},"                                       \
	"{\"domain\": \"b.test\", \"check\": \"ns\", \"code\": \"ns.lame\", \"status\": \"fail\","           \
	" \"subject\": \"b.test\", \"server\": \"ns2/192.0.2.2\", \"message\": \"lame\"}"

/* new, unchanged and fixed over one domain; the other domain left alone. */
static void test_mark(void **state)
{
	(void)state;
	struct baseline *b = load_ok(BASE_FINDINGS);
	struct finding_list l;

	assert_int_equal(baseline_count(b), 6);
	finding_list_init(&l);
	/* the apex still too high (another message: not in the key), www fixed,
	 * MX new; soa.ok with another serial unchanged, ns.ok gone (an ok is
	 * never repeated), soa.timers now fail (fixed at warn, new at fail) */
	add(&l, F("a.test", "ttl", "ttl.too-high", STATUS_FAIL, "a.test/A", "ns1/192.0.2.1", "TTL 7200"));
	add(&l, F("a.test", "ttl", "ttl.too-high", STATUS_FAIL, "a.test/MX", "ns1/192.0.2.1", "TTL 7200"));
	add(&l, F("a.test", "soa", "soa.ok", STATUS_OK, "a.test/SOA", NULL, "serial 2"));
	add(&l, F("a.test", "soa", "soa.timers", STATUS_FAIL, "a.test/SOA", NULL, "refresh very low"));
	expect_marks(b, "a.test", &l,
		     "ttl.too-high a.test/A unchanged fail\n"
		     "ttl.too-high a.test/MX new fail\n"
		     "soa.ok a.test/SOA unchanged ok\n"
		     "soa.timers a.test/SOA new fail\n"
		     "ttl.too-high www.a.test/A fixed info\n"
		     "soa.timers a.test/SOA fixed info\n");

	/* a fixed finding carries what the baseline said */
	const struct finding *fx = &l.v[4];
	assert_string_equal(fx->domain, "a.test");
	assert_string_equal(fx->check, "ttl");
	assert_string_equal(fx->server, "ns1/192.0.2.1");
	assert_string_equal(fx->expected, "<= 900");
	assert_string_equal(fx->actual, "3600");
	assert_string_equal(fx->message, "in the baseline (fail), no longer found: TTL 3600 is above 900");
	assert_string_equal(l.v[5].message, "in the baseline (warn), no longer found: refresh low");
	assert_null(l.v[5].server);
	finding_list_release(&l);

	/* b.test: nothing found now, its problem fixed; a domain the baseline
	 * does not have: everything new, nothing fixed */
	finding_list_init(&l);
	expect_marks(b, "b.test", &l, "ns.lame b.test fixed info\n");
	finding_list_release(&l);
	finding_list_init(&l);
	add(&l, F("c.test", "ns", "ns.lame", STATUS_FAIL, "c.test", NULL, "lame"));
	expect_marks(b, "c.test", &l, "ns.lame c.test new fail\n");
	finding_list_release(&l);
	baseline_free(b);
}

/* Marking a domain again (a gate checked once more) starts afresh; the
 * domain is compared as reports write it. */
static void test_mark_again(void **state)
{
	(void)state;
	struct baseline *b = load_ok(BASE_FINDINGS);
	/* the fuzzer's first find: "b.test.." was one dot short of the form */
	static const char *const as_given[] = {"b.test", "b.test", "B.Test.", "b.test.."};
	for (size_t round = 0; round < ARRAY_SIZE(as_given); round++) {
		struct finding_list l;
		finding_list_init(&l);
		add(&l, F("b.test", "ns", "ns.lame", STATUS_FAIL, "b.test", "ns2/192.0.2.2", "lame"));
		expect_marks(b, as_given[round], &l, "ns.lame b.test unchanged fail\n");
		finding_list_release(&l);
	}
	baseline_free(b);
}

/* Keys with a NULL subject or server: NULL matches only a finding without
 * one, never "" or another split of the same bytes. */
static void test_null_keys(void **state)
{
	(void)state;
	struct baseline *b = load_ok(
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.none\", \"status\": \"fail\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.empty\", \"status\": \"fail\","
		" \"subject\": \"\", \"server\": \"\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.split\", \"status\": \"fail\","
		" \"subject\": \"ab\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.server\", \"status\": \"fail\","
		" \"server\": \"ns1\"}");
	struct finding_list l;
	finding_list_init(&l);
	add(&l, F("a.test", "x", "c.none", STATUS_FAIL, NULL, NULL, "m"));
	add(&l, F("a.test", "x", "c.empty", STATUS_FAIL, NULL, NULL, "m"));
	add(&l, F("a.test", "x", "c.split", STATUS_FAIL, "a", "b", "m"));
	add(&l, F("a.test", "x", "c.server", STATUS_FAIL, NULL, "ns1", "m"));
	add(&l, F("a.test", "x", "c.none", STATUS_FAIL, "", NULL, "m"));
	expect_marks(b, "a.test", &l,
		     "c.none - unchanged fail\n"
		     "c.empty - new fail\n"
		     "c.split a new fail\n"
		     "c.server - unchanged fail\n"
		     "c.none  new fail\n"
		     "c.empty  fixed info\n"
		     "c.split ab fixed info\n");
	assert_null(l.v[5].expected);
	assert_string_equal(l.v[5].server, "");
	finding_list_release(&l);
	baseline_free(b);
}

/* Each finding of the baseline matches one finding of the run. */
static void test_duplicates(void **state)
{
	(void)state;
	struct baseline *b = load_ok(
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.one\", \"status\": \"warn\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.two\", \"status\": \"warn\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.two\", \"status\": \"warn\"}");
	struct finding_list l;
	finding_list_init(&l);
	add(&l, F("a.test", "x", "c.one", STATUS_WARN, NULL, NULL, "m"));
	add(&l, F("a.test", "x", "c.one", STATUS_WARN, NULL, NULL, "m"));
	add(&l, F("a.test", "x", "c.two", STATUS_WARN, NULL, NULL, "m"));
	expect_marks(b, "a.test", &l,
		     "c.one - unchanged warn\n"
		     "c.one - new warn\n"
		     "c.two - unchanged warn\n"
		     "c.two - fixed info\n");
	finding_list_release(&l);
	baseline_free(b);
}

/* A marked report as baseline: its fixed findings are not findings of the
 * run that wrote it; its new and unchanged ones are. */
static void test_marked_report(void **state)
{
	(void)state;
	struct baseline *b = load_ok(
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.gone\", \"status\": \"info\","
		" \"baseline\": \"fixed\", \"message\": \"in the baseline (fail), no longer found: m\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.kept\", \"status\": \"fail\","
		" \"baseline\": \"unchanged\"},"
		"{\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c.new\", \"status\": \"fail\","
		" \"baseline\": \"new\"}");
	assert_int_equal(baseline_count(b), 2);
	struct finding_list l;
	finding_list_init(&l);
	add(&l, F("a.test", "x", "c.kept", STATUS_FAIL, NULL, NULL, "m"));
	expect_marks(b, "a.test", &l, "c.kept - unchanged fail\nc.new - fixed info\n");
	finding_list_release(&l);
	baseline_free(b);
}

/* What a reporter writes as json reads back as a baseline that finds every
 * one of those findings unchanged: bytes that are not UTF-8 (cleaned in the
 * report) and an internationalised domain included. */
static void test_round_trip(void **state)
{
	(void)state;
	struct finding f[] = {
		F("xn--bcher-kva.test", "ns", "ns.ok", STATUS_OK, NULL, NULL, "ok"),
		F("xn--bcher-kva.test", "record", "record.mismatch", STATUS_FAIL, "bad\xff\xfename.test/TXT",
		  "ns1.test/192.0.2.1", "mismatch"),
		F("xn--bcher-kva.test", "record", "record.mismatch", STATUS_FAIL, "bad\xff\xfename.test/TXT",
		  "ns1.test/192.0.2.1", "mismatch"),
		F("xn--bcher-kva.test", "zz", "zz.unknown-code", STATUS_WARN, "", "", NULL),
	};
	struct report_opts o = {.fail_on = STATUS_FAIL, .tool = "cutover 0.1.0"};
	char err[512] = "";
	char *buf = write_report(FORMAT_JSON, &o, "xn--bcher-kva.test", f, ARRAY_SIZE(f), NULL);

	struct baseline *b = NULL;
	if (baseline_load_string(buf, strlen(buf), "saved.json", &b, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(baseline_count(b), ARRAY_SIZE(f));
	struct finding_list l;
	finding_list_init(&l);
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		finding_list_add(&l, &f[i]);
	baseline_mark(b, "xn--bcher-kva.test", &l);
	assert_int_equal(l.n, ARRAY_SIZE(f));
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.v[i].baseline, MARK_UNCHANGED);
	finding_list_release(&l);
	baseline_free(b);
	free(buf);
}

/* Files that are not such a report: each error names the file and says
 * what is wrong, with jansson's line and column for bad JSON. */
static void test_bad_reports(void **state)
{
	(void)state;
	assert_string_equal(load_err("{\"version\": 1,\n  \"findings\": [}"),
			    "base.json:2:16: not JSON: unexpected token near '}'");
	assert_string_equal(load_err(""), "base.json:1:0: not JSON: '[' or '{' expected near end of file");
	assert_string_equal(load_err("[1, 2]"),
			    "base.json: not a report of cutover check: the top level is a "
			    "list, not an object");
	assert_string_equal(load_err("{\"findings\": [], \"domains\": []}"),
			    "base.json: not a report of cutover check: no \"version\"");
	assert_string_equal(load_err("{\"version\": 2, \"findings\": [], \"domains\": []}"),
			    "base.json: not a report of cutover check: \"version\" is not 1");
	assert_string_equal(load_err("{\"version\": 1, \"domains\": []}"),
			    "base.json: not a report of cutover check: no \"findings\" list");
	/* cutover propagation -f json: findings, no domains */
	assert_string_equal(load_err("{\"version\": 1, \"name\": \"www.a.test\", \"findings\": []}"),
			    "base.json: not a report of cutover check: no \"domains\" list");
	assert_string_equal(load_err("{\"version\": 1, \"domains\": [], \"findings\": [{\"domain\": \"a\", "
				     "\"check\": \"x\", \"code\": \"c\", \"status\": \"ok\"}, 7]}"),
			    "base.json: finding 2: not an object");
	assert_string_equal(load_err("{\"version\": 1, \"domains\": [], \"findings\": [{\"domain\": \"a\", "
				     "\"check\": \"x\", \"status\": \"ok\"}]}"),
			    "base.json: finding 1: no \"code\"");
	assert_string_equal(load_err("{\"version\": 1, \"domains\": [], \"findings\": [{\"domain\": \"a\", "
				     "\"check\": \"x\", \"code\": \"c\", \"status\": \"bad\"}]}"),
			    "base.json: finding 1: \"status\" is 'bad', not ok, info, warn, error or fail");
	assert_string_equal(
		load_err("{\"version\": 1, \"domains\": [], \"findings\": [{\"domain\": \"a\", "
			 "\"check\": \"x\", \"code\": \"c\", \"status\": \"ok\", \"subject\": 7}]}"),
		"base.json: finding 1: \"subject\" is not a string");
	assert_string_equal(
		load_err("{\"version\": 1, \"domains\": [], \"findings\": [{\"domain\": \"a\", "
			 "\"check\": \"x\", \"code\": \"c\", \"status\": \"ok\", \"baseline\": \"old\"}]}"),
		"base.json: finding 1: \"baseline\" is 'old', not new, unchanged or fixed");
	/* a key twice: not what cutover writes */
	assert_string_equal(load_err("{\"version\": 1, \"version\": 1, \"domains\": [], \"findings\": []}"),
			    "base.json:1:24: not JSON: duplicate object key near '\"version\"'");
}

static void test_bad_files(void **state)
{
	(void)state;
	char err[512];
	struct baseline *b = NULL;
	assert_int_equal(baseline_load("/nonexistent/base.json", &b, err, sizeof(err)), -1);
	assert_null(b);
	assert_string_equal(err, "cannot open '/nonexistent/base.json': No such file or directory");
	assert_int_equal(baseline_load("/", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "'/' is a directory, not a report");

	char path[] = "/tmp/test_baseline.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] =
		"{\"version\": 1, \"domains\": [\"a.test\"],\n \"findings\": [\n"
		"  {\"domain\": \"a.test\", \"check\": \"x\", \"code\": \"c\", \"status\": \"fail\"}\n"
		"]}\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(baseline_load(path, &b, err, sizeof(err)), 0);
	assert_int_equal(baseline_count(b), 1);
	baseline_free(b);
	/* bad JSON in a file: its name, line and column */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\n\n  \"version\" 1}", 17), 17);
	close(fd);
	assert_int_equal(baseline_load(path, &b, err, sizeof(err)), -1);
	char *want = xasprintf("%s:3:13: not JSON: ':' expected near '1'", path);
	assert_string_equal(err, want);
	free(want);
	unlink(path);
}

/* ---- reports of marked findings ---- */

/* a.test: an unchanged fail, a new warn, a new ok, a fixed one */
static struct finding marked[4];

static void marked_init(void)
{
	marked[0] = F("a.test", "ttl", "ttl.too-high", STATUS_FAIL, "a.test/A", "ns1/192.0.2.1", "TTL 86400");
	marked[0].baseline = MARK_UNCHANGED;
	marked[1] = F("a.test", "soa", "soa.timers", STATUS_WARN, "a.test/SOA", NULL, "refresh low");
	marked[1].baseline = MARK_NEW;
	marked[2] = F("a.test", "ns", "ns.ok", STATUS_OK, "a.test", NULL, "2 servers");
	marked[2].baseline = MARK_NEW;
	marked[3] = F("a.test", "ttl", "ttl.too-high", STATUS_INFO, "www.a.test/A", "ns1/192.0.2.1",
		      "in the baseline (fail), no longer found: TTL 3600");
	marked[3].baseline = MARK_FIXED;
}

/* The marked findings (n of them) through a reporter; *rc the exit code. */
static char *report(enum report_format fmt, int fail_on_new, enum status fail_on, size_t n, int *rc)
{
	struct report_opts o = {.fail_on = fail_on,
				.tool = "cutover 0.1.0",
				.baseline = "base.json",
				.fail_on_new = fail_on_new};
	marked_init();
	return write_report(fmt, &o, "a.test", marked, n, rc);
}

static void test_report_json(void **state)
{
	(void)state;
	int rc;
	char *text = report(FORMAT_JSON, 0, STATUS_FAIL, 4, &rc);
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr);
	assert_non_null(root);
	json_t *fs = json_object_get(root, "findings");
	static const char *const want[] = {"unchanged", "new", "new", "fixed"};
	assert_int_equal(json_array_size(fs), 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(fs, i), "baseline")),
				    want[i]);
	json_t *bl = json_object_get(root, "baseline");
	assert_string_equal(json_string_value(json_object_get(bl, "file")), "base.json");
	assert_int_equal(json_integer_value(json_object_get(bl, "new")), 2);
	assert_int_equal(json_integer_value(json_object_get(bl, "fixed")), 1);
	assert_int_equal(json_integer_value(json_object_get(bl, "unchanged")), 1);
	/* "baseline" follows "status" */
	assert_non_null(strstr(text, "\"status\": \"fail\",\n      \"baseline\": \"unchanged\","));
	assert_int_equal(rc, 2);
	json_decref(root);
	free(text);
}

static void test_report_text(void **state)
{
	(void)state;
	int rc;
	char *text = report(FORMAT_TEXT, 1, STATUS_WARN, 4, &rc);
	assert_string_equal(text,
			    "a.test  FAIL  1 fail, 1 warn, 1 info, 1 ok; 2 new, 1 fixed\n"
			    "  FAIL         ttl.too-high  a.test/A      @ns1/192.0.2.1  TTL 86400\n"
			    "  WARN  NEW    soa.timers    a.test/SOA                    refresh low\n"
			    "  INFO  FIXED  ttl.too-high  www.a.test/A  @ns1/192.0.2.1  in the baseline "
			    "(fail), no longer found: TTL 3600\n"
			    "  OK    NEW    ns.ok         a.test                        2 servers\n"
			    "\n"
			    "FAIL: 1 fail, 0 error, 1 warn, 1 info, 1 ok in 1 domain (0.250 s); baseline "
			    "base.json: 2 new, 1 fixed, 1 unchanged; new problems: 1 warn\n");
	assert_int_equal(rc, 1);
	free(text);
}

/* --fail-on new: only new findings count, warnings included; an unchanged
 * fail alone passes; nagios says so. */
static void test_fail_on_new(void **state)
{
	(void)state;
	int rc;
	char *text = report(FORMAT_NAGIOS, 1, STATUS_WARN, 1, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "CUTOVER OK - no new problem (unchanged: 1 fail); 1 domain checked; "
				     "baseline base.json: 0 new, 0 fixed, 1 unchanged |"));
	assert_non_null(strstr(text, " new=0;;;0 fixed=0;;;0 unchanged=1;;;0 time="));
	free(text);
	text = report(FORMAT_NAGIOS, 1, STATUS_WARN, 4, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(text, "CUTOVER WARNING - new: 1 warn: soa.timers a.test/SOA; baseline"));
	assert_non_null(strstr(text, "\n[WARN] NEW soa.timers a.test/SOA: refresh low\n"));
	assert_non_null(
		strstr(text, "\n[INFO] FIXED ttl.too-high www.a.test/A @ns1/192.0.2.1: in the baseline"));
	free(text);
	/* without fail_on_new the unchanged fail decides */
	text = report(FORMAT_NAGIOS, 0, STATUS_WARN, 4, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(text, "CUTOVER CRITICAL - 1 fail, 1 warn: ttl.too-high a.test/A; baseline"));
	free(text);

	/* a new error is 3, a new fail 2 */
	struct report_opts o = {.fail_on = STATUS_WARN, .baseline = "b", .fail_on_new = 1};
	struct finding f[2] = {F("a.test", "ns", "ns.unreachable", STATUS_ERROR, "a.test", NULL, "t"),
			       F("a.test", "ns", "ns.lame", STATUS_FAIL, "a.test", NULL, "l")};
	for (int i = 0; i < 4; i++) {
		struct reporter *rp = NULL;
		FILE *out = fopen("/dev/null", "w");
		f[0].baseline = i & 1 ? MARK_NEW : MARK_UNCHANGED;
		f[1].baseline = i & 2 ? MARK_NEW : MARK_UNCHANGED;
		assert_int_equal(reporter_open(FORMAT_TAP, &o, STARTED, out, &rp), 0);
		assert_int_equal(reporter_domain(rp, "a.test", f, 2), 0);
		assert_int_equal(reporter_exit_code(rp), i & 2 ? 2 : i & 1 ? 3 : 0);
		/* interrupted: 3 unless a new finding failed */
		assert_int_equal(reporter_close(rp, 0, 1), 0);
		assert_int_equal(reporter_exit_code(rp), i & 2 ? 2 : 3);
		reporter_free(rp);
		fclose(out);
	}
	/* no baseline: fail_on_new means nothing */
	struct report_opts nob = {.fail_on = STATUS_FAIL, .fail_on_new = 1};
	struct reporter *rp = NULL;
	FILE *out = fopen("/dev/null", "w");
	assert_int_equal(reporter_open(FORMAT_TEXT, &nob, STARTED, out, &rp), 0);
	assert_int_equal(reporter_domain(rp, "a.test", f, 2), 0);
	assert_int_equal(reporter_exit_code(rp), 2);
	reporter_free(rp);
	fclose(out);
}

static void test_report_tap(void **state)
{
	(void)state;
	int rc;
	char *text = report(FORMAT_TAP, 1, STATUS_WARN, 4, &rc);
	assert_non_null(strstr(text, "\nnot ok 1 - ttl.too-high a.test/A (ns1/192.0.2.1): TTL 86400 # TODO "
				     "unchanged since the baseline\n"));
	assert_non_null(strstr(text, "\n  status: fail\n  baseline: unchanged\n"));
	assert_non_null(strstr(text, "\nnot ok 2 - NEW soa.timers a.test/SOA: refresh low\n"));
	assert_non_null(strstr(text, "\nok 3 - NEW ns.ok a.test: 2 servers\n"));
	assert_non_null(strstr(text, "\nok 4 - FIXED ttl.too-high www.a.test/A"));
	free(text);
}

static void test_report_junit(void **state)
{
	(void)state;
	int rc;
	char *text = report(FORMAT_JUNIT, 1, STATUS_WARN, 4, &rc);
	xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "r.xml", NULL, 0);
	assert_non_null(doc);
	xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt("tests/junit/junit.xsd");
	xmlSchemaPtr schema = xmlSchemaParse(pctx);
	assert_non_null(schema);
	xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
	assert_int_equal(xmlSchemaValidateDoc(vctx, doc), 0);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	xmlFreeDoc(doc);
	/* the unchanged fail passes; the new warn is the one failure */
	assert_non_null(strstr(text, "<testsuite name=\"a.test\" tests=\"4\" failures=\"1\" errors=\"0\""));
	assert_non_null(strstr(text, "<system-out>fail, unchanged since the baseline: TTL 86400\n"));
	assert_non_null(strstr(text, "baseline: new\ndomain: a.test\ncheck: soa\n"));
	assert_non_null(strstr(text, "<system-out>baseline: fixed\n</system-out>"));
	/* the test's name is the one it has without a baseline */
	assert_non_null(strstr(text, "name=\"soa.timers a.test/SOA\""));
	free(text);
}

static void test_report_prometheus(void **state)
{
	(void)state;
	int rc;
	char *text = report(FORMAT_PROMETHEUS, 0, STATUS_FAIL, 4, &rc);
	assert_non_null(strstr(text,
			       "cutover_finding{domain=\"a.test\",check=\"soa\",code=\"soa.timers\","
			       "subject=\"a.test/SOA\",server=\"\",status=\"warn\",baseline=\"new\"} 1\n"));
	assert_non_null(strstr(text, "cutover_baseline_findings{mark=\"new\"} 2\n"
				     "cutover_baseline_findings{mark=\"fixed\"} 1\n"
				     "cutover_baseline_findings{mark=\"unchanged\"} 1\n"));
	free(text);
}

/* Without a baseline nothing of it shows. */
static void test_report_unmarked(void **state)
{
	(void)state;
	static const enum report_format fmts[] = {FORMAT_TEXT,	FORMAT_JSON, FORMAT_NAGIOS,
						  FORMAT_JUNIT, FORMAT_TAP,  FORMAT_PROMETHEUS};
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct report_opts o = {.fail_on = STATUS_FAIL};
		struct finding f = F("a.test", "ns", "ns.lame", STATUS_FAIL, "a.test", NULL, "lame");
		char *buf = write_report(fmts[i], &o, "a.test", &f, 1, NULL);
		assert_null(strstr(buf, "baseline"));
		assert_null(strstr(buf, "NEW"));
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_mark_again),
		cmocka_unit_test(test_null_keys),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_marked_report),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_reports),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_text),
		cmocka_unit_test(test_fail_on_new),
		cmocka_unit_test(test_report_tap),
		cmocka_unit_test(test_report_junit),
		cmocka_unit_test(test_report_prometheus),
		cmocka_unit_test(test_report_unmarked),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
