/* Domain names and the small string-set helpers that go with them: canonical
 * form, display form, how findings name a server. */
#ifndef CUTOVER_NAMES_H
#define CUTOVER_NAMES_H

#include <stddef.h>

#include "util.h"

/* Lower-case, absolute form of a domain name ("Example.ORG" -> "example.org.")
 * from arena, or NULL when it is not a valid name. */
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

/* qsort() comparator for an array of C strings. */
int str_cmp(const void *a, const void *b);
/* Whether name is one of v[0..n) (exact comparison). */
int str_in(const char *const *v, size_t n, const char *name);
/* Whether s (n bytes, not NUL-terminated) is word (lower case), ignoring
 * ASCII case: the keywords of record syntaxes (ABNF strings are
 * case-insensitive). */
int str_is_word(const char *s, size_t n, const char *word);

#endif
