/* The engine's acceptance of a message as the answer to a query
 * (dns_judge_message in src/dns.c): ID, QR, question, TC, malformed; the
 * engine reaches it through its sockets, this test directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

#define ID 0x1234

/* An answer to name/type with id, as wire bytes in *wire (freed by the
 * caller). */
static size_t message(uint16_t id, const char *name, ldns_rr_type type, ldns_pkt_rcode rcode, int qr, int tc,
		      int questions, uint8_t **wire)
{
	ldns_pkt *pkt = NULL;
	size_t len = 0;
	assert_int_equal(ldns_pkt_query_new_frm_str(&pkt, name, type, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_id(pkt, id);
	ldns_pkt_set_qr(pkt, qr);
	ldns_pkt_set_tc(pkt, tc);
	ldns_pkt_set_rcode(pkt, rcode);
	if (!questions) {
		ldns_rr_list_deep_free(ldns_pkt_question(pkt));
		ldns_pkt_set_question(pkt, ldns_rr_list_new());
		ldns_pkt_set_qdcount(pkt, 0);
	} else {
		ldns_rr *a = NULL;
		assert_int_equal(
			ldns_rr_new_frm_str(&a, "www.example.org. 300 IN A 192.0.2.1", 0, NULL, NULL),
			LDNS_STATUS_OK);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, a);
	}
	assert_int_equal(ldns_pkt2wire(wire, pkt, &len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return len;
}

static enum dns_verdict judge(const uint8_t *wire, size_t len, int tcp)
{
	ldns_rdf *qname = ldns_dname_new_frm_str("www.example.org.");
	ldns_pkt *pkt = NULL;
	enum dns_verdict v = dns_judge_message(ID, qname, LDNS_RR_TYPE_A, wire, len, tcp, &pkt);
	assert_true((v == DNS_V_ANSWER) == (pkt != NULL));
	ldns_pkt_free(pkt);
	ldns_rdf_deep_free(qname);
	return v;
}

/* One message and how it must be judged. */
struct message_case {
	const char *what;
	int id_delta;	   /* added to the query's ID */
	const char *qname; /* the message's question */
	ldns_rr_type qtype;
	ldns_pkt_rcode rcode;
	int qr, tc, questions;
	size_t cut; /* bytes cut off its end */
	int tcp;
	enum dns_verdict want;
};

static const struct message_case cases[] = {
	{"the answer", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 0, 0,
	 DNS_V_ANSWER},
	{"over TCP", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 0, 1, DNS_V_ANSWER},
	{"the name in another case", 0, "WWW.Example.ORG.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 0, 0,
	 DNS_V_ANSWER},
	{"a wrong ID", 1, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 0, 0,
	 DNS_V_IGNORE},
	{"QR=0", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 0, 0, 1, 0, 0, DNS_V_IGNORE},
	{"another name", 0, "mail.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 0, 0,
	 DNS_V_IGNORE},
	{"another type", 0, "www.example.org.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, 1, 0, 1, 0, 0,
	 DNS_V_IGNORE},
	{"FORMERR without a question", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_FORMERR, 1, 0, 0, 0,
	 0, DNS_V_ANSWER},
	{"NOTIMP without a question", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOTIMPL, 1, 0, 0, 0,
	 0, DNS_V_ANSWER},
	{"SERVFAIL without a question", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, 1, 0, 0,
	 0, 0, DNS_V_IGNORE},
	{"TC=1 over UDP", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 1, 1, 0, 0,
	 DNS_V_TRUNCATED},
	{"TC=1 over TCP", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 1, 1, 0, 1,
	 DNS_V_ANSWER},
	{"TC=1, cut short, over UDP", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 1, 1, 2,
	 0, DNS_V_TRUNCATED},
	{"TC=1, cut short, over TCP", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 1, 1, 2,
	 1, DNS_V_MALFORMED},
	{"cut short", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 2, 0,
	 DNS_V_MALFORMED},
	{"another question, cut short", 0, "mail.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1,
	 2, 0, DNS_V_IGNORE},
	{"shorter than a header", 0, "www.example.org.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, 1, 0, 1, 1000, 0,
	 DNS_V_IGNORE},
};

static void test_matching(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct message_case *c = &cases[i];
		uint8_t *w = NULL;
		size_t n = message((uint16_t)(ID + c->id_delta), c->qname, c->qtype, c->rcode, c->qr, c->tc,
				   c->questions, &w);
		n = c->cut < n - 11 ? n - c->cut : 11;
		enum dns_verdict got = judge(w, n, c->tcp);
		if (got != c->want)
			fail_msg("%s: judged %d, not %d", c->what, got, c->want);
		free(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching),
	};
	return cmocka_run_group_tests_name("dns_judge", tests, NULL, NULL);
}
