/* The harnesses' shared pieces (fuzz.h): the fixed zone fuzz.test and its
 * delegation, rule sets from text, and reading findings. */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* fuzz.test as its servers and the resolver see it, with what the mail
 * checks look up: SPF with an include, DMARC with an external report
 * address (authorised), a DKIM key, reverse DNS of the mail host. */
static const char *const zone_text[] = {
	"fuzz.test. 300 IN SOA ns1.fuzz.test. hostmaster.fuzz.test. 2026010101 14400 3600 1209600 300",
	"fuzz.test. 300 IN NS ns1.fuzz.test.",
	"fuzz.test. 300 IN NS ns2.fuzz.test.",
	"ns1.fuzz.test. 300 IN A 192.0.2.1",
	"ns2.fuzz.test. 300 IN AAAA 2001:db8::2",
	"fuzz.test. 300 IN A 192.0.2.10",
	"fuzz.test. 300 IN MX 10 mail.fuzz.test.",
	"www.fuzz.test. 300 IN CNAME fuzz.test.",
	"*.fuzz.test. 300 IN A 192.0.2.20",
	"mail.fuzz.test. 300 IN A 192.0.2.25",
	"mail.fuzz.test. 300 IN AAAA 2001:db8::25",
	"fuzz.test. 300 IN TXT \"v=spf1 mx ip4:192.0.2.0/24 include:_spf.fuzz.test ~all\"",
	"_spf.fuzz.test. 300 IN TXT \"v=spf1 a:mail.fuzz.test ip6:2001:db8::/32 -all\"",
	"_dmarc.fuzz.test. 300 IN TXT \"v=DMARC1; p=reject; rua=mailto:d@fuzz.test,mailto:r@report.example\"",
	"fuzz.test._report._dmarc.report.example. 300 IN TXT \"v=DMARC1\"",
	"sel._domainkey.fuzz.test. 300 IN TXT \"v=DKIM1; k=ed25519; "
	"p=DcNiSCOhlmcRIiE0S7cl9+DC+MnSueCC4cCQxUT6nik=\"",
	"25.2.0.192.in-addr.arpa. 300 IN PTR mail.fuzz.test.",
	"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR "
	"mail.fuzz.test.",
	"ns1.old.test. 300 IN A 192.0.2.99",
};

static ldns_rr_list *zone;
static ldns_rdf *apex, *wildcard;

void fuzz_zone_init(void)
{
	if (zone)
		return;
	zone = ldns_rr_list_new();
	for (size_t i = 0; i < ARRAY_SIZE(zone_text); i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, zone_text[i], 300, NULL, NULL) != LDNS_STATUS_OK) {
			fprintf(stderr, "fuzz: bad zone line: %s\n", zone_text[i]);
			abort();
		}
		ldns_rr_list_push_rr(zone, rr);
	}
	apex = ldns_dname_new_frm_str(FUZZ_DOMAIN ".");
	wildcard = ldns_dname_new_frm_str("*." FUZZ_DOMAIN ".");
}

static ldns_rr *question_rr(const ldns_rdf *owner, ldns_rr_type type)
{
	ldns_rr *q = ldns_rr_new();
	ldns_rr_set_owner(q, ldns_rdf_clone(owner));
	ldns_rr_set_type(q, type);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, 1);
	return q;
}

/* Push onto the answer of pkt the records at owner (a copy, named as name
 * when they come from a wildcard) of type, or its CNAME; returns how many
 * records the zone has at owner. */
static size_t add_records(ldns_pkt *pkt, const ldns_rdf *owner, const ldns_rdf *name, ldns_rr_type type)
{
	size_t there = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(zone); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(zone, i);
		if (ldns_dname_compare(ldns_rr_owner(rr), owner) != 0)
			continue;
		there++;
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t != type && !(t == LDNS_RR_TYPE_CNAME && type != LDNS_RR_TYPE_CNAME))
			continue;
		ldns_rr *copy = ldns_rr_clone(rr);
		ldns_rdf_deep_free(ldns_rr_owner(copy));
		ldns_rr_set_owner(copy, ldns_rdf_clone(name));
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, copy);
	}
	return there;
}

ldns_pkt *fuzz_answer_new(const ldns_rdf *qname, ldns_rr_type type, int rd)
{
	ldns_pkt *pkt = ldns_pkt_new();
	ldns_pkt_set_qr(pkt, 1);
	ldns_pkt_set_aa(pkt, !rd);
	ldns_pkt_set_rd(pkt, rd);
	ldns_pkt_set_ra(pkt, rd);
	ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, question_rr(qname, type));
	return pkt;
}

ldns_pkt *fuzz_zone_answer(const char *name, ldns_rr_type type, int rd)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	if (!qname)
		return NULL;
	ldns_pkt *pkt = fuzz_answer_new(qname, type, rd);
	size_t there = add_records(pkt, qname, qname, type);
	if (!there && ldns_dname_is_subdomain(qname, apex))
		there = add_records(pkt, wildcard, qname, type);
	if (ldns_pkt_ancount(pkt) == 0) {
		ldns_pkt_set_rcode(pkt, there ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, ldns_rr_clone(ldns_rr_list_rr(zone, 0)));
	}
	ldns_rdf_deep_free(qname);
	return pkt;
}

ldns_pkt *fuzz_answer_to(const ldns_pkt *pkt, const char *name, ldns_rr_type type)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	ldns_pkt *copy = qname ? ldns_pkt_clone(pkt) : NULL;
	if (copy) {
		ldns_rr_list_deep_free(ldns_pkt_question(copy));
		ldns_rr_list *q = ldns_rr_list_new();
		ldns_rr_list_push_rr(q, question_rr(qname, type));
		ldns_pkt_set_question(copy, q);
		ldns_pkt_set_qdcount(copy, 1);
	}
	ldns_rdf_deep_free(qname);
	return copy;
}

static void server(struct arena *a, struct ns_server *s, const char *name, int family, const char *addr)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(53);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		s->addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(53);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		s->addrlen = sizeof(*sin6);
	}
	snprintf(s->addr_text, sizeof(s->addr_text), "%s", addr);
	s->roles = SERVER_PARENT | SERVER_CHILD;
	s->label = server_label(a, name, addr);
}

struct delegation *fuzz_delegation(struct arena *a)
{
	static const char *const ns[] = {"ns1." FUZZ_DOMAIN ".", "ns2." FUZZ_DOMAIN "."};
	struct delegation *d = arena_alloc(a, sizeof(*d));
	memset(d, 0, sizeof(*d));
	d->name = d->zone = FUZZ_DOMAIN ".";
	d->parent = "test.";
	d->status = DELEG_OK;
	d->parent_ns = d->child_ns = (const char **)ns;
	d->n_parent_ns = d->n_child_ns = 2;
	d->servers = arena_alloc(a, 2 * sizeof(*d->servers));
	server(a, &d->servers[0], ns[0], AF_INET, "192.0.2.1");
	server(a, &d->servers[1], ns[1], AF_INET6, "2001:db8::2");
	d->n_servers = 2;
	d->glue = arena_alloc(a, 2 * sizeof(*d->glue));
	d->glue[0].name = ns[0];
	d->glue[0].address = "192.0.2.1";
	d->glue[1].name = ns[1];
	d->glue[1].address = "2001:db8::2";
	d->n_glue = 2;
	return d;
}

char *fuzz_tail(const uint8_t *data, size_t size, size_t *head)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	*head = nul ? (size_t)(nul - text) : 0;
	return nul ? xstrndup(nul + 1, size - *head - 1) : xstrndup(text, size);
}

void fuzz_rules(const char *yaml, const struct vars *vars, struct ruleset *out)
{
	char err[512];
	if (rules_load_string(yaml, strlen(yaml), "fuzz.yml", vars, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: the harness's rule set does not load: %s\n", err);
		abort();
	}
}

void fuzz_setup(const char *rules_yaml, struct ruleset *rules)
{
	fuzz_zone_init();
	fuzz_rules(rules_yaml, NULL, rules);
}

/* A byte sum the compiler cannot drop. */
static volatile unsigned sink;

static void touch(const char *s)
{
	unsigned sum = 0;
	for (; s && *s; s++)
		sum += (unsigned char)*s;
	sink += sum;
}

/* The findings as a JSON report, which must parse whatever the answers
 * held. */
static void report_json(const struct audit_result *res)
{
	static const struct report_opts opts = {.fail_on = STATUS_FAIL, .tool = "cutover fuzz"};
	char *buf = NULL;
	size_t len = 0;
	struct reporter *rp = NULL;
	json_error_t jerr;
	FILE *f = open_memstream(&buf, &len);
	if (!f || reporter_open(FORMAT_JSON, &opts, 0, f, &rp) != 0 ||
	    reporter_domain(rp, res->domain, res->findings, res->n) != 0 || reporter_close(rp, 0, 0) != 0)
		abort();
	reporter_free(rp);
	fclose(f);
	json_t *doc = json_loadb(buf, len, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "fuzz: the JSON report does not parse: %s\n%s\n", jerr.text, buf);
		abort();
	}
	json_decref(doc);
	free(buf);
}

void fuzz_read_findings(const struct audit_result *res)
{
	if (!res)
		abort(); /* an offline audit always finishes */
	touch(res->domain);
	for (size_t i = 0; i < res->n; i++) {
		const struct finding *f = &res->findings[i];
		touch(f->domain);
		touch(f->check);
		touch(f->code);
		touch(f->subject);
		touch(f->server);
		touch(f->message);
		touch(f->expected);
		touch(f->actual);
		if (f->status < STATUS_OK || f->status > STATUS_FAIL)
			abort();
	}
	report_json(res);
}
