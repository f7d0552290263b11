/* Harness spf-walk: the SPF check's tree walk over a fuzzed set of records.
 * Input: lines "NAME TYPE DATA"; NAME is relative to fuzz.test ("@" for the
 * apex) unless it ends with a dot. TYPE TXT takes DATA as the record's bytes
 * (split into strings of 255); A, AAAA, MX, PTR, CNAME take DATA in zone
 * syntax; SERVFAIL and TIMEOUT make every lookup of NAME fail so. Lines that
 * do not parse are skipped. The spf check (with two senders, so libspf2 runs
 * too, and a HELO name) is audited offline: each lookup gets the records of
 * its name and type (or the name's CNAME), NODATA when the name has others,
 * NXDOMAIN when it has none. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz.h"

#define LINES_MAX 64

static const char rules_yaml[] = "checks:\n"
				 "  - check: spf\n"
				 "    senders: [\"192.0.2.25\", \"2001:db8::25\"]\n"
				 "    helo: mail\n";
static struct ruleset rules;

enum failure { OK, SERVFAIL, TIMEOUT };

struct entry {
	ldns_rdf *owner;
	enum failure fail;
	ldns_rr *rr; /* NULL for a failure */
};

struct world {
	struct entry e[LINES_MAX];
	size_t n;
};

static ldns_rdf *owner_of(const char *name)
{
	ldns_rdf *origin = ldns_dname_new_frm_str(FUZZ_DOMAIN ".");
	ldns_rdf *out = NULL;
	size_t len = strlen(name);
	if (strcmp(name, "@") == 0) {
		out = ldns_rdf_clone(origin);
	} else if (len && name[len - 1] == '.') {
		out = ldns_dname_new_frm_str(name);
	} else {
		ldns_rdf *rel = ldns_dname_new_frm_str(name);
		if (rel && ldns_dname_cat(rel, origin) == LDNS_STATUS_OK)
			out = rel;
		else
			ldns_rdf_deep_free(rel);
	}
	ldns_rdf_deep_free(origin);
	return out;
}

/* A TXT record of the bytes data[0..len), in strings of up to 255. */
static ldns_rr *txt_rr(const ldns_rdf *owner, const char *data, size_t len)
{
	ldns_rr *rr = ldns_rr_new_frm_type(LDNS_RR_TYPE_TXT);
	ldns_rr_set_owner(rr, ldns_rdf_clone(owner));
	ldns_rr_set_ttl(rr, 300);
	do {
		size_t n = len > 255 ? 255 : len;
		uint8_t buf[256];
		buf[0] = (uint8_t)n;
		memcpy(buf + 1, data, n);
		ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, n + 1, buf));
		data += n;
		len -= n;
	} while (len > 0);
	return rr;
}

static void add_line(struct world *w, const char *line, size_t len)
{
	char name[300], type[16];
	int at = 0;
	char *copy = strndup(line, len);
	if (sscanf(copy, "%299s %15s %n", name, type, &at) < 2 || at == 0)
		goto out;
	struct entry *e = &w->e[w->n];
	e->owner = owner_of(name);
	e->fail = OK;
	e->rr = NULL;
	if (!e->owner)
		goto out;
	if (strcmp(type, "SERVFAIL") == 0) {
		e->fail = SERVFAIL;
	} else if (strcmp(type, "TIMEOUT") == 0) {
		e->fail = TIMEOUT;
	} else if (strcmp(type, "TXT") == 0) {
		e->rr = txt_rr(e->owner, line + at, len - (size_t)at);
	} else {
		char *owner = ldns_rdf2str(e->owner);
		char *text = NULL;
		if (owner && asprintf(&text, "%s 300 IN %s %s", owner, type, copy + at) >= 0 &&
		    ldns_rr_new_frm_str(&e->rr, text, 300, NULL, NULL) != LDNS_STATUS_OK)
			e->rr = NULL;
		free(owner);
		free(text);
		if (!e->rr) {
			ldns_rdf_deep_free(e->owner);
			goto out;
		}
	}
	w->n++;
out:
	free(copy);
}

static ldns_pkt *answer(void *arg, const struct ns_server *server, int rd, const char *name,
			ldns_rr_type type, int *err)
{
	struct world *w = arg;
	(void)server;
	(void)rd;
	ldns_pkt *pkt = fuzz_zone_answer(name, type, 1); /* the question, flags and SOA */
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	int there = 0;
	if (!pkt || !qname)
		goto out;
	ldns_rr_list_deep_free(ldns_pkt_answer(pkt));
	ldns_pkt_set_answer(pkt, ldns_rr_list_new());
	ldns_pkt_set_ancount(pkt, 0);
	for (size_t i = 0; i < w->n; i++) {
		const struct entry *e = &w->e[i];
		if (ldns_dname_compare(e->owner, qname) != 0)
			continue;
		if (e->fail != OK) {
			ldns_pkt_free(pkt);
			pkt = NULL;
			*err = e->fail == TIMEOUT ? DNS_ETIMEOUT : 0;
			if (e->fail == SERVFAIL) {
				pkt = fuzz_zone_answer(name, type, 1);
				ldns_pkt_set_rcode(pkt, LDNS_RCODE_SERVFAIL);
			}
			goto out;
		}
		there = 1;
		ldns_rr_type t = ldns_rr_get_type(e->rr);
		if (t == type || (t == LDNS_RR_TYPE_CNAME && type != LDNS_RR_TYPE_CNAME))
			ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, ldns_rr_clone(e->rr));
	}
	ldns_pkt_set_rcode(pkt, there ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN);
out:
	ldns_rdf_deep_free(qname);
	return pkt;
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
	struct world w;
	const char *text = (const char *)data;
	w.n = 0;
	for (size_t at = 0; at < size && w.n < LINES_MAX;) {
		const char *nl = memchr(text + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
		add_line(&w, text + at, len);
		at += len + 1;
	}
	struct audit_rules ar = {&rules, 1};
	struct audit_result *res = audit_run_offline(&ar, FUZZ_DOMAIN, NULL, answer, &w);
	fuzz_read_findings(res);
	audit_result_free(res);
	for (size_t i = 0; i < w.n; i++) {
		ldns_rdf_deep_free(w.e[i].owner);
		ldns_rr_free(w.e[i].rr);
	}
	return 0;
}
