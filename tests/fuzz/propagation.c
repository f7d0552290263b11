/* Harness propagation: a flags byte, the expected values (and, after a line
 * "--", the old ones) one a line up to a NUL, then a DNS message, judged as
 * the answer of a resolver or an authoritative server by prop_judge() -- the
 * path every answer of `cutover propagation` and the propagation check takes
 * (the engine's matching, fuzzed by dns-answer, comes before it).
 *
 * flags: bits 0-2 the type (A, AAAA, MX, TXT, CNAME, NS, SRV, PTR), bit 3
 * authoritative (RD=0), bit 4 the answer as delivered in error instead
 * (timeout), bits 5-7 EDE/TC noise are left to the message itself.
 *
 * Invariants: a status in range; an error has a reason and no values; a
 * value list sorted and without duplicates; flips_at only for an old answer
 * of a resolver, at received + the largest TTL; only an authoritative answer
 * can be a bare alias; the summary of the answer beside a copy of itself
 * agrees with itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz.h"
#include "propagation.h"

#define QNAME "www.fuzz.test."
#define AT 1700000000.0

static const ldns_rr_type types[] = {LDNS_RR_TYPE_A,   LDNS_RR_TYPE_AAAA,  LDNS_RR_TYPE_MX, LDNS_RR_TYPE_TXT,
				     LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_NS, LDNS_RR_TYPE_SRV, LDNS_RR_TYPE_PTR};

/* Add the lines of text[0..len) to v (old after a "--" line into o). */
static void add_lines(const char *text, size_t len, struct prop_values *v, struct prop_values *o)
{
	char err[512];
	struct prop_values *into = v;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		char *line = xstrndup(text + i, j - i);
		if (strcmp(line, "--") == 0)
			into = o;
		else if (*line) {
			err[0] = '\0';
			if (prop_values_add(into, line, err, sizeof(err)) != 0 && !err[0])
				abort(); /* a refusal says why */
		}
		free(line);
		i = j + 1;
	}
	char *t = prop_values_text(v);
	free(t);
	t = prop_values_text(o);
	free(t);
}

static void check_result(const struct prop_result *r, int auth)
{
	if ((unsigned)r->status > PROP_ERROR)
		abort();
	if (r->status == PROP_ERROR && (!r->error || !*r->error || r->flips_at != 0))
		abort();
	for (size_t i = 1; i < r->n_answer; i++)
		if (strcmp(r->answer[i - 1], r->answer[i]) >= 0)
			abort(); /* sorted, no duplicates */
	if (r->flips_at != 0 &&
	    (r->status != PROP_OLD || auth || r->ttl_max < 0 || r->flips_at != AT + (double)r->ttl_max))
		abort();
	if (r->alias_only && (!auth || !r->alias || r->n_answer))
		abort();
	if (r->negative && r->n_answer)
		abort();
	(void)prop_status_name(r->status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	ldns_rr_type type = types[flags & 7];
	int auth = (flags >> 3) & 1;
	const uint8_t *p = data + 1, *end = data + size;
	const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
	if (!nul)
		return 0;
	struct prop_values v, o;
	prop_values_init(&v, type);
	prop_values_init(&o, type);
	add_lines((const char *)p, (size_t)(nul - p), &v, &o);

	ldns_pkt *pkt = NULL;
	const uint8_t *wire = nul + 1;
	int err = 0;
	if (flags & 0x10)
		err = DNS_ETIMEOUT;
	else if (ldns_wire2pkt(&pkt, wire, (size_t)(end - wire)) != LDNS_STATUS_OK)
		err = DNS_EMALFORMED;
	struct prop_result r[2];
	int kinds[2] = {auth, auth};
	prop_judge(&v, prop_values_empty(&o) ? NULL : &o, QNAME, err, pkt, AT, auth, &r[0]);
	check_result(&r[0], auth);
	/* the same answer twice: a sweep of two that agree with each other */
	prop_judge(&v, prop_values_empty(&o) ? NULL : &o, QNAME, err, pkt, AT, auth, &r[1]);
	if (r[0].status != r[1].status || !prop_same_answer(&r[0], &r[1]))
		abort();
	struct prop_summary s;
	prop_summarize(r, kinds, 2, &s);
	if (!s.auth_agree || s.auth + s.recursive != 2 || (!auth && s.answered + s.errors != 2))
		abort();
	if (prop_ratio(&s) < 0 || prop_ratio(&s) > 1)
		abort();
	prop_result_release(&r[0]);
	prop_result_release(&r[1]);
	ldns_pkt_free(pkt);
	prop_values_release(&v);
	prop_values_release(&o);
	return 0;
}
