/* Harness dmarc: any bytes as a DMARC record, through checks/dmarc_parse.c:
 * dmarc_is_record, dmarc_parse (never fails: what is wrong becomes notes,
 * within the struct's bounds, every URI within the text), and as a name for
 * the DNS tree walk (dmarc_walk_targets, dmarc_label_count). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct dmarc_record rec;
	(void)dmarc_is_record(text, size);
	dmarc_parse(text, size, &rec);
	if (rec.n_notes > DMARC_NOTES_MAX || rec.n_rua > DMARC_URIS_MAX || rec.n_ruf > DMARC_URIS_MAX)
		abort();
	for (size_t i = 0; i < rec.n_notes; i++)
		if (!memchr(rec.notes[i].tag, '\0', sizeof(rec.notes[i].tag)) ||
		    !memchr(rec.notes[i].text, '\0', sizeof(rec.notes[i].text)))
			abort();
	for (size_t i = 0; i < rec.n_rua + rec.n_ruf; i++) {
		const struct dmarc_uri *u = i < rec.n_rua ? &rec.rua[i] : &rec.ruf[i - rec.n_rua];
		if (u->off > size || u->len > size - u->off || !memchr(u->domain, '\0', sizeof(u->domain)))
			abort();
	}
	if (rec.pct < 0 || rec.pct > 100 || !dmarc_policy_name(rec.p))
		abort();

	char *name = strndup(text, size);
	const char *targets[DMARC_WALK_MAX];
	size_t n = dmarc_walk_targets(name, targets);
	if (n > DMARC_WALK_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (targets[i] < name || targets[i] > name + strlen(name))
			abort();
	(void)dmarc_label_count(name);
	free(name);
	return 0;
}
