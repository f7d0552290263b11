/* The audit as a non-blocking service: audit_start() checks one target
 * against rule sets on the session's loop and calls back with its findings;
 * audit_batch runs many targets, a bounded number at a time, and hands each
 * domain's findings to a reporter in input order as soon as it can. */
#ifndef CUTOVER_AUDIT_H
#define CUTOVER_AUDIT_H

#include <ldns/ldns.h>
#include <stddef.h>

#include "report.h"
#include "resolve.h"
#include "rules.h"

struct session;
struct audit;
struct baseline;

/* The rule sets an audit applies. */
struct audit_rules {
	const struct ruleset *rulesets;
	size_t n_rulesets;
};

/* What one audit found. The callback owns it and frees it with
 * audit_result_free(). */
struct audit_result {
	char *domain; /* as reported: lower case, no trailing dot */
	struct finding *findings;
	size_t n;
};
void audit_result_free(struct audit_result *res);

/* Called once, from the loop, when the audit of a target is complete. */
typedef void (*audit_done_cb)(void *arg, struct audit_result *res);

/* Start auditing target (a domain name as the user wrote it) on the session's
 * loop and return at once; rules must outlive the audit. done runs once, from
 * the loop, never from inside this call. *out (when out is not NULL) is the
 * handle for audit_cancel(), valid until done runs. Returns 0 (an invalid
 * name, too, is reported through done as a finding). */
int audit_start(struct session *s, const struct audit_rules *rules, const char *target, audit_done_cb done,
		void *arg, struct audit **out);
/* Give up on an audit whose done has not run: done will not run, and its
 * memory is freed. What it asked of the engine and the resolver may still be
 * pending and point into it, so this is only for tearing down: the caller
 * closes the session afterwards without running its loop again. */
void audit_cancel(struct audit *a);

/* How far audits' checks have got through what they go over (compare's
 * names), as they say it with ctx_progress(): for a progress line. */
struct audit_items {
	size_t done, total;
};
/* Keep *sum up to date with what job's checks say they got through (added
 * to what is there: one sum can count many audits). sum must outlive the
 * audit. */
void audit_count_items(struct audit *job, struct audit_items *sum);

/* Options of a batch run. */
struct audit_batch_opts {
	unsigned jobs; /* targets in flight at once (default 64) */
	/* check --save: a second reporter (json) handed each domain's findings
	 * as they are, before any baseline marks them; NULL: none. A write
	 * error stops it, not the run: reporter_close() of it says so. */
	struct reporter *save;
	/* check --baseline: marks each domain's findings (baseline_mark())
	 * before rp gets them, the fixed ones added; NULL: none. */
	struct baseline *baseline;
};

/* Kept up to date as the run goes (a progress line reads it from a timer of
 * the loop): targets from the start, the rest as domains finish. */
struct audit_batch_counts {
	size_t targets;	 /* distinct targets */
	size_t reported; /* domains handed to the reporter */
	/* domains audited (reported or waiting for one before them), and
	 * their findings, as the audit gave them (before a baseline) */
	size_t finished, findings, problems;
	struct audit_items items;
};

/* Audit every target (duplicates, compared as lower-case names without the
 * trailing dot, are audited once) and pass each domain's findings to rp in
 * the order of targets. Returns 0 when every target was reported (or when
 * the reporter failed to write: the run stops there, and reporter_close()
 * fails), 1 when the run was interrupted by SIGINT or SIGTERM (the domains
 * done so far were reported; counts, when not NULL, says how many of how
 * many), -1 on a fatal loop error. Unless every target was reported, the
 * audits still running have been cancelled (audit_cancel): close the session
 * without running its loop again. */
int audit_batch(struct session *s, const struct audit_rules *rules, const struct audit_batch_opts *opts,
		char *const *targets, size_t n_targets, struct reporter *rp,
		struct audit_batch_counts *counts);

struct progress_counts;
/* What a progress line shows of a batch run (check, compare). */
struct audit_batch_view {
	const char *what; /* the command */
	const struct audit_batch_counts *counts;
	const struct session *s;
};
/* A progress_sample_fn (progress.h) of a struct audit_batch_view: domains
 * audited of the targets (of one domain, the names its checks count, when
 * they do: compare), their findings, and the session's queries in
 * flight. */
void audit_batch_progress(void *view, struct progress_counts *c);

/* --- a test seam: an audit without the network ------------------------------
 * The fuzz harnesses (tests/fuzz/) feed any packet to every check's judging
 * code through it, with no session, no loop and no sockets. */

/* Answers one question of an offline audit: name/type (name absolute, lower
 * case) asked of server (rd: a recursive resolver given to the check), or
 * through the resolver when server is NULL. Returns a new packet, which the
 * audit owns and frees, or NULL with *err set to the enum dns_error the
 * question failed with (DNS_ETIMEOUT when left 0). For a lookup the audit
 * does what the resolver does with a packet: its RCODE is the outcome, and
 * SERVFAIL a failure. */
typedef ldns_pkt *(*audit_answer_fn)(void *arg, const struct ns_server *server, int rd, const char *name,
				     ldns_rr_type type, int *err);

/* Audit target against rules as audit_start() does, but with the delegation
 * d made up by the caller (its servers, NS sets and glue; NULL: discovery is
 * skipped, as for rule sets that read through the resolver only) and every
 * question answered at once through answer(arg, ...), round after round,
 * before this returns. d (and what it points to) is the caller's and must
 * stay valid during the call; its servers' ns_pkt are taken over when
 * ns_answered is set. Returns the findings (free them with
 * audit_result_free()). */
struct audit_result *audit_run_offline(const struct audit_rules *rules, const char *target,
				       struct delegation *d, audit_answer_fn answer, void *arg);

#endif
