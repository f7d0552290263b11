/* DKIM keys: load a key from a file (a private or public PEM key, or the
 * zone line opendkim-genkey writes), take a published key record apart
 * (RFC 6376 3.6.1, Ed25519 from RFC 8463), and compare keys. Used by the dkim
 * check and by `cutover records --dkim-key`. Keys are parsed by OpenSSL. */
#ifndef CUTOVER_DKIMKEY_H
#define CUTOVER_DKIMKEY_H

#include <stddef.h>

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

enum dkimkey_type {
	DKIMKEY_RSA,	/* k=rsa */
	DKIMKEY_ED25519 /* k=ed25519 (RFC 8463) */
};

/* A public key, or a private key with its public half. */
struct dkimkey {
	enum dkimkey_type type;
	unsigned bits;		  /* RSA: the modulus' size; Ed25519: 256 */
	int is_private;		  /* loaded from a private key */
	char *p;		  /* the p= value that publishes it: base64, no whitespace; RSA as a DER
				     SubjectPublicKeyInfo, Ed25519 as the 32 raw bytes */
	struct evp_pkey_st *pkey; /* OpenSSL's key (for dkimkey_same) */
	char *selector;		  /* loaded from a zone line SELECTOR._domainkey...: the selector,
				     else NULL */
	char *record;		  /* loaded from a key record: its text (strings joined), else NULL */
	int bare_rsa;		  /* p= held a bare PKCS#1 RSAPublicKey, not a SubjectPublicKeyInfo */
};

/* The k= word of type: "rsa" or "ed25519". */
const char *dkimkey_type_name(enum dkimkey_type type);

/* Load the key in the file at path: a PEM private key (PKCS#1 "RSA PRIVATE
 * KEY" as opendkim-genkey writes it, PKCS#8, Ed25519 from `openssl genpkey`),
 * a PEM public key, or a DKIM key record as zone text (opendkim-genkey's
 * SELECTOR.txt: `sel._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p=..." )`). Only
 * RSA and Ed25519 keys are accepted. Returns 0 with a new key in *out (free it
 * with dkimkey_free), or -1 with *out NULL and a message in err ("cannot
 * read ...: No such file or directory", "... is not a PEM key or a DKIM
 * record"). */
int dkimkey_load_file(const char *path, struct dkimkey **out, char *err, size_t errlen);
/* The same for the len bytes at data (a key file's text, not necessarily
 * NUL-terminated), with name in messages instead of the path. */
int dkimkey_load_buffer(const char *data, size_t len, const char *name, struct dkimkey **out, char *err,
			size_t errlen);

/* Parse a published p= value (base64, whitespace allowed anywhere inside, as
 * RFC 6376 3.6.1 allows) as a key of type. For RSA the data is a DER
 * SubjectPublicKeyInfo, or else a bare PKCS#1 RSAPublicKey (RFC 6376 names
 * that structure in its text and some signers publish it; (*out)->bare_rsa
 * says so, as verifiers such as OpenDKIM reject it); for Ed25519
 * exactly 32 bytes. Returns 0 with a new key in *out, or -1 with *out NULL and
 * the reason in err ("not valid base64", "not an RSA public key", "an
 * Ed25519 key has 32 bytes, not 31"). An empty value (a revoked key) is an
 * error here: callers tell it apart first. */
int dkimkey_parse_p(const char *p, size_t len, enum dkimkey_type type, struct dkimkey **out, char *err,
		    size_t errlen);

/* Whether a and b hold the same public key: same type, and for RSA the same
 * modulus and exponent, for Ed25519 the same 32 bytes. */
int dkimkey_same(const struct dkimkey *a, const struct dkimkey *b);

/* Free a key (NULL is ignored). */
void dkimkey_free(struct dkimkey *k);

/* --- key records (RFC 6376 3.6.1) ---------------------------------------- */

/* A key record's tags. Each value points into the record's own copy (text,
 * NUL-terminated, surrounding whitespace removed), NULL when the tag is
 * absent. */
struct dkimkey_record {
	char *text; /* a copy of the record (owned; the values point into it) */
	const char *v, *h, *k, *n, *p, *s, *t;
	int testing; /* t= has the flag y */
	int strict;  /* t= has the flag s */
};

/* Whether the TXT data looks meant as a DKIM key record (it starts with
 * v=DKIM1, or has a p= or k= tag), so that a broken one is judged as a
 * broken key rather than as no key at all. A v= with another value (v=spf1
 * under a wildcard) is not one unless a p= or k= tag follows. */
int dkimkey_record_like(const char *txt, size_t len);

/* Take a key record apart and check it as RFC 6376 3.6.1 says a verifier
 * does: a tag-list (3.2: no duplicate tags, valid tag names and values), v=
 * first and DKIM1 when present, k= rsa or ed25519 (default rsa), h= naming
 * sha256 when present (RFC 8301: sha1 must not be used), s= allowing email,
 * p= present. The key in p= is not checked here (dkimkey_parse_p). Returns 0
 * with rec filled (release it with dkimkey_record_release), or -1 with rec
 * empty and the reason in err. */
int dkimkey_record_parse(const char *txt, size_t len, struct dkimkey_record *rec, char *err, size_t errlen);

/* The key type a parsed record's k= names (rsa when absent). */
enum dkimkey_type dkimkey_record_type(const struct dkimkey_record *rec);

/* Free what rec holds (rec itself is the caller's). */
void dkimkey_record_release(struct dkimkey_record *rec);

#endif
