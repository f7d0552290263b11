/* Which DNS provider serves a zone: a table of providers (their name-server
 * host names, the SOA MNAME and RNAME they write, the lowest TTL each
 * accepts and where that is documented, how to lower a TTL there) and a pure
 * matcher that recognises one from a zone's NS names or its SOA. */
#ifndef CUTOVER_PROVIDER_H
#define CUTOVER_PROVIDER_H

#include <stddef.h>

/* min_ttl of a provider that documents no minimum. */
#define PROVIDER_TTL_UNKNOWN (-1L)

/* One DNS provider. Patterns are host names in lower case whose labels may
 * hold '*' (one or more characters other than '.') and '#' (one or more
 * digits): "*.ns.cloudflare.com", "ns-#.awsdns-#.com". A pattern matches a
 * name of as many labels, label by label. */
struct provider {
	const char *id;	  /* "cloudflare": stable, for JSON */
	const char *name; /* "Cloudflare" */
	/* NS host names the provider hands out (NULL-terminated); an SOA
	 * MNAME that matches one of them names the provider too. */
	const char *const *ns;
	/* SOA MNAMEs and RNAMEs (the mailbox as a name: "dns.cloudflare.com")
	 * the provider writes whatever the NS names are: how a zone behind
	 * vanity name servers is recognised. NULL-terminated, or NULL. */
	const char *const *soa_mname;
	const char *const *soa_rname;
	/* The lowest TTL the provider accepts, seconds, or PROVIDER_TTL_UNKNOWN. */
	long min_ttl;
	/* What else to know about it ("30 on Enterprise plans; Auto is 300"),
	 * or NULL. */
	const char *min_ttl_note;
	/* Where the minimum is documented (a URL, a page title), or why it is
	 * not known. */
	const char *source;
	/* How to lower a record's TTL there, one step a string, NULL-terminated. */
	const char *const *steps;
};

/* The table, in the order it is shown and matched (*n rows). */
const struct provider *provider_table(size_t *n);
/* The row of id, or NULL. */
const struct provider *provider_find(const char *id);
/* The highest min_ttl of the table: a TTL limit at or above it is one every
 * provider accepts. */
long provider_highest_minimum(void);

/* A TTL as people read it, into buf: "300 s (5 minutes)", "60 s", or "not
 * documented" for PROVIDER_TTL_UNKNOWN. */
void provider_ttl_text(long ttl, char *buf, size_t len);

/* Whether name (a host name, any case, with or without its trailing dot)
 * matches pattern (the syntax above; any case). A name that is not a plain
 * host name (an empty label, a byte other than letters, digits, '-' and '_',
 * an escape, over 253 octets) matches nothing. Pure: no allocation. */
int provider_name_match(const char *pattern, const char *name);
/* Whether pattern is well formed: labels of 1 to 63 letters (lower case),
 * digits, '-', '_', '*' and '#', 253 octets at most, no trailing dot. For
 * the table's test. */
int provider_pattern_valid(const char *pattern);

/* How a provider was recognised. */
enum provider_via {
	PROVIDER_VIA_NONE,
	PROVIDER_VIA_NS,	/* the zone's NS host names are the provider's */
	PROVIDER_VIA_SOA_MNAME, /* vanity name servers: the SOA MNAME is the provider's */
	PROVIDER_VIA_SOA_RNAME	/* vanity name servers: the SOA RNAME is the provider's */
};
/* "NS names", "SOA MNAME", "SOA RNAME" ("" for none). */
const char *provider_via_text(enum provider_via via);
/* "ns", "soa-mname", "soa-rname" ("none"), for JSON. */
const char *provider_via_id(enum provider_via via);

/* The outcome of provider_detect(). */
struct provider_match {
	const struct provider *provider; /* NULL: none recognised */
	enum provider_via via;
	const char *evidence; /* the caller's name that matched (an NS name, the MNAME or the RNAME) */
	size_t ns_matched;    /* NS names that are the provider's */
	size_t ns_total;      /* NS names looked at */
	/* Another provider that holds some of the NS names (a delegation
	 * halfway through a move), and how many; NULL and 0 when none. */
	const struct provider *other;
	size_t other_matched;
};

/* The NS names provider_detect() looks at: the first this many. */
#define PROVIDER_NS_MAX 64

/* Recognise the provider of a zone from its NS names (ns[0..n_ns), the
 * delegation's) and its SOA MNAME and RNAME (either may be NULL). The NS
 * names decide: the provider that holds most of them (the first of the
 * table on a tie). When none is a provider's, the SOA does: MNAME first,
 * then RNAME. Names in any case, absolute or not; hostile ones match
 * nothing. Pure: *out points into the table and the caller's names. */
void provider_detect(const char *const *ns, size_t n_ns, const char *mname, const char *rname,
		     struct provider_match *out);

#endif
