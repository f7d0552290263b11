/* dmarc: which DMARC record applies to the domain and with which policy, found
 * as RFC 9989 does (the DNS tree walk, 4.10) and as RFC 7489 receivers do (the
 * public suffix list, RFC 7489 6.6.3), and said when the two differ; exactly
 * one record, every tag valid, the policy that applies at least policy_min,
 * and every report destination outside the organizational domain authorised
 * (D._report._dmarc.DEST, RFC 9990 4 / RFC 7489 7.1).
 *
 * Every lookup goes through the session's resolver (what receivers see). Round
 * 0 asks every name of the walk at once (at most eight, RFC 9989 4.10), the
 * PSL organizational domain and the domain's MX (whether it
 * exists for np=, see domain_exists); round 1 asks the report authorisations. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dmarc.h"
#include "names.h"
#include "rules.h"
#include "util.h"

static const char *const policy_choices[] = {"none", "quarantine", "reject", NULL};

static const struct check_param params[] = {
	{"policy_min", PARAM_ENUM, 0, policy_choices,
	 "the weakest policy acceptable for the domain (the policy that applies to it: p, sp or np)"},
	{NULL, 0, 0, NULL, NULL},
};

/* What _dmarc.NAME holds. */
struct level {
	const char *name;  /* "example.co.uk." */
	const char *qname; /* "_dmarc.example.co.uk." */
	enum lookup_outcome outcome;
	const char *why;	  /* why the lookup failed */
	size_t n_dmarc;		  /* TXT records that start with v=DMARC1 */
	const struct txt *record; /* the one, when n_dmarc == 1 */
	struct dmarc_record *parsed;
	const struct txt *near; /* a TXT that looks meant as DMARC but is not one */
};

/* The record one method applies to the domain, and how. */
struct applied {
	const struct level *level; /* NULL: no record applies */
	const char *tag;	   /* "p", "sp" or "np" */
	int strength;		   /* 0 none, 1 quarantine, 2 reject, -1 no policy at all */
	int share;		   /* percent of failing mail strength applies to (RFC 7489 pct) */
	const char *policy;	   /* "quarantine", "none (t=y lowers quarantine)", ... */
	const char *none;	   /* level NULL: why no policy, if not "no record" */
	const char *why;	   /* which record applies and why, for every message */
};

/* A report destination outside the organizational domain. */
struct dest {
	const char *policy_domain; /* where the record is ("example.org.") */
	const char *host;	   /* the mailto domain ("reports.example.net") */
	const char *uri;
	const char *qname; /* "example.org._report._dmarc.reports.example.net.", NULL if too long */
};

#define DESTS_MAX (2 * 2 * DMARC_URIS_MAX)

struct dmarc_state {
	const char *domain; /* canonical */
	struct level walk[DMARC_WALK_MAX];
	size_t n_walk;
	size_t walked;		    /* levels the RFC 9989 walk looked at before it stopped */
	const struct level *failed; /* a lookup the walk needed that failed */
	struct level psl;	    /* the PSL organizational domain's, when not in the walk */
	const char *org9, *org7;    /* the organizational domain by each method */
	int exists;		    /* 1, 0 (NXDOMAIN: domain_exists), -1 unknown */
	struct applied r9, r7;
	int r7_unknown; /* a lookup RFC 7489's discovery needs failed */
	struct dest dests[DESTS_MAX];
	size_t n_dests;
	int problems; /* warn or fail findings added */
};

static const char *disp(struct check_ctx *ctx, const char *name)
{
	return name_display(ctx, name);
}

static void ask_level(struct check_ctx *ctx, struct level *l, const char *name)
{
	l->name = name;
	l->qname = ctx_name(ctx, arena_printf(ctx_arena(ctx), "_dmarc.%s", name));
	if (l->qname)
		ctx_lookup(ctx, l->qname, LDNS_RR_TYPE_TXT);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct arena *a = ctx_arena(ctx);
	struct dmarc_state *s = arena_alloc(a, sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->domain = ctx_name(ctx, ctx_domain(ctx));
	if (!s->domain || strcmp(s->domain, ".") == 0) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "'%s' is not a domain DMARC can apply to", ctx_domain(ctx));
		return -1;
	}
	const char *targets[DMARC_WALK_MAX];
	s->n_walk = dmarc_walk_targets(s->domain, targets);
	for (size_t i = 0; i < s->n_walk; i++)
		ask_level(ctx, &s->walk[i], targets[i]);
	s->org7 = name_org_domain_psl(a, s->domain);
	ask_level(ctx, &s->psl, s->org7);
	ctx_lookup(ctx, s->domain, LDNS_RR_TYPE_MX); /* does the domain exist (np=) */
	*ctx_state(ctx) = s;
	return 0;
}

/* Whether a TXT record that is not a DMARC record was plainly meant as one:
 * v=DMARC1 in another case or not first, or a leading blank. */
static int looks_like_dmarc(const struct txt *t)
{
	static const char word[] = "v=dmarc1";
	size_t w = sizeof(word) - 1;
	for (size_t i = 0; i + w <= t->len; i++) {
		size_t k = 0;
		while (k < w && (t->s[i + k] | 0x20) == word[k])
			k++;
		if (k == w)
			return 1;
	}
	return 0;
}

static void read_level(struct check_ctx *ctx, struct level *l)
{
	ldns_rr_list *rrs = NULL;
	l->outcome = l->qname ? lookup_records(ctx, l->qname, LDNS_RR_TYPE_TXT, &rrs, &l->why, NULL)
			      : LOOKUP_FAILED;
	if (!l->qname)
		l->why = "the name is too long";
	struct txt *txt;
	size_t n = txt_values(ctx, rrs, &txt);
	if (rrs)
		ldns_rr_list_free(rrs);
	for (size_t i = 0; i < n; i++) {
		if (dmarc_is_record(txt[i].s, txt[i].len)) {
			l->n_dmarc++;
			l->record = &txt[i];
		} else if (!l->near && looks_like_dmarc(&txt[i])) {
			l->near = &txt[i];
		}
	}
	if (l->n_dmarc != 1) {
		l->record = NULL;
		return;
	}
	l->parsed = arena_alloc(ctx_arena(ctx), sizeof(*l->parsed));
	dmarc_parse(l->record->s, l->record->len, l->parsed);
}

/* Whether the domain exists for DMARC (for np=). RFC 9989 takes the meaning
 * of RFC 8020: a name is non-existent when it answers NXDOMAIN, and then so
 * is everything below it. (RFC 9091 2.7, the experimental PSD DMARC that
 * introduced np=, said "no A, AAAA or MX" instead; the two differ for a
 * name with other records only, which exists here.) NXDOMAIN does not
 * depend on the type asked, so the domain's MX lookup, which the mx and rdns
 * checks ask too, is enough. Returns 1, 0, or -1 when unknown. */
static int domain_exists(struct check_ctx *ctx, const char *domain)
{
	const char *alias = NULL;
	switch (lookup_records(ctx, domain, LDNS_RR_TYPE_MX, NULL, NULL, &alias)) {
	case LOOKUP_DATA:
	case LOOKUP_NODATA:
		return 1;
	case LOOKUP_NXDOMAIN:
		/* An NXDOMAIN at the end of a CNAME is the target's: the
		 * domain itself exists, as an alias. */
		return alias && strcmp(alias, ctx_name(ctx, domain)) != 0 ? 1 : 0;
	default:
		return -1;
	}
}

/* The name with labels labels of name's last labels ("a.b.c.", 2 -> "b.c."). */
static const char *suffix_labels(const char *name, size_t labels)
{
	size_t have = dmarc_label_count(name);
	const char *p = name;
	while (have > labels && *p) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '.')
			have--;
		p++;
	}
	return p;
}

/* Which receivers: the two model different RFCs and must not mix them
 * (dmarc.discovery-differs is about where they part). */
enum method {
	RFC9989, /* t=y lowers the policy, pct is gone, np for names that do not exist */
	RFC7489	 /* no t= and no np (unknown tags, ignored), pct honoured */
};

/* Fill in a->tag, strength, share and policy: the tag that applies to the
 * domain in record r (RFC 9989 4.10.1: p for the domain's own record; sp for
 * a subdomain that exists, np for one that does not, each falling back to p;
 * np to sp first, 4.7; RFC 7489 6.6.3 has p and sp only), and what t=y (RFC
 * 9989), pct (RFC 7489) and an absent or invalid value make of it. */
static void choose_policy(struct check_ctx *ctx, struct applied *a, const struct dmarc_record *r, int own,
			  int exists, enum method m)
{
	struct arena *ar = ctx_arena(ctx);
	enum dmarc_policy v = r->p;
	a->tag = "p";
	a->share = 100;
	if (m == RFC9989 && !own && exists == 0 && r->np != DMARC_POLICY_ABSENT) {
		a->tag = "np";
		v = r->np;
	} else if (!own && r->sp != DMARC_POLICY_ABSENT) {
		a->tag = "sp";
		v = r->sp;
	}
	if (m == RFC7489 &&
	    (r->p == DMARC_POLICY_ABSENT || r->p == DMARC_POLICY_INVALID || r->sp == DMARC_POLICY_INVALID)) {
		/* RFC 7489 6.6.3 step 6: a record without a valid p=, or with
		 * an invalid sp=, whatever tag applies: with a syntactically
		 * valid rua URI receivers act as if it said p=none (so none
		 * for subdomains too), else they apply no DMARC at all. RFC
		 * 9989 (4.7) has its own rules, kept below. */
		const char *what = r->p == DMARC_POLICY_ABSENT	  ? "no p="
				   : r->p == DMARC_POLICY_INVALID ? "p= is invalid"
								  : "sp= is invalid";
		a->strength = r->rua_valid ? 0 : -1;
		a->policy =
			r->rua_valid
				? arena_printf(ar, "none (%s; rua makes RFC 7489 receivers act as p=none)",
					       what)
				: arena_printf(ar,
					       "no policy (%s and there is no valid rua: RFC 7489 "
					       "receivers apply no DMARC)",
					       what);
		return;
	}
	if (v == DMARC_POLICY_ABSENT) {
		/* RFC 9989 4.7: a record without p is treated as p=none. */
		a->strength = 0;
		a->policy = "none (the record has no p=)";
		return;
	}
	if (v == DMARC_POLICY_INVALID) {
		/* RFC 9989 4.7: an invalid policy is none when rua holds a
		 * valid URI, else the record is not used at all. (RFC 7489 was
		 * handled above.) */
		a->strength = r->rua_valid ? 0 : -1;
		a->policy =
			r->rua_valid
				? arena_printf(ar, "none (%s= is invalid; rua makes receivers act as p=none)",
					       a->tag)
				: arena_printf(ar, "no policy (%s= is invalid and there is no valid rua)",
					       a->tag);
		return;
	}
	a->strength = v == DMARC_POLICY_REJECT ? 2 : v == DMARC_POLICY_QUARANTINE ? 1 : 0;
	a->policy = dmarc_policy_name(v);
	if (m == RFC9989 && r->testing && a->strength > 0) {
		/* t=y (RFC 9989 4.7): receivers apply one level less. RFC
		 * 7489 receivers do not know t= and apply the policy as
		 * written. */
		a->strength--;
		a->policy = arena_printf(ar, "%s (t=y lowers %s)", a->strength ? "quarantine" : "none",
					 dmarc_policy_name(v));
	}
	if (m == RFC7489 && r->pct < 100 && a->strength > 0) {
		/* RFC 7489 6.6.4: the policy applies to no more than pct% of
		 * failing mail; the rest gets the next lower policy (reject
		 * -> quarantine, quarantine -> local classification, none).
		 * RFC 9989 removed pct: its receivers ignore it. */
		const char *lower = a->strength == 2 ? "quarantine" : "none";
		if (r->pct == 0) {
			a->strength--;
			a->policy = arena_printf(ar, "%s (pct=0: %s applies to no mail)", lower,
						 dmarc_policy_name(v));
		} else {
			a->share = r->pct;
			a->policy = arena_printf(ar, "%s for %d%% of failing mail, %s for the rest (pct=%d)",
						 dmarc_policy_name(v), r->pct, lower, r->pct);
		}
	}
}

/* RFC 9989 4.10.2: the organizational domain, from the records the walk
 * found (walk[0..walked), longest name first). */
static const char *org_domain_9989(const struct dmarc_state *s, const struct level **psd)
{
	const struct level *fewest = NULL;
	*psd = NULL;
	for (size_t i = 0; i < s->walked; i++) {
		const struct level *l = &s->walk[i];
		if (!l->parsed)
			continue;
		if (l->parsed->psd == 'n')
			return l->name;
		if (l->parsed->psd == 'y' && i > 0) {
			*psd = l;
			return suffix_labels(s->domain, dmarc_label_count(l->name) + 1);
		}
		fewest = l;
	}
	/* "If this process does not determine the Organizational Domain, then
	 * the initial target domain is the Organizational Domain." */
	return fewest ? fewest->name : s->domain;
}

/* RFC 9989: the walk (4.10), the organizational domain (4.10.2) and the
 * record that applies (4.10.1: the domain's own, else the organizational
 * domain's, else the public suffix domain's). */
static void discover_9989(struct check_ctx *ctx, struct dmarc_state *s)
{
	struct arena *ar = ctx_arena(ctx);
	s->walked = 0;
	for (size_t i = 0; i < s->n_walk; i++) {
		struct level *l = &s->walk[i];
		s->walked = i + 1;
		if (l->outcome == LOOKUP_FAILED) {
			s->failed = l;
			break;
		}
		/* Steps 2 and 6: multiple records are all discarded; a single
		 * one with psd=y or psd=n stops the walk. */
		if (l->parsed && (l->parsed->psd == 'y' || l->parsed->psd == 'n'))
			break;
	}
	const struct level *psd = NULL;
	s->org9 = org_domain_9989(s, &psd);
	struct applied *a = &s->r9;
	const struct level *own = s->walk[0].parsed ? &s->walk[0] : NULL;
	if (s->failed && !own) {
		/* A record higher up may apply, or none: it cannot be told. */
		s->org9 = s->domain;
		return;
	}
	if (own) {
		a->level = own;
		choose_policy(ctx, a, own->parsed, 1, s->exists, RFC9989);
		a->why = arena_printf(ar, "_dmarc.%s applies to %s through %s= (its own record)",
				      disp(ctx, own->name), disp(ctx, s->domain), a->tag);
		return;
	}
	const struct level *org = NULL;
	for (size_t i = 0; i < s->walked; i++)
		if (s->walk[i].parsed && strcmp(s->walk[i].name, s->org9) == 0)
			org = &s->walk[i];
	a->level = org ? org : psd;
	if (!a->level)
		return;
	choose_policy(ctx, a, a->level->parsed, 0, s->exists, RFC9989);
	const char *existence =
		strcmp(a->tag, "np") == 0
			? arena_printf(ar, "; %s does not exist (NXDOMAIN, RFC 8020)", disp(ctx, s->domain))
		: s->exists < 0 ? "; whether it exists could not be told, so sp= is taken"
				: "";
	const char *how = org ? (org->parsed->psd == 'n' ? "it says psd=n"
				 : psd			 ? arena_printf(ar,
									"the domain below the public suffix "
											  "domain %s (psd=y)",
									disp(ctx, psd->name))
							 : "the highest record on the walk")
			      : arena_printf(ar,
					     "the public suffix domain's record (psd=y) applies because the "
					     "organizational domain %s has none",
					     disp(ctx, s->org9));
	a->why = arena_printf(
		ar,
		"_dmarc.%s applies to %s through %s=%s (RFC 9989 tree walk: no record at _dmarc.%s; "
		"organizational domain %s, %s%s)",
		disp(ctx, a->level->name), disp(ctx, s->domain), a->tag,
		strcmp(a->tag, "p") == 0 ? ", as the record has no sp=" : "", disp(ctx, s->domain),
		disp(ctx, s->org9), how, existence);
}

/* RFC 7489 6.6.3: the domain's record, else the record of its organizational
 * domain by the public suffix list; sp for a subdomain (RFC 7489 has no np). */
static void discover_7489(struct check_ctx *ctx, struct dmarc_state *s)
{
	struct arena *ar = ctx_arena(ctx);
	struct applied *a = &s->r7;
	const struct level *own = &s->walk[0];
	const struct level *org = &s->psl;
	if (own->n_dmarc > 1) {
		/* RFC 7489 6.6.3 falls back to the organizational domain only
		 * when the set of records at the domain is empty (step 3); with
		 * several, discovery ends with no DMARC (step 5). RFC 9989
		 * discards them and walks on. */
		a->none = arena_printf(ar, "no policy (%zu DMARC records at _dmarc.%s)", own->n_dmarc,
				       disp(ctx, own->name));
		a->why = arena_printf(ar,
				      "_dmarc.%s has %zu DMARC records: discovery ends there with no "
				      "DMARC, the organizational domain's record is not looked at (RFC "
				      "7489 6.6.3 steps 3 and 5)",
				      disp(ctx, own->name), own->n_dmarc);
		return;
	}
	if (own->parsed) {
		a->level = own;
		choose_policy(ctx, a, own->parsed, 1, s->exists, RFC7489);
		a->why = arena_printf(ar, "_dmarc.%s through %s= (its own record)", disp(ctx, own->name),
				      a->tag);
		return;
	}
	if (strcmp(org->name, s->domain) == 0 || !org->parsed) {
		/* (a failed lookup leaves RFC 7489's answer unknown) */
		s->r7_unknown = own->outcome == LOOKUP_FAILED ||
				(strcmp(org->name, s->domain) != 0 && org->outcome == LOOKUP_FAILED);
		return;
	}
	a->level = org;
	choose_policy(ctx, a, org->parsed, 0, s->exists, RFC7489);
	a->why = arena_printf(ar, "_dmarc.%s through %s= (public suffix list: organizational domain %s)",
			      disp(ctx, org->name), a->tag, disp(ctx, org->name));
}

/* Whether host (a mailto domain: no trailing dot) is zone or below it. */
static int under(struct check_ctx *ctx, const char *host, const char *zone)
{
	return name_is_under(arena_printf(ctx_arena(ctx), "%s.", host), zone);
}

/* Remember the mailto destinations of l's record outside the organizational
 * domain, and ask for their authorisation records. */
static void ask_dests(struct check_ctx *ctx, struct dmarc_state *s, const struct level *l)
{
	if (!l || !l->parsed)
		return;
	const struct dmarc_record *r = l->parsed;
	for (int f = 0; f < 2; f++) {
		const struct dmarc_uri *uris = f ? r->ruf : r->rua;
		size_t n = f ? r->n_ruf : r->n_rua;
		for (size_t i = 0; i < n; i++) {
			const struct dmarc_uri *u = &uris[i];
			if (!u->mailto || under(ctx, u->domain, s->org9) || under(ctx, u->domain, l->name))
				continue;
			int seen = 0;
			for (size_t k = 0; k < s->n_dests && !seen; k++)
				seen = strcmp(s->dests[k].host, u->domain) == 0 &&
				       strcmp(s->dests[k].policy_domain, l->name) == 0;
			if (seen || s->n_dests == DESTS_MAX)
				continue;
			struct dest *d = &s->dests[s->n_dests++];
			d->policy_domain = l->name;
			d->host = arena_strdup(ctx_arena(ctx), u->domain);
			d->uri = arena_printf(ctx_arena(ctx), "%.*s", (int)u->len, l->record->s + u->off);
			/* RFC 7489 7.1, RFC 9990 4: the domain the policy was
			 * found at, "_report._dmarc", the destination host. */
			d->qname = ctx_name(ctx, arena_printf(ctx_arena(ctx), "%s_report._dmarc.%s.", l->name,
							      u->domain));
			if (d->qname)
				ctx_lookup(ctx, d->qname, LDNS_RR_TYPE_TXT);
		}
	}
}

static void finding(struct check_ctx *ctx, struct dmarc_state *s, enum code code, const char *subject,
		    const char *expected, const char *actual, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* ctx_finding, counting the problems (to know whether dmarc.ok is due). */
static void finding(struct check_ctx *ctx, struct dmarc_state *s, enum code code, const char *subject,
		    const char *expected, const char *actual, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	enum status st = code_status(code);
	if (st == STATUS_WARN || st == STATUS_FAIL || st == STATUS_ERROR)
		s->problems++;
	ctx_finding(ctx, code, subject, NULL, expected, actual, "%s", msg);
	free(msg);
}

static const char *record_subject(struct check_ctx *ctx, const struct level *l)
{
	return subject_of(ctx, l->qname ? l->qname : l->name, LDNS_RR_TYPE_TXT);
}

/* What the record at l says that is wrong, removed or unknown. */
static void judge_record(struct check_ctx *ctx, struct dmarc_state *s, const struct level *l, const char *why)
{
	const struct dmarc_record *r = l->parsed;
	const char *subject = record_subject(ctx, l);
	for (size_t i = 0; i < r->n_notes; i++) {
		const struct dmarc_note *n = &r->notes[i];
		enum code code = n->kind == DMARC_NOTE_SYNTAX	 ? CODE_DMARC_SYNTAX
				 : n->kind == DMARC_NOTE_REMOVED ? CODE_DMARC_REMOVED_TAG
								 : CODE_DMARC_UNKNOWN_TAG;
		finding(ctx, s, code, subject, NULL, n->tag, "_dmarc.%s: %s [%s]", disp(ctx, l->name),
			n->text, why);
	}
	if (r->notes_dropped)
		finding(ctx, s, CODE_DMARC_SYNTAX, subject, NULL, NULL,
			"_dmarc.%s: %zu more problems with its tags not listed [%s]", disp(ctx, l->name),
			r->notes_dropped, why);
	if (r->p == DMARC_POLICY_ABSENT)
		finding(ctx, s, CODE_DMARC_NO_POLICY, subject, "p=none|quarantine|reject", "(no p=)",
			"_dmarc.%s has no p= tag: RFC 9989 receivers act as p=none, RFC 7489 receivers (p= "
			"required) only when rua holds a valid URI, else they ignore the record [%s]",
			disp(ctx, l->name), why);
}

static const char *method_result(struct check_ctx *ctx, const struct applied *a)
{
	return a->level	 ? arena_printf(ctx_arena(ctx), "_dmarc.%s %s=%s", disp(ctx, a->level->name), a->tag,
					a->policy)
	       : a->none ? a->none
			 : "no record (no policy)";
}

static void judge_dests(struct check_ctx *ctx, struct dmarc_state *s, const char *why)
{
	for (size_t i = 0; i < s->n_dests; i++) {
		struct dest *d = &s->dests[i];
		const char *subject = d->qname ? subject_of(ctx, d->qname, LDNS_RR_TYPE_TXT) : d->host;
		const char *lookup = d->qname ? disp(ctx, d->qname)
					      : arena_printf(ctx_arena(ctx), "%s_report._dmarc.%s",
							     d->policy_domain, d->host);
		if (!d->qname) {
			finding(ctx, s, CODE_DMARC_EXTERNAL_UNAUTHORIZED, subject, "v=DMARC1",
				"(name too long)",
				"reports to %s cannot be authorised: %s is too long a name [%s]", d->uri,
				lookup, why);
			continue;
		}
		ldns_rr_list *rrs = NULL;
		const char *fail_why = NULL;
		enum lookup_outcome o =
			lookup_records(ctx, d->qname, LDNS_RR_TYPE_TXT, &rrs, &fail_why, NULL);
		struct txt *txt;
		size_t n = txt_values(ctx, rrs, &txt);
		if (rrs)
			ldns_rr_list_free(rrs);
		if (o == LOOKUP_FAILED) {
			finding(ctx, s, CODE_CHECK_NO_DATA, subject, "v=DMARC1", NULL,
				"whether %s accepts reports for %s could not be determined (%s): %s [%s]",
				d->host, disp(ctx, d->policy_domain), lookup, fail_why, why);
			continue;
		}
		int ok = 0;
		for (size_t k = 0; k < n && !ok; k++)
			ok = dmarc_is_record(txt[k].s, txt[k].len);
		if (ok)
			ctx_finding(ctx, CODE_DMARC_EXTERNAL_AUTHORIZED, subject, NULL, "v=DMARC1",
				    "v=DMARC1", "%s accepts DMARC reports for %s (%s has v=DMARC1) [%s]",
				    d->host, disp(ctx, d->policy_domain), lookup, why);
		else
			finding(ctx, s, CODE_DMARC_EXTERNAL_UNAUTHORIZED, subject, "v=DMARC1",
				o == LOOKUP_NXDOMAIN ? "(no such name)"
				: n		     ? "(no v=DMARC1 record)"
						     : "(no TXT)",
				"reports to %s go outside the organizational domain %s, and %s has no TXT "
				"record starting with v=DMARC1: receivers will not send them [%s]",
				d->uri, disp(ctx, s->org9), lookup, why);
	}
}

/* Findings about what the walk saw on its way: lookups that failed, records
 * receivers ignore, names with more than one record. */
static void judge_walk(struct check_ctx *ctx, struct dmarc_state *s, const char *why)
{
	for (size_t i = 0; i < s->walked; i++) {
		const struct level *l = &s->walk[i];
		const char *subject = record_subject(ctx, l);
		if (l->near && l->n_dmarc == 0)
			finding(ctx, s, CODE_DMARC_SYNTAX, subject, "v=DMARC1 first", "v",
				"_dmarc.%s has a TXT record meant as DMARC that receivers ignore: it does "
				"not start "
				"with v=DMARC1 (exactly, first) [%s]",
				disp(ctx, l->name), why);
		if (l->n_dmarc > 1)
			finding(ctx, s, CODE_DMARC_MULTIPLE, subject, "1",
				arena_printf(ctx_arena(ctx), "%zu", l->n_dmarc),
				"_dmarc.%s has %zu DMARC records: receivers discard them all (RFC 9989 4.10) "
				"[%s]",
				disp(ctx, l->name), l->n_dmarc, why);
	}
}

static void judge_policy(struct check_ctx *ctx, struct dmarc_state *s)
{
	const char *min = ctx_param_str(ctx, "policy_min");
	const struct applied *a = &s->r9;
	if (!min || !a->level)
		return;
	int want = strcmp(min, "reject") == 0 ? 2 : strcmp(min, "quarantine") == 0 ? 1 : 0;
	if (a->strength >= want)
		return;
	finding(ctx, s, CODE_DMARC_POLICY_WEAK, record_subject(ctx, a->level), min, a->policy,
		"the policy that applies to %s is %s, weaker than %s [%s]", disp(ctx, s->domain), a->policy,
		min, a->why);
}

/* Whether both methods found their record at the same name. */
static int same_record(const struct applied *a, const struct applied *b)
{
	return a->level && b->level && strcmp(a->level->name, b->level->name) == 0;
}

static void judge_differs(struct check_ctx *ctx, struct dmarc_state *s)
{
	const struct applied *a = &s->r9, *b = &s->r7;
	if (s->r7_unknown)
		return;
	/* (the PSL method's level is its own copy of the same name's answer)
	 * Mail is treated alike when the same record's same tag gives the same
	 * strength to the same share of mail, whatever the words for why. */
	int same = !a->level || !b->level ? a->level == b->level
					  : same_record(a, b) && strcmp(a->tag, b->tag) == 0 &&
						    a->strength == b->strength && a->share == b->share;
	if (same)
		return;
	const char *r9 = method_result(ctx, a), *r7 = method_result(ctx, b);
	finding(ctx, s, CODE_DMARC_DISCOVERY_DIFFERS, disp(ctx, s->domain), r9, r7,
		"receivers disagree on %s: RFC 9989 (tree walk) applies %s; RFC 7489 (public suffix list, "
		"organizational domain %s) applies %s [RFC 9989: %s; RFC 7489: %s]",
		disp(ctx, s->domain), r9, disp(ctx, s->org7), r7, a->level ? a->why : "no record on the walk",
		b->why ? b->why : "no record at the domain or its organizational domain");
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct dmarc_state *s = *ctx_state(ctx);
	if (ctx_round(ctx) == 0) {
		for (size_t i = 0; i < s->n_walk; i++)
			read_level(ctx, &s->walk[i]);
		read_level(ctx, &s->psl);
		s->exists = domain_exists(ctx, s->domain);
		discover_9989(ctx, s);
		discover_7489(ctx, s);
		ask_dests(ctx, s, s->r9.level);
		if (!same_record(&s->r9, &s->r7))
			ask_dests(ctx, s, s->r7.level);
		if (s->n_dests)
			return CHECK_AGAIN;
	}
	const char *domain = disp(ctx, s->domain);
	if (s->failed && !s->r9.level) {
		ctx_finding(
			ctx, CODE_CHECK_NO_DATA, record_subject(ctx, s->failed), NULL, NULL, NULL,
			"the DMARC policy of %s could not be determined: looking up _dmarc.%s failed (%s)",
			domain, disp(ctx, s->failed->name), s->failed->why);
		return 0;
	}
	const char *why = s->r9.level ? s->r9.why
				      : arena_printf(ctx_arena(ctx), "no DMARC record applies to %s", domain);
	judge_walk(ctx, s, why);
	if (!s->r9.level) {
		/* (several records at the domain itself: dmarc.multiple says it) */
		if (s->walk[0].n_dmarc <= 1)
			finding(ctx, s, CODE_DMARC_MISSING, record_subject(ctx, &s->walk[0]),
				"a DMARC record", "(none)",
				"no DMARC record applies to %s: none at _dmarc.%s nor anywhere on the RFC "
				"9989 tree "
				"walk up to _dmarc.%s%s",
				domain, domain, disp(ctx, s->walk[s->walked ? s->walked - 1 : 0].name),
				s->r7.level ? arena_printf(ctx_arena(ctx), " (RFC 7489 receivers apply %s)",
							   s->r7.why)
					    : "");
	} else {
		judge_record(ctx, s, s->r9.level, s->r9.why);
	}
	if (s->r7.level && !same_record(&s->r9, &s->r7))
		judge_record(ctx, s, s->r7.level, arena_printf(ctx_arena(ctx), "RFC 7489: %s", s->r7.why));
	judge_policy(ctx, s);
	judge_differs(ctx, s);
	judge_dests(ctx, s, why);
	if (s->r9.level && s->problems == 0)
		ctx_finding(ctx, CODE_DMARC_OK, record_subject(ctx, s->r9.level), NULL, NULL, s->r9.policy,
			    "%s: policy %s", s->r9.why, s->r9.policy);
	return 0;
}

const struct check_desc check_dmarc = {
	.name = "dmarc",
	.summary = "the DMARC record that applies (RFC 9989 tree walk and RFC 7489 public suffix list), its "
		   "tags, "
		   "policy and report authorisations",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
