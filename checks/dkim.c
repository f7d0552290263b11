/* dkim: the key record at SELECTOR._domainkey.DOMAIN, read through the
 * session's resolver as receivers read it, is there, parses (RFC 6376 3.6.1;
 * Ed25519 keys, RFC 8463), holds a key strong enough, is not in testing
 * mode or revoked, and with `private_key:` is the public half of that key.
 * Without `selector:` common selectors are probed, after a random one that
 * tells whether a wildcard answers every name under _domainkey.
 *
 * The match with the private key is checked by deriving the public key from
 * it (OpenSSL, src/dkimkey.c) and comparing it with the published one: RSA
 * modulus and exponent, Ed25519 bytes. libopendkim's dkim_test_key() would do
 * it for RSA only, needs its DNS fed a wire-format answer, and reports a record
 * it cannot parse as "keys do not match", the confusion this check exists to
 * avoid. */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "checks.h"
#include "dkim.h"
#include "names.h"
#include "dkimkey.h"
#include "rules.h"
#include "util.h"

static const struct check_param params[] = {
	{"selector", PARAM_STRINGS, 0, NULL,
	 "the selector(s) to check (default: probe common selectors and report what is found)"},
	{"private_key", PARAM_STRINGS, 0, NULL,
	 "the private key file(s) of the selectors, in the same order (PEM, as opendkim-genkey writes "
	 "SELECTOR.private; Ed25519 from openssl genpkey): the published key must be its public half"},
	{"min_bits", PARAM_UINT, 0, NULL, "RSA keys shorter than this are weak (default 2048)"},
	{NULL, 0, 0, NULL, NULL},
};

/* Selectors probed when none is given: the defaults of common signers and
 * mail providers. */
static const char *const common_selectors[] = {
	"default",   /* cPanel, many control panels */
	"dkim",	     /* Mailu, rspamd's default */
	"mail",	     /* Brevo, Yandex, many guides */
	"selector1", /* Microsoft 365 */
	"selector2", /* Microsoft 365 (the other of the pair) */
	"google",    /* Google Workspace */
	"k1",	     /* Mailchimp, Mailgun */
	"k2",
	"k3",
	"s1", /* SendGrid */
	"s2",
	"mxvault",
	"smtp", /* Mailgun */
	"mailo",
	"key1",
	"key2",
	"dkim1",
	"mandrill",	 /* Mandrill */
	"everlytickey1", /* Everlytic */
	"everlytickey2",
	"mailjet", /* Mailjet */
	"fm1",	   /* Fastmail */
	"fm2",
	"fm3",
	"protonmail", /* Proton Mail */
	"protonmail2",
	"protonmail3",
	"zoho", /* Zoho Mail */
	"hs1",	/* HubSpot */
	"hs2",
	"pm",	/* Postmark */
	"sig1", /* iCloud custom domains */
};

const char *const *dkim_common_selectors(size_t *n)
{
	*n = ARRAY_SIZE(common_selectors);
	return common_selectors;
}

/* The length of the random selector probed for a wildcard. */
#define RANDOM_LABEL_LEN 16
/* Record text shown in a finding at most (a hostile record can be 64 KB). */
#define SHOWN_MAX 400

struct selector {
	const char *selector;
	const char *name;	 /* SELECTOR._domainkey.DOMAIN. */
	const char *private_key; /* a file, or NULL */
};

struct dkim_state {
	struct selector *sel;
	size_t n;
	int probing;
	const char *random_name; /* probing: a selector nobody uses */
	const char *base;	 /* probing: _domainkey.DOMAIN, asked first */
	const char **keys;	 /* private_key: one per selector, or NULL */
	unsigned long min_bits;
};

/* txt as a finding can show it: printable ASCII (anything else as '?'), at
 * most SHOWN_MAX bytes. */
static const char *shown(struct check_ctx *ctx, const struct txt *t)
{
	size_t n = t->len > SHOWN_MAX ? SHOWN_MAX : t->len;
	char *s = arena_alloc(ctx_arena(ctx), n + 4);
	for (size_t i = 0; i < n; i++)
		s[i] = t->s[i] >= 0x20 && t->s[i] < 0x7f ? t->s[i] : '?';
	memcpy(s + n, t->len > n ? "..." : "", t->len > n ? 4 : 1);
	return s;
}

static const char *key_name(struct check_ctx *ctx, const char *selector, const char *domain)
{
	return ctx_name(ctx, arena_printf(ctx_arena(ctx), "%s._domainkey.%s", selector, domain));
}

static int ask_selectors(struct check_ctx *ctx, struct dkim_state *st);

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	struct arena *a = ctx_arena(ctx);
	struct dkim_state *st = arena_alloc(a, sizeof(*st));
	memset(st, 0, sizeof(*st));
	const char *domain = ctx_name(ctx, ctx_domain(ctx));
	const char **selectors, **keys;
	size_t n_sel = ctx_param_list(ctx, "selector", &selectors);
	size_t n_keys = ctx_param_list(ctx, "private_key", &keys);
	st->min_bits = ctx_param_uint(ctx, "min_bits", 2048);
	if (n_keys && n_keys != n_sel) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, NULL, NULL, NULL, NULL,
			    n_sel ? "private_key lists %zu files for %zu selectors: give one per selector, "
				    "in order"
				  : "private_key needs selector: which selector is the key published under?",
			    n_keys, n_sel);
		return -1;
	}
	st->probing = n_sel == 0;
	st->keys = n_keys ? keys : NULL;
	if (st->probing) {
		/* Ask _domainkey.DOMAIN first: when it does not exist
		 * (NXDOMAIN), no selector below it can (RFC 8020), and the 33
		 * probes are not sent. Most domains without DKIM are such. */
		st->base = ctx_name(ctx, arena_printf(a, "_domainkey.%s", domain));
		if (st->base) {
			ctx_lookup(ctx, st->base, LDNS_RR_TYPE_TXT);
			*ctx_state(ctx) = st;
			return 0;
		}
	}
	return ask_selectors(ctx, st);
}

/* Ask the selectors' key records (probing: the common selectors and a random
 * one). Returns 0, or -1 after a finding. */
static int ask_selectors(struct check_ctx *ctx, struct dkim_state *st)
{
	struct arena *a = ctx_arena(ctx);
	const char *domain = ctx_name(ctx, ctx_domain(ctx));
	const char **selectors = NULL, **keys = st->keys;
	size_t n_sel = ctx_param_list(ctx, "selector", &selectors);
	size_t n_keys = keys ? n_sel : 0;
	if (st->probing) {
		selectors = (const char **)common_selectors;
		n_sel = ARRAY_SIZE(common_selectors);
		unsigned char r[RANDOM_LABEL_LEN];
		char label[RANDOM_LABEL_LEN + 1];
		if (RAND_bytes(r, sizeof(r)) != 1) {
			ctx_finding(ctx, CODE_CHECK_NO_DATA, NULL, NULL, NULL, NULL,
				    "no random bytes for the wildcard probe");
			return -1;
		}
		for (size_t i = 0; i < sizeof(r); i++)
			label[i] = (char)('a' + r[i] % 26);
		label[RANDOM_LABEL_LEN] = '\0';
		st->random_name = key_name(ctx, label, domain);
		if (!st->random_name) {
			/* a domain of over 226 octets leaves no room for selectors */
			const char *name = arena_printf(a, "%s._domainkey.%s", label, ctx_domain(ctx));
			ctx_finding(ctx, CODE_CHECK_NO_DATA, NULL, NULL, NULL, NULL,
				    "selectors cannot be probed under %s: '%s' is not a domain name: %s",
				    ctx_domain(ctx), name, name_fault(a, name));
			return -1;
		}
		ctx_lookup(ctx, st->random_name, LDNS_RR_TYPE_TXT);
	}
	st->sel = arena_alloc(a, (n_sel + 1) * sizeof(*st->sel));
	for (size_t i = 0; i < n_sel; i++) {
		struct selector *s = &st->sel[st->n];
		s->selector = selectors[i];
		s->name = key_name(ctx, selectors[i], domain);
		s->private_key = n_keys ? keys[i] : NULL;
		if (!s->name) {
			const char *name = arena_printf(a, "%s._domainkey.%s", selectors[i], ctx_domain(ctx));
			const char *why = name_fault(a, name);
			ctx_finding(ctx, CODE_CHECK_NO_DATA, selectors[i], NULL, NULL, selectors[i],
				    "'%s' is not a valid name: %s", name, why ? why : "check the selector");
			continue;
		}
		ctx_lookup(ctx, s->name, LDNS_RR_TYPE_TXT);
		st->n++;
	}
	*ctx_state(ctx) = st;
	return 0;
}

/* Judge one key record (txt) published at subject; pk is the private key it
 * must match, or NULL. */
static void judge_record(struct check_ctx *ctx, const struct dkim_state *st, const char *subject,
			 const struct txt *txt, const struct dkimkey *pk, const char *pk_file)
{
	struct dkimkey_record rec;
	struct dkimkey *key = NULL;
	char why[256];
	if (dkimkey_record_parse(txt->s, txt->len, &rec, why, sizeof(why)) < 0) {
		ctx_finding(ctx, CODE_DKIM_INVALID_KEY, subject, NULL, "a DKIM key record", shown(ctx, txt),
			    "the key record at %s does not parse: %s", subject, why);
		return;
	}
	if (!*rec.p) {
		ctx_finding(ctx, CODE_DKIM_REVOKED, subject, NULL, "a key in p=", "p=",
			    "the key at %s is revoked (p= is empty): mail signed with it fails DKIM",
			    subject);
		goto out;
	}
	enum dkimkey_type type = dkimkey_record_type(&rec);
	if (dkimkey_parse_p(rec.p, strlen(rec.p), type, &key, why, sizeof(why)) < 0) {
		ctx_finding(ctx, CODE_DKIM_INVALID_KEY, subject, NULL,
			    type == DKIMKEY_ED25519 ? "32 bytes of Ed25519 key in base64"
						    : "an RSA public key in base64",
			    shown(ctx, txt), "the key at %s is not a valid %s key: %s", subject,
			    dkimkey_type_name(type), why);
		goto out;
	}
	int problems = 0;
	if (rec.testing) {
		ctx_finding(ctx, CODE_DKIM_TESTING, subject, NULL, "no t=y",
			    arena_printf(ctx_arena(ctx), "t=%s", rec.t),
			    "%s has t=y: the domain says it is testing DKIM, and verifiers may treat its "
			    "signatures as if the mail were unsigned",
			    subject);
		problems++;
	}
	if (key->type == DKIMKEY_RSA && key->bits < 1024) {
		ctx_finding(
			ctx, CODE_DKIM_KEY_TOO_SHORT, subject, NULL, ">= 1024 bits",
			arena_printf(ctx_arena(ctx), "%u bits", key->bits),
			"the RSA key at %s has %u bits: verifiers must not accept keys under 1024 bits (RFC "
			"8301)",
			subject, key->bits);
		problems++;
	} else if (key->type == DKIMKEY_RSA && key->bits < st->min_bits) {
		ctx_finding(ctx, CODE_DKIM_WEAK_KEY, subject, NULL,
			    arena_printf(ctx_arena(ctx), ">= %lu bits", st->min_bits),
			    arena_printf(ctx_arena(ctx), "%u bits", key->bits),
			    "the RSA key at %s has %u bits, under %lu: generate a longer one", subject,
			    key->bits, st->min_bits);
		problems++;
	}
	if (key->bare_rsa) {
		ctx_finding(
			ctx, CODE_DKIM_KEY_FORMAT, subject, NULL, "a SubjectPublicKeyInfo",
			"a bare RSAPublicKey",
			"p= at %s is a bare PKCS#1 RSAPublicKey: OpenDKIM and most verifiers decode only a "
			"SubjectPublicKeyInfo and reject it; publish the key as openssl rsa -pubout "
			"writes it",
			subject);
		problems++;
	}
	if (pk && !dkimkey_same(pk, key)) {
		ctx_finding(
			ctx, CODE_DKIM_KEY_MISMATCH, subject, NULL, pk->p, key->p,
			"the key at %s (%s, %u bits) is not the public half of %s (%s, %u bits): mail signed "
			"with that key fails DKIM",
			subject, dkimkey_type_name(key->type), key->bits, pk_file,
			dkimkey_type_name(pk->type), pk->bits);
		problems++;
	}
	if (problems == 0)
		ctx_finding(ctx, CODE_DKIM_OK, subject, NULL, NULL,
			    arena_printf(ctx_arena(ctx), "k=%s, %u bits", dkimkey_type_name(key->type),
					 key->bits),
			    "%s holds a valid %s key of %u bits%s%s", subject,
			    key->type == DKIMKEY_ED25519 ? "Ed25519" : "RSA", key->bits,
			    pk ? ", the public half of " : "", pk ? pk_file : "");
out:
	dkimkey_free(key);
	dkimkey_record_release(&rec);
}

/* The TXT records at s: their count in *n, and how many look like key
 * records in *n_like. Returns the outcome of the lookup. */
static enum lookup_outcome key_records(struct check_ctx *ctx, const struct selector *s, struct txt **txts,
				       size_t *n, size_t *n_like, const char **why)
{
	ldns_rr_list *rrs = NULL;
	enum lookup_outcome out = lookup_records(ctx, s->name, LDNS_RR_TYPE_TXT, &rrs, why, NULL);
	*n = txt_values(ctx, rrs, txts);
	ldns_rr_list_free(rrs);
	*n_like = 0;
	for (size_t i = 0; i < *n; i++)
		*n_like += dkimkey_record_like((*txts)[i].s, (*txts)[i].len);
	return out;
}

/* Judge the records found at s (at least one looks like a key record). */
static void judge_found(struct check_ctx *ctx, const struct dkim_state *st, const struct selector *s,
			struct txt *txts, size_t n)
{
	const char *subject = subject_of(ctx, s->name, LDNS_RR_TYPE_TXT);
	struct dkimkey *pk = NULL;
	if (n > 1) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			sb_addf(&sb, "%s\"%s\"", i ? ", " : "", shown(ctx, &txts[i]));
		const char *actual = arena_strdup(ctx_arena(ctx), sb.buf);
		sb_release(&sb);
		ctx_finding(ctx, CODE_DKIM_MULTIPLE, subject, NULL, "one TXT record", actual,
			    "%s has %zu TXT records: a verifier may use any of them (RFC 6376 3.6.2.2)",
			    subject, n);
	}
	if (s->private_key) {
		char err[512];
		if (dkimkey_load_file(s->private_key, &pk, err, sizeof(err)) < 0)
			ctx_finding(ctx, CODE_DKIM_PRIVATE_KEY_ERROR, subject, NULL, NULL, s->private_key,
				    "cannot compare the key at %s with %s: %s", subject, s->private_key, err);
	}
	for (size_t i = 0; i < n; i++)
		if (dkimkey_record_like(txts[i].s, txts[i].len))
			judge_record(ctx, st, subject, &txts[i], pk, s->private_key);
	dkimkey_free(pk);
}

static void judge_selectors(struct check_ctx *ctx, const struct dkim_state *st)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct selector *s = &st->sel[i];
		const char *subject = subject_of(ctx, s->name, LDNS_RR_TYPE_TXT);
		struct txt *txts;
		size_t n, n_like;
		const char *why;
		switch (key_records(ctx, s, &txts, &n, &n_like, &why)) {
		case LOOKUP_FAILED:
			ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, why,
				    "the key record at %s could not be looked up: %s", subject, why);
			break;
		case LOOKUP_NXDOMAIN:
		case LOOKUP_NODATA:
			ctx_finding(ctx, CODE_DKIM_MISSING, subject, NULL, "a DKIM key record", "(none)",
				    "there is no key record for selector '%s' at %s", s->selector, subject);
			break;
		case LOOKUP_DATA:
			if (n_like == 0)
				ctx_finding(ctx, CODE_DKIM_MISSING, subject, NULL, "a DKIM key record",
					    shown(ctx, &txts[0]),
					    "%s has TXT data but no DKIM key record (no v=DKIM1, p= or k=)",
					    subject);
			else
				judge_found(ctx, st, s, txts, n);
			break;
		}
	}
}

/* Whether the records at a probed selector are the wildcard's own. */
static int same_records(const struct txt *a, size_t na, const struct txt *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++) {
		int found = 0;
		for (size_t j = 0; j < nb && !found; j++)
			found = a[i].len == b[j].len && memcmp(a[i].s, b[j].s, a[i].len) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

static void judge_probes(struct check_ctx *ctx, const struct dkim_state *st)
{
	const char *domain = ctx_domain(ctx);
	const struct selector guard = {"(random)", st->random_name, NULL};
	struct txt *wild = NULL;
	size_t n_wild = 0, n_wild_like = 0;
	const char *why;
	enum lookup_outcome g = key_records(ctx, &guard, &wild, &n_wild, &n_wild_like, &why);
	if (g == LOOKUP_FAILED) {
		ctx_finding(
			ctx, CODE_CHECK_NO_DATA, subject_of(ctx, st->random_name, LDNS_RR_TYPE_TXT), NULL,
			NULL, why,
			"could not tell whether a wildcard answers every selector of %s (%s): selectors not "
			"probed",
			domain, why);
		return;
	}
	if (n_wild_like > 0)
		ctx_finding(
			ctx, CODE_DKIM_WILDCARD, subject_of(ctx, st->random_name, LDNS_RR_TYPE_TXT), NULL,
			"no key record at a random selector", shown(ctx, &wild[0]),
			"a random selector of %s has a key record: a wildcard under _domainkey answers every "
			"selector, so probing cannot tell which selectors exist (only those with other "
			"records than the wildcard's are reported)",
			domain);
	size_t found = 0;
	struct strbuf failed = STRBUF_INIT;
	for (size_t i = 0; i < st->n; i++) {
		const struct selector *s = &st->sel[i];
		struct txt *txts;
		size_t n, n_like;
		enum lookup_outcome o = key_records(ctx, s, &txts, &n, &n_like, &why);
		if (o == LOOKUP_FAILED) {
			sb_addf(&failed, "%s%s (%s)", failed.len ? ", " : "", s->selector, why);
			continue;
		}
		if (o != LOOKUP_DATA || n_like == 0)
			continue;
		if (n_wild_like > 0 && same_records(txts, n, wild, n_wild))
			continue;
		found++;
		ctx_finding(ctx, CODE_DKIM_FOUND, subject_of(ctx, s->name, LDNS_RR_TYPE_TXT), NULL, NULL,
			    s->selector, "probing common selectors of %s found a key record at selector '%s'",
			    domain, s->selector);
		judge_found(ctx, st, s, txts, n);
	}
	if (failed.len)
		ctx_finding(ctx, CODE_CHECK_NO_DATA, NULL, NULL, NULL, failed.buf,
			    "some selectors of %s could not be looked up: %s", domain, failed.buf);
	else if (found == 0)
		ctx_finding(ctx, CODE_DKIM_NOT_FOUND, NULL, NULL, "a key record at a common selector",
			    "(none)",
			    "none of %zu common selectors of %s has a key record%s; a selector can be any "
			    "name, so "
			    "give the one your signer uses (selector:)",
			    st->n, domain, n_wild_like ? " other than the wildcard's" : "");
	sb_release(&failed);
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	struct dkim_state *st = *ctx_state(ctx);
	if (st->base && !st->sel) {
		/* Probing, _domainkey.DOMAIN answered. A failed lookup probes
		 * all the same (each probe then says what it met). */
		const char *alias = NULL;
		/* (An NXDOMAIN at the end of a CNAME is the target's: the
		 * name itself exists then.) */
		if (lookup_records(ctx, st->base, LDNS_RR_TYPE_TXT, NULL, NULL, &alias) == LOOKUP_NXDOMAIN &&
		    alias && strcmp(alias, st->base) == 0) {
			ctx_finding(
				ctx, CODE_DKIM_NOT_FOUND, subject_of(ctx, st->base, LDNS_RR_TYPE_TXT), NULL,
				"a key record at a common selector", "(none)",
				"%s does not exist (NXDOMAIN), so no selector below it can (RFC 8020): %s "
				"publishes no DKIM key; if it signs, give the selector (selector:)",
				name_display(ctx, st->base), ctx_domain(ctx));
			return 0;
		}
		return ask_selectors(ctx, st) < 0 ? 0 : CHECK_AGAIN;
	}
	if (st->probing)
		judge_probes(ctx, st);
	else
		judge_selectors(ctx, st);
	return 0;
}

const struct check_desc check_dkim = {
	.name = "dkim",
	.summary =
		"the DKIM key record at each selector exists, parses, is strong and matches the private key",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
