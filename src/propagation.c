/* Judging propagation answers (propagation.h). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns.h"
#include "propagation.h"
#include "report.h"
#include "util.h"

/* A CNAME chain longer than this is not followed (as answer_chain_end()). */
#define CHAIN_MAX 16

void prop_values_init(struct prop_values *v, ldns_rr_type type)
{
	memset(v, 0, sizeof(*v));
	v->type = type;
}

void prop_values_release(struct prop_values *v)
{
	for (size_t i = 0; i < v->n_exact; i++)
		free(v->exact[i]);
	free(v->exact);
	for (size_t i = 0; i < v->n_cidrs; i++)
		free(v->cidrs[i].text);
	free(v->cidrs);
	free(v->alias);
	prop_values_init(v, v->type);
}

int prop_values_empty(const struct prop_values *v)
{
	return v->n_exact == 0 && v->n_cidrs == 0 && !v->alias;
}

/* "CNAME target" for a type other than CNAME: the target, absolute and
 * lower case (a new string), or NULL when text is not that. */
static char *alias_value(ldns_rr_type type, const char *text)
{
	if (type == LDNS_RR_TYPE_CNAME || strncasecmp(text, "CNAME", 5) != 0 ||
	    (text[5] != ' ' && text[5] != '\t'))
		return NULL;
	const char *t = text + 6;
	while (*t == ' ' || *t == '\t')
		t++;
	ldns_rdf *rdf = NULL;
	if (!*t || ldns_str2rdf_dname(&rdf, t) != LDNS_STATUS_OK)
		return xstrdup("");
	ldns_dname2canonical(rdf);
	char *out = ldns_rdf2str(rdf);
	ldns_rdf_deep_free(rdf);
	return out ? out : xstrdup("");
}

static int is_address_type(ldns_rr_type t)
{
	return t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA;
}

static int add_cidr(struct prop_values *v, const char *text, const char *slash, char *err, size_t errlen)
{
	int family = v->type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
	unsigned maxbits = family == AF_INET ? 32 : 128;
	char host[INET6_ADDRSTRLEN];
	unsigned long bits;
	uint8_t addr[16];
	size_t hl = (size_t)(slash - text);

	if (hl == 0 || hl >= sizeof(host) || parse_ulong(slash + 1, 0, maxbits, &bits) != 0) {
		snprintf(err, errlen, "'%s' is not an address range (ADDRESS/BITS, bits 0 to %u)", text,
			 maxbits);
		return -1;
	}
	memcpy(host, text, hl);
	host[hl] = '\0';
	memset(addr, 0, sizeof(addr));
	if (inet_pton(family, host, addr) != 1) {
		snprintf(err, errlen, "'%s' is not an %s address range", text,
			 family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	/* the network itself: 198.51.100.20/24 is 198.51.100.0/24 */
	for (unsigned i = (unsigned)bits; i < maxbits; i++)
		addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	struct prop_cidr *c = xgrow(&v->cidrs, &v->n_cidrs, &v->alloc_cidrs, sizeof(*c));
	c->family = family;
	memcpy(c->addr, addr, sizeof(addr));
	c->bits = (unsigned)bits;
	inet_ntop(family, addr, host, sizeof(host));
	c->text = xasprintf("%s/%lu", host, bits);
	return 0;
}

/* The canonical text of a value the user wrote for type, or NULL. */
static char *value_canonical(ldns_rr_type type, const char *text)
{
	if (type == LDNS_RR_TYPE_TXT) {
		/* the record's text, joined; one pair of quotes around it
		 * is the zone-file way of writing it, not part of it */
		size_t n = strlen(text);
		if (n >= 2 && text[0] == '"' && text[n - 1] == '"')
			return xstrndup(text + 1, n - 2);
		return xstrdup(text);
	}
	return dns_rdata_canonical(type, text);
}

int prop_values_add(struct prop_values *v, const char *text, char *err, size_t errlen)
{
	char *alias = alias_value(v->type, text);
	if (alias) {
		if (!*alias) {
			snprintf(err, errlen, "'%s' is not CNAME and a host name", text);
			free(alias);
			return -1;
		}
		if (v->n_exact || v->n_cidrs || (v->alias && strcmp(v->alias, alias) != 0)) {
			snprintf(err, errlen, "'%s': give one alias (CNAME TARGET) or values, not both",
				 text);
			free(alias);
			return -1;
		}
		free(v->alias);
		v->alias = alias;
		return 0;
	}
	if (v->alias) {
		snprintf(err, errlen, "'%s': give one alias (CNAME TARGET) or values, not both", text);
		return -1;
	}
	const char *slash = strchr(text, '/');
	if (is_address_type(v->type) && slash)
		return add_cidr(v, text, slash, err, errlen);
	char *c = value_canonical(v->type, text);
	if (!c) {
		char *tname = ldns_rr_type2str(v->type);
		snprintf(err, errlen, "'%s' is not a value of type %s", text, tname ? tname : "?");
		free(tname);
		return -1;
	}
	for (size_t i = 0; i < v->n_exact; i++)
		if (strcmp(v->exact[i], c) == 0) {
			free(c);
			return 0;
		}
	*(char **)xgrow(&v->exact, &v->n_exact, &v->alloc_exact, sizeof(char *)) = c;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *prop_values_text(const struct prop_values *v)
{
	size_t n = v->n_exact + v->n_cidrs;
	const char **all = xmalloc((n + 1) * sizeof(char *));
	struct strbuf sb = STRBUF_INIT;
	if (v->alias)
		sb_addf(&sb, "CNAME %s", v->alias);
	for (size_t i = 0; i < v->n_exact; i++)
		all[i] = v->exact[i];
	for (size_t i = 0; i < v->n_cidrs; i++)
		all[v->n_exact + i] = v->cidrs[i].text;
	if (n)
		qsort(all, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_adds(&sb, ", ");
		sb_adds(&sb, all[i]);
	}
	free(all);
	return sb_detach(&sb);
}

const char *prop_status_name(enum prop_status s)
{
	static const char *const names[] = {"new", "old", "stale", "other", "error"};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

void prop_result_release(struct prop_result *r)
{
	for (size_t i = 0; i < r->n_answer; i++)
		free(r->answer[i]);
	free(r->answer);
	free(r->error);
	free(r->alias);
	memset(r, 0, sizeof(*r));
}

/* Whether the address text a lies in range c. */
static int cidr_contains(const struct prop_cidr *c, const char *a)
{
	uint8_t addr[16];
	memset(addr, 0, sizeof(addr));
	if (inet_pton(c->family, a, addr) != 1)
		return 0;
	for (unsigned i = 0; i < c->bits; i++) {
		unsigned m = 0x80u >> (i % 8);
		if ((addr[i / 8] & m) != (c->addr[i / 8] & m))
			return 0;
	}
	return 1;
}

static int value_in(const struct prop_values *v, const char *a)
{
	for (size_t i = 0; i < v->n_exact; i++)
		if (strcmp(v->exact[i], a) == 0)
			return 1;
	for (size_t i = 0; i < v->n_cidrs; i++)
		if (cidr_contains(&v->cidrs[i], a))
			return 1;
	return 0;
}

/* The whole set: every value answered is one of v's, every exact value of
 * v was answered, and every range holds one of the values answered. Round
 * robin order does not matter (both sides are sets). */
static int set_matches(const struct prop_values *v, const struct prop_result *r)
{
	if (v->alias)
		return r->alias && strcmp(r->alias, v->alias) == 0;
	if (prop_values_empty(v))
		return r->negative;
	if (r->n_answer == 0)
		return 0;
	for (size_t i = 0; i < r->n_answer; i++)
		if (!value_in(v, r->answer[i]))
			return 0;
	for (size_t i = 0; i < v->n_exact; i++) {
		size_t k = 0;
		while (k < r->n_answer && strcmp(r->answer[k], v->exact[i]) != 0)
			k++;
		if (k == r->n_answer)
			return 0;
	}
	for (size_t i = 0; i < v->n_cidrs; i++) {
		size_t k = 0;
		while (k < r->n_answer && !cidr_contains(&v->cidrs[i], r->answer[k]))
			k++;
		if (k == r->n_answer)
			return 0;
	}
	return 1;
}

/* Whether every value answered is one of v's (an old set of which a cache
 * holds part is still old). */
static int subset_of(const struct prop_values *v, const struct prop_result *r)
{
	if (v->alias)
		return r->alias && strcmp(r->alias, v->alias) == 0;
	if (r->n_answer == 0)
		return 0;
	for (size_t i = 0; i < r->n_answer; i++)
		if (!value_in(v, r->answer[i]))
			return 0;
	return 1;
}

static char *rr_value(const ldns_rr *rr)
{
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT) {
		struct strbuf sb = STRBUF_INIT;
		dns_txt_join(rr, &sb);
		char *s = xstrndup(sb.buf ? sb.buf : "", sb.len);
		sb_release(&sb);
		return s;
	}
	return dns_rr_rdata_text(rr);
}

static int has_ede_stale(const ldns_pkt *pkt)
{
	/* ldns parses the OPT options on first use and keeps them in the
	 * packet: the cast is for that cache, the answer is not changed. */
	ldns_edns_option_list *opts = ldns_pkt_edns_get_option_list((ldns_pkt *)pkt);
	size_t n = opts ? ldns_edns_option_list_get_count(opts) : 0;
	for (size_t i = 0; i < n; i++) {
		ldns_edns_option *o = ldns_edns_option_list_get_option(opts, i);
		if (!o || ldns_edns_get_code(o) != LDNS_EDNS_EDE || ldns_edns_get_size(o) < 2)
			continue;
		const uint8_t *d = ldns_edns_get_data(o);
		unsigned info = (unsigned)d[0] << 8 | d[1];
		if (info == LDNS_EDE_STALE_ANSWER || info == LDNS_EDE_STALE_NXDOMAIN_ANSWER)
			return 1;
	}
	return 0;
}

static void set_error(struct prop_result *out, const char *why)
{
	out->status = PROP_ERROR;
	out->error = xstrdup(why);
}

/* The records of type at the end of the CNAME chain from qname, into
 * out->answer, and the smallest TTL along the way into out->ttl. */
static void collect(const ldns_pkt *pkt, const char *qname, ldns_rr_type type, struct prop_result *out)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t n = ldns_rr_list_rr_count(an), alloc = 0;
	ldns_rdf *cur = ldns_dname_new_frm_str(qname);
	long ttl = -1, ttl_max = -1;
	int followed = 0;

	for (int link = 0; cur && link <= CHAIN_MAX; link++) {
		const ldns_rr *cname = NULL;
		for (size_t i = 0; i < n; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);
			if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			if (ldns_rr_get_type(rr) == type) {
				char *val = rr_value(rr);
				size_t k = 0;
				while (k < out->n_answer && strcmp(out->answer[k], val) != 0)
					k++;
				if (k < out->n_answer)
					free(val);
				else
					*(char **)xgrow(&out->answer, &out->n_answer, &alloc,
							sizeof(char *)) = val;
				if (ttl < 0 || (long)ldns_rr_ttl(rr) < ttl)
					ttl = (long)ldns_rr_ttl(rr);
				if ((long)ldns_rr_ttl(rr) > ttl_max)
					ttl_max = (long)ldns_rr_ttl(rr);
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && !cname &&
				   ldns_rr_rd_count(rr) >= 1 &&
				   ldns_rdf_get_type(ldns_rr_rdf(rr, 0)) == LDNS_RDF_TYPE_DNAME)
				cname = rr; /* a CNAME without a target (empty rdata) leads nowhere */
		}
		if (out->n_answer || !cname || type == LDNS_RR_TYPE_CNAME)
			break;
		if (ttl < 0 || (long)ldns_rr_ttl(cname) < ttl)
			ttl = (long)ldns_rr_ttl(cname);
		if ((long)ldns_rr_ttl(cname) > ttl_max)
			ttl_max = (long)ldns_rr_ttl(cname);
		ldns_rdf_deep_free(cur);
		cur = ldns_rdf_clone(ldns_rr_rdf(cname, 0));
		if (cur)
			ldns_dname2canonical(cur);
		if (cur && !followed) {
			out->alias = ldns_rdf2str(cur);
			followed = 1;
		}
	}
	ldns_rdf_deep_free(cur);
	if (out->n_answer)
		qsort(out->answer, out->n_answer, sizeof(char *), cmp_str);
	out->ttl = ttl;
	out->ttl_max = ttl_max;
}

/* A negative answer is cached for min(SOA TTL, SOA MINIMUM) (RFC 2308
 * section 5); a resolver gives the SOA's TTL as what is left of it. */
static long negative_ttl(const ldns_pkt *pkt)
{
	const ldns_rr_list *au = ldns_pkt_authority(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(au, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 7)
			continue;
		long ttl = (long)ldns_rr_ttl(rr);
		long min = (long)ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
		return min < ttl ? min : ttl;
	}
	return -1;
}

void prop_judge(const struct prop_values *expect, const struct prop_values *old, const char *qname, int err,
		const ldns_pkt *pkt, double received, int authoritative, struct prop_result *out)
{
	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	out->rcode = -1;
	out->received = received;
	if (err || !pkt) {
		set_error(out, dns_strerror(err ? err : DNS_EMALFORMED));
		return;
	}
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	out->rcode = (int)rc;
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		char *s = ldns_pkt_rcode2str(rc);
		set_error(out, s ? s : "an error rcode");
		free(s);
		return;
	}
	if (authoritative && !ldns_pkt_aa(pkt)) {
		set_error(out, "not authoritative (no AA flag): a lame server or a referral");
		return;
	}
	if (!authoritative && !ldns_pkt_ra(pkt) && rc == LDNS_RCODE_NOERROR &&
	    ldns_rr_list_rr_count(ldns_pkt_answer(pkt)) == 0 && ldns_pkt_aa(pkt) == 0) {
		/* an authoritative-only server asked as a resolver answers
		 * with a referral, which says nothing of the name */
		set_error(out, "no recursion (RA not set): not a resolver");
		return;
	}
	out->ttl_max = -1;
	collect(pkt, qname, expect->type, out);
	if (rc != LDNS_RCODE_NOERROR) {
		/* NXDOMAIN: the records of a CNAME chain that ends in a name
		 * that does not exist say nothing more */
		for (size_t i = 0; i < out->n_answer; i++)
			free(out->answer[i]);
		out->n_answer = 0;
	}
	if (authoritative && out->n_answer == 0 && out->alias && rc == LDNS_RCODE_NOERROR &&
	    negative_ttl(pkt) < 0) {
		/* only the CNAME, no SOA saying its target has nothing: the
		 * target is in a zone this server does not serve */
		out->alias_only = 1;
	} else if (out->n_answer == 0) {
		out->negative = 1;
		out->ttl = out->ttl_max = negative_ttl(pkt);
	}
	out->ede_stale = has_ede_stale(pkt);
	if (out->alias_only && !expect->alias && !prop_values_empty(expect)) {
		char *why =
			xasprintf("an alias to %s, in another zone: its values are there (watch that name, "
				  "or expect 'CNAME %s')",
				  out->alias, out->alias);
		set_error(out, why);
		free(why);
		return;
	}
	if (set_matches(expect, out))
		out->status = PROP_NEW;
	else if (old && !prop_values_empty(old))
		out->status = subset_of(old, out) ? PROP_OLD : PROP_OTHER;
	else
		out->status = PROP_OLD;
	if (out->status == PROP_OLD && out->ede_stale)
		out->status = PROP_STALE;
	if (out->status == PROP_OLD && !authoritative && out->ttl_max >= 0)
		out->flips_at = received + (double)out->ttl_max;
}

int prop_same_answer(const struct prop_result *a, const struct prop_result *b)
{
	if (a->negative != b->negative || a->n_answer != b->n_answer || a->alias_only != b->alias_only)
		return 0;
	if (a->alias_only && strcmp(a->alias, b->alias) != 0)
		return 0;
	for (size_t i = 0; i < a->n_answer; i++)
		if (strcmp(a->answer[i], b->answer[i]) != 0)
			return 0;
	return 1;
}

int prop_stale_by_time(double prev_flips_at, double received)
{
	return prev_flips_at > 0 && received > prev_flips_at + 1.0;
}

void prop_summarize(const struct prop_result *results, const int *kinds, size_t n, struct prop_summary *out)
{
	const struct prop_result *first_auth = NULL;
	memset(out, 0, sizeof(*out));
	out->auth_agree = 1;
	for (size_t i = 0; i < n; i++) {
		const struct prop_result *r = &results[i];
		if (kinds[i]) {
			out->auth++;
			if (r->status == PROP_ERROR)
				continue;
			out->auth_answered++;
			out->auth_new += r->status == PROP_NEW;
			if (!first_auth)
				first_auth = r;
			else if (!prop_same_answer(first_auth, r))
				out->auth_agree = 0;
			continue;
		}
		out->recursive++;
		switch (r->status) {
		case PROP_NEW:
			out->converged++;
			break;
		case PROP_OLD:
			out->old++;
			if (r->flips_at > out->eta)
				out->eta = r->flips_at;
			break;
		case PROP_STALE:
			out->stale++;
			break;
		case PROP_OTHER:
			out->other++;
			break;
		case PROP_ERROR:
			out->errors++;
			break;
		}
	}
	out->answered = out->recursive - out->errors;
}

double prop_ratio(const struct prop_summary *s)
{
	return s->answered ? (double)s->converged / (double)s->answered : 0.0;
}

int prop_converged(const struct prop_summary *s, double until)
{
	return s->answered > 0 && prop_ratio(s) + 1e-9 >= until && s->auth_new == s->auth_answered;
}

char *prop_answer_text(const struct prop_result *r)
{
	if (r->status == PROP_ERROR)
		return xstrdup(r->error ? r->error : "error");
	if (r->alias_only)
		return xasprintf("CNAME %s", r->alias);
	if (r->negative)
		return xstrdup(r->rcode == LDNS_RCODE_NXDOMAIN ? "NXDOMAIN" : "no record");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < r->n_answer; i++) {
		if (i)
			sb_adds(&sb, ", ");
		sb_adds(&sb, r->answer[i]);
	}
	return sb_detach(&sb);
}

void prop_values_from_answer(struct prop_values *v, const struct prop_result *r)
{
	/* the answers are canonical already: taken as they are, not parsed
	 * again (a TXT value that starts and ends with a quote keeps them) */
	if (r->alias_only)
		v->alias = xstrdup(r->alias);
	for (size_t i = 0; i < r->n_answer; i++)
		*(char **)xgrow(&v->exact, &v->n_exact, &v->alloc_exact, sizeof(char *)) =
			xstrdup(r->answer[i]);
}

enum code prop_problem(const struct prop_result *r, int auth, const char *who, double stale_since, char **msg)
{
	const char *kind = auth ? "authoritative server" : "resolver";
	char *a = prop_answer_text(r), when[32];
	enum code code = CODE_COUNT;
	*msg = NULL;
	switch (r->status) {
	case PROP_ERROR:
		code = CODE_PROPAGATION_UNREACHABLE;
		*msg = xasprintf("%s %s gave no usable answer: %s", kind, who, a);
		break;
	case PROP_STALE:
		code = CODE_PROPAGATION_STALE;
		if (stale_since > 0) {
			report_utc((time_t)(stale_since + 0.5), when);
			*msg = xasprintf(
				"resolver %s still serves the old value %s, past %s when its TTL was to run "
				"out",
				who, a, when);
		} else
			*msg = xasprintf(
				"resolver %s serves the old value %s marked stale (Extended DNS Error, "
				"RFC 8914)",
				who, a);
		break;
	case PROP_OTHER:
		code = CODE_PROPAGATION_OTHER;
		*msg = xasprintf("%s %s answers %s: neither the new value nor the old one", kind, who, a);
		break;
	default:
		break;
	}
	free(a);
	return code;
}
