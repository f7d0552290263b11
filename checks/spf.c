/* spf: the domain's one SPF record (RFC 7208), its syntax, and its whole
 * include/redirect tree walked through the session's resolver and counted as
 * RFC 7208 4.6.4 counts (at most 10 DNS-querying terms, at most 2 void
 * lookups, at most 10 exchanges for an mx); +all, ?all, ptr, include loops
 * and macros that need a message; and with `senders:`, each address
 * evaluated by libspf2, fed from cutover's own lookups, with the RFC's
 * permerror where the tree is over a limit whatever libspf2 says (a tree
 * with a syntax error is permerror and never handed to libspf2).
 *
 * The walk is check_host() of RFC 7208 4 run over answers already fetched:
 * each judge() round runs it again from the start, asks every lookup it
 * misses (the targets of one level of the tree at once) and continues as if
 * the missing answer matched nothing, so the next level is asked in the next
 * round. Run without an address (one no ip4/ip6/a/mx matches) it is the walk
 * a report needs: every term reached, with its cost. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "checks.h"
#include "rules.h"
#include "spf_parse.h"
#include "util.h"

static const struct check_param params[] = {
	{"senders", PARAM_STRINGS, 0, NULL,
	 "sending addresses (IPv4 or IPv6) that must evaluate to pass for mail from postmaster@DOMAIN"},
	{"helo", PARAM_NAME, 0, NULL, "the HELO name the senders use (default: the domain)"},
	{NULL, 0, 0, NULL, NULL},
};

/* RFC 7208 4.6.4 */
#define LOOKUP_LIMIT 10
#define VOID_LIMIT 2
#define MX_LIMIT 10
/* Records on one include/redirect path at most: deeper than the lookup limit
 * cannot be evaluated anyway. */
#define DEPTH_MAX (LOOKUP_LIMIT + 2)

/* RFC 7208 2.6 results; V_UNKNOWN: cutover cannot evaluate it without the
 * message (a sender macro, ptr) and leaves the verdict to libspf2. */
enum verdict { V_NONE, V_NEUTRAL, V_PASS, V_FAIL, V_SOFTFAIL, V_TEMPERROR, V_PERMERROR, V_UNKNOWN };
static const char *const verdict_names[] = {"none",	"neutral",   "pass",	  "fail",
					    "softfail", "temperror", "permerror", "unknown"};

/* Why an evaluation stopped with permerror on a limit. */
enum limit { LIMIT_NONE, LIMIT_LOOKUPS, LIMIT_VOID, LIMIT_MX };

/* How a record was reached: the top record and its redirects decide the
 * result, an included record only whether the include matches. */
enum role { ROLE_TOP, ROLE_REDIRECT, ROLE_INCLUDE };

struct spf_questions {
	const char *domain; /* absolute, lower case */
	const char **senders;
	size_t n_senders;
	const char *helo;
};

/* One evaluation of check_host() over the fetched answers. */
struct walk {
	struct check_ctx *ctx;
	struct spf_questions *q;
	int family; /* of the sender: 4, 6, or 0 for the report's walk */
	unsigned char ip[16];
	int report;  /* collect the listing and findings */
	int missing; /* lookups asked in this pass */
	int lookups;
	/* Void lookups by the evaluations for IPv4 ([0]) and IPv6 ([1])
	 * senders: RFC 7208 4.6.4 counts them per evaluation, and an a or mx
	 * costs an IPv6 sender AAAA lookups. The report's walk follows both
	 * (it asks A and AAAA), a sender's walk its own family's. */
	int voids[2];
	enum limit limit;
	int stopped;	/* evaluation ended (a limit, temperror): the rest is listed, not evaluated */
	int unknown;	/* reached a term cutover cannot evaluate */
	int top_parsed; /* the domain's own record was found and parsed */
	const char *syntax_error; /* why the first record reached with a syntax error is not valid */
	const char *path[DEPTH_MAX];
	int depth;
	struct strbuf listing; /* every term: "domain: term (cost)" */
	struct strbuf voids_by[2];
	struct issue *issues;
	size_t n_issues, alloc_issues;
};

/* A finding the report's walk found, emitted once the walk is complete. */
struct issue {
	enum code code;
	const char *subject, *expected, *actual, *message;
};

static void issue(struct walk *w, enum code code, const char *subject, const char *expected,
		  const char *actual, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void issue(struct walk *w, enum code code, const char *subject, const char *expected,
		  const char *actual, const char *fmt, ...)
{
	if (!w->report)
		return;
	struct arena *a = ctx_arena(w->ctx);
	struct issue *is = xgrow(&w->issues, &w->n_issues, &w->alloc_issues, sizeof(*is));
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	is->code = code;
	is->subject = subject ? arena_strdup(a, subject) : NULL;
	is->expected = expected ? arena_strdup(a, expected) : NULL;
	is->actual = actual ? arena_strdup(a, actual) : NULL;
	is->message = arena_strdup(a, m);
	free(m);
}

/* Looking name/type up; -1 when it was not yet answered (asked now). */
static int look(struct walk *w, const char *name, ldns_rr_type type, ldns_rr_list **rrs, const char **why)
{
	if (rrs)
		*rrs = NULL;
	if (!ctx_lookup_result(w->ctx, name, type)) {
		ctx_lookup(w->ctx, name, type);
		w->missing++;
		return -1;
	}
	return (int)lookup_records(w->ctx, name, type, rrs, why, NULL);
}

static void list_term(struct walk *w, const char *domain, const char *text, const char *note)
{
	if (w->report)
		sb_addf(&w->listing, "%s%s: %s (%s)", w->listing.len ? "; " : "",
			name_display(w->ctx, domain), text, note);
}

/* The families of senders a void lookup counts for (FAMILY_BIT(4), FAMILY_BIT(6)). */
#define FAMILY_BIT(family) ((family) == 4 ? 1u : 2u)
#define FAMILIES_ALL (FAMILY_BIT(4) | FAMILY_BIT(6))

/* The families whose evaluation the walk follows. */
static unsigned walk_families(const struct walk *w)
{
	return w->family ? FAMILY_BIT(w->family) : FAMILIES_ALL;
}

/* A void lookup by the term, for the senders of the families given;
 * permerror past the limit, which stops the walk once every family it
 * follows is past it. A family's count stops where its evaluation does. */
static void void_lookup(struct walk *w, unsigned families, const char *domain, const char *text,
			const char *name, const char *what)
{
	families &= walk_families(w);
	int over = 1;
	for (int f = 0; f < 2; f++) {
		if ((families & (1u << f)) && w->voids[f] <= VOID_LIMIT) {
			w->voids[f]++;
			if (w->report)
				sb_addf(&w->voids_by[f], "%s%s in %s (%s %s)", w->voids_by[f].len ? "; " : "",
					text, name_display(w->ctx, domain), name_display(w->ctx, name), what);
		}
		if ((walk_families(w) & (1u << f)) && w->voids[f] <= VOID_LIMIT)
			over = 0;
	}
	if (over && !w->stopped) {
		w->stopped = 1;
		w->limit = LIMIT_VOID;
	}
}

/* A lookup term t needs failed (SERVFAIL, timeout): receivers would say
 * temperror. Stops the walk, with a finding when it reports. */
static void lookup_failed(struct walk *w, const char *domain, const struct spf_term *t, const char *name,
			  ldns_rr_type type, const char *why)
{
	const char *subject = subject_of(w->ctx, name, type);
	issue(w, CODE_CHECK_NO_DATA, subject, NULL, why,
	      "%s (%s in %s) could not be looked up: %s; receivers would say temperror", subject, t->text,
	      name_display(w->ctx, domain), why);
	w->stopped = 1;
}

/* Whether the addresses of name match the sender (cidr applied); -1 pending;
 * counts void lookups against term. The report's walk asks A and AAAA (it
 * follows IPv4 and IPv6 senders alike), a sender's walk its family's. */
static int addresses_match(struct walk *w, const char *domain, const struct spf_term *t, const char *name)
{
	static const ldns_rr_type types[2] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	ldns_rr_list *rrs[2] = {NULL, NULL};
	const char *why[2] = {NULL, NULL};
	int o[2] = {LOOKUP_NODATA, LOOKUP_NODATA}, pending = 0, match = 0;
	for (int f = 0; f < 2; f++)
		if (walk_families(w) & (1u << f)) {
			o[f] = look(w, name, types[f], &rrs[f], &why[f]);
			pending |= o[f] < 0;
		}
	if (pending)
		goto out;
	for (int f = 0; f < 2; f++)
		if ((walk_families(w) & (1u << f)) && o[f] == LOOKUP_FAILED) {
			lookup_failed(w, domain, t, name, types[f], why[f]);
			match = -2;
			goto out;
		}
	for (int f = 0; f < 2; f++) {
		if (!(walk_families(w) & (1u << f)))
			continue;
		if (o[f] != LOOKUP_DATA) {
			void_lookup(w, 1u << f, domain, t->text, name,
				    o[f] == LOOKUP_NXDOMAIN ? "NXDOMAIN" : "no address");
			continue;
		}
		int prefix = f ? t->cidr6 : t->cidr4;
		for (size_t i = 0; w->family && i < ldns_rr_list_rr_count(rrs[f]) && !match; i++) {
			const ldns_rdf *a = ldns_rr_rdf(ldns_rr_list_rr(rrs[f], i), 0);
			if (a && ldns_rdf_size(a) == (f ? 16u : 4u))
				match = spf_addr_in(w->ip, ldns_rdf_data(a), prefix, w->family);
		}
	}
out:
	ldns_rr_list_free(rrs[0]);
	ldns_rr_list_free(rrs[1]);
	return pending ? -1 : match;
}

/* What a term's target expands to. */
enum target {
	TARGET_NAME,	/* a valid name */
	TARGET_MACRO,	/* it uses a macro only a message gives */
	TARGET_INVALID, /* it expands to no valid name (an empty label, a label over 63 bytes) */
};

/* Expand a term's target into *name (absolute, lower case) when it is a
 * valid name; *expanded is the expansion as text (NULL for TARGET_MACRO). */
static enum target target_of(struct walk *w, const char *domain, const struct spf_term *t, const char **name,
			     const char **expanded)
{
	*name = NULL;
	*expanded = NULL;
	if (!t->domain) {
		*name = *expanded = domain;
		return TARGET_NAME;
	}
	if (t->macros & ~SPF_MACROS_KNOWN)
		return TARGET_MACRO;
	char *e = spf_expand(t->domain, domain, w->q->domain);
	*expanded = arena_strdup(ctx_arena(w->ctx), e ? e : t->domain);
	*name = e && *e ? ctx_name(w->ctx, e) : NULL;
	free(e);
	return *name ? TARGET_NAME : TARGET_INVALID;
}

/* An include or redirect whose target is no valid name: RFC 7208 4.3, 4.8
 * make check_host() of a malformed domain "none", and 5.2, 6.1 make an
 * include or redirect of "none" permerror. */
static void target_invalid(struct walk *w, const char *domain, const struct spf_term *t, const char *expanded)
{
	const char *shown = name_display(w->ctx, domain);
	issue(w, CODE_SPF_INCLUDE_MISSING, expanded, "a valid domain name", t->text,
	      "%s in %s: '%s' is not a valid domain name (an empty label, or a label longer than 63 "
	      "bytes), so it has no SPF record: RFC 7208 %s makes that permerror",
	      t->text, shown, expanded, t->kind == SPF_INCLUDE ? "4.3 and 5.2" : "4.3 and 6.1");
}

static enum verdict check_host(struct walk *w, const char *domain, enum role role, const char *via);

/* Whether mechanism t matches: 1, 0, -1 pending; sets *result for include's
 * errors (temperror, permerror, unknown). */
static int mechanism_matches(struct walk *w, const char *domain, const struct spf_term *t,
			     enum verdict *result)
{
	const char *target = NULL, *expanded = NULL;
	if (t->kind != SPF_ALL && t->kind != SPF_IP4 && t->kind != SPF_IP6 && t->kind != SPF_PTR) {
		enum target k = target_of(w, domain, t, &target, &expanded);
		if (k == TARGET_INVALID && t->kind == SPF_INCLUDE) {
			target_invalid(w, domain, t, expanded);
			*result = V_PERMERROR;
			return 0;
		}
		/* a, mx, exists of no valid name look nothing up and match
		 * nothing: RFC 7208 4.3/1 and 5/10/3 by analogy, one of the two
		 * results the RFC 7208 test suite allows (invalid-domain-empty-label,
		 * invalid-domain-long: permerror or fail). */
		if (k == TARGET_INVALID)
			return 0;
		if (k == TARGET_MACRO) {
			issue(w, CODE_SPF_MACRO, name_display(w->ctx, domain), NULL, t->text,
			      "%s in %s uses a macro that only a message gives (sender, client address, "
			      "HELO): "
			      "it is counted, but what it leads to cannot be checked without one",
			      t->text, name_display(w->ctx, domain));
			w->unknown = 1;
			return 0;
		}
	}
	switch (t->kind) {
	case SPF_ALL:
		return 1;
	case SPF_IP4:
		return w->family == 4 && spf_addr_in(w->ip, t->addr, t->cidr4, 4);
	case SPF_IP6:
		return w->family == 6 && spf_addr_in(w->ip, t->addr, t->cidr6, 6);
	case SPF_PTR:
		issue(w, CODE_SPF_PTR, name_display(w->ctx, domain), "no ptr", t->text,
		      "%s uses %s: RFC 7208 5.5 says it SHOULD NOT be used (slow, unreliable, and many "
		      "receivers skip it)",
		      name_display(w->ctx, domain), t->text);
		if (w->family)
			w->unknown = 1;
		return 0;
	case SPF_A: {
		int m = addresses_match(w, domain, t, target);
		if (m == -2)
			*result = V_TEMPERROR;
		return m == -2 ? 0 : m;
	}
	case SPF_EXISTS: {
		const char *why;
		int o = look(w, target, LDNS_RR_TYPE_A, NULL, &why);
		if (o < 0)
			return -1;
		if (o == LOOKUP_DATA)
			return 1;
		if (o != LOOKUP_FAILED) {
			void_lookup(w, FAMILIES_ALL, domain, t->text, target,
				    o == LOOKUP_NXDOMAIN ? "NXDOMAIN" : "no address");
		} else {
			lookup_failed(w, domain, t, target, LDNS_RR_TYPE_A, why);
			*result = V_TEMPERROR;
		}
		return 0;
	}
	case SPF_MX: {
		ldns_rr_list *rrs;
		const char *why;
		int o = look(w, target, LDNS_RR_TYPE_MX, &rrs, &why);
		if (o < 0)
			return -1;
		if (o == LOOKUP_FAILED) {
			lookup_failed(w, domain, t, target, LDNS_RR_TYPE_MX, why);
			*result = V_TEMPERROR;
			return 0;
		}
		if (o != LOOKUP_DATA) {
			void_lookup(w, FAMILIES_ALL, domain, t->text, target,
				    o == LOOKUP_NXDOMAIN ? "NXDOMAIN" : "no MX");
			return 0;
		}
		size_t n = ldns_rr_list_rr_count(rrs);
		if (n > MX_LIMIT) {
			issue(w, CODE_SPF_MX_TOO_MANY, name_display(w->ctx, domain), "<= 10 exchanges",
			      arena_printf(ctx_arena(w->ctx), "%zu", n),
			      "%s in %s: %s has %zu MX exchanges; RFC 7208 4.6.4 allows 10 address lookups "
			      "for "
			      "an mx, more is permerror",
			      t->text, name_display(w->ctx, domain), name_display(w->ctx, target), n);
			ldns_rr_list_free(rrs);
			w->stopped = 1;
			w->limit = LIMIT_MX;
			return 0;
		}
		int match = 0, pending = 0;
		for (size_t i = 0; i < n && !match && !w->stopped; i++) {
			const char *exchange = rr_name(w->ctx, ldns_rr_list_rr(rrs, i), 1);
			if (!exchange)
				continue;
			int m = addresses_match(w, domain, t, exchange);
			if (m == -2)
				*result = V_TEMPERROR;
			else if (m == -1)
				pending = 1;
			else if (m == 1)
				match = 1;
		}
		ldns_rr_list_free(rrs);
		return match ? 1 : pending ? -1 : 0;
	}
	case SPF_INCLUDE: {
		enum verdict r = check_host(w, target, ROLE_INCLUDE, t->text);
		switch (r) {
		case V_PASS:
			return 1;
		case V_NONE:
		case V_PERMERROR:
			*result = V_PERMERROR;
			return 0;
		case V_TEMPERROR:
		case V_UNKNOWN:
			*result = r;
			return 0;
		default:
			return 0;
		}
	}
	default:
		return 0;
	}
}

static enum verdict qualifier_result(char q)
{
	return q == '-' ? V_FAIL : q == '~' ? V_SOFTFAIL : q == '?' ? V_NEUTRAL : V_PASS;
}

/* The SPF records among the TXT records at domain. */
static size_t spf_records(struct walk *w, ldns_rr_list *rrs, struct txt **out)
{
	struct txt *all;
	size_t n = txt_values(w->ctx, rrs, &all), k = 0;
	for (size_t i = 0; i < n; i++)
		if (spf_is_record(all[i].s, all[i].len))
			all[k++] = all[i];
	*out = all;
	return k;
}

/* The record at domain, parsed into rec: returns 1, or 0 with *r the
 * verdict its absence or brokenness gives (V_UNKNOWN: not answered yet). */
static int fetch_record(struct walk *w, const char *domain, enum role role, const char *via,
			struct spf_record *rec, enum verdict *r)
{
	ldns_rr_list *rrs;
	const char *why;
	const char *shown = name_display(w->ctx, domain);
	int o = look(w, domain, LDNS_RR_TYPE_TXT, &rrs, &why);
	*r = V_UNKNOWN;
	if (o < 0)
		return 0;
	if (o == LOOKUP_FAILED) {
		issue(w, CODE_CHECK_NO_DATA, subject_of(w->ctx, domain, LDNS_RR_TYPE_TXT), NULL, why,
		      "the SPF record of %s could not be looked up: %s; receivers would say temperror", shown,
		      why);
		w->stopped = 1;
		*r = V_TEMPERROR;
		return 0;
	}
	struct txt *recs;
	size_t n = spf_records(w, rrs, &recs);
	ldns_rr_list_free(rrs);
	if (n == 0) {
		if (role == ROLE_TOP)
			issue(w, CODE_SPF_MISSING, shown, "one v=spf1 TXT record", "(none)",
			      "%s has no SPF record (no TXT record that begins \"v=spf1\"); a TXT record "
			      "with "
			      "white space before v=spf1 is not one",
			      shown);
		else
			issue(w, CODE_SPF_INCLUDE_MISSING, shown, "an SPF record", "(none)",
			      "%s (reached by %s) has no SPF record: RFC 7208 %s makes that permerror", shown,
			      via, role == ROLE_INCLUDE ? "5.2" : "6.1");
		*r = V_NONE;
		return 0;
	}
	if (n > 1) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			sb_addf(&sb, "%s\"%s\"", i ? ", " : "", recs[i].s);
		char *all = sb_detach(&sb);
		issue(w, CODE_SPF_MULTIPLE, shown, "one v=spf1 record", all,
		      "%s has %zu SPF records: RFC 7208 4.5 makes that permerror", shown, n);
		free(all);
		w->stopped = 1;
		*r = V_PERMERROR;
		return 0;
	}
	if (spf_parse(recs[0].s, recs[0].len, rec) != 0) {
		issue(w, CODE_SPF_SYNTAX, shown, NULL, rec->bad_term,
		      "the SPF record of %s is not valid at '%s': %s (permerror)", shown, rec->bad_term,
		      rec->error);
		if (!w->syntax_error)
			w->syntax_error = arena_printf(ctx_arena(w->ctx),
						       "the SPF record of %s is not valid at '%s': %s", shown,
						       rec->bad_term, rec->error);
		spf_record_release(rec);
		w->stopped = 1;
		*r = V_PERMERROR;
		return 0;
	}
	return 1;
}

static enum verdict check_host(struct walk *w, const char *domain, enum role role, const char *via)
{
	const char *shown = name_display(w->ctx, domain);
	for (int i = 0; i < w->depth; i++)
		if (strcmp(w->path[i], domain) == 0) {
			issue(w, CODE_SPF_INCLUDE_LOOP, shown, NULL, via,
			      "%s reaches %s again (%s): an include loop, permerror", via, shown,
			      name_display(w->ctx, w->path[w->depth - 1]));
			w->stopped = 1;
			return V_PERMERROR;
		}
	if (w->depth == DEPTH_MAX) {
		w->stopped = 1;
		w->limit = LIMIT_LOOKUPS;
		return V_PERMERROR;
	}
	struct spf_record rec;
	enum verdict r;
	if (!fetch_record(w, domain, role, via, &rec, &r))
		return r;
	if (w->depth == 0)
		w->top_parsed = 1;
	w->path[w->depth++] = domain;
	enum verdict result = V_NEUTRAL; /* no mechanism matched, no redirect */
	int decided = 0, pending = 0;
	for (size_t i = 0; i < rec.n; i++) {
		const struct spf_term *t = &rec.terms[i];
		if (t->kind >= SPF_REDIRECT)
			continue;
		if (decided || w->stopped) {
			list_term(w, domain, t->text, decided ? "not reached" : "not evaluated");
			continue;
		}
		int cost = spf_term_cost(&rec, t);
		if (cost) {
			w->lookups++;
			list_term(w, domain, t->text,
				  arena_printf(ctx_arena(w->ctx), "1 lookup, %d in all", w->lookups));
			if (w->lookups > LOOKUP_LIMIT) {
				w->stopped = 1;
				w->limit = LIMIT_LOOKUPS;
				continue;
			}
		} else {
			list_term(w, domain, t->text, "no lookup");
		}
		if (t->kind == SPF_ALL &&
		    (t->qualifier == '+' || (t->qualifier == '?' && role != ROLE_INCLUDE)))
			issue(w, CODE_SPF_PERMISSIVE_ALL, shown, "-all or ~all", t->text, "%s ends in %s: %s",
			      shown, t->text,
			      t->qualifier == '+'
				      ? "every host in the world may send as this domain"
				      : "mail from any host is neutral, as if there were no SPF record");
		enum verdict sub = V_NONE;
		int m = mechanism_matches(w, domain, t, &sub);
		if (sub == V_PERMERROR || sub == V_TEMPERROR) {
			result = sub;
			decided = 1;
			w->stopped = 1;
			continue;
		}
		if (sub == V_UNKNOWN)
			w->unknown = 1;
		if (m < 0)
			pending = 1;
		if (m == 1 && !pending) {
			result = qualifier_result(t->qualifier);
			decided = 1;
		}
	}
	if (rec.redirect >= 0) {
		const struct spf_term *t = &rec.terms[rec.redirect];
		if (rec.has_all) {
			list_term(w, domain, t->text, "ignored: the record has an all");
			issue(w, CODE_SPF_REDIRECT_IGNORED, shown, NULL, t->text,
			      "%s in %s is ignored because the record has an 'all' (RFC 7208 6.1): its "
			      "target's "
			      "hosts are not authorised",
			      t->text, shown);
		} else if (decided || w->stopped) {
			list_term(w, domain, t->text, decided ? "not reached" : "not evaluated");
		} else {
			w->lookups++;
			list_term(w, domain, t->text,
				  arena_printf(ctx_arena(w->ctx), "1 lookup, %d in all", w->lookups));
			const char *target, *expanded;
			enum target k = target_of(w, domain, t, &target, &expanded);
			if (w->lookups > LOOKUP_LIMIT) {
				w->stopped = 1;
				w->limit = LIMIT_LOOKUPS;
			} else if (k == TARGET_INVALID) {
				target_invalid(w, domain, t, expanded);
				result = V_PERMERROR;
				decided = 1;
			} else if (k == TARGET_MACRO) {
				issue(w, CODE_SPF_MACRO, shown, NULL, t->text,
				      "%s in %s uses a macro that only a message gives: where it leads "
				      "cannot be "
				      "checked without one",
				      t->text, shown);
				w->unknown = 1;
			} else if (!pending) {
				result = check_host(w, target, ROLE_REDIRECT, t->text);
				if (result == V_NONE)
					result = V_PERMERROR;
				decided = 1;
			} else {
				(void)check_host(w, target, ROLE_REDIRECT, t->text);
			}
		}
	}
	if (rec.exp >= 0)
		list_term(w, domain, rec.terms[rec.exp].text, "no lookup: fetched only for a fail");
	w->depth--;
	spf_record_release(&rec);
	if (w->limit != LIMIT_NONE)
		return V_PERMERROR;
	if (pending)
		return V_UNKNOWN;
	return result;
}

/* --- libspf2, fed from cutover's lookups -------------------------------- */

struct dns_hook {
	struct check_ctx *ctx;
	int missing;
};

/* libspf2's DNS layer over ctx_lookup_result(): an answer cutover has is
 * given at once; a miss is asked through the resolver and answered
 * TRY_AGAIN, and the evaluation is redone once it is in. */
static SPF_dns_rr_t *dns_lookup(SPF_dns_server_t *server, const char *domain, ns_type type, int should_cache)
{
	struct dns_hook *h = server->hook;
	const char *name = ctx_name(h->ctx, domain);
	/* RFC 7208 3.1, 14.1: the SPF RR type (99) is obsolete and receivers
	 * look at TXT only; libspf2 still asks it first. */
	if (!name || type == ns_t_spf)
		return SPF_dns_rr_new_init(server, domain, type, 0, name ? NO_DATA : HOST_NOT_FOUND);
	if (!ctx_lookup_result(h->ctx, name, (ldns_rr_type)type)) {
		ctx_lookup(h->ctx, name, (ldns_rr_type)type);
		h->missing++;
		return SPF_dns_rr_new_init(server, domain, type, 0, TRY_AGAIN);
	}
	ldns_rr_list *rrs;
	enum lookup_outcome o = lookup_records(h->ctx, name, (ldns_rr_type)type, &rrs, NULL, NULL);
	if (o != LOOKUP_DATA)
		return SPF_dns_rr_new_init(server, domain, type, 0,
					   o == LOOKUP_NXDOMAIN ? HOST_NOT_FOUND
					   : o == LOOKUP_NODATA ? NO_DATA
								: TRY_AGAIN);
	SPF_dns_rr_t *spfrr = SPF_dns_rr_new_init(server, domain, type, 300, NETDB_SUCCESS);
	struct txt *txts = NULL;
	if (type == ns_t_txt)
		(void)txt_values(h->ctx, rrs, &txts);
	int k = 0;
	for (size_t i = 0; spfrr && i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		const ldns_rdf *f = ldns_rr_rdf(rr, type == ns_t_mx ? 1 : 0);
		const char *text = NULL;
		char *owned = NULL;
		size_t size;
		if (type == ns_t_a || type == ns_t_aaaa) {
			size = type == ns_t_a ? 4 : 16;
			if (!f || ldns_rdf_size(f) != size)
				continue;
		} else if (type == ns_t_txt) {
			text = txts[i].s;
			size = strlen(text) + 1;
		} else if (type == ns_t_mx || type == ns_t_ptr) {
			owned = f ? ldns_rdf2str(f) : NULL;
			if (!owned)
				continue;
			size_t l = strlen(owned);
			if (l > 1 && owned[l - 1] == '.')
				owned[l - 1] = '\0';
			text = owned;
			size = strlen(text) + 1;
		} else {
			continue;
		}
		if (SPF_dns_rr_buf_realloc(spfrr, k, size) != SPF_E_SUCCESS) {
			free(owned);
			break;
		}
		memcpy(spfrr->rr[k], text ? text : (const char *)ldns_rdf_data(f), size);
		spfrr->num_rr = ++k;
		free(owned);
	}
	ldns_rr_list_free(rrs);
	return spfrr;
}

/* libspf2's verdict for sender; *explanation its reason. Returns -1 when a
 * lookup was missing (asked now: evaluate again next round). */
static int libspf2_verdict(struct check_ctx *ctx, const struct spf_questions *q, const char *sender,
			   enum verdict *verdict, const char **explanation)
{
	struct dns_hook hook = {ctx, 0};
	SPF_dns_server_t dns;
	memset(&dns, 0, sizeof(dns));
	dns.lookup = dns_lookup;
	dns.name = "cutover";
	dns.hook = &hook;
	SPF_server_t *server = SPF_server_new_dns(&dns, 0);
	SPF_request_t *req = server ? SPF_request_new(server) : NULL;
	SPF_response_t *resp = NULL;
	int rc = 0;
	*verdict = V_TEMPERROR;
	*explanation = "libspf2 could not run";
	if (!req)
		goto out;
	int bad = strchr(sender, ':') ? SPF_request_set_ipv6_str(req, sender)
				      : SPF_request_set_ipv4_str(req, sender);
	char *from = arena_printf(ctx_arena(ctx), "postmaster@%s", name_display(ctx, q->domain));
	if (bad || SPF_request_set_helo_dom(req, q->helo) || SPF_request_set_env_from(req, from))
		goto out;
	SPF_request_query_mailfrom(req, &resp);
	if (hook.missing) {
		rc = -1;
		goto out;
	}
	if (resp) {
		static const enum verdict map[] = {
			[SPF_RESULT_INVALID] = V_TEMPERROR,   [SPF_RESULT_NEUTRAL] = V_NEUTRAL,
			[SPF_RESULT_PASS] = V_PASS,	      [SPF_RESULT_FAIL] = V_FAIL,
			[SPF_RESULT_SOFTFAIL] = V_SOFTFAIL,   [SPF_RESULT_NONE] = V_NONE,
			[SPF_RESULT_TEMPERROR] = V_TEMPERROR, [SPF_RESULT_PERMERROR] = V_PERMERROR,
		};
		SPF_result_t res = SPF_response_result(resp);
		*verdict = (unsigned)res < sizeof(map) / sizeof(map[0]) ? map[res] : V_TEMPERROR;
		const char *why = SPF_response_get_smtp_comment(resp);
		if (!why && SPF_response_messages(resp) > 0)
			why = SPF_error_message(SPF_response_message(resp, 0));
		*explanation =
			arena_strdup(ctx_arena(ctx), why ? why : SPF_strreason(SPF_response_reason(resp)));
	}
out:
	if (resp)
		SPF_response_free(resp);
	if (req)
		SPF_request_free(req);
	if (server)
		SPF_server_free(server);
	return rc;
}

/* --- the check ------------------------------------------------------------ */

static int parse_sender(const char *s, unsigned char *ip, int *family)
{
	if (inet_pton(AF_INET, s, ip) == 1)
		return *family = 4, 0;
	if (inet_pton(AF_INET6, s, ip) == 1)
		return *family = 6, 0;
	return -1;
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct spf_questions *q = arena_alloc(ctx_arena(ctx), sizeof(*q));
	memset(q, 0, sizeof(*q));
	q->domain = ctx_name(ctx, ctx_domain(ctx));
	if (!q->domain) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "'%s' is not a valid name", ctx_domain(ctx));
		return -1;
	}
	q->n_senders = ctx_param_list(ctx, "senders", &q->senders);
	for (size_t i = 0; i < q->n_senders; i++) {
		unsigned char ip[16];
		int family;
		if (parse_sender(q->senders[i], ip, &family) != 0) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, q->senders[i], NULL, "an IPv4 or IPv6 address",
				    q->senders[i], "sender '%s' is not an IPv4 or IPv6 address",
				    q->senders[i]);
			return -1;
		}
	}
	const char *helo = ctx_param_str(ctx, "helo");
	q->helo = helo ? helo : name_display(ctx, q->domain);
	*ctx_state(ctx) = q;
	ctx_lookup(ctx, q->domain, LDNS_RR_TYPE_TXT);
	return 0;
}

static void walk_init(struct walk *w, struct check_ctx *ctx, struct spf_questions *q)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->q = q;
	w->listing = (struct strbuf)STRBUF_INIT;
	w->voids_by[0] = (struct strbuf)STRBUF_INIT;
	w->voids_by[1] = (struct strbuf)STRBUF_INIT;
}

static void walk_release(struct walk *w)
{
	sb_release(&w->listing);
	sb_release(&w->voids_by[0]);
	sb_release(&w->voids_by[1]);
	free(w->issues);
}

/* The void lookups of a family, "" when none. */
static const char *void_list(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

/* The findings of the report's walk. */
static void report(struct check_ctx *ctx, struct walk *w)
{
	const char *shown = name_display(ctx, w->q->domain);
	int problems = 0;
	for (size_t i = 0; i < w->n_issues; i++) {
		const struct issue *is = &w->issues[i];
		ctx_finding(ctx, is->code, is->subject, NULL, is->expected, is->actual, "%s", is->message);
		enum status s = code_status(is->code);
		problems += s != STATUS_OK && s != STATUS_INFO;
	}
	if (!w->top_parsed)
		return;
	const char *terms = w->listing.len ? w->listing.buf : "(none)";
	if (w->limit == LIMIT_LOOKUPS) {
		ctx_finding(
			ctx, CODE_SPF_TOO_MANY_LOOKUPS, shown, NULL, "<= 10",
			arena_printf(ctx_arena(ctx), "%d", w->lookups),
			"%s needs more than 10 DNS-querying terms over its include tree (evaluation stops "
			"with permerror at the 11th, RFC 7208 4.6.4). Terms: %s",
			shown, terms);
		problems++;
	} else {
		int partial = w->stopped || w->unknown;
		ctx_finding(ctx, CODE_SPF_LOOKUPS, shown, NULL, "<= 10",
			    arena_printf(ctx_arena(ctx), "%s%d", partial ? "at least " : "", w->lookups),
			    "%s: %s%d of at most 10 DNS-querying terms over its include tree%s. Terms: %s",
			    shown, partial ? "at least " : "", w->lookups,
			    w->unknown	 ? " (a macro or ptr hides part of it)"
			    : w->stopped ? " (evaluation stopped early)"
					 : "",
			    terms);
	}
	/* One finding when both families' evaluations stop at the same void
	 * lookups, else one per family over the limit. */
	static const char *const family_names[] = {"IPv4", "IPv6"};
	int over[2] = {w->voids[0] > VOID_LIMIT, w->voids[1] > VOID_LIMIT};
	int same = w->voids[0] == w->voids[1] &&
		   strcmp(void_list(&w->voids_by[0]), void_list(&w->voids_by[1])) == 0;
	for (int f = 0; f < 2; f++) {
		if (!over[f] || (f == 1 && same))
			continue;
		ctx_finding(ctx, CODE_SPF_VOID_LOOKUPS, shown, NULL, "<= 2",
			    arena_printf(ctx_arena(ctx), "%d", w->voids[f]),
			    "%s: %d void lookups (NXDOMAIN or no data) for %s senders, more than the 2 RFC "
			    "7208 4.6.4 allows: their evaluation stops with permerror at the 3rd. Void "
			    "lookups: %s",
			    shown, w->voids[f], same ? "IPv4 and IPv6" : family_names[f],
			    void_list(&w->voids_by[f]));
		problems++;
	}
	if (problems == 0 && w->voids[0] == w->voids[1])
		ctx_finding(ctx, CODE_SPF_OK, shown, NULL, NULL,
			    arena_printf(ctx_arena(ctx), "%d lookups, %d void", w->lookups, w->voids[0]),
			    "%s has one valid SPF record: %d DNS-querying terms, %d void lookups%s%s", shown,
			    w->lookups, w->voids[0], w->voids[0] ? ": " : "", void_list(&w->voids_by[0]));
	else if (problems == 0)
		ctx_finding(ctx, CODE_SPF_OK, shown, NULL, NULL,
			    arena_printf(ctx_arena(ctx), "%d lookups, %d void for IPv4, %d for IPv6",
					 w->lookups, w->voids[0], w->voids[1]),
			    "%s has one valid SPF record: %d DNS-querying terms; %d void lookups for IPv4 "
			    "senders%s%s; %d for IPv6 senders%s%s",
			    shown, w->lookups, w->voids[0], w->voids[0] ? ": " : "",
			    void_list(&w->voids_by[0]), w->voids[1], w->voids[1] ? ": " : "",
			    void_list(&w->voids_by[1]));
}

/* What each sender gets. */
struct sender_verdict {
	enum verdict mine, lib, final;
	int lib_asked; /* libspf2 evaluated it (else why is cutover's own finding) */
	enum limit limit;
	const char *why;
};

/* Each sender's verdict: cutover's walk's where it evaluates everything,
 * libspf2's where it meets ptr or a sender macro; libspf2 is not asked at all
 * about a tree the walk found a syntax error in. Returns -1 when a lookup
 * was missing (asked now). */
static int judge_senders(struct check_ctx *ctx, struct spf_questions *q, struct sender_verdict *out)
{
	int missing = 0;
	for (size_t i = 0; i < q->n_senders; i++) {
		struct walk w;
		walk_init(&w, ctx, q);
		(void)parse_sender(q->senders[i], w.ip, &w.family);
		out[i].mine = check_host(&w, q->domain, ROLE_TOP, "the domain");
		out[i].limit = w.unknown ? LIMIT_NONE : w.limit;
		if (w.unknown)
			out[i].mine = V_UNKNOWN;
		missing += w.missing;
		/* A record the walk found a syntax error in is permerror, and is
		 * not handed to libspf2 (whose macro expansion has had CVEs): its
		 * reason is cutover's own finding. */
		out[i].lib_asked = out[i].mine == V_UNKNOWN || !w.syntax_error;
		out[i].lib = V_UNKNOWN;
		out[i].why = w.syntax_error;
		walk_release(&w);
		if (out[i].lib_asked && libspf2_verdict(ctx, q, q->senders[i], &out[i].lib, &out[i].why) < 0)
			missing++;
		/* The walk is check_host() over the same answers; where it could
		 * evaluate everything its verdict is the RFC's, and it differs
		 * from libspf2's exactly where libspf2 strays from RFC 7208:
		 * limits (4.6.4), redirect= beside all (libspf2 follows it). */
		out[i].final = out[i].mine != V_UNKNOWN ? out[i].mine : out[i].lib;
	}
	return missing ? -1 : 0;
}

static void sender_findings(struct check_ctx *ctx, struct spf_questions *q, const struct sender_verdict *v)
{
	static const char *const limit_text[] = {"", "more than 10 DNS-querying terms",
						 "more than 2 void lookups",
						 "an mx with more than 10 exchanges"};
	const char *from = arena_printf(ctx_arena(ctx), "postmaster@%s", name_display(ctx, q->domain));
	for (size_t i = 0; i < q->n_senders; i++) {
		const char *note = "";
		if (v[i].lib_asked && v[i].limit != LIMIT_NONE && v[i].lib != V_PERMERROR)
			note = arena_printf(ctx_arena(ctx), " (RFC 7208 4.6.4: %s; libspf2 alone says %s)",
					    limit_text[v[i].limit], verdict_names[v[i].lib]);
		else if (v[i].lib_asked && v[i].mine != V_UNKNOWN && v[i].mine != v[i].lib)
			note = arena_printf(ctx_arena(ctx), " (RFC 7208; libspf2 alone says %s)",
					    verdict_names[v[i].lib]);
		if (v[i].final == V_PASS)
			ctx_finding(ctx, CODE_SPF_SENDER_AUTHORIZED, q->senders[i], NULL, "pass", "pass",
				    "%s may send mail from %s: SPF pass%s", q->senders[i], from, note);
		else
			ctx_finding(ctx, CODE_SPF_SENDER_NOT_AUTHORIZED, q->senders[i], NULL, "pass",
				    verdict_names[v[i].final], "%s sending mail from %s gets SPF %s%s%s%s",
				    q->senders[i], from, verdict_names[v[i].final], note,
				    v[i].lib_asked ? "; libspf2: " : ": ", v[i].why);
	}
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct spf_questions *q = *ctx_state(ctx);
	struct walk w;
	int rc = CHECK_AGAIN;
	walk_init(&w, ctx, q);
	w.report = 1;
	(void)check_host(&w, q->domain, ROLE_TOP, "the domain");
	struct sender_verdict *v = arena_alloc(ctx_arena(ctx), (q->n_senders + 1) * sizeof(*v));
	if (w.missing || judge_senders(ctx, q, v) < 0)
		goto out;
	report(ctx, &w);
	sender_findings(ctx, q, v);
	rc = 0;
out:
	walk_release(&w);
	return rc;
}

const struct check_desc check_spf = {
	.name = "spf",
	.summary = "one valid SPF record, within RFC 7208's lookup limits over its whole include tree; "
		   "senders pass",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
