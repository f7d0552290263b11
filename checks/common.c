/* Helpers checks share for reading answers and printing names and records. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "dns.h"
#include "names.h"
#include "util.h"

/* Whether the CNAME chain from the answer's question loops (reported). */
static int question_loops(struct check_ctx *ctx, const struct answer *a)
{
	const ldns_rr_list *q = ldns_pkt_question(a->pkt);
	const ldns_rr_list *ans = ldns_pkt_answer(a->pkt);
	int cnames = 0; /* most answers have none: nothing to follow */
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans) && !cnames; i++)
		cnames = ldns_rr_get_type(ldns_rr_list_rr(ans, i)) == LDNS_RR_TYPE_CNAME;
	if (!cnames || ldns_rr_list_rr_count(q) != 1)
		return 0;
	const ldns_rr *rr = ldns_rr_list_rr(q, 0);
	char *text = ldns_rdf2str(ldns_rr_owner(rr));
	const char *name = text ? ctx_name(ctx, text) : NULL;
	free(text);
	return name && !answer_chain_end(ctx, a, name, ldns_rr_get_type(rr));
}

const char *answer_problem(struct check_ctx *ctx, const struct answer *a)
{
	if (!a)
		return "not asked";
	if (a->err)
		return dns_strerror(a->err);
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(a->pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		char *text = ldns_pkt_rcode2str(rcode);
		const char *out = arena_strdup(ctx_arena(ctx), text ? text : "error");
		free(text);
		return out;
	}
	if (question_loops(ctx, a))
		return ANSWER_CNAME_LOOP;
	if (!ldns_pkt_aa(a->pkt))
		return "not authoritative (AA=0)";
	return NULL;
}

ldns_rr_list *answer_rrset(const struct answer *a, const char *name, ldns_rr_type type)
{
	if (!a || a->err || !a->pkt)
		return NULL;
	ldns_rdf *owner = NULL;
	if (ldns_str2rdf_dname(&owner, name) != LDNS_STATUS_OK)
		return NULL;
	ldns_rr_list *all = ldns_pkt_answer(a->pkt);
	ldns_rr_list *out = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(all); i++) {
		ldns_rr *rr = ldns_rr_list_rr(all, i);
		if (ldns_rr_get_type(rr) != type || ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		/* A record cut short (an SOA that stops after its first name) is
		 * a broken answer, not data: leave it out. */
		const ldns_rr_descriptor *desc = ldns_rr_descript(type);
		if (desc && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(desc))
			continue;
		if (!out)
			out = ldns_rr_list_new();
		ldns_rr_list_push_rr(out, rr);
	}
	ldns_rdf_deep_free(owner);
	return out;
}

const char *rr_rdata(struct check_ctx *ctx, const ldns_rr *rr)
{
	char *s = dns_rr_rdata_text(rr);
	const char *out = arena_strdup(ctx_arena(ctx), s);
	free(s);
	return out;
}

const char *join_sorted(struct check_ctx *ctx, const char **v, size_t n)
{
	qsort(v, n, sizeof(char *), str_cmp);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(v[i], v[i - 1]) == 0)
			continue;
		sb_addf(&sb, "%s%s", sb.len ? ", " : "", v[i]);
	}
	char *s = sb_detach(&sb);
	const char *out = arena_strdup(ctx_arena(ctx), s);
	free(s);
	return out;
}

const char *rrset_rdata(struct check_ctx *ctx, const ldns_rr_list *rrs)
{
	size_t n = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	if (n == 0)
		return "";
	const char **v = xmalloc(n * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = rr_rdata(ctx, ldns_rr_list_rr(rrs, i));
	const char *out = join_sorted(ctx, v, n);
	free(v);
	return out;
}

const char *rdata_canonical(struct check_ctx *ctx, ldns_rr_type type, const char *text)
{
	char *c = dns_rdata_canonical(type, text);
	const char *out = c ? arena_strdup(ctx_arena(ctx), c) : NULL;
	free(c);
	return out;
}

const char *name_display(struct check_ctx *ctx, const char *name)
{
	return name_text(ctx_arena(ctx), name);
}

const char *type_name(struct check_ctx *ctx, ldns_rr_type type)
{
	char *t = ldns_rr_type2str(type);
	const char *out = arena_strdup(ctx_arena(ctx), t ? t : "?");
	free(t);
	return out;
}

const char *subject_of(struct check_ctx *ctx, const char *name, ldns_rr_type type)
{
	return arena_printf(ctx_arena(ctx), "%s/%s", name_display(ctx, name), type_name(ctx, type));
}

const char *values_canonical(struct check_ctx *ctx, ldns_rr_type type, const char *const *values, size_t n,
			     const char **bad)
{
	*bad = NULL;
	const char **v = xmalloc((n + 1) * sizeof(char *));
	const char *out = NULL;
	for (size_t i = 0; i < n; i++) {
		v[i] = rdata_canonical(ctx, type, values[i]);
		if (!v[i]) {
			*bad = values[i];
			goto out;
		}
	}
	out = join_sorted(ctx, v, n);
out:
	free(v);
	return out;
}

const char *answer_rdata(struct check_ctx *ctx, const struct answer *a, const char *name, ldns_rr_type type)
{
	ldns_rr_list *rrs = answer_rrset(a, name, type);
	if (!rrs && type != LDNS_RR_TYPE_CNAME) {
		ldns_rr_list *cname = answer_rrset(a, name, LDNS_RR_TYPE_CNAME);
		if (cname) {
			const char *out = arena_printf(ctx_arena(ctx), "CNAME %s", rrset_rdata(ctx, cname));
			ldns_rr_list_free(cname);
			return out;
		}
	}
	const char *out = rrset_rdata(ctx, rrs);
	if (rrs)
		ldns_rr_list_free(rrs);
	return out;
}

const char *rr_name(struct check_ctx *ctx, const ldns_rr *rr, size_t i)
{
	const ldns_rdf *f = i < ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, i) : NULL;
	char *t = f ? ldns_rdf2str(f) : NULL;
	const char *out = t ? ctx_name(ctx, t) : NULL;
	free(t);
	return out;
}

const char *answer_cname_target(struct check_ctx *ctx, const struct answer *a, const char *name,
				ldns_rr_type type)
{
	if (type == LDNS_RR_TYPE_CNAME)
		return NULL;
	ldns_rr_list *own = answer_rrset(a, name, type);
	if (own) {
		ldns_rr_list_free(own);
		return NULL;
	}
	ldns_rr_list *cname = answer_rrset(a, name, LDNS_RR_TYPE_CNAME);
	if (!cname)
		return NULL;
	const char *out = rr_name(ctx, ldns_rr_list_rr(cname, 0), 0);
	ldns_rr_list_free(cname);
	return out;
}

/* Links of a CNAME chain followed inside one answer at most. */
#define CHAIN_MAX 16

void cname_loop_finding(struct check_ctx *ctx, const char *name, const char *chain)
{
	if (!ctx_first_time(ctx, arena_printf(ctx_arena(ctx), "cname-loop %s", name)))
		return;
	ctx_finding(ctx, CODE_CHECK_CNAME_LOOP, name_display(ctx, name), NULL, "a name that resolves", chain,
		    "%s is an alias whose CNAME chain loops (%s): it cannot resolve", name_display(ctx, name),
		    chain);
}

const char *answer_chain_end(struct check_ctx *ctx, const struct answer *a, const char *name,
			     ldns_rr_type type)
{
	const char *seen[CHAIN_MAX + 1];
	size_t n = 0;
	seen[n++] = name;
	for (int hops = 0; hops < CHAIN_MAX; hops++) {
		const char *next = answer_cname_target(ctx, a, seen[n - 1], type);
		if (!next)
			break;
		int again = str_in(seen, n, next);
		seen[n++] = next;
		if (again) {
			struct strbuf sb = STRBUF_INIT;
			for (size_t i = 0; i < n; i++)
				sb_addf(&sb, "%s%s", i ? " -> " : "", name_display(ctx, seen[i]));
			cname_loop_finding(ctx, name, sb.buf);
			sb_release(&sb);
			return NULL;
		}
	}
	return seen[n - 1];
}

enum lookup_outcome lookup_records(struct check_ctx *ctx, const char *name, ldns_rr_type type,
				   ldns_rr_list **rrs, const char **why, const char **alias)
{
	const struct resolver_result *res = ctx_lookup_result(ctx, name, type);
	const char *at = ctx_name(ctx, name);
	if (rrs)
		*rrs = NULL;
	if (why)
		*why = NULL;
	if (alias)
		*alias = at ? at : name;
	if (!res || res->err || !res->pkt || !at) {
		if (why)
			*why = !res	  ? "not asked"
			       : res->err ? res->err
			       : !at	  ? "not a valid name"
					  : "no answer";
		return LOOKUP_FAILED;
	}
	if (res->rcode != LDNS_RCODE_NOERROR && res->rcode != LDNS_RCODE_NXDOMAIN) {
		if (why) {
			char *t = ldns_pkt_rcode2str(res->rcode);
			*why = arena_strdup(ctx_arena(ctx), t ? t : "error");
			free(t);
		}
		return LOOKUP_FAILED;
	}
	struct answer a = {0, (ldns_pkt *)res->pkt, 0, 0};
	const char *end = answer_chain_end(ctx, &a, at, type);
	if (!end) {
		if (why)
			*why = ANSWER_CNAME_LOOP;
		return LOOKUP_FAILED;
	}
	at = end;
	if (alias)
		*alias = at;
	ldns_rr_list *found = answer_rrset(&a, at, type);
	if (found) {
		if (rrs)
			*rrs = found;
		else
			ldns_rr_list_free(found);
		return LOOKUP_DATA;
	}
	return res->rcode == LDNS_RCODE_NXDOMAIN ? LOOKUP_NXDOMAIN : LOOKUP_NODATA;
}

size_t txt_values(struct check_ctx *ctx, const ldns_rr_list *rrs, struct txt **out)
{
	size_t n = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	struct txt *v = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(*v));
	struct strbuf sb = STRBUF_INIT;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
			continue;
		sb_reset(&sb);
		dns_txt_join(rr, &sb);
		char *s = arena_alloc(ctx_arena(ctx), sb.len + 1);
		if (sb.len)
			memcpy(s, sb.buf, sb.len);
		s[sb.len] = '\0';
		v[k].s = s;
		v[k].len = sb.len;
		k++;
	}
	sb_release(&sb);
	*out = v;
	return k;
}
