/* The pure parts of the mta-sts check: the _mta-sts TXT record (RFC 8461
 * 3.1), the policy file (RFC 8461 3.2), MX host matching (RFC 8461 4.1) and
 * the _smtp._tls TLS-RPT record (RFC 8460 3), with no check context, so unit
 * tests and a fuzz harness can call them on any bytes. */
#ifndef CUTOVER_MTASTS_PARSE_H
#define CUTOVER_MTASTS_PARSE_H

#include <stddef.h>

/* One thing wrong with a record or a policy. */
struct mtasts_problem {
	/* 1: the text breaks the RFC's grammar or rules, and senders discard
	 * it; 0: senders use it, but not as its author may think (a field
	 * given twice: senders take the first). */
	int error;
	unsigned line;	/* policy: the line it is about (from 1); 0: the whole */
	char text[240]; /* for people: printable ASCII, shortened */
};

#define MTASTS_PROBLEMS_MAX 16

struct mtasts_problems {
	struct mtasts_problem v[MTASTS_PROBLEMS_MAX];
	size_t n;
	size_t dropped; /* problems past MTASTS_PROBLEMS_MAX, not kept */
	size_t errors;	/* problems with error set, kept or not */
};

/* --- the TXT record at _mta-sts.DOMAIN (RFC 8461 3.1) --------------------- */

/* Whether text (len bytes, may hold NUL bytes) begins with the version field
 * "v=STSv1" (case-sensitive) followed by its end, ';' or a blank: a record
 * senders count (others at the name are discarded). */
int mtasts_record_is_sts(const char *text, size_t len);
/* Whether text, not an MTA-STS record, was plainly meant as one: "v=STSv1"
 * in another case, after a blank, or not first. */
int mtasts_record_looks_sts(const char *text, size_t len);

struct mtasts_record {
	char id[33]; /* the id field's value, "" when none is valid */
	struct mtasts_problems problems;
};
/* Parse an MTA-STS TXT record. Returns 0 when senders accept it (notes may
 * remain), -1 when not (problems say why). Allocates nothing. */
int mtasts_record_parse(const char *text, size_t len, struct mtasts_record *rec);

/* --- the policy file (RFC 8461 3.2) -------------------------------------- */

enum mtasts_mode {
	MTASTS_MODE_ABSENT, /* no valid mode field */
	MTASTS_MODE_ENFORCE,
	MTASTS_MODE_TESTING,
	MTASTS_MODE_NONE
};

/* RFC 8461 3.2: "maximum value of 31557600" (a year). */
#define MTASTS_MAX_AGE_MAX 31557600UL

struct mtasts_policy {
	enum mtasts_mode mode;
	int has_version;       /* version: STSv1 */
	int has_max_age;       /* a valid max_age (1 to 10 digits) */
	unsigned long max_age; /* when has_max_age; may exceed MTASTS_MAX_AGE_MAX */
	char **mx;	       /* the valid mx patterns, lower case, in order */
	size_t n_mx;
	size_t mx_alloc;
	struct mtasts_problems problems;
};
/* Parse a policy (any bytes) into *p, which must be released with
 * mtasts_policy_release() whatever this returns. Returns 0 when senders
 * accept the policy (notes may remain), -1 when they discard it (problems
 * say why). Out of memory exits (util.h). */
int mtasts_policy_parse(const char *text, size_t len, struct mtasts_policy *p);
void mtasts_policy_release(struct mtasts_policy *p);

/* "enforce", "testing", "none", "(absent)". */
const char *mtasts_mode_name(enum mtasts_mode mode);

/* Whether the MX host name host (any case, with or without its trailing
 * dot) matches the policy's mx pattern (RFC 8461 4.1): the same name, or,
 * for "*.example.com", a name of exactly one more label on the left
 * ("mail.example.com", not "example.com" nor "a.b.example.com"). ASCII case
 * is ignored; IDNs get no special handling (A-labels compare as written). */
int mtasts_mx_match(const char *pattern, const char *host);
/* The first of patterns[0..n) host matches, or NULL. */
const char *mtasts_mx_covered(char *const *patterns, size_t n, const char *host);

/* --- the TLS-RPT record at _smtp._tls.DOMAIN (RFC 8460 3) ---------------- */

/* As mtasts_record_is_sts(), for "v=TLSRPTv1". */
int mtasts_tlsrpt_is_record(const char *text, size_t len);
/* As mtasts_record_looks_sts(), for "v=TLSRPTv1". */
int mtasts_tlsrpt_looks_record(const char *text, size_t len);

struct mtasts_tlsrpt {
	size_t n_rua;	/* valid rua URIs (mailto: and https:) */
	size_t n_https; /* of which https: */
	struct mtasts_problems problems;
};
/* Parse a TLS-RPT record. Returns 0 when senders accept it (a rua with at
 * least one URI, every URI valid), -1 when not. Allocates nothing but
 * libcurl's URL parser's own memory, freed before it returns. */
int mtasts_tlsrpt_parse(const char *text, size_t len, struct mtasts_tlsrpt *rec);

#endif
