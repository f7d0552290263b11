/* The query engine: many DNS queries in flight to chosen servers, UDP with
 * EDNS0, TCP when an answer is truncated; its sockets and timers are events
 * of the reactor (loop.h). */
#ifndef CUTOVER_DNS_H
#define CUTOVER_DNS_H

#include <ldns/ldns.h>
#include <sys/socket.h>

struct dns_engine;
struct loop;

struct dns_opts {
	unsigned timeout_ms;   /* whole budget of one query, retries included (default 2000) */
	unsigned retries;      /* UDP retransmissions within that budget (default 2) */
	unsigned max_inflight; /* queries on the wire at once; more wait in a queue (default 1024).
				  Each holds a socket: dns_engine_new() raises the soft
				  RLIMIT_NOFILE as needed, or lowers this to fit under it.
				  UDP sockets are reused for a few queries and as
				  many idle ones as this kept open in between
				  (see dns.c) */
	unsigned edns_size;    /* advertised EDNS0 buffer (default 1232) */
};
#define DNS_OPTS_INIT                                                                                        \
	{                                                                                                    \
		2000, 2, 1024, 1232                                                                          \
	}

/* Query flags. */
#define DNS_RD 0x1	/* recursion desired: set for resolvers, never for authoritative servers */
#define DNS_NO_EDNS 0x2 /* send without an OPT record */
#define DNS_TCP 0x4	/* use TCP from the start */
#define DNS_CHAOS                                                                                            \
	0x8 /* class CH instead of IN: the server's own identity (id.server,                                 \
	       hostname.bind: RFC 4892) */
#define DNS_DO                                                                                               \
	0x10 /* DNSSEC OK (RFC 3225): RRSIG, NSEC and NSEC3 records come with the answer;                    \
		ignored with DNS_NO_EDNS */

/* Errors an answer can carry (negative), 0 when a packet arrived. */
enum dns_error {
	DNS_OK = 0,
	DNS_ETIMEOUT = -1, /* no matching answer within timeout_ms */
	DNS_EREFUSED = -2, /* the host refused the connection (ICMP port unreachable, TCP RST) */
	/* This machine would not send: socket(), connect() or send() failed at
	 * once (no route, an address family the host lacks). Says nothing about
	 * the server; every failure the server or the network causes is one of
	 * the other errors. */
	DNS_ENETWORK = -3,
	DNS_EMALFORMED = -4, /* an answer arrived, matched, but ldns could not parse it */
	DNS_EDEAD = -5,	     /* not sent: the server timed out earlier and has never answered */
	DNS_ENOMEM = -6,
	/* a qname that is not a domain name, an address that is neither IPv4
	 * nor IPv6 (returned by dns_query()), or a query ldns cannot build
	 * (through the callback) */
	DNS_EINVAL = -7,
	DNS_ECLOSED = -8,   /* the server closed the TCP connection before a whole matching answer */
	DNS_ERESET = -9,    /* the server reset the connection (TCP RST after it was set up) */
	DNS_EUNREACH = -10, /* a network error reported after sending (ICMP host or network
			       unreachable, a TCP connect that failed) */
	DNS_ENOFD = -11	    /* no file descriptor came free for a long time (see dns.c) */
};

/* The dead-server rule. Queries run concurrently, so a server that never
 * answers costs one timeout for everything on the wire to it. Beyond that
 * the engine keeps a table keyed by server address and port: once a query to
 * a server has timed out and that server has never sent an answer that
 * matched (a malformed one included; a truncated one does not count, as it
 * answers nothing until TCP brings the rest), new queries to it fail at once with
 * DNS_EDEAD (through their callback, as always), and queries already waiting
 * in the queue fail so when they reach its head. Queries already on the wire
 * keep their own deadline. A single valid answer from the server clears the
 * mark for good, and the mark also lapses after 60 seconds, so a
 * long-running process tries the server again.
 *
 * Matching: an answer is accepted only when its source address and port,
 * ID and question (name case-insensitively, type, class IN, or CH with DNS_CHAOS) match and QR is
 * set; anything else is counted in dns_stats.mismatched and ignored. The one
 * exception is FORMERR or NOTIMP with an empty question section, which a
 * server that could not parse the query may send; it is accepted on ID and
 * address. Every TTL with the top bit set in an accepted answer is made 0
 * (RFC 2181 section 8), so no reader ever sees one.
 *
 * Budget: timeout_ms holds however the server sends. Reading stops at the
 * deadline even while bytes keep coming (a TCP stream of zeros, of answers
 * to other questions, a flood of datagrams), and the loop gets its turn back
 * after a bounded number of messages.
 *
 * Descriptors: a query that finds none free waits in the queue (a truncated
 * one, for its TCP socket, at the head, with what is left of its budget)
 * until one is; it is never failed for want of one, unless none comes free
 * for 30 seconds (DNS_ENOFD). */
/* How the engine takes one message from a query's server (the matching
 * above), for handle_answer() in dns.c and for the fuzz harness: */
enum dns_verdict {
	DNS_V_IGNORE,	 /* not an answer to this query: wrong ID, QR=0, another question */
	DNS_V_ANSWER,	 /* the answer: *out holds it, its TTLs clamped */
	DNS_V_MALFORMED, /* an answer to this query (its question matches) that ldns cannot parse */
	DNS_V_TRUNCATED, /* TC=1 over UDP: ask again over TCP */
	DNS_V_NOMEM
};
/* Judge the message buf (len bytes, from the query's server) as the answer
 * to the query id for qname/qtype, received over TCP when tcp is set. *out
 * is the parsed answer as the engine delivers it (the caller frees it with
 * ldns_pkt_free) for DNS_V_ANSWER, else NULL. A pure function: no engine,
 * no socket. */
enum dns_verdict dns_judge_message(uint16_t id, const ldns_rdf *qname, ldns_rr_type qtype, const uint8_t *buf,
				   size_t len, int tcp, ldns_pkt **out);
/* The same for a question of class qclass (DNS_CHAOS queries: CH). */
enum dns_verdict dns_judge_message_class(uint16_t id, const ldns_rdf *qname, ldns_rr_type qtype,
					 ldns_rr_class qclass, const uint8_t *buf, size_t len, int tcp,
					 ldns_pkt **out);

/* A short lower-case text for an error ("timed out", "connection refused", ...). */
const char *dns_strerror(int err);
/* The enum dns_error for errno err of a socket call; local when the call
 * was this machine's own refusal to send (socket(), a first connect()). */
int dns_errno_error(int err, int local);

struct dns_answer {
	int err;	 /* enum dns_error */
	ldns_pkt *pkt;	 /* the answer when err == 0; the callback owns it and must
			    ldns_pkt_free() it or keep it */
	unsigned rtt_ms; /* time from first send to answer */
	double received; /* wall clock when the answer arrived (seconds since the epoch), 0 on error */
	int tcp;	 /* the answer came over TCP */
	size_t size;	 /* answer size in bytes */
};

/* Called once per query, from the loop (never from inside dns_query()), with
 * the outcome. */
typedef void (*dns_callback)(void *arg, struct dns_answer *ans);

/* Create an engine on loop; opts may be NULL for the defaults. Returns 0, or
 * -1 with errno set. *out is NULL on failure. */
int dns_engine_new(struct loop *loop, const struct dns_opts *opts, struct dns_engine **out);
/* Free the engine, before its loop. Queries still pending are dropped without
 * callbacks; do not run the loop again once it is freed. */
void dns_engine_free(struct dns_engine *e);

/* Queue a query for qname/qtype (class IN, or CH with DNS_CHAOS) to the server at addr. The engine
 * copies addr and qname. It goes on the wire at once when fewer than
 * max_inflight are, else when one finishes (first in, first out); timeout_ms
 * counts from then. The callback runs later, never from inside dns_query(),
 * and exactly once when this returns 0 (DNS_EDEAD too comes through the
 * callback). Returns 0, or a negative enum dns_error when it could not even be
 * queued (DNS_EINVAL). */
int dns_query(struct dns_engine *e, const struct sockaddr *addr, socklen_t addrlen, const ldns_rdf *qname,
	      ldns_rr_type qtype, unsigned flags, dns_callback cb, void *arg);

/* Queries queued or on the wire. */
size_t dns_pending(const struct dns_engine *e);
/* Queries on the wire now (sent, not answered nor timed out). */
size_t dns_in_flight(const struct dns_engine *e);
/* The budget of one query (dns_opts.timeout_ms), for work of the same kind
 * done beside the engine (zone transfers, xfr.h). */
unsigned dns_engine_timeout_ms(const struct dns_engine *e);

struct dns_stats {
	unsigned long sent, received, timeouts, tcp_fallbacks, mismatched, retransmits;
};
void dns_engine_stats(const struct dns_engine *e, struct dns_stats *out);

/* The address alone ("192.0.2.1", "2001:db8::1") into buf, and its port in
 * *port (when port is not NULL). Returns 0, or -1 (buf then says why) when
 * addr is neither IPv4 nor IPv6. */
int dns_addr_host(const struct sockaddr *addr, char *buf, size_t len, unsigned *port);
/* Format addr as "192.0.2.1" or "2001:db8::1", with "#port" when the port is
 * not 53, into buf. Returns buf. */
char *dns_addr_str(const struct sockaddr *addr, char *buf, size_t len);
/* Parse "ADDR[#PORT]" (IPv4 or IPv6, port default 53). Returns 0, or -1. */
int dns_addr_parse(const char *text, struct sockaddr_storage *out, socklen_t *outlen);
/* The address of an A or AAAA record, port 53, into *out. Returns 0, or -1
 * for any other record (or one whose rdata is not an address). */
int dns_rr_addr(const ldns_rr *rr, struct sockaddr_storage *out, socklen_t *outlen);
/* The rdata of rr in canonical presentation form ("10 mail.example.org.":
 * names lower case), a new string the caller frees. */
char *dns_rr_rdata_text(const ldns_rr *rr);
/* A value as a user wrote it for type ("10 Mail.example.org"), in the form
 * of dns_rr_rdata_text() ("10 mail.example.org."): a new string, or NULL
 * when it does not parse as that type. */
char *dns_rdata_canonical(ldns_rr_type type, const char *text);
/* Append a TXT record's character-strings, joined (RFC 7208 3.3, RFC 6376
 * 3.6.2.2), to sb: any bytes, NUL too (sb keeps the length). */
struct strbuf;
void dns_txt_join(const ldns_rr *rr, struct strbuf *sb);

#endif
