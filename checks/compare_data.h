/* What the compare check compares, as pure functions (no check context, no
 * network): one server's answer to one name and type read as an RRset of
 * canonical values and a TTL, and two such views set side by side. The unit
 * tests (tests/unit/test_compare.c) drive them with packets made up there. */
#ifndef CUTOVER_COMPARE_DATA_H
#define CUTOVER_COMPARE_DATA_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* How one server answered one name/type. */
enum rrset_state {
	RRSET_UNUSABLE, /* no answer to compare: an error, an RCODE, AA=0 without a referral */
	RRSET_NXDOMAIN, /* the name does not exist */
	RRSET_NONE,	/* the name exists, without records of the type (or it is delegated away) */
	RRSET_DATA	/* records of the type */
};

struct rrset_view {
	enum rrset_state state;
	const char *problem; /* RRSET_UNUSABLE: why ("timed out", "REFUSED", "not authoritative (AA=0)") */
	const char **values; /* RRSET_DATA: canonical values (compare_rdata()), sorted, distinct */
	size_t n;
	uint32_t ttl; /* RRSET_DATA: the lowest TTL of the records */
	/* SOA only: the negative-caching TTL, min(SOA TTL, MINIMUM) (RFC 2308) */
	uint32_t negative_ttl;
	/* The server answered with a referral: name is at or below a zone cut
	 * inside the zone. Its NS set at the cut is the RRset of name/NS there;
	 * every other type is RRSET_NONE (not this zone's data). */
	int referral;
};

/* One record's data as compare sees it, from arena: TXT (and SPF) the
 * concatenation of its character-strings as one quoted string (RFC 7208
 * 3.3: how it is split does not change it), bytes outside printable ASCII
 * as \DDD; every other type its rdata in presentation form with every
 * domain name in it lower case (ldns_rr2canonical, and names of newer types
 * such as SVCB's target too). */
const char *compare_rdata(struct arena *a, const ldns_rr *rr);

/* Read pkt (NULL with err, an enum dns_error, when the question failed) as
 * the answer of an authoritative server of zone (absolute, lower case) to
 * name/type, into *out (memory from arena). Never fails: what cannot be
 * read is RRSET_UNUSABLE. */
void compare_rrset_read(struct arena *a, const ldns_pkt *pkt, int err, const char *name, ldns_rr_type type,
			const char *zone, struct rrset_view *out);

/* Whether a and b hold the same values (NXDOMAIN and NONE alike: no records
 * either way); TTLs aside. Both usable. */
int compare_same_values(const struct rrset_view *a, const struct rrset_view *b);
/* Whether a and b agree on values and TTL (both usable). */
int compare_agree(const struct rrset_view *a, const struct rrset_view *b);

/* The verdict on one RRset, old side against new. */
enum compare_verdict {
	COMPARE_ABSENT,	 /* on neither side: nothing to say */
	COMPARE_SAME,	 /* the same values and TTL */
	COMPARE_MISSING, /* old has records, new none */
	COMPARE_EXTRA,	 /* new has records, old none */
	COMPARE_VALUE,	 /* both have records, other values (the TTL may differ too) */
	COMPARE_TTL	 /* the same values, another TTL */
};
/* Judge old against new (both usable). */
enum compare_verdict compare_judge(const struct rrset_view *old, const struct rrset_view *new);

/* The values of v joined by ", " ("(none)" without records), from arena. */
const char *compare_values_text(struct arena *a, const struct rrset_view *v);
/* The values of a that b lacks, joined by ", " ("" when none), from arena. */
const char *compare_values_only(struct arena *a, const struct rrset_view *a_view, const struct rrset_view *b);

/* Zone files larger than this are refused (64 MiB: some 500,000 records). */
#define COMPARE_ZONE_FILE_MAX (64 << 20)
/* Read the zone file path, relative names under origin (absolute: the
 * domain; NULL: "invalid.", to check the syntax alone), into *out, a new
 * list of its records (the SOA among them) the caller frees with
 * ldns_rr_list_deep_free(). Returns 0, or -1 with "PATH:LINE: why" in err
 * (a file that is not a regular one, or larger than COMPARE_ZONE_FILE_MAX,
 * is refused). */
int compare_zone_read(const char *path, const char *origin, ldns_rr_list **out, char *err, size_t errlen);

#endif
