/* Baselines: the JSON report of an earlier `cutover check` (--save FILE),
 * read back so that every finding of this run is marked new or unchanged,
 * and every problem the baseline had that is gone comes back as a fixed
 * finding. `check --baseline` and plan gates (`baseline:`) both mark
 * through here.
 *
 * A finding of this run is unchanged when the baseline has one with the
 * same domain, check, code, subject, server and status (the message, the
 * expected and actual values may differ: they quote serials and TTLs);
 * else it is new. Each finding of the baseline matches one finding of the
 * run at most, so two equal findings where the baseline had one are one
 * unchanged and one new. A problem of the baseline (warn, error or fail)
 * that matches nothing is fixed: a problem whose status changed is fixed at
 * its old status and new at its new one. Ok and info findings of the
 * baseline are never repeated. Findings a marked report holds as fixed
 * ("baseline": "fixed") are left out when it is read, so any JSON report of
 * cutover check, marked or not, can be a baseline. */
#ifndef CUTOVER_BASELINE_H
#define CUTOVER_BASELINE_H

#include <stddef.h>

#include "report.h"

/* A baseline file larger than this is refused: it is read whole into
 * jansson's tree, some five times its size, before its findings are kept
 * (a report of 1,000 domains of the default rule set is about 4 MB). */
#define BASELINE_FILE_MAX (256 * 1024 * 1024)

struct baseline;

/* Read the report at path ("-": standard input). Returns 0 with *out (free
 * it with baseline_free()), or -1 with the reason in err, naming the file:
 * "cannot open 'FILE': REASON", "FILE:LINE:COL: not JSON: REASON" (jansson's
 * position and text), "FILE: not a report of cutover check: REASON",
 * "FILE: finding N: REASON". */
int baseline_load(const char *path, struct baseline **out, char *err, size_t errlen);
/* The same from len bytes of text; file is the name used in messages. */
int baseline_load_string(const char *text, size_t len, const char *file, struct baseline **out, char *err,
			 size_t errlen);
void baseline_free(struct baseline *b);

/* The findings the baseline holds (fixed ones of a marked report left
 * out). */
size_t baseline_count(const struct baseline *b);

/* Mark one domain's findings: set .baseline of l->v[0..l->n) to MARK_NEW or
 * MARK_UNCHANGED, then append to l a finding for each problem of the
 * baseline for domain that none of them matched: its domain, check, code,
 * subject, server, expected and actual, status info (not a failure: the
 * problem is gone), .baseline MARK_FIXED and the message "in the baseline
 * (STATUS), no longer found: MESSAGE". domain is compared as the reports
 * write it (lower case, no trailing dot); the baseline's findings of other
 * domains are left alone, so marking a domain again (a gate checked once
 * more) starts afresh. */
void baseline_mark(struct baseline *b, const char *domain, struct finding_list *l);

#endif
