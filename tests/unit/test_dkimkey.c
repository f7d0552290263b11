/* Unit tests of DKIM key loading, p= parsing and key records (src/dkimkey.c).
 * Keys are generated here with OpenSSL and written in each file form the
 * module reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkimkey.h"

static char dir[] = "/tmp/test_dkimkey.XXXXXX";
static EVP_PKEY *rsa1024, *rsa512, *ed;

static char *path_of(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void write_text(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Write pkey as PEM through fn into the file name. */
static void write_pem(const char *name, EVP_PKEY *pkey, int what)
{
	BIO *b = BIO_new_file(path_of(name), "w");
	assert_non_null(b);
	int ok = 0;
	unsigned char *der = NULL;
	int n;
	switch (what) {
	case 0: /* PKCS#8 */
		ok = PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL);
		break;
	case 1: /* PKCS#1 "RSA PRIVATE KEY", as older opendkim-genkey wrote */
		ok = PEM_write_bio_PrivateKey_traditional(b, pkey, NULL, NULL, 0, NULL, NULL);
		break;
	case 2: /* SubjectPublicKeyInfo */
		ok = PEM_write_bio_PUBKEY(b, pkey);
		break;
	case 3: /* "RSA PUBLIC KEY" */
		n = i2d_PublicKey(pkey, &der);
		assert_true(n > 0);
		ok = PEM_write_bio(b, "RSA PUBLIC KEY", "", der, n);
		OPENSSL_free(der);
		break;
	case 4: /* encrypted PKCS#8 */
		ok = PEM_write_bio_PKCS8PrivateKey(b, pkey, EVP_aes_128_cbc(), NULL, 0, NULL,
						   (void *)"secret");
		break;
	}
	assert_true(ok > 0);
	BIO_free(b);
}

/* base64 of the DER SubjectPublicKeyInfo of pkey (malloc) */
static char *spki_b64(EVP_PKEY *pkey, int bare)
{
	unsigned char *der = NULL;
	int n = bare ? i2d_PublicKey(pkey, &der) : i2d_PUBKEY(pkey, &der);
	assert_true(n > 0);
	char *out = malloc(4 * ((size_t)n + 2) / 3 + 8);
	EVP_EncodeBlock((unsigned char *)out, der, n);
	OPENSSL_free(der);
	return out;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	rsa512 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return rsa1024 && rsa512 && ed ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa1024);
	EVP_PKEY_free(rsa512);
	EVP_PKEY_free(ed);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_load_private_rsa(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey *k8 = NULL, *k1 = NULL, *pub = NULL;
	write_pem("pkcs8.pem", rsa1024, 0);
	write_pem("pkcs1.pem", rsa1024, 1);
	write_pem("pub.pem", rsa1024, 2);
	assert_int_equal(dkimkey_load_file(path_of("pkcs8.pem"), &k8, err, sizeof(err)), 0);
	assert_int_equal(dkimkey_load_file(path_of("pkcs1.pem"), &k1, err, sizeof(err)), 0);
	assert_int_equal(dkimkey_load_file(path_of("pub.pem"), &pub, err, sizeof(err)), 0);
	assert_int_equal(k8->type, DKIMKEY_RSA);
	assert_int_equal(k8->bits, 1024);
	assert_true(k8->is_private);
	assert_true(k1->is_private);
	assert_false(pub->is_private);
	/* the p= to publish is the SubjectPublicKeyInfo, whatever the file */
	char *want = spki_b64(rsa1024, 0);
	assert_string_equal(k8->p, want);
	assert_string_equal(k1->p, want);
	assert_string_equal(pub->p, want);
	assert_true(dkimkey_same(k8, pub));
	assert_true(dkimkey_same(k1, k8));
	free(want);
	dkimkey_free(k8);
	dkimkey_free(k1);
	dkimkey_free(pub);
}

static void test_load_rsa_public_pkcs1(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey *k = NULL;
	write_pem("rsapub.pem", rsa512, 3);
	assert_int_equal(dkimkey_load_file(path_of("rsapub.pem"), &k, err, sizeof(err)), 0);
	assert_int_equal(k->bits, 512);
	char *want = spki_b64(rsa512, 0);
	assert_string_equal(k->p, want);
	free(want);
	dkimkey_free(k);
}

static void test_load_ed25519(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey *priv = NULL, *pub = NULL, *fromp = NULL;
	write_pem("ed.pem", ed, 0);
	write_pem("edpub.pem", ed, 2);
	assert_int_equal(dkimkey_load_file(path_of("ed.pem"), &priv, err, sizeof(err)), 0);
	assert_int_equal(dkimkey_load_file(path_of("edpub.pem"), &pub, err, sizeof(err)), 0);
	assert_int_equal(priv->type, DKIMKEY_ED25519);
	assert_int_equal(priv->bits, 256);
	assert_string_equal(dkimkey_type_name(priv->type), "ed25519");
	unsigned char raw[32];
	size_t n = sizeof(raw);
	assert_int_equal(EVP_PKEY_get_raw_public_key(ed, raw, &n), 1);
	char want[64];
	EVP_EncodeBlock((unsigned char *)want, raw, 32);
	assert_string_equal(priv->p, want);
	assert_int_equal(strlen(priv->p), 44);
	assert_true(dkimkey_same(priv, pub));
	assert_int_equal(dkimkey_parse_p(priv->p, strlen(priv->p), DKIMKEY_ED25519, &fromp, err, sizeof(err)),
			 0);
	assert_true(dkimkey_same(fromp, priv));
	/* the same bytes read as an RSA key are not one */
	struct dkimkey *bad = (struct dkimkey *)1;
	assert_int_equal(dkimkey_parse_p(priv->p, strlen(priv->p), DKIMKEY_RSA, &bad, err, sizeof(err)), -1);
	assert_null(bad);
	dkimkey_free(priv);
	dkimkey_free(pub);
	dkimkey_free(fromp);
}

static void test_load_txt(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey *k = NULL, *priv = NULL;
	char *p = spki_b64(rsa1024, 0);
	/* opendkim-genkey's SELECTOR.txt: the key split over quoted strings,
	 * in parentheses over lines, a comment after */
	char text[2048];
	snprintf(text, sizeof(text),
		 "sel._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\t  \"p=%.100s\"\n\t  \"%s\" )  "
		 "; "
		 "----- DKIM key sel for example.com\n",
		 p, p + 100);
	write_text("sel.txt", text);
	assert_int_equal(dkimkey_load_file(path_of("sel.txt"), &k, err, sizeof(err)), 0);
	assert_false(k->is_private);
	assert_string_equal(k->p, p);
	write_pem("sel.private", rsa1024, 0);
	assert_int_equal(dkimkey_load_file(path_of("sel.private"), &priv, err, sizeof(err)), 0);
	assert_true(dkimkey_same(k, priv));
	dkimkey_free(k);
	/* a bare record, no zone line */
	snprintf(text, sizeof(text), "v=DKIM1; k=rsa; p=%s\n", p);
	write_text("bare.txt", text);
	assert_int_equal(dkimkey_load_file(path_of("bare.txt"), &k, err, sizeof(err)), 0);
	assert_true(dkimkey_same(k, priv));
	dkimkey_free(k);
	/* a revoked record is not a key */
	write_text("revoked.txt", "s._domainkey IN TXT \"v=DKIM1; p=\"\n");
	k = (struct dkimkey *)1;
	assert_int_equal(dkimkey_load_file(path_of("revoked.txt"), &k, err, sizeof(err)), -1);
	assert_null(k);
	assert_non_null(strstr(err, "revoked"));
	dkimkey_free(priv);
	free(p);
}

static void test_load_errors(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey *k = (struct dkimkey *)1;
	assert_int_equal(dkimkey_load_file(path_of("nonexistent"), &k, err, sizeof(err)), -1);
	assert_null(k);
	assert_non_null(strstr(err, "nonexistent"));
	assert_non_null(strstr(err, "No such file"));
	write_text("garbage", "hello world\n");
	assert_int_equal(dkimkey_load_file(path_of("garbage"), &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "garbage"));
	write_text("badpem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
	assert_int_equal(dkimkey_load_file(path_of("badpem"), &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "badpem"));
	/* encrypted: an error, never a passphrase prompt */
	write_pem("enc.pem", rsa1024, 4);
	assert_int_equal(dkimkey_load_file(path_of("enc.pem"), &k, err, sizeof(err)), -1);
	assert_null(k);
	/* a key of another kind */
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	write_pem("ec.pem", ec, 0);
	EVP_PKEY_free(ec);
	assert_int_equal(dkimkey_load_file(path_of("ec.pem"), &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "RSA or Ed25519"));
}

static void test_parse_p(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey *spki = NULL, *bare = NULL, *ws = NULL, *k = NULL;
	char *p = spki_b64(rsa1024, 0);
	char *pb = spki_b64(rsa1024, 1);
	assert_int_equal(dkimkey_parse_p(p, strlen(p), DKIMKEY_RSA, &spki, err, sizeof(err)), 0);
	assert_int_equal(spki->bits, 1024);
	assert_false(spki->is_private);
	assert_string_equal(spki->p, p);
	assert_false(spki->bare_rsa);
	/* a bare RSAPublicKey: the same key, published as SPKI, and said to be bare */
	assert_int_equal(dkimkey_parse_p(pb, strlen(pb), DKIMKEY_RSA, &bare, err, sizeof(err)), 0);
	assert_true(bare->bare_rsa);
	assert_true(dkimkey_same(spki, bare));
	assert_string_equal(bare->p, p);
	/* whitespace anywhere inside */
	char spaced[1024];
	size_t n = 0;
	for (size_t i = 0; p[i]; i++) {
		spaced[n++] = p[i];
		if (i % 10 == 9)
			spaced[n++] = i % 20 == 19 ? '\t' : ' ';
	}
	spaced[n] = '\0';
	assert_int_equal(dkimkey_parse_p(spaced, n, DKIMKEY_RSA, &ws, err, sizeof(err)), 0);
	assert_true(dkimkey_same(ws, spki));
	/* another key is not the same */
	char *other = spki_b64(rsa512, 0);
	assert_int_equal(dkimkey_parse_p(other, strlen(other), DKIMKEY_RSA, &k, err, sizeof(err)), 0);
	assert_false(dkimkey_same(k, spki));
	assert_int_equal(k->bits, 512);
	dkimkey_free(k);
	k = NULL;
	/* truncated: still base64 (whole quanta), not a key */
	assert_int_equal(dkimkey_parse_p(p, 100, DKIMKEY_RSA, &k, err, sizeof(err)), -1);
	assert_null(k);
	assert_non_null(strstr(err, "not an RSA public key"));
	/* truncated mid-quantum: not base64 */
	assert_int_equal(dkimkey_parse_p(p, 101, DKIMKEY_RSA, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "base64"));
	assert_int_equal(dkimkey_parse_p("!!!!", 4, DKIMKEY_RSA, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "base64"));
	assert_int_equal(dkimkey_parse_p("QQ==QQ==", 8, DKIMKEY_RSA, &k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "base64"));
	assert_int_equal(dkimkey_parse_p("", 0, DKIMKEY_RSA, &k, err, sizeof(err)), -1);
	/* bytes after the key */
	char longer[1024];
	snprintf(longer, sizeof(longer), "%s", p);
	/* replace the padding-free tail: append one more quantum of data */
	size_t pl = strlen(p);
	if (p[pl - 1] != '=') {
		snprintf(longer, sizeof(longer), "%sAAAA", p);
		assert_int_equal(dkimkey_parse_p(longer, strlen(longer), DKIMKEY_RSA, &k, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "after the key"));
	}
	/* Ed25519: exactly 32 bytes */
	assert_int_equal(dkimkey_parse_p("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", 44, DKIMKEY_ED25519,
					 &k, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "31"));
	free(p);
	free(pb);
	free(other);
	dkimkey_free(spki);
	dkimkey_free(bare);
	dkimkey_free(ws);
}

static int parse(const char *txt, struct dkimkey_record *rec, char *err)
{
	return dkimkey_record_parse(txt, strlen(txt), rec, err, 256);
}

static void test_record_parse(void **state)
{
	(void)state;
	char err[256];
	struct dkimkey_record r;
	assert_int_equal(parse("v=DKIM1; h=sha256; k=rsa; p=QUJD", &r, err), 0);
	assert_string_equal(r.v, "DKIM1");
	assert_string_equal(r.h, "sha256");
	assert_string_equal(r.p, "QUJD");
	assert_int_equal(dkimkey_record_type(&r), DKIMKEY_RSA);
	assert_false(r.testing);
	dkimkey_record_release(&r);
	/* no v=, FWS around everything, a final ';', unknown tags ignored,
	 * p= with spaces inside kept for dkimkey_parse_p */
	assert_int_equal(parse("  k = ed25519 ;x=whatever;\r\n\tp= QU JD ; t=y:s ;", &r, err), 0);
	assert_null(r.v);
	assert_int_equal(dkimkey_record_type(&r), DKIMKEY_ED25519);
	assert_string_equal(r.p, "QU JD");
	assert_true(r.testing);
	assert_true(r.strict);
	dkimkey_record_release(&r);
	/* revoked: an empty p= parses */
	assert_int_equal(parse("v=DKIM1; p=", &r, err), 0);
	assert_string_equal(r.p, "");
	dkimkey_record_release(&r);
	assert_int_equal(parse("v=DKIM1; h=sha1:sha256; s=email:tlsrpt; t=s; p=QUJD", &r, err), 0);
	assert_false(r.testing);
	assert_true(r.strict);
	dkimkey_record_release(&r);

	/* what verifiers refuse */
	assert_int_equal(parse("k=rsa; v=DKIM1; p=QUJD", &r, err), -1);
	assert_non_null(strstr(err, "first"));
	assert_null(r.text);
	assert_int_equal(parse("v=DKIM2; p=QUJD", &r, err), -1);
	assert_non_null(strstr(err, "DKIM1"));
	assert_int_equal(parse("v=DKIM1; p=QUJD; p=QUJD", &r, err), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(parse("v=DKIM1; x=1; p=QUJD; x=2", &r, err), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(parse("v=DKIM1; k=dsa; p=QUJD", &r, err), -1);
	assert_non_null(strstr(err, "dsa"));
	assert_int_equal(parse("v=DKIM1; h=sha1; p=QUJD", &r, err), -1);
	assert_non_null(strstr(err, "sha256"));
	assert_int_equal(parse("v=DKIM1; s=tlsrpt; p=QUJD", &r, err), -1);
	assert_non_null(strstr(err, "email"));
	assert_int_equal(parse("v=DKIM1; k=rsa", &r, err), -1);
	assert_non_null(strstr(err, "no p="));
	assert_int_equal(parse("v=DKIM1;; p=QUJD", &r, err), -1);
	assert_int_equal(parse("", &r, err), -1);
	assert_int_equal(parse("v=DKIM1; p", &r, err), -1);
	assert_non_null(strstr(err, "tag=value"));
	assert_int_equal(parse("v=DKIM1; 1x=2; p=QUJD", &r, err), -1);
	assert_int_equal(parse("v=DKIM1; n=caf\xc3\xa9; p=QUJD", &r, err), -1);
	assert_int_equal(dkimkey_record_parse("v=DKIM1; p=QU\0JD", 16, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
}

static void test_record_like(void **state)
{
	(void)state;
	const char *yes[] = {"v=DKIM1; p=", "k=rsa; p=AB",     "p=AAAA",	"n=x; p = AB",
			     "v = DKIM1",   " v=DKIM1 ;k=rsa", "v=DKIM2; p=AB", "v=spf1; k=rsa"};
	/* RFC 6376 3.6.1: a record whose v= is not DKIM1 is discarded */
	const char *no[] = {"",
			    "hello world",
			    "google-site-verification=abc",
			    "v",
			    "spf; x=p=1",
			    "np=1",
			    "v=spf1 -all",
			    " v=DKIM2",
			    "v=DKIM1x",
			    "v=dkim1"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		assert_true(dkimkey_record_like(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		assert_false(dkimkey_record_like(no[i], strlen(no[i])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_private_rsa), cmocka_unit_test(test_load_rsa_public_pkcs1),
		cmocka_unit_test(test_load_ed25519),	 cmocka_unit_test(test_load_txt),
		cmocka_unit_test(test_load_errors),	 cmocka_unit_test(test_parse_p),
		cmocka_unit_test(test_record_parse),	 cmocka_unit_test(test_record_like),
	};
	return cmocka_run_group_tests_name("dkimkey", tests, setup, teardown);
}
