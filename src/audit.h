/* The audit driver: runs the rule sets' checks for many domains at once in
 * one event loop (discovery, questions, judgement), collecting findings. */
#ifndef CUTOVER_AUDIT_H
#define CUTOVER_AUDIT_H

#include <stddef.h>

#include "report.h"
#include "rules.h"

struct dns_engine;
struct resolver;

struct audit_opts {
	const struct ruleset *rulesets;
	size_t n_rulesets;
	const struct vars *vars;
	unsigned jobs; /* domains in flight at once */
};

/* Check every domain; findings go to report in domain order (then rule order).
 * Returns 0 when the loop ran (whatever was found), -1 on a fatal loop error. */
int audit_run(struct dns_engine *e, struct resolver *r, const struct audit_opts *opts, char *const *domains,
	      size_t n_domains, struct report *report);

#endif
