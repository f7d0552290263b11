/* Which change comes first when a signed (or unsigned) zone moves from one
 * set of name servers to another: the DS at the parent or the NS delegation.
 * Pure functions of what the dnssec check found, for checks/dnssec.c and
 * the unit tests (tests/unit/test_dnssec_order.c). */
#ifndef CUTOVER_DNSSEC_ORDER_H
#define CUTOVER_DNSSEC_ORDER_H

/* The DS set at the parent, as the resolver found it. */
enum dnssec_ds {
	DNSSEC_DS_UNKNOWN, /* the lookup failed */
	DNSSEC_DS_ABSENT,  /* no DS: validators treat the zone as unsigned */
	DNSSEC_DS_PRESENT
};

/* What one side of the move (its servers, together) serves. */
enum dnssec_side_state {
	DNSSEC_SIDE_UNKNOWN,   /* no server of the side gave a usable answer */
	DNSSEC_SIDE_UNSIGNED,  /* no server publishes a DNSKEY */
	DNSSEC_SIDE_MATCHED,   /* every server signs, with keys a DS at the parent matches */
	DNSSEC_SIDE_UNMATCHED, /* every server signs, and some with keys no DS matches (or there is no DS) */
	DNSSEC_SIDE_MIXED      /* some servers sign and some do not */
};

/* What must happen, in which order. */
enum dnssec_order {
	DNSSEC_ORDER_UNKNOWN,	      /* the DS or a side could not be judged */
	DNSSEC_ORDER_SAFE,	      /* the DS suits both sides: the NS change is safe now */
	DNSSEC_ORDER_INSECURE,	      /* no DS, and the new side does not sign: nothing to order */
	DNSSEC_ORDER_NS_THEN_DS,      /* no DS, the new side signs: NS first, its DS after the NS TTL */
	DNSSEC_ORDER_ADD_DS_FIRST,    /* add the new side's DS, wait the DS TTL, then NS */
	DNSSEC_ORDER_REMOVE_DS_FIRST, /* the new side is unsigned: remove the DS, wait its TTL, then NS */
	DNSSEC_ORDER_NS_MENDS,	      /* the DS fails the old side but suits the new one: change NS now */
	DNSSEC_ORDER_REPLACE_DS,      /* the DS suits neither side: replace it with the new side's */
	DNSSEC_ORDER_REMOVE_DS,	      /* the DS suits neither side and the new side is unsigned: remove it */
	DNSSEC_ORDER_NEW_MIXED	      /* the new side's servers disagree: make them agree first */
};

/* The order for a move from from to to, given the DS at the parent. from is
 * NULL when the servers the zone is at now are not known (--ns given, no
 * `from:`): the DS is then taken to suit them, as it does when nothing is
 * broken. from and to are the same state when the zone is checked where it
 * is (no move): the result then says what, if anything, must change. */
enum dnssec_order dnssec_order_decide(enum dnssec_ds ds, const enum dnssec_side_state *from,
				      enum dnssec_side_state to);

/* A short stable word for an order ("add-ds-first"), for reports. */
const char *dnssec_order_name(enum dnssec_order order);

/* What the message of an order says, as far as it is known. */
struct dnssec_order_facts {
	const char *zone;     /* "example.org" */
	const char *to;	      /* the new side as given ("ns1.new.example, ns2.new.example") */
	long ds_ttl;	      /* the DS set's TTL, -1 when unknown (no DS) */
	long ns_ttl;	      /* the NS set's TTL, -1 when unknown */
	long dnskey_ttl;      /* the old side's DNSKEY set's TTL, -1 when unknown */
	const char *ds_tags;  /* the key tags of the DS at the parent ("12345, 23456"), or NULL */
	const char *new_ds;   /* DS records of the new side's keys, zone-file lines joined by "; ", or NULL */
	const char *stale_ds; /* tags of DS records only the old side's keys match, or NULL */
	const char *why;      /* DNSSEC_ORDER_UNKNOWN: what could not be judged */
	int no_move;	      /* the zone is checked where it is: from and to are the same servers */
};

/* The sentence a person acts on for order, with the TTLs and records of f
 * (a new string the caller frees). */
char *dnssec_order_message(enum dnssec_order order, const struct dnssec_order_facts *f);

#endif
