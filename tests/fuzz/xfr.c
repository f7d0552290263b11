/* Harness xfr: any bytes as the TCP stream a server sends back to an AXFR
 * query for fuzz.test, through xfr_feed() (src/xfr.c), the judge of every
 * message of a zone transfer, and the records of a transfer that completes
 * through compare_rdata() (checks/compare_data.c), as the compare check
 * reads them.
 *
 * Input: a flags byte (bit 0: at most 16 records, bit 1: at most 4096
 * bytes; else the defaults), the query's ID (two bytes, network order),
 * then the stream: messages, each behind its two-byte length, as they come
 * over TCP. The stream is fed message by message until the transfer ends
 * (done or failed) or the input does. A transfer that is done holds the
 * zone's SOA first and only records of class IN at or under fuzz.test, no
 * TTL with the top bit set, and no more than the limits; a failure says
 * why; a transfer that goes on says nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare_data.h"
#include "fuzz.h"
#include "xfr.h"

#define ZONE FUZZ_DOMAIN "."

static void check_done(const struct xfr_state *st)
{
	ldns_rdf *zone = ldns_dname_new_frm_str(ZONE);
	size_t n = ldns_rr_list_rr_count(st->rrs);
	struct arena a = ARENA_INIT;
	if (!zone || n == 0 || n > st->max_records || st->bytes > st->max_bytes)
		abort();
	if (ldns_rr_get_type(ldns_rr_list_rr(st->rrs, 0)) != LDNS_RR_TYPE_SOA)
		abort();
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(st->rrs, i);
		const ldns_rdf *owner = ldns_rr_owner(rr);
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || (ldns_rr_ttl(rr) & 0x80000000u))
			abort();
		if (ldns_dname_compare(owner, zone) != 0 && !ldns_dname_is_subdomain(owner, zone))
			abort();
		const char *text = compare_rdata(&a, rr);
		if (!text)
			abort();
	}
	arena_release(&a);
	ldns_rdf_deep_free(zone);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfr_state st;
	if (size < 3)
		return 0;
	uint16_t id = (uint16_t)(data[1] << 8 | data[2]);
	if (xfr_state_init(&st, ZONE, id, data[0] & 1 ? 16 : 0, data[0] & 2 ? 4096 : 0) != 0)
		abort();
	size_t pos = 3, fed = 0;
	enum xfr_verdict v = XFR_MORE;
	while (v == XFR_MORE && pos + 2 <= size) {
		size_t len = (size_t)(data[pos] << 8 | data[pos + 1]);
		pos += 2;
		if (len > size - pos)
			len = size - pos; /* the stream ends inside a message: what came of it */
		/* a copy of its own, so ASan sees a read past the message */
		uint8_t *msg = malloc(len ? len : 1);
		memcpy(msg, data + pos, len);
		const char *why = NULL;
		v = xfr_feed(&st, msg, len, &why);
		free(msg);
		pos += len;
		fed++;
		if ((v == XFR_FAIL) != (why != NULL) || (why && !*why))
			abort();
	}
	if (st.messages + st.ignored > fed)
		abort();
	if (v == XFR_DONE)
		check_done(&st);
	xfr_state_release(&st);
	return 0;
}
