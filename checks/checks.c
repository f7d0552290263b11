/* The one table of check families. Adding a check means adding its file and
 * one row here. */
#include <string.h>

#include "checks.h"
#include "util.h"

extern const struct check_desc check_ns;
extern const struct check_desc check_soa;
extern const struct check_desc check_ttl;
extern const struct check_desc check_wildcard;
extern const struct check_desc check_record;
extern const struct check_desc check_propagation;
extern const struct check_desc check_mx;
extern const struct check_desc check_spf;
extern const struct check_desc check_dkim;
extern const struct check_desc check_dmarc;
extern const struct check_desc check_rdns;
extern const struct check_desc check_http;
extern const struct check_desc check_smtp;
extern const struct check_desc check_mtasts;
extern const struct check_desc check_dnssec;
extern const struct check_desc check_compare;

static const struct check_desc *const checks[] = {
	&check_ns,   &check_soa,    &check_ttl,	   &check_wildcard, &check_record,	&check_mx,
	&check_spf,  &check_dkim,   &check_dmarc,  &check_rdns,	    &check_propagation, &check_http,
	&check_smtp, &check_mtasts, &check_dnssec, &check_compare,
};

int check_resolver_only(const struct rule *rule)
{
	(void)rule;
	return 1;
}

const struct check_desc *check_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if (strcmp(checks[i]->name, name) == 0)
			return checks[i];
	return NULL;
}

const struct check_desc *const *check_table(size_t *n)
{
	*n = ARRAY_SIZE(checks);
	return checks;
}
