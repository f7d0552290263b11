/* Harness dkim: any bytes as a DKIM key record and as a key file, through
 * src/dkimkey.c: dkimkey_record_like, dkimkey_record_parse, the p= value as
 * a key of the record's type and of the other (OpenSSL reads the DER), and
 * dkimkey_load_buffer (PEM keys, zone text as opendkim-genkey writes it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkimkey.h"
#include "fuzz.h"

static void key(const char *p, enum dkimkey_type type)
{
	struct dkimkey *k = NULL;
	char err[256];
	if (dkimkey_parse_p(p, strlen(p), type, &k, err, sizeof(err)) == 0) {
		if (!k || !k->p || k->type != type)
			abort();
		if (!dkimkey_same(k, k))
			abort();
	} else if (k) {
		abort();
	}
	dkimkey_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct dkimkey_record rec;
	struct dkimkey *k = NULL;
	char err[256];

	(void)dkimkey_record_like(text, size);
	if (dkimkey_record_parse(text, size, &rec, err, sizeof(err)) == 0) {
		if (!rec.p)
			abort(); /* p= is required */
		enum dkimkey_type type = dkimkey_record_type(&rec);
		if (*rec.p) {
			key(rec.p, type);
			key(rec.p, type == DKIMKEY_RSA ? DKIMKEY_ED25519 : DKIMKEY_RSA);
		}
		dkimkey_record_release(&rec);
	}
	if (dkimkey_load_buffer(text, size, "fuzz.key", &k, err, sizeof(err)) == 0) {
		if (!k || !k->p)
			abort();
	} else if (k) {
		abort();
	}
	dkimkey_free(k);
	return 0;
}
