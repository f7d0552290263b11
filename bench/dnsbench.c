/* dnsbench: drive the query engine (src/dns.c) against one server with a
 * dnsperf-style query file, to measure it and to test it from shell scripts.
 * The last line of output is machine-readable. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "loop.h"
#include "util.h"

struct bench;

struct bench_query {
	struct bench *bench; /* so the query itself can be the callback's arg */
	ldns_rdf *name;
	char *text; /* the name as written in the file, for -v */
	ldns_rr_type type;
};

/* Outcomes: rcodes 0..15 as answered, then one slot per engine error. */
#define N_RCODES 16
#define N_ERRORS (1 - DNS_ENOFD) /* every enum dns_error, by its negation */

struct bench {
	struct loop *loop;
	struct dns_engine *engine;
	struct sockaddr_storage server;
	socklen_t server_len;
	struct bench_query *queries;
	size_t nqueries, queries_alloc;
	unsigned flags;
	unsigned max_inflight;
	unsigned long total; /* queries to send, 0: no limit (until -l) */
	uint64_t end_us;     /* stop sending then, 0: no time limit */
	int verbose;
	unsigned long issued, answered, tcp, in_flight;
	unsigned long rcodes[N_RCODES + 1]; /* last slot: rcodes above 15 (EDNS) */
	unsigned long errors[N_ERRORS];
	size_t next;
	int failed; /* dns_query() refused a query */
};

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void usage(void)
{
	fputs("usage: dnsbench -s ADDR[#PORT] -d queryfile [-c max_inflight] [-n total_queries]\n"
	      "                [-t timeout_ms] [-l seconds] [-r retries] [-R] [-T] [-E] [-v]\n"
	      "  -R  set RD (for recursive resolvers)   -T  TCP only   -E  no EDNS\n",
	      stderr);
	exit(3);
}

/* Read "name TYPE" lines (dnsperf's format; blank lines and lines starting
 * with ';' or '#' are skipped). Returns 0, or -1 after a message. */
static int load_queries(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "dnsbench: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *p = line + strspn(line, " \t");
		size_t nlen = strcspn(p, " \t\r\n");
		if (nlen == 0 || *p == ';' || *p == '#')
			continue;
		char *t = p + nlen + strspn(p + nlen, " \t");
		size_t tlen = strcspn(t, " \t\r\n");
		p[nlen] = '\0';
		t[tlen] = '\0';
		ldns_rr_type type = tlen ? ldns_get_rr_type_by_name(t) : LDNS_RR_TYPE_A;
		if (type == 0) {
			fprintf(stderr, "dnsbench: %s:%lu: unknown type '%s'\n", path, lineno, t);
			goto out;
		}
		ldns_rdf *name = ldns_dname_new_frm_str(p);
		if (!name) {
			fprintf(stderr, "dnsbench: %s:%lu: bad name '%s'\n", path, lineno, p);
			goto out;
		}
		struct bench_query *bq = xgrow(&b->queries, &b->nqueries, &b->queries_alloc, sizeof(*bq));
		bq->bench = b;
		bq->name = name;
		bq->text = xstrdup(p);
		bq->type = type;
	}
	if (b->nqueries == 0) {
		fprintf(stderr, "dnsbench: %s: no queries\n", path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

static void issue(struct bench *b);

static void on_answer(void *arg, struct dns_answer *ans)
{
	struct bench_query *bq = arg;
	struct bench *b = bq->bench;
	unsigned answers = 0;
	const char *outcome;
	char typebuf[32];

	if (ans->err == 0) {
		/* The full rcode: header bits, and the upper ones from EDNS. */
		unsigned rc = ldns_pkt_get_rcode(ans->pkt) | (unsigned)ldns_pkt_edns_extended_rcode(ans->pkt)
								     << 4;
		b->answered++;
		if (ans->tcp)
			b->tcp++;
		b->rcodes[rc < N_RCODES ? rc : N_RCODES]++;
		answers = ldns_pkt_ancount(ans->pkt);
		ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)rc);
		outcome = lt ? lt->name : "RCODE?";
		ldns_pkt_free(ans->pkt);
	} else {
		unsigned slot = (unsigned)-ans->err;
		b->errors[slot < N_ERRORS ? slot : 0]++;
		outcome = dns_strerror(ans->err);
	}
	if (b->verbose) {
		const ldns_rr_descriptor *d = ldns_rr_descript(bq->type);
		if (d && d->_name)
			snprintf(typebuf, sizeof(typebuf), "%s", d->_name);
		else
			snprintf(typebuf, sizeof(typebuf), "TYPE%u", (unsigned)bq->type);
		printf("%s %s %s %u tcp=%d answers=%u\n", bq->text, typebuf, outcome, ans->rtt_ms,
		       ans->tcp ? 1 : 0, answers);
	}
	b->in_flight--;
	issue(b);
}

/* Keep up to max_inflight queries outstanding, until the count or the time
 * runs out. Called again from every callback. */
static void issue(struct bench *b)
{
	while (!b->failed && b->in_flight < b->max_inflight) {
		if (b->total && b->issued >= b->total)
			return;
		if (b->end_us && mono_us() >= b->end_us)
			return;
		struct bench_query *bq = &b->queries[b->next];
		int rc = dns_query(b->engine, (struct sockaddr *)&b->server, b->server_len, bq->name,
				   bq->type, b->flags, on_answer, bq);
		if (rc != 0) {
			fprintf(stderr, "dnsbench: cannot send '%s': %s\n", bq->text, dns_strerror(rc));
			b->failed = 1;
			return;
		}
		b->issued++;
		b->in_flight++;
		b->next = (b->next + 1) % b->nqueries;
	}
}

static void print_summary(struct bench *b, double elapsed)
{
	for (int rc = 0; rc <= N_RCODES; rc++) {
		if (!b->rcodes[rc])
			continue;
		ldns_lookup_table *lt = rc < N_RCODES ? ldns_lookup_by_id(ldns_rcodes, rc) : NULL;
		if (lt)
			printf("%s: %lu\n", lt->name, b->rcodes[rc]);
		else if (rc < N_RCODES)
			printf("RCODE%d: %lu\n", rc, b->rcodes[rc]);
		else
			printf("extended rcode: %lu\n", b->rcodes[rc]);
	}
	for (int i = 1; i < N_ERRORS; i++)
		if (b->errors[i])
			printf("%s: %lu\n", dns_strerror(-i), b->errors[i]);
	if (b->errors[0])
		printf("unknown error: %lu\n", b->errors[0]);

	struct dns_stats st;
	dns_engine_stats(b->engine, &st);
	printf("engine: sent=%lu received=%lu retransmits=%lu mismatched=%lu tcp_fallbacks=%lu "
	       "timeouts=%lu\n",
	       st.sent, st.received, st.retransmits, st.mismatched, st.tcp_fallbacks, st.timeouts);
	printf("queries_sent=%lu answered=%lu timeouts=%lu refused=%lu tcp=%lu elapsed=%.3f qps=%.0f\n",
	       b->issued, b->answered, b->errors[-DNS_ETIMEOUT], b->errors[-DNS_EREFUSED], b->tcp, elapsed,
	       elapsed > 0 ? (double)b->answered / elapsed : 0.0);
}

int main(int argc, char **argv)
{
	struct bench b;
	struct dns_opts opts = DNS_OPTS_INIT;
	const char *server = NULL, *file = NULL;
	unsigned long v, seconds = 0;
	int c, status = 3;

	memset(&b, 0, sizeof(b));
	b.max_inflight = 100; /* dnsperf's default -q */
	while ((c = getopt(argc, argv, "s:d:c:n:t:l:r:RTEvh")) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'd':
			file = optarg;
			break;
		case 'c':
			if (parse_ulong(optarg, 1, 1000000, &v) != 0)
				usage();
			b.max_inflight = (unsigned)v;
			break;
		case 'n':
			if (parse_ulong(optarg, 1, ULONG_MAX, &v) != 0)
				usage();
			b.total = v;
			break;
		case 't':
			if (parse_ulong(optarg, 1, 3600000, &v) != 0)
				usage();
			opts.timeout_ms = (unsigned)v;
			break;
		case 'l':
			if (parse_ulong(optarg, 1, 86400, &seconds) != 0)
				usage();
			break;
		case 'r':
			if (parse_ulong(optarg, 0, 16, &v) != 0)
				usage();
			opts.retries = (unsigned)v;
			break;
		case 'R':
			b.flags |= DNS_RD;
			break;
		case 'T':
			b.flags |= DNS_TCP;
			break;
		case 'E':
			b.flags |= DNS_NO_EDNS;
			break;
		case 'v':
			b.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (!server || !file || optind != argc)
		usage();
	if (dns_addr_parse(server, &b.server, &b.server_len) != 0) {
		fprintf(stderr, "dnsbench: bad server address '%s'\n", server);
		goto out;
	}
	if (load_queries(&b, file) != 0)
		goto out;
	/* Without -n or -l, go through the file once, like dnsperf. */
	if (!b.total && !seconds)
		b.total = b.nqueries;
	opts.max_inflight = b.max_inflight;
	if (loop_new(&b.loop) != 0 || dns_engine_new(b.loop, &opts, &b.engine) != 0) {
		fprintf(stderr, "dnsbench: cannot create the query engine: %s\n", strerror(errno));
		goto out;
	}

	uint64_t start = mono_us();
	if (seconds)
		b.end_us = start + (uint64_t)seconds * 1000000;
	issue(&b);
	while (dns_pending(b.engine) > 0) {
		if (loop_run_once(b.loop, 1) < 0) {
			fprintf(stderr, "dnsbench: event loop: %s\n", strerror(errno));
			goto out;
		}
	}
	double elapsed = (double)(mono_us() - start) / 1e6;
	print_summary(&b, elapsed);
	status = b.failed ? 3 : 0;
out:
	fflush(stdout);
	dns_engine_free(b.engine);
	loop_free(b.loop);
	for (size_t i = 0; i < b.nqueries; i++) {
		ldns_rdf_deep_free(b.queries[i].name);
		free(b.queries[i].text);
	}
	free(b.queries);
	return status;
}
