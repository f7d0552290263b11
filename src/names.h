/* Domain names and the small string-set helpers that go with them: canonical
 * form, display form, how findings name a server. */
#ifndef CUTOVER_NAMES_H
#define CUTOVER_NAMES_H

#include <stddef.h>

#include "util.h"

/* Lower-case, absolute form of a domain name ("Example.ORG" -> "example.org.")
 * from arena, or NULL when it is not a valid name (or is NULL). */
const char *name_canonical(struct arena *arena, const char *name);
/* Whether name is already in the form name_canonical() gives, and plainly:
 * absolute, lower case, labels of 1 to 63 letters, digits, '-', '_' or '*'
 * (a name with escapes or other bytes says no, though it may be canonical). */
int name_is_canonical(const char *name);
/* A name without its trailing dot, for people ("example.org." ->
 * "example.org"; the root stays "."), from arena (or name itself). */
const char *name_text(struct arena *arena, const char *name);
/* How findings name a server: "ns1.example.net/192.0.2.53", or the address
 * alone when name is NULL; from arena. */
const char *server_label(struct arena *arena, const char *name, const char *addr_text);

/* Whether name is zone or below it; both absolute and in the same case. */
int name_is_under(const char *name, const char *zone);

/* The organizational domain of name by the public suffix list (libpsl: the
 * newest of the system's list and libpsl's built-in one), as RFC 7489 3.2
 * finds it: the public suffix plus one label ("mail.example.co.uk." ->
 * "example.co.uk."). name is canonical (ctx_name()); the result is too, from
 * arena. A name that is itself a public suffix ("co.uk.") is returned as it
 * is. */
const char *name_org_domain_psl(struct arena *arena, const char *name);

/* Why name (presentation form, no escapes) cannot be a domain name, for a
 * message ("it is 255 octets long (at most 253)", "it has a label longer
 * than 63 octets", "it has an empty label ..."), from arena or static; NULL
 * when its labels and length are fine. */
const char *name_fault(struct arena *arena, const char *name);
/* A domain as a person gives it (an operand, a line of a -d file), made
 * ready to check: Unicode converted to A-labels (libidn2: IDNA 2008 with the
 * UTS #46 mapping, "Bücher.test" -> "xn--bcher-kva.test"), and refused when
 * it is not a domain name: empty, an IP address, a character other than
 * letters, digits, '-', '_' and '.' (a space, '#', '/' ...), an empty label,
 * a label over 63 octets, over 253 octets in all. "." is accepted. Returns
 * the name (from arena; case and a trailing dot as given), or NULL with
 * the reason in err, for a "cutover: " or "FILE:LINE: " prefix ("'a b.test'
 * is not a domain name: it contains a space"). */
const char *name_domain_arg(struct arena *arena, const char *arg, char *err, size_t errlen);
/* The Unicode form of name when it has A-labels that decode
 * ("xn--bcher-kva.test" -> "bücher.test"): a new string the caller frees;
 * NULL when name has none or they do not decode. */
char *name_unicode(const char *name);

/* qsort() comparator for an array of C strings. */
int str_cmp(const void *a, const void *b);
/* Whether name is one of v[0..n) (exact comparison). */
int str_in(const char *const *v, size_t n, const char *name);
/* Whether s (n bytes, not NUL-terminated) is word (lower case), ignoring
 * ASCII case: the keywords of record syntaxes (ABNF strings are
 * case-insensitive). */
int str_is_word(const char *s, size_t n, const char *word);
/* s[0..n) (any bytes) made printable into out (size outsz): bytes outside
 * printable ASCII as \xNN, shortened with "..." when long. A hostile record
 * must not put control characters into a report. */
void str_printable(char *out, size_t outsz, const char *s, size_t n);
/* str_printable() into a value a message can take: str_show(v, n).s. */
struct str_shown {
	char s[80];
};
struct str_shown str_show(const char *s, size_t n);

/* The length of the scheme of uri[0..n) (RFC 3986: ALPHA *(ALPHA / DIGIT /
 * "+" / "-" / ".") and ':'), without the ':'; 0 when it has none, or nothing
 * follows the ':'. */
size_t str_uri_scheme(const char *uri, size_t n);
/* The domain of the address of a mailto: URI (what follows "mailto:",
 * addr[0..n)): after the last '@' before any '?' (RFC 6068), into *domain
 * and *len. Returns 0, or -1 when there is no '@' or nothing before it. */
int str_mailto_domain(const char *addr, size_t n, const char **domain, size_t *len);

#endif
