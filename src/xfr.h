/* Zone transfers (AXFR, RFC 5936) on the reactor: a TCP connection to one
 * server, the AXFR query, and the answer's length-prefixed messages read and
 * judged one by one until the closing SOA. Every message is parsed by ldns
 * (ldns_wire2pkt); xfr_feed(), which judges them, is a pure function the
 * fuzz harness drives. */
#ifndef CUTOVER_XFR_H
#define CUTOVER_XFR_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct xfr;

/* What a transfer may hold at most: past either, it fails (an error, never a
 * crash or memory without end). */
#define XFR_MAX_RECORDS 200000
#define XFR_MAX_BYTES (64u * 1024 * 1024)
/* The whole transfer gets this many times the per-message budget. */
#define XFR_TOTAL_FACTOR 10

/* --- judging the messages (pure: no socket) --------------------------------- */

/* What a transfer has read so far. */
struct xfr_state {
	uint16_t id;
	ldns_rdf *zone;	    /* the apex asked for (owned) */
	size_t max_records; /* 0: XFR_MAX_RECORDS */
	size_t max_bytes;   /* 0: XFR_MAX_BYTES */
	ldns_rr_list *rrs;  /* the zone's records so far, the opening SOA first (owned) */
	uint32_t serial;    /* of the opening SOA */
	size_t messages;    /* messages taken (ignored ones not counted) */
	size_t ignored;	    /* messages with another ID or question, or QR=0 */
	size_t bytes;	    /* every message's size, ignored ones too */
	size_t dropped;	    /* records left out: outside the zone, not class IN */
};

enum xfr_verdict {
	XFR_MORE, /* taken (or ignored): the transfer goes on */
	XFR_DONE, /* the closing SOA came: st->rrs is the zone */
	XFR_FAIL  /* the transfer failed: *why says why */
};

/* Start st for the transfer of zone (absolute, "example.org.") with query ID
 * id; limits of 0 take the defaults. Returns 0, or -1 when zone is not a
 * name. Release with xfr_state_release() whatever it returned. */
int xfr_state_init(struct xfr_state *st, const char *zone, uint16_t id, size_t max_records, size_t max_bytes);
void xfr_state_release(struct xfr_state *st);
/* Judge one message of the answer (buf, len bytes, without its length
 * prefix). A message with another ID or question, or QR=0, is ignored
 * (XFR_MORE); an RCODE other than NOERROR fails the transfer ("transfer
 * refused" for REFUSED and NOTAUTH), and so does a message ldns cannot
 * parse, TC=1, a first record that is not the zone's SOA, a closing SOA of
 * another serial or records after it, or more than the limits allow.
 * Records outside the zone or of a class other than IN are left out
 * (counted in st->dropped); a TTL with the top bit set is read as 0 (RFC
 * 2181 section 8). *why is a static string. */
enum xfr_verdict xfr_feed(struct xfr_state *st, const uint8_t *buf, size_t len, const char **why);

/* --- a transfer on the loop ----------------------------------------------- */

struct xfr_result {
	/* NULL when the whole zone came, else why not: "transfer refused",
	 * "timed out", "connection refused", "more than 200000 records"... */
	const char *error;
	ldns_rr_list *rrs; /* the zone's records, the opening SOA first, the closing one left out;
			      NULL on error. The callback takes it over (ldns_rr_list_deep_free) */
	size_t messages, bytes, dropped;
	unsigned ms; /* from the connect to the outcome */
};
typedef void (*xfr_callback)(void *arg, struct xfr_result *res);

/* Transfer zone (absolute) from the server at addr over TCP: the connection,
 * the query and each message of the answer must come within timeout_ms of
 * the last progress, and the whole transfer within XFR_TOTAL_FACTOR times
 * it. cb runs once, from the loop, never from inside this call; the
 * transfer is freed after it returns. *out (may be NULL) is the handle for
 * xfr_cancel(), valid until cb runs. Returns 0 (failures come through cb). */
int xfr_start(struct loop *l, const struct sockaddr *addr, socklen_t addrlen, const char *zone,
	      unsigned timeout_ms, xfr_callback cb, void *arg, struct xfr **out);
/* Stop a transfer whose callback has not run: it never runs, and the
 * transfer is freed. NULL is ignored. */
void xfr_cancel(struct xfr *x);

#endif
