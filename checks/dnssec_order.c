/* The order of the DS and NS changes across a provider move (dnssec_order.h).
 *
 * A validating resolver may hold the old DS set for its TTL and keep asking
 * the old servers for the NS TTL; at every moment of a move, the DS set it
 * holds must match a key of whichever servers it asks (or be empty). So a DS
 * the new servers need is added before the NS change, beside the old one,
 * and a DS only the old servers' keys match goes after the NS TTL; a DS that
 * unsigned new servers would fail goes before the NS change, with its TTL
 * waited out. */
#include "dnssec_order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Whether the DS at the parent suits a side: validators accept its answers. */
static int suits(enum dnssec_ds ds, enum dnssec_side_state side)
{
	return ds == DNSSEC_DS_ABSENT || side == DNSSEC_SIDE_MATCHED;
}

enum dnssec_order dnssec_order_decide(enum dnssec_ds ds, const enum dnssec_side_state *from,
				      enum dnssec_side_state to)
{
	if (ds == DNSSEC_DS_UNKNOWN || to == DNSSEC_SIDE_UNKNOWN || (from && *from == DNSSEC_SIDE_UNKNOWN))
		return DNSSEC_ORDER_UNKNOWN;
	if (to == DNSSEC_SIDE_MIXED)
		return DNSSEC_ORDER_NEW_MIXED;
	int new_signs = to != DNSSEC_SIDE_UNSIGNED;
	if (ds == DNSSEC_DS_ABSENT)
		return new_signs ? DNSSEC_ORDER_NS_THEN_DS : DNSSEC_ORDER_INSECURE;
	int old_ok = !from || suits(ds, *from);
	if (suits(ds, to))
		return old_ok ? DNSSEC_ORDER_SAFE : DNSSEC_ORDER_NS_MENDS;
	if (old_ok)
		return new_signs ? DNSSEC_ORDER_ADD_DS_FIRST : DNSSEC_ORDER_REMOVE_DS_FIRST;
	return new_signs ? DNSSEC_ORDER_REPLACE_DS : DNSSEC_ORDER_REMOVE_DS;
}

const char *dnssec_order_name(enum dnssec_order order)
{
	switch (order) {
	case DNSSEC_ORDER_UNKNOWN:
		return "unknown";
	case DNSSEC_ORDER_SAFE:
		return "safe";
	case DNSSEC_ORDER_INSECURE:
		return "insecure";
	case DNSSEC_ORDER_NS_THEN_DS:
		return "ns-then-ds";
	case DNSSEC_ORDER_ADD_DS_FIRST:
		return "add-ds-first";
	case DNSSEC_ORDER_REMOVE_DS_FIRST:
		return "remove-ds-first";
	case DNSSEC_ORDER_NS_MENDS:
		return "ns-mends";
	case DNSSEC_ORDER_REPLACE_DS:
		return "replace-ds";
	case DNSSEC_ORDER_REMOVE_DS:
		return "remove-ds";
	case DNSSEC_ORDER_NEW_MIXED:
		return "new-mixed";
	}
	return "unknown";
}

/* " (3600 s)", or "" when the TTL is unknown. */
static void ttl_words(char *buf, size_t len, long ttl)
{
	if (ttl >= 0)
		snprintf(buf, len, " (%ld s)", ttl);
	else
		buf[0] = '\0';
}

/* " (key tag 12345)", " (key tags 12345, 23456)", nothing when not known */
static void tags_words(struct strbuf *sb, const struct dnssec_order_facts *f)
{
	if (f->ds_tags)
		sb_addf(sb, " (key tag%s %s)", strchr(f->ds_tags, ',') ? "s" : "", f->ds_tags);
}

/* "the DS at the parent (key tag 12345)" */
static void ds_words(struct strbuf *sb, const struct dnssec_order_facts *f)
{
	sb_adds(sb, "the DS at the parent");
	tags_words(sb, f);
}

/* The new side's DS records, or how to make them when they are not known. */
static const char *new_ds_words(const struct dnssec_order_facts *f)
{
	return f->new_ds ? f->new_ds : "the DS of their key-signing key, which their provider shows";
}

char *dnssec_order_message(enum dnssec_order order, const struct dnssec_order_facts *f)
{
	struct strbuf sb = STRBUF_INIT;
	char ds_ttl[48], ns_ttl[48], key_ttl[48];
	const char *to = f->to ? f->to : "the servers checked";
	ttl_words(ds_ttl, sizeof(ds_ttl), f->ds_ttl);
	ttl_words(ns_ttl, sizeof(ns_ttl), f->ns_ttl);
	if (f->dnskey_ttl >= 0)
		snprintf(key_ttl, sizeof(key_ttl), " (its TTL: %ld s)", f->dnskey_ttl);
	else
		key_ttl[0] = '\0';

	switch (order) {
	case DNSSEC_ORDER_UNKNOWN:
		sb_addf(&sb, "which change must come first for %s is not known: %s", f->zone,
			f->why ? f->why : "a side gave no usable answer");
		break;
	case DNSSEC_ORDER_SAFE:
		ds_words(&sb, f);
		if (f->no_move) {
			sb_adds(&sb, " matches a key these servers publish: nothing to change at the parent");
			break;
		}
		sb_addf(&sb,
			" matches keys both the old servers and the new ones (%s) publish: the NS change "
			"is safe now as far as DNSSEC goes",
			to);
		if (f->stale_ds)
			sb_addf(&sb,
				"; once the NS TTL%s has passed after it, remove the DS with key tag %s, "
				"which only the old servers' keys match",
				ns_ttl, f->stale_ds);
		break;
	case DNSSEC_ORDER_INSECURE:
		if (f->no_move)
			sb_addf(&sb,
				"%s has no DS at the parent and these servers do not sign it: the zone is "
				"not signed, nothing to order",
				f->zone);
		else
			sb_addf(&sb,
				"%s has no DS at the parent and the new servers (%s) do not sign it: "
				"DNSSEC sets no order, the NS change is safe now as far as DNSSEC goes",
				f->zone, to);
		break;
	case DNSSEC_ORDER_NS_THEN_DS:
		if (f->no_move)
			sb_addf(&sb,
				"these servers sign %s but the parent has no DS, so no resolver validates "
				"it: add the DS at the parent to secure it: %s",
				f->zone, new_ds_words(f));
		else
			sb_addf(&sb,
				"%s has no DS at the parent and the new servers (%s) sign it: change NS "
				"first; once the NS TTL%s has passed, add their DS at the parent: %s (a DS "
				"added sooner fails the zone at resolvers still sent to the old servers)",
				f->zone, to, ns_ttl, new_ds_words(f));
		break;
	case DNSSEC_ORDER_ADD_DS_FIRST:
		sb_addf(&sb,
			"the new servers (%s) sign with keys no DS at the parent matches: first add "
			"their DS beside the current one",
			to);
		tags_words(&sb, f);
		sb_addf(&sb,
			": %s; wait out the DS TTL%s; then change NS; remove the old DS once the NS "
			"TTL%s has passed after the change. Resolvers that cached the old DNSKEY set "
			"fail the new signatures until it expires%s, unless each provider also "
			"publishes the other's zone-signing key (RFC 8901)",
			new_ds_words(f), ds_ttl, ns_ttl, key_ttl);
		break;
	case DNSSEC_ORDER_REMOVE_DS_FIRST:
		sb_addf(&sb, "the new servers (%s) serve %s unsigned while ", to, f->zone);
		ds_words(&sb, f);
		sb_addf(&sb,
			" exists: first remove the DS at the parent and wait out its TTL%s, then "
			"change NS; or sign the zone at the new provider and add its DS beside the "
			"current one before the change",
			ds_ttl);
		break;
	case DNSSEC_ORDER_NS_MENDS:
		ds_words(&sb, f);
		sb_addf(&sb,
			" matches the new servers' (%s) keys but not the old servers': validating "
			"resolvers fail %s at the old servers now, and the NS change mends it: make it "
			"now",
			to, f->zone);
		break;
	case DNSSEC_ORDER_REPLACE_DS:
		ds_words(&sb, f);
		if (f->no_move)
			sb_addf(&sb,
				" matches no key these servers publish: validating resolvers fail %s "
				"now; replace it with %s (or remove it to serve the zone unsigned)",
				f->zone, new_ds_words(f));
		else
			sb_addf(&sb,
				" matches neither the old servers' keys nor the new ones' (%s): "
				"validating resolvers fail %s now and will after the move; replace the DS "
				"with the new servers': %s, then change NS",
				to, f->zone, new_ds_words(f));
		break;
	case DNSSEC_ORDER_REMOVE_DS:
		ds_words(&sb, f);
		if (f->no_move)
			sb_addf(&sb,
				" exists but these servers serve %s unsigned: validating resolvers fail "
				"it now; remove the DS at the parent, or sign the zone and publish the DS "
				"of its key",
				f->zone);
		else
			sb_addf(&sb,
				" matches no key of the old servers, and the new servers (%s) do not "
				"sign: validating resolvers fail %s now; remove the DS at the parent now, "
				"then change NS when you like",
				to, f->zone);
		break;
	case DNSSEC_ORDER_NEW_MIXED:
		if (f->no_move)
			sb_adds(&sb, "these servers disagree");
		else
			sb_addf(&sb, "the new servers (%s) disagree", to);
		sb_addf(&sb,
			": some sign %s and some do not; make them serve the same zone, signed or not, "
			"before changing the DS or NS",
			f->zone);
		break;
	}
	return sb_detach(&sb);
}
