/* Harness mtasts: any bytes as an MTA-STS policy file, an _mta-sts TXT record
 * and a TLS-RPT record, through checks/mtasts_parse.c. The parsers never
 * fail but through their problems, which stay within bounds and printable;
 * every mx pattern a policy keeps is lower case and matches a host name made
 * from it (RFC 8461 4.1); the input's two halves (split at its first NUL)
 * go through mtasts_mx_match as a pattern and a host. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mtasts_parse.h"

static void check_problems(const struct mtasts_problems *ps, int rc)
{
	if (ps->n > MTASTS_PROBLEMS_MAX || (rc == 0) != (ps->errors == 0))
		abort();
	size_t errors = 0;
	for (size_t i = 0; i < ps->n; i++) {
		const char *t = ps->v[i].text;
		if (!memchr(t, '\0', sizeof(ps->v[i].text)))
			abort();
		for (; *t; t++)
			if (*t < 0x20 || *t >= 0x7f)
				abort();
		errors += ps->v[i].error != 0;
	}
	if (errors > ps->errors || (ps->dropped == 0 && errors != ps->errors))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	struct mtasts_policy p;
	int rc = mtasts_policy_parse(text, size, &p);
	check_problems(&p.problems, rc);
	if (rc == 0 && (!p.has_version || !p.has_max_age || p.mode == MTASTS_MODE_ABSENT ||
			(p.mode != MTASTS_MODE_NONE && p.n_mx == 0)))
		abort();
	for (size_t i = 0; i < p.n_mx; i++) {
		const char *m = p.mx[i];
		for (const char *c = m; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				abort();
		char host[300];
		if (m[0] == '*')
			snprintf(host, sizeof(host), "x%s.", m + 1);
		else
			snprintf(host, sizeof(host), "%s", m);
		if (mtasts_mx_covered(p.mx, p.n_mx, host) == NULL)
			abort();
	}
	(void)mtasts_mode_name(p.mode);
	mtasts_policy_release(&p);

	struct mtasts_record r;
	(void)mtasts_record_is_sts(text, size);
	(void)mtasts_record_looks_sts(text, size);
	rc = mtasts_record_parse(text, size, &r);
	check_problems(&r.problems, rc);
	if (!memchr(r.id, '\0', sizeof(r.id)) || (rc == 0 && r.id[0] == '\0'))
		abort();

	struct mtasts_tlsrpt t;
	(void)mtasts_tlsrpt_is_record(text, size);
	(void)mtasts_tlsrpt_looks_record(text, size);
	rc = mtasts_tlsrpt_parse(text, size, &t);
	check_problems(&t.problems, rc);
	if ((rc == 0 && t.n_rua == 0) || t.n_https > t.n_rua)
		abort();

	size_t head = 0;
	char *tail = fuzz_tail(data, size, &head);
	char *pattern = strndup(text, head);
	if (pattern) {
		(void)mtasts_mx_match(pattern, tail);
		free(pattern);
	}
	free(tail);
	return 0;
}
