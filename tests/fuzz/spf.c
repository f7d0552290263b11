/* Harness spf: any bytes as an SPF record, through the parser of
 * checks/spf_parse.c: spf_is_record, spf_parse, each term's cost and kind,
 * its domain-spec expanded as the check expands it (at most 253 characters),
 * and its network matched against an address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spf_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char addr[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25};
	const char *text = (const char *)data;
	struct spf_record rec;
	(void)spf_is_record(text, size);
	int rc = spf_parse(text, size, &rec);
	if (rc == -1 && (!rec.error || !rec.bad_term))
		abort();
	if (rc == 0 && rec.error)
		abort();
	for (size_t i = 0; i < rec.n; i++) {
		const struct spf_term *t = &rec.terms[i];
		int cost = spf_term_cost(&rec, t);
		if (cost < 0 || cost > 1 || !spf_kind_name(t->kind) || !t->text)
			abort();
		if (t->domain) {
			char *e = spf_expand(t->domain, "fuzz.test", "fuzz.test");
			if (e && strlen(e) > 253)
				abort();
			free(e);
		}
		if (t->kind == SPF_IP4 && t->cidr4 <= 32)
			(void)spf_addr_in(addr, t->addr, t->cidr4 < 0 ? 32 : t->cidr4, 4);
		if (t->kind == SPF_IP6 && t->cidr6 <= 128)
			(void)spf_addr_in(addr, t->addr, t->cidr6 < 0 ? 128 : t->cidr6, 6);
	}
	if (rec.redirect >= (int)rec.n || rec.exp >= (int)rec.n)
		abort();
	spf_record_release(&rec);
	return 0;
}
