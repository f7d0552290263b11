/* compare: every RRset of a zone on the old provider's servers against the
 * new one's, before the move: values compared as data (TXT as the
 * concatenation of its strings, names in any case, sets in any order) and
 * TTLs apart (checks/compare_data.c judges; this file finds the names, asks
 * and reports).
 *
 * The names come from a zone transfer where a server of either side allows
 * one (the old side preferred; both sides' names when both allow it), else
 * from `zone_file`, else they are discovered: the apex, the names mail and
 * web clients look up, common labels, each probed with one question first,
 * and then the targets of MX, CNAME, SRV and NS records inside the zone,
 * round after round. Each name is asked every type of a fixed list (and, from
 * a transfer or a zone file, the types it holds) on every server of both
 * sides.
 *
 * Rounds (judge calls): 0 the sides' servers are known: transfers start;
 * 1 the names are chosen. Names of zone data (a transfer, a zone file) are
 * asked a batch a round, in canonical order; each round judges the batch
 * answered and forgets its answers (ctx_forget), so a zone of 10,000 names
 * holds one batch's answers, not 280,000. Discovered names are few: the
 * probes go out in round 1, then the probes that exist and the targets found
 * are asked, a round each, until nothing new turns up or ROUNDS_MAX; the
 * last round judges them all. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "compare_data.h"
#include "dkim.h"
#include "names.h"
#include "resolve.h"
#include "rules.h"
#include "sides.h"
#include "util.h"

static const struct check_param params[] = {
	{"from", PARAM_STRINGS, 1, NULL,
	 "the old side: \"delegated\" (the servers the parent names today), or servers as NAME, NAME/ADDR or "
	 "ADDR"},
	{"to", PARAM_STRINGS, 1, NULL, "the new side, likewise"},
	{"zone_file", PARAM_STRING, 0, NULL,
	 "a zone file ($ORIGIN the domain) to take the names from when no server allows a zone transfer"},
	{"selectors", PARAM_STRINGS, 0, NULL,
	 "DKIM selectors whose SELECTOR._domainkey names are compared too (default: common ones probed)"},
	{"names", PARAM_NAMES, 0, NULL, "more names to compare (one label: under the domain)"},
	{NULL, 0, 0, NULL, NULL},
};

/* Names compared at most: each costs a question per type and server. */
#define NAMES_MAX 10000
/* Names of zone data asked in one round at least: their answers are held
 * until the next round judges them (some 3 KB a question: 45 MB for 500
 * names of 14 types on two servers a side). More when NAMES_MAX would not
 * fit in the rounds left. */
#define BATCH_MIN 500
/* Rounds of questions at most; the audit allows 16 (CHECK_AGAIN), and the
 * last ones are kept for the judgement. */
#define ROUNDS_MAX 14

/* Asked of every name. */
static const ldns_rr_type fixed_types[] = {
	LDNS_RR_TYPE_A,	   LDNS_RR_TYPE_AAAA,  LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_MX,    LDNS_RR_TYPE_TXT,
	LDNS_RR_TYPE_NS,   LDNS_RR_TYPE_SRV,   LDNS_RR_TYPE_CAA,   LDNS_RR_TYPE_HTTPS, LDNS_RR_TYPE_SVCB,
	LDNS_RR_TYPE_TLSA, LDNS_RR_TYPE_SSHFP, LDNS_RR_TYPE_NAPTR, LDNS_RR_TYPE_PTR,
};

/* Not compared: the dnssec check's (signatures and keys are each
 * provider's own; ZONEMD digests them). */
static const ldns_rr_type dnssec_types[] = {
	LDNS_RR_TYPE_RRSIG,  LDNS_RR_TYPE_NSEC, LDNS_RR_TYPE_NSEC3,   LDNS_RR_TYPE_NSEC3PARAMS,
	LDNS_RR_TYPE_DNSKEY, LDNS_RR_TYPE_CDS,	LDNS_RR_TYPE_CDNSKEY, LDNS_RR_TYPE_ZONEMD,
};

/* Names looked for under the domain when the names are discovered, each
 * probed first with the question most likely to find it. */
static const struct probe_label {
	const char *label;
	ldns_rr_type type;
} special_labels[] = {
	{"_dmarc", LDNS_RR_TYPE_TXT},		      /* RFC 7489 */
	{"_domainkey", LDNS_RR_TYPE_TXT},	      /* the selectors' parent (o=, RFC 4870's policy) */
	{"_mta-sts", LDNS_RR_TYPE_TXT},		      /* RFC 8461 */
	{"mta-sts", LDNS_RR_TYPE_A},		      /* its policy's host */
	{"_smtp._tls", LDNS_RR_TYPE_TXT},	      /* RFC 8460 */
	{"autoconfig", LDNS_RR_TYPE_A},		      /* Thunderbird */
	{"autodiscover", LDNS_RR_TYPE_A},	      /* Outlook */
	{"_autodiscover._tcp", LDNS_RR_TYPE_SRV},     /* Outlook */
	{"_submission._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6186 */
	{"_submissions._tcp", LDNS_RR_TYPE_SRV},      /* RFC 8314 */
	{"_imap._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6186 */
	{"_imaps._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6186 */
	{"_pop3._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6186 */
	{"_pop3s._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6186 */
	{"_caldav._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6764 */
	{"_caldavs._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6764 */
	{"_carddav._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6764 */
	{"_carddavs._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 6764 */
	{"_jmap._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 8620 */
	{"_sip._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 3263 */
	{"_sip._udp", LDNS_RR_TYPE_SRV},	      /* RFC 3263 */
	{"_sips._tcp", LDNS_RR_TYPE_SRV},	      /* RFC 3263 */
	{"_sipfederationtls._tcp", LDNS_RR_TYPE_SRV}, /* Microsoft Teams */
	{"_xmpp-client._tcp", LDNS_RR_TYPE_SRV},      /* RFC 6120 */
	{"_xmpp-server._tcp", LDNS_RR_TYPE_SRV},      /* RFC 6120 */
	{"_matrix._tcp", LDNS_RR_TYPE_SRV},	      /* Matrix federation (before 1.8) */
	{"_matrix-fed._tcp", LDNS_RR_TYPE_SRV},	      /* Matrix federation */
	{"*", LDNS_RR_TYPE_A},			      /* a wildcard */
};

/* Common host names, probed with an A question. */
static const char *const common_labels[] = {
	"www",	   "mail",  "webmail", "ftp",	 "api",	     "smtp",	     "imap",	"pop",	     "pop3",
	"mx",	   "mx1",   "mx2",     "ns",	 "ns1",	     "ns2",	     "ns3",	"vpn",	     "git",
	"gitlab",  "cloud", "chat",    "matrix", "social",   "mastodon",     "forum",	"blog",	     "shop",
	"store",   "dev",   "staging", "test",	 "beta",     "demo",	     "admin",	"portal",    "app",
	"m",	   "cdn",   "static",  "assets", "img",	     "media",	     "docs",	"wiki",	     "status",
	"support", "help",  "remote",  "owa",	 "exchange", "lyncdiscover", "sip",	"calendar",  "dav",
	"files",   "drive", "login",   "auth",	 "sso",	     "id",	     "secure",	"intranet",  "office",
	"crm",	   "jira",  "jenkins", "ci",	 "grafana",  "monitor",	     "db",	"backup",    "vps",
	"server",  "host",  "web",     "www2",	 "old",	     "new",	     "email",	"relay",     "news",
	"events",  "jobs",  "careers", "pay",	 "billing",  "dashboard",    "my",	"cpanel",    "whm",
	"plesk",   "panel", "cp",      "smtp1",	 "smtp2",    "imap1",	     "webdisk", "autoreply", "lists",
};

/* One name compared. */
struct entry {
	const char *name;    /* absolute, lower case */
	int full;	     /* asked fixed_types (and SOA at the apex) */
	ldns_rr_type *types; /* and these (present in the zone data, or the only ones asked) */
	size_t n_types, cap_types;
	int asked;
	struct entry *hnext;
};

/* A set of names: a hash table and the insertion order. */
struct nameset {
	struct entry **b;
	size_t nb;
	struct entry **v;
	size_t n, cap;
};

struct probe {
	const char *name;
	ldns_rr_type type;
};

enum phase { P_START, P_NAMES, P_BATCH, P_PROBED, P_FOLLOW };

/* Answers that could not be used, per server of a side. */
struct tally {
	size_t *asked, *bad;
	const char **first; /* "www.example.org/A: timed out" */
};

struct cmp {
	enum phase phase;
	const char *zone;    /* the domain, absolute */
	struct side side[2]; /* [0] old (from), [1] new (to) */
	struct nameset names;
	struct nameset cuts; /* delegations inside the zone (zone data) */
	struct probe *probes;
	size_t n_probes;
	size_t frontier; /* discovery: names.v[frontier..n) were asked in the last round */
	/* zone data: names.v[0..judged) are judged, [judged..asked) asked; a
	 * batch of names a round */
	size_t judged, asked, batch;
	struct tally tally[2];
	size_t compared; /* RRsets */
	/* for compare.names */
	const char *source; /* "a zone transfer (AXFR) from ...", "the zone file PATH", "discovery" */
	const struct ns_server *source_at; /* the server that gave the zone */
	const char *source_note;	   /* what the message adds */
	size_t over_cap;		   /* names left out past NAMES_MAX */
	int rounds_out;			   /* targets left unasked at ROUNDS_MAX */
};

static const char *const side_word[2] = {"old", "new"};
static const char *const side_key[2] = {"from", "to"};

/* --- names ---------------------------------------------------------------- */

static size_t name_hash(const char *s)
{
	size_t h = 5381;
	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static struct entry *names_find(const struct nameset *set, const char *name)
{
	if (!set->nb)
		return NULL;
	for (struct entry *e = set->b[name_hash(name) & (set->nb - 1)]; e; e = e->hnext)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Grow an arena array of elem-sized items to hold one more (the old one is
 * left to the arena). */
static void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = arena_alloc(a, ncap * elem);
	if (n)
		memcpy(nv, v, n * elem);
	*cap = ncap;
	return nv;
}

/* The entry of name (absolute, lower case), added when new; NULL past
 * NAMES_MAX (counted). */
static struct entry *names_add(struct check_ctx *ctx, struct cmp *st, struct nameset *set, const char *name)
{
	struct arena *a = ctx_arena(ctx);
	struct entry *e = names_find(set, name);
	if (e)
		return e;
	if (set == &st->names && set->n >= NAMES_MAX) {
		st->over_cap++;
		return NULL;
	}
	if (set->n >= set->nb) {
		size_t nb = set->nb ? set->nb * 2 : 64;
		struct entry **b = arena_alloc(a, nb * sizeof(*b));
		memset(b, 0, nb * sizeof(*b));
		for (size_t i = 0; i < set->n; i++) {
			struct entry *o = set->v[i];
			size_t slot = name_hash(o->name) & (nb - 1);
			o->hnext = b[slot];
			b[slot] = o;
		}
		set->b = b;
		set->nb = nb;
	}
	e = arena_alloc(a, sizeof(*e));
	memset(e, 0, sizeof(*e));
	e->name = arena_strdup(a, name);
	size_t slot = name_hash(name) & (set->nb - 1);
	e->hnext = set->b[slot];
	set->b[slot] = e;
	set->v = arena_grow(a, set->v, set->n, &set->cap, sizeof(*set->v));
	set->v[set->n++] = e;
	return e;
}

static int type_in(const ldns_rr_type *v, size_t n, ldns_rr_type t)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

static void entry_add_type(struct check_ctx *ctx, struct entry *e, ldns_rr_type t)
{
	if (type_in(e->types, e->n_types, t) || type_in(dnssec_types, ARRAY_SIZE(dnssec_types), t))
		return;
	e->types = arena_grow(ctx_arena(ctx), e->types, e->n_types, &e->cap_types, sizeof(*e->types));
	e->types[e->n_types++] = t;
}

/* The types asked of e, into out (at most ARRAY_SIZE(fixed_types) + 1 +
 * e->n_types); returns how many. */
static size_t entry_types(const struct cmp *st, const struct entry *e, ldns_rr_type *out)
{
	size_t n = 0;
	if (e->full) {
		for (size_t i = 0; i < ARRAY_SIZE(fixed_types); i++)
			out[n++] = fixed_types[i];
		if (strcmp(e->name, st->zone) == 0)
			out[n++] = LDNS_RR_TYPE_SOA;
	}
	for (size_t i = 0; i < e->n_types; i++)
		if (!type_in(out, n, e->types[i]))
			out[n++] = e->types[i];
	return n;
}

#define TYPES_MAX(e) (ARRAY_SIZE(fixed_types) + 1 + (e)->n_types)

/* A name compared in full (every type of the fixed list); NULL when it is
 * not a name under the zone, or past NAMES_MAX. */
static struct entry *add_full(struct check_ctx *ctx, struct cmp *st, const char *name)
{
	const char *canon = name ? ctx_name(ctx, name) : NULL;
	if (!canon || !name_is_under(canon, st->zone))
		return NULL;
	struct entry *e = names_add(ctx, st, &st->names, canon);
	if (e)
		e->full = 1;
	return e;
}

/* Ask every type of e of every server of both sides. */
static void ask_entry(struct check_ctx *ctx, struct cmp *st, struct entry *e)
{
	ldns_rr_type *types = xmalloc(TYPES_MAX(e) * sizeof(*types));
	size_t nt = entry_types(st, e, types);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < st->side[k].n; i++)
			for (size_t t = 0; t < nt; t++)
				ctx_ask(ctx, st->side[k].servers[i], e->name, types[t]);
	free(types);
	e->asked = 1;
}

/* Ask every name not asked yet; the frontier starts at the first of them.
 * Returns how many were asked. */
static size_t ask_new(struct check_ctx *ctx, struct cmp *st)
{
	size_t asked = 0, first = st->names.n;
	for (size_t i = 0; i < st->names.n; i++) {
		struct entry *e = st->names.v[i];
		if (e->asked)
			continue;
		if (i < first)
			first = i;
		ask_entry(ctx, st, e);
		asked++;
	}
	st->frontier = first;
	return asked;
}

/* --- names from zone data (a transfer, a zone file) ------------------------ */

/* Whether name lies below a delegation inside the zone (glue, or data the
 * cut hides): not the zone's to compare. */
static int below_cut(const struct cmp *st, const char *name)
{
	const char *p = name;
	while ((p = strchr(p, '.')) && p[1]) {
		p++;
		if (strcmp(p, st->zone) == 0 || !name_is_under(p, st->zone))
			return 0;
		if (names_find(&st->cuts, p))
			return 1;
	}
	return 0;
}

/* Every owner of rrs under the zone, with the types it holds. */
static void add_zone_data(struct check_ctx *ctx, struct cmp *st, const ldns_rr_list *rrs)
{
	size_t n = ldns_rr_list_rr_count(rrs);
	const char **owners = xcalloc(n + 1, sizeof(*owners));
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		char *t = ldns_rdf2str(ldns_rr_owner(rr));
		owners[i] = t ? ctx_name(ctx, t) : NULL;
		free(t);
		if (owners[i] && ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS &&
		    strcmp(owners[i], st->zone) != 0 && name_is_under(owners[i], st->zone))
			names_add(ctx, st, &st->cuts, owners[i]);
	}
	for (size_t i = 0; i < n; i++) {
		if (!owners[i] || below_cut(st, owners[i]))
			continue;
		struct entry *e = add_full(ctx, st, owners[i]);
		if (e)
			entry_add_type(ctx, e, ldns_rr_get_type(ldns_rr_list_rr(rrs, i)));
	}
	free(owners);
}

/* --- names discovered ------------------------------------------------------ */

static void add_probe(struct check_ctx *ctx, struct cmp *st, size_t *cap, const char *label,
		      ldns_rr_type type)
{
	const char *name = ctx_name(ctx, arena_printf(ctx_arena(ctx), "%s.%s", label, st->zone));
	if (!name || names_find(&st->names, name))
		return; /* too long a name under a long domain; or compared anyway */
	st->probes = arena_grow(ctx_arena(ctx), st->probes, st->n_probes, cap, sizeof(*st->probes));
	st->probes[st->n_probes].name = name;
	st->probes[st->n_probes++].type = type;
}

static void make_probes(struct check_ctx *ctx, struct cmp *st)
{
	size_t cap = 0, n_sel;
	for (size_t i = 0; i < ARRAY_SIZE(special_labels); i++)
		add_probe(ctx, st, &cap, special_labels[i].label, special_labels[i].type);
	for (size_t i = 0; i < ARRAY_SIZE(common_labels); i++)
		add_probe(ctx, st, &cap, common_labels[i], LDNS_RR_TYPE_A);
	const char **given;
	if (ctx_param_list(ctx, "selectors", &given) > 0)
		return; /* given: compared in full */
	const char *const *sel = dkim_common_selectors(&n_sel);
	for (size_t i = 0; i < n_sel; i++)
		add_probe(ctx, st, &cap, arena_printf(ctx_arena(ctx), "%s._domainkey", sel[i]),
			  LDNS_RR_TYPE_TXT);
}

/* Whether any server of either side says name exists (an answer other than
 * NXDOMAIN to its probe). */
static int probe_found(struct check_ctx *ctx, struct cmp *st, const struct probe *p)
{
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < st->side[k].n; i++) {
			const struct answer *a = ctx_answer(ctx, st->side[k].servers[i], p->name, p->type);
			struct rrset_view v;
			if (!a)
				continue;
			compare_rrset_read(ctx_arena(ctx), a->pkt, a->err, p->name, p->type, st->zone, &v);
			if (v.state != RRSET_UNUSABLE && v.state != RRSET_NXDOMAIN)
				return 1;
		}
	return 0;
}

/* The targets of e's MX, CNAME, SRV and NS records on any server, inside
 * the zone, added (an MX host's DANE name too, _25._tcp, asked TLSA alone).
 * Returns how many names are new. */
static size_t follow(struct check_ctx *ctx, struct cmp *st, const struct entry *e)
{
	static const struct {
		ldns_rr_type type;
		size_t field;
	} links[] = {
		{LDNS_RR_TYPE_MX, 1},
		{LDNS_RR_TYPE_CNAME, 0},
		{LDNS_RR_TYPE_SRV, 3},
		{LDNS_RR_TYPE_NS, 0},
	};
	size_t added = 0;
	for (size_t l = 0; l < ARRAY_SIZE(links) && e->full; l++)
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; i < st->side[k].n; i++) {
				const struct answer *a =
					ctx_answer(ctx, st->side[k].servers[i], e->name, links[l].type);
				ldns_rr_list *rrs = answer_rrset(a, e->name, links[l].type);
				for (size_t r = 0; rrs && r < ldns_rr_list_rr_count(rrs); r++) {
					const char *t = rr_name(ctx, ldns_rr_list_rr(rrs, r), links[l].field);
					if (!t || !name_is_under(t, st->zone) || names_find(&st->names, t))
						continue;
					added += add_full(ctx, st, t) != NULL;
					if (links[l].type != LDNS_RR_TYPE_MX)
						continue;
					const char *dane =
						ctx_name(ctx, arena_printf(ctx_arena(ctx), "_25._tcp.%s", t));
					struct entry *d = dane ? names_add(ctx, st, &st->names, dane) : NULL;
					if (d && !d->asked) {
						entry_add_type(ctx, d, LDNS_RR_TYPE_TLSA);
						added++;
					}
				}
				if (rrs)
					ldns_rr_list_free(rrs);
			}
	return added;
}

/* --- the check ----------------------------------------------------------- */

static int compare_validate(const struct rule *rule, const struct rule_value **at, char *err, size_t errlen)
{
	if (side_validate(rule, "from", at, err, errlen) != 0 ||
	    side_validate(rule, "to", at, err, errlen) != 0)
		return -1;
	const struct rule_value *zf = rule_param(rule, "zone_file");
	if (zf && zf->str && !strchr(zf->str, '{')) {
		ldns_rr_list *z = NULL;
		char why[512];
		if (compare_zone_read(zf->str, NULL, &z, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "zone_file: %s", why);
			*at = zf;
			return -1;
		}
		ldns_rr_list_deep_free(z);
	}
	return 0;
}

static int compare_resolver_only(const struct rule *rule)
{
	return !side_uses_delegation(rule, "from") && !side_uses_delegation(rule, "to");
}

static int compare_ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct cmp *st = arena_alloc(ctx_arena(ctx), sizeof(*st));
	memset(st, 0, sizeof(*st));
	st->zone = ctx_name(ctx, ctx_domain(ctx));
	if (!st->zone) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "'%s' is not a domain name", ctx_domain(ctx));
		return -1;
	}
	side_ask(ctx, "from");
	side_ask(ctx, "to");
	*ctx_state(ctx) = st;
	return 0;
}

/* Round 0: each side's servers; a side without any is said, and nothing can
 * be compared. Every server is asked for a zone transfer. */
static int start(struct check_ctx *ctx, struct cmp *st)
{
	int usable = 1;
	for (int k = 0; k < 2; k++) {
		struct side *s = &st->side[k];
		side_servers(ctx, side_key[k], 0, s);
		for (size_t i = 0; i < s->n_unresolved; i++)
			ctx_finding(ctx, CODE_COMPARE_UNREACHABLE, name_display(ctx, st->zone), NULL, NULL,
				    NULL, "%s (%s side, %s) has no address%s: its view of %s is not compared",
				    s->unresolved[i], side_word[k], side_key[k],
				    strcmp(s->unresolved[i], SIDE_DELEGATED) == 0 ? " (no delegated server)"
										  : "",
				    name_display(ctx, st->zone));
		if (s->n == 0) {
			usable = 0;
			ctx_finding(ctx, CODE_COMPARE_UNREACHABLE, name_display(ctx, st->zone), NULL, NULL,
				    NULL, "the %s side (%s: %s) has no server to ask: nothing is compared",
				    side_word[k], side_key[k], s->text);
		}
	}
	if (!usable)
		return 0;
	for (int k = 0; k < 2; k++) {
		size_t n = st->side[k].n + 1;
		st->tally[k].asked = arena_alloc(ctx_arena(ctx), n * sizeof(size_t));
		st->tally[k].bad = arena_alloc(ctx_arena(ctx), n * sizeof(size_t));
		st->tally[k].first = arena_alloc(ctx_arena(ctx), n * sizeof(char *));
		memset(st->tally[k].asked, 0, n * sizeof(size_t));
		memset(st->tally[k].bad, 0, n * sizeof(size_t));
		for (size_t i = 0; i < st->side[k].n; i++)
			ctx_transfer(ctx, st->side[k].servers[i], st->zone);
	}
	st->phase = P_NAMES;
	return CHECK_AGAIN;
}

/* What the transfers of side k came to, for compare.names ("ns1 gave it
 * (42 records)" or "ns1: transfer refused; ns2: timed out"); the first
 * server that gave the zone in *got. */
static const char *transfers_told(struct check_ctx *ctx, struct cmp *st, int k, const struct ns_server **got)
{
	struct strbuf sb = STRBUF_INIT;
	*got = NULL;
	for (size_t i = 0; i < st->side[k].n; i++) {
		const struct ns_server *s = st->side[k].servers[i];
		const struct transfer *t = ctx_transfer_result(ctx, s, st->zone);
		if (!t)
			continue;
		if (!t->error && !*got)
			*got = s;
		if (!t->error)
			sb_addf(&sb, "%s%s gave %zu records in %u ms", sb.len ? "; " : "", s->label,
				ldns_rr_list_rr_count(t->rrs), t->ms);
		else
			sb_addf(&sb, "%s%s: %s", sb.len ? "; " : "", s->label, t->error);
	}
	const char *out =
		arena_printf(ctx_arena(ctx), "%s servers: %s", side_word[k], sb.buf ? sb.buf : "none");
	sb_release(&sb);
	return out;
}

static int name_order(const void *pa, const void *pb);
static int next_batch(struct check_ctx *ctx, struct cmp *st);

/* Round 1: the names, from a transfer, the zone file or discovery, asked. */
static int choose_names(struct check_ctx *ctx, struct cmp *st)
{
	const struct ns_server *got[2];
	const char *told[2] = {transfers_told(ctx, st, 0, &got[0]), transfers_told(ctx, st, 1, &got[1])};
	const char *zone_file = ctx_param_str(ctx, "zone_file");
	int discover = 0;
	if (got[0] || got[1]) {
		for (int k = 0; k < 2; k++)
			if (got[k])
				add_zone_data(ctx, st, ctx_transfer_result(ctx, got[k], st->zone)->rrs);
		st->source_at = got[0] ? got[0] : got[1];
		st->source =
			arena_printf(ctx_arena(ctx), "a zone transfer (AXFR) from %s", st->source_at->label);
		st->source_note = arena_printf(ctx_arena(ctx), "zone transfers: %s; %s", told[0], told[1]);
	} else if (zone_file) {
		ldns_rr_list *z = NULL;
		char why[512];
		if (compare_zone_read(zone_file, st->zone, &z, why, sizeof(why)) == 0) {
			add_zone_data(ctx, st, z);
			ldns_rr_list_deep_free(z);
			st->source = arena_printf(ctx_arena(ctx), "the zone file %s", zone_file);
			st->source_note =
				arena_printf(ctx_arena(ctx), "no server allows a zone transfer (%s; %s)",
					     told[0], told[1]);
		} else {
			discover = 1;
			ctx_finding_as(ctx, STATUS_ERROR, CODE_COMPARE_NAMES, name_display(ctx, st->zone),
				       NULL, NULL, NULL,
				       "the zone file could not be read (%s): the names were discovered "
				       "instead, and names discovery does not guess are not compared",
				       why);
		}
	} else {
		discover = 1;
	}
	if (discover) {
		st->source = "discovery";
		st->source_note =
			arena_printf(ctx_arena(ctx),
				     "no server allows a zone transfer (%s; %s) and no zone file was given",
				     told[0], told[1]);
	}
	add_full(ctx, st, st->zone);
	const char **v;
	size_t n = ctx_param_list(ctx, "names", &v);
	for (size_t i = 0; i < n; i++)
		add_full(ctx, st, v[i]);
	n = ctx_param_list(ctx, "selectors", &v);
	for (size_t i = 0; i < n; i++)
		add_full(ctx, st, arena_printf(ctx_arena(ctx), "%s._domainkey.%s", v[i], st->zone));
	if (!discover) {
		/* a batch a round, in the rounds left (ROUNDS_MAX the last to ask) */
		size_t rounds = (size_t)(ROUNDS_MAX - ctx_round(ctx) + 1);
		st->batch = (st->names.n + rounds - 1) / rounds;
		if (st->batch < BATCH_MIN)
			st->batch = BATCH_MIN;
		qsort(st->names.v, st->names.n, sizeof(*st->names.v), name_order);
		st->phase = P_BATCH;
		return next_batch(ctx, st);
	}
	ask_new(ctx, st);
	ctx_progress(ctx, 0, st->names.n);
	make_probes(ctx, st);
	for (size_t p = 0; p < st->n_probes; p++)
		for (int k = 0; k < 2; k++)
			for (size_t i = 0; i < st->side[k].n; i++)
				ctx_ask(ctx, st->side[k].servers[i], st->probes[p].name, st->probes[p].type);
	st->phase = P_PROBED;
	return CHECK_AGAIN;
}

/* --- judging --------------------------------------------------------------- */

/* The views of every server of side k on name/type (memory from a, which
 * the caller releases once the RRset is judged); the answers that could not
 * be used are counted for compare.unreachable. */
static void read_side(struct check_ctx *ctx, struct cmp *st, struct arena *a, int k, const char *name,
		      ldns_rr_type type, struct rrset_view *v)
{
	struct tally *t = &st->tally[k];
	for (size_t i = 0; i < st->side[k].n; i++) {
		const struct answer *ans = ctx_answer(ctx, st->side[k].servers[i], name, type);
		compare_rrset_read(a, ans ? ans->pkt : NULL, ans ? ans->err : 0, name, type, st->zone, &v[i]);
		t->asked[i]++;
		if (v[i].state != RRSET_UNUSABLE)
			continue;
		if (!t->bad[i]++)
			t->first[i] = arena_printf(ctx_arena(ctx), "%s/%s: %s", name_display(ctx, name),
						   type_name(ctx, type), v[i].problem);
	}
}

/* values and TTL of v, for a finding that is about both. */
static const char *values_ttl(struct arena *a, const struct rrset_view *v)
{
	if (v->state != RRSET_DATA)
		return "(none)";
	return arena_printf(a, "%s (TTL %u)", compare_values_text(a, v), v->ttl);
}

/* The first usable view of side k (its representative), or -1; servers that
 * disagree with it are compare.inconsistent. */
static long side_view(struct check_ctx *ctx, struct cmp *st, struct arena *a, int k, const char *subject,
		      const struct rrset_view *v)
{
	long rep = -1;
	for (size_t i = 0; i < st->side[k].n && rep < 0; i++)
		if (v[i].state != RRSET_UNUSABLE)
			rep = (long)i;
	for (size_t i = (size_t)rep + 1; rep >= 0 && i < st->side[k].n; i++) {
		if (v[i].state == RRSET_UNUSABLE || compare_agree(&v[rep], &v[i]))
			continue;
		const struct ns_server *s = st->side[k].servers[i], *r = st->side[k].servers[rep];
		ctx_finding(ctx, CODE_COMPARE_INCONSISTENT, subject, s, NULL, NULL,
			    "the %s servers disagree: %s answers %s, %s answers %s; the %s side is compared "
			    "as %s answers",
			    side_word[k], s->label, values_ttl(a, &v[i]), r->label, values_ttl(a, &v[rep]),
			    side_word[k], r->label);
	}
	return rep;
}

/* The apex SOA and NS sets, which a provider move changes by design. */
static void judge_apex(struct check_ctx *ctx, struct arena *a, const char *subject, ldns_rr_type type,
		       const struct rrset_view *o, const struct rrset_view *n)
{
	const char *ov = compare_values_text(a, o), *nv = compare_values_text(a, n);
	int soa = type == LDNS_RR_TYPE_SOA;
	int values = !compare_same_values(o, n);
	uint32_t ot = soa ? o->negative_ttl : o->ttl, nt = soa ? n->negative_ttl : n->ttl;
	if (values)
		ctx_finding(ctx, CODE_COMPARE_PROVIDER_SPECIFIC, subject, NULL, ov, nv,
			    "%s differs, as it does by design when the provider changes: the old servers "
			    "have %s, the new ones %s",
			    soa ? "the SOA" : "the NS set", ov, nv);
	if (ot != nt)
		ctx_finding(ctx, CODE_COMPARE_TTL, subject, NULL, arena_printf(a, "%u", ot),
			    arena_printf(a, "%u", nt),
			    soa ? "the negative-caching TTL (the lower of the SOA's TTL and MINIMUM) is %u s "
				  "on the old servers and %u s on the new ones: after the move, resolvers "
				  "remember a name that does not exist for that long"
				: "the NS set's TTL is %u s on the old servers and %u s on the new ones: "
				  "resolvers keep the new servers' NS set for that long",
			    ot, nt);
	if (!values && ot == nt)
		ctx_finding(ctx, CODE_COMPARE_OK, subject, NULL, ov, nv,
			    "the same on the old and the new servers (%s %u s)",
			    soa ? "negative-caching TTL" : "TTL", ot);
}

/* The findings of one RRset, old (o) against new (n), both usable. */
static void judge_views(struct check_ctx *ctx, struct arena *a, const char *subject, int apex,
			ldns_rr_type type, const struct rrset_view *o, const struct rrset_view *n)
{
	enum compare_verdict verdict = compare_judge(o, n);
	const char *ov = compare_values_text(a, o), *nv = compare_values_text(a, n);
	if (apex && (type == LDNS_RR_TYPE_SOA || type == LDNS_RR_TYPE_NS) && o->state == RRSET_DATA &&
	    n->state == RRSET_DATA) {
		judge_apex(ctx, a, subject, type, o, n);
		return;
	}
	switch (verdict) {
	case COMPARE_ABSENT:
		break;
	case COMPARE_SAME:
		ctx_finding(ctx, CODE_COMPARE_OK, subject, NULL, ov, nv,
			    "the same on the old and the new servers: %zu value%s, TTL %u", o->n,
			    o->n == 1 ? "" : "s", o->ttl);
		break;
	case COMPARE_MISSING:
		ctx_finding(ctx, CODE_COMPARE_MISSING, subject, NULL, ov, nv,
			    "the old servers serve %s (TTL %u); the new ones have no such record: it would "
			    "be lost in the move",
			    ov, o->ttl);
		break;
	case COMPARE_EXTRA:
		ctx_finding(ctx, CODE_COMPARE_EXTRA, subject, NULL, ov, nv,
			    "the new servers serve %s (TTL %u), which the old ones do not: it would appear "
			    "with the move",
			    nv, n->ttl);
		break;
	case COMPARE_VALUE:
	case COMPARE_TTL:
		if (verdict == COMPARE_VALUE) {
			const char *gone = compare_values_only(a, o, n),
				   *added = compare_values_only(a, n, o);
			ctx_finding(
				ctx, CODE_COMPARE_VALUE, subject, NULL, ov, nv,
				"the values differ: only the old servers have %s; only the new ones have %s",
				*gone ? gone : "nothing more", *added ? added : "nothing more");
		}
		if (o->ttl != n->ttl)
			ctx_finding(ctx, CODE_COMPARE_TTL, subject, NULL, arena_printf(a, "%u", o->ttl),
				    arena_printf(a, "%u", n->ttl),
				    "the TTL is %u s on the old servers and %u s on the new ones", o->ttl,
				    n->ttl);
		break;
	}
}

/* One RRset, old against new; its answers forgotten afterwards. */
static void judge_rrset(struct check_ctx *ctx, struct cmp *st, const char *name, ldns_rr_type type)
{
	struct arena a = ARENA_INIT; /* what one RRset takes, given back at once */
	struct rrset_view *v[2];
	long rep[2];
	char *tname = ldns_rr_type2str(type);
	const char *subject = arena_printf(&a, "%s/%s", name_display(ctx, name), tname ? tname : "?");
	free(tname);
	for (int k = 0; k < 2; k++) {
		v[k] = arena_alloc(&a, (st->side[k].n + 1) * sizeof(*v[k]));
		read_side(ctx, st, &a, k, name, type, v[k]);
		rep[k] = side_view(ctx, st, &a, k, subject, v[k]);
	}
	/* once both sides are read: a server may stand on both */
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < st->side[k].n; i++)
			ctx_forget(ctx, st->side[k].servers[i], name, type);
	/* a side without a usable view is told once per server (compare.unreachable) */
	if (rep[0] >= 0 && rep[1] >= 0 && compare_judge(&v[0][rep[0]], &v[1][rep[1]]) != COMPARE_ABSENT) {
		st->compared++;
		judge_views(ctx, &a, subject, strcmp(name, st->zone) == 0, type, &v[0][rep[0]],
			    &v[1][rep[1]]);
	}
	arena_release(&a);
}

/* Judge names.v[from..to), every type asked of each. */
static void judge_names(struct check_ctx *ctx, struct cmp *st, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct entry *e = st->names.v[i];
		if (!e->asked)
			continue;
		ldns_rr_type *types = xmalloc(TYPES_MAX(e) * sizeof(*types));
		size_t nt = entry_types(st, e, types);
		for (size_t j = 0; j < nt; j++)
			judge_rrset(ctx, st, e->name, types[j]);
		free(types);
	}
}

/* The last findings: servers that gave unusable answers, and compare.names. */
static void judge_end(struct check_ctx *ctx, struct cmp *st)
{
	for (int k = 0; k < 2; k++) {
		const struct tally *t = &st->tally[k];
		for (size_t i = 0; i < st->side[k].n; i++)
			if (t->bad[i])
				ctx_finding(ctx, CODE_COMPARE_UNREACHABLE, name_display(ctx, st->zone),
					    st->side[k].servers[i], NULL, NULL,
					    "%s (%s side) gave no usable answer to %zu of %zu questions "
					    "(first %s): what it serves there is not compared",
					    st->side[k].servers[i]->label, side_word[k], t->bad[i],
					    t->asked[i], t->first[i]);
	}
	size_t n_asked = 0;
	for (size_t i = 0; i < st->names.n; i++)
		n_asked += st->names.v[i]->asked != 0;
	ctx_finding(ctx, CODE_COMPARE_NAMES, name_display(ctx, st->zone), st->source_at, NULL, NULL,
		    "%zu name%s from %s: %zu RRset%s compared between the old servers (%s) and the new ones "
		    "(%s); %s%s%s",
		    n_asked, n_asked == 1 ? "" : "s", st->source, st->compared, st->compared == 1 ? "" : "s",
		    st->side[0].text, st->side[1].text, st->source_note,
		    st->over_cap ? arena_printf(ctx_arena(ctx), "; %zu more names left out (at most %d)",
						st->over_cap, NAMES_MAX)
				 : "",
		    st->rounds_out ? "; the search for more names stopped at the most rounds a check has"
				   : "");
}

/* The labels of name (canonical, absolute) into lab[], right to left (the
 * root's empty label left out); returns how many (at most 128). */
static size_t labels_rtl(const char *name, const char *lab[128], size_t len[128])
{
	size_t n = 0;
	const char *end = name + strlen(name) - 1; /* the root's dot */
	while (end > name && n < 128) {
		const char *start = end;
		while (start > name && start[-1] != '.')
			start--;
		lab[n] = start;
		len[n++] = (size_t)(end - start);
		end = start > name ? start - 1 : name;
	}
	return n;
}

/* Canonical order (RFC 4034 6.1): labels compared from the right, a name
 * before the names under it. */
static int name_order(const void *pa, const void *pb)
{
	const char *la[128], *lb[128];
	size_t za[128], zb[128];
	size_t na = labels_rtl((*(const struct entry *const *)pa)->name, la, za);
	size_t nb = labels_rtl((*(const struct entry *const *)pb)->name, lb, zb);
	for (size_t i = 0; i < na && i < nb; i++) {
		int c = memcmp(la[i], lb[i], za[i] < zb[i] ? za[i] : zb[i]);
		if (c || za[i] != zb[i])
			return c ? c : za[i] < zb[i] ? -1 : 1;
	}
	return (na > nb) - (na < nb);
}

/* Names of a zone's data (a transfer, a zone file), asked a batch a round:
 * each round judges the batch answered and forgets its answers, so memory
 * holds a batch's, not the zone's. Returns CHECK_AGAIN, or 0 when all are
 * judged. */
static int next_batch(struct check_ctx *ctx, struct cmp *st)
{
	size_t from = st->judged, to = st->asked;
	if (st->asked < st->names.n) {
		size_t end = st->asked + st->batch < st->names.n ? st->asked + st->batch : st->names.n;
		for (size_t i = st->asked; i < end; i++)
			ask_entry(ctx, st, st->names.v[i]);
		st->asked = end;
	}
	judge_names(ctx, st, from, to);
	st->judged = to;
	ctx_progress(ctx, st->judged, st->names.n);
	if (st->judged < st->names.n)
		return CHECK_AGAIN;
	judge_end(ctx, st);
	return 0;
}

static int compare_judge_rule(struct check_ctx *ctx, const struct rule *rule)
{
	struct cmp *st = *ctx_state(ctx);
	size_t added = 0;
	switch (st->phase) {
	case P_START:
		return start(ctx, st);
	case P_NAMES:
		return choose_names(ctx, st);
	case P_BATCH:
		return next_batch(ctx, st);
	case P_PROBED:
		for (size_t p = 0; p < st->n_probes; p++)
			if (probe_found(ctx, st, &st->probes[p]))
				added += add_full(ctx, st, st->probes[p].name) != NULL;
		/* the names asked so far are followed too */
		st->frontier = 0;
		st->phase = P_FOLLOW;
		/* fall through */
	case P_FOLLOW:
		for (size_t i = st->frontier; i < st->names.n; i++)
			if (st->names.v[i]->asked)
				added += follow(ctx, st, st->names.v[i]);
		break;
	}
	if (added && ctx_round(ctx) < ROUNDS_MAX) {
		/* discovery: the names asked so far are answered */
		size_t answered = st->names.n;
		ask_new(ctx, st);
		ctx_progress(ctx, answered, st->names.n);
		return CHECK_AGAIN;
	}
	/* discovery is over: every name asked is answered, judged at once */
	st->rounds_out = added > 0;
	qsort(st->names.v, st->names.n, sizeof(*st->names.v), name_order);
	judge_names(ctx, st, 0, st->names.n);
	ctx_progress(ctx, st->names.n, st->names.n);
	judge_end(ctx, st);
	return 0;
}

const struct check_desc check_compare = {
	.name = "compare",
	.summary = "every RRset on the old servers against the new ones (a provider move): values as data, "
		   "TTLs apart; names from a zone transfer, a zone file or discovery",
	.params = params,
	.ask = compare_ask,
	.judge = compare_judge_rule,
	.resolver_only = compare_resolver_only,
	.validate = compare_validate,
};
