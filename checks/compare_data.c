/* What the compare check compares (compare_data.h): answers read as RRsets
 * of canonical values, and two of them judged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare_data.h"
#include "dns.h"
#include "names.h"
#include "util.h"

/* A TXT record's strings joined, quoted, as one presentation string. */
static void txt_text(const ldns_rr *rr, struct strbuf *sb)
{
	struct strbuf raw = STRBUF_INIT;
	dns_txt_join(rr, &raw);
	sb_adds(sb, "\"");
	for (size_t i = 0; i < raw.len; i++) {
		unsigned char c = (unsigned char)raw.buf[i];
		if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			sb_add(sb, (const char *)&c, 1);
		else
			sb_addf(sb, "\\%03u", c);
	}
	sb_adds(sb, "\"");
	sb_release(&raw);
}

const char *compare_rdata(struct arena *a, const ldns_rr *rr)
{
	ldns_rr_type type = ldns_rr_get_type(rr);
	struct strbuf sb = STRBUF_INIT;
	if (type == LDNS_RR_TYPE_TXT || type == LDNS_RR_TYPE_SPF) {
		txt_text(rr, &sb);
	} else {
		ldns_rr *c = ldns_rr_clone(rr);
		if (!c)
			return "?";
		ldns_rr2canonical(c);
		for (size_t i = 0; i < ldns_rr_rd_count(c); i++) {
			ldns_rdf *f = ldns_rr_rdf(c, i);
			/* RFC 4034 6.2 lists the types whose names are made
			 * lower case; a name is a name in any type */
			if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME)
				ldns_dname2canonical(f);
			char *t = ldns_rdf2str(f);
			sb_addf(&sb, "%s%s", i ? " " : "", t ? t : "?");
			free(t);
		}
		ldns_rr_free(c);
	}
	const char *out = arena_strdup(a, sb.buf ? sb.buf : "");
	sb_release(&sb);
	return out;
}

/* The NS records of a referral for name: the authority section's NS set
 * whose owner is below zone and at or above name; NULL when pkt is none. */
static const ldns_rdf *referral_cut(const ldns_pkt *pkt, const ldns_rdf *qname, const ldns_rdf *zone)
{
	if (ldns_rr_list_rr_count(ldns_pkt_answer(pkt)) != 0)
		return NULL;
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		const ldns_rdf *owner = ldns_rr_owner(rr);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS && ldns_dname_is_subdomain(owner, zone) &&
		    (ldns_dname_compare(owner, qname) == 0 || ldns_dname_is_subdomain(qname, owner)))
			return owner;
	}
	return NULL;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The records of type owned by owner in list into out as RRSET_DATA, or
 * RRSET_NONE when there are none. */
static void take_rrset(struct arena *a, const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type,
		       struct rrset_view *out)
{
	size_t n = ldns_rr_list_rr_count(list);
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);
	out->values = arena_alloc(a, (n + 1) * sizeof(char *));
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != type || ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		/* a record cut short is a broken answer, not data */
		if (desc && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(desc))
			continue;
		if (out->n == 0 || ldns_rr_ttl(rr) < out->ttl)
			out->ttl = ldns_rr_ttl(rr);
		if (type == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7) {
			uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
			out->negative_ttl = minimum < ldns_rr_ttl(rr) ? minimum : ldns_rr_ttl(rr);
		}
		out->values[out->n++] = compare_rdata(a, rr);
	}
	if (out->n == 0) {
		out->state = RRSET_NONE;
		return;
	}
	qsort(out->values, out->n, sizeof(char *), cmp_str);
	size_t k = 1;
	for (size_t i = 1; i < out->n; i++)
		if (strcmp(out->values[i], out->values[k - 1]) != 0)
			out->values[k++] = out->values[i];
	out->n = k;
	out->state = RRSET_DATA;
}

void compare_rrset_read(struct arena *a, const ldns_pkt *pkt, int err, const char *name, ldns_rr_type type,
			const char *zone, struct rrset_view *out)
{
	ldns_rdf *qname = NULL, *apex = NULL;
	memset(out, 0, sizeof(*out));
	out->state = RRSET_UNUSABLE;
	if (err || !pkt) {
		out->problem = dns_strerror(err ? err : DNS_ETIMEOUT);
		return;
	}
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		char *t = ldns_pkt_rcode2str(rcode);
		out->problem = arena_strdup(a, t ? t : "an error RCODE");
		free(t);
		return;
	}
	if (ldns_str2rdf_dname(&qname, name) != LDNS_STATUS_OK ||
	    ldns_str2rdf_dname(&apex, zone) != LDNS_STATUS_OK) {
		out->problem = "not a domain name";
		goto out;
	}
	if (!ldns_pkt_aa(pkt)) {
		const ldns_rdf *cut = rcode == LDNS_RCODE_NOERROR ? referral_cut(pkt, qname, apex) : NULL;
		if (!cut) {
			out->problem = "not authoritative (AA=0)";
			goto out;
		}
		out->referral = 1;
		if (type == LDNS_RR_TYPE_NS && ldns_dname_compare(cut, qname) == 0)
			take_rrset(a, ldns_pkt_authority(pkt), qname, type, out);
		else
			out->state = RRSET_NONE;
		goto out;
	}
	if (rcode == LDNS_RCODE_NXDOMAIN) {
		out->state = RRSET_NXDOMAIN;
		goto out;
	}
	take_rrset(a, ldns_pkt_answer(pkt), qname, type, out);
out:
	ldns_rdf_deep_free(qname);
	ldns_rdf_deep_free(apex);
}

static int has_data(const struct rrset_view *v)
{
	return v->state == RRSET_DATA;
}

int compare_same_values(const struct rrset_view *a, const struct rrset_view *b)
{
	if (!has_data(a) || !has_data(b))
		return has_data(a) == has_data(b);
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->values[i], b->values[i]) != 0)
			return 0;
	return 1;
}

int compare_agree(const struct rrset_view *a, const struct rrset_view *b)
{
	return compare_same_values(a, b) && (!has_data(a) || a->ttl == b->ttl);
}

enum compare_verdict compare_judge(const struct rrset_view *old, const struct rrset_view *new)
{
	if (!has_data(old) && !has_data(new))
		return COMPARE_ABSENT;
	if (!has_data(new))
		return COMPARE_MISSING;
	if (!has_data(old))
		return COMPARE_EXTRA;
	if (!compare_same_values(old, new))
		return COMPARE_VALUE;
	return old->ttl == new->ttl ? COMPARE_SAME : COMPARE_TTL;
}

/* The values of v that other lacks (all of them when other is NULL),
 * joined by ", ". */
static const char *values_joined(struct arena *a, const struct rrset_view *v, const struct rrset_view *other)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; has_data(v) && i < v->n; i++) {
		if (other && has_data(other) &&
		    bsearch(&v->values[i], other->values, other->n, sizeof(char *), cmp_str))
			continue;
		sb_addf(&sb, "%s%s", sb.len ? ", " : "", v->values[i]);
	}
	const char *out = arena_strdup(a, sb.buf ? sb.buf : "");
	sb_release(&sb);
	return out;
}

const char *compare_values_text(struct arena *a, const struct rrset_view *v)
{
	return has_data(v) ? values_joined(a, v, NULL) : "(none)";
}

const char *compare_values_only(struct arena *a, const struct rrset_view *a_view, const struct rrset_view *b)
{
	return values_joined(a, a_view, b);
}

int compare_zone_read(const char *path, const char *origin, ldns_rr_list **out, char *err, size_t errlen)
{
	ldns_rdf *o = NULL, *prev = NULL;
	ldns_rr_list *rrs = NULL;
	uint32_t ttl = 3600;
	int line = 1, rc = -1;
	struct stat sb;
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read it: %s", path, strerror(errno));
		return -1;
	}
	/* ldns reads until the end of the file: a directory or a device
	 * (/dev/zero) would never give one */
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_size > COMPARE_ZONE_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d MiB", path, COMPARE_ZONE_FILE_MAX >> 20);
		goto out;
	}
	if (ldns_str2rdf_dname(&o, origin ? origin : "invalid.") != LDNS_STATUS_OK) {
		snprintf(err, errlen, "%s: '%s' is not a domain name", path, origin);
		goto out;
	}
	rrs = ldns_rr_list_new();
	/* a record at a time, as ldns_zone_new_frm_fp() reads them (which,
	 * on an error, frees the records read before it without their data) */
	while (rrs && !feof(f)) {
		ldns_rr *rr = NULL;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &o, &prev, &line);
		if (s == LDNS_STATUS_OK && rr && ldns_rr_list_push_rr(rrs, rr))
			continue;
		ldns_rr_free(rr);
		if (s == LDNS_STATUS_SYNTAX_EMPTY || s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (s == LDNS_STATUS_OK)
			s = LDNS_STATUS_MEM_ERR;
		/* ldns counts the newline that ends the bad record: the line is
		 * the one before, unless the file ended without one */
		long pos = ftell(f);
		if (line > 1 && pos > 0 && fseek(f, pos - 1, SEEK_SET) == 0 && fgetc(f) == '\n')
			line--;
		snprintf(err, errlen, "%s:%d: %s", path, line, ldns_get_errorstr_by_id(s));
		goto out;
	}
	if (!rrs) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	*out = rrs;
	rrs = NULL;
	rc = 0;
out:
	ldns_rr_list_deep_free(rrs);
	ldns_rdf_deep_free(o);
	ldns_rdf_deep_free(prev);
	fclose(f);
	return rc;
}
