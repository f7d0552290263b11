/* Domain names: canonical and display forms (ldns does the parsing), and the
 * string-set helpers the checks and discovery share. */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <libpsl.h>

#include "names.h"

/* Whether name is already in canonical form: absolute, lower case, labels
 * of 1 to 63 plain characters (letters, digits, '-', '_', '*'), no escapes.
 * Most names the checks pass are (they come from ctx_name()), and this
 * saves parsing and printing them through ldns on every question: that was
 * a tenth of an audit's time. */
int name_is_canonical(const char *name)
{
	size_t n = strlen(name);
	if (n == 1)
		return name[0] == '.';
	if (n == 0 || n > 254 || name[n - 1] != '.')
		return 0;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0 || label > 63)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			   c == '*') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

const char *name_canonical(struct arena *arena, const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 254)
		return NULL;
	if (name_is_canonical(name))
		return arena_strdup(arena, name);
	ldns_rdf *rdf = NULL;
	if (ldns_str2rdf_dname(&rdf, name) != LDNS_STATUS_OK)
		return NULL;
	ldns_dname2canonical(rdf);
	char *text = ldns_rdf2str(rdf);
	ldns_rdf_deep_free(rdf);
	if (!text)
		return NULL;
	const char *out = arena_strdup(arena, text);
	free(text);
	return out;
}

const char *name_text(struct arena *arena, const char *name)
{
	size_t n = strlen(name);
	return n > 1 && name[n - 1] == '.' ? arena_printf(arena, "%.*s", (int)n - 1, name) : name;
}

const char *server_label(struct arena *arena, const char *name, const char *addr_text)
{
	return name ? arena_printf(arena, "%s/%s", name_text(arena, name), addr_text)
		    : arena_strdup(arena, addr_text);
}

int name_is_under(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);
	if (strcmp(zone, ".") == 0)
		return 1;
	return n == z ? strcmp(name, zone) == 0
		      : n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

const char *name_org_domain_psl(struct arena *arena, const char *name)
{
	/* Loaded once and kept for the life of the process (psl_latest reads
	 * the list file). */
	static const psl_ctx_t *psl;
	if (!psl)
		psl = psl_latest(NULL);
	if (!psl)
		psl = psl_builtin();
	/* libpsl wants lower case and no trailing dot. */
	const char *text = name_text(arena, name);
	const char *org = psl ? psl_registrable_domain(psl, text) : NULL;
	if (!org)
		return name;
	return arena_printf(arena, "%s.", org);
}

int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int str_in(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return 0;
}

int str_is_word(const char *s, size_t n, const char *word)
{
	if (strlen(word) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) != (unsigned char)word[i])
			return 0;
	}
	return 1;
}
