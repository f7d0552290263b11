/* Harness dnssec: hostile DNSKEY, RRSIG, NSEC, NSEC3 and DS answers fed to
 * the dnssec check's judging code (checks/dnssec.c) through the offline
 * audit (audit_run_offline).
 *
 * fuzz.test is signed here, once, with a fixed Ed25519 key (deterministic
 * signatures) and an NSEC chain, and answered as a signing server answers
 * with DO set: the records and their RRSIGs, NODATA and wildcard answers
 * with their proofs; the resolver gives the DS of the key. Unfuzzed, the
 * check finds it all valid (checked at start: the harness reaches the code
 * that verifies).
 *
 * Input: a flags byte, a byte picking the rule, then a DNS message. The
 * flags say where the message goes:
 *	bits 0-1: the sources it answers for: 0 ns1, 1 ns2, 2 both and the
 *	          servers of from:/to:, 3 all of those and the resolver
 *	bit 2:    splice: its answer and authority records are added to the
 *	          signed answer's (valid keys and signatures beside hostile
 *	          ones); else it replaces the answer, its question made the
 *	          one asked
 *	bits 3-5: the questions it answers: 1 DNSKEY, 2 SOA, 3 NS, 4 the
 *	          name that does not exist, 5 DS (the resolver), 6 the apex A
 *	          and MX; 0 and 7 all
 *	bit 6:    splice with the message's RCODE instead of the signed one's
 * The second byte picks a rule of the set below (modulo its size plus one;
 * the last value: all). Invariants: every finding is the dnssec check's,
 * readable, and makes a JSON report that parses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz.h"

static const char rules_yaml[] = "checks:\n"
				 "  - check: dnssec\n"
				 "  - check: dnssec\n"
				 "    names: [\"{domain}\", www, mail, nothere]\n"
				 "    types: [A, AAAA, MX, TXT, CNAME, NSEC]\n"
				 "    sig_valid_min: 30d\n"
				 "  - check: dnssec\n"
				 "    from: [\"ns1.fuzz.test/192.0.2.1\"]\n"
				 "    to: [\"ns2.fuzz.test/2001:db8::2\", \"192.0.2.99\"]\n"
				 "  - check: dnssec\n"
				 "    from: delegated\n"
				 "    to: delegated\n";

/* The key: made once with ldns-keygen -a ED25519 -k fuzz.test. */
static const char key_text[] = "Private-key-format: v1.2\n"
			       "Algorithm: 15 (ED25519)\n"
			       "PrivateKey: Qs3cj7Tx1Cl2ptEB5MaCHGyN7txmPzHIRzOXauWEz0g=\n";

/* The zone before signing: the NSEC chain is written out, in canonical
 * order (fuzz.test, *.fuzz.test, mail, ns1, ns2, www). */
static const char *const zone_text[] = {
	"fuzz.test. 300 IN SOA ns1.fuzz.test. hostmaster.fuzz.test. 2026010101 14400 3600 1209600 300",
	"fuzz.test. 300 IN NS ns1.fuzz.test.",
	"fuzz.test. 300 IN NS ns2.fuzz.test.",
	"fuzz.test. 300 IN A 192.0.2.10",
	"fuzz.test. 300 IN MX 10 mail.fuzz.test.",
	"fuzz.test. 300 IN NSEC *.fuzz.test. A NS SOA MX RRSIG NSEC DNSKEY",
	"*.fuzz.test. 300 IN A 192.0.2.20",
	"*.fuzz.test. 300 IN NSEC mail.fuzz.test. A RRSIG NSEC",
	"mail.fuzz.test. 300 IN A 192.0.2.25",
	"mail.fuzz.test. 300 IN NSEC ns1.fuzz.test. A RRSIG NSEC",
	"ns1.fuzz.test. 300 IN A 192.0.2.1",
	"ns1.fuzz.test. 300 IN NSEC ns2.fuzz.test. A RRSIG NSEC",
	"ns2.fuzz.test. 300 IN AAAA 2001:db8::2",
	"ns2.fuzz.test. 300 IN NSEC www.fuzz.test. AAAA RRSIG NSEC",
	"www.fuzz.test. 300 IN CNAME fuzz.test.",
	"www.fuzz.test. 300 IN NSEC fuzz.test. CNAME RRSIG NSEC",
};

/* Signatures from 2020 to 2038: valid whenever the harness runs (ldns
 * compares the times as signed 32-bit numbers, so not past 2038-01-19). */
#define INCEPTION 1577836800u  /* 2020-01-01 */
#define EXPIRATION 2145916800u /* 2038-01-01 */

static struct ruleset rules;
static ldns_rr_list *signed_zone; /* every record, its DNSKEY and RRSIGs */
static ldns_rr *ds;		  /* the DS of the key, for the resolver */
static ldns_rdf *apex, *wildcard;

static ldns_rr *rr_from(const char *text)
{
	ldns_rr *rr = NULL;
	if (ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL) != LDNS_STATUS_OK) {
		fprintf(stderr, "fuzz dnssec: bad record: %s\n", text);
		abort();
	}
	return rr;
}

static ldns_key_list *load_key(void)
{
	FILE *f = fmemopen((void *)key_text, sizeof(key_text) - 1, "r");
	ldns_key *key = NULL;
	if (!f || ldns_key_new_frm_fp(&key, f) != LDNS_STATUS_OK) {
		fprintf(stderr, "fuzz dnssec: the key does not load\n");
		abort();
	}
	fclose(f);
	ldns_key_set_pubkey_owner(key, ldns_rdf_clone(apex));
	ldns_key_set_flags(key, 257);
	ldns_key_set_inception(key, INCEPTION);
	ldns_key_set_expiration(key, EXPIRATION);
	ldns_key_list *keys = ldns_key_list_new();
	ldns_key_list_push_key(keys, key);
	return keys;
}

/* Sign the zone: each RRset (owner, type) gets its RRSIG. */
static void sign_zone(void)
{
	ldns_rr_list *plain = ldns_rr_list_new();
	for (size_t i = 0; i < ARRAY_SIZE(zone_text); i++)
		ldns_rr_list_push_rr(plain, rr_from(zone_text[i]));
	ldns_key_list *keys = load_key();
	ldns_rr *dnskey = ldns_key2rr(ldns_key_list_key(keys, 0));
	ldns_rr_set_ttl(dnskey, 300);
	/* the tag was made when the key was read, before its flags were set */
	ldns_key_set_keytag(ldns_key_list_key(keys, 0), ldns_calc_keytag(dnskey));
	ldns_rr_list_push_rr(plain, dnskey);
	ds = ldns_key_rr2ds(dnskey, LDNS_SHA256);
	signed_zone = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(plain); i++) {
		ldns_rr *rr = ldns_rr_list_rr(plain, i);
		ldns_rr_list_push_rr(signed_zone, ldns_rr_clone(rr));
		int first = 1; /* the first record of its RRset signs it */
		for (size_t j = 0; j < i && first; j++) {
			ldns_rr *o = ldns_rr_list_rr(plain, j);
			first = !(ldns_rr_get_type(o) == ldns_rr_get_type(rr) &&
				  ldns_dname_compare(ldns_rr_owner(o), ldns_rr_owner(rr)) == 0);
		}
		if (!first)
			continue;
		ldns_rr_list *rrset = ldns_rr_list_new();
		for (size_t j = i; j < ldns_rr_list_rr_count(plain); j++) {
			ldns_rr *o = ldns_rr_list_rr(plain, j);
			if (ldns_rr_get_type(o) == ldns_rr_get_type(rr) &&
			    ldns_dname_compare(ldns_rr_owner(o), ldns_rr_owner(rr)) == 0)
				ldns_rr_list_push_rr(rrset, o);
		}
		ldns_rr_list *sigs = ldns_sign_public(rrset, keys);
		if (!sigs || ldns_rr_list_rr_count(sigs) != 1) {
			fprintf(stderr, "fuzz dnssec: signing failed\n");
			abort();
		}
		ldns_rr_list_push_rr(signed_zone, ldns_rr_list_pop_rr(sigs));
		ldns_rr_list_free(sigs);
		ldns_rr_list_free(rrset);
	}
	ldns_rr_list_deep_free(plain);
	ldns_key_list_free(keys);
}

/* Push copies of the records at owner of type (RRSIGs: those covering
 * type) into section of pkt, named name. Returns how many. */
static size_t push(ldns_pkt *pkt, ldns_pkt_section section, const ldns_rdf *owner, const ldns_rdf *name,
		   ldns_rr_type type, int sigs)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(signed_zone); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(signed_zone, i);
		if (ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t == LDNS_RR_TYPE_RRSIG)
			t = sigs ? ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) : 0;
		else if (sigs)
			continue;
		if (t != type)
			continue;
		ldns_rr *copy = ldns_rr_clone(rr);
		ldns_rdf_deep_free(ldns_rr_owner(copy));
		ldns_rr_set_owner(copy, ldns_rdf_clone(name));
		ldns_pkt_push_rr(pkt, section, copy);
		n++;
	}
	return n;
}

/* An RRset and its signatures. */
static size_t push_signed(ldns_pkt *pkt, ldns_pkt_section section, const ldns_rdf *owner,
			  const ldns_rdf *name, ldns_rr_type type)
{
	size_t n = push(pkt, section, owner, name, type, 0);
	if (n)
		push(pkt, section, owner, name, type, 1);
	return n;
}

static int owner_exists(const ldns_rdf *name)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(signed_zone); i++)
		if (ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(signed_zone, i)), name) == 0)
			return 1;
	return 0;
}

/* The NSEC records (and signatures) that cover name, into the authority. */
static void push_cover(ldns_pkt *pkt, const ldns_rdf *name)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(signed_zone); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(signed_zone, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC && ldns_nsec_covers_name(rr, name))
			push_signed(pkt, LDNS_SECTION_AUTHORITY, ldns_rr_owner(rr), ldns_rr_owner(rr),
				    LDNS_RR_TYPE_NSEC);
	}
}

/* fuzz.test as a signing server answers name/type with DO set; through the
 * resolver (rd), the DS of the key and the records themselves. */
static ldns_pkt *signed_answer(const char *name, ldns_rr_type type, int rd)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	if (!qname)
		return NULL;
	ldns_pkt *pkt = fuzz_answer_new(qname, type, rd);
	if (type == LDNS_RR_TYPE_DS && ldns_dname_compare(qname, apex) == 0) {
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, ldns_rr_clone(ds));
	} else if (owner_exists(qname)) {
		if (!push_signed(pkt, LDNS_SECTION_ANSWER, qname, qname, type) &&
		    !push_signed(pkt, LDNS_SECTION_ANSWER, qname, qname, LDNS_RR_TYPE_CNAME)) {
			push_signed(pkt, LDNS_SECTION_AUTHORITY, apex, apex, LDNS_RR_TYPE_SOA);
			push_signed(pkt, LDNS_SECTION_AUTHORITY, qname, qname, LDNS_RR_TYPE_NSEC);
		}
	} else if (ldns_dname_is_subdomain(qname, apex) &&
		   push_signed(pkt, LDNS_SECTION_ANSWER, wildcard, qname, type)) {
		push_cover(pkt, qname);
	} else {
		ldns_pkt_set_rcode(pkt, LDNS_RCODE_NXDOMAIN);
		push_signed(pkt, LDNS_SECTION_AUTHORITY, apex, apex, LDNS_RR_TYPE_SOA);
		push_cover(pkt, qname);
		push_cover(pkt, wildcard);
	}
	ldns_rdf_deep_free(qname);
	return pkt;
}

enum { SRC_NS1 = 0, SRC_NS2 = 1, SRC_SERVERS = 2, SRC_ALL = 3 };

struct input {
	unsigned flags;
	ldns_pkt *pkt; /* the message, or NULL when it does not parse */
	const struct delegation *d;
};

/* Whether the question kind the flags pick includes name/type. */
static int picked(unsigned which, const char *name, ldns_rr_type type)
{
	int apex_name = strcmp(name, FUZZ_DOMAIN ".") == 0;
	switch (which) {
	case 1:
		return type == LDNS_RR_TYPE_DNSKEY;
	case 2:
		return type == LDNS_RR_TYPE_SOA;
	case 3:
		return type == LDNS_RR_TYPE_NS;
	case 4:
		return strncmp(name, "cutover-nx-", 11) == 0;
	case 5:
		return type == LDNS_RR_TYPE_DS;
	case 6:
		return apex_name && (type == LDNS_RR_TYPE_A || type == LDNS_RR_TYPE_MX);
	default:
		return 1;
	}
}

/* Append the answer and authority records of from to to. */
static void splice(ldns_pkt *to, const ldns_pkt *from, int rcode)
{
	const ldns_rr_list *an = ldns_pkt_answer(from), *ns = ldns_pkt_authority(from);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		ldns_pkt_push_rr(to, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(an, i)));
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++)
		ldns_pkt_push_rr(to, LDNS_SECTION_AUTHORITY, ldns_rr_clone(ldns_rr_list_rr(ns, i)));
	if (rcode)
		ldns_pkt_set_rcode(to, ldns_pkt_get_rcode(from));
}

static ldns_pkt *answer(void *arg, const struct ns_server *server, int rd, const char *name,
			ldns_rr_type type, int *err)
{
	struct input *in = arg;
	unsigned src = in->flags & 3;
	int hostile = !server			     ? src == SRC_ALL
		      : server == &in->d->servers[0] ? src != SRC_NS2
		      : server == &in->d->servers[1] ? src != SRC_NS1
						     : src >= SRC_SERVERS;
	hostile = hostile && picked((in->flags >> 3) & 7, name, type);
	ldns_pkt *sane = signed_answer(name, type, !server || rd);
	if (!hostile)
		return sane;
	if (!in->pkt) {
		ldns_pkt_free(sane);
		*err = DNS_EMALFORMED;
		return NULL;
	}
	if (in->flags & 4) {
		splice(sane, in->pkt, (in->flags & 64) != 0);
		return sane;
	}
	ldns_pkt_free(sane);
	ldns_pkt *p = fuzz_answer_to(in->pkt, name, type);
	if (!p)
		*err = DNS_ENOMEM;
	return p;
}

static struct audit_result *run(const struct ruleset *rs, struct input *in, struct arena *arena)
{
	struct delegation *d = fuzz_delegation(arena);
	in->d = d;
	struct audit_rules ar = {rs, 1};
	return audit_run_offline(&ar, FUZZ_DOMAIN, d, answer, in);
}

/* Unfuzzed, every rule finds the zone valid: dnssec.ok and nothing wrong. */
static void check_sane(void)
{
	struct arena arena = ARENA_INIT;
	/* ns1 is the hostile source for DS questions, which only the resolver
	 * is asked: nothing is hostile */
	struct input in = {SRC_NS1 | 5 << 3, NULL, NULL};
	for (size_t r = 0; r < rules.n; r++) {
		struct ruleset one = rules;
		one.rules = &rules.rules[r];
		one.n = 1;
		struct audit_result *res = run(&one, &in, &arena);
		int ok = 0;
		for (size_t i = 0; i < res->n; i++) {
			const struct finding *f = &res->findings[i];
			ok |= strcmp(f->code, "dnssec.ok") == 0;
			if (f->status != STATUS_OK && f->status != STATUS_INFO) {
				fprintf(stderr,
					"fuzz dnssec: rule %zu finds the signed zone wrong: %s %s %s\n", r,
					f->code, f->subject ? f->subject : "", f->message ? f->message : "");
				abort();
			}
		}
		if (!ok) {
			fprintf(stderr, "fuzz dnssec: rule %zu does not find the signed zone valid\n", r);
			abort();
		}
		audit_result_free(res);
	}
	arena_release(&arena);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup(rules_yaml, &rules);
	apex = ldns_dname_new_frm_str(FUZZ_DOMAIN ".");
	wildcard = ldns_dname_new_frm_str("*." FUZZ_DOMAIN ".");
	sign_zone();
	check_sane();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct arena arena = ARENA_INIT;
	struct input in = {data[0], NULL, NULL};
	if (ldns_wire2pkt(&in.pkt, data + 2, size - 2) != LDNS_STATUS_OK)
		in.pkt = NULL;
	size_t pick = data[1] % (rules.n + 1);
	struct ruleset one = rules;
	if (pick < rules.n) {
		one.rules = &rules.rules[pick];
		one.n = 1;
	}
	struct audit_result *res = run(&one, &in, &arena);
	fuzz_read_findings(res);
	for (size_t i = 0; i < res->n; i++)
		if (strcmp(res->findings[i].check, "dnssec") != 0)
			abort(); /* only the dnssec check runs */
	audit_result_free(res);
	ldns_pkt_free(in.pkt);
	arena_release(&arena);
	return 0;
}
