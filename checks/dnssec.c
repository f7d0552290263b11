/* dnssec: the DS set at the parent (through the resolver, which holds the
 * trust anchor) against the DNSKEY set every server publishes; the
 * signatures of the SOA, NS and DNSKEY sets and of the records checked,
 * verified with ldns on every server, and how soon they expire; an NSEC or
 * NSEC3 proof for a name that does not exist. With `from:` and `to:` (the
 * old and the new servers of a provider move, checks/sides.h) both sides
 * are judged, and dnssec.order says which change must come first: the DS at
 * the parent or the NS delegation (checks/dnssec_order.c).
 *
 * Every record an answer brings is checked for its shape before ldns sees
 * it (ldns's DNSSEC functions trust their input: an RRSIG without its type
 * covered is a NULL dereference there), and the work one answer can cause
 * is bounded, as validators bound it since KeyTrap (CVE-2023-50387): at
 * most KEYS_MAX keys, SIGS_MAX signatures an RRset and DENIAL_MAX NSEC or
 * NSEC3 records are looked at, and NSEC3 with more than NSEC3_ITERATIONS_MAX
 * iterations is no proof (RFC 9276 3.2: validators treat such zones as
 * insecure). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checks.h"
#include "dnssec_order.h"
#include "names.h"
#include "rules.h"
#include "sides.h"
#include "util.h"

#define DEFAULT_VALID_MIN (7 * 86400ul) /* a week: most signers re-sign well before */
#define KEYS_MAX 32
#define SIGS_MAX 16
#define DENIAL_MAX 32
#define NSEC3_ITERATIONS_MAX 150
/* The label asked for to see the proof that a name does not exist: one
 * label under the apex, which no zone is likely to hold. */
#define NX_LABEL "cutover-nx-7q3kz9x1"

#define DNSKEY_ZONE 0x0100   /* RFC 4034 2.1.1 */
#define DNSKEY_REVOKE 0x0080 /* RFC 5011 3 */
#define DNSKEY_SEP 0x0001

static const struct check_param params[] = {
	{"names", PARAM_NAMES, 0, NULL,
	 "owner names whose records' signatures are checked, in the zone (default: the apex); the apex "
	 "SOA, NS and DNSKEY sets always are"},
	{"types", PARAM_RRTYPES, 0, NULL,
	 "their record types, each checked where present (default: A AAAA MX)"},
	{"sig_valid_min", PARAM_DURATION, 0, NULL,
	 "shortest time a signature may have left before it expires (default 7d; 0: no warning)"},
	{"from", PARAM_STRINGS, 0, NULL,
	 "the old servers of a provider move: delegated, NAME, NAME/ADDR or ADDR (needs to:)"},
	{"to", PARAM_STRINGS, 0, NULL,
	 "the new servers: delegated, NAME, NAME/ADDR or ADDR (default: the zone's servers, or --ns)"},
	{NULL, 0, 0, NULL, NULL},
};

static const ldns_rr_type default_types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_MX};

/* One RRset whose signatures are checked on every server. */
struct checked {
	const char *name; /* absolute, lower case */
	ldns_rr_type type;
	int always; /* SOA, NS, DNSKEY: its absence is a problem, not "not present" */
};

/* What ask() sets up for judge(). */
struct dnssec_rule {
	const char *zone;
	const char *nx; /* the name that does not exist */
	struct checked *checked;
	size_t n_checked;
	int sides; /* to: given (and from: perhaps) */
	int asked; /* the servers' questions are out */
	struct side from, to;
	const struct ns_server **servers; /* every server asked, once each */
	size_t n_servers;
};

/* --- records as ldns may take them -------------------------------------- */

static int rdf_sized(const ldns_rr *rr, size_t i, size_t size)
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, i);
	return rd && (size ? ldns_rdf_size(rd) == size : ldns_rdf_size(rd) > 0);
}

/* An RRSIG with every field there, each of its size (RFC 4034 3.1). */
static int rrsig_usable(const ldns_rr *rr)
{
	static const size_t sizes[] = {2, 1, 1, 4, 4, 4, 2};
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG || ldns_rr_rd_count(rr) != 9)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		if (!rdf_sized(rr, i, sizes[i]))
			return 0;
	return rdf_sized(rr, 7, 0) && ldns_rdf_get_type(ldns_rr_rdf(rr, 7)) == LDNS_RDF_TYPE_DNAME &&
	       rdf_sized(rr, 8, 0);
}

/* A DNSKEY or DS with its four fields (flags or tag, protocol or
 * algorithm, algorithm or digest type, then the key or digest). */
static int key_shaped(const ldns_rr *rr)
{
	return ldns_rr_rd_count(rr) == 4 && rdf_sized(rr, 0, 2) && rdf_sized(rr, 1, 1) &&
	       rdf_sized(rr, 2, 1) && rdf_sized(rr, 3, 0);
}

static uint16_t key_flags(const ldns_rr *key)
{
	return ldns_rdf2native_int16(ldns_rr_rdf(key, 0));
}

/* A zone key validators may use (RFC 4034 2.1; not revoked, RFC 5011). */
static int zone_key_usable(const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY && key_shaped(rr) &&
	       ldns_rdf2native_int8(ldns_rr_rdf(rr, 1)) == 3 && (key_flags(rr) & DNSKEY_ZONE) &&
	       !(key_flags(rr) & DNSKEY_REVOKE);
}

static int nsec_usable(const ldns_rr *rr)
{
	return ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC && ldns_rr_rd_count(rr) == 2 &&
	       rdf_sized(rr, 0, 0) && ldns_rdf_get_type(ldns_rr_rdf(rr, 0)) == LDNS_RDF_TYPE_DNAME &&
	       ldns_rr_rdf(rr, 1) && ldns_rdf_get_type(ldns_rr_rdf(rr, 1)) == LDNS_RDF_TYPE_BITMAP;
}

/* An NSEC3 of SHA-1 (the one hash defined) one label under zone, its salt
 * and next hashed owner whole (RFC 5155 3.2). */
static int nsec3_usable(const ldns_rr *rr, const ldns_rdf *zone)
{
	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3 || ldns_rr_rd_count(rr) != 6 || !rdf_sized(rr, 0, 1) ||
	    !rdf_sized(rr, 1, 1) || !rdf_sized(rr, 2, 2) || !rdf_sized(rr, 3, 0) || !rdf_sized(rr, 4, 21) ||
	    !ldns_rr_rdf(rr, 5) || ldns_rdf_get_type(ldns_rr_rdf(rr, 5)) != LDNS_RDF_TYPE_BITMAP)
		return 0;
	const ldns_rdf *salt = ldns_rr_rdf(rr, 3), *next = ldns_rr_rdf(rr, 4), *owner = ldns_rr_owner(rr);
	if (ldns_rdf2native_int8(ldns_rr_rdf(rr, 0)) != 1 ||
	    (size_t)ldns_rdf_data(salt)[0] + 1 != ldns_rdf_size(salt) || ldns_rdf_data(next)[0] != 20 ||
	    ldns_rdf_size(owner) < 1 || ldns_rdf_data(owner)[0] != 32)
		return 0;
	ldns_rdf *parent = ldns_dname_left_chop(owner);
	int under = parent && ldns_dname_compare(parent, zone) == 0;
	ldns_rdf_deep_free(parent);
	return under;
}

/* Whether two NSEC3 records hash alike (algorithm, iterations, salt). */
static int nsec3_same_params(const ldns_rr *a, const ldns_rr *b)
{
	return ldns_rdf_compare(ldns_rr_rdf(a, 0), ldns_rr_rdf(b, 0)) == 0 &&
	       ldns_rdf_compare(ldns_rr_rdf(a, 2), ldns_rr_rdf(b, 2)) == 0 &&
	       ldns_rdf_compare(ldns_rr_rdf(a, 3), ldns_rr_rdf(b, 3)) == 0;
}

/* Push rr (borrowed) onto *list, which is made when NULL. Returns whether
 * the list now holds max records (max 0: never). */
static int list_push(ldns_rr_list **list, ldns_rr *rr, size_t max)
{
	if (!*list)
		*list = ldns_rr_list_new();
	ldns_rr_list_push_rr(*list, rr);
	return max && ldns_rr_list_rr_count(*list) >= max;
}

/* The usable RRSIGs in section over owner/type signed by zone, at most
 * SIGS_MAX (a new list of borrowed records; NULL when none). */
static ldns_rr_list *sigs_over(const ldns_rr_list *section, const ldns_rdf *owner, ldns_rr_type type,
			       const ldns_rdf *zone)
{
	ldns_rr_list *out = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(section); i++) {
		ldns_rr *rr = ldns_rr_list_rr(section, i);
		if (!rrsig_usable(rr) || ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != type ||
		    ldns_dname_compare(ldns_rr_owner(rr), owner) != 0 ||
		    ldns_dname_compare(ldns_rr_rrsig_signame(rr), zone) != 0 ||
		    (size_t)ldns_rdf2native_int8(ldns_rr_rrsig_labels(rr)) > ldns_dname_label_count(owner))
			continue;
		if (list_push(&out, rr, SIGS_MAX))
			break;
	}
	return out;
}

/* The records of section owned by owner of type (borrowed; NULL when none). */
static ldns_rr_list *records_at(const ldns_rr_list *section, const ldns_rdf *owner, ldns_rr_type type)
{
	ldns_rr_list *out = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(section); i++) {
		ldns_rr *rr = ldns_rr_list_rr(section, i);
		if (ldns_rr_get_type(rr) != type || ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		list_push(&out, rr, 0);
	}
	return out;
}

/* An RRSIG's expiration or inception (field i) as a time near now: the
 * fields are serial numbers of 32 bits (RFC 4034 3.1.5). */
static time_t sig_time(const ldns_rr *sig, size_t i, time_t now)
{
	uint32_t t = ldns_rdf2native_int32(ldns_rr_rdf(sig, i));
	return now + (int32_t)(t - (uint32_t)now);
}

/* "2026-12-08 00:18 UTC" */
static const char *time_text(struct check_ctx *ctx, time_t t)
{
	struct tm tm;
	char buf[40];
	if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return "(a time out of range)";
	return arena_strdup(ctx_arena(ctx), buf);
}

/* "6 days", "5 hours", "12 minutes" (rounded down), or "less than a minute". */
static const char *span_text(struct check_ctx *ctx, time_t seconds)
{
	if (seconds >= 2 * 86400)
		return arena_printf(ctx_arena(ctx), "%lld days", (long long)(seconds / 86400));
	if (seconds >= 2 * 3600)
		return arena_printf(ctx_arena(ctx), "%lld hours", (long long)(seconds / 3600));
	if (seconds >= 120)
		return arena_printf(ctx_arena(ctx), "%lld minutes", (long long)(seconds / 60));
	return "less than a minute";
}

/* --- signatures ------------------------------------------------------- */

/* How the signatures of one RRset verified. */
struct sig_outcome {
	size_t n_sigs;	  /* usable RRSIGs over it */
	int valid;	  /* one verifies now */
	time_t expires;	  /* when valid: the latest expiration of those that verify */
	ldns_status why;  /* when not: the most telling failure */
	time_t why_when;  /* for an expired or future signature, its time */
	uint16_t why_tag; /* the key tag the failing signature names */
};

/* The rank of a failure: a signature that verifies but is out of its
 * validity period says more than one that names no key we have. */
static int failure_rank(ldns_status st)
{
	switch (st) {
	case LDNS_STATUS_CRYPTO_SIG_EXPIRED:
	case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED:
		return 4;
	case LDNS_STATUS_CRYPTO_BOGUS:
		return 3;
	case LDNS_STATUS_CRYPTO_EXPIRATION_BEFORE_INCEPTION:
		return 2;
	case LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY:
		return 1;
	default:
		return 0;
	}
}

/* Verify the signatures sigs (may be NULL) over rrset with keys at now;
 * the keys any valid one was made with are added to good (when not NULL). */
static void verify_rrset(const ldns_rr_list *rrset, const ldns_rr_list *sigs, const ldns_rr_list *keys,
			 time_t now, ldns_rr_list *good, struct sig_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->why = LDNS_STATUS_CRYPTO_NO_RRSIG;
	out->n_sigs = sigs ? ldns_rr_list_rr_count(sigs) : 0;
	int rank = -1;
	for (size_t i = 0; i < out->n_sigs; i++) {
		const ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		ldns_status st = ldns_verify_rrsig_keylist_time(rrset, sig, keys, now, good);
		if (st == LDNS_STATUS_OK) {
			time_t exp = sig_time(sig, 4, now);
			if (!out->valid || exp > out->expires)
				out->expires = exp;
			out->valid = 1;
			continue;
		}
		if (failure_rank(st) <= rank)
			continue;
		rank = failure_rank(st);
		out->why = st;
		out->why_tag = ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
		out->why_when = sig_time(sig, st == LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED ? 5 : 4, now);
	}
}

/* Why an RRset's signatures fail, in words. */
static const char *failure_text(struct check_ctx *ctx, const struct sig_outcome *o)
{
	switch (o->why) {
	case LDNS_STATUS_CRYPTO_NO_RRSIG:
		return "it has no signature (RRSIG) by the zone";
	case LDNS_STATUS_CRYPTO_SIG_EXPIRED:
		return arena_printf(ctx_arena(ctx), "its signature by key %u expired on %s", o->why_tag,
				    time_text(ctx, o->why_when));
	case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED:
		return arena_printf(ctx_arena(ctx), "its signature by key %u is not valid before %s",
				    o->why_tag, time_text(ctx, o->why_when));
	case LDNS_STATUS_CRYPTO_BOGUS:
		return arena_printf(ctx_arena(ctx),
				    "its signature by key %u does not verify: the data or the "
				    "signature was changed after signing",
				    o->why_tag);
	case LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY:
		return arena_printf(ctx_arena(ctx),
				    "its signature names key %u, which the server does not "
				    "publish",
				    o->why_tag);
	default:
		return arena_printf(ctx_arena(ctx), "its signature by key %u fails: %s", o->why_tag,
				    ldns_get_errorstr_by_id(o->why));
	}
}

/* --- what one server serves ------------------------------------------- */

/* The DS set at the parent. */
struct ds_view {
	enum dnssec_ds state;
	ldns_rr_list *ds; /* usable DS records (borrowed), or NULL */
	long ttl;	  /* -1 when none */
	const char *tags; /* "12345, 23456" */
	const char *why;  /* DNSSEC_DS_UNKNOWN: why */
};

/* What one server was found to serve. */
struct verdict {
	const struct ns_server *server;
	int usable;	       /* its DNSKEY answer could be used */
	int signs;	       /* it publishes zone keys */
	int matched;	       /* a DS matches a key of it that signs its DNSKEY set */
	int problems;	       /* findings it got (fail or warn) */
	ldns_rr_list *keys;    /* its usable zone keys (borrowed), or NULL */
	ldns_rr_list *signers; /* those that sign the DNSKEY set validly */
	long dnskey_ttl;
	time_t expires;		/* the soonest expiry of its RRsets' valid signatures, 0: none */
	const char *expires_at; /* the subject of that RRset */
};

/* The usable zone keys at zone in answer a, at most KEYS_MAX (a new list of
 * borrowed records; NULL when none). */
static ldns_rr_list *zone_keys(const struct answer *a, const ldns_rdf *zone)
{
	ldns_rr_list *all = records_at(ldns_pkt_answer(a->pkt), zone, LDNS_RR_TYPE_DNSKEY);
	ldns_rr_list *out = NULL;
	for (size_t i = 0; all && i < ldns_rr_list_rr_count(all); i++) {
		ldns_rr *rr = ldns_rr_list_rr(all, i);
		if (!zone_key_usable(rr))
			continue;
		if (list_push(&out, rr, KEYS_MAX))
			break;
	}
	ldns_rr_list_free(all);
	return out;
}

/* "key tag 12345", "key tags 12345, 23456" */
static const char *tags_words(struct check_ctx *ctx, const char *tags)
{
	return arena_printf(ctx_arena(ctx), "key tag%s %s", strchr(tags, ',') ? "s" : "", tags);
}

/* "38488 (KSK), 10734" */
static const char *key_tags(struct check_ctx *ctx, const ldns_rr_list *keys)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; keys && i < ldns_rr_list_rr_count(keys); i++) {
		const ldns_rr *k = ldns_rr_list_rr(keys, i);
		int dup = 0; /* (a key that made two signatures is listed twice) */
		for (size_t j = 0; j < i && !dup; j++)
			dup = ldns_rr_list_rr(keys, j) == k;
		if (!dup)
			sb_addf(&sb, "%s%u%s", sb.len ? ", " : "", ldns_calc_keytag(k),
				key_flags(k) & DNSKEY_SEP ? " (KSK)" : "");
	}
	const char *out = arena_strdup(ctx_arena(ctx), sb.buf ? sb.buf : "none");
	sb_release(&sb);
	return out;
}

/* Whether DS record d is the digest of key (SHA-1, SHA-256 or SHA-384: for
 * any other digest type ldns would make a SHA-1 digest). */
static int ds_match(const ldns_rr *d, const ldns_rr *key)
{
	uint8_t digest = ldns_rdf2native_int8(ldns_rr_rdf(d, 2));
	return (digest == LDNS_SHA1 || digest == LDNS_SHA256 || digest == LDNS_SHA384) &&
	       ldns_rr_compare_ds(d, key);
}

/* Whether a DS of ds matches key. */
static int ds_matches(const ldns_rr_list *ds, const ldns_rr *key)
{
	for (size_t i = 0; ds && i < ldns_rr_list_rr_count(ds); i++)
		if (ds_match(ldns_rr_list_rr(ds, i), key))
			return 1;
	return 0;
}

/* Note in v the soonest expiry of a valid RRset's signatures. */
static void note_expiry(struct verdict *v, const struct sig_outcome *o, const char *subject)
{
	if (o->valid && (!v->expires || o->expires < v->expires)) {
		v->expires = o->expires;
		v->expires_at = subject;
	}
}

/* Whether one of sigs names one of keys (key tag and algorithm), valid or
 * not. */
static int signed_by(const ldns_rr_list *sigs, const ldns_rr_list *keys)
{
	for (size_t i = 0; sigs && i < ldns_rr_list_rr_count(sigs); i++) {
		const ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		const ldns_rdf *tag = ldns_rr_rrsig_keytag(sig), *alg = ldns_rr_rrsig_algorithm(sig);
		if (!tag || !alg || ldns_rdf_size(tag) != 2 || ldns_rdf_size(alg) != 1)
			continue;
		for (size_t j = 0; keys && j < ldns_rr_list_rr_count(keys); j++) {
			const ldns_rr *k = ldns_rr_list_rr(keys, j);
			const ldns_rdf *kalg = ldns_rr_dnskey_algorithm(k);
			if (kalg && ldns_rdf_size(kalg) == 1 &&
			    ldns_rdf2native_int8(kalg) == ldns_rdf2native_int8(alg) &&
			    ldns_calc_keytag(k) == ldns_rdf2native_int16(tag))
				return 1;
		}
	}
	return 0;
}

/* The keys of the DNSKEY set: signed by a key a DS matches (when there is a
 * DS), its own signatures valid. Sets v->matched and v->signers. */
static void judge_keys(struct check_ctx *ctx, const struct dnssec_rule *p, const struct ds_view *ds,
		       const struct answer *a, const ldns_rdf *zone, time_t now, struct verdict *v)
{
	const char *subject = subject_of(ctx, p->zone, LDNS_RR_TYPE_DNSKEY);
	ldns_rr_list *rrset = records_at(ldns_pkt_answer(a->pkt), zone, LDNS_RR_TYPE_DNSKEY);
	ldns_rr_list *sigs = sigs_over(ldns_pkt_answer(a->pkt), zone, LDNS_RR_TYPE_DNSKEY, zone);
	struct sig_outcome o;
	v->signers = ldns_rr_list_new();
	verify_rrset(rrset, sigs, v->keys, now, v->signers, &o);
	note_expiry(v, &o, subject);
	const char *tags = key_tags(ctx, v->keys);
	int reported = 0; /* the DNSKEY set's signatures said wrong already */
	if (ds->state == DNSSEC_DS_PRESENT) {
		ldns_rr_list *named = NULL; /* the keys a DS matches */
		for (size_t i = 0; i < ldns_rr_list_rr_count(v->keys); i++) {
			ldns_rr *k = ldns_rr_list_rr(v->keys, i);
			if (!ds_matches(ds->ds, k))
				continue;
			list_push(&named, k, 0);
		}
		if (!named) {
			ctx_finding(ctx, CODE_DNSSEC_DS_MISMATCH, subject, v->server, ds->tags, tags,
				    "no DS at the parent (%s) matches a key this server publishes (%s): "
				    "validating resolvers that ask it fail %s (SERVFAIL)",
				    tags_words(ctx, ds->tags), tags, name_display(ctx, p->zone));
			v->problems++;
		} else {
			/* the keys that verified the set: is one of them named? */
			int by_named = 0;
			for (size_t i = 0; i < ldns_rr_list_rr_count(v->signers) && !by_named; i++)
				for (size_t j = 0; j < ldns_rr_list_rr_count(named) && !by_named; j++)
					by_named =
						ldns_rr_list_rr(v->signers, i) == ldns_rr_list_rr(named, j);
			/* RFC 4035 5.2: the key a DS names must sign the DNSKEY
			 * set; one merely published does not make the chain. A
			 * signature by it that does not verify now (expired) is
			 * the bogus finding below, not a DS to change. */
			v->matched = by_named || signed_by(sigs, named);
			if (!by_named) {
				ctx_finding(
					ctx, CODE_DNSSEC_BOGUS, subject, v->server,
					"signed by a key a DS matches", tags,
					"the DNSKEY set is not validly signed by key %s, which the DS at the "
					"parent names: %s; validating resolvers fail the zone",
					key_tags(ctx, named),
					o.valid ? arena_printf(ctx_arena(ctx), "only key %s signs it",
							       key_tags(ctx, v->signers))
						: failure_text(ctx, &o));
				v->problems++;
				reported = 1;
			}
			ldns_rr_list_free(named);
		}
	}
	if (!o.valid && !reported) {
		ctx_finding(ctx, CODE_DNSSEC_BOGUS, subject, v->server, "a valid signature", tags,
			    "the DNSKEY set (%s) is not validly signed by its own keys: %s", tags,
			    failure_text(ctx, &o));
		v->problems++;
	}
	ldns_rr_list_free(rrset);
	ldns_rr_list_free(sigs);
}

/* Verify the signatures in section over rrset (owner/type) with v's keys,
 * noting when they expire; dnssec.bogus at subject when none is valid. role
 * says what the RRset is there for (NULL: itself). */
static void verify_or_report(struct check_ctx *ctx, struct verdict *v, const ldns_rr_list *section,
			     const ldns_rr_list *rrset, const ldns_rdf *owner, ldns_rr_type type,
			     const ldns_rdf *zone, const char *subject, const char *role, time_t now)
{
	ldns_rr_list *sigs = sigs_over(section, owner, type, zone);
	struct sig_outcome o;
	verify_rrset(rrset, sigs, v->keys, now, NULL, &o);
	if (!role)
		note_expiry(v, &o, subject);
	if (!o.valid) {
		ctx_finding(ctx, CODE_DNSSEC_BOGUS, subject, v->server, "a valid signature",
			    o.n_sigs ? "none valid" : "none",
			    "%s%s fails validation: %s; validating resolvers answer SERVFAIL for it", subject,
			    role ? role : "", failure_text(ctx, &o));
		v->problems++;
	}
	ldns_rr_list_free(sigs);
}

/* The RRset name/type a server gave: its signatures by the server's keys. */
static void judge_rrset(struct check_ctx *ctx, const struct dnssec_rule *p, const struct checked *c,
			time_t now, struct verdict *v)
{
	const struct answer *a = ctx_answer_dnssec(ctx, v->server, c->name, c->type);
	if (answer_problem(ctx, a))
		return; /* (the ns check reports servers that do not answer) */
	ldns_rdf *owner = ldns_dname_new_frm_str(c->name), *zone = ldns_dname_new_frm_str(p->zone);
	ldns_rr_type type = c->type;
	ldns_rr_list *rrset = owner ? records_at(ldns_pkt_answer(a->pkt), owner, type) : NULL;
	if (!rrset && owner && !c->always) { /* an alias: its CNAME is what is signed */
		type = LDNS_RR_TYPE_CNAME;
		rrset = records_at(ldns_pkt_answer(a->pkt), owner, type);
	}
	if (rrset) {
		verify_or_report(ctx, v, ldns_pkt_answer(a->pkt), rrset, owner, type, zone,
				 subject_of(ctx, c->name, type), NULL, now);
	} else if (c->always && owner) {
		ctx_finding(ctx, CODE_DNSSEC_BOGUS, subject_of(ctx, c->name, type), v->server, "the RRset",
			    "none",
			    "the server publishes DNSKEY records but gives no %s set for %s with DO set: "
			    "nothing to validate it with",
			    type_name(ctx, type), name_display(ctx, c->name));
		v->problems++;
	}
	ldns_rr_list_free(rrset);
	ldns_rdf_deep_free(owner);
	ldns_rdf_deep_free(zone);
}

/* The NSEC or NSEC3 records of an answer's authority section (at most
 * DENIAL_MAX, NSEC3 hashed alike), and whether any were left out as
 * unusable or over the iteration limit. */
struct denial {
	ldns_rr_list *nsec, *nsec3; /* borrowed records, or NULL */
	ldns_rr_list *sigs;	    /* the usable RRSIGs of the section (ldns reads their labels) */
	uint16_t iterations_over;   /* NSEC3 iterations above NSEC3_ITERATIONS_MAX seen, or 0 */
};

static void denial_records(const ldns_pkt *pkt, const ldns_rdf *zone, struct denial *d)
{
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);
		ldns_rr_list **into = NULL;
		if (rrsig_usable(rr)) {
			into = &d->sigs;
		} else if (nsec_usable(rr)) {
			into = &d->nsec;
		} else if (nsec3_usable(rr, zone)) {
			uint16_t it = ldns_rdf2native_int16(ldns_rr_rdf(rr, 2));
			if (it > NSEC3_ITERATIONS_MAX) {
				d->iterations_over = it;
				continue;
			}
			if (d->nsec3 && !nsec3_same_params(ldns_rr_list_rr(d->nsec3, 0), rr))
				continue;
			into = &d->nsec3;
		}
		if (!into ||
		    (*into && ldns_rr_list_rr_count(*into) >= DENIAL_MAX * (into == &d->sigs ? 2 : 1)))
			continue;
		list_push(into, rr, 0);
	}
}

/* The hash of name under the NSEC3 parameters of nsec3, as an owner name in
 * zone (a new rdf, or NULL). */
static ldns_rdf *nsec3_owner_of(const ldns_rr *nsec3, const ldns_rdf *name, const ldns_rdf *zone)
{
	ldns_rdf *hashed = ldns_nsec3_hash_name_frm_nsec3(nsec3, name);
	if (hashed && ldns_dname_cat(hashed, zone) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(hashed);
		hashed = NULL;
	}
	return hashed;
}

/* Whether an NSEC3 of list owns hashed and lacks type and CNAME (a NODATA
 * proof), or (match 0) covers hashed. */
static int nsec3_proves(const ldns_rr_list *list, const ldns_rdf *hashed, ldns_rr_type type, int match)
{
	for (size_t i = 0; hashed && i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *n = ldns_rr_list_rr(list, i);
		if (!match && ldns_dname_compare(ldns_rr_owner(n), hashed) != 0 &&
		    ldns_nsec_covers_name(n, hashed))
			return 1;
		if (match && ldns_dname_compare(ldns_rr_owner(n), hashed) == 0 &&
		    !ldns_nsec_bitmap_covers_type(ldns_rr_rdf(n, 5), type) &&
		    !ldns_nsec_bitmap_covers_type(ldns_rr_rdf(n, 5), LDNS_RR_TYPE_CNAME))
			return 1;
	}
	return 0;
}

/* Whether some NSEC of list covers name (lies strictly between owner and next). */
static int nsec_covers(const ldns_rr_list *list, const ldns_rdf *name)
{
	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *n = ldns_rr_list_rr(list, i);
		if (ldns_dname_compare(ldns_rr_owner(n), name) != 0 && ldns_nsec_covers_name(n, name))
			return 1;
	}
	return 0;
}

/* Why the denial records d do not prove the answer to qname/A (rcode, with
 * or without answer records from a wildcard), or NULL when they do. */
static const char *denial_problem(struct check_ctx *ctx, const struct denial *d, ldns_pkt_rcode rcode,
				  int wildcard, ldns_rr *question, const ldns_rdf *zone)
{
	const ldns_rdf *qname = ldns_rr_owner(question);
	ldns_status st;
	if (d->nsec) {
		if (wildcard)
			return nsec_covers(d->nsec, qname)
				       ? NULL
				       : "no NSEC record covers the name the wildcard answered";
		st = ldns_dnssec_verify_denial(question, d->nsec, d->sigs);
	} else if (d->nsec3) {
		const ldns_rr *first = ldns_rr_list_rr(d->nsec3, 0);
		if (rcode == LDNS_RCODE_NXDOMAIN) {
			st = ldns_dnssec_verify_denial_nsec3(question, d->nsec3, NULL, rcode, LDNS_RR_TYPE_A,
							     false);
		} else {
			/* the name itself (NODATA), or a wildcard that holds no A
			 * and a cover of the name: ldns's own NODATA path leaks a
			 * name when it matches, so this one is written here */
			ldns_rdf *h = nsec3_owner_of(first, qname, zone), *star = ldns_dname_new_frm_str("*");
			ldns_rdf *hw = NULL;
			if (star && ldns_dname_cat(star, zone) == LDNS_STATUS_OK)
				hw = nsec3_owner_of(first, star, zone);
			int proven = wildcard ? nsec3_proves(d->nsec3, h, LDNS_RR_TYPE_A, 0)
					      : nsec3_proves(d->nsec3, h, LDNS_RR_TYPE_A, 1) ||
							(nsec3_proves(d->nsec3, hw, LDNS_RR_TYPE_A, 1) &&
							 nsec3_proves(d->nsec3, h, LDNS_RR_TYPE_A, 0));
			ldns_rdf_deep_free(h);
			ldns_rdf_deep_free(hw);
			ldns_rdf_deep_free(star);
			st = proven ? LDNS_STATUS_OK : LDNS_STATUS_DNSSEC_NSEC_RR_NOT_COVERED;
		}
	} else if (d->iterations_over) {
		return arena_printf(
			ctx_arena(ctx),
			"its NSEC3 records use %u iterations: validators treat more than %d as no "
			"proof (RFC 9276)",
			d->iterations_over, NSEC3_ITERATIONS_MAX);
	} else {
		return "it holds no NSEC or NSEC3 record";
	}
	if (st == LDNS_STATUS_OK)
		return NULL;
	return arena_printf(ctx_arena(ctx), "its %s records do not prove it: %s", d->nsec ? "NSEC" : "NSEC3",
			    ldns_get_errorstr_by_id(st));
}

/* The signatures of the denial records (each owner's set apart). */
static void judge_denial_sigs(struct check_ctx *ctx, const ldns_pkt *pkt, const ldns_rr_list *list,
			      const ldns_rdf *zone, time_t now, struct verdict *v)
{
	for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *n = ldns_rr_list_rr(list, i);
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(list, j)),
						  ldns_rr_owner(n)) == 0;
		if (seen)
			continue;
		ldns_rr_type type = ldns_rr_get_type(n);
		ldns_rr_list *rrset = records_at(list, ldns_rr_owner(n), type);
		char *owner = ldns_rdf2str(ldns_rr_owner(n));
		const char *subject = subject_of(ctx, owner ? owner : "?", type);
		free(owner);
		verify_or_report(ctx, v, ldns_pkt_authority(pkt), rrset, ldns_rr_owner(n), type, zone,
				 subject, ", in the proof that a name does not exist,", now);
		ldns_rr_list_free(rrset);
	}
}

/* Whether the answer's records for qname came from a wildcard: a signature
 * over them counts fewer labels than the name (RFC 4034 3.1.3). */
static int from_wildcard(const ldns_pkt *pkt, const ldns_rdf *qname)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (rrsig_usable(rr) && ldns_dname_compare(ldns_rr_owner(rr), qname) == 0 &&
		    (size_t)ldns_rdf2native_int8(ldns_rr_rrsig_labels(rr)) < ldns_dname_label_count(qname))
			return 1;
	}
	return 0;
}

/* The proof a signed server gives that p->nx does not exist. */
static void judge_denial(struct check_ctx *ctx, const struct dnssec_rule *p, time_t now, struct verdict *v)
{
	const struct answer *a = ctx_answer_dnssec(ctx, v->server, p->nx, LDNS_RR_TYPE_A);
	if (answer_problem(ctx, a))
		return;
	ldns_rdf *zone = ldns_dname_new_frm_str(p->zone);
	ldns_rr *question = ldns_rr_new();
	ldns_rr_set_owner(question, ldns_dname_new_frm_str(p->nx));
	ldns_rr_set_type(question, LDNS_RR_TYPE_A);
	ldns_rr_set_class(question, LDNS_RR_CLASS_IN);
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(a->pkt);
	int has_data = ldns_rr_list_rr_count(ldns_pkt_answer(a->pkt)) > 0;
	int wildcard = has_data && ldns_rr_owner(question) && from_wildcard(a->pkt, ldns_rr_owner(question));
	if (zone && ldns_rr_owner(question) && (!has_data || wildcard)) {
		struct denial d;
		denial_records(a->pkt, zone, &d);
		const char *why = denial_problem(ctx, &d, rcode, wildcard, question, zone);
		const char *said = wildcard			  ? "a wildcard answer"
				   : rcode == LDNS_RCODE_NXDOMAIN ? "NXDOMAIN"
								  : "NODATA";
		if (why) {
			ctx_finding(ctx, CODE_DNSSEC_NO_DENIAL, name_display(ctx, p->nx), v->server,
				    "NSEC or NSEC3 proof", said,
				    "the server's %s for %s, a name that does not exist, carries no proof "
				    "validating resolvers can check (%s): they fail such answers (SERVFAIL)",
				    said, name_display(ctx, p->nx), why);
			v->problems++;
		}
		judge_denial_sigs(ctx, a->pkt, d.nsec, zone, now, v);
		judge_denial_sigs(ctx, a->pkt, d.nsec3, zone, now, v);
		ldns_rr_list_free(d.nsec);
		ldns_rr_list_free(d.nsec3);
		ldns_rr_list_free(d.sigs);
	}
	ldns_rr_free(question);
	ldns_rdf_deep_free(zone);
}

/* Judge what server serves into v. */
static void judge_server(struct check_ctx *ctx, const struct dnssec_rule *p, const struct ds_view *ds,
			 time_t now, struct verdict *v)
{
	const struct answer *a = ctx_answer_dnssec(ctx, v->server, p->zone, LDNS_RR_TYPE_DNSKEY);
	const char *problem = answer_problem(ctx, a);
	if (problem) {
		/* the ns check reports the zone's servers that do not answer;
		 * a server given as a side is this check's to report */
		if (!(v->server->roles & (SERVER_PARENT | SERVER_CHILD)))
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject_of(ctx, p->zone, LDNS_RR_TYPE_DNSKEY),
				    v->server, NULL, problem,
				    "no usable answer (%s): what this server signs is not known", problem);
		return;
	}
	v->usable = 1;
	ldns_rdf *zone = ldns_dname_new_frm_str(p->zone);
	v->keys = zone ? zone_keys(a, zone) : NULL;
	if (!v->keys) {
		if (ds->state == DNSSEC_DS_PRESENT) {
			ctx_finding(
				ctx, CODE_DNSSEC_UNSIGNED, subject_of(ctx, p->zone, LDNS_RR_TYPE_DNSKEY),
				v->server, "DNSKEY records", "none",
				"the server serves %s unsigned (no DNSKEY) while the parent has a DS for it "
				"(%s): validating resolvers that ask it fail the zone (SERVFAIL)",
				name_display(ctx, p->zone), tags_words(ctx, ds->tags));
			v->problems++;
		}
		ldns_rdf_deep_free(zone);
		return;
	}
	v->signs = 1;
	v->dnskey_ttl = ldns_rr_ttl(ldns_rr_list_rr(v->keys, 0));
	judge_keys(ctx, p, ds, a, zone, now, v);
	for (size_t i = 0; i < p->n_checked; i++)
		if (p->checked[i].type != LDNS_RR_TYPE_DNSKEY)
			judge_rrset(ctx, p, &p->checked[i], now, v);
	judge_denial(ctx, p, now, v);
	ldns_rdf_deep_free(zone);
}

/* A warning when v's signatures expire within the rule's minimum. */
static void judge_expiry(struct check_ctx *ctx, struct verdict *v, time_t now, unsigned long valid_min)
{
	if (!v->expires || valid_min == 0 || v->expires - now >= (time_t)valid_min)
		return;
	const char *left = span_text(ctx, v->expires - now);
	ctx_finding(ctx, CODE_DNSSEC_SIG_EXPIRING, v->expires_at, v->server,
		    arena_printf(ctx_arena(ctx), ">= %s left", span_text(ctx, (time_t)valid_min)), left,
		    "this RRset's signatures, the first to go, expire on %s, in %s: unless the zone is "
		    "signed anew before then, validating resolvers fail it",
		    time_text(ctx, v->expires), left);
	v->problems++;
}

/* --- the DS, the sides, the order ------------------------------------- */

static void read_ds(struct check_ctx *ctx, const char *zone, struct ds_view *out)
{
	ldns_rr_list *rrs = NULL;
	const char *why = NULL;
	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	enum lookup_outcome o = lookup_records(ctx, zone, LDNS_RR_TYPE_DS, &rrs, &why, NULL);
	if (o == LOOKUP_FAILED) {
		out->state = DNSSEC_DS_UNKNOWN;
		out->why = why;
		return;
	}
	out->state = DNSSEC_DS_ABSENT;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *d = ldns_rr_list_rr(rrs, i);
		if (!key_shaped(d))
			continue;
		list_push(&out->ds, d, 0);
		out->ttl = ldns_rr_ttl(d);
		sb_addf(&sb, "%s%u", sb.len ? ", " : "", ldns_rdf2native_int16(ldns_rr_rdf(d, 0)));
	}
	ldns_rr_list_free(rrs);
	if (out->ds)
		out->state = DNSSEC_DS_PRESENT;
	out->tags = arena_strdup(ctx_arena(ctx), sb.buf ? sb.buf : "");
	sb_release(&sb);
}

/* The state of a side from its servers' verdicts. */
static enum dnssec_side_state side_state(const struct verdict *v, size_t n, enum dnssec_ds ds)
{
	size_t usable = 0, signs = 0, matched = 0;
	for (size_t i = 0; i < n; i++) {
		usable += v[i].usable != 0;
		signs += v[i].signs != 0;
		matched += v[i].matched != 0;
	}
	if (usable == 0)
		return DNSSEC_SIDE_UNKNOWN;
	if (signs == 0)
		return DNSSEC_SIDE_UNSIGNED;
	if (signs < usable)
		return DNSSEC_SIDE_MIXED;
	return ds == DNSSEC_DS_PRESENT && matched == signs ? DNSSEC_SIDE_MATCHED : DNSSEC_SIDE_UNMATCHED;
}

/* The DS records (zone-file lines joined by "; ") of the keys a side would
 * need at the parent: those that sign its DNSKEY set, key-signing keys
 * first choice; NULL when none signs. */
static const char *side_ds_text(struct check_ctx *ctx, const char *zone, const struct verdict *v, size_t n)
{
	const struct verdict *s = NULL;
	for (size_t i = 0; i < n && !s; i++)
		if (v[i].signs && v[i].signers && ldns_rr_list_rr_count(v[i].signers))
			s = &v[i];
	if (!s)
		return NULL;
	int any_sep = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(s->signers); i++)
		any_sep |= key_flags(ldns_rr_list_rr(s->signers, i)) & DNSKEY_SEP;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ldns_rr_list_rr_count(s->signers); i++) {
		const ldns_rr *k = ldns_rr_list_rr(s->signers, i);
		int dup = 0;
		for (size_t j = 0; j < i && !dup; j++)
			dup = ldns_rr_list_rr(s->signers, j) == k;
		if (dup || (any_sep && !(key_flags(k) & DNSKEY_SEP)))
			continue;
		ldns_rr *ds = ldns_key_rr2ds(k, LDNS_SHA256);
		if (!ds)
			continue;
		sb_addf(&sb, "%s%s IN DS %s", sb.len ? "; " : "", zone, rr_rdata(ctx, ds));
		ldns_rr_free(ds);
	}
	const char *out = sb.buf ? arena_strdup(ctx_arena(ctx), sb.buf) : NULL;
	sb_release(&sb);
	return out;
}

/* Key tags of the DS records no key of the verdicts' servers matches
 * ("12345, 23456"), or NULL. */
static const char *ds_unmatched(struct check_ctx *ctx, const struct ds_view *ds, const struct verdict *v,
				size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; ds->ds && i < ldns_rr_list_rr_count(ds->ds); i++) {
		const ldns_rr *d = ldns_rr_list_rr(ds->ds, i);
		int matched = 0;
		for (size_t s = 0; s < n && !matched; s++)
			for (size_t k = 0; v[s].keys && k < ldns_rr_list_rr_count(v[s].keys) && !matched; k++)
				matched = ds_match(d, ldns_rr_list_rr(v[s].keys, k));
		if (!matched)
			sb_addf(&sb, "%s%u", sb.len ? ", " : "", ldns_rdf2native_int16(ldns_rr_rdf(d, 0)));
	}
	const char *out = sb.buf ? arena_strdup(ctx_arena(ctx), sb.buf) : NULL;
	sb_release(&sb);
	return out;
}

/* Whether two lists of servers are the same servers (by address). */
static int same_servers(const struct side *a, const struct side *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		int found = 0;
		for (size_t j = 0; j < b->n && !found; j++)
			found = a->servers[i]->addrlen == b->servers[j]->addrlen &&
				memcmp(&a->servers[i]->addr, &b->servers[j]->addr, a->servers[i]->addrlen) ==
					0;
		if (!found)
			return 0;
	}
	return 1;
}

/* The names of servers, each once, in order ("ns1.example.net, 192.0.2.1"). */
static const char *servers_text(struct check_ctx *ctx, const struct ns_server *const *servers, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const char *name =
			servers[i]->name ? name_display(ctx, servers[i]->name) : servers[i]->addr_text;
		int dup = 0;
		for (size_t j = 0; j < i && !dup; j++)
			dup = servers[j]->name
				      ? servers[i]->name && strcmp(servers[i]->name, servers[j]->name) == 0
				      : !servers[i]->name &&
						strcmp(servers[i]->addr_text, servers[j]->addr_text) == 0;
		if (!dup)
			sb_addf(&sb, "%s%s", sb.len ? ", " : "", name);
	}
	const char *out = arena_strdup(ctx_arena(ctx), sb.buf ? sb.buf : "");
	sb_release(&sb);
	return out;
}

/* The largest TTL of the zone's NS set through the resolver, or -1. */
static long ns_ttl(struct check_ctx *ctx, const char *zone)
{
	ldns_rr_list *rrs = NULL;
	long ttl = -1;
	if (lookup_records(ctx, zone, LDNS_RR_TYPE_NS, &rrs, NULL, NULL) == LOOKUP_DATA)
		for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++)
			if ((long)ldns_rr_ttl(ldns_rr_list_rr(rrs, i)) > ttl)
				ttl = ldns_rr_ttl(ldns_rr_list_rr(rrs, i));
	ldns_rr_list_free(rrs);
	return ttl;
}

/* The verdicts of the servers of side (a slice of all, matched by server). */
static struct verdict *side_verdicts(struct check_ctx *ctx, const struct side *side,
				     const struct verdict *all, size_t n_all)
{
	struct verdict *out = arena_alloc(ctx_arena(ctx), (side->n + 1) * sizeof(*out));
	for (size_t i = 0; i < side->n; i++)
		for (size_t j = 0; j < n_all; j++)
			if (all[j].server == side->servers[i])
				out[i] = all[j];
	return out;
}

static void order_finding(struct check_ctx *ctx, const struct dnssec_rule *p, const struct ds_view *ds,
			  const struct verdict *all, size_t n_all)
{
	const struct delegation *d = ctx_delegation(ctx);
	struct dnssec_order_facts f;
	memset(&f, 0, sizeof(f));
	f.zone = name_display(ctx, p->zone);
	f.ds_ttl = ds->ttl;
	f.ns_ttl = ns_ttl(ctx, p->zone);
	f.dnskey_ttl = -1;
	f.ds_tags = ds->state == DNSSEC_DS_PRESENT ? ds->tags : NULL;

	enum dnssec_side_state from_state, to_state;
	const enum dnssec_side_state *from = NULL;
	const struct verdict *to_v = all, *from_v = NULL;
	size_t to_n = n_all, from_n = 0;
	if (p->sides) {
		to_v = side_verdicts(ctx, &p->to, all, n_all);
		to_n = p->to.n;
		f.to = p->to.text;
		if (p->from.text && *p->from.text) {
			from_v = side_verdicts(ctx, &p->from, all, n_all);
			from_n = p->from.n;
			from_state = side_state(from_v, from_n, ds->state);
			from = &from_state;
			f.no_move = same_servers(&p->from, &p->to);
		}
	} else {
		f.to = servers_text(ctx, p->servers, p->n_servers);
		f.no_move = !(d && d->given); /* the zone where it is: the same servers before and after */
	}
	to_state = side_state(to_v, to_n, ds->state);
	if (f.no_move) {
		from_state = to_state;
		from = &from_state;
	}
	for (size_t i = 0; i < from_n; i++)
		if (from_v[i].signs && (f.dnskey_ttl < 0 || from_v[i].dnskey_ttl > f.dnskey_ttl))
			f.dnskey_ttl = from_v[i].dnskey_ttl;
	f.new_ds = side_ds_text(ctx, p->zone, to_v, to_n);
	f.stale_ds = ds->state == DNSSEC_DS_PRESENT ? ds_unmatched(ctx, ds, to_v, to_n) : NULL;
	if (ds->state == DNSSEC_DS_UNKNOWN)
		f.why = arena_printf(ctx_arena(ctx), "the DS lookup failed (%s)",
				     ds->why ? ds->why : "no answer");
	else if (to_state == DNSSEC_SIDE_UNKNOWN)
		f.why = "no new server gave a usable answer";
	else
		f.why = "no old server gave a usable answer";
	enum dnssec_order order = dnssec_order_decide(ds->state, from, to_state);
	char *msg = dnssec_order_message(order, &f);
	ctx_finding(ctx, CODE_DNSSEC_ORDER, f.zone, NULL, NULL, dnssec_order_name(order), "%s", msg);
	free(msg);
}

/* dnssec.ok or dnssec.insecure when nothing was wrong (or no DS). */
static void summary_finding(struct check_ctx *ctx, const struct dnssec_rule *p, const struct ds_view *ds,
			    const struct verdict *v, size_t n, time_t now)
{
	size_t usable = 0, signs = 0, problems = 0;
	const struct verdict *soonest = NULL;
	for (size_t i = 0; i < n; i++) {
		usable += v[i].usable != 0;
		signs += v[i].signs != 0;
		problems += v[i].problems;
		if (v[i].expires && (!soonest || v[i].expires < soonest->expires))
			soonest = &v[i];
	}
	const char *zone = name_display(ctx, p->zone);
	if (usable == 0) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject_of(ctx, p->zone, LDNS_RR_TYPE_DNSKEY), NULL,
			    NULL, NULL,
			    "no server gave a usable answer: the DNSSEC of %s could not be judged", zone);
		return;
	}
	if (ds->state == DNSSEC_DS_ABSENT) {
		if (signs == 0)
			ctx_finding(
				ctx, CODE_DNSSEC_INSECURE, zone, NULL, NULL, "no DS, unsigned",
				"%s has no DS at the parent and its servers sign nothing: the zone is not "
				"signed, and DNSSEC breaks nothing when it moves",
				zone);
		else
			ctx_finding(
				ctx, CODE_DNSSEC_INSECURE, zone, NULL, NULL, "no DS, signed",
				"%s has no DS at the parent, so no resolver validates it, though %zu of "
				"%zu servers sign it: add the DS to secure it (see dnssec.order for when)",
				zone, signs, usable);
		return;
	}
	if (ds->state != DNSSEC_DS_PRESENT || problems > 0 || signs < usable)
		return;
	ctx_finding(ctx, CODE_DNSSEC_OK, zone, NULL, NULL, ds->tags,
		    "the DS at the parent (%s) matches a key %s publishes; every signature checked "
		    "verifies, the first to expire on %s (in %s)",
		    tags_words(ctx, ds->tags),
		    usable == 1 ? "the server"
				: arena_printf(ctx_arena(ctx), "each of the %zu servers", usable),
		    soonest ? time_text(ctx, soonest->expires) : "?",
		    soonest ? span_text(ctx, soonest->expires - now) : "?");
}

/* --- the check -------------------------------------------------------- */

/* The RRsets checked: the apex SOA, NS and DNSKEY sets, then names x types. */
static int set_checked(struct check_ctx *ctx, struct dnssec_rule *p)
{
	struct arena *a = ctx_arena(ctx);
	const char **names, **types;
	size_t n = ctx_param_list(ctx, "names", &names), nt = ctx_param_list(ctx, "types", &types);
	size_t n_names = n ? n : 1, n_types = nt ? nt : ARRAY_SIZE(default_types);
	p->checked = arena_alloc(a, (3 + n_names * n_types) * sizeof(*p->checked));
	static const ldns_rr_type apex[] = {LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_DNSKEY};
	for (size_t i = 0; i < ARRAY_SIZE(apex); i++)
		p->checked[p->n_checked++] = (struct checked){p->zone, apex[i], 1};
	for (size_t i = 0; i < n_names; i++) {
		const char *name = n ? ctx_name(ctx, names[i]) : p->zone;
		if (!name || !name_is_under(name, p->zone)) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, names[i], NULL, NULL, NULL,
				    name ? "'%s' is not in the zone %s: its signatures are not the zone's to "
					   "check"
					 : "'%s' is not a valid name",
				    names[i], name_display(ctx, p->zone));
			continue;
		}
		for (size_t t = 0; t < n_types; t++) {
			ldns_rr_type type = nt ? ldns_get_rr_type_by_name(types[t]) : default_types[t];
			int dup = 0;
			for (size_t k = 0; k < p->n_checked && !dup; k++)
				dup = p->checked[k].type == type && strcmp(p->checked[k].name, name) == 0;
			if (!dup)
				p->checked[p->n_checked++] = (struct checked){name, type, 0};
		}
	}
	return 0;
}

/* Ask every question of server (once: the audit sends a question once). */
static void ask_server(struct check_ctx *ctx, struct dnssec_rule *p, const struct ns_server *s)
{
	for (size_t i = 0; i < p->n_servers; i++)
		if (p->servers[i] == s)
			return;
	p->servers[p->n_servers++] = s;
	for (size_t i = 0; i < p->n_checked; i++)
		ctx_ask_dnssec(ctx, s, p->checked[i].name, p->checked[i].type);
	ctx_ask_dnssec(ctx, s, p->nx, LDNS_RR_TYPE_A);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct dnssec_rule *p = arena_alloc(ctx_arena(ctx), sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->zone = ctx_zone(ctx);
	p->nx = arena_printf(ctx_arena(ctx), "%s.%s", NX_LABEL, p->zone);
	set_checked(ctx, p);
	p->sides = ctx_param(ctx, "to") != NULL;
	ctx_lookup(ctx, p->zone, LDNS_RR_TYPE_DS);
	ctx_lookup(ctx, p->zone, LDNS_RR_TYPE_NS);
	if (p->sides) {
		side_ask(ctx, "from");
		side_ask(ctx, "to");
	} else {
		size_t n;
		const struct ns_server *servers = ctx_servers(ctx, &n);
		p->servers = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(*p->servers));
		for (size_t i = 0; i < n; i++)
			ask_server(ctx, p, &servers[i]);
		p->asked = 1;
	}
	*ctx_state(ctx) = p;
	return 0;
}

/* Each side's servers, now that their addresses are looked up; every
 * question asked of each. */
static void ask_sides(struct check_ctx *ctx, struct dnssec_rule *p)
{
	side_servers(ctx, "from", SERVER_PREVIOUS, &p->from);
	side_servers(ctx, "to", 0, &p->to);
	p->servers = arena_alloc(ctx_arena(ctx), (p->from.n + p->to.n + 1) * sizeof(*p->servers));
	for (size_t i = 0; i < p->from.n; i++)
		ask_server(ctx, p, p->from.servers[i]);
	for (size_t i = 0; i < p->to.n; i++)
		ask_server(ctx, p, p->to.servers[i]);
	const struct side *sides[] = {&p->from, &p->to};
	for (size_t s = 0; s < ARRAY_SIZE(sides); s++) {
		for (size_t i = 0; i < sides[s]->n_unresolved; i++) {
			const char *item = sides[s]->unresolved[i];
			ctx_finding(
				ctx, CODE_CHECK_NO_DATA, item, NULL, "an address", "none",
				strcmp(item, SIDE_DELEGATED) == 0
					? "%s: the zone's delegation gave no server with an address to check"
					: "%s: '%s' has no address: it is not checked",
				s ? "to" : "from", item);
		}
	}
	p->asked = 1;
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct dnssec_rule *p = *ctx_state(ctx);
	if (!p->asked) {
		ask_sides(ctx, p);
		if (p->n_servers)
			return CHECK_AGAIN;
	}
	time_t now = time(NULL);
	unsigned long valid_min = DEFAULT_VALID_MIN;
	const char *vm = ctx_param_str(ctx, "sig_valid_min");
	if (vm && parse_duration(vm, &valid_min) != 0)
		valid_min = DEFAULT_VALID_MIN;
	struct ds_view ds;
	read_ds(ctx, p->zone, &ds);
	if (ds.state == DNSSEC_DS_UNKNOWN)
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject_of(ctx, p->zone, LDNS_RR_TYPE_DS), NULL, NULL,
			    ds.why,
			    "the DS set of %s could not be looked up (%s): keys are not compared with it",
			    name_display(ctx, p->zone), ds.why ? ds.why : "no answer");
	struct verdict *v = xcalloc(p->n_servers + 1, sizeof(*v));
	for (size_t i = 0; i < p->n_servers; i++) {
		v[i].server = p->servers[i];
		v[i].dnskey_ttl = -1;
		judge_server(ctx, p, &ds, now, &v[i]);
		judge_expiry(ctx, &v[i], now, valid_min);
	}
	summary_finding(ctx, p, &ds, v, p->n_servers, now);
	order_finding(ctx, p, &ds, v, p->n_servers);
	for (size_t i = 0; i < p->n_servers; i++) {
		ldns_rr_list_free(v[i].keys);
		ldns_rr_list_free(v[i].signers);
	}
	ldns_rr_list_free(ds.ds);
	free(v);
	return 0;
}

/* A rule whose sides name no "delegated" needs no discovery. */
static int resolver_only(const struct rule *rule)
{
	return rule_param(rule, "to") && !side_uses_delegation(rule, "from") &&
	       !side_uses_delegation(rule, "to");
}

/* from: needs to:; each item of both parses as a server. */
static int validate(const struct rule *rule, const struct rule_value **at, char *err, size_t errlen)
{
	const struct rule_value *from = rule_param(rule, "from");
	*at = NULL;
	if (from && !rule_param(rule, "to")) {
		*at = from;
		snprintf(err, errlen,
			 "'from' needs 'to': the new servers the zone moves to (delegated, NAME, "
			 "NAME/ADDR or ADDR)");
		return -1;
	}
	if (side_validate(rule, "from", at, err, errlen) != 0 ||
	    side_validate(rule, "to", at, err, errlen) != 0)
		return -1;
	return 0;
}

const struct check_desc check_dnssec = {
	.name = "dnssec",
	.summary = "DS at the parent against every server's keys, signatures and their expiry, NSEC/NSEC3 "
		   "proofs; with from/to, which change comes first across a provider move",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = resolver_only,
	.validate = validate,
};
