/* Unit tests of the DNS provider table and matcher (src/provider.c): every
 * row recognised from name-server and SOA names of real-world shape, near
 * misses and hostile names recognised as nothing, and how the NS names and
 * the SOA are weighed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "provider.h"
#include "util.h"

/* Names as zones serve them, each with the provider it is at. */
struct sample {
	const char *id;
	const char *name;
};

/* NS host names, several shapes per provider (case and a trailing dot vary). */
static const struct sample ns_samples[] = {
	{"cloudflare", "ada.ns.cloudflare.com."},
	{"cloudflare", "BOB.NS.CLOUDFLARE.COM"},
	{"cloudflare", "kristin.foundationdns.com"},
	{"cloudflare", "kristin.foundationdns.net."},
	{"cloudflare", "kristin.foundationdns.org"},
	{"route53", "ns-1536.awsdns-00.co.uk."},
	{"route53", "ns-0.awsdns-00.com."},
	{"route53", "ns-1024.awsdns-63.org"},
	{"route53", "NS-512.AWSDNS-32.NET"},
	{"gandi", "ns-151-a.gandi.net."},
	{"gandi", "ns-9-b.gandi.net"},
	{"gandi", "ns-248-c.gandi.net"},
	{"gandi", "a.dns.gandi.net."},
	{"ovh", "dns10.ovh.net."},
	{"ovh", "ns10.ovh.net"},
	{"ovh", "dns200.anycast.me"},
	{"ovh", "ns200.anycast.me."},
	{"ovh", "dns11.ovh.ca"},
	{"hetzner", "hydrogen.ns.hetzner.com."},
	{"hetzner", "oxygen.ns.hetzner.com"},
	{"hetzner", "helium.ns.hetzner.de."},
	{"hetzner", "ns1.first-ns.de"},
	{"hetzner", "robotns2.second-ns.de"},
	{"hetzner", "robotns3.second-ns.com"},
	{"hetzner", "ns1.your-server.de"},
	{"hetzner", "ns.second-ns.com"},
	{"hetzner", "ns3.second-ns.de"},
	{"digitalocean", "ns1.digitalocean.com."},
	{"digitalocean", "NS3.DigitalOcean.com"},
	{"namecheap", "dns1.registrar-servers.com."},
	{"namecheap", "pdns1.registrar-servers.com"},
	{"namecheap", "freedns5.registrar-servers.com"},
	{"godaddy", "ns01.domaincontrol.com."},
	{"godaddy", "ns76.domaincontrol.com"},
	{"azure", "ns1-01.azure-dns.com."},
	{"azure", "ns2-01.azure-dns.net"},
	{"azure", "ns3-01.azure-dns.org"},
	{"azure", "ns4-35.azure-dns.info."},
	{"google", "ns-cloud-a1.googledomains.com."},
	{"google", "ns-cloud-e4.googledomains.com"},
	{"linode", "ns1.linode.com."},
	{"linode", "ns5.linode.com"},
	{"cloudns", "pns41.cloudns.net."},
	{"cloudns", "pns42.cloudns.com"},
	{"cloudns", "pns43.cloudns.uk"},
	{"cloudns", "pns44.cloudns.info"},
	{"cloudns", "ns11.cloudns.biz"},
	{"cloudns", "ns12.cloudns.org"},
	{"desec", "ns1.desec.io."},
	{"desec", "ns2.desec.org"},
	{"porkbun", "curitiba.ns.porkbun.com."},
	{"porkbun", "maceio.ns.porkbun.com"},
	{"ionos", "ns1045.ui-dns.com."},
	{"ionos", "ns1045.ui-dns.de"},
	{"ionos", "ns1045.ui-dns.org"},
	{"ionos", "ns1045.ui-dns.biz"},
	{"infomaniak", "ns11.infomaniak.ch."},
	{"infomaniak", "ns12.infomaniak.ch"},
	{"ns1", "dns1.p01.nsone.net."},
	{"ns1", "dns4.p04.nsone.net"},
	{"dnsimple", "ns1.dnsimple.com."},
	{"dnsimple", "ns2.dnsimple-edge.net"},
	{"dnsimple", "ns4.dnsimple-edge.org"},
	{"vultr", "ns1.vultr.com."},
	{"vultr", "ns2.vultr.com"},
	{"scaleway", "ns0.dom.scw.cloud."},
	{"scaleway", "ns1.dom.scw.cloud"},
	{"he", "ns1.he.net."},
	{"he", "ns5.he.net"},
};

/* SOA MNAMEs and RNAMEs of zones behind vanity name servers. */
static const struct sample mname_samples[] = {
	{"route53", "ns-1536.awsdns-00.co.uk."},
	{"gandi", "ns1.gandi.net."},
	{"ovh", "dns10.ovh.net."},
	{"hetzner", "hydrogen.ns.hetzner.com."},
	{"digitalocean", "ns1.digitalocean.com."},
	{"godaddy", "ns45.domaincontrol.com."},
	{"azure", "ns1-08.azure-dns.com."},
	{"google", "ns-cloud-c1.googledomains.com."},
	{"linode", "ns1.linode.com."},
	{"desec", "get.desec.io."},
};
static const struct sample rname_samples[] = {
	{"cloudflare", "dns.cloudflare.com."},
	{"route53", "awsdns-hostmaster.amazon.com."},
	{"gandi", "hostmaster.gandi.net."},
	{"ovh", "tech.ovh.net."},
	{"hetzner", "dns.hetzner.com."},
	{"godaddy", "DNS.JOMAX.NET."},
	{"azure", "azuredns-hostmaster.microsoft.com."},
	{"google", "cloud-dns-hostmaster.google.com."},
	{"cloudns", "support.cloudns.net."},
	{"desec", "get.desec.io."},
};

/* Names that look like a provider's and are not (or are no names at all). */
static const char *const near_misses[] = {
	"ns.cloudflare.com.evil.test",
	"ada.ns.cloudflare.com.evil.test.",
	"ns.cloudflare.com",
	"ada.ns.cloudflare.co",
	"ada.xns.cloudflare.com",
	"awsdns-1.com",
	"ns-1.awsdns-x1.com",
	"ns-.awsdns-1.com",
	"nsx-1.awsdns-1.com",
	"ns-1.awsdns-1.com.evil.test",
	"ns-1.awsdns-1.co",
	"ns-a-a.gandi.net",
	"ns-12-d.gandi.net",
	"ns-12-a.gandi.net.evil",
	"dns.ovh.net",
	"dnsx.ovh.net",
	"dns10.ovh.net.example",
	"ns1.digitalocean.com.example",
	"xns1.digitalocean.com",
	"ns1.digitalocean.co",
	"ns.digitalocean.com",
	"ns1-01.azure-dns.com.evil.test",
	"ns5-01.azure-dns.com",
	"ns1-xx.azure-dns.com",
	"ns-cloud-.googledomains.com",
	"ns1.dnsimple.com.cn",
	"dns1.registrar-servers.com.evil.test",
	"ns1.ui-dns.example",
	"get.desec.io.evil",
	"hostmaster.evil.test",
	"ns1..linode.com",
	"ns1.linode.com..",
	".ns1.linode.com",
	"ns1.linode\\.com",
	"ns1.linode.com\\000",
	"ns1.lin\x80ode.com",
	"ns1.lin ode.com",
	"",
	".",
};

static int provider_of(const char *name)
{
	size_t n;
	const struct provider *t = provider_table(&n);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; t[i].ns[k]; k++)
			if (provider_name_match(t[i].ns[k], name))
				return (int)i;
	return -1;
}

static void test_table(void **state)
{
	(void)state;
	size_t n;
	const struct provider *t = provider_table(&n);
	assert_true(n >= 12);
	for (size_t i = 0; i < n; i++) {
		const struct provider *p = &t[i];
		assert_non_null(p->id);
		assert_non_null(p->name);
		assert_non_null(p->source);
		assert_true(strlen(p->source) > 10);
		assert_ptr_equal(provider_find(p->id), p);
		assert_true(p->min_ttl >= 0 || p->min_ttl == PROVIDER_TTL_UNKNOWN);
		/* an unknown minimum says why it is unknown */
		if (p->min_ttl == PROVIDER_TTL_UNKNOWN)
			assert_true(strstr(p->source, "not documented") || strstr(p->source, "per domain"));
		assert_non_null(p->steps);
		assert_non_null(p->steps[0]);
		assert_non_null(p->ns);
		assert_non_null(p->ns[0]);
		const char *const *lists[] = {p->ns, p->soa_mname, p->soa_rname};
		for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
			for (size_t k = 0; lists[l] && lists[l][k]; k++) {
				if (!provider_pattern_valid(lists[l][k]))
					fail_msg("%s: pattern '%s' is not well formed", p->id, lists[l][k]);
			}
		for (size_t k = i + 1; k < n; k++)
			assert_string_not_equal(p->id, t[k].id);
	}
	assert_null(provider_find("nonesuch"));
	assert_null(provider_find(NULL));
	/* GoDaddy's and Porkbun's 600 is the highest documented minimum */
	assert_int_equal(provider_highest_minimum(), 600);
}

/* Every row is recognised by a sample of its NS names, and every sample by
 * its own row only. */
static void test_every_row_by_ns(void **state)
{
	(void)state;
	size_t n;
	const struct provider *t = provider_table(&n);
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		for (size_t k = 0; k < ARRAY_SIZE(ns_samples); k++)
			seen |= strcmp(ns_samples[k].id, t[i].id) == 0;
		if (!seen)
			fail_msg("no NS sample for %s", t[i].id);
	}
	for (size_t k = 0; k < ARRAY_SIZE(ns_samples); k++) {
		const char *name = ns_samples[k].name;
		int i = provider_of(name);
		if (i < 0 || strcmp(t[i].id, ns_samples[k].id) != 0)
			fail_msg("%s: expected %s, got %s", name, ns_samples[k].id, i < 0 ? "none" : t[i].id);
		struct provider_match m;
		provider_detect(&name, 1, NULL, NULL, &m);
		assert_ptr_equal(m.provider, &t[i]);
		assert_int_equal(m.via, PROVIDER_VIA_NS);
		assert_ptr_equal(m.evidence, name);
		assert_int_equal(m.ns_matched, 1);
		assert_int_equal(m.ns_total, 1);
		assert_null(m.other);
		/* matched by its own row only */
		for (size_t j = (size_t)i + 1; j < n; j++)
			for (size_t p = 0; t[j].ns[p]; p++)
				if (provider_name_match(t[j].ns[p], name))
					fail_msg("%s matches %s's %s too", name, t[j].id, t[j].ns[p]);
	}
}

/* Behind vanity name servers, the SOA tells: every row with SOA patterns
 * has a sample. */
static void test_vanity_by_soa(void **state)
{
	(void)state;
	const char *const vanity[] = {"ns1.example.org.", "ns2.example.org."};
	for (size_t k = 0; k < ARRAY_SIZE(mname_samples); k++) {
		struct provider_match m;
		provider_detect(vanity, 2, mname_samples[k].name, "hostmaster.example.org.", &m);
		if (!m.provider || strcmp(m.provider->id, mname_samples[k].id) != 0)
			fail_msg("MNAME %s: expected %s, got %s", mname_samples[k].name, mname_samples[k].id,
				 m.provider ? m.provider->id : "none");
		assert_int_equal(m.via, PROVIDER_VIA_SOA_MNAME);
		assert_ptr_equal(m.evidence, mname_samples[k].name);
		assert_int_equal(m.ns_matched, 0);
		assert_int_equal(m.ns_total, 2);
	}
	for (size_t k = 0; k < ARRAY_SIZE(rname_samples); k++) {
		struct provider_match m;
		provider_detect(vanity, 2, "ns1.example.org.", rname_samples[k].name, &m);
		if (!m.provider || strcmp(m.provider->id, rname_samples[k].id) != 0)
			fail_msg("RNAME %s: expected %s, got %s", rname_samples[k].name, rname_samples[k].id,
				 m.provider ? m.provider->id : "none");
		assert_int_equal(m.via, PROVIDER_VIA_SOA_RNAME);
		assert_ptr_equal(m.evidence, rname_samples[k].name);
	}
	size_t n;
	const struct provider *t = provider_table(&n);
	for (size_t i = 0; i < n; i++) {
		int rows = 0;
		for (size_t k = 0; k < ARRAY_SIZE(mname_samples); k++)
			rows += t[i].soa_mname && strcmp(mname_samples[k].id, t[i].id) == 0;
		if (t[i].soa_mname && !rows)
			fail_msg("no MNAME sample for %s", t[i].id);
		rows = 0;
		for (size_t k = 0; k < ARRAY_SIZE(rname_samples); k++)
			rows += strcmp(rname_samples[k].id, t[i].id) == 0;
		if (t[i].soa_rname && !rows)
			fail_msg("no RNAME sample for %s", t[i].id);
	}
}

static void test_near_misses(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(near_misses); k++) {
		const char *name = near_misses[k];
		struct provider_match m;
		provider_detect(&name, 1, name, name, &m);
		if (m.provider)
			fail_msg("'%s' taken for %s (%s)", name, m.provider->id, provider_via_text(m.via));
		assert_int_equal(m.via, PROVIDER_VIA_NONE);
		assert_null(m.evidence);
	}
	/* the SOA's names too */
	struct provider_match m;
	const char *ns = "ns1.example.org";
	provider_detect(&ns, 1, "ns1.gandi.net.evil.test", "dns.cloudflare.com.evil.test", &m);
	assert_null(m.provider);
	/* a label of 64 octets; a name of 257 */
	char label[65], longname[300];
	memset(label, 'a', 64);
	label[64] = 0;
	snprintf(longname, sizeof(longname), "%s.ns.cloudflare.com", label);
	assert_false(provider_name_match("*.ns.cloudflare.com", longname));
	label[63] = 0;
	snprintf(longname, sizeof(longname), "%s.ns.cloudflare.com", label);
	assert_true(provider_name_match("*.ns.cloudflare.com", longname));
	size_t len = 0;
	for (size_t i = 0; i < 120; i++)
		len += (size_t)snprintf(longname + len, sizeof(longname) - len, "a.");
	snprintf(longname + len, sizeof(longname) - len, "ns.cloudflare.com");
	assert_int_equal(strlen(longname), 257);
	assert_false(provider_name_match(
		"*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*"
		".*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*"
		".*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*"
		".*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.ns.cloudflare.com",
		longname));
	assert_false(provider_name_match(NULL, "a.ns.cloudflare.com"));
	assert_false(provider_name_match("*.ns.cloudflare.com", NULL));
}

static void test_pattern_syntax(void **state)
{
	(void)state;
	assert_true(provider_name_match("ns-#.awsdns-#.com", "ns-1.awsdns-2.com"));
	assert_false(provider_name_match("ns-#.awsdns-#.com", "ns-1a.awsdns-2.com"));
	assert_true(provider_name_match("*.x.test", "a-b_c.x.test"));
	assert_false(provider_name_match("*.x.test", "x.test"));
	assert_true(provider_name_match("a*b*c.test", "abbbc.test"));
	assert_false(provider_name_match("a*b*c.test", "abc.test"));
	assert_true(provider_name_match("**.test", "ab.test"));
	assert_false(provider_name_match("**.test", "a.test"));
	assert_true(provider_name_match("NS1.Example.TEST", "ns1.example.test."));
	assert_false(provider_name_match("ns1.example.test.", "ns1.example.test"));
	assert_false(provider_name_match("", "test"));
	assert_false(provider_name_match("a..test", "a..test"));
	/* a wildcard never spans a dot */
	assert_false(provider_name_match("*.test", "a.b.test"));
	assert_true(provider_pattern_valid("ns-#.awsdns-#.co.uk"));
	assert_false(provider_pattern_valid("ns1.example.test."));
	assert_false(provider_pattern_valid("Ns1.example.test"));
	assert_false(provider_pattern_valid("a..test"));
	assert_false(provider_pattern_valid("a b.test"));
	assert_false(provider_pattern_valid(""));
	assert_false(provider_pattern_valid(NULL));
	/* many wildcards cost pattern length times name length, no more */
	char pat[600];
	memset(pat, 0, sizeof(pat));
	for (size_t i = 0; i < 500; i += 2)
		memcpy(pat + i, "*a", 2);
	char name[70];
	memset(name, 'a', 63);
	name[63] = 0;
	assert_false(provider_name_match(pat, name));
}

/* The NS names decide; the provider with most of them wins, the other is
 * named; the SOA only when no NS name is a provider's. */
static void test_detect_weighing(void **state)
{
	(void)state;
	struct provider_match m;
	const char *move[] = {"ns-1.awsdns-01.com", "ada.ns.cloudflare.com", "bob.ns.cloudflare.com",
			      "ns1.example.org"};
	provider_detect(move, 4, "ns1.gandi.net", "hostmaster.gandi.net", &m);
	assert_string_equal(m.provider->id, "cloudflare");
	assert_int_equal(m.via, PROVIDER_VIA_NS);
	assert_ptr_equal(m.evidence, move[1]);
	assert_int_equal(m.ns_matched, 2);
	assert_int_equal(m.ns_total, 4);
	assert_string_equal(m.other->id, "route53");
	assert_int_equal(m.other_matched, 1);
	/* a tie: the first of the table */
	const char *tie[] = {"ns1.linode.com", "ns-1.awsdns-01.com"};
	provider_detect(tie, 2, NULL, NULL, &m);
	assert_string_equal(m.provider->id, "route53");
	assert_string_equal(m.other->id, "linode");
	/* MNAME before RNAME */
	const char *vanity = "ns1.example.org";
	provider_detect(&vanity, 1, "ns1.gandi.net.", "dns.cloudflare.com.", &m);
	assert_string_equal(m.provider->id, "gandi");
	assert_int_equal(m.via, PROVIDER_VIA_SOA_MNAME);
	provider_detect(&vanity, 1, NULL, "dns.cloudflare.com.", &m);
	assert_string_equal(m.provider->id, "cloudflare");
	provider_detect(NULL, 0, NULL, NULL, &m);
	assert_null(m.provider);
	assert_int_equal(m.ns_total, 0);
	/* only the first PROVIDER_NS_MAX names are looked at */
	const char *many[PROVIDER_NS_MAX + 1];
	for (size_t i = 0; i < PROVIDER_NS_MAX; i++)
		many[i] = "ns1.example.org";
	many[PROVIDER_NS_MAX] = "ns1.linode.com";
	provider_detect(many, PROVIDER_NS_MAX + 1, NULL, NULL, &m);
	assert_null(m.provider);
	assert_int_equal(m.ns_total, PROVIDER_NS_MAX);
	assert_string_equal(provider_via_text(PROVIDER_VIA_NS), "NS names");
	assert_string_equal(provider_via_id(PROVIDER_VIA_SOA_RNAME), "soa-rname");
	assert_string_equal(provider_via_id(PROVIDER_VIA_NONE), "none");
	char buf[64];
	provider_ttl_text(300, buf, sizeof(buf));
	assert_string_equal(buf, "300 s (5 minutes)");
	provider_ttl_text(60, buf, sizeof(buf));
	assert_string_equal(buf, "60 s");
	provider_ttl_text(PROVIDER_TTL_UNKNOWN, buf, sizeof(buf));
	assert_string_equal(buf, "not documented");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),	       cmocka_unit_test(test_every_row_by_ns),
		cmocka_unit_test(test_vanity_by_soa),  cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_pattern_syntax), cmocka_unit_test(test_detect_weighing),
	};
	return cmocka_run_group_tests_name("provider", tests, NULL, NULL);
}
