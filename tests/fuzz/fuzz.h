/* What the libFuzzer harnesses of tests/fuzz/ share: a small fixed zone
 * (fuzz.test) that answers like a sane server, a delegation to two servers of
 * it, and rule sets loaded from text. Every harness is one file with
 * LLVMFuzzerTestOneInput(); `make fuzz` links each with fuzz.c and the
 * library objects (README.md, "Fuzzing"). */
#ifndef CUTOVER_FUZZ_H
#define CUTOVER_FUZZ_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "resolve.h"
#include "rules.h"
#include "util.h"

/* The domain every harness audits, and its zone. */
#define FUZZ_DOMAIN "fuzz.test"

/* What libFuzzer calls: once before the first input (optional), and for each
 * input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Load the fixed zone once (from LLVMFuzzerInitialize). */
void fuzz_zone_init(void);
/* fuzz_zone_init(), and load the harness's own rule set into *rules. */
void fuzz_setup(const char *rules_yaml, struct ruleset *rules);

/* A new packet answering name/type as fuzz.test's authoritative server would
 * (AA set; NOERROR with the records, a CNAME when the name is an alias;
 * NODATA or NXDOMAIN with the SOA; a wildcard answers for names it covers).
 * With rd set it answers as a resolver (RA set, AA clear). Names outside the
 * zone (the reverse zones, the resolver's view of other domains) come from
 * the same records. */
ldns_pkt *fuzz_zone_answer(const char *name, ldns_rr_type type, int rd);

/* A new, empty answer to qname/type (class IN): QR set, and AA, or with rd
 * RD and RA (a resolver's answer). */
ldns_pkt *fuzz_answer_new(const ldns_rdf *qname, ldns_rr_type type, int rd);

/* A new packet of which the question is name/type (class IN), the rest a
 * copy of pkt: an answer the engine would have matched to the question. NULL
 * when pkt cannot be copied. */
ldns_pkt *fuzz_answer_to(const ldns_pkt *pkt, const char *name, ldns_rr_type type);

/* The delegation of fuzz.test: the parent test. names ns1.fuzz.test (IPv4)
 * and ns2.fuzz.test (IPv6) with glue, and the zone says the same; memory from
 * arena. servers[0] is ns1, servers[1] ns2. */
struct delegation *fuzz_delegation(struct arena *arena);

/* Load a rule set from text, with vars (may be NULL); aborts when it does not
 * load (a harness's own rule set must). */
void fuzz_rules(const char *yaml, const struct vars *vars, struct ruleset *out);

/* An input of two parts: what comes after its first NUL byte (all of it
 * when there is none), as a new NUL-terminated string (the caller frees it);
 * *head is the length of what comes before (0 when there is no NUL). */
char *fuzz_tail(const uint8_t *data, size_t size, size_t *head);

/* Touch every field of every finding, so that a dangling pointer in one is
 * seen by ASan here, and write them as a JSON report, which must parse
 * (aborts otherwise). */
void fuzz_read_findings(const struct audit_result *res);

#endif
