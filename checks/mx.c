/* mx: the domain's MX records as receiving MTAs see them through the
 * resolver: present, or a null MX (RFC 7505: "no mail"); every exchange a
 * host name with addresses, not an alias (RFC 5321 5.1, RFC 2181 10.3) and
 * not an address written as a name; with `expect`, exactly those exchanges. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

static const struct check_param params[] = {
	{"expect", PARAM_NAMES, 0, NULL,
	 "the exchange host names there must be, compared as a set (preferences aside)"},
	{NULL, 0, 0, NULL, NULL},
};

struct mx_exchange {
	const char *name; /* lower case, absolute */
	unsigned preference;
};

struct mx_state {
	const char *domain;	/* "example.org." */
	struct mx_exchange *ex; /* by preference, then name */
	size_t n_ex;
	int null_mixed; /* a null MX beside others: a problem already reported */
};

static int exchange_cmp(const void *a, const void *b)
{
	const struct mx_exchange *x = a, *y = b;
	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct mx_state *p = arena_alloc(ctx_arena(ctx), sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->domain = ctx_name(ctx, ctx_domain(ctx));
	if (!p->domain) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "'%s' is not a valid name", ctx_domain(ctx));
		return -1;
	}
	ctx_lookup(ctx, p->domain, LDNS_RR_TYPE_MX);
	*ctx_state(ctx) = p;
	return 0;
}

/* Whether name (absolute, lower case) is an IPv4 or IPv6 address written
 * where a host name belongs: "192.0.2.1." itself, or the first labels of
 * "192.0.2.1.example.org." or "2001:db8::1.example.org.", what a zone file
 * makes of `MX 10 192.0.2.1` or `MX 10 2001:db8::1` written without a
 * trailing dot (':' is legal in a label; an IPv4-mapped IPv6 address spans
 * labels). Every run of whole first labels is tried, so by hand: no library
 * splits a name into an address and the rest. */
static int address_literal(const char *name)
{
	char buf[256];
	unsigned char bin[16];
	size_t len = strlen(name);
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, name, len + 1);
	for (size_t end = 0; end <= len; end++) {
		if (buf[end] != '.' && buf[end] != '\0')
			continue;
		char c = buf[end];
		buf[end] = '\0';
		int literal = inet_pton(AF_INET, buf, bin) == 1 || inet_pton(AF_INET6, buf, bin) == 1;
		buf[end] = c;
		if (literal)
			return 1;
	}
	return 0;
}

/* Read the MX answer: a finding and -1 when there is nothing more to judge
 * (failed, missing, null MX); else 0 with the exchanges in p. */
static int read_mx(struct check_ctx *ctx, struct mx_state *p, const char *subject)
{
	ldns_rr_list *rrs = NULL;
	const char *why;
	switch (lookup_records(ctx, p->domain, LDNS_RR_TYPE_MX, &rrs, &why, NULL)) {
	case LOOKUP_FAILED:
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, why,
			    "the MX records of %s could not be determined: %s", name_display(ctx, p->domain),
			    why);
		return -1;
	case LOOKUP_NXDOMAIN:
	case LOOKUP_NODATA:
		ctx_finding(
			ctx, CODE_MX_MISSING, subject, NULL, "MX records", "(none)",
			"%s has no MX record: mail goes to its address records (RFC 5321 5.1) or nowhere; "
			"publish MX records, or a null MX (0 .) when the domain takes no mail",
			name_display(ctx, p->domain));
		return -1;
	case LOOKUP_DATA:
		break;
	}
	size_t n = ldns_rr_list_rr_count(rrs);
	size_t nulls = 0;
	p->ex = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(*p->ex));
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		const char *name = rr_name(ctx, rr, 1);
		if (!name)
			continue;
		unsigned pref = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		if (strcmp(name, ".") == 0) {
			nulls++;
			continue;
		}
		p->ex[p->n_ex].name = name;
		p->ex[p->n_ex].preference = pref;
		p->n_ex++;
	}
	const char *all = rrset_rdata(ctx, rrs);
	ldns_rr_list_free(rrs);
	if (nulls && p->n_ex == 0 && n == 1 && strcmp(all, "0 .") == 0) {
		ctx_finding(ctx, CODE_MX_NULL, subject, NULL, NULL, all,
			    "%s publishes a null MX (RFC 7505): it takes no mail",
			    name_display(ctx, p->domain));
		return -1;
	}
	qsort(p->ex, p->n_ex, sizeof(*p->ex), exchange_cmp);
	if (nulls) {
		p->null_mixed = 1;
		ctx_finding(ctx, CODE_MX_NULL_MIXED, subject, NULL, "0 . alone, or no null MX", all,
			    "%s has a null MX (\".\") that is not the only MX record with preference 0 "
			    "(RFC 7505 3): %s; senders may treat the domain as taking no mail, or try the "
			    "others",
			    name_display(ctx, p->domain), all);
	}
	return p->n_ex ? 0 : -1;
}

/* The addresses of an exchange in rrs, appended to sb. */
static void add_addresses(struct check_ctx *ctx, struct strbuf *sb, const ldns_rr_list *rrs)
{
	for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++)
		sb_addf(sb, "%s%s", sb->len ? ", " : "", rr_rdata(ctx, ldns_rr_list_rr(rrs, i)));
}

/* Judge one exchange's A and AAAA lookups. Returns the number of problems;
 * the addresses found go to addrs. */
static int judge_exchange(struct check_ctx *ctx, const struct mx_exchange *ex, struct strbuf *addrs)
{
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	const char *subject = name_display(ctx, ex->name);
	const char *alias = NULL, *failed = NULL;
	int found = 0;
	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		ldns_rr_list *rrs = NULL;
		const char *why, *at;
		enum lookup_outcome o = lookup_records(ctx, ex->name, types[t], &rrs, &why, &at);
		if (o == LOOKUP_FAILED) {
			failed = arena_printf(ctx_arena(ctx), "%s: %s", type_name(ctx, types[t]), why);
			continue;
		}
		if (strcmp(at, ex->name) != 0)
			alias = at;
		if (o == LOOKUP_DATA) {
			found = 1;
			add_addresses(ctx, addrs, rrs);
			ldns_rr_list_free(rrs);
		}
	}
	int problems = 0;
	if (alias) {
		ctx_finding(ctx, CODE_MX_CNAME, subject, NULL, "a host name with address records",
			    arena_printf(ctx_arena(ctx), "CNAME %s", name_display(ctx, alias)),
			    "the exchange %s is an alias (CNAME to %s): RFC 5321 5.1 and RFC 2181 10.3 want "
			    "the host's own name; some MTAs refuse it",
			    subject, name_display(ctx, alias));
		problems++;
	}
	if (failed && !found) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, failed,
			    "the addresses of the exchange %s could not be determined (%s)", subject, failed);
		problems++;
	} else if (!found) {
		int literal = address_literal(ex->name);
		ctx_finding(ctx, CODE_MX_UNRESOLVABLE, subject, NULL, "A or AAAA records", "(none)",
			    "the exchange %s has no address (A or AAAA): mail for the domain cannot be "
			    "delivered there%s",
			    subject,
			    literal ? "; it looks like an address literal, and an MX must name a host, "
				      "never an address (RFC 7505 3, RFC 5321 5.1)"
				    : "");
		problems++;
	}
	return problems;
}

/* The exchanges as a sorted set ("a.example.org, b.example.org"). */
static const char *exchange_set(struct check_ctx *ctx, const struct mx_state *p)
{
	const char **v = arena_alloc(ctx_arena(ctx), (p->n_ex + 1) * sizeof(char *));
	for (size_t i = 0; i < p->n_ex; i++)
		v[i] = name_display(ctx, p->ex[i].name);
	return join_sorted(ctx, v, p->n_ex);
}

/* With expect: the exchanges must be exactly those named, compared as a set
 * of names (case does not matter). Returns the number of problems. */
static int judge_expect(struct check_ctx *ctx, const struct mx_state *p, const char *subject)
{
	const char **want;
	size_t n_want = ctx_param_list(ctx, "expect", &want);
	if (n_want == 0)
		return 0;
	struct strbuf missing = STRBUF_INIT, extra = STRBUF_INIT;
	const char **names = arena_alloc(ctx_arena(ctx), (n_want + 1) * sizeof(char *));
	int problems = 0;
	for (size_t i = 0; i < n_want; i++) {
		names[i] = ctx_name(ctx, want[i]);
		if (!names[i]) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, want[i],
				    "expected exchange '%s' is not a valid host name", want[i]);
			return 1;
		}
		int have = 0;
		for (size_t k = 0; k < p->n_ex && !have; k++)
			have = strcmp(p->ex[k].name, names[i]) == 0;
		if (!have)
			sb_addf(&missing, "%s%s", missing.len ? ", " : "", name_display(ctx, names[i]));
	}
	for (size_t k = 0; k < p->n_ex; k++) {
		int listed = 0;
		for (size_t i = 0; i < n_want && !listed; i++)
			listed = strcmp(p->ex[k].name, names[i]) == 0;
		if (!listed && !(extra.len && strstr(extra.buf, name_display(ctx, p->ex[k].name))))
			sb_addf(&extra, "%s%s", extra.len ? ", " : "", name_display(ctx, p->ex[k].name));
	}
	if (missing.len || extra.len) {
		const char **shown = arena_alloc(ctx_arena(ctx), (n_want + 1) * sizeof(char *));
		for (size_t i = 0; i < n_want; i++)
			shown[i] = name_display(ctx, names[i]);
		ctx_finding(ctx, CODE_MX_MISMATCH, subject, NULL, join_sorted(ctx, shown, n_want),
			    exchange_set(ctx, p),
			    "the exchanges of %s are not the expected ones: missing %s; not expected %s",
			    name_display(ctx, p->domain), missing.len ? missing.buf : "none",
			    extra.len ? extra.buf : "none");
		problems++;
	}
	sb_release(&missing);
	sb_release(&extra);
	return problems;
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct mx_state *p = *ctx_state(ctx);
	const char *subject = subject_of(ctx, p->domain, LDNS_RR_TYPE_MX);
	if (ctx_round(ctx) == 0) {
		if (read_mx(ctx, p, subject) < 0)
			return 0;
		for (size_t i = 0; i < p->n_ex; i++) {
			ctx_lookup(ctx, p->ex[i].name, LDNS_RR_TYPE_A);
			ctx_lookup(ctx, p->ex[i].name, LDNS_RR_TYPE_AAAA);
		}
		return CHECK_AGAIN;
	}
	int problems = judge_expect(ctx, p, subject) + p->null_mixed;
	struct strbuf ok = STRBUF_INIT;
	for (size_t i = 0; i < p->n_ex; i++) {
		struct strbuf addrs = STRBUF_INIT;
		problems += judge_exchange(ctx, &p->ex[i], &addrs);
		sb_addf(&ok, "%s%u %s (%s)", ok.len ? "; " : "", p->ex[i].preference,
			name_display(ctx, p->ex[i].name), addrs.len ? addrs.buf : "no address");
		sb_release(&addrs);
	}
	if (problems == 0)
		ctx_finding(ctx, CODE_MX_OK, subject, NULL, NULL, exchange_set(ctx, p), "%s: %s",
			    name_display(ctx, p->domain), ok.buf);
	sb_release(&ok);
	return 0;
}

const struct check_desc check_mx = {
	.name = "mx",
	.summary = "MX records exist (or a null MX), and every exchange is a host name with addresses",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
