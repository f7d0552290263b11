/* Harness provider: the DNS provider matcher (src/provider.c). Input: a
 * pattern, a NUL, then names a line. The pattern is matched against each
 * name, in the name's case and in upper case (the same answer), and a
 * pattern without wildcards only against the name it spells; the names go
 * to provider_detect() as a zone's NS names, the first two also as its SOA
 * MNAME and RNAME: what it recognises is one of the table, by a name that
 * matches one of the row's patterns, with counts within the names given. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "provider.h"

#define MAX_NAMES 100

static int any_match(const char *const *patterns, const char *name)
{
	for (size_t i = 0; patterns && patterns[i]; i++)
		if (provider_name_match(patterns[i], name))
			return 1;
	return 0;
}

/* name as a plain host name spells pattern (no wildcards), ignoring case
 * and one trailing dot of the name. */
static int spells(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern), nl = strlen(name);
	if (nl && name[nl - 1] == '.')
		nl--;
	return pl == nl && strncasecmp(pattern, name, pl) == 0;
}

static void check_pattern(const char *pattern, const char *name)
{
	int m = provider_name_match(pattern, name);
	char *upper = strdup(name);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (provider_name_match(pattern, upper) != m)
		abort(); /* case matters */
	free(upper);
	if (m && !strpbrk(pattern, "*#") && !spells(pattern, name))
		abort(); /* a literal pattern matched another name */
	if (provider_pattern_valid(pattern) && !strpbrk(pattern, "*#") && strlen(pattern) < 250) {
		/* a valid literal pattern matches itself, dotted or not */
		char dotted[256];
		snprintf(dotted, sizeof(dotted), "%s.", pattern);
		if (!provider_name_match(pattern, pattern) || !provider_name_match(pattern, dotted))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t head;
	char *tail = fuzz_tail(data, size, &head);
	char *pattern = strndup((const char *)data, head);
	const char *names[MAX_NAMES];
	size_t n = 0;
	for (char *save = NULL, *line = strtok_r(tail, "\n", &save); line && n < MAX_NAMES;
	     line = strtok_r(NULL, "\n", &save))
		names[n++] = line;

	for (size_t i = 0; i < n; i++)
		check_pattern(pattern, names[i]);

	struct provider_match m;
	provider_detect(names, n, n > 0 ? names[0] : NULL, n > 1 ? names[1] : NULL, &m);
	if (m.ns_total > n || m.ns_total > PROVIDER_NS_MAX || m.ns_matched > m.ns_total ||
	    m.other_matched > m.ns_matched)
		abort();
	switch (m.via) {
	case PROVIDER_VIA_NONE:
		if (m.provider || m.evidence || m.other)
			abort();
		break;
	case PROVIDER_VIA_NS:
		if (!m.provider || !m.ns_matched || !any_match(m.provider->ns, m.evidence))
			abort();
		if (m.other && (m.other == m.provider || !m.other_matched))
			abort();
		break;
	case PROVIDER_VIA_SOA_MNAME:
		if (!m.provider || m.evidence != names[0] || m.ns_matched ||
		    !(any_match(m.provider->ns, m.evidence) || any_match(m.provider->soa_mname, m.evidence)))
			abort();
		break;
	case PROVIDER_VIA_SOA_RNAME:
		if (!m.provider || m.evidence != names[1] || !any_match(m.provider->soa_rname, m.evidence))
			abort();
		break;
	}
	if (m.provider && provider_find(m.provider->id) != m.provider)
		abort();
	free(pattern);
	free(tail);
	return 0;
}
