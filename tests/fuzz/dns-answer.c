/* Harness dns-answer: an arbitrary DNS message as the answer of one server,
 * fed to every check's judging code, and to the engine's answer matching.
 *
 * Input: a byte of flags, a byte that picks the checks, then the message as
 * it came off the wire. The message goes through dns_judge_message() (the
 * engine's acceptance: ID, QR, question, TC, malformed) over UDP and TCP,
 * against its own question and against another; what the engine makes of
 * it as the answer to its own question over TCP (a packet with its TTLs
 * clamped, malformed, or ignored: a timeout) is what the checks get. Then
 * fuzz.test is audited offline (audit_run_offline) with a rule set that runs
 * every check: each question the checks ask is answered so, the packet's
 * question made the one asked (as the engine delivers only such answers), by
 * the sources the flags pick; the others answer from the sane zone of
 * fuzz.c:
 *	bit 0: ns1.fuzz.test (IPv4), bit 1: ns2.fuzz.test (IPv6),
 *	bit 2: lookups through the resolver,
 *	bit 3: the recursive resolvers of `record resolvers:`,
 *	bit 4: the parent's and previous servers' (ctx_add_server) too.
 * Flags with none of bits 0-4 set mean all of them. The second byte picks
 * one rule of the rule set below (its value modulo the number of rules plus
 * one), or all of them (the last value): one check at a time runs many
 * times faster than all. The findings must be readable and make a JSON
 * report that parses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz.h"

static const char rules_yaml[] = "checks:\n"
				 "  - check: ns\n"
				 "    previous: [\"ns1.old.test\", \"192.0.2.99\"]\n"
				 "  - check: soa\n"
				 "    negative_ttl_max: 900\n"
				 "  - check: ttl\n"
				 "    names: [\"{domain}\", www, mail, _dmarc]\n"
				 "    types: [A, AAAA, MX, TXT, NS, SOA, CNAME]\n"
				 "    max: 900\n"
				 "  - check: wildcard\n"
				 "    expect: {A: \"192.0.2.20\", MX: \"10 mail.{domain}\"}\n"
				 "  - check: record\n"
				 "    name: www\n"
				 "    type: A\n"
				 "    expect: [\"192.0.2.10\"]\n"
				 "    follow_cname: true\n"
				 "  - check: record\n"
				 "    name: \"{domain}\"\n"
				 "    type: MX\n"
				 "    via: resolver\n"
				 "  - check: record\n"
				 "    name: \"{domain}\"\n"
				 "    type: TXT\n"
				 "    resolvers: [\"192.0.2.53\", \"2001:db8::53\"]\n"
				 "  - check: mx\n"
				 "    expect: [mail]\n"
				 "  - check: spf\n"
				 "    senders: [\"192.0.2.25\", \"2001:db8::25\"]\n"
				 "  - check: dkim\n"
				 "    selector: sel\n"
				 "  - check: dkim\n"
				 "  - check: dmarc\n"
				 "    policy_min: quarantine\n"
				 "  - check: rdns\n"
				 "    ips: [\"192.0.2.25\", \"2001:db8::25\"]\n"
				 "    name: mail\n"
				 "  - check: compare\n"
				 "    from: [delegated]\n"
				 "    to: [\"ns3.fuzz.test/192.0.2.99\"]\n"
				 "    selectors: [sel]\n"
				 "    names: [www, mail]\n";

static struct ruleset rules;

enum { F_NS1 = 1, F_NS2 = 2, F_LOOKUP = 4, F_RECURSIVE = 8, F_OTHER = 16, F_ALL = 31 };

struct input {
	unsigned flags;
	const uint8_t *wire;
	size_t len;
	ldns_pkt *pkt; /* the message as the engine delivers it, or NULL */
	int err;       /* why not: DNS_EMALFORMED, DNS_ETIMEOUT (ignored) */
	const struct delegation *d;
};

static ldns_pkt *answer(void *arg, const struct ns_server *server, int rd, const char *name,
			ldns_rr_type type, int *err)
{
	struct input *in = arg;
	unsigned source = !server			 ? F_LOOKUP
			  : rd				 ? F_RECURSIVE
			  : server == &in->d->servers[0] ? F_NS1
			  : server == &in->d->servers[1] ? F_NS2
							 : F_OTHER;
	if (!(in->flags & source))
		return fuzz_zone_answer(name, type, !server || rd);
	if (!in->pkt) {
		*err = in->err;
		return NULL;
	}
	ldns_pkt *p = fuzz_answer_to(in->pkt, name, type);
	if (!p)
		*err = DNS_ENOMEM;
	return p;
}

/* The engine's acceptance of the message, as an answer to its own question
 * (when it has one) and to another; over UDP and TCP. Sets in->pkt to what
 * the engine makes of it as the answer to its own question over TCP, or
 * in->err to why there is none. */
static void judge(struct input *in)
{
	const uint8_t *wire = in->wire;
	size_t len = in->len;
	ldns_rdf *other = ldns_dname_new_frm_str("www." FUZZ_DOMAIN ".");
	uint16_t id = len >= 2 ? (uint16_t)(wire[0] << 8 | wire[1]) : 0;
	ldns_rr *q = NULL;
	size_t pos = LDNS_HEADER_SIZE;
	if (len < LDNS_HEADER_SIZE ||
	    ldns_wire2rr(&q, wire, len, &pos, LDNS_SECTION_QUESTION) != LDNS_STATUS_OK)
		q = NULL;
	for (int tcp = 0; tcp < 2; tcp++) {
		for (int own = 0; own < 2; own++) {
			const ldns_rdf *qname = own && q ? ldns_rr_owner(q) : other;
			ldns_rr_type qtype = own && q ? ldns_rr_get_type(q) : LDNS_RR_TYPE_A;
			ldns_pkt *pkt = NULL;
			enum dns_verdict v = dns_judge_message(id, qname, qtype, wire, len, tcp, &pkt);
			if ((v == DNS_V_ANSWER) != (pkt != NULL))
				abort();
			if (v == DNS_V_TRUNCATED && tcp)
				abort(); /* TCP answers are never "truncated" */
			if (tcp && own) {
				in->pkt = pkt;
				in->err = v == DNS_V_MALFORMED ? DNS_EMALFORMED
					  : v == DNS_V_NOMEM   ? DNS_ENOMEM
							       : DNS_ETIMEOUT;
			} else {
				ldns_pkt_free(pkt);
			}
		}
	}
	ldns_rr_free(q);
	ldns_rdf_deep_free(other);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup(rules_yaml, &rules);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct arena arena = ARENA_INIT;
	struct input in = {data[0] & F_ALL, data + 2, size - 2, NULL, 0, NULL};
	size_t pick = data[1] % (rules.n + 1);
	struct ruleset one = rules;
	if (pick < rules.n) {
		one.rules = &rules.rules[pick];
		one.n = 1;
	}
	if (!in.flags)
		in.flags = F_ALL;
	judge(&in);
	struct delegation *d = fuzz_delegation(&arena);
	in.d = d;
	struct audit_rules ar = {&one, 1};
	struct audit_result *res = audit_run_offline(&ar, FUZZ_DOMAIN, d, answer, &in);
	fuzz_read_findings(res);
	audit_result_free(res);
	ldns_pkt_free(in.pkt);
	arena_release(&arena);
	return 0;
}
