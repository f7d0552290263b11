/* `cutover records DOMAIN`: the records a mail setup needs (MX, the mail
 * host's addresses, SPF, DKIM, DMARC, report authorisation; with --profile
 * mailu what Mailu's admin page lists), as zone-file lines, each marked
 * present, missing or different against live DNS read through the session's
 * resolver. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkimkey.h"
#include "dmarc.h"
#include "dns.h"
#include "loop.h"
#include "names.h"
#include "records.h"
#include "session.h"
#include "spf_parse.h"
#include "util.h"

#define EXIT_USAGE 3

const char records_usage[] =
	"usage: cutover records [options] DOMAIN\n"
	"\n"
	"Print the DNS records a mail setup for DOMAIN needs, as zone-file lines ready\n"
	"to paste, each marked present, missing or different against live DNS (read\n"
	"through the resolver, as receiving MTAs see it): MX, the mail host's A/AAAA\n"
	"(with --ip), SPF, DKIM (with --dkim-key), DMARC and, for a report address in\n"
	"another organisation's domain, its authorisation record\n"
	"(DOMAIN._report._dmarc.RUADOMAIN).\n"
	"\n"
	"      --profile NAME       generic (default) or mailu: the records Mailu's admin\n"
	"                           page lists (MX, SPF, DKIM, DMARC, DMARC report, the\n"
	"                           RFC 6186 SRV records, autoconfig/autodiscover)\n"
	"      --mail-host NAME     the mail server's host name (default mail.DOMAIN)\n"
	"      --ip ADDR            the mail host's address (repeatable): its A/AAAA\n"
	"                           records, and ip4:/ip6: in the generic SPF record\n"
	"      --dkim-key FILE      the DKIM key: a private or public key in PEM (RSA or\n"
	"                           Ed25519), or opendkim-genkey's SELECTOR.txt\n"
	"      --dkim-selector SEL  the DKIM selector (default: the .txt's, else 'dkim'\n"
	"                           for mailu and 'default' otherwise)\n"
	"      --dmarc-policy P     none, quarantine or reject (default quarantine;\n"
	"                           reject for mailu)\n"
	"      --rua ADDR           where DMARC aggregate reports go (mailto:)\n"
	"      --ttl N              the records' TTL (default 3600; 600 for mailu)\n"
	"      --mailu-ports LIST   Mailu's PORTS setting, which decides its SRV records\n"
	"                           (default 25,80,443,465,993,995,4190)\n"
	"      --resolver ADDR[#PORT]  use this recursive resolver instead of the embedded one\n"
	"      --root-hints FILE    root hints for the embedded resolver\n"
	"      --trust-anchor FILE  DNSSEC trust anchor\n"

	"      --timeout MS         per-lookup timeout\n"
	"  -f, --format FMT         text (default: zone-file lines with a '; present',\n"
	"                           '; missing' or '; different (live: ...)' comment) or json\n"
	"  -o, --output FILE        write there instead of standard output\n"
	"  -q, --quiet              nothing on standard error but warnings and errors\n"
	"  -h, --help               this help\n"
	"\n"
	"Records are compared as data: TXT strings joined, names without regard to\n"
	"case, DKIM and DMARC as tag lists, SPF term by term; a record is different\n"
	"when the name holds other records of its kind too (an old MX still there).\n"
	"Long TXT values are split into strings of 255 bytes.\n"
	"\n"
	"Exit status: 0 every record present, 1 one is different, 2 one is missing,\n"
	"3 bad usage or a lookup that failed (could not be determined).\n";

/* What TXT records at a name a wanted record is compared with. */
enum txt_kind { KIND_ANY, KIND_SPF, KIND_DKIM, KIND_DMARC };

enum rec_status { REC_PRESENT, REC_DIFFERENT, REC_MISSING, REC_UNKNOWN };
static const char *const rec_status_names[] = {"present", "different", "missing", "unknown"};

/* One record the setup needs, and what live DNS holds. */
struct want {
	char *name; /* absolute, lower case */
	ldns_rr_type type;
	unsigned ttl;
	char *value; /* rdata in presentation form; TXT: the data, unquoted */
	enum txt_kind kind;
	enum rec_status status;
	char **live; /* what the name holds of this kind, presentation form */
	size_t n_live, alloc_live;
	char *why; /* REC_UNKNOWN: why */
};

/* One lookup: a name and type, and its outcome. */
struct lookup {
	const char *name;
	ldns_rr_type type;
	const struct resolver_result *res; /* held */
	size_t *pending;
	struct loop *loop;
};

struct records_opts {
	struct arena arena; /* the option values made canonical */
	const char *profile;
	const char *mail_host; /* canonical */
	const char **ips;
	size_t n_ips, alloc_ips;
	const char *dkim_key;
	const char *dkim_selector; /* lower case, no trailing dot */
	const char *dmarc_policy;
	const char *rua;
	const char *rua_domain; /* canonical */
	unsigned long ttl;	/* 0: the profile's */
	const char *mailu_ports;
};

enum {
	OPT_PROFILE = 1000,
	OPT_MAIL_HOST,
	OPT_IP,
	OPT_DKIM_KEY,
	OPT_DKIM_SELECTOR,
	OPT_DMARC_POLICY,
	OPT_RUA,
	OPT_TTL,
	OPT_MAILU_PORTS,
};

const struct option records_longopts[] = {
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"mail-host", required_argument, NULL, OPT_MAIL_HOST},
	{"ip", required_argument, NULL, OPT_IP},
	{"dkim-key", required_argument, NULL, OPT_DKIM_KEY},
	{"dkim-selector", required_argument, NULL, OPT_DKIM_SELECTOR},
	{"dmarc-policy", required_argument, NULL, OPT_DMARC_POLICY},
	{"rua", required_argument, NULL, OPT_RUA},
	{"ttl", required_argument, NULL, OPT_TTL},
	{"mailu-ports", required_argument, NULL, OPT_MAILU_PORTS},
	{NULL, 0, NULL, 0},
};

/* name in canonical form from arena when it is a plain name (name_canonical()
 * and name_is_canonical(): letters, digits, '-', '_'), not the root and no
 * wildcard; else NULL. */
static const char *plain_name(struct arena *arena, const char *name)
{
	const char *c = name_canonical(arena, name);
	if (!c || strcmp(c, ".") == 0 || !name_is_canonical(c) || strchr(c, '*'))
		return NULL;
	return c;
}

/* The domain of a report address ("mailto:dmarc@example.net" or
 * "dmarc@example.net"), canonical, from arena; NULL when it is no plain
 * address: it goes into the DMARC record as it is, so no byte of it may end
 * the tag (';'), start another URI (','), a size limit ('!') or URI
 * parameters ('?'), and none may be a blank or outside printable ASCII. */
static const char *rua_domain(struct arena *arena, const char *rua)
{
	const char *addr = strncasecmp(rua, "mailto:", 7) == 0 ? rua + 7 : rua;
	const char *at = strrchr(addr, '@');
	if (!at || at == addr)
		return NULL;
	for (const char *p = addr; *p; p++)
		if (*p <= ' ' || *p > '~' || strchr(";,!?\"", *p))
			return NULL;
	const char *d = plain_name(arena, at + 1);
	return d && !strchr(d, '_') ? d : NULL;
}

static int records_option(void *arg, int c, const char *optarg)
{
	struct records_opts *r = arg;
	char *end;
	switch (c) {
	case OPT_PROFILE:
		if (strcmp(optarg, "generic") != 0 && strcmp(optarg, "mailu") != 0) {
			fprintf(stderr, "cutover: records: unknown profile '%s' (generic or mailu)\n",
				optarg);
			return -1;
		}
		r->profile = optarg;
		return 0;
	case OPT_MAIL_HOST:
		/* a host name: no '_' (RFC 1123 2.1, RFC 5321 2.3.5) */
		r->mail_host = plain_name(&r->arena, optarg);
		if (!r->mail_host || strchr(r->mail_host, '_')) {
			fprintf(stderr, "cutover: records: --mail-host '%s' is not a host name\n", optarg);
			return -1;
		}
		return 0;
	case OPT_IP:
		*(const char **)xgrow(&r->ips, &r->n_ips, &r->alloc_ips, sizeof(char *)) = optarg;
		return 0;
	case OPT_DKIM_KEY:
		r->dkim_key = optarg;
		return 0;
	case OPT_DKIM_SELECTOR: {
		/* labels, relative (RFC 6376 3.1: selector = sub-domain *("."
		 * sub-domain)) */
		const char *sel = plain_name(&r->arena, optarg);
		if (!sel || optarg[strlen(optarg) - 1] == '.') {
			fprintf(stderr,
				"cutover: records: --dkim-selector '%s' is not a selector (labels, as s1 or "
				"2026.mail)\n",
				optarg);
			return -1;
		}
		r->dkim_selector = arena_printf(&r->arena, "%.*s", (int)strlen(sel) - 1, sel);
		return 0;
	}
	case OPT_DMARC_POLICY:
		if (strcmp(optarg, "none") != 0 && strcmp(optarg, "quarantine") != 0 &&
		    strcmp(optarg, "reject") != 0) {
			fprintf(stderr,
				"cutover: records: --dmarc-policy '%s': want none, quarantine or reject\n",
				optarg);
			return -1;
		}
		r->dmarc_policy = optarg;
		return 0;
	case OPT_RUA:
		r->rua = optarg;
		r->rua_domain = rua_domain(&r->arena, optarg);
		if (!r->rua_domain) {
			fprintf(stderr,
				"cutover: records: --rua '%s' is not a mail address (mailto:NAME@DOMAIN, "
				"without '?', ',', ';' or '!')\n",
				optarg);
			return -1;
		}
		return 0;
	case OPT_TTL:
		errno = 0;
		r->ttl = strtoul(optarg, &end, 10);
		if (errno || end == optarg || *end || r->ttl == 0 || r->ttl > 2147483647UL) {
			fprintf(stderr, "cutover: records: --ttl '%s': want a number of seconds\n", optarg);
			return -1;
		}
		return 0;
	case OPT_MAILU_PORTS:
		r->mailu_ports = optarg;
		return 0;
	}
	return -1;
}

/* --- the wanted records ------------------------------------------------- */

struct wants {
	struct want *v;
	size_t n, alloc;
	unsigned ttl;
};

static void want_add(struct wants *w, const char *name, ldns_rr_type type, enum txt_kind kind,
		     const char *value)
{
	struct want *x = xgrow(&w->v, &w->n, &w->alloc, sizeof(*w->v));
	memset(x, 0, sizeof(*x));
	x->name = xstrdup(name);
	for (char *p = x->name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	x->type = type;
	x->ttl = w->ttl;
	x->value = xstrdup(value);
	x->kind = kind;
}

static void wants_release(struct wants *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].name);
		free(w->v[i].value);
		for (size_t k = 0; k < w->v[i].n_live; k++)
			free(w->v[i].live[k]);
		free(w->v[i].live);
		free(w->v[i].why);
	}
	free(w->v);
}

/* A DKIM key file as the record's value ("v=DKIM1; k=rsa; p=..."), in
 * *value (the caller frees it); the selector an opendkim-genkey .txt names
 * goes to *selector (or NULL). Returns 0, or -1 after saying why. */
static int dkim_key_record(const char *path, char **value, char **selector)
{
	struct dkimkey *key = NULL;
	char err[512];
	*value = NULL;
	*selector = NULL;
	if (dkimkey_load_file(path, &key, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: records: --dkim-key %s\n", err);
		return -1;
	}
	/* A key record (opendkim-genkey's .txt) is published as written;
	 * a PEM key as the record that names it. */
	*value = key->record ? xstrdup(key->record)
			     : xasprintf("v=DKIM1; k=%s; p=%s", dkimkey_type_name(key->type), key->p);
	if (key->selector)
		*selector = xstrdup(key->selector);
	dkimkey_free(key);
	return 0;
}

/* Whether a and b (canonical names) have different organizational domains
 * (the public suffix list), as RFC 7489 7.1 decides whether a report
 * destination must authorise the domain: by name_org_domain_psl(), the list
 * the dmarc check uses, so the two agree on which record is needed. */
static int other_organization(const char *a, const char *b)
{
	struct arena arena = ARENA_INIT;
	int differ = strcmp(name_org_domain_psl(&arena, a), name_org_domain_psl(&arena, b)) != 0;
	arena_release(&arena);
	return differ;
}

/* Whether port is in Mailu's PORTS list (it always adds 465 and 993). */
static int mailu_port_open(const char *ports, unsigned port)
{
	if (port == 465 || port == 993)
		return 1;
	const char *p = ports;
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end != p && v == port)
			return 1;
		p = end + strspn(end, ", \t");
		if (end == p && *p)
			p++;
	}
	return 0;
}

/* Build the list of records the setup needs. Returns 0, or -1 after saying
 * why (a bad option value). */
static int build_wants(const struct records_opts *r, const char *domain, struct wants *w)
{
	int mailu = r->profile && strcmp(r->profile, "mailu") == 0;
	char *host = NULL, *dkim = NULL, *sel_txt = NULL, *v = NULL;
	const char *rua_dom = r->rua_domain;
	int rc = -1;
	w->ttl = r->ttl ? (unsigned)r->ttl : mailu ? 600 : 3600;
	host = r->mail_host ? xstrdup(r->mail_host) : xasprintf("mail.%s", domain);
	if (r->dkim_key && dkim_key_record(r->dkim_key, &dkim, &sel_txt) != 0)
		goto out;
	/* MX and the mail host */
	v = xasprintf("10 %s", host);
	want_add(w, domain, LDNS_RR_TYPE_MX, KIND_ANY, v);
	free(v);
	struct strbuf spf_ips = STRBUF_INIT;
	for (size_t i = 0; i < r->n_ips; i++) {
		unsigned char bin[16];
		int v6 = strchr(r->ips[i], ':') != NULL;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, r->ips[i], bin) != 1) {
			fprintf(stderr, "cutover: records: --ip '%s' is not an IP address\n", r->ips[i]);
			sb_release(&spf_ips);
			goto out;
		}
		want_add(w, host, v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, KIND_ANY, r->ips[i]);
		sb_addf(&spf_ips, " ip%d:%s", v6 ? 6 : 4, r->ips[i]);
	}
	/* SPF: Mailu's exact record; else the MX and the sending addresses. */
	if (mailu) {
		v = xasprintf("v=spf1 mx a:%.*s ~all", (int)strlen(host) - 1, host);
	} else {
		v = xasprintf("v=spf1 mx%s -all", spf_ips.len ? spf_ips.buf : "");
	}
	sb_release(&spf_ips);
	want_add(w, domain, LDNS_RR_TYPE_TXT, KIND_SPF, v);
	free(v);
	/* DKIM */
	if (dkim) {
		const char *sel = r->dkim_selector ? r->dkim_selector
				  : sel_txt	   ? sel_txt
				  : mailu	   ? "dkim"
						   : "default";
		char *name = xasprintf("%s._domainkey.%s", sel, domain);
		want_add(w, name, LDNS_RR_TYPE_TXT, KIND_DKIM, dkim);
		free(name);
	}
	/* DMARC, Mailu's words and order when mailu */
	const char *policy = r->dmarc_policy ? r->dmarc_policy : mailu ? "reject" : "quarantine";
	char *rua =
		r->rua ? xasprintf("%s%s", strncasecmp(r->rua, "mailto:", 7) == 0 ? "" : "mailto:", r->rua)
		       : NULL;
	char *name = xasprintf("_dmarc.%s", domain);
	if (mailu)
		v = xasprintf("v=DMARC1; p=%s;%s%s%s adkim=s; aspf=s", policy, rua ? " rua=" : "",
			      rua ? rua : "", rua ? ";" : "");
	else
		v = xasprintf("v=DMARC1; p=%s%s%s", policy, rua ? "; rua=" : "", rua ? rua : "");
	want_add(w, name, LDNS_RR_TYPE_TXT, KIND_DMARC, v);
	free(v);
	free(name);
	free(rua);
	/* The report destination's authorisation (RFC 7489 7.1): Mailu lists
	 * it whenever the domains differ; the RFC asks for it when their
	 * organizational domains do. */
	if (rua_dom && (mailu ? strcmp(rua_dom, domain) != 0 : other_organization(rua_dom, domain))) {
		name = xasprintf("%s_report._dmarc.%s", domain, rua_dom);
		want_add(w, name, LDNS_RR_TYPE_TXT, KIND_DMARC, mailu ? "v=DMARC1;" : "v=DMARC1");
		free(name);
	}
	if (mailu) {
		/* core/admin/mailu/models.py, Domain.dns_autoconfig (RFC 6186
		 * and Microsoft's autodiscover), for TLS_FLAVOR other than
		 * notls: a service whose port is closed gets "0 0 0 .". */
		static const struct {
			const char *proto;
			unsigned port, prio;
		} srv[] = {{"imap", 143, 20},	      {"pop3", 110, 20},	{"submission", 587, 20},
			   {"autodiscover", 443, 10}, {"submissions", 465, 10}, {"imaps", 993, 10},
			   {"pop3s", 995, 10}};
		const char *ports = r->mailu_ports ? r->mailu_ports : "25,80,443,465,993,995,4190";
		for (size_t i = 0; i < ARRAY_SIZE(srv); i++) {
			name = xasprintf("_%s._tcp.%s", srv[i].proto, domain);
			v = mailu_port_open(ports, srv[i].port)
				    ? xasprintf("%u 1 %u %s", srv[i].prio, srv[i].port, host)
				    : xstrdup("0 0 0 .");
			want_add(w, name, LDNS_RR_TYPE_SRV, KIND_ANY, v);
			free(v);
			free(name);
		}
		name = xasprintf("autoconfig.%s", domain);
		want_add(w, name, LDNS_RR_TYPE_CNAME, KIND_ANY, host);
		free(name);
		name = xasprintf("autodiscover.%s", domain);
		want_add(w, name, LDNS_RR_TYPE_CNAME, KIND_ANY, host);
		free(name);
	}
	/* Every name made of the options and the domain must be one (at
	 * most 255 bytes, RFC 1035 2.3.4). */
	struct arena a = ARENA_INIT;
	for (size_t i = 0; i < w->n; i++)
		if (!name_canonical(&a, w->v[i].name)) {
			fprintf(stderr, "cutover: records: '%s' is too long for a domain name\n",
				w->v[i].name);
			arena_release(&a);
			goto out;
		}
	arena_release(&a);
	rc = 0;
out:
	free(host);
	free(dkim);
	free(sel_txt);
	return rc;
}

/* --- live DNS ------------------------------------------------------------ */

static void lookup_done(void *arg, const struct resolver_result *res)
{
	struct lookup *l = arg;
	l->res = resolver_result_hold(res);
	if (--*l->pending == 0)
		loop_break(l->loop);
}

/* TXT data (len bytes, any bytes) escaped as zone-file text: '"' and '\\'
 * with a backslash, bytes outside printable ASCII as \DDD (RFC 1035 5.1), so
 * what a record holds can never end a line or a quoted string early. */
static void txt_escape(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			sb_addf(sb, "\\%03u", c);
		else
			sb_add(sb, s + i, 1);
	}
}

/* A wanted value in the canonical form dns_rr_rdata_text() gives; NULL when it does
 * not parse. */
static char *want_canonical(const struct want *x)
{
	char *t = ldns_rr_type2str(x->type);
	char *line = xasprintf("cutover.invalid. 0 IN %s %s", t ? t : "TYPE0", x->value);
	ldns_rr *rr = NULL;
	char *out = NULL;
	if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) == LDNS_STATUS_OK && rr)
		out = dns_rr_rdata_text(rr);
	ldns_rr_free(rr);
	free(line);
	free(t);
	return out;
}

/* Whether a TXT value is of kind: the records an SPF or DMARC record is
 * compared with are those that say they are one (RFC 7208 4.5, RFC 7489
 * 6.6.3); every TXT at a DKIM selector is its key record. */
static int txt_of_kind(const char *s, size_t len, enum txt_kind kind)
{
	switch (kind) {
	case KIND_SPF:
		return spf_is_record(s, len);
	case KIND_DMARC:
		/* as the dmarc check tells (RFC 9989 4.8): "v = DMARC1" is one,
		 * "v=DMARC10" is not */
		return dmarc_is_record(s, len);
	default:
		return 1;
	}
}

/* A tag list (DKIM, DMARC: "v=DKIM1; k=rsa; p=...") in one form, into out:
 * tags trimmed and sorted, white space dropped inside values (RFC 6376 3.2
 * allows it anywhere; base64 ignores it), an empty last tag left out. s is
 * len bytes and may hold NUL bytes, which stay. */
struct tag {
	const char *s;
	size_t len;
};

static int tag_cmp(const void *a, const void *b)
{
	const struct tag *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void taglist_normal(const char *s, size_t len, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT; /* the tags, blanks dropped, one after another */
	size_t *ends = NULL, n = 0, alloc = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ';') {
			if (t.len && (n == 0 || ends[n - 1] != t.len))
				*(size_t *)xgrow(&ends, &n, &alloc, sizeof(size_t)) = t.len;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			sb_add(&t, &c, 1);
		}
	}
	if (t.len && (n == 0 || ends[n - 1] != t.len))
		*(size_t *)xgrow(&ends, &n, &alloc, sizeof(size_t)) = t.len;
	struct tag *tags = n ? xcalloc(n, sizeof(*tags)) : NULL;
	for (size_t i = 0; i < n; i++) {
		size_t start = i ? ends[i - 1] : 0;
		tags[i] = (struct tag){t.buf + start, ends[i] - start};
	}
	if (n > 1)
		qsort(tags, n, sizeof(*tags), tag_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_add(out, ";", 1);
		sb_add(out, tags[i].s, tags[i].len);
	}
	free(tags);
	free(ends);
	sb_release(&t);
}

/* An SPF record's terms, single-spaced and lower case (RFC 7208 4.6.1:
 * terms are separated by spaces; names and mechanisms are case-insensitive),
 * into out. s is len bytes and may hold NUL bytes, which stay. */
static void spf_normal(const char *s, size_t len, struct strbuf *out)
{
	int gap = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ' ') {
			gap = out->len > 0;
			continue;
		}
		if (gap)
			sb_add(out, " ", 1);
		gap = 0;
		c = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		sb_add(out, &c, 1);
	}
}

/* TXT data in the form records of kind are compared in, into out (cleared
 * first). */
static void txt_normal(const char *s, size_t len, enum txt_kind kind, struct strbuf *out)
{
	sb_reset(out);
	if (kind == KIND_SPF)
		spf_normal(s, len, out);
	else
		taglist_normal(s, len, out);
}

/* A wanted record in comparable form, into out: TXT data normalised, other
 * rdata canonical (dns_rr_rdata_text()). Returns 0, or -1 when it does not
 * parse. */
static int want_normal(const struct want *x, struct strbuf *out)
{
	sb_reset(out);
	if (x->type == LDNS_RR_TYPE_TXT) {
		txt_normal(x->value, strlen(x->value), x->kind, out);
		return 0;
	}
	char *c = want_canonical(x);
	if (!c)
		return -1;
	sb_adds(out, c);
	free(c);
	return 0;
}

static int sb_equal(const struct strbuf *a, const struct strbuf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* The records of type the answer holds for name, at the end of a CNAME
 * chain inside the answer (a new list, records cloned; NULL when none). */
static ldns_rr_list *answer_records(const ldns_pkt *pkt, const char *name, ldns_rr_type type)
{
	ldns_rdf *at = NULL;
	ldns_rr_list *out = NULL;
	if (ldns_str2rdf_dname(&at, name) != LDNS_STATUS_OK)
		return NULL;
	for (int hops = 0; hops < 16 && !out; hops++) {
		out = ldns_pkt_rr_list_by_name_and_type(pkt, at, type, LDNS_SECTION_ANSWER);
		if (out || type == LDNS_RR_TYPE_CNAME)
			break;
		ldns_rr_list *cname =
			ldns_pkt_rr_list_by_name_and_type(pkt, at, LDNS_RR_TYPE_CNAME, LDNS_SECTION_ANSWER);
		if (!cname)
			break;
		/* a CNAME without a target (empty rdata, which ldns reads)
		 * leads nowhere */
		const ldns_rdf *target = ldns_rr_rdf(ldns_rr_list_rr(cname, 0), 0);
		ldns_rdf_deep_free(at);
		at = target ? ldns_rdf_clone(target) : NULL;
		ldns_rr_list_deep_free(cname);
		if (!at)
			break;
	}
	ldns_rdf_deep_free(at);
	return out;
}

static void live_add(struct want *x, char *text)
{
	*(char **)xgrow(&x->live, &x->n_live, &x->alloc_live, sizeof(char *)) = text;
}

/* Judge every wanted record of one name and type against its lookup. */
static void judge_group(struct wants *w, const struct lookup *l)
{
	const struct resolver_result *res = l->res;
	const char *why = !res ? "no answer" : res->err ? res->err : !res->pkt ? "no answer" : NULL;
	char *rcode = NULL;
	if (!why && res->rcode != LDNS_RCODE_NOERROR && res->rcode != LDNS_RCODE_NXDOMAIN)
		why = rcode = ldns_pkt_rcode2str(res->rcode);
	ldns_rr_list *rrs =
		why || res->rcode == LDNS_RCODE_NXDOMAIN ? NULL : answer_records(res->pkt, l->name, l->type);
	for (size_t i = 0; i < w->n; i++) {
		struct want *x = &w->v[i];
		if (x->type != l->type || strcmp(x->name, l->name) != 0)
			continue;
		if (why) {
			x->status = REC_UNKNOWN;
			x->why = xstrdup(why);
			continue;
		}
		/* What the name holds of this kind, in comparable form. */
		size_t n = rrs ? ldns_rr_list_rr_count(rrs) : 0;
		struct strbuf mine = STRBUF_INIT, data = STRBUF_INIT, norm = STRBUF_INIT, other = STRBUF_INIT;
		int mine_ok = want_normal(x, &mine) == 0;
		int found = 0, foreign = 0;
		for (size_t k = 0; k < n; k++) {
			const ldns_rr *rr = ldns_rr_list_rr(rrs, k);
			char *live;
			sb_reset(&norm);
			if (x->type == LDNS_RR_TYPE_TXT) {
				sb_reset(&data);
				dns_txt_join(rr, &data);
				if (!txt_of_kind(data.buf, data.len, x->kind))
					continue;
				txt_normal(data.buf, data.len, x->kind, &norm);
				/* kept escaped: it is shown in zone-file comments */
				struct strbuf esc = STRBUF_INIT;
				txt_escape(&esc, data.buf, data.len);
				live = sb_detach(&esc);
			} else {
				live = dns_rr_rdata_text(rr);
				sb_adds(&norm, live);
			}
			if (mine_ok && sb_equal(&norm, &mine)) {
				found = 1;
			} else {
				/* Another record of the kind: one this setup also
				 * wants (two --ip addresses), or a stray. */
				int ours = 0;
				for (size_t j = 0; j < w->n && !ours; j++) {
					const struct want *y = &w->v[j];
					if (y == x || y->type != x->type || y->kind != x->kind ||
					    strcmp(y->name, x->name))
						continue;
					ours = want_normal(y, &other) == 0 && sb_equal(&other, &norm);
				}
				foreign |= !ours;
			}
			live_add(x, live);
		}
		sb_release(&mine);
		sb_release(&data);
		sb_release(&norm);
		sb_release(&other);
		if (x->n_live > 1)
			qsort(x->live, x->n_live, sizeof(char *), str_cmp);
		x->status = x->n_live == 0 ? REC_MISSING : found && !foreign ? REC_PRESENT : REC_DIFFERENT;
	}
	if (rrs)
		ldns_rr_list_deep_free(rrs);
	free(rcode);
}

/* Look up every name and type the records need, all at once, and judge.
 * Returns 0, or -1 when the loop failed. */
static int check_live(struct session *s, struct wants *w)
{
	struct lookup *ls = xcalloc(w->n + 1, sizeof(*ls));
	size_t n = 0, pending = 0;
	int rc = 0;
	for (size_t i = 0; i < w->n; i++) {
		int seen = 0;
		for (size_t k = 0; k < n && !seen; k++)
			seen = ls[k].type == w->v[i].type && strcmp(ls[k].name, w->v[i].name) == 0;
		if (seen)
			continue;
		ls[n].name = w->v[i].name;
		ls[n].type = w->v[i].type;
		ls[n].pending = &pending;
		ls[n].loop = s->loop;
		n++;
	}
	pending = n;
	for (size_t k = 0; k < n; k++)
		resolver_lookup(s->resolver, ls[k].name, ls[k].type, lookup_done, &ls[k]);
	if (pending && loop_run(s->loop) != 0)
		rc = -1;
	for (size_t k = 0; k < n; k++) {
		judge_group(w, &ls[k]);
		resolver_result_release(ls[k].res);
	}
	free(ls);
	return rc;
}

/* --- output -------------------------------------------------------------- */

/* A TXT value as zone-file strings of at most 255 bytes each (RFC 1035
 * 3.3.14: a <character-string> holds 255), quoted and escaped. */
static void txt_strings(struct strbuf *sb, const char *s)
{
	size_t len = strlen(s);
	for (size_t at = 0; at < len || at == 0; at += 255) {
		size_t n = len - at < 255 ? len - at : 255;
		sb_addf(sb, "%s\"", at ? " " : "");
		txt_escape(sb, s + at, n);
		sb_add(sb, "\"", 1);
		if (len == 0)
			break;
	}
}

/* The rdata as it goes in the zone-file line. */
static char *want_rdata(const struct want *x)
{
	struct strbuf sb = STRBUF_INIT;
	if (x->type == LDNS_RR_TYPE_TXT)
		txt_strings(&sb, x->value);
	else
		sb_adds(&sb, x->value);
	return sb_detach(&sb);
}

/* What live holds, for people: TXT values quoted (they are kept escaped as
 * txt_escape() writes them), joined with " | ". */
static char *live_text(const struct want *x)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < x->n_live; i++)
		sb_addf(&sb, "%s%s%s%s", i ? " | " : "", x->type == LDNS_RR_TYPE_TXT ? "\"" : "", x->live[i],
			x->type == LDNS_RR_TYPE_TXT ? "\"" : "");
	return sb_detach(&sb);
}

static void write_text(FILE *out, const char *domain, const char *profile, const struct wants *w,
		       const size_t counts[4])
{
	fprintf(out, "; the records a mail setup of %.*s needs (profile %s), against live DNS\n",
		(int)strlen(domain) - 1, domain, profile);
	for (size_t i = 0; i < w->n; i++) {
		const struct want *x = &w->v[i];
		char *type = ldns_rr_type2str(x->type);
		char *rdata = want_rdata(x);
		fprintf(out, "%s %u IN %s %s ; %s", x->name, x->ttl, type, rdata,
			rec_status_names[x->status]);
		if (x->status == REC_DIFFERENT) {
			char *live = live_text(x);
			fprintf(out, " (live: %s)", live);
			free(live);
		} else if (x->status == REC_UNKNOWN) {
			fprintf(out, " (could not be determined: %s)", x->why);
		}
		fputc('\n', out);
		free(type);
		free(rdata);
	}
	fprintf(out, "; %zu present, %zu different, %zu missing, %zu unknown\n", counts[REC_PRESENT],
		counts[REC_DIFFERENT], counts[REC_MISSING], counts[REC_UNKNOWN]);
}

static int write_json(FILE *out, const char *domain, const char *profile, const struct wants *w,
		      const char *overall)
{
	json_t *root = json_object(), *list = json_array();
	char *d = xasprintf("%.*s", (int)strlen(domain) - 1, domain);
	/* a record jansson could not add (text that is not UTF-8) must not
	 * vanish from the output: every failure counts */
	int bad = !root || !list;
	bad |= json_object_set_new(root, "version", json_integer(1)) != 0;
	bad |= json_object_set_new(root, "domain", json_string(d)) != 0;
	bad |= json_object_set_new(root, "profile", json_string(profile)) != 0;
	bad |= json_object_set_new(root, "status", json_string(overall)) != 0;
	free(d);
	for (size_t i = 0; i < w->n && !bad; i++) {
		const struct want *x = &w->v[i];
		json_t *o = json_object(), *live = json_array();
		char *type = ldns_rr_type2str(x->type);
		char *rdata = want_rdata(x);
		bad |= json_object_set_new(o, "name", json_string(x->name)) != 0;
		bad |= json_object_set_new(o, "type", json_string(type)) != 0;
		bad |= json_object_set_new(o, "ttl", json_integer(x->ttl)) != 0;
		bad |= json_object_set_new(o, "value", json_string(rdata)) != 0;
		if (x->type == LDNS_RR_TYPE_TXT)
			bad |= json_object_set_new(o, "text", json_string(x->value)) != 0;
		bad |= json_object_set_new(o, "status", json_string(rec_status_names[x->status])) != 0;
		/* TXT values escaped (txt_escape()): printable ASCII, so
		 * data that is not UTF-8 or holds NUL bytes is still shown */
		for (size_t k = 0; k < x->n_live; k++)
			bad |= json_array_append_new(live, json_stringn(x->live[k], strlen(x->live[k]))) != 0;
		bad |= json_object_set_new(o, "live", live) != 0;
		if (x->why)
			bad |= json_object_set_new(o, "error", json_string(x->why)) != 0;
		bad |= json_array_append_new(list, o) != 0;
		free(type);
		free(rdata);
	}
	bad |= json_object_set_new(root, "records", list) != 0;
	int rc = -1;
	if (bad)
		errno = 0; /* jansson does not say why */
	else if (json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF)
		rc = 0;
	json_decref(root);
	return rc;
}

int cmd_records(int argc, char **argv)
{
	struct common_opts o;
	struct records_opts r;
	struct wants w;
	struct session *session = NULL;
	struct output out = {NULL, NULL, NULL, NULL};
	char err[1024];
	int rc = EXIT_USAGE;
	memset(&r, 0, sizeof(r));
	r.arena = (struct arena)ARENA_INIT;
	memset(&w, 0, sizeof(w));
	struct opts_extra extra = {records_longopts, "", records_option, &r, 0, 0};
	int prc = opts_common_parse(&o, argc, argv, records_usage, &extra);
	if (prc != 0) {
		rc = prc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (o.n_args != 1) {
		fprintf(stderr, "cutover: records: %s\nsee 'cutover help records'\n",
			o.n_args ? "one domain at a time" : "no domain given");
		goto out;
	}
	if (o.n_ns) {
		/* records reads what resolvers see; it asks no zone's servers */
		fprintf(stderr, "cutover: records: --ns does not apply: the records are looked up "
				"through the resolver, as mail receivers see them\n");
		goto out;
	}
	if (o.format != FORMAT_TEXT && o.format != FORMAT_JSON) {
		fprintf(stderr, "cutover: records: the format is text or json\n");
		goto out;
	}
	struct arena names = ARENA_INIT;
	const char *domain = name_canonical(&names, o.args[0]);
	char *dom = domain && strcmp(domain, ".") != 0 ? xstrdup(domain) : NULL;
	arena_release(&names);
	if (!dom) {
		fprintf(stderr, "cutover: records: '%s' is not a domain name\n", o.args[0]);
		goto out;
	}
	const char *profile = r.profile ? r.profile : "generic";
	prc = build_wants(&r, dom, &w);
	if (prc == 0 && session_open(&o, &session, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		prc = -1;
	}
	if (prc == 0 && check_live(session, &w) != 0) {
		fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
		prc = -1;
	}
	if (prc == 0 && output_open(&out, o.output) != 0)
		prc = -1;
	if (prc != 0) {
		free(dom);
		goto out;
	}
	size_t counts[4] = {0, 0, 0, 0};
	for (size_t i = 0; i < w.n; i++)
		counts[w.v[i].status]++;
	/* missing before undetermined before different, as fail ranks above
	 * error above warn in reports */
	rc = counts[REC_MISSING] ? 2 : counts[REC_UNKNOWN] ? 3 : counts[REC_DIFFERENT] ? 1 : 0;
	static const char *const overall[] = {"present", "different", "missing", "unknown"};
	const char *status = overall[rc == 0 ? 0 : rc == 1 ? 1 : rc == 2 ? 2 : 3];
	int wrc = 0;
	if (o.format == FORMAT_JSON)
		wrc = write_json(out.f, dom, profile, &w, status);
	else
		write_text(out.f, dom, profile, &w, counts);
	if (output_close(&out, wrc == 0 ? 0 : errno ? errno : -1) != 0)
		rc = EXIT_USAGE;
	free(dom);
out:
	session_close(session);
	wants_release(&w);
	arena_release(&r.arena);
	free(r.ips);
	opts_common_release(&o);
	return rc;
}
