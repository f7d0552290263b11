/* Domain names: canonical and display forms (ldns does the parsing), and the
 * string-set helpers the checks and discovery share. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
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
	if (!name)
		return NULL; /* a name a caller could not make: not a name either */
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

/* arg as a message shows it: bytes that could drive a terminal become '?',
 * and with ascii != 0 (arg is not UTF-8) every byte over 0x7f too. */
static const char *shown(struct arena *arena, const char *arg, int ascii)
{
	char *s = arena_strdup(arena, arg);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || (ascii && (unsigned char)*p > 0x7f))
			*p = '?';
	return s;
}

const char *name_fault(struct arena *arena, const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len == 0)
		return "it is empty";
	if (strcmp(name, ".") == 0)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (name[i] != '.') {
			if (++label == 64)
				return "it has a label longer than 63 octets";
		} else if (label == 0) {
			return "it has an empty label ('..', or a leading dot)";
		} else {
			label = 0;
		}
	}
	if (name[len - 1] == '.')
		len--;
	if (len > 253)
		return arena_printf(arena, "it is %zu octets long (at most 253)", len);
	return NULL;
}

/* Why name (ASCII) is not a domain to check, or NULL when it is one. */
static const char *domain_fault(struct arena *arena, const char *name)
{
	unsigned char v6[16];

	if (inet_pton(AF_INET, name, v6) == 1 || inet_pton(AF_INET6, name, v6) == 1)
		return "it is an IP address (give the domain whose servers to check)";
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t')
			return "it contains a space";
		if (c < 0x20 || c >= 0x7f)
			return "it contains a control character";
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return arena_printf(arena,
					    "it contains '%c' (a name has letters, digits, '-' and '_')", c);
	}
	return name_fault(arena, name);
}

const char *name_domain_arg(struct arena *arena, const char *arg, char *err, size_t errlen)
{
	const char *name = arg;
	int ascii = 1;

	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = 0;
	if (!ascii) {
		/* IDNA 2008 with the UTS #46 mapping browsers use (case
		 * folded, NFC): "Bücher.test" -> "xn--bcher-kva.test" */
		char *a_label = NULL;
		int rc = idn2_to_ascii_8z(arg, &a_label, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
		if (rc != IDN2_OK) {
			snprintf(err, errlen, "'%s' is not a valid internationalised domain name: %s",
				 shown(arena, arg, rc == IDN2_ENCODING_ERROR), idn2_strerror(rc));
			return NULL;
		}
		name = arena_strdup(arena, a_label);
		idn2_free(a_label);
	}
	const char *fault = domain_fault(arena, name);
	if (fault) {
		if (ascii)
			snprintf(err, errlen, "'%s' is not a domain name: %s", shown(arena, arg, 0), fault);
		else
			snprintf(err, errlen, "'%s' (%s) is not a domain name: %s", shown(arena, arg, 0),
				 shown(arena, name, 0), fault);
		return NULL;
	}
	return name == arg ? arena_strdup(arena, arg) : name;
}

char *name_unicode(const char *name)
{
	char *u = NULL;
	if (!strcasestr(name, "xn--"))
		return NULL;
	if (idn2_to_unicode_8z8z(name, &u, 0) != IDN2_OK)
		return NULL;
	char *out = strcmp(u, name) != 0 ? xstrdup(u) : NULL;
	idn2_free(u);
	return out;
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

void str_printable(char *out, size_t outsz, const char *s, size_t n)
{
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char piece[8];
		int len = c >= 0x20 && c < 0x7f ? snprintf(piece, sizeof(piece), "%c", c)
						: snprintf(piece, sizeof(piece), "\\x%02x", c);
		if (at + (size_t)len + 4 > outsz) {
			snprintf(out + at, outsz - at, "...");
			return;
		}
		memcpy(out + at, piece, (size_t)len);
		at += (size_t)len;
	}
	out[at] = '\0';
}

struct str_shown str_show(const char *s, size_t n)
{
	struct str_shown out;
	str_printable(out.s, sizeof(out.s), s, n);
	return out;
}

size_t str_uri_scheme(const char *uri, size_t n)
{
	size_t i = 0;
	if (n && isalpha((unsigned char)uri[0]))
		for (i = 1; i < n && (isalnum((unsigned char)uri[i]) || (uri[i] && strchr("+-.", uri[i])));
		     i++)
			;
	return i == 0 || i + 1 >= n || uri[i] != ':' ? 0 : i;
}

int str_mailto_domain(const char *addr, size_t n, const char **domain, size_t *len)
{
	const char *q = memchr(addr, '?', n);
	if (q)
		n = (size_t)(q - addr);
	const char *at = NULL;
	for (size_t k = 0; k < n; k++)
		if (addr[k] == '@')
			at = addr + k;
	if (!at || at == addr)
		return -1;
	*domain = at + 1;
	*len = n - (size_t)(at + 1 - addr);
	return 0;
}
