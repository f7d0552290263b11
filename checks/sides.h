/* The two sides of a provider move, as the compare and dnssec checks take
 * them: each a list of items, "delegated" (the servers discovery found, or
 * --ns gave) or a server as --ns takes it (NAME, NAME/ADDR, ADDR). Names
 * without an address are looked up through the resolver. */
#ifndef CUTOVER_SIDES_H
#define CUTOVER_SIDES_H

#include <stddef.h>

struct check_ctx;
struct rule;
struct rule_value;
struct ns_server;

/* The word that stands for the zone's current delegation. */
#define SIDE_DELEGATED "delegated"

/* Whether the rule's list param key (a PARAM_STRINGS) says "delegated". */
int side_uses_delegation(const struct rule *rule, const char *key);

/* A check_desc validate hook's part: every item of param key parses.
 * Returns 0, or -1 with the reason in err and *at the item. */
int side_validate(const struct rule *rule, const char *key, const struct rule_value **at, char *err,
		  size_t errlen);

/* In ask(): look up the addresses of the side's items named without one. */
void side_ask(struct check_ctx *ctx, const char *key);

/* One side's servers, once side_ask()'s lookups are in (judge(), any
 * round): every address of every item, each added with ctx_add_server()
 * with roles (or the delegation's server itself for "delegated"), in the
 * order given. *unresolved lists the items without any address (names whose
 * lookups failed or found none; "delegated" when discovery found no server).
 * Memory from the check's arena. */
struct side {
	const struct ns_server **servers;
	size_t n;
	const char **unresolved;
	size_t n_unresolved;
	const char *text; /* the items as given, joined by ", " */
};
void side_servers(struct check_ctx *ctx, const char *key, unsigned roles, struct side *out);

#endif
