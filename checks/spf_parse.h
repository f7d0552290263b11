/* SPF records (RFC 7208) parsed term by term: pure functions from record text
 * to terms or the offending term, with no DNS and no check context, so the
 * spf check, the unit tests and a fuzz harness call them alike. */
#ifndef CUTOVER_SPF_PARSE_H
#define CUTOVER_SPF_PARSE_H

#include <stddef.h>

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT, /* modifiers from here on */
	SPF_EXP,
	SPF_MODIFIER /* an unknown modifier: name=value, ignored (RFC 7208 6) */
};

/* Macro letters used in a domain-spec, one bit each ('a' + bit). */
#define SPF_MACRO_BIT(letter) (1u << ((letter) - 'a'))
/* The letters a check can expand without a message: the domain (d) and the
 * sender's domain (o, the domain under check: mail from postmaster@DOMAIN). */
#define SPF_MACROS_KNOWN (SPF_MACRO_BIT('d') | SPF_MACRO_BIT('o'))

struct spf_term {
	enum spf_kind kind;
	char qualifier;		/* '+', '-', '~', '?' ('+' when none is written) */
	int qualified;		/* a qualifier was written */
	const char *text;	/* the term as written */
	const char *domain;	/* the domain-spec, NULL when none is given */
	unsigned macros;	/* SPF_MACRO_BIT()s of the macros in domain */
	int cidr4, cidr6;	/* prefix lengths, -1 when not given */
	unsigned char addr[16]; /* ip4 (first 4 bytes) and ip6 networks */
};

struct spf_record {
	struct spf_term *terms; /* in record order */
	size_t n;
	const char *error;    /* NULL when the record is valid; else what is wrong */
	const char *bad_term; /* the offending term (or "" when the record as a whole) */
	int redirect, exp;    /* index of the modifier in terms, -1 when absent */
	int has_all;	      /* an `all` mechanism anywhere (redirect= is then ignored) */
	char *buf;	      /* the storage terms point into */
};

/* 1 when text (len bytes, which may hold NUL bytes) is an SPF record: it
 * begins with "v=spf1" (any case) followed by a space or its end (RFC 7208
 * 4.5); a record with leading white space is not one. */
int spf_is_record(const char *text, size_t len);

/* Parse an SPF record (RFC 7208 12). Returns 0 when valid; -1 when not, with
 * rec->error and rec->bad_term saying why (the terms before the bad one are
 * kept in rec->terms). rec is always initialised and must be released with
 * spf_record_release(). Out of memory exits (util.h). */
int spf_parse(const char *text, size_t len, struct spf_record *rec);
void spf_record_release(struct spf_record *rec);

/* The DNS-querying terms RFC 7208 4.6.4 counts toward the limit of 10: 1 for
 * include, a, mx, ptr, exists, and for redirect unless the record has an `all`
 * (then it is ignored); 0 for the rest. */
int spf_term_cost(const struct spf_record *rec, const struct spf_term *t);

/* "include", "ip4", "redirect", ... */
const char *spf_kind_name(enum spf_kind kind);

/* Expand a domain-spec with the macros known without a message: d (domain)
 * and o (sender_domain), with their transformers (RFC 7208 7.3), and %%, %_,
 * %-. Returns a new string the caller frees, without a trailing dot, cut to
 * 253 characters by dropping labels from the left; NULL when spec uses any
 * other macro. */
char *spf_expand(const char *spec, const char *domain, const char *sender_domain);

/* Whether addr (4 or 16 bytes, by family 4 or 6) lies within the network
 * net/prefix of the same family. */
int spf_addr_in(const unsigned char *addr, const unsigned char *net, int prefix, int family);

#endif
