/* The embedded recursive resolver and delegation discovery.
 *
 * libunbound runs inside the reactor's event_base (ub_ctx_create_event): no
 * thread, no pipe, and its answers arrive as wire packets that ldns parses.
 * In front of it sits a small cache of parsed answers: concurrent identical
 * lookups share one libunbound query, and an answer is reused until its TTL
 * runs out, so a thousand domains under one TLD cost one lookup of that
 * TLD's servers while a gate that re-checks for hours still sees new data.
 * The cache holds at most CACHE_MAX answers and drops the least recently
 * used beyond that, so memory stays flat however many names are looked up.
 *
 * Discovery asks the resolver only to find the parent zone and addresses; the
 * delegation itself is read directly from the parent's servers (RD=0), since
 * a recursive answer shows the child's NS set and hides the parent's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <unbound.h>
#include <unbound-event.h>

#include "dns.h"
#include "loop.h"
#include "names.h"
#include "resolve.h"
#include "ttl.h"

#define SYSTEM_ROOT_HINTS "/usr/share/dns/root.hints"
#define SYSTEM_TRUST_ANCHOR "/usr/share/dns/root.key"

/* Answers kept at most; beyond, the least recently used that nobody holds
 * goes. A few thousand covers every shared name (TLDs, name servers) of a
 * large run; names asked once per domain are evicted as the run moves on. */
#define CACHE_MAX 4096
/* Lookups handed to libunbound at once; the rest wait in a queue. libunbound
 * keeps some tens of kilobytes of state a lookup in flight and does its work
 * on one thread, so past a few hundred more in flight only cost memory: with
 * the mail checks' ~40 lookups a domain, -j 64 held 2,500 at once and 74 MB
 * for no gain in speed (perf: the time is libunbound's and the kernel's
 * sockets). A lookup given up on (past its budget) frees its place at once
 * although libunbound may still work on it: the bound is on lookups waited
 * for, so that a dead server never holds the queue for longer than the
 * budget; libunbound's own retry limits and dead-server marking bound the
 * rest. */
#define INFLIGHT_MAX 256
#define MEMO_BUCKETS 8192
/* How long a failure (SERVFAIL, a timeout) is remembered, so that a thousand
 * domains under a broken TLD do not each wait out the same failure again.
 * RFC 9520 asks for at least 1 s and at most 5 minutes. */
#define FAILURE_TTL_S 30

struct disc;

struct waiter {
	resolver_cb cb;
	void *arg;
	struct waiter *next;
};

/* One lookup in libunbound. It outlives its memo when the memo gave up on it
 * (budget exceeded) or was dropped: libunbound then calls back into a request
 * whose memo is NULL, and the request is freed there. */
struct ub_req {
	struct memo *m;
	struct resolver *r;
	struct ub_req *prev, *next; /* every request libunbound still holds */
};

struct memo {
	char *name;
	ldns_rr_type type;
	int done;
	int cached;    /* in the hash table and the LRU list */
	unsigned refs; /* holders: waiters being delivered, resolver_result_hold() */
	uint64_t expires_us;
	uint64_t asked_us;
	struct resolver_result res;
	ldns_pkt *pkt;
	char *err;
	struct waiter *waiters;
	struct ub_req *req;
	struct loop_timer *budget;
	struct memo *next;		  /* hash chain */
	struct memo *lru_prev, *lru_next; /* most recent first */
	struct memo *ready_next;	  /* waiting for delivery */
	struct memo *all_prev, *all_next; /* every memo alive, for resolver_free() */
	struct memo *queue_next;	  /* waiting to be handed to libunbound */
	int sent;			  /* handed to libunbound, not done: counted in inflight */
	int on_ready;
	struct resolver *r;
};

struct resolver {
	struct ub_ctx *ub;
	struct loop *loop;
	struct dns_engine *engine;
	struct memo *buckets[MEMO_BUCKETS];
	struct memo *lru_head, *lru_tail;
	size_t cached;
	/* Answers already known are delivered from the loop, never from inside
	 * resolver_lookup(). */
	struct memo *ready_head, *ready_tail;
	int deliver_scheduled;
	struct ub_req *reqs;
	struct disc *discs;
	struct memo *all;	      /* every memo alive, cached or not */
	unsigned query_ms;	      /* --timeout: one query's budget */
	unsigned timeout_ms;	      /* one lookup's: RESOLVER_LOOKUP_FACTOR times query_ms */
	int forwarding;		      /* to --resolver, rather than from the root */
	struct server_spec *given_ns; /* --ns (names our own copies) */
	size_t n_given_ns;
	struct resolver_stats stats;
	unsigned inflight;		      /* memos handed to libunbound, not done */
	struct memo *queue_head, *queue_tail; /* memos waiting for a place */
	int pump_scheduled;
};

static unsigned long memo_hash(const char *name, ldns_rr_type type)
{
	unsigned long h = 5381 + type;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = h * 33 + (unsigned long)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	return h % MEMO_BUCKETS;
}

static void memo_free(struct memo *m)
{
	if (m->all_prev)
		m->all_prev->all_next = m->all_next;
	else
		m->r->all = m->all_next;
	if (m->all_next)
		m->all_next->all_prev = m->all_prev;
	struct waiter *w = m->waiters;
	while (w) {
		struct waiter *wn = w->next;
		free(w);
		w = wn;
	}
	if (m->req)
		m->req->m = NULL;
	loop_timer_free(m->budget);
	if (m->pkt)
		ldns_pkt_free(m->pkt);
	free(m->err);
	free(m->name);
	free(m);
}

static void lru_unlink(struct resolver *r, struct memo *m)
{
	if (m->lru_prev)
		m->lru_prev->lru_next = m->lru_next;
	else
		r->lru_head = m->lru_next;
	if (m->lru_next)
		m->lru_next->lru_prev = m->lru_prev;
	else
		r->lru_tail = m->lru_prev;
	m->lru_prev = m->lru_next = NULL;
}

static void lru_push(struct resolver *r, struct memo *m)
{
	m->lru_prev = NULL;
	m->lru_next = r->lru_head;
	if (r->lru_head)
		r->lru_head->lru_prev = m;
	else
		r->lru_tail = m;
	r->lru_head = m;
}

/* Take m out of the cache; it is freed now, or by the last holder. */
static void memo_uncache(struct resolver *r, struct memo *m)
{
	if (!m->cached)
		return;
	struct memo **pp = &r->buckets[memo_hash(m->name, m->type)];
	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	m->next = NULL;
	lru_unlink(r, m);
	m->cached = 0;
	r->cached--;
	if (m->refs == 0 && m->done && !m->on_ready)
		memo_free(m);
}

/* Drop the least recently used answers beyond CACHE_MAX. A lookup still
 * running stays (later identical lookups join it); an answer someone holds
 * leaves the cache but lives until it is released. */
static void cache_trim(struct resolver *r)
{
	struct memo *m = r->lru_tail;
	while (r->cached > CACHE_MAX && m) {
		struct memo *prev = m->lru_prev;
		if (m->done && !m->on_ready) {
			memo_uncache(r, m);
			r->stats.evicted++;
		}
		m = prev;
	}
}

static struct memo *memo_of(const struct resolver_result *res)
{
	return (struct memo *)((char *)res - offsetof(struct memo, res));
}

const struct resolver_result *resolver_result_hold(const struct resolver_result *res)
{
	memo_of(res)->refs++;
	return res;
}

void resolver_result_release(const struct resolver_result *res)
{
	if (!res)
		return;
	struct memo *m = memo_of(res);
	if (--m->refs == 0 && !m->cached && !m->on_ready)
		memo_free(m);
}

/* Deliver the waiters of every memo on the ready list. */
static void deliver_ready(void *arg)
{
	struct resolver *r = arg;
	r->deliver_scheduled = 0;
	while (r->ready_head) {
		struct memo *m = r->ready_head;
		r->ready_head = m->ready_next;
		if (!r->ready_head)
			r->ready_tail = NULL;
		m->ready_next = NULL;
		m->on_ready = 0;
		m->refs++; /* a callback may drop the last other hold */
		struct waiter *w = m->waiters;
		m->waiters = NULL;
		while (w) {
			struct waiter *next = w->next;
			w->cb(w->arg, &m->res);
			free(w);
			w = next;
		}
		resolver_result_release(&m->res);
	}
}

static void schedule(struct resolver *r, struct memo *m)
{
	if (m->on_ready)
		return;
	m->on_ready = 1;
	m->ready_next = NULL;
	if (r->ready_tail)
		r->ready_tail->ready_next = m;
	else
		r->ready_head = m;
	r->ready_tail = m;
	if (!r->deliver_scheduled) {
		r->deliver_scheduled = 1;
		loop_defer(r->loop, deliver_ready, r);
	}
}

/* Seconds an answer may be reused: its smallest TTL; and when it is
 * negative -- NXDOMAIN, or no record of the type asked at the end of a CNAME
 * chain -- no longer than the negative-caching TTL of RFC 2308 (the SOA's TTL
 * or MINIMUM, whichever is smaller), so an alias does not keep a name's
 * absence cached for the alias's day-long TTL. */
static uint32_t answer_ttl(const ldns_pkt *pkt, ldns_rr_type type)
{
	uint32_t ttl = UINT32_MAX;
	int positive = 0;
	ldns_rr_list *ans = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_ttl(rr) < ttl)
			ttl = ldns_rr_ttl(rr);
		if (ldns_rr_get_type(rr) == type || type == LDNS_RR_TYPE_ANY)
			positive = 1;
	}
	if (positive && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR)
		return ttl;
	ldns_rr_list *auth = ldns_pkt_authority(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 7)
			continue;
		uint32_t neg = ttl_negative(ldns_rr_ttl(rr), ldns_rdf2native_int32(ldns_rr_rdf(rr, 6)));
		return neg < ttl ? neg : ttl;
	}
	/* Negative without an SOA: not to be reused. */
	return 0;
}

/* The memo's outcome is known: remember it as long as it may be reused. */
static void pump(void *arg);
static void memo_send(struct resolver *r, struct memo *m);

static void memo_done(struct memo *m)
{
	struct resolver *r = m->r;
	uint64_t now = loop_now_us();
	m->done = 1;
	if (m->sent) {
		/* A place is free: the next queued lookup goes from the loop,
		 * not from inside libunbound's callback. */
		m->sent = 0;
		r->inflight--;
		if (r->queue_head && !r->pump_scheduled && loop_defer(r->loop, pump, r) == 0)
			r->pump_scheduled = 1;
	}
	loop_timer_stop(m->budget);
	m->res.err = m->err;
	m->res.pkt = m->pkt;
	m->res.received = loop_wall_time();
	m->res.rtt_ms = (unsigned)((now - m->asked_us) / 1000);
	uint64_t ttl = m->pkt && !m->err ? answer_ttl(m->pkt, m->type) : FAILURE_TTL_S;
	m->expires_us = now + ttl * 1000000;
	if (m->err)
		r->stats.failed++;
	schedule(r, m);
}

/* Take req off the resolver's list and free it. */
static void req_free(struct ub_req *req)
{
	if (req->prev)
		req->prev->next = req->next;
	else
		req->r->reqs = req->next;
	if (req->next)
		req->next->prev = req->prev;
	free(req);
}

/* Whether pkt's question is name/type. */
static int answers(const ldns_pkt *pkt, const char *name, ldns_rr_type type)
{
	const ldns_rr_list *q = ldns_pkt_question(pkt);
	if (ldns_rr_list_rr_count(q) != 1)
		return 0;
	const ldns_rr *rr = ldns_rr_list_rr(q, 0);
	ldns_rdf *want = NULL;
	if (ldns_rr_get_type(rr) != type || ldns_str2rdf_dname(&want, name) != LDNS_STATUS_OK)
		return 0;
	int same = ldns_dname_compare(ldns_rr_owner(rr), want) == 0;
	ldns_rdf_deep_free(want);
	return same;
}

static void ub_done(void *arg, int rcode, void *packet, int packet_len, int sec, char *why_bogus,
		    int was_ratelimited)
{
	struct ub_req *req = arg;
	struct memo *m = req->m;
	(void)was_ratelimited;
	req_free(req);
	if (!m) /* given up on, or dropped */
		return;
	m->req = NULL;
	/* A failure comes with rcode set and, in the event API, with whatever
	 * the worker's buffer last held (another query's upstream reply):
	 * the packet is an answer only when rcode is 0. */
	if (rcode == 0 && packet && packet_len > 0) {
		if (ldns_wire2pkt(&m->pkt, packet, (size_t)packet_len) != LDNS_STATUS_OK) {
			m->err = xstrdup("malformed answer");
			m->pkt = NULL;
		} else if (!answers(m->pkt, m->name, m->type)) {
			ldns_pkt_free(m->pkt);
			m->pkt = NULL;
			m->res.rcode = LDNS_RCODE_SERVFAIL;
			m->err = xstrdup("an answer to another question");
		} else {
			m->res.rcode = ldns_pkt_get_rcode(m->pkt);
			if (m->res.rcode == LDNS_RCODE_SERVFAIL)
				m->err = xstrdup(sec == 1 && why_bogus ? why_bogus : "SERVFAIL");
		}
	} else {
		m->res.rcode = rcode ? rcode : LDNS_RCODE_SERVFAIL;
		m->err = xstrdup(sec == 1 && why_bogus ? why_bogus : "SERVFAIL");
	}
	memo_done(m);
}

/* libunbound retries a dead server for many seconds; past the budget the
 * lookup fails here, and libunbound's late answer is dropped. */
static void budget_expired(void *arg)
{
	struct memo *m = arg;
	if (m->done)
		return;
	if (m->req) {
		m->req->m = NULL;
		m->req = NULL;
	}
	m->err = xasprintf("no answer within %u ms (%u x --timeout %u ms)", m->r->timeout_ms,
			   RESOLVER_LOOKUP_FACTOR, m->r->query_ms);
	m->r->stats.timeouts++;
	memo_done(m);
}

/* resolver_lookup(); an urgent lookup that must wait for a place goes to
 * the head of the queue. */
static int lookup(struct resolver *r, const char *name, ldns_rr_type type, resolver_cb cb, void *arg,
		  int urgent)
{
	unsigned long h = memo_hash(name, type);
	uint64_t now = loop_now_us();
	struct memo *m;
	for (m = r->buckets[h]; m; m = m->next)
		if (m->type == type && strcasecmp(m->name, name) == 0)
			break;
	if (m && m->done && now >= m->expires_us) {
		memo_uncache(r, m); /* stale: ask again */
		m = NULL;
	}
	struct waiter *w = xmalloc(sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->next = NULL;
	if (m) {
		/* Keep the waiters in arrival order. */
		struct waiter **tail = &m->waiters;
		while (*tail)
			tail = &(*tail)->next;
		*tail = w;
		lru_unlink(r, m);
		lru_push(r, m);
		r->stats.hits++;
		if (m->done)
			schedule(r, m);
		return 0;
	}
	m = xcalloc(1, sizeof(*m));
	m->name = xstrdup(name);
	m->type = type;
	m->r = r;
	m->all_next = r->all;
	if (r->all)
		r->all->all_prev = m;
	r->all = m;
	m->waiters = w;
	m->asked_us = now;
	m->next = r->buckets[h];
	r->buckets[h] = m;
	m->cached = 1;
	r->cached++;
	lru_push(r, m);
	r->stats.lookups++;
	m->budget = loop_timer_new(r->loop, budget_expired, m);
	if (r->inflight >= INFLIGHT_MAX || r->queue_head) {
		if (urgent) {
			m->queue_next = r->queue_head;
			r->queue_head = m;
			if (!r->queue_tail)
				r->queue_tail = m;
		} else if (r->queue_tail) {
			r->queue_tail->queue_next = m;
			r->queue_tail = m;
		} else {
			r->queue_head = r->queue_tail = m;
		}
	} else {
		memo_send(r, m);
	}
	cache_trim(r);
	return 0;
}

int resolver_lookup(struct resolver *r, const char *name, ldns_rr_type type, resolver_cb cb, void *arg)
{
	return lookup(r, name, type, cb, arg, 0);
}

/* Hand queued lookups to libunbound while there is room. */
static void pump(void *arg)
{
	struct resolver *r = arg;
	r->pump_scheduled = 0;
	while (r->queue_head && r->inflight < INFLIGHT_MAX) {
		struct memo *m = r->queue_head;
		r->queue_head = m->queue_next;
		if (!r->queue_head)
			r->queue_tail = NULL;
		m->queue_next = NULL;
		memo_send(r, m);
	}
}

/* Hand m to libunbound; its budget counts from now. */
static void memo_send(struct resolver *r, struct memo *m)
{
	const char *name = m->name;
	ldns_rr_type type = m->type;
	m->asked_us = loop_now_us();
	struct ub_req *req = xcalloc(1, sizeof(*req));
	req->m = m;
	req->r = r;
	req->next = r->reqs;
	if (r->reqs)
		r->reqs->prev = req;
	r->reqs = req;
	m->req = req;
	int rc = ub_resolve_event(r->ub, name, type, LDNS_RR_CLASS_IN, req, ub_done, NULL);
	if (rc != 0) {
		/* Not queued: libunbound will not call back. */
		req_free(req);
		m->req = NULL;
		m->err = xstrdup(ub_strerror(rc));
		memo_done(m);
	} else if (!m->done) {
		m->sent = 1;
		r->inflight++;
		if (r->inflight > r->stats.inflight_max)
			r->stats.inflight_max = r->inflight;
		loop_timer_start(m->budget, (uint64_t)r->timeout_ms * 1000);
	}
}

void resolver_stats(const struct resolver *r, struct resolver_stats *out)
{
	*out = r->stats;
	out->cached = r->cached;
}

size_t resolver_in_flight(const struct resolver *r)
{
	return r->inflight;
}

static int file_readable(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Whether a root hints file names a server on 127.0.0.0/8 or ::1: only then
 * is libunbound allowed to query loopback addresses. */
static int hints_name_loopback(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[512];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		if (strstr(line, " 127.") || strstr(line, "\t127.") || strstr(line, "::1"))
			found = 1;
	fclose(f);
	return found;
}

/* Zones libunbound answers itself by default (RFC 6761 and RFC 5737 names);
 * with the user's own root they must reach that root instead. */
static const char *const special_zones[] = {
	"test.",
	"invalid.",
	"2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
	"127.in-addr.arpa.",
};

int resolver_new(struct loop *loop, struct dns_engine *e, const struct resolver_opts *opts,
		 struct resolver **out, char *err, size_t errlen)
{
	struct resolver *r = xcalloc(1, sizeof(*r));
	int rc = -1;
	*out = NULL;
	r->loop = loop;
	r->engine = e;
	r->query_ms = opts->timeout_ms ? opts->timeout_ms : 2000;
	r->timeout_ms = r->query_ms * RESOLVER_LOOKUP_FACTOR;
	r->forwarding = opts->forwarder != NULL;
	if (opts->n_given_ns) {
		r->given_ns = xcalloc(opts->n_given_ns, sizeof(*r->given_ns));
		for (size_t i = 0; i < opts->n_given_ns; i++) {
			r->given_ns[i] = opts->given_ns[i];
			r->given_ns[i].name = opts->given_ns[i].name ? xstrdup(opts->given_ns[i].name) : NULL;
		}
		r->n_given_ns = opts->n_given_ns;
	}
	r->ub = ub_ctx_create_event(loop_event_base(loop));
	if (!r->ub) {
		snprintf(err, errlen, "cannot create the embedded resolver");
		goto out;
	}
	if (opts->forwarder) {
		struct sockaddr_storage ss;
		socklen_t len;
		char addr[INET6_ADDRSTRLEN], fwd[INET6_ADDRSTRLEN + 8];
		if (dns_addr_parse(opts->forwarder, &ss, &len) != 0) {
			snprintf(err, errlen, "invalid resolver address '%s' (want ADDR[#PORT])",
				 opts->forwarder);
			goto out;
		}
		unsigned port;
		dns_addr_host((struct sockaddr *)&ss, addr, sizeof(addr), &port);
		snprintf(fwd, sizeof(fwd), "%s@%u", addr, port);
		int local =
			ss.ss_family == AF_INET ? strncmp(addr, "127.", 4) == 0 : strcmp(addr, "::1") == 0;
		if (local)
			ub_ctx_set_option(r->ub, "do-not-query-localhost:", "no");
		if (ub_ctx_set_fwd(r->ub, fwd) != 0) {
			snprintf(err, errlen, "cannot use resolver '%s'", opts->forwarder);
			goto out;
		}
		/* A forwarder's answers are not validated here: the user chose
		 * to trust it, and it may not pass DNSSEC records through. */
		ub_ctx_set_option(r->ub, "module-config:", "iterator");
		for (size_t i = 0; i < ARRAY_SIZE(special_zones); i++)
			ub_ctx_zone_remove(r->ub, special_zones[i]);
	} else {
		const char *hints = opts->root_hints ? opts->root_hints : SYSTEM_ROOT_HINTS;
		if (!file_readable(hints)) {
			if (opts->root_hints) {
				snprintf(err, errlen, "cannot read root hints '%s': %s", hints,
					 strerror(errno));
				goto out;
			}
			hints = NULL; /* libunbound's compiled-in root servers */
		}
		if (hints && ub_ctx_set_option(r->ub, "root-hints:", hints) != 0) {
			snprintf(err, errlen, "cannot use root hints '%s'", hints);
			goto out;
		}
		if (opts->root_hints) {
			if (hints_name_loopback(hints))
				ub_ctx_set_option(r->ub, "do-not-query-localhost:", "no");
			for (size_t i = 0; i < ARRAY_SIZE(special_zones); i++)
				ub_ctx_zone_remove(r->ub, special_zones[i]);
		}
		const char *ta = opts->trust_anchor;
		if (!ta && !opts->root_hints && file_readable(SYSTEM_TRUST_ANCHOR))
			ta = SYSTEM_TRUST_ANCHOR;
		if (ta) {
			if (!file_readable(ta)) {
				snprintf(err, errlen, "cannot read trust anchor '%s': %s", ta,
					 strerror(errno));
				goto out;
			}
			if (ub_ctx_add_ta_file(r->ub, ta) != 0) {
				snprintf(err, errlen, "cannot use trust anchor '%s'", ta);
				goto out;
			}
		} else {
			/* A private root is unsigned: iterate without validating. */
			ub_ctx_set_option(r->ub, "module-config:", "iterator");
		}
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	resolver_free(r);
	return rc;
}

static void disc_free(struct disc *ds);

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	/* Discoveries still running (a run cut short) end here; their
	 * callbacks never run. */
	while (r->discs)
		disc_free(r->discs);
	if (r->ub)
		ub_ctx_delete(r->ub); /* its pending lookups end without callbacks */
	while (r->reqs) {
		struct ub_req *req = r->reqs;
		r->reqs = req->next;
		if (req->m)
			req->m->req = NULL;
		free(req);
	}
	/* Cached or not, held or waiting for delivery: all go. */
	while (r->all)
		memo_free(r->all);
	for (size_t i = 0; i < r->n_given_ns; i++)
		free((char *)r->given_ns[i].name);
	free(r->given_ns);
	free(r);
}

/* --- delegation discovery ------------------------------------------------ */

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[INET6_ADDRSTRLEN];
};

struct nsname {
	const char *name; /* for a server given by address alone (--ns), the address */
	int unnamed;
	struct addr *addrs;
	size_t n_addrs, alloc_addrs;
	int glued;
	int looking; /* address lookups not yet answered */
};

struct glue {
	const char *name;
	struct addr addr;
};

struct nsset {
	struct nsname *v;
	size_t n, alloc;
};

struct disc {
	struct disc *live_prev, *live_next; /* every discovery running, for resolver_free() */
	struct resolver *r;
	struct arena *a;
	struct delegation *d;
	void (*cb)(void *arg, struct delegation *d);
	void *arg;
	ldns_rdf *zone_rdf;
	int pending;
	void (*next)(struct disc *ds);
	struct nsset parent_servers; /* the parent zone's own servers */
	struct nsset zone_servers;   /* NS names of the zone, parent's then child's */
	/* what the parent's servers said */
	int parent_nx, parent_nodata;
	size_t parent_next; /* parent server addresses asked so far */
	const char *parent_err;
	const char **pns;
	size_t n_pns, alloc_pns;
	struct glue *glue;
	size_t n_glue, alloc_glue;
	struct glue *foreign; /* glue for NS names outside the parent's zone */
	size_t n_foreign, alloc_foreign;
	int parent_upward;   /* referrals away from the zone: the server is lame */
	const char *upward;  /* one of them, for the message */
	size_t parent_round; /* addresses asked in the last round */
	int referred;	     /* the referral is judged: d->parent_ns is set */
	const char *soa_err; /* why the parent zone was not found */
	const char *late;    /* "within N ms (...)" once the budget ran out */
	/* The budget of the whole discovery. Past it, cb runs with what is
	 * known; the callbacks still due (outstanding) are drained and dropped
	 * (delivered), and the last one frees the discovery. Requests live in
	 * work, not in the caller's arena, which may be gone by then. */
	struct arena work;
	struct loop_timer *budget;
	uint64_t deadline_us;
	int outstanding;
	int delivered;
	/* the child NS set, from the first server (in zone_servers order) */
	struct child_answer {
		const char **ns;
		size_t n;
		int ok;
		const char *label;
		int err; /* the answer itself, handed on to the servers */
		ldns_pkt *pkt;
		int answered;
	} * child;
	size_t n_child;
	int given; /* --ns: the zone's servers are the given ones, and only those */
};

struct addr_req {
	struct disc *ds;
	struct nsset *set;
	size_t idx;
};

struct query_req {
	struct disc *ds;
	size_t idx; /* into ds->child, for the child's NS answers */
	const char *label;
};

static void stage_query_parent(struct disc *ds);

/* Whether a parent server address is still unasked. */
static int parent_unasked(const struct disc *ds)
{
	size_t total = 0;
	for (size_t i = 0; i < ds->parent_servers.n; i++)
		total += ds->parent_servers.v[i].n_addrs;
	return ds->parent_next < total;
}

static void disc_step_done(struct disc *ds)
{
	if (--ds->pending == 0)
		ds->next(ds);
}

/* A callback of ds has come in. Returns 1 when ds was already delivered:
 * the callback then only lets go of what it got (the last one frees ds). */
static int disc_late(struct disc *ds)
{
	ds->outstanding--;
	if (!ds->delivered)
		return 0;
	if (ds->outstanding == 0)
		disc_free(ds);
	return 1;
}

/* resolver_lookup() and dns_query() for discovery: each callback due is
 * counted in outstanding. Discovery's lookups go before the checks' in the
 * resolver's queue: its budget runs from its start, and every check of the
 * domain waits for it. */
static void disc_lookup(struct disc *ds, const char *name, ldns_rr_type type, resolver_cb cb, void *arg)
{
	ds->outstanding++;
	lookup(ds->r, name, type, cb, arg, 1);
}

static int disc_query(struct disc *ds, const struct addr *ad, ldns_rr_type type, dns_callback cb, void *arg)
{
	int rc = dns_query(ds->r->engine, (const struct sockaddr *)&ad->ss, ad->len, ds->zone_rdf, type, 0,
			   cb, arg);
	if (rc == 0)
		ds->outstanding++;
	return rc;
}

/* Free the discovery's working state (not the delegation, in the arena). */
static void disc_free(struct disc *ds)
{
	if (ds->live_prev)
		ds->live_prev->live_next = ds->live_next;
	else
		ds->r->discs = ds->live_next;
	if (ds->live_next)
		ds->live_next->live_prev = ds->live_prev;
	for (size_t i = 0; i < ds->parent_servers.n; i++)
		free(ds->parent_servers.v[i].addrs);
	for (size_t i = 0; i < ds->zone_servers.n; i++)
		free(ds->zone_servers.v[i].addrs);
	free(ds->parent_servers.v);
	free(ds->zone_servers.v);
	free(ds->pns);
	free(ds->glue);
	free(ds->foreign);
	loop_timer_free(ds->budget);
	arena_release(&ds->work);
	for (size_t i = 0; i < ds->n_child; i++)
		if (ds->child[i].pkt)
			ldns_pkt_free(ds->child[i].pkt);
	free(ds->child);
	ldns_rdf_deep_free(ds->zone_rdf);
	free(ds);
}

static void disc_finish(struct disc *ds, enum delegation_status status, const char *error)
{
	ds->d->status = status;
	ds->d->error = error;
	void (*cb)(void *, struct delegation *) = ds->cb;
	void *arg = ds->arg;
	struct delegation *d = ds->d;
	ds->delivered = 1;
	loop_timer_stop(ds->budget);
	if (ds->outstanding == 0)
		disc_free(ds);
	cb(arg, d);
}

static void on_parent_soa(void *arg, const struct resolver_result *res);

static void disc_budget_expired(void *arg);

/* List ds among the discoveries running and start its budget: the deadline
 * in ds->deadline_us (0: the whole budget from now). */
static void disc_live(struct disc *ds)
{
	if (!ds->live_prev && ds->r->discs != ds) {
		ds->live_next = ds->r->discs;
		if (ds->live_next)
			ds->live_next->live_prev = ds;
		ds->r->discs = ds;
	}
	uint64_t now = loop_now_us();
	if (!ds->deadline_us)
		ds->deadline_us = now + (uint64_t)ds->r->query_ms * RESOLVER_DISCOVERY_FACTOR * 1000;
	ds->budget = loop_timer_new(ds->r->loop, disc_budget_expired, ds);
	loop_timer_start(ds->budget, ds->deadline_us > now ? ds->deadline_us - now : 0);
}

/* Start (or start over) discovering the delegation of zone for ds->d, by the
 * deadline in ds->deadline_us (0: the whole budget from now). */
static void disc_start(struct disc *ds, const char *zone)
{
	ds->d->zone = zone;
	ds->d->parent = NULL;
	ldns_str2rdf_dname(&ds->zone_rdf, zone);
	disc_live(ds);
	const char *dot = strchr(zone, '.');
	const char *candidate = dot[1] ? dot + 1 : ".";
	disc_lookup(ds, candidate, LDNS_RR_TYPE_SOA, on_parent_soa, ds);
}

/* Canonical text of a name rdf, from the arena. */
static const char *rdf_name(struct arena *a, const ldns_rdf *rdf)
{
	ldns_rdf *c = ldns_rdf_clone(rdf);
	ldns_dname2canonical(c);
	char *text = ldns_rdf2str(c);
	ldns_rdf_deep_free(c);
	const char *out = arena_strdup(a, text ? text : ".");
	free(text);
	return out;
}

static int addr_from_rr(const ldns_rr *rr, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (dns_rr_addr(rr, &out->ss, &out->len) != 0)
		return -1;
	return dns_addr_host((struct sockaddr *)&out->ss, out->text, sizeof(out->text), NULL);
}

static void nsname_add_addr(struct nsname *nn, const struct addr *ad)
{
	for (size_t i = 0; i < nn->n_addrs; i++)
		if (strcmp(nn->addrs[i].text, ad->text) == 0)
			return;
	*(struct addr *)xgrow(&nn->addrs, &nn->n_addrs, &nn->alloc_addrs, sizeof(*ad)) = *ad;
}

static size_t nsset_add(struct nsset *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return i;
	struct nsname *nn = xgrow(&set->v, &set->n, &set->alloc, sizeof(*nn));
	nn->name = name;
	return set->n - 1;
}

static void on_addr(void *arg, const struct resolver_result *res)
{
	struct addr_req *req = arg;
	if (disc_late(req->ds))
		return;
	struct nsname *nn = &req->set->v[req->idx];
	nn->looking--;
	if (res->pkt) {
		ldns_rr_list *ans = ldns_pkt_answer(res->pkt);
		for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			struct addr ad;
			if (addr_from_rr(ldns_rr_list_rr(ans, i), &ad) == 0)
				nsname_add_addr(nn, &ad);
		}
	}
	disc_step_done(req->ds);
}

/* Look up A and AAAA of every unglued name in set from index from; ds->next
 * must be set by the caller. */
static void lookup_addrs(struct disc *ds, struct nsset *set, size_t from)
{
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
	ds->pending++; /* hold the stage open while starting lookups */
	for (size_t i = from; i < set->n; i++) {
		if (set->v[i].glued)
			continue;
		for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
			struct addr_req *req = arena_alloc(&ds->work, sizeof(*req));
			req->ds = ds;
			req->set = set;
			req->idx = i;
			ds->pending++;
			set->v[i].looking++;
			disc_lookup(ds, set->v[i].name, types[t], on_addr, req);
		}
	}
	disc_step_done(ds);
}

static void stage_finish(struct disc *ds)
{
	struct delegation *d = ds->d;
	struct child_answer *ca = NULL;
	for (size_t i = 0; i < ds->n_child && !ca; i++)
		if (ds->child[i].ok)
			ca = &ds->child[i];
	if (ca) {
		d->child_ns = arena_alloc(ds->a, (ca->n + 1) * sizeof(char *));
		memcpy(d->child_ns, ca->ns, ca->n * sizeof(char *));
		d->n_child_ns = ca->n;
		qsort(d->child_ns, d->n_child_ns, sizeof(char *), str_cmp);
	}
	size_t total = 0;
	for (size_t i = 0; i < ds->zone_servers.n; i++)
		total += ds->zone_servers.v[i].n_addrs;
	d->servers = arena_alloc(ds->a, (total + 1) * sizeof(*d->servers));
	d->unresolved = arena_alloc(ds->a, (ds->zone_servers.n + 1) * sizeof(char *));
	d->unfinished = arena_alloc(ds->a, (ds->zone_servers.n + 1) * sizeof(char *));
	d->late = ds->late;
	/* Servers in name order, so reports are stable. */
	const char **names = xmalloc((ds->zone_servers.n + 1) * sizeof(char *));
	for (size_t i = 0; i < ds->zone_servers.n; i++)
		names[i] = ds->zone_servers.v[i].name;
	qsort(names, ds->zone_servers.n, sizeof(char *), str_cmp);
	for (size_t k = 0; k < ds->zone_servers.n; k++) {
		struct nsname *nn = NULL;
		for (size_t i = 0; i < ds->zone_servers.n; i++)
			if (ds->zone_servers.v[i].name == names[k])
				nn = &ds->zone_servers.v[i];
		unsigned roles = ds->given ? SERVER_PARENT | SERVER_GIVEN : 0;
		if (str_in(d->parent_ns, d->n_parent_ns, nn->name))
			roles |= SERVER_PARENT;
		if (str_in(d->child_ns, d->n_child_ns, nn->name))
			roles |= SERVER_CHILD;
		if (nn->n_addrs == 0)
			d->unresolved[d->n_unresolved++] = nn->name;
		if (nn->n_addrs == 0 && nn->looking > 0)
			d->unfinished[d->n_unfinished++] = nn->name;
		for (size_t j = 0; j < nn->n_addrs; j++) {
			struct ns_server *s = &d->servers[d->n_servers++];
			memset(s, 0, sizeof(*s));
			s->name = nn->unnamed ? NULL : nn->name;
			s->addr = nn->addrs[j].ss;
			s->addrlen = nn->addrs[j].len;
			memcpy(s->addr_text, nn->addrs[j].text, sizeof(s->addr_text));
			s->roles = roles;
			s->label = server_label(ds->a, s->name, s->addr_text);
			for (size_t c = 0; c < ds->n_child; c++) {
				struct child_answer *ch = &ds->child[c];
				if (ch->answered && ch->label && strcmp(ch->label, s->label) == 0) {
					s->ns_answered = 1;
					s->ns_err = ch->err;
					s->ns_pkt = ch->pkt;
					ch->pkt = NULL;
				}
			}
		}
	}
	free(names);
	if (d->n_servers == 0)
		disc_finish(ds, DELEG_NO_SERVERS,
			    ds->late ? arena_printf(ds->a, "no name server of the zone had an address %s",
						    ds->late)
				     : "no name server of the zone has an address");
	else
		disc_finish(ds, DELEG_OK, NULL);
}

static void on_child_ns(void *arg, struct dns_answer *ans)
{
	struct query_req *req = arg;
	struct disc *ds = req->ds;
	if (disc_late(ds)) {
		if (ans->pkt)
			ldns_pkt_free(ans->pkt);
		return;
	}
	struct child_answer *ca = &ds->child[req->idx];
	ca->label = req->label;
	if (ans->err == 0 && ldns_pkt_aa(ans->pkt) && ldns_pkt_get_rcode(ans->pkt) == LDNS_RCODE_NOERROR) {
		ldns_rr_list *rrs = ldns_pkt_answer(ans->pkt);
		size_t n = ldns_rr_list_rr_count(rrs);
		ca->ns = arena_alloc(ds->a, (n + 1) * sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			ldns_rr *rr = ldns_rr_list_rr(rrs, i);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
			    ldns_dname_compare(ldns_rr_owner(rr), ds->zone_rdf) != 0)
				continue;
			if (ldns_rr_rd_count(rr) < 1)
				continue; /* an NS record without its name: broken, not a server */
			const char *name = rdf_name(ds->a, ldns_rr_rdf(rr, 0));
			if (!str_in(ca->ns, ca->n, name))
				ca->ns[ca->n++] = name;
		}
		ca->ok = ca->n > 0;
	}
	/* Keep it: the ns check asks every server the same question. */
	ca->answered = 1;
	ca->err = ans->err;
	ca->pkt = ans->pkt;
	disc_step_done(ds);
}

static void stage_child_addrs(struct disc *ds)
{
	/* The NS set the zone publishes may name servers the parent does not
	 * (not with --ns: the given servers are the ones under test). */
	size_t from = ds->zone_servers.n;
	for (size_t i = 0; i < ds->n_child && !ds->given; i++) {
		if (!ds->child[i].ok)
			continue;
		for (size_t j = 0; j < ds->child[i].n; j++)
			nsset_add(&ds->zone_servers, ds->child[i].ns[j]);
		break;
	}
	ds->next = stage_finish;
	lookup_addrs(ds, &ds->zone_servers, from);
}

static void stage_query_child(struct disc *ds)
{
	size_t total = 0;
	for (size_t i = 0; i < ds->zone_servers.n; i++)
		total += ds->zone_servers.v[i].n_addrs;
	ds->child = xcalloc(total + 1, sizeof(*ds->child));
	ds->n_child = total;
	ds->next = stage_child_addrs;
	ds->pending++;
	size_t k = 0;
	for (size_t i = 0; i < ds->zone_servers.n; i++) {
		struct nsname *nn = &ds->zone_servers.v[i];
		for (size_t j = 0; j < nn->n_addrs; j++, k++) {
			if (k >= DELEG_SERVERS_MAX)
				continue; /* not asked by the checks either */
			struct query_req *req = arena_alloc(&ds->work, sizeof(*req));
			req->ds = ds;
			req->idx = k;
			req->label = server_label(&ds->work, nn->name, nn->addrs[j].text);
			ds->pending++;
			if (disc_query(ds, &nn->addrs[j], LDNS_RR_TYPE_NS, on_child_ns, req) != 0)
				ds->pending--;
		}
	}
	disc_step_done(ds);
}

/* The n glue records got from the parent's servers, each name and address
 * once (every server gives the same), as the delegation lists them. */
static struct delegation_glue *glue_list(struct disc *ds, const struct glue *got, size_t n, size_t *n_out)
{
	struct delegation_glue *out = arena_alloc(ds->a, (n + 1) * sizeof(*out));
	*n_out = 0;
	for (size_t g = 0; g < n; g++) {
		int seen = 0;
		for (size_t k = 0; k < *n_out && !seen; k++)
			seen = strcmp(out[k].name, got[g].name) == 0 &&
			       strcmp(out[k].address, got[g].addr.text) == 0;
		if (seen)
			continue;
		out[*n_out].name = got[g].name;
		out[*n_out].address = arena_strdup(ds->a, got[g].addr.text);
		(*n_out)++;
	}
	return out;
}

int delegation_has_glue(const struct delegation *d, const char *ns)
{
	for (size_t g = 0; g < d->n_glue; g++)
		if (strcmp(d->glue[g].name, ns) == 0)
			return 1;
	return 0;
}

static void stage_after_referral(struct disc *ds)
{
	struct delegation *d = ds->d;
	if (ds->n_pns == 0 && !ds->parent_nx && !ds->parent_nodata && parent_unasked(ds)) {
		stage_query_parent(ds); /* nothing to judge yet: ask the next few */
		return;
	}
	if (ds->n_pns == 0) {
		if (ds->parent_nx)
			disc_finish(ds, DELEG_NXDOMAIN,
				    arena_printf(ds->a, "%s does not exist (NXDOMAIN from the servers of %s)",
						 name_text(ds->a, d->zone), name_text(ds->a, d->parent)));
		else if (ds->parent_nodata && d->zone == d->name && strcmp(d->parent, ".") != 0) {
			/* The name exists but is no zone cut: check it within the
			 * zone that holds it, the parent just found. */
			struct disc *again = xcalloc(1, sizeof(*again));
			again->r = ds->r;
			again->a = ds->a;
			again->cb = ds->cb;
			again->arg = ds->arg;
			again->d = d;
			again->deadline_us = ds->deadline_us; /* one budget for both */
			const char *zone = d->parent;
			disc_free(ds);
			disc_start(again, zone);
		} else if (ds->parent_nodata)
			disc_finish(ds, DELEG_NOT_ZONE,
				    arena_printf(ds->a, "%s exists in %s but is not delegated",
						 name_text(ds->a, d->zone), name_text(ds->a, d->parent)));
		else if (ds->parent_upward)
			disc_finish(
				ds, DELEG_ERROR,
				arena_printf(ds->a,
					     "the servers of %s are lame for it: asked for the delegation of "
					     "%s, %s, an upward referral, not a delegation or an answer",
					     name_text(ds->a, d->parent), name_text(ds->a, d->zone),
					     ds->upward));
		else
			disc_finish(ds, DELEG_ERROR,
				    arena_printf(ds->a, "no server of %s gave a delegation for %s%s%s",
						 name_text(ds->a, d->parent), name_text(ds->a, d->zone),
						 ds->parent_err ? ": " : "",
						 ds->parent_err ? ds->parent_err : ""));
		return;
	}
	d->glue = glue_list(ds, ds->glue, ds->n_glue, &d->n_glue);
	d->foreign_glue = glue_list(ds, ds->foreign, ds->n_foreign, &d->n_foreign_glue);
	ds->referred = 1;
	d->parent_ns = arena_alloc(ds->a, (ds->n_pns + 1) * sizeof(char *));
	memcpy(d->parent_ns, ds->pns, ds->n_pns * sizeof(char *));
	d->n_parent_ns = ds->n_pns;
	qsort(d->parent_ns, d->n_parent_ns, sizeof(char *), str_cmp);
	for (size_t i = 0; i < d->n_parent_ns; i++) {
		size_t idx = nsset_add(&ds->zone_servers, d->parent_ns[i]);
		for (size_t g = 0; g < ds->n_glue; g++) {
			if (strcmp(ds->glue[g].name, d->parent_ns[i]) != 0)
				continue;
			nsname_add_addr(&ds->zone_servers.v[idx], &ds->glue[g].addr);
			ds->zone_servers.v[idx].glued = 1;
		}
	}
	ds->next = stage_query_child;
	lookup_addrs(ds, &ds->zone_servers, 0);
}

/* The owner of a referral in pkt that leads away from the zone -- up to an
 * ancestor (an upward referral, the mark of a lame server) or aside -- or
 * NULL when pkt is no such referral (it has authority, or an SOA: an answer
 * that the name exists without a delegation). */
static const char *referral_away(struct disc *ds, const ldns_pkt *pkt)
{
	if (ldns_pkt_aa(pkt) || ldns_rr_list_rr_count(ldns_pkt_answer(pkt)) > 0)
		return NULL;
	ldns_rr_list *auth = ldns_pkt_authority(pkt);
	const ldns_rr *ns = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			return NULL;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS && !ns &&
		    !ldns_dname_is_subdomain(ldns_rr_owner(rr), ds->zone_rdf))
			ns = rr;
	}
	return ns ? rdf_name(ds->a, ldns_rr_owner(ns)) : NULL;
}

static void on_referral(void *arg, struct dns_answer *ans)
{
	struct query_req *req = arg;
	struct disc *ds = req->ds;
	if (disc_late(ds)) {
		if (ans->pkt)
			ldns_pkt_free(ans->pkt);
		return;
	}
	if (ans->err) {
		ds->parent_err = arena_printf(ds->a, "%s: %s", req->label, dns_strerror(ans->err));
		goto out;
	}
	ldns_pkt_rcode rcode = ldns_pkt_get_rcode(ans->pkt);
	if (rcode == LDNS_RCODE_NXDOMAIN) {
		ds->parent_nx++;
		goto out;
	}
	if (rcode != LDNS_RCODE_NOERROR) {
		char *rc = ldns_pkt_rcode2str(rcode);
		ds->parent_err = arena_printf(ds->a, "%s: %s", req->label, rc ? rc : "error");
		free(rc);
		goto out;
	}
	/* A referral carries the NS set in the authority section; a server
	 * that is authoritative for the child too answers it directly. */
	ldns_rr_list *sections[] = {ldns_pkt_answer(ans->pkt), ldns_pkt_authority(ans->pkt)};
	int found = 0;
	for (size_t s = 0; s < ARRAY_SIZE(sections) && !found; s++) {
		for (size_t i = 0; i < ldns_rr_list_rr_count(sections[s]); i++) {
			ldns_rr *rr = ldns_rr_list_rr(sections[s], i);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS ||
			    ldns_dname_compare(ldns_rr_owner(rr), ds->zone_rdf) != 0)
				continue;
			if (ldns_rr_rd_count(rr) < 1)
				continue; /* an NS record without its name: broken, not a server */
			const char *name = rdf_name(ds->a, ldns_rr_rdf(rr, 0));
			found = 1;
			if (!str_in(ds->pns, ds->n_pns, name))
				*(const char **)xgrow(&ds->pns, &ds->n_pns, &ds->alloc_pns, sizeof(char *)) =
					name;
		}
	}
	if (!found) {
		const char *away = referral_away(ds, ans->pkt);
		if (away) {
			ds->parent_upward++;
			ds->upward = arena_printf(ds->a, "%s answered with a referral to %s", req->label,
						  name_text(ds->a, away));
		} else {
			ds->parent_nodata++;
		}
		goto out;
	}
	ldns_rr_list *add = ldns_pkt_additional(ans->pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(add); i++) {
		ldns_rr *rr = ldns_rr_list_rr(add, i);
		struct addr ad;
		if (addr_from_rr(rr, &ad) != 0)
			continue;
		const char *owner = rdf_name(ds->a, ldns_rr_owner(rr));
		if (!str_in(ds->pns, ds->n_pns, owner))
			continue;
		/* Glue only from within the zone of the server asked (its
		 * bailiwick), as unbound's scrubber keeps it: an address for a
		 * name elsewhere is not the parent's to give, and is looked up. */
		struct glue *g =
			name_is_under(owner, ds->d->parent)
				? xgrow(&ds->glue, &ds->n_glue, &ds->alloc_glue, sizeof(*g))
				: xgrow(&ds->foreign, &ds->n_foreign, &ds->alloc_foreign, sizeof(*g));
		g->name = owner;
		g->addr = ad;
	}
out:
	if (ans->pkt)
		ldns_pkt_free(ans->pkt);
	disc_step_done(ds);
}

/* The referral is the same on every server of the parent, so ask a few at a
 * time (a TLD has a dozen or more addresses), and more only when none of
 * these gave an answer to judge: twice as many each round, so that a parent
 * with many silent addresses is still gone through within the budget. */
#define PARENT_ASK 3

static void stage_query_parent(struct disc *ds)
{
	ds->next = stage_after_referral;
	ds->pending++;
	size_t k = 0, sent = 0;
	ds->parent_round = ds->parent_round ? 2 * ds->parent_round : PARENT_ASK;
	for (size_t i = 0; i < ds->parent_servers.n; i++) {
		struct nsname *nn = &ds->parent_servers.v[i];
		for (size_t j = 0; j < nn->n_addrs; j++, k++) {
			if (k < ds->parent_next || sent == ds->parent_round)
				continue;
			struct query_req *req = arena_alloc(&ds->work, sizeof(*req));
			req->ds = ds;
			req->idx = 0;
			req->label = server_label(&ds->work, nn->name, nn->addrs[j].text);
			ds->parent_next = k + 1;
			sent++;
			ds->pending++;
			if (disc_query(ds, &nn->addrs[j], LDNS_RR_TYPE_NS, on_referral, req) != 0)
				ds->pending--;
		}
	}
	if (!sent && !ds->parent_err)
		ds->parent_err = arena_printf(ds->a, "no address for any server of %s",
					      name_text(ds->a, ds->d->parent));
	disc_step_done(ds);
}

static void on_parent_ns(void *arg, const struct resolver_result *res)
{
	struct disc *ds = arg;
	if (disc_late(ds))
		return;
	if (res->pkt) {
		ldns_rdf *parent = NULL;
		ldns_str2rdf_dname(&parent, ds->d->parent);
		ldns_rr_list *ans = ldns_pkt_answer(res->pkt);
		for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
			ldns_rr *rr = ldns_rr_list_rr(ans, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS && ldns_rr_rd_count(rr) >= 1 && parent &&
			    ldns_dname_compare(ldns_rr_owner(rr), parent) == 0)
				nsset_add(&ds->parent_servers, rdf_name(ds->a, ldns_rr_rdf(rr, 0)));
		}
		ldns_rdf_deep_free(parent);
	}
	if (ds->parent_servers.n == 0) {
		disc_finish(ds, DELEG_ERROR,
			    arena_printf(ds->a, "cannot find the name servers of %s: %s",
					 name_text(ds->a, ds->d->parent),
					 res->err ? res->err : "no NS records"));
		return;
	}
	ds->next = stage_query_parent;
	lookup_addrs(ds, &ds->parent_servers, 0);
}

/* End ds: neither the parent zone (ds->soa_err says why) nor the root zone
 * could be looked up, which is this machine's network or its resolver, not
 * the domain. */
static void no_root_finish(struct disc *ds)
{
	const char *zone = name_text(ds->a, ds->d->zone);
	if (ds->r->forwarding)
		disc_finish(
			ds, DELEG_ERROR,
			arena_printf(ds->a,
				     "cannot find the parent zone of %s: the resolver given with --resolver "
				     "did not answer for the root zone either (%s): check that it is "
				     "reachable from this machine and resolves names",
				     zone, ds->soa_err));
	else
		disc_finish(ds, DELEG_ERROR,
			    arena_printf(ds->a,
					 "cannot find the parent zone of %s: the root servers could not be "
					 "reached (%s): check this machine's network connectivity, or use "
					 "--resolver ADDR",
					 zone, ds->soa_err));
}

/* The parent zone was not found (ds->soa_err says why): whether the root
 * (or the --resolver) answers at all tells a network problem from the
 * zone's. */
static void on_root_ns(void *arg, const struct resolver_result *res)
{
	struct disc *ds = arg;
	if (disc_late(ds))
		return;
	if (!res->err && res->pkt && res->rcode == LDNS_RCODE_NOERROR)
		disc_finish(ds, DELEG_ERROR,
			    arena_printf(ds->a, "cannot find the parent zone of %s: %s",
					 name_text(ds->a, ds->d->zone), ds->soa_err));
	else
		no_root_finish(ds);
}

static void on_parent_soa(void *arg, const struct resolver_result *res)
{
	struct disc *ds = arg;
	if (disc_late(ds))
		return;
	const char *parent = NULL;
	if (res->pkt) {
		/* The SOA in the answer (the candidate is a zone) or in the
		 * authority section (its owner is the enclosing zone). */
		ldns_rr_list *sections[] = {ldns_pkt_answer(res->pkt), ldns_pkt_authority(res->pkt)};
		for (size_t s = 0; s < ARRAY_SIZE(sections) && !parent; s++)
			for (size_t i = 0; i < ldns_rr_list_rr_count(sections[s]) && !parent; i++) {
				ldns_rr *rr = ldns_rr_list_rr(sections[s], i);
				if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA &&
				    ldns_dname_is_subdomain(ds->zone_rdf, ldns_rr_owner(rr)))
					parent = rdf_name(ds->a, ldns_rr_owner(rr));
			}
	}
	if (!parent && res->err) {
		ds->soa_err = arena_strdup(ds->a, res->err);
		disc_lookup(ds, ".", LDNS_RR_TYPE_NS, on_root_ns, ds);
		return;
	}
	if (!parent) {
		disc_finish(ds, DELEG_ERROR,
			    arena_printf(ds->a, "cannot find the parent zone of %s: no SOA in the answer",
					 name_text(ds->a, ds->d->zone)));
		return;
	}
	ds->d->parent = parent;
	disc_lookup(ds, parent, LDNS_RR_TYPE_NS, on_parent_ns, ds);
}

/* The discovery's budget ran out: it ends with what it has. Past the
 * parent's referral that is the delegation, with the servers whose addresses
 * came in; before, an error that says what it was waiting for. */
static void disc_budget_expired(void *arg)
{
	struct disc *ds = arg;
	struct delegation *d = ds->d;
	if (ds->delivered)
		return;
	ds->late = arena_printf(ds->a, "within the discovery budget of %u ms (%u x --timeout %u ms)",
				ds->r->query_ms * RESOLVER_DISCOVERY_FACTOR, RESOLVER_DISCOVERY_FACTOR,
				ds->r->query_ms);
	if (ds->referred) {
		stage_finish(ds);
		return;
	}
	const char *zone = name_text(ds->a, d->zone);
	const char *msg;
	if (!d->parent && ds->soa_err) {
		no_root_finish(ds); /* the root did not answer in time either */
		return;
	} else if (!d->parent) {
		msg = arena_printf(ds->a, "cannot find the parent zone of %s %s", zone, ds->late);
	} else if (ds->parent_servers.n == 0) {
		msg = arena_printf(ds->a, "cannot find the name servers of %s %s",
				   name_text(ds->a, d->parent), ds->late);
	} else if (ds->parent_next == 0) {
		msg = arena_printf(ds->a, "cannot find the addresses of the servers of %s %s",
				   name_text(ds->a, d->parent), ds->late);
	} else {
		size_t total = 0;
		for (size_t i = 0; i < ds->parent_servers.n; i++)
			total += ds->parent_servers.v[i].n_addrs;
		msg = arena_printf(
			ds->a, "no server of %s gave a delegation for %s %s (%zu of %zu addresses asked)%s%s",
			name_text(ds->a, d->parent), zone, ds->late, ds->parent_next, total,
			ds->parent_err ? ": " : "", ds->parent_err ? ds->parent_err : "");
	}
	disc_finish(ds, DELEG_ERROR, msg);
}

/* --ns: the given servers stand for the parent's referral (their names its
 * NS set, their addresses its glue); from there on discovery goes as usual,
 * asking each server for the zone's NS set. Started from the loop, so that
 * cb never runs from inside resolver_discover(). */
static void disc_start_given(void *arg)
{
	struct disc *ds = arg;
	struct resolver *r = ds->r;
	struct delegation *d = ds->d;
	d->zone = d->name;
	const char *dot = strchr(d->name, '.');
	d->parent = dot[1] ? dot + 1 : ".";
	d->given = 1;
	ds->given = 1;
	ds->referred = 1; /* past the budget, the servers known so far are the delegation */
	ldns_str2rdf_dname(&ds->zone_rdf, d->zone);
	disc_live(ds);
	d->parent_ns = arena_alloc(ds->a, (r->n_given_ns + 1) * sizeof(char *));
	d->glue = arena_alloc(ds->a, (r->n_given_ns + 1) * sizeof(*d->glue));
	for (size_t i = 0; i < r->n_given_ns; i++) {
		const struct server_spec *g = &r->given_ns[i];
		struct addr ad;
		memset(&ad, 0, sizeof(ad));
		if (g->addrlen) {
			memcpy(&ad.ss, &g->addr, g->addrlen);
			ad.len = g->addrlen;
			dns_addr_str((const struct sockaddr *)&ad.ss, ad.text, sizeof(ad.text));
		}
		const char *name = g->name ? arena_strdup(ds->a, g->name) : arena_strdup(ds->a, ad.text);
		size_t idx = nsset_add(&ds->zone_servers, name);
		struct nsname *nn = &ds->zone_servers.v[idx];
		if (!g->name) {
			nn->unnamed = 1;
			d->given_unnamed++;
		} else if (!str_in(d->parent_ns, d->n_parent_ns, name)) {
			d->parent_ns[d->n_parent_ns++] = name;
		}
		if (g->addrlen) {
			nsname_add_addr(nn, &ad);
			nn->glued = 1;
			if (g->name) {
				d->glue[d->n_glue].name = name;
				d->glue[d->n_glue++].address = arena_strdup(ds->a, ad.text);
			}
		}
	}
	qsort(d->parent_ns, d->n_parent_ns, sizeof(char *), str_cmp);
	ds->next = stage_query_child;
	lookup_addrs(ds, &ds->zone_servers, 0);
}

int resolver_discover(struct resolver *r, struct arena *arena, const char *name,
		      void (*cb)(void *arg, struct delegation *d), void *arg)
{
	const char *canon = name_canonical(arena, name);
	if (!canon || strcmp(canon, ".") == 0)
		return -1;
	struct disc *ds = xcalloc(1, sizeof(*ds));
	ds->r = r;
	ds->a = arena;
	ds->cb = cb;
	ds->arg = arg;
	ds->d = arena_alloc(arena, sizeof(*ds->d));
	memset(ds->d, 0, sizeof(*ds->d));
	ds->d->name = canon;
	if (r->n_given_ns) {
		/* listed now, so that resolver_free() frees it before it starts */
		ds->live_next = r->discs;
		if (ds->live_next)
			ds->live_next->live_prev = ds;
		r->discs = ds;
		loop_defer(r->loop, disc_start_given, ds);
	} else
		disc_start(ds, canon);
	return 0;
}

int server_spec_parse(struct arena *arena, const char *text, struct server_spec *out, char *err,
		      size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (dns_addr_parse(text, &out->addr, &out->addrlen) == 0)
		return 0;
	out->addrlen = 0;
	const char *slash = strchr(text, '/');
	char *name = slash ? xstrndup(text, (size_t)(slash - text)) : xstrdup(text);
	int rc = 0;
	out->name = name_canonical(arena, name);
	if (!out->name || strcmp(out->name, ".") == 0 ||
	    dns_addr_parse(name, &out->addr, &out->addrlen) == 0) {
		snprintf(err, errlen, "'%s' is not a host name", name);
		rc = -1;
	} else if (slash && dns_addr_parse(slash + 1, &out->addr, &out->addrlen) != 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", slash + 1);
		rc = -1;
	}
	free(name);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
