/* Every finding code cutover can emit, in one list: the enum the checks use
 * (a misspelt code does not compile), the table behind `cutover help codes`,
 * and, through that command, the README's table (a test compares them). */
#ifndef CUTOVER_CODES_H
#define CUTOVER_CODES_H

#include <stddef.h>

#include "report.h"

/* X(id, "name", default status, "one-line summary") */
#define CODES(X)                                                                                             \
	X(NS_OK, "ns.ok", STATUS_OK, "delegation is consistent and every server answers authoritatively")    \
	X(NS_NO_DELEGATION, "ns.no-delegation", STATUS_FAIL,                                                 \
	  "the parent does not delegate the domain (NXDOMAIN or no NS records)")                             \
	X(NS_DISCOVERY_FAILED, "ns.discovery-failed", STATUS_ERROR,                                          \
	  "the delegation could not be found out (parent unreachable, resolver failure)")                    \
	X(NS_NO_SERVERS, "ns.no-servers", STATUS_ERROR,                                                      \
	  "no address could be found for any name server of the domain")                                     \
	X(NS_LAME, "ns.lame", STATUS_FAIL,                                                                   \
	  "a listed name server does not answer authoritatively for the zone")                               \
	X(NS_PARENT_CHILD_MISMATCH, "ns.parent-child-mismatch", STATUS_FAIL,                                 \
	  "the NS set at the parent differs from the one the zone publishes")                                \
	X(NS_GLUE_MISMATCH, "ns.glue-mismatch", STATUS_FAIL,                                                 \
	  "the parent's glue for a name server inside the zone differs from the addresses the zone gives "   \
	  "it")                                                                                              \
	X(NS_UNRESOLVABLE, "ns.unresolvable", STATUS_FAIL, "a name server's host name has no address")       \
	X(NS_GLUE_OUT_OF_ZONE, "ns.glue-out-of-zone", STATUS_WARN,                                           \
	  "the parent's referral carries addresses for a name outside the parent's zone: resolvers discard " \
	  "them (so does cutover) and look the name up")                                                     \
	X(NS_UNREACHABLE, "ns.unreachable", STATUS_ERROR,                                                    \
	  "a name server did not answer (timeout, refused, reset or closed connection, network error)")      \
	X(NS_NO_ROUTE, "ns.no-route", STATUS_INFO,                                                           \
	  "this machine has no route to a server's address (IPv6 on an IPv4-only host): not checked from "   \
	  "here")                                                                                            \
	X(NS_TOO_MANY, "ns.too-many", STATUS_WARN,                                                           \
	  "more name server addresses (or NS names inside the zone) than cutover asks: only the first are "  \
	  "checked")                                                                                         \
	X(NS_STALE_AUTHORITY, "ns.stale-authority", STATUS_FAIL,                                             \
	  "a previous server still answers for the zone with data that differs")                             \
	X(NS_PREVIOUS_SERVING, "ns.previous-serving", STATUS_INFO,                                           \
	  "a previous server still answers for the zone, with the same data")                                \
	X(NS_PREVIOUS_DELEGATED, "ns.previous-delegated", STATUS_FAIL,                                       \
	  "a server that should be retired is still in the NS set")                                          \
	X(NS_ENCLOSING_ZONE, "ns.enclosing-zone", STATUS_INFO,                                               \
	  "the name given is not a zone cut: it is checked within the zone that holds it")                   \
	X(NS_DELEGATION_GIVEN, "ns.delegation-given", STATUS_INFO,                                           \
	  "the zone's servers were given with --ns, not discovered from the parent: what the zone would be " \
	  "once delegated there")                                                                            \
	X(NS_PROVIDER, "ns.provider", STATUS_INFO,                                                           \
	  "the DNS provider the zone is at, from its NS host names or its SOA (vanity name servers)")        \
	X(SOA_OK, "soa.ok", STATUS_OK, "SOA serial agrees and timers are sane")                              \
	X(SOA_SERIAL_MISMATCH, "soa.serial-mismatch", STATUS_FAIL,                                           \
	  "authoritative servers serve different SOA serials")                                               \
	X(SOA_NEGATIVE_TTL_HIGH, "soa.negative-ttl-high", STATUS_FAIL,                                       \
	  "negative-caching TTL min(SOA TTL, MINIMUM) is above the limit")                                   \
	X(SOA_TIMERS, "soa.timers", STATUS_WARN,                                                             \
	  "SOA refresh, retry, expire or minimum outside sane ranges")                                       \
	X(TTL_OK, "ttl.ok", STATUS_OK, "TTL is within the limits on every server")                           \
	X(TTL_TOO_HIGH, "ttl.too-high", STATUS_FAIL, "a record's TTL is above the limit")                    \
	X(TTL_TOO_LOW, "ttl.too-low", STATUS_WARN,                                                           \
	  "a record's TTL is below the minimum (not raised again after a move)")                             \
	X(TTL_INCONSISTENT, "ttl.inconsistent", STATUS_WARN,                                                 \
	  "servers serve the same records with different TTLs")                                              \
	X(TTL_NO_RECORDS, "ttl.no-records", STATUS_INFO, "none of the listed types exist at a listed name")  \
	X(TTL_PROVIDER_MINIMUM, "ttl.provider-minimum", STATUS_INFO,                                         \
	  "a ttl rule's max is below the lowest TTL the zone's provider accepts: the records are judged "    \
	  "against the provider's minimum")                                                                  \
	X(WILDCARD_OK, "wildcard.ok", STATUS_OK, "the wildcard exists (and points where expected)")          \
	X(WILDCARD_MISSING, "wildcard.missing", STATUS_WARN, "there is no wildcard (*) record")              \
	X(WILDCARD_WRONG_TARGET, "wildcard.wrong-target", STATUS_FAIL,                                       \
	  "the wildcard points somewhere other than expected")                                               \
	X(RECORD_OK, "record.ok", STATUS_OK, "the record has the expected value on every server")            \
	X(RECORD_MISSING, "record.missing", STATUS_FAIL, "the record does not exist")                        \
	X(RECORD_MISMATCH, "record.mismatch", STATUS_FAIL,                                                   \
	  "a server serves values other than the expected ones")                                             \
	X(RECORD_INCONSISTENT, "record.inconsistent", STATUS_FAIL,                                           \
	  "servers disagree on the record's values")                                                         \
	/* --- mx ------------------------------------------------------ */                                  \
	X(MX_OK, "mx.ok", STATUS_OK, "MX records exist and every exchange is a host name with addresses")    \
	X(MX_MISSING, "mx.missing", STATUS_FAIL, "the domain has no MX record (and no null MX)")             \
	X(MX_NULL, "mx.null", STATUS_INFO, "a null MX (RFC 7505): the domain takes no mail")                 \
	X(MX_NULL_MIXED, "mx.null-mixed", STATUS_FAIL,                                                       \
	  "a null MX (\".\") beside other MX records, or with a preference other than 0 (RFC 7505 3)")       \
	X(MX_CNAME, "mx.cname", STATUS_WARN,                                                                 \
	  "an exchange is an alias (CNAME), not a host name (RFC 5321 5.1, RFC 2181 10.3)")                  \
	X(MX_UNRESOLVABLE, "mx.unresolvable", STATUS_FAIL,                                                   \
	  "an exchange has no address (A or AAAA), such as an address literal written as a name")            \
	X(MX_MISMATCH, "mx.mismatch", STATUS_FAIL, "the exchanges are not the expected ones (expect:)")      \
	/* --- spf ------------------------------------------------------ */                                 \
	X(SPF_OK, "spf.ok", STATUS_OK,                                                                       \
	  "one valid SPF record, within every RFC 7208 limit over its include tree")                         \
	X(SPF_LOOKUPS, "spf.lookups", STATUS_OK,                                                             \
	  "the DNS-querying terms of the whole include tree, each with its cost, within the limit of 10")    \
	X(SPF_MISSING, "spf.missing", STATUS_FAIL, "the domain has no v=spf1 TXT record")                    \
	X(SPF_MULTIPLE, "spf.multiple", STATUS_FAIL, "more than one v=spf1 TXT record (permerror)")          \
	X(SPF_SYNTAX, "spf.syntax", STATUS_FAIL,                                                             \
	  "a term of an SPF record is not valid RFC 7208 syntax (permerror)")                                \
	X(SPF_TOO_MANY_LOOKUPS, "spf.too-many-lookups", STATUS_FAIL,                                         \
	  "more than 10 DNS-querying terms over the include tree (RFC 7208 4.6.4: permerror)")               \
	X(SPF_VOID_LOOKUPS, "spf.void-lookups", STATUS_FAIL,                                                 \
	  "more than 2 lookups answered NXDOMAIN or no data (RFC 7208 4.6.4: permerror)")                    \
	X(SPF_MX_TOO_MANY, "spf.mx-too-many", STATUS_FAIL,                                                   \
	  "an mx term whose domain has more than 10 exchanges (RFC 7208 4.6.4: permerror)")                  \
	X(SPF_PERMISSIVE_ALL, "spf.permissive-all", STATUS_FAIL,                                             \
	  "+all (or all) lets every host send; ?all makes every host neutral")                               \
	X(SPF_PTR, "spf.ptr", STATUS_WARN, "the ptr mechanism, which RFC 7208 5.5 says SHOULD NOT be used")  \
	X(SPF_INCLUDE_LOOP, "spf.include-loop", STATUS_FAIL,                                                 \
	  "an include or redirect leads back to a record on its own path")                                   \
	X(SPF_INCLUDE_MISSING, "spf.include-missing", STATUS_FAIL,                                           \
	  "an include or redirect target has no SPF record (RFC 7208 5.2, 6.1: permerror)")                  \
	X(SPF_REDIRECT_IGNORED, "spf.redirect-ignored", STATUS_INFO,                                         \
	  "redirect= beside an all mechanism: ignored, its target's hosts are not authorised")               \
	X(SPF_MACRO, "spf.macro", STATUS_INFO,                                                               \
	  "a term uses a macro only a message can expand: counted, but where it leads is not checked")       \
	X(SPF_SENDER_AUTHORIZED, "spf.sender-authorized", STATUS_OK, "a sending address evaluates to pass")  \
	X(SPF_SENDER_NOT_AUTHORIZED, "spf.sender-not-authorized", STATUS_FAIL,                               \
	  "a sending address evaluates to something other than pass")                                        \
	/* --- dkim ------------------------------------------------------ */                                \
	X(DKIM_OK, "dkim.ok", STATUS_OK,                                                                     \
	  "the key record parses and holds a usable key (matching the private key)")                         \
	X(DKIM_FOUND, "dkim.found", STATUS_INFO, "probing common selectors found a key record at this one")  \
	X(DKIM_NOT_FOUND, "dkim.not-found", STATUS_INFO,                                                     \
	  "no key record under any common selector probed (a selector can be any name: not proof of none)")  \
	X(DKIM_MISSING, "dkim.missing", STATUS_FAIL, "no DKIM key record at the selector")                   \
	X(DKIM_MULTIPLE, "dkim.multiple", STATUS_FAIL,                                                       \
	  "more than one TXT record at the selector: verifiers' results are undefined (RFC 6376 3.6.2.2)")   \
	X(DKIM_INVALID_KEY, "dkim.invalid-key", STATUS_FAIL,                                                 \
	  "the key record does not parse, or p= is not a valid key of its type")                             \
	X(DKIM_REVOKED, "dkim.revoked", STATUS_FAIL,                                                         \
	  "the key is revoked (empty p=): signatures with it fail")                                          \
	X(DKIM_KEY_TOO_SHORT, "dkim.key-too-short", STATUS_FAIL,                                             \
	  "RSA key under 1024 bits: verifiers must not accept it (RFC 8301)")                                \
	X(DKIM_WEAK_KEY, "dkim.weak-key", STATUS_WARN, "RSA key under 2048 bits (or min_bits)")              \
	X(DKIM_TESTING, "dkim.testing", STATUS_WARN,                                                         \
	  "t=y: the domain is testing DKIM, verifiers may treat its signatures as unsigned")                 \
	X(DKIM_KEY_MISMATCH, "dkim.key-mismatch", STATUS_FAIL,                                               \
	  "the published key is not the public half of the private key")                                     \
	X(DKIM_PRIVATE_KEY_ERROR, "dkim.private-key-error", STATUS_ERROR,                                    \
	  "the private key file cannot be read or parsed, so the match could not be checked")                \
	X(DKIM_WILDCARD, "dkim.wildcard", STATUS_WARN,                                                       \
	  "a wildcard under _domainkey answers any selector with a key record")                              \
	X(DKIM_KEY_FORMAT, "dkim.key-format", STATUS_WARN,                                                   \
	  "a bare RSAPublicKey: OpenDKIM and others reject it; publish a SubjectPublicKeyInfo")              \
	/* --- dmarc ------------------------------------------------------ */                               \
	X(DMARC_OK, "dmarc.ok", STATUS_OK,                                                                   \
	  "one DMARC record applies, valid, strong enough, and both discovery methods agree")                \
	X(DMARC_MISSING, "dmarc.missing", STATUS_FAIL,                                                       \
	  "no DMARC record applies to the domain: none at _dmarc.DOMAIN nor on the RFC 9989 tree walk")      \
	X(DMARC_MULTIPLE, "dmarc.multiple", STATUS_FAIL,                                                     \
	  "a name has more than one DMARC record: receivers discard them all")                               \
	X(DMARC_SYNTAX, "dmarc.syntax", STATUS_FAIL,                                                         \
	  "a DMARC record has an invalid tag or value (named), or a TXT meant as DMARC does not start with " \
	  "v=DMARC1")                                                                                        \
	X(DMARC_NO_POLICY, "dmarc.no-policy", STATUS_WARN,                                                   \
	  "the record has no p= tag: RFC 9989 receivers act as p=none, RFC 7489 receivers may ignore it")    \
	X(DMARC_POLICY_WEAK, "dmarc.policy-weak", STATUS_WARN,                                               \
	  "the policy that applies to the domain (p, sp or np) is weaker than policy_min")                   \
	X(DMARC_DISCOVERY_DIFFERS, "dmarc.discovery-differs", STATUS_WARN,                                   \
	  "RFC 9989 receivers (tree walk) and RFC 7489 receivers (public suffix list) apply different "      \
	  "records or policies")                                                                             \
	X(DMARC_EXTERNAL_UNAUTHORIZED, "dmarc.external-unauthorized", STATUS_WARN,                           \
	  "a rua/ruf destination outside the organizational domain has no D._report._dmarc.DEST v=DMARC1 "   \
	  "record: no reports reach it")                                                                     \
	X(DMARC_EXTERNAL_AUTHORIZED, "dmarc.external-authorized", STATUS_OK,                                 \
	  "a rua/ruf destination outside the organizational domain accepts the domain's reports")            \
	X(DMARC_REMOVED_TAG, "dmarc.removed-tag", STATUS_INFO,                                               \
	  "pct, rf, ri or a URI size limit: removed in RFC 9989, still read by RFC 7489 receivers")          \
	X(DMARC_UNKNOWN_TAG, "dmarc.unknown-tag", STATUS_INFO,                                               \
	  "a tag DMARC does not define: receivers ignore it")                                                \
	/* --- rdns ------------------------------------------------------ */                                \
	X(RDNS_OK, "rdns.ok", STATUS_OK, "the address has a PTR record that resolves back to it (FCrDNS)")   \
	X(RDNS_MISSING, "rdns.missing", STATUS_FAIL, "a mail address has no PTR record")                     \
	X(RDNS_NOT_FORWARD_CONFIRMED, "rdns.not-forward-confirmed", STATUS_FAIL,                             \
	  "no PTR name of the address resolves back to it (no forward-confirmed reverse DNS)")               \
	X(RDNS_NAME_MISMATCH, "rdns.name-mismatch", STATUS_FAIL, "the PTR is not the expected host name")    \
	X(RDNS_NO_ADDRESSES, "rdns.no-addresses", STATUS_INFO,                                               \
	  "no address to check: no MX exchange with an address, and no ips given")                           \
	X(PROPAGATION_CONVERGED, "propagation.converged", STATUS_OK,                                         \
	  "every resolver that answered (or the share asked for) and every authoritative server has the "    \
	  "new value")                                                                                       \
	X(PROPAGATION_PENDING, "propagation.pending", STATUS_WARN,                                           \
	  "resolvers still hold the old value (the ETA says until when, at least), or an authoritative "     \
	  "server does not serve the new one yet")                                                           \
	X(PROPAGATION_STALE, "propagation.stale", STATUS_WARN,                                               \
	  "a resolver still serves the old value after its TTL ran out (serve-stale, RFC 8767)")             \
	X(PROPAGATION_OTHER, "propagation.other", STATUS_FAIL,                                               \
	  "a server answers a value that is neither the new nor the old one")                                \
	X(PROPAGATION_UNREACHABLE, "propagation.unreachable", STATUS_WARN,                                   \
	  "a resolver or authoritative server gave no usable answer (timeout, refused, SERVFAIL): not "      \
	  "counted")                                                                                         \
	X(PROPAGATION_DISAGREE, "propagation.disagree", STATUS_FAIL,                                         \
	  "the authoritative servers answer different values")                                               \
	/* --- http ------------------------------------------------------ */                                \
	X(HTTP_OK, "http.ok", STATUS_OK, "the web service answered as the rule expects, on that address")    \
	X(HTTP_STATUS, "http.status", STATUS_FAIL, "the HTTP status is not the one the rule expects")        \
	X(HTTP_CONTENT, "http.content", STATUS_FAIL, "the page lacks the text the rule expects")             \
	X(HTTP_TLS, "http.tls", STATUS_FAIL,                                                                 \
	  "the TLS handshake failed, or the certificate is not valid for the host (expired, another name, "  \
	  "an unknown CA)")                                                                                  \
	X(HTTP_CERT_EXPIRING, "http.cert-expiring", STATUS_WARN,                                             \
	  "the certificate expires within cert_days_min days")                                               \
	X(HTTP_UNREACHABLE, "http.unreachable", STATUS_FAIL,                                                 \
	  "no HTTP answer from the address (refused, timed out, no address for the host)")                   \
	X(HTTP_INSECURE, "http.insecure", STATUS_WARN,                                                       \
	  "the rule turned certificate verification off (insecure: true): the certificate was not checked")  \
	/* --- smtp ------------------------------------------------------ */                                \
	X(SMTP_OK, "smtp.ok", STATUS_OK, "the mail server greeted, answered EHLO and started TLS as asked")  \
	X(SMTP_UNREACHABLE, "smtp.unreachable", STATUS_FAIL,                                                 \
	  "no SMTP session with the address (refused, timed out, no 220 greeting, EHLO refused)")            \
	X(SMTP_STARTTLS_MISSING, "smtp.starttls-missing", STATUS_FAIL,                                       \
	  "the server does not offer STARTTLS, which the rule requires")                                     \
	X(SMTP_TLS, "smtp.tls", STATUS_FAIL,                                                                 \
	  "TLS with the mail server failed, or its certificate is not valid for the host")                   \
	/* --- mta-sts --------------------------------------------------- */                                \
	X(MTA_STS_OK, "mta-sts.ok", STATUS_OK,                                                               \
	  "one valid _mta-sts record, and a valid policy fetched from the address that covers every MX")     \
	X(MTA_STS_MISSING, "mta-sts.missing", STATUS_WARN,                                                   \
	  "no _mta-sts TXT record starting with v=STSv1: senders apply no MTA-STS to the domain")            \
	X(MTA_STS_RECORD_SYNTAX, "mta-sts.record-syntax", STATUS_FAIL,                                       \
	  "the _mta-sts record is invalid (no id=, a bad field), there are several, or a TXT meant as one "  \
	  "does not start with v=STSv1: senders ignore it")                                                  \
	X(MTA_STS_POLICY_UNREACHABLE, "mta-sts.policy-unreachable", STATUS_FAIL,                             \
	  "the policy cannot be fetched from an address as senders fetch it (no connection, TLS or its "     \
	  "certificate, a status other than 200, a redirect, not text/plain, too large)")                    \
	X(MTA_STS_POLICY_SYNTAX, "mta-sts.policy-syntax", STATUS_FAIL,                                       \
	  "the policy breaks RFC 8461 3.2 (version, mode, max_age or mx missing or invalid, a line that is " \
	  "not key: value): senders discard it")                                                             \
	X(MTA_STS_MX_NOT_COVERED, "mta-sts.mx-not-covered", STATUS_FAIL,                                     \
	  "an MX host matches none of the policy's mx patterns: in enforce mode senders do not deliver to "  \
	  "it")                                                                                              \
	X(MTA_STS_MODE, "mta-sts.mode", STATUS_WARN,                                                         \
	  "the policy is not enforced: mode none (warn: MTA-STS switched off) or testing (info: failures "   \
	  "only reported)")                                                                                  \
	X(MTA_STS_MAX_AGE, "mta-sts.max-age", STATUS_WARN,                                                   \
	  "max_age is below a day (senders soon forget the policy) or above RFC 8461's maximum, 31557600")   \
	/* --- tls-rpt --------------------------------------------------- */                                \
	X(TLS_RPT_OK, "tls-rpt.ok", STATUS_OK, "one valid TLS-RPT record, with somewhere to send reports")   \
	X(TLS_RPT_MISSING, "tls-rpt.missing", STATUS_WARN,                                                   \
	  "no _smtp._tls TXT record starting with v=TLSRPTv1: senders report no TLS failures to the domain") \
	X(TLS_RPT_SYNTAX, "tls-rpt.syntax", STATUS_WARN,                                                     \
	  "the TLS-RPT record is invalid (no rua=, a URI that is not mailto: or https:), or there are "      \
	  "several: senders send no reports")                                                                \
	/* --- compare --------------------------------------------------- */                                \
	X(COMPARE_OK, "compare.ok", STATUS_OK,                                                               \
	  "an RRset is the same on the old and the new servers, values and TTL")                             \
	X(COMPARE_MISSING, "compare.missing", STATUS_FAIL,                                                   \
	  "an RRset the old servers serve is missing on the new ones")                                       \
	X(COMPARE_EXTRA, "compare.extra", STATUS_WARN, "the new servers serve an RRset the old ones do not") \
	X(COMPARE_VALUE, "compare.value", STATUS_FAIL,                                                       \
	  "an RRset's values differ between the old and the new servers (compared as data)")                 \
	X(COMPARE_TTL, "compare.ttl", STATUS_WARN,                                                           \
	  "an RRset's TTL differs between the old and the new servers")                                      \
	X(COMPARE_INCONSISTENT, "compare.inconsistent", STATUS_WARN,                                         \
	  "the servers of one side disagree about an RRset")                                                 \
	X(COMPARE_UNREACHABLE, "compare.unreachable", STATUS_ERROR,                                          \
	  "a side's server gave no usable answer, so what it serves could not be compared")                  \
	X(COMPARE_NAMES, "compare.names", STATUS_INFO,                                                       \
	  "where the names compared came from: a zone transfer, a zone file, or discovery")                  \
	X(COMPARE_PROVIDER_SPECIFIC, "compare.provider-specific", STATUS_INFO,                               \
	  "the apex SOA or NS set differs, as it does by design when the provider changes: told, not "       \
	  "judged (the negative-caching TTL and the NS TTL are judged as compare.ttl)")                      \
	/* --- dnssec ---------------------------------------------------- */                                \
	X(DNSSEC_OK, "dnssec.ok", STATUS_OK,                                                                 \
	  "the DS at the parent matches a key every server publishes, and signatures are valid")             \
	X(DNSSEC_DS_MISMATCH, "dnssec.ds-mismatch", STATUS_FAIL,                                             \
	  "no DS at the parent matches a DNSKEY a server publishes: validating resolvers fail the zone "     \
	  "there")                                                                                           \
	X(DNSSEC_BOGUS, "dnssec.bogus", STATUS_FAIL,                                                         \
	  "a signature is missing, expired or does not verify on a server")                                  \
	X(DNSSEC_SIG_EXPIRING, "dnssec.sig-expiring", STATUS_WARN,                                           \
	  "a signature expires within the threshold")                                                        \
	X(DNSSEC_UNSIGNED, "dnssec.unsigned", STATUS_FAIL,                                                   \
	  "a server serves the zone unsigned while the parent has a DS for it")                              \
	X(DNSSEC_NO_DENIAL, "dnssec.no-denial", STATUS_FAIL,                                                 \
	  "a signed zone's server gives no NSEC or NSEC3 proof for a name that does not exist")              \
	X(DNSSEC_INSECURE, "dnssec.insecure", STATUS_INFO,                                                   \
	  "no DS at the parent: no resolver validates the zone (signed or not), and DNSSEC breaks nothing "  \
	  "when it moves")                                                                                   \
	X(DNSSEC_ORDER, "dnssec.order", STATUS_INFO,                                                         \
	  "which change must come first across a provider move: the DS at the parent or the NS delegation")  \
	X(CHECK_NO_DATA, "check.no-data", STATUS_ERROR,                                                      \
	  "no server answered, so the check could not judge anything")                                       \
	X(CHECK_TOO_MANY_ROUNDS, "check.too-many-rounds", STATUS_ERROR,                                      \
	  "a check still wanted more answers after the most rounds of questions an audit allows")            \
	X(CHECK_CNAME_LOOP, "check.cname-loop", STATUS_FAIL,                                                 \
	  "a name a check reads is an alias whose CNAME chain loops: it cannot resolve")

enum code {
#define X(id, name, status, summary) CODE_##id,
	CODES(X)
#undef X
		CODE_COUNT
};

/* "ttl.too-high" */
const char *code_name(enum code code);
/* The code's default status. */
enum status code_status(enum code code);

#endif
