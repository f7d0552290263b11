/* DKIM keys (see dkimkey.h): OpenSSL parses and derives the keys; the key
 * record's tag=value list is taken apart here, by hand, because no library
 * installed exposes RFC 6376's tag-list parser (libopendkim keeps its own
 * private, and rejects what it dislikes without saying which tag). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkimkey.h"
#include "dns.h"
#include "util.h"

/* Key files are small: a 16384-bit RSA private key in PEM is about 13 KB. */
#define KEYFILE_MAX (64 * 1024)

static int set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *dkimkey_type_name(enum dkimkey_type type)
{
	return type == DKIMKEY_ED25519 ? "ed25519" : "rsa";
}

void dkimkey_free(struct dkimkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->p);
	free(k->selector);
	free(k->record);
	free(k);
}

static int is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Base64 of n bytes, NUL-terminated (malloc). */
static char *base64(const unsigned char *data, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)n);
	return out;
}

/* Decode base64 with whitespace anywhere (RFC 6376 3.6.1 allows FWS inside
 * p=). Strict otherwise: only the alphabet, whole quanta, '=' only as the
 * last one or two characters. OpenSSL's EVP_DecodeBlock does not check
 * these (it takes padding as data bits), hence the checks here. Returns the
 * number of bytes (malloc'd in *out), or -1. */
static long base64_decode(const char *s, size_t len, unsigned char **out)
{
	char *clean = xmalloc(len + 1);
	size_t n = 0, pad = 0;
	long got = -1;
	*out = NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_fws(c))
			continue;
		if (c == '=') {
			pad++;
		} else if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    (c >= '0' && c <= '9') || c == '+' || c == '/')) {
			goto out;
		}
		clean[n++] = (char)c;
	}
	if (n == 0 || n % 4 != 0 || pad > 2)
		goto out;
	*out = xmalloc(n / 4 * 3 + 1);
	int r = EVP_DecodeBlock(*out, (const unsigned char *)clean, (int)n);
	if (r < 0) {
		free(*out);
		*out = NULL;
		goto out;
	}
	got = r - (long)pad;
out:
	free(clean);
	return got;
}

/* Fill in type, bits and p from pkey, which k then owns. Returns 0, or -1
 * when it is neither RSA nor Ed25519 (pkey is freed then). */
static int key_from_pkey(EVP_PKEY *pkey, int is_private, struct dkimkey **out, char *err, size_t errlen)
{
	struct dkimkey *k = xcalloc(1, sizeof(*k));
	k->pkey = pkey;
	k->is_private = is_private;
	k->bits = (unsigned)EVP_PKEY_get_bits(pkey);
	*out = NULL;
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
		k->type = DKIMKEY_RSA;
		unsigned char *der = NULL;
		/* i2d_PUBKEY writes only the public half, as an RSA
		 * SubjectPublicKeyInfo: the form RFC 6376 publishes. */
		int n = i2d_PUBKEY(pkey, &der);
		if (n <= 0) {
			dkimkey_free(k);
			return set_err(err, errlen, "cannot encode the RSA public key");
		}
		k->p = base64(der, (size_t)n);
		OPENSSL_free(der);
	} else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		k->type = DKIMKEY_ED25519;
		unsigned char raw[32];
		size_t n = sizeof(raw);
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &n) != 1 || n != sizeof(raw)) {
			dkimkey_free(k);
			return set_err(err, errlen, "cannot read the Ed25519 public key");
		}
		k->p = base64(raw, n);
	} else {
		const char *name = OBJ_nid2sn(EVP_PKEY_get_base_id(pkey));
		dkimkey_free(k);
		return set_err(err, errlen, "a %s key: DKIM keys are RSA or Ed25519",
			       name ? name : "unknown");
	}
	*out = k;
	return 0;
}

int dkimkey_parse_p(const char *p, size_t len, enum dkimkey_type type, struct dkimkey **out, char *err,
		    size_t errlen)
{
	unsigned char *der = NULL;
	EVP_PKEY *pkey = NULL;
	int ret = -1, bare = 0;
	*out = NULL;
	long n = base64_decode(p, len, &der);
	if (n < 0) {
		set_err(err, errlen, "p= is not valid base64");
		goto out;
	}
	if (type == DKIMKEY_ED25519) {
		/* RFC 8463 3: the public key is the 32 raw bytes, no ASN.1. */
		if (n != 32) {
			set_err(err, errlen, "an Ed25519 key has 32 bytes, p= has %ld", n);
			goto out;
		}
		pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
		if (!pkey) {
			set_err(err, errlen, "p= is not an Ed25519 public key");
			goto out;
		}
	} else {
		const unsigned char *at = der;
		pkey = d2i_PUBKEY(NULL, &at, n);
		if (pkey && at != der + n) {
			set_err(err, errlen, "p= has %ld bytes after the key", (long)(der + n - at));
			goto out;
		}
		if (pkey && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
			const char *name = OBJ_nid2sn(EVP_PKEY_get_base_id(pkey));
			set_err(err, errlen, "p= holds a %s key, not an RSA key", name ? name : "non-RSA");
			goto out;
		}
		if (!pkey) {
			/* RFC 6376 3.6.1 calls p= for k=rsa "an RSAPublicKey", the
			 * PKCS#1 structure, while verifiers (and 3.6.1's own
			 * example) use a SubjectPublicKeyInfo. Accept the bare form
			 * as well, the text literally allows it, but say so: OpenDKIM
			 * decodes p= with d2i_PUBKEY_bio() only (libopendkim/dkim.c)
			 * and rejects it, as most verifiers do. */
			at = der;
			bare = 1;
			pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &at, n);
			if (!pkey || at != der + n) {
				set_err(err, errlen,
					"p= is not an RSA public key (DER SubjectPublicKeyInfo or "
					"RSAPublicKey)");
				goto out;
			}
		}
	}
	ret = key_from_pkey(pkey, 0, out, err, errlen);
	pkey = NULL;
	if (ret == 0)
		(*out)->bare_rsa = bare;
out:
	EVP_PKEY_free(pkey);
	free(der);
	return ret;
}

int dkimkey_same(const struct dkimkey *a, const struct dkimkey *b)
{
	/* EVP_PKEY_eq compares the public components: n and e for RSA, the raw
	 * point for Ed25519 (a private key's public half included). */
	return a && b && a->type == b->type && EVP_PKEY_eq(a->pkey, b->pkey) == 1;
}

/* --- key records ------------------------------------------------------- */

int dkimkey_record_like(const char *txt, size_t len)
{
	size_t i = 0;
	while (i < len && is_fws((unsigned char)txt[i]))
		i++;
	if (i < len && txt[i] == 'v') {
		/* a v= first: a key record only when it says DKIM1, RFC 6376
		 * 3.6.1 ("records beginning with a v= tag with any other value
		 * MUST be discarded"): v=spf1 under a wildcard is no key */
		size_t j = i + 1;
		while (j < len && is_fws((unsigned char)txt[j]))
			j++;
		if (j < len && txt[j] == '=') {
			size_t start = j + 1, end = start;
			while (end < len && txt[end] != ';')
				end++;
			while (start < end && is_fws((unsigned char)txt[start]))
				start++;
			while (end > start && is_fws((unsigned char)txt[end - 1]))
				end--;
			if (end - start == 5 && memcmp(txt + start, "DKIM1", 5) == 0)
				return 1;
		}
	}
	/* a p= or k= tag at the start or after a ';' */
	int at_start = 1;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)txt[i];
		if (c == ';') {
			at_start = 1;
		} else if (is_fws(c)) {
			continue;
		} else if (at_start && (c == 'p' || c == 'k')) {
			size_t j = i + 1;
			while (j < len && is_fws((unsigned char)txt[j]))
				j++;
			if (j < len && txt[j] == '=')
				return 1;
			at_start = 0;
		} else {
			at_start = 0;
		}
	}
	return 0;
}

/* s without leading and trailing FWS, in place. */
static char *trim(char *s)
{
	while (is_fws((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_fws((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Whether the colon-separated list (FWS allowed around items) holds word. */
static int list_has(const char *list, const char *word)
{
	size_t wn = strlen(word);
	const char *p = list;
	while (*p) {
		while (is_fws((unsigned char)*p))
			p++;
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		size_t m = n;
		while (m > 0 && is_fws((unsigned char)p[m - 1]))
			m--;
		if (m == wn && strncmp(p, word, wn) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static int valid_tag_name(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

/* RFC 6376 3.2: tag-value = [ tval *( 1*(WSP / FWS) tval ) ], tval = 1*VALCHAR,
 * VALCHAR = %x21-3A / %x3C-7E. */
static int valid_tag_value(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!is_fws(c) && !(c >= 0x21 && c <= 0x7e && c != ';'))
			return 0;
	}
	return 1;
}

void dkimkey_record_release(struct dkimkey_record *rec)
{
	free(rec->text);
	memset(rec, 0, sizeof(*rec));
}

enum dkimkey_type dkimkey_record_type(const struct dkimkey_record *rec)
{
	return rec->k && strcmp(rec->k, "ed25519") == 0 ? DKIMKEY_ED25519 : DKIMKEY_RSA;
}

int dkimkey_record_parse(const char *txt, size_t len, struct dkimkey_record *rec, char *err, size_t errlen)
{
	memset(rec, 0, sizeof(*rec));
	if (memchr(txt, '\0', len))
		return set_err(err, errlen, "the record holds a NUL byte");
	rec->text = xstrndup(txt, len);
	/* every tag has at least "x=" and a ';' between: at most len / 2 + 1 */
	const char **names = xcalloc(len / 2 + 2, sizeof(*names));
	size_t n_names = 0;
	char *spec = rec->text;
	int first = 1;
	for (;;) {
		char *semi = strchr(spec, ';');
		if (semi)
			*semi = '\0';
		char *s = trim(spec);
		if (*s == '\0') {
			/* only a last, empty spec after a final ';' is allowed */
			if (semi || first) {
				set_err(err, errlen,
					first && !semi ? "the record is empty" : "an empty tag (;;)");
				goto bad;
			}
			break;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			set_err(err, errlen, "'%s' is not a tag=value pair", s);
			goto bad;
		}
		*eq = '\0';
		char *name = trim(s), *value = trim(eq + 1);
		if (!valid_tag_name(name)) {
			set_err(err, errlen, "'%s' is not a valid tag name", name);
			goto bad;
		}
		if (!valid_tag_value(value)) {
			set_err(err, errlen, "tag %s has a character a tag value cannot hold", name);
			goto bad;
		}
		const char **slot = NULL;
		if (strcmp(name, "v") == 0)
			slot = &rec->v;
		else if (strcmp(name, "h") == 0)
			slot = &rec->h;
		else if (strcmp(name, "k") == 0)
			slot = &rec->k;
		else if (strcmp(name, "n") == 0)
			slot = &rec->n;
		else if (strcmp(name, "p") == 0)
			slot = &rec->p;
		else if (strcmp(name, "s") == 0)
			slot = &rec->s;
		else if (strcmp(name, "t") == 0)
			slot = &rec->t;
		/* 3.2: a tag may not appear twice, known or not (unknown tags
		 * are otherwise ignored, 3.6.1) */
		for (size_t i = 0; i < n_names; i++)
			if (strcmp(names[i], name) == 0) {
				set_err(err, errlen, "tag %s appears twice", name);
				goto bad;
			}
		names[n_names++] = name;
		if (slot)
			*slot = value;
		if (strcmp(name, "v") == 0 && !first) {
			set_err(err, errlen, "v= must be the first tag");
			goto bad;
		}
		first = 0;
		if (!semi)
			break;
		spec = semi + 1;
	}
	if (rec->v && strcmp(rec->v, "DKIM1") != 0) {
		set_err(err, errlen, "v=%s: a key record says v=DKIM1", rec->v);
		goto bad;
	}
	if (rec->k && strcmp(rec->k, "rsa") != 0 && strcmp(rec->k, "ed25519") != 0) {
		set_err(err, errlen, "k=%s is not a key type verifiers know (rsa, ed25519)", rec->k);
		goto bad;
	}
	if (rec->h && !list_has(rec->h, "sha256")) {
		set_err(err, errlen,
			"h=%s does not allow sha256, the only hash RFC 8301 lets verifiers accept", rec->h);
		goto bad;
	}
	if (rec->s && !list_has(rec->s, "*") && !list_has(rec->s, "email")) {
		set_err(err, errlen, "s=%s does not allow the key for email", rec->s);
		goto bad;
	}
	if (!rec->p) {
		set_err(err, errlen, "there is no p= tag");
		goto bad;
	}
	if (rec->t) {
		rec->testing = list_has(rec->t, "y");
		rec->strict = list_has(rec->t, "s");
	}
	free(names);
	return 0;
bad:
	free(names);
	dkimkey_record_release(rec);
	return -1;
}

/* --- key files --------------------------------------------------------- */

/* A passphrase callback that refuses: an encrypted key is an error, never a
 * prompt on the terminal (OpenSSL's default callback asks). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

/* A PEM key in data: private (PKCS#1, PKCS#8, Ed25519), public
 * (SubjectPublicKeyInfo), or "RSA PUBLIC KEY" (PKCS#1). */
static int load_pem(const char *data, size_t len, const char *path, struct dkimkey **out, char *err,
		    size_t errlen)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
	int is_private = pkey != NULL;
	if (!pkey && bio && BIO_reset(bio) == 1)
		pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (!pkey && bio && BIO_reset(bio) == 1) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long n = 0;
		if (PEM_read_bio(bio, &name, &header, &der, &n) == 1 && strcmp(name, "RSA PUBLIC KEY") == 0) {
			const unsigned char *at = der;
			pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &at, n);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
	}
	BIO_free(bio);
	if (!pkey)
		return set_err(err, errlen,
			       "%s: not a PEM key OpenSSL can read (encrypted, damaged or of an "
			       "unknown kind)",
			       path);
	if (key_from_pkey(pkey, is_private, out, err, errlen) < 0) {
		char why[160];
		snprintf(why, sizeof(why), "%s", err ? err : "");
		return set_err(err, errlen, "%s: %s", path, why);
	}
	return 0;
}

/* A key record in data: the TXT records of zone text (as opendkim-genkey
 * writes SELECTOR.txt), joined, or else the record's text as it is. ldns
 * reads the zone text: parentheses across lines, quoting, comments. */
/* The selector of a key record's owner, SELECTOR._domainkey[.DOMAIN], as
 * opendkim-genkey names it (a new string), or NULL. */
static char *owner_selector(const ldns_rdf *owner)
{
	if (ldns_dname_label_count(owner) < 2)
		return NULL;
	ldns_rdf *first = ldns_dname_label(owner, 0), *second = ldns_dname_label(owner, 1);
	char *out = NULL;
	char *s1 = first ? ldns_rdf2str(first) : NULL, *s2 = second ? ldns_rdf2str(second) : NULL;
	if (s1 && s2 && strcasecmp(s2, "_domainkey.") == 0) {
		s1[strcspn(s1, ".")] = '\0';
		out = xstrdup(s1);
	}
	free(s1);
	free(s2);
	ldns_rdf_deep_free(first);
	ldns_rdf_deep_free(second);
	return out;
}

static int load_record(const char *data, size_t len, const char *path, struct dkimkey **out, char *err,
		       size_t errlen)
{
	struct strbuf txt = STRBUF_INIT;
	int found = 0, ret = -1;
	char *selector = NULL;
	FILE *f = fmemopen((void *)data, len, "r");
	ldns_rdf *origin = ldns_dname_new_frm_str(".");
	ldns_rdf *prev = NULL;
	uint32_t ttl = 3600;
	int line = 0;
	while (f && !found && !feof(f)) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN || st == LDNS_STATUS_SYNTAX_INCLUDE)
			continue;
		if (st != LDNS_STATUS_OK)
			break;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT) {
			dns_txt_join(rr, &txt);
			found = 1;
			selector = owner_selector(ldns_rr_owner(rr));
		}
		ldns_rr_free(rr);
	}
	if (f)
		fclose(f);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	const char *rec_text = found ? (txt.buf ? txt.buf : "") : data;
	size_t rec_len = found ? txt.len : len;
	if (!found && !dkimkey_record_like(data, len)) {
		set_err(err, errlen, "%s: not a PEM key or a DKIM key record", path);
		goto out;
	}
	struct dkimkey_record rec;
	char why[200];
	if (dkimkey_record_parse(rec_text, rec_len, &rec, why, sizeof(why)) < 0) {
		set_err(err, errlen, "%s: not a valid DKIM key record: %s", path, why);
		goto out;
	}
	if (!*rec.p) {
		set_err(err, errlen, "%s: the key record is revoked (p= is empty)", path);
	} else if (dkimkey_parse_p(rec.p, strlen(rec.p), dkimkey_record_type(&rec), out, why, sizeof(why)) <
		   0) {
		set_err(err, errlen, "%s: %s", path, why);
	} else {
		(*out)->selector = selector;
		selector = NULL;
		(*out)->record = xmalloc(rec_len + 1);
		memcpy((*out)->record, rec_text, rec_len);
		(*out)->record[rec_len] = '\0';
		ret = 0;
	}
	dkimkey_record_release(&rec);
out:
	free(selector);
	sb_release(&txt);
	return ret;
}

int dkimkey_load_buffer(const char *data, size_t len, const char *name, struct dkimkey **out, char *err,
			size_t errlen)
{
	*out = NULL;
	if (memmem(data, len, "-----BEGIN ", 11))
		return load_pem(data, len, name, out, err, errlen);
	return load_record(data, len, name, out, err, errlen);
}

int dkimkey_load_file(const char *path, struct dkimkey **out, char *err, size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	int ret = -1;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
	data = xmalloc(KEYFILE_MAX + 1);
	len = fread(data, 1, KEYFILE_MAX + 1, f);
	if (ferror(f)) {
		set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (len > KEYFILE_MAX) {
		set_err(err, errlen, "%s: more than %d bytes: not a key file", path, KEYFILE_MAX);
		goto out;
	}
	ret = dkimkey_load_buffer(data, len, path, out, err, errlen);
out:
	fclose(f);
	free(data);
	return ret;
}
