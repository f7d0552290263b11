/* The DNS providers cutover recognises, and the matcher that recognises one
 * from a zone's NS host names or, behind vanity name servers, its SOA. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "provider.h"
#include "util.h"

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define STEPS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One row per provider. The comment above each row names where its lowest
 * TTL is documented (the same text is the row's source, which `cutover
 * provider` prints); a provider whose documentation gives none is left
 * PROVIDER_TTL_UNKNOWN rather than guessed. */
static const struct provider providers[] = {
	/* "Time to Live (TTL)", Cloudflare DNS docs: DNS-only records 60 s to
	 * 1 day (30 s on Enterprise); proxied records are Auto, 300 s. */
	{"cloudflare", "Cloudflare",
	 NAMES("*.ns.cloudflare.com", "*.foundationdns.com", "*.foundationdns.net", "*.foundationdns.org"),
	 NULL, NAMES("dns.cloudflare.com"), 60,
	 "30 on Enterprise plans; proxied records are always Auto (300) until set to DNS only",
	 "https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/ (\"Time to Live (TTL)\")",
	 STEPS("Log in to the Cloudflare dashboard and select the domain.", "Go to DNS > Records.",
	       "Click Edit on the record, set TTL to the lowest offered (1 min; 30 s on Enterprise) and "
	       "Save. A "
	       "proxied record is always Auto (300 s): switch it to DNS only to set its TTL.",
	       "API: PATCH https://api.cloudflare.com/client/v4/zones/ZONE_ID/dns_records/RECORD_ID with "
	       "{\"ttl\": 60}.")},
	/* Amazon Route 53 API Reference, ResourceRecordSet: TTL, valid range 0
	 * to 2147483647. */
	{"route53", "Amazon Route 53",
	 NAMES("ns-#.awsdns-#.com", "ns-#.awsdns-#.net", "ns-#.awsdns-#.org", "ns-#.awsdns-#.co.uk"), NULL,
	 NAMES("awsdns-hostmaster.amazon.com"), 0,
	 "alias records have no TTL of their own: they take their target's",
	 "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html (TTL: valid "
	 "range "
	 "0 to 2147483647)",
	 STEPS("Open the Route 53 console, Hosted zones, and choose the zone.",
	       "Select the record and choose Edit record.", "Set TTL (seconds), for example 60, and Save.",
	       "CLI: aws route53 change-resource-record-sets --hosted-zone-id ZONE_ID --change-batch with an "
	       "UPSERT "
	       "of the record carrying the new TTL.")},
	/* Gandi LiveDNS API reference (rrset_ttl): the API refuses TTLs under
	 * 300 (reported in cavebeat/gandi-live-dns#5). */
	{"gandi", "Gandi",
	 NAMES("ns-#-a.gandi.net", "ns-#-b.gandi.net", "ns-#-c.gandi.net", "*.dns.gandi.net"),
	 NAMES("ns1.gandi.net"), NAMES("hostmaster.gandi.net"), 300, NULL,
	 "https://api.gandi.net/docs/livedns/ (rrset_ttl; lower values are refused, as "
	 "github.com/cavebeat/gandi-live-dns/issues/5 reports)",
	 STEPS("Log in to admin.gandi.net, open Domain and choose the domain.", "Open the DNS Records tab.",
	       "Click the pencil of the record, set TTL to 300 (5 minutes, the lowest accepted) and save.",
	       "API: PUT https://api.gandi.net/v5/livedns/domains/DOMAIN/records/NAME/TYPE with "
	       "{\"rrset_ttl\": 300, \"rrset_values\": [...]}.")},
	/* OVHcloud's own Terraform provider, ovh/terraform-provider-ovh#397:
	 * "the zone record route sets the TTL to 60 (and return 200) even if
	 * the request contains a value below". Its guide "Editing an OVHcloud
	 * DNS zone" says where TTLs are changed but gives no minimum. */
	{"ovh", "OVHcloud",
	 NAMES("dns#.ovh.net", "ns#.ovh.net", "dns#.ovh.ca", "ns#.ovh.ca", "dns#.anycast.me",
	       "ns#.anycast.me"),
	 NULL, NAMES("tech.ovh.net"), 60, "a lower TTL is silently raised to 60",
	 "https://github.com/ovh/terraform-provider-ovh/pull/397 (OVHcloud: the API sets a lower TTL to 60 "
	 "and answers 200)",
	 STEPS("Log in to the OVHcloud Control Panel, Web Cloud > Domain names, and choose the domain.",
	       "Open the DNS zone tab.",
	       "Click ... on the record's row, Modify record, set TTL to 60 and confirm (a lower value is "
	       "silently "
	       "raised to 60).",
	       "Records without a TTL of their own take the zone's: lower it with Modify default TTL.")},
	/* Hetzner Cloud API reference, Zone RRSets, "Change an RRSet's TTL":
	 * "Must be in between 60s and 2147483647s". */
	{"hetzner", "Hetzner",
	 NAMES("*.ns.hetzner.com", "*.ns.hetzner.de", "ns1.first-ns.de", "robotns#.second-ns.de",
	       "robotns#.second-ns.com", "ns#.your-server.de", "ns.second-ns.com", "ns#.second-ns.de"),
	 NULL, NAMES("dns.hetzner.com"), 60, NULL,
	 "https://docs.hetzner.cloud/reference/cloud#zone-rrset-actions-change-an-rrsets-ttl (\"Must be in "
	 "between 60s and 2147483647s\")",
	 STEPS("Log in to the Hetzner Console (older zones: dns.hetzner.com), open DNS and choose the zone.",
	       "Edit the record, set its TTL to 60 (the lowest accepted) and save.",
	       "API: POST https://api.hetzner.cloud/v1/zones/ZONE/rrsets/NAME/TYPE/actions/change_ttl with "
	       "{\"ttl\": 60}.")},
	/* DigitalOcean docs, glossary "TTL": "All DNS records require a
	 * minimum TTL value of 30 seconds." */
	{"digitalocean", "DigitalOcean", NAMES("ns#.digitalocean.com"), NULL, NULL, 30, NULL,
	 "https://docs.digitalocean.com/glossary/ttl/ (\"All DNS records require a minimum TTL value of 30 "
	 "seconds\")",
	 STEPS("In the DigitalOcean control panel open Networking > Domains and choose the domain.",
	       "On the record's More menu choose Edit record.",
	       "Set TTL (seconds) to 30, the lowest accepted, and Save.",
	       "API: PATCH https://api.digitalocean.com/v2/domains/DOMAIN/records/RECORD_ID with {\"ttl\": "
	       "30}.")},
	/* Namecheap API, namecheap.domains.dns.setHosts: TTL from 60 to 60000
	 * (default 1800); the panel's lowest choice is 1 min. */
	{"namecheap", "Namecheap",
	 NAMES("dns#.registrar-servers.com", "pdns#.registrar-servers.com", "freedns#.registrar-servers.com"),
	 NULL, NULL, 60, "the panel's Automatic is 30 minutes",
	 "https://www.namecheap.com/support/api/methods/domains-dns/set-hosts/ (TTL: 60 to 60000)",
	 STEPS("Sign in to Namecheap, open Domain List and click Manage next to the domain.",
	       "Open the Advanced DNS tab.",
	       "Edit the host record, choose TTL 1 min (the lowest offered) and save it with the tick.")},
	/* GoDaddy Domains API (developer.godaddy.com), records[].ttl: it answers
	 * "must have a minimum value of 600" below that (quoted in
	 * win-acme/win-acme#1947). */
	{"godaddy", "GoDaddy", NAMES("ns#.domaincontrol.com"), NULL, NAMES("dns.jomax.net"), 600, NULL,
	 "https://developer.godaddy.com/doc/endpoint/domains (records[].ttl: \"must have a minimum value of "
	 "600\")",
	 STEPS("Sign in to GoDaddy, open the Domain Portfolio and choose the domain.",
	       "Open DNS > DNS Records.",
	       "Edit the record (pencil), set TTL to Custom, 600 seconds (the lowest accepted), and Save.",
	       "API: PUT https://api.godaddy.com/v1/domains/DOMAIN/records/TYPE/NAME with [{\"data\": ..., "
	       "\"ttl\": 600}].")},
	/* Microsoft Learn, "Overview of DNS zones and records", Time-to-live:
	 * "any TTL value between 1 and 2,147,483,647 seconds". */
	{"azure", "Azure DNS",
	 NAMES("ns1-#.azure-dns.com", "ns2-#.azure-dns.net", "ns3-#.azure-dns.org", "ns4-#.azure-dns.info"),
	 NULL, NAMES("azuredns-hostmaster.microsoft.com"), 1, NULL,
	 "https://learn.microsoft.com/azure/dns/dns-zones-records#time-to-live (\"any TTL value between 1 "
	 "and "
	 "2,147,483,647 seconds\")",
	 STEPS("In the Azure portal open DNS zones and choose the zone.",
	       "Open Recordsets and select the record set.",
	       "Set TTL and TTL unit (as low as 1 second) and Save.",
	       "CLI: az network dns record-set a update -g GROUP -z ZONE -n NAME --set ttl=60 (likewise "
	       "aaaa, "
	       "cname, mx, txt).")},
	/* Cloud DNS API, ResourceRecordSet.ttl: "Number of seconds that this
	 * ResourceRecordSet can be cached by resolvers", no lower bound. */
	{"google", "Google Cloud DNS", NAMES("ns-cloud-*.googledomains.com"), NULL,
	 NAMES("cloud-dns-hostmaster.google.com"), PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: the Cloud DNS API's ResourceRecordSet.ttl "
	 "(https://cloud.google.com/dns/docs/reference/rest/v1/resourceRecordSets) gives no lower bound",
	 STEPS("In the Google Cloud console open Network services > Cloud DNS and choose the zone.",
	       "Choose the record set and Edit.", "Set TTL and TTL unit and Save.",
	       "CLI: gcloud dns record-sets update NAME --zone=ZONE --type=A --ttl=60 --rrdatas=VALUE.")},
	/* Linode API v4, "Create a domain record", ttl_sec: 30, 120, 300,
	 * 3600 ...; other values are rounded up to the next (30 and 120 since
	 * linode/linode-api-docs#927). */
	{"linode", "Linode (Akamai)", NAMES("ns#.linode.com"), NULL, NULL, 30,
	 "other values are rounded up to the next accepted one: 30, 120, 300, 3600, 7200 ...",
	 "https://techdocs.akamai.com/linode-api/reference/post-domain-record (ttl_sec; 30 and 120 added in "
	 "github.com/linode/linode-api-docs/pull/927)",
	 STEPS("In Linode Cloud Manager open Domains and choose the domain.",
	       "On the record's ... menu choose Edit.", "Set TTL to 30 seconds (the lowest) and Save.",
	       "API: PUT https://api.linode.com/v4/domains/DOMAIN_ID/records/RECORD_ID with {\"ttl_sec\": "
	       "30}.")},
	/* ClouDNS wiki, article 188 "TTL": accepted TTLs 60, 300, 900, 1800,
	 * 3600 ... */
	{"cloudns", "ClouDNS",
	 NAMES("*.cloudns.net", "*.cloudns.com", "*.cloudns.uk", "*.cloudns.biz", "*.cloudns.info",
	       "*.cloudns.org"),
	 NULL, NAMES("support.cloudns.net"), 60, "only 60, 300, 900, 1800, 3600 ... are accepted",
	 "https://www.cloudns.net/wiki/article/188/ (TTLs supported: 1 minute and up)",
	 STEPS("Log in to ClouDNS, open DNS Hosting and choose the zone.",
	       "Edit the record (pencil), choose TTL 1 minute (the lowest offered) and Save.")},
	/* deSEC API docs, "Domain Management": each domain has its own
	 * minimum_ttl (3600 for most), which deSEC lowers on request. */
	{"desec", "deSEC", NAMES("ns1.desec.io", "ns2.desec.org"), NAMES("get.desec.io"),
	 NAMES("get.desec.io"), PROVIDER_TTL_UNKNOWN,
	 "each domain has its own minimum, its minimum_ttl (3600 for most)",
	 "per domain: the minimum_ttl of the domain in deSEC's API "
	 "(https://desec.readthedocs.io/en/latest/dns/"
	 "domains.html)",
	 STEPS("Log in at desec.io and choose the domain.",
	       "Edit the record set's TTL: it cannot be below the domain's minimum_ttl; deSEC support lowers "
	       "that "
	       "on request.",
	       "API: PATCH https://desec.io/api/v1/domains/DOMAIN/rrsets/SUBNAME/TYPE/ with {\"ttl\": N}.")},
	/* Porkbun API v3 documentation, "DNS Create Record": the minimum and
	 * default TTL is 600. */
	{"porkbun", "Porkbun", NAMES("*.ns.porkbun.com"), NULL, NULL, 600, NULL,
	 "https://porkbun.com/api/json/v3/documentation#DNS%20Create%20Record (ttl: minimum and default 600)",
	 STEPS("Log in to Porkbun, open Domain Management and click DNS next to the domain.",
	       "Edit the record, set TTL to 600 (the lowest accepted) and save.",
	       "API: POST https://api.porkbun.com/api/json/v3/dns/edit/DOMAIN/ID with \"ttl\": \"600\".")},
	/* No minimum found in IONOS's documentation. */
	{"ionos", "IONOS", NAMES("ns#.ui-dns.com", "ns#.ui-dns.de", "ns#.ui-dns.org", "ns#.ui-dns.biz"), NULL,
	 NULL, PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: no minimum found in IONOS's help or DNS API documentation",
	 STEPS("Log in to IONOS, open Domains & SSL, choose the domain and open DNS.",
	       "Edit the record, choose the lowest TTL offered and save.")},
	/* No minimum found in Infomaniak's documentation. */
	{"infomaniak", "Infomaniak", NAMES("ns#.infomaniak.ch"), NULL, NULL, PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: no minimum found in Infomaniak's documentation",
	 STEPS("Log in to the Infomaniak Manager, open Domains, choose the domain and its DNS zone.",
	       "Edit the record, set its TTL and save.")},
	/* No minimum found in NS1's documentation. */
	{"ns1", "NS1 (IBM NS1 Connect; also behind Netlify DNS)", NAMES("dns#.p#.nsone.net"), NULL, NULL,
	 PROVIDER_TTL_UNKNOWN, NULL, "not documented: no minimum found in NS1's API documentation",
	 STEPS("In the NS1 portal (or Netlify: Domains > DNS settings) open the zone.",
	       "Edit the record's TTL and save.",
	       "NS1 API: POST https://api.nsone.net/v1/zones/ZONE/DOMAIN/TYPE with {\"ttl\": N}.")},
	/* No minimum found in DNSimple's documentation. */
	{"dnsimple", "DNSimple", NAMES("ns#.dnsimple.com", "ns#.dnsimple-edge.net", "ns#.dnsimple-edge.org"),
	 NULL, NULL, PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: no minimum found in DNSimple's support articles or API",
	 STEPS("Log in to DNSimple, choose the domain and open DNS > Records.",
	       "Edit the record, set TTL and Save.")},
	/* No minimum found in Vultr's documentation. */
	{"vultr", "Vultr", NAMES("ns#.vultr.com"), NULL, NULL, PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: no minimum found in Vultr's DNS documentation",
	 STEPS("In the Vultr customer portal open Network > DNS and choose the domain.",
	       "Edit the record, set TTL and save.")},
	/* No minimum found in Scaleway's documentation. */
	{"scaleway", "Scaleway", NAMES("ns#.dom.scw.cloud"), NULL, NULL, PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: no minimum found in Scaleway's Domains and DNS documentation",
	 STEPS("In the Scaleway console open Domains and DNS, choose the domain and its DNS zone.",
	       "Open DNS records, edit the record, set TTL and save.")},
	/* No minimum found in Hurricane Electric's documentation. */
	{"he", "Hurricane Electric", NAMES("ns#.he.net"), NULL, NULL, PROVIDER_TTL_UNKNOWN, NULL,
	 "not documented: no minimum found in dns.he.net's help",
	 STEPS("Log in at dns.he.net and choose the zone.",
	       "Edit the record, choose a TTL from the list and Submit.")},
};

const struct provider *provider_table(size_t *n)
{
	*n = ARRAY_SIZE(providers);
	return providers;
}

const struct provider *provider_find(const char *id)
{
	for (size_t i = 0; id && i < ARRAY_SIZE(providers); i++)
		if (strcmp(providers[i].id, id) == 0)
			return &providers[i];
	return NULL;
}

long provider_highest_minimum(void)
{
	long highest = 0;
	for (size_t i = 0; i < ARRAY_SIZE(providers); i++)
		if (providers[i].min_ttl > highest)
			highest = providers[i].min_ttl;
	return highest;
}

const char *provider_via_text(enum provider_via via)
{
	switch (via) {
	case PROVIDER_VIA_NS:
		return "NS names";
	case PROVIDER_VIA_SOA_MNAME:
		return "SOA MNAME";
	case PROVIDER_VIA_SOA_RNAME:
		return "SOA RNAME";
	case PROVIDER_VIA_NONE:
		break;
	}
	return "";
}

const char *provider_via_id(enum provider_via via)
{
	switch (via) {
	case PROVIDER_VIA_NS:
		return "ns";
	case PROVIDER_VIA_SOA_MNAME:
		return "soa-mname";
	case PROVIDER_VIA_SOA_RNAME:
		return "soa-rname";
	case PROVIDER_VIA_NONE:
		break;
	}
	return "none";
}

void provider_ttl_text(long ttl, char *buf, size_t len)
{
	if (ttl == PROVIDER_TTL_UNKNOWN)
		snprintf(buf, len, "not documented");
	else if (ttl >= 120 && ttl % 60 == 0)
		snprintf(buf, len, "%ld s (%ld minutes)", ttl, ttl / 60);
	else
		snprintf(buf, len, "%ld s", ttl);
}

/* --- matching ------------------------------------------------------------ */

#define LABEL_MAX 63
#define NAME_MAX_OCTETS 253

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* The length of name without one trailing dot, or 0 when it is not a plain
 * host name (lower-cased characters checked: letters, digits, '-', '_';
 * labels of 1 to 63 octets; 253 octets at most). */
static size_t host_length(const char *name)
{
	size_t len = strnlen(name, NAME_MAX_OCTETS + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > NAME_MAX_OCTETS)
		return 0;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!is_host_char(lower(name[i])) || ++label > LABEL_MAX)
			return 0;
	}
	return label ? len : 0;
}

/* Whether character c of a name is in the class of wildcard w ('*' any, '#'
 * a digit). */
static int in_class(char w, char c)
{
	return w == '*' || (c >= '0' && c <= '9');
}

/* Whether the pattern label p[0..pl) matches the name label s[0..sl) (sl <=
 * 63). Dynamic programming over the pattern: can[j] says whether the pattern
 * read so far matches s[0..j); a wildcard takes one character or more. Time
 * pl * sl, whatever the pattern holds. */
static int label_match(const char *p, size_t pl, const char *s, size_t sl)
{
	unsigned char can[LABEL_MAX + 1], next[LABEL_MAX + 1];
	memset(can, 0, sizeof(can));
	can[0] = 1;
	for (size_t i = 0; i < pl; i++) {
		char pc = lower(p[i]);
		int wild = pc == '*' || pc == '#';
		next[0] = 0;
		for (size_t j = 1; j <= sl; j++) {
			char c = lower(s[j - 1]);
			if (wild)
				next[j] = in_class(pc, c) && (can[j - 1] || next[j - 1]);
			else
				next[j] = can[j - 1] && c == pc;
		}
		memcpy(can, next, sl + 1);
	}
	return can[sl];
}

int provider_name_match(const char *pattern, const char *name)
{
	if (!pattern || !name)
		return 0;
	size_t len = host_length(name);
	if (len == 0)
		return 0;
	size_t plen = strlen(pattern);
	const char *p = pattern, *pend = pattern + plen;
	const char *s = name, *send = name + len;
	for (;;) {
		const char *pdot = memchr(p, '.', (size_t)(pend - p));
		const char *sdot = memchr(s, '.', (size_t)(send - s));
		size_t pl = (size_t)((pdot ? pdot : pend) - p), sl = (size_t)((sdot ? sdot : send) - s);
		if (pl == 0 || !label_match(p, pl, s, sl))
			return 0;
		if (!pdot || !sdot)
			return !pdot && !sdot; /* the same number of labels */
		p = pdot + 1;
		s = sdot + 1;
	}
}

int provider_pattern_valid(const char *pattern)
{
	size_t len = pattern ? strlen(pattern) : 0, label = 0;
	if (len == 0 || len > NAME_MAX_OCTETS || pattern[len - 1] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = pattern[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((!is_host_char(c) && c != '*' && c != '#') || ++label > LABEL_MAX) {
			return 0;
		}
	}
	return 1;
}

/* Whether name matches one of patterns (NULL-terminated, or NULL). */
static int match_any(const char *const *patterns, const char *name)
{
	for (size_t i = 0; patterns && patterns[i]; i++)
		if (provider_name_match(patterns[i], name))
			return 1;
	return 0;
}

/* The first row with an NS pattern that name matches, or -1. */
static int ns_owner(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(providers); i++)
		if (match_any(providers[i].ns, name))
			return (int)i;
	return -1;
}

void provider_detect(const char *const *ns, size_t n_ns, const char *mname, const char *rname,
		     struct provider_match *out)
{
	size_t count[ARRAY_SIZE(providers)];
	const char *first[ARRAY_SIZE(providers)];
	memset(out, 0, sizeof(*out));
	memset(count, 0, sizeof(count));
	out->ns_total = n_ns < PROVIDER_NS_MAX ? n_ns : PROVIDER_NS_MAX;
	for (size_t k = 0; k < out->ns_total; k++) {
		int i = ns_owner(ns[k]);
		if (i >= 0 && count[i]++ == 0)
			first[i] = ns[k];
	}
	size_t best = 0, second = 0;
	for (size_t i = 1; i < ARRAY_SIZE(providers); i++) {
		if (count[i] > count[best]) {
			second = best;
			best = i;
		} else if (count[i] > count[second] || second == best) {
			second = i;
		}
	}
	if (count[best]) {
		out->provider = &providers[best];
		out->via = PROVIDER_VIA_NS;
		out->evidence = first[best];
		out->ns_matched = count[best];
		if (second != best && count[second]) {
			out->other = &providers[second];
			out->other_matched = count[second];
		}
		return;
	}
	for (size_t i = 0; mname && i < ARRAY_SIZE(providers); i++)
		if (match_any(providers[i].ns, mname) || match_any(providers[i].soa_mname, mname)) {
			out->provider = &providers[i];
			out->via = PROVIDER_VIA_SOA_MNAME;
			out->evidence = mname;
			return;
		}
	for (size_t i = 0; rname && i < ARRAY_SIZE(providers); i++)
		if (match_any(providers[i].soa_rname, rname)) {
			out->provider = &providers[i];
			out->via = PROVIDER_VIA_SOA_RNAME;
			out->evidence = rname;
			return;
		}
}
