/* rdns: reverse DNS of the addresses mail comes from and goes to, through the
 * resolver as receiving MTAs look it up: every address of every MX exchange
 * (unless `mx: false`) and every address in `ips:` (the sending addresses,
 * often not the MX) has a PTR record; a PTR name resolves back to the address
 * (forward-confirmed reverse DNS, FCrDNS); with `name:`, the PTR is that
 * name. IPv4 and IPv6. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "rules.h"
#include "util.h"

static const char *const bool_choices[] = {"true", "false", NULL};

static const struct check_param params[] = {
	{"ips", PARAM_STRINGS, 0, NULL, "sending addresses (IPv4 or IPv6) whose reverse DNS is checked too"},
	{"name", PARAM_NAME, 0, NULL, "the host name every checked address's PTR must be"},
	{"mx", PARAM_ENUM, 0, bool_choices,
	 "false: leave out the addresses of the domain's MX exchanges (default true)"},
	{NULL, 0, 0, NULL, NULL},
};

/* Where an address stands. */
enum addr_stage {
	STAGE_PTR,     /* its PTR lookup was asked */
	STAGE_FORWARD, /* the PTR names' address lookups were asked */
	STAGE_DONE
};

struct rdns_addr {
	const char *text;    /* "198.51.100.25", "2001:db8::25" (inet_ntop form) */
	int family;	     /* AF_INET, AF_INET6 */
	const char *reverse; /* "25.100.51.198.in-addr.arpa." */
	const char *source;  /* "MX mail.example.org", "ips" */
	enum addr_stage stage;
	int asked_round;   /* the judge round its last lookups were asked in (-1: ask()) */
	const char **ptrs; /* the PTR names, lower case, absolute */
	size_t n_ptrs;
};

struct rdns_state {
	const char *domain;
	const char *name; /* name:, absolute, or NULL */
	int mx;		  /* check the MX exchanges' addresses */
	int mx_stage;	  /* 0 MX asked, 1 exchange addresses asked, 2 done */
	int mx_failed;	  /* a lookup of the MX side failed (an error finding says so) */
	const char **exchanges;
	size_t n_exchanges;
	struct rdns_addr *addrs;
	size_t n_addrs, alloc_addrs;
};

/* Add an address (binary, of family) unless it is there already; ask for its
 * PTR. */
static void add_addr(struct check_ctx *ctx, struct rdns_state *p, int family, const void *bin,
		     const char *source)
{
	char text[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, bin, text, sizeof(text)))
		return;
	for (size_t i = 0; i < p->n_addrs; i++)
		if (strcmp(p->addrs[i].text, text) == 0)
			return;
	/* The reverse name from ldns (in-addr.arpa. or nibbles under
	 * ip6.arpa.), never built by hand. */
	ldns_rdf *a = ldns_rdf_new_frm_data(family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
					    family == AF_INET ? 4 : 16, bin);
	ldns_rdf *rev = a ? ldns_rdf_address_reverse(a) : NULL;
	char *rtext = rev ? ldns_rdf2str(rev) : NULL;
	ldns_rdf_deep_free(a);
	ldns_rdf_deep_free(rev);
	if (!rtext)
		return;
	if (p->n_addrs == p->alloc_addrs) {
		size_t alloc = p->alloc_addrs ? 2 * p->alloc_addrs : 8;
		struct rdns_addr *v = arena_alloc(ctx_arena(ctx), alloc * sizeof(*v));
		if (p->n_addrs)
			memcpy(v, p->addrs, p->n_addrs * sizeof(*v));
		p->addrs = v;
		p->alloc_addrs = alloc;
	}
	struct rdns_addr *ad = &p->addrs[p->n_addrs++];
	memset(ad, 0, sizeof(*ad));
	ad->text = arena_strdup(ctx_arena(ctx), text);
	ad->family = family;
	ad->reverse = ctx_name(ctx, rtext);
	ad->source = source;
	ad->stage = STAGE_PTR;
	ad->asked_round = ctx_round(ctx);
	free(rtext);
	ctx_lookup(ctx, ad->reverse, LDNS_RR_TYPE_PTR);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct rdns_state *p = arena_alloc(ctx_arena(ctx), sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->domain = ctx_name(ctx, ctx_domain(ctx));
	const char *mx = ctx_param_str(ctx, "mx");
	p->mx = !(mx && strcmp(mx, "false") == 0);
	const char *name = ctx_param_str(ctx, "name");
	if (name && !(p->name = ctx_name(ctx, name))) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, name, NULL, NULL, name,
			    "name '%s' is not a valid host name", name);
		return -1;
	}
	if (!p->domain) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "'%s' is not a valid name", ctx_domain(ctx));
		return -1;
	}
	const char **ips;
	size_t n_ips = ctx_param_list(ctx, "ips", &ips);
	for (size_t i = 0; i < n_ips; i++) {
		unsigned char bin[16];
		int family = strchr(ips[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, ips[i], bin) != 1) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, ips[i], NULL, "an IPv4 or IPv6 address", ips[i],
				    "'%s' in ips is not an IP address", ips[i]);
			return -1;
		}
	}
	*ctx_state(ctx) = p;
	/* ask() runs before round 0: lookups asked here carry round -1. */
	for (size_t i = 0; i < n_ips; i++) {
		unsigned char bin[16];
		int family = strchr(ips[i], ':') ? AF_INET6 : AF_INET;
		inet_pton(family, ips[i], bin);
		add_addr(ctx, p, family, bin, "ips");
		p->addrs[p->n_addrs - 1].asked_round = -1;
	}
	if (p->mx)
		ctx_lookup(ctx, p->domain, LDNS_RR_TYPE_MX);
	else
		p->mx_stage = 2;
	return 0;
}

/* Round 0 of the MX side: read the exchanges, ask their addresses. */
static void mx_exchanges(struct check_ctx *ctx, struct rdns_state *p)
{
	ldns_rr_list *rrs = NULL;
	const char *why;
	enum lookup_outcome o = lookup_records(ctx, p->domain, LDNS_RR_TYPE_MX, &rrs, &why, NULL);
	p->mx_stage = 2;
	if (o == LOOKUP_FAILED) {
		p->mx_failed = 1;
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject_of(ctx, p->domain, LDNS_RR_TYPE_MX), NULL, NULL,
			    why,
			    "the MX records of %s could not be determined (%s), so neither could the reverse "
			    "DNS of their addresses",
			    name_display(ctx, p->domain), why);
		return;
	}
	size_t n = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	p->exchanges = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *ex = rr_name(ctx, ldns_rr_list_rr(rrs, i), 1);
		if (!ex || strcmp(ex, ".") == 0 || str_in(p->exchanges, p->n_exchanges, ex))
			continue;
		p->exchanges[p->n_exchanges++] = ex;
		ctx_lookup(ctx, ex, LDNS_RR_TYPE_A);
		ctx_lookup(ctx, ex, LDNS_RR_TYPE_AAAA);
	}
	if (rrs)
		ldns_rr_list_free(rrs);
	if (p->n_exchanges)
		p->mx_stage = 1;
}

/* Round 1 of the MX side: every address of every exchange joins the list. */
static void mx_addresses(struct check_ctx *ctx, struct rdns_state *p)
{
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	p->mx_stage = 2;
	for (size_t i = 0; i < p->n_exchanges; i++) {
		const char *source =
			arena_printf(ctx_arena(ctx), "MX %s", name_display(ctx, p->exchanges[i]));
		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			ldns_rr_list *rrs = NULL;
			const char *why;
			if (lookup_records(ctx, p->exchanges[i], types[t], &rrs, &why, NULL) ==
			    LOOKUP_FAILED) {
				const char *subject = subject_of(ctx, p->exchanges[i], types[t]);
				p->mx_failed = 1;
				ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, why,
					    "the addresses of the exchange %s could not be determined (%s)",
					    subject, why);
				continue;
			}
			for (size_t k = 0; rrs && k < ldns_rr_list_rr_count(rrs); k++) {
				const ldns_rdf *f = ldns_rr_rdf(ldns_rr_list_rr(rrs, k), 0);
				if (f && ldns_rdf_size(f) == (types[t] == LDNS_RR_TYPE_A ? 4u : 16u))
					add_addr(ctx, p, types[t] == LDNS_RR_TYPE_A ? AF_INET : AF_INET6,
						 ldns_rdf_data(f), source);
			}
			if (rrs)
				ldns_rr_list_free(rrs);
		}
	}
}

/* The address type that confirms an address of family. */
static ldns_rr_type forward_type(int family)
{
	return family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
}

/* The PTR names, for messages ("a.example.org, b.example.org"). */
static const char *ptr_list(struct check_ctx *ctx, const struct rdns_addr *ad)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ad->n_ptrs; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", name_display(ctx, ad->ptrs[i]));
	const char *out = arena_strdup(ctx_arena(ctx), sb.len ? sb.buf : "");
	sb_release(&sb);
	return out;
}

/* Read an address's PTR lookup: a finding when it ends there; else ask the
 * address of every PTR name. */
static void judge_ptr(struct check_ctx *ctx, struct rdns_state *p, struct rdns_addr *ad)
{
	ldns_rr_list *rrs = NULL;
	const char *why;
	enum lookup_outcome o = lookup_records(ctx, ad->reverse, LDNS_RR_TYPE_PTR, &rrs, &why, NULL);
	ad->stage = STAGE_DONE;
	if (o == LOOKUP_FAILED) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ad->text, NULL, NULL, why,
			    "the reverse DNS of %s (%s) could not be determined: %s", ad->text, ad->source,
			    why);
		return;
	}
	if (o != LOOKUP_DATA) {
		ctx_finding(ctx, CODE_RDNS_MISSING, ad->text, NULL,
			    p->name ? name_display(ctx, p->name) : "a PTR record", "(none)",
			    "%s (%s) has no PTR record at %s: many receivers refuse or mark mail from an "
			    "address without reverse DNS",
			    ad->text, ad->source, name_display(ctx, ad->reverse));
		return;
	}
	size_t n = ldns_rr_list_rr_count(rrs);
	ad->ptrs = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *name = rr_name(ctx, ldns_rr_list_rr(rrs, i), 0);
		if (name && !str_in(ad->ptrs, ad->n_ptrs, name)) {
			ad->ptrs[ad->n_ptrs++] = name;
			ctx_lookup(ctx, name, forward_type(ad->family));
		}
	}
	ldns_rr_list_free(rrs);
	if (ad->n_ptrs) {
		ad->stage = STAGE_FORWARD;
		ad->asked_round = ctx_round(ctx);
	}
}

/* Whether rrs holds the address ad (compared as binary). */
static int holds_address(const ldns_rr_list *rrs, const struct rdns_addr *ad)
{
	unsigned char bin[16];
	size_t len = ad->family == AF_INET ? 4 : 16;
	if (inet_pton(ad->family, ad->text, bin) != 1)
		return 0;
	for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rdf *f = ldns_rr_rdf(ldns_rr_list_rr(rrs, i), 0);
		if (f && ldns_rdf_size(f) == len && memcmp(ldns_rdf_data(f), bin, len) == 0)
			return 1;
	}
	return 0;
}

/* Judge an address whose PTR names' addresses have come. */
static void judge_forward(struct check_ctx *ctx, struct rdns_state *p, struct rdns_addr *ad)
{
	const char *confirmed = NULL, *failed = NULL;
	struct strbuf seen = STRBUF_INIT;
	ad->stage = STAGE_DONE;
	for (size_t i = 0; i < ad->n_ptrs && !confirmed; i++) {
		ldns_rr_list *rrs = NULL;
		const char *why;
		ldns_rr_type type = forward_type(ad->family);
		enum lookup_outcome o = lookup_records(ctx, ad->ptrs[i], type, &rrs, &why, NULL);
		if (o == LOOKUP_FAILED)
			failed = arena_printf(ctx_arena(ctx), "%s: %s", subject_of(ctx, ad->ptrs[i], type),
					      why);
		else if (holds_address(rrs, ad))
			confirmed = ad->ptrs[i];
		else
			sb_addf(&seen, "%s%s %s", seen.len ? "; " : "", name_display(ctx, ad->ptrs[i]),
				o == LOOKUP_DATA ? rrset_rdata(ctx, rrs) : "(no address)");
		if (rrs)
			ldns_rr_list_free(rrs);
	}
	const char *ptrs = ptr_list(ctx, ad);
	int problems = 0;
	if (!confirmed && failed) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ad->text, NULL, NULL, failed,
			    "whether the PTR of %s (%s) resolves back to it could not be determined (%s)",
			    ad->text, ptrs, failed);
		problems++;
	} else if (!confirmed) {
		ctx_finding(
			ctx, CODE_RDNS_NOT_FORWARD_CONFIRMED, ad->text, NULL, ad->text, seen.buf,
			"%s (%s) has the PTR %s, but no PTR name resolves back to it (%s): receivers that "
			"check forward-confirmed reverse DNS treat it as having none",
			ad->text, ad->source, ptrs, seen.buf);
		problems++;
	}
	sb_release(&seen);
	if (p->name && !str_in(ad->ptrs, ad->n_ptrs, p->name)) {
		ctx_finding(
			ctx, CODE_RDNS_NAME_MISMATCH, ad->text, NULL, name_display(ctx, p->name), ptrs,
			"the PTR of %s (%s) is %s, not %s: the name the mail server gives itself should be "
			"the address's reverse name",
			ad->text, ad->source, ptrs, name_display(ctx, p->name));
		problems++;
	}
	if (problems == 0)
		ctx_finding(ctx, CODE_RDNS_OK, ad->text, NULL, p->name ? name_display(ctx, p->name) : NULL,
			    ptrs, "%s (%s) has the PTR %s, which resolves back to it", ad->text, ad->source,
			    name_display(ctx, confirmed));
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct rdns_state *p = *ctx_state(ctx);
	int round = ctx_round(ctx);
	if (p->mx_stage == 1)
		mx_addresses(ctx, p);
	else if (p->mx_stage == 0)
		mx_exchanges(ctx, p);
	int pending = p->mx_stage < 2;
	/* Only addresses whose lookups were asked in an earlier round have
	 * their answers; those asked in this one wait for the next. */
	for (size_t i = 0; i < p->n_addrs; i++) {
		struct rdns_addr *ad = &p->addrs[i];
		if (ad->stage != STAGE_DONE && ad->asked_round < round) {
			if (ad->stage == STAGE_PTR)
				judge_ptr(ctx, p, ad);
			else
				judge_forward(ctx, p, ad);
		}
		pending |= ad->stage != STAGE_DONE;
	}
	if (pending)
		return CHECK_AGAIN;
	if (p->n_addrs == 0 && !p->mx_failed)
		ctx_finding(ctx, CODE_RDNS_NO_ADDRESSES, name_display(ctx, p->domain), NULL, NULL, NULL,
			    "no address to check the reverse DNS of: %s, and the rule gives no ips",
			    !p->mx	     ? "mx: false"
			    : p->n_exchanges ? "the MX exchanges have no address (see the mx check)"
					     : "the domain has no MX exchange");
	return 0;
}

const struct check_desc check_rdns = {
	.name = "rdns",
	.summary =
		"every MX and sending address has a PTR that resolves back to it (and is the expected name)",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
