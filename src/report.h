/* Findings, statuses and every output format of a report. */
#ifndef CUTOVER_REPORT_H
#define CUTOVER_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Statuses in rank order: ok < info < warn < error < fail. "error" means could
 * not be determined (a timeout, a server that refused to talk); it ranks above
 * warn because an undetermined gate must not pass, below fail because a
 * proven problem says more. */
enum status { STATUS_OK = 0, STATUS_INFO, STATUS_WARN, STATUS_ERROR, STATUS_FAIL, STATUS_COUNT };

/* "ok", "info", "warn", "error", "fail". */
const char *status_name(enum status s);
/* The worse of two statuses. */
enum status status_merge(enum status a, enum status b);

/* The table of finding codes, made from the one list in src/codes.h (the
 * enum checks use lives there); report.c reads it by name for a finding
 * whose message is NULL. */
struct finding_code {
	const char *code;    /* "ttl.too-high" */
	enum status status;  /* default status */
	const char *summary; /* one line for docs and help */
};
/* The row for code, or NULL when no such code exists. */
const struct finding_code *code_lookup(const char *code);
/* The whole table and its length. */
const struct finding_code *code_table(size_t *n);

/* Where a finding stands against a baseline, an earlier report (cutover
 * check --baseline, a plan gate's baseline:): MARK_NONE without one. */
enum finding_mark { MARK_NONE = 0, MARK_NEW, MARK_UNCHANGED, MARK_FIXED, MARK_COUNT };
/* "new", "unchanged", "fixed"; "" for MARK_NONE (and out of range). */
const char *finding_mark_name(enum finding_mark m);

struct finding {
	char *domain;
	char *check;
	char *code;
	enum status status;
	char *subject; /* owner name and type, or an address; may be NULL */
	char *server;  /* "ns1.example.net/192.0.2.53"; NULL when not server specific */
	char *message;
	char *expected;		    /* may be NULL */
	char *actual;		    /* may be NULL */
	enum finding_mark baseline; /* MARK_NONE unless a baseline marked it */
};

/* A growable list of findings: one domain's, as the audit collects them
 * before handing them to a reporter. */
struct finding_list {
	struct finding *v;
	size_t n;
	size_t alloc;
};

void finding_list_init(struct finding_list *l);
/* Append a copy of f (every string is duplicated; NULL strings stay NULL). */
void finding_list_add(struct finding_list *l, const struct finding *f);
/* Free every finding and the array; l can be reused after finding_list_init. */
void finding_list_release(struct finding_list *l);

enum report_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_NAGIOS,
	FORMAT_JUNIT,
	FORMAT_TAP,
	FORMAT_PROMETHEUS,
	FORMAT_HTML
};
/* Parse a format name; returns 0, or -1 when unknown. */
int report_format_parse(const char *name, enum report_format *out);
/* The name of format i (an enum report_format), or NULL past the last: every
 * name -f takes, for help and shell completion. */
const char *report_format_name(size_t i);

struct report_opts {
	int color;	     /* text: use ANSI colour */
	enum status fail_on; /* STATUS_WARN or STATUS_FAIL */
	const char *tool;    /* "cutover 0.1.0" */
	/* A baseline marks the findings (their .baseline): the file's name as
	 * the reports show it, or NULL for none. Read by reporter_open only. */
	const char *baseline;
	/* --fail-on new: only the findings marked new count for the exit code
	 * (as --fail-on warn would count them), the junit and tap failures and
	 * the nagios state; needs baseline. */
	int fail_on_new;
	/* text: expected and actual as two columns of their own, side by
	 * side, each value after its word ("old: 192.0.2.10", "new:
	 * 198.51.100.10") and cut to the column's width, instead of
	 * "(expected X, got Y)" after the message; NULL: not (`cutover
	 * compare` sets "old" and "new"). Copied by reporter_open. */
	const char *value_words[2];
};

/* A report written as the findings come, one domain at a time, in memory that
 * does not grow with the number of domains: what a format can only write
 * once it knows the totals is spooled to unlinked temporary files in $TMPDIR
 * (else /tmp). See the top of report.c for what each format spools. */
struct reporter;
/* Start a report in fmt on out (not closed by the reporter). opts NULL:
 * no colour, fail_on fail, tool "cutover"; opts->tool is read only here. started is the
 * run's start time (json "started", the junit timestamp, prometheus
 * cutover_last_run_timestamp_seconds). Sets *rp to a reporter the caller
 * frees with reporter_free. Returns 0, or -1 (errno set; *rp NULL). */
int reporter_open(enum report_format fmt, const struct report_opts *opts, time_t started, FILE *out,
		  struct reporter **rp);
/* One domain's findings, complete: called once per domain, in input order
 * (the caller holds back domains that finished early). n may be 0 (the
 * domain still shows, e.g. in json "domains"). f[i].domain should be domain.
 * Nothing of domain or f is kept after the call. Returns 0, or -1 on a write
 * error (after which every call but reporter_free fails). */
int reporter_domain(struct reporter *rp, const char *domain, const struct finding *f, size_t n);
/* Finish: write the totals and trailers and what was spooled. elapsed is the
 * run's duration in seconds. interrupted != 0 when the run was cut short
 * (SIGINT/SIGTERM): the report stays valid for its consumer and says it is
 * partial. Returns 0, or -1 on a write error. Call once; free afterwards. */
int reporter_close(struct reporter *rp, double elapsed, int interrupted);
/* counts[s] = findings of status s reported so far. */
void reporter_counts(const struct reporter *rp, size_t counts[STATUS_COUNT]);
/* The exit code for the findings so far: 2 when a finding failed; 3 when one
 * is error (and none failed); 1 when opts->fail_on is warn and one is warn;
 * else 0. With opts->fail_on_new, the same over the findings marked new
 * alone, warnings included. After reporter_close() of an interrupted run, 3
 * unless a finding (a new one, with fail_on_new) failed (2). */
int reporter_exit_code(const struct reporter *rp);
/* Close the spools and free rp (NULL: nothing). */
void reporter_free(struct reporter *rp);

/* For commands whose reports have a shape of their own (`propagation`):
 * the same cleaning of untrusted text, timestamps and finding objects. */
struct strbuf;
typedef struct json_t json_t;
enum report_clean {
	REPORT_CLEAN_UTF8,   /* valid UTF-8 only */
	REPORT_CLEAN_LINE,   /* one line for a human: no control characters */
	REPORT_CLEAN_NAGIOS, /* a line, and no '|' */
	REPORT_CLEAN_PROM,   /* a Prometheus label value */
	/* HTML text or a quoted attribute value: one line as for
	 * REPORT_CLEAN_LINE, noncharacters as U+FFFD, and & < > " ' as
	 * character references, so nothing from the network is markup */
	REPORT_CLEAN_HTML
};
/* Append s (NULL: nothing) to sb, cleaned for how. */
void report_add_clean(struct strbuf *sb, const char *s, enum report_clean how);
/* ISO 8601 UTC: "2026-11-25T10:00:00Z". */
void report_utc(time_t t, char buf[32]);
/* Decode the code point at s (len > 0 bytes left) into *cp. Returns its
 * length in bytes, or 0 when the bytes there are not valid UTF-8 (overlong
 * forms, surrogates and values above U+10FFFF included). */
size_t report_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* A JSON string of s made valid UTF-8, or NULL (out of memory). */
json_t *report_json_string(const char *s);
/* A finding as the json report writes it, or NULL. */
json_t *report_json_finding(const struct finding *f);
/* The finding's message, or its code's summary when it has none. */
const char *report_finding_message(const struct finding *f);

#endif
