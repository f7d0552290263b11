/* `cutover provider DOMAIN`: discover the delegation (as `check` does, --ns
 * included), ask the zone's servers for its SOA, recognise the DNS provider
 * (src/provider.c) and print it with the lowest TTL it accepts and the steps
 * to lower a TTL there, in words a person can paste into a message. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "loop.h"
#include "names.h"
#include "provider.h"
#include "providercmd.h"
#include "report.h"
#include "resolve.h"
#include "session.h"
#include "util.h"

#define EXIT_USAGE 3

const char provider_usage[] =
	"usage: cutover provider [options] DOMAIN\n"
	"       cutover provider --list [-f json]\n"
	"\n"
	"Tell which DNS provider DOMAIN's zone is at, how that was recognised, the\n"
	"lowest TTL the provider accepts (and where that is documented), and the steps\n"
	"to lower a record's TTL there: text to paste into a message to the person\n"
	"who holds the account. The provider is recognised by the delegation's NS\n"
	"host names (the parent's, or those --ns gives) and, behind vanity name\n"
	"servers, by the SOA MNAME and RNAME the zone's servers answer.\n"
	"\n"
	"      --list               print the providers cutover knows: their NS and SOA\n"
	"                           patterns, lowest TTL and its source (also `cutover\n"
	"                           help providers`)\n"
	"      --ns NAME[/ADDR]     take these servers as the delegation (repeatable)\n"
	"      --resolver ADDR[#PORT]  use this recursive resolver instead of the embedded one\n"
	"      --root-hints FILE    root hints for the embedded resolver\n"
	"      --trust-anchor FILE  DNSSEC trust anchor\n"
	"      --timeout MS         per-query timeout, retries included (default 2000)\n"
	"  -f, --format FMT         text (default) or json\n"
	"  -o, --output FILE        write there instead of standard output\n"
	"  -q, --quiet              nothing on standard error but warnings and errors\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 the provider is recognised, 1 it is not (generic advice is\n"
	"printed instead of the provider's steps), 3 bad usage or could not run (the\n"
	"delegation could not be found, or no server answered for the SOA and the NS\n"
	"names say nothing).\n";

enum { OPT_LIST = 1100 };

const struct option provider_longopts[] = {
	{"list", no_argument, NULL, OPT_LIST},
	{NULL, 0, NULL, 0},
};

struct provider_opts {
	int list;
};

static int provider_option(void *arg, int c, const char *optarg)
{
	struct provider_opts *po = arg;
	(void)optarg;
	if (c != OPT_LIST)
		return -1;
	po->list = 1;
	return 0;
}

/* What one server said to the zone's SOA question. */
struct soa_slot {
	struct prun *run;
	int answered; /* with authority, an SOA at the zone's name */
	const char *mname, *rname;
};

/* One run of the command. */
struct prun {
	struct arena arena;
	struct session *s;
	struct delegation *d;
	int discovering;
	size_t pending;
	ldns_rdf *zone;
	struct soa_slot *slots;
	size_t n_slots;
	const char *mname, *rname; /* the SOA of the first server (in name order) that answered */
	const char *const *ns;	   /* the NS names the provider is told by */
	size_t n_ns;
	struct provider_match m;
};

static void on_discovered(void *arg, struct delegation *d)
{
	struct prun *run = arg;
	/* the NS answers discovery got are the taker's: not needed here */
	for (size_t i = 0; d && i < d->n_servers; i++) {
		ldns_pkt_free(d->servers[i].ns_pkt);
		d->servers[i].ns_pkt = NULL;
	}
	run->d = d;
	run->discovering = 0;
}

/* rdf as a name for output: canonical when it is one, else its text. */
static const char *rdf_name(struct arena *a, const ldns_rdf *rdf)
{
	char *text = rdf ? ldns_rdf2str(rdf) : NULL;
	if (!text)
		return NULL;
	const char *canon = name_canonical(a, text);
	const char *out = canon ? canon : arena_strdup(a, text);
	free(text);
	return out;
}

static void on_soa(void *arg, struct dns_answer *ans)
{
	struct soa_slot *slot = arg;
	struct prun *run = slot->run;
	run->pending--;
	if (ans->err || !ans->pkt)
		return;
	ldns_pkt *pkt = ans->pkt;
	if (ldns_pkt_aa(pkt) && ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR) {
		const ldns_rr_list *rrs = ldns_pkt_answer(pkt);
		for (size_t i = 0; i < ldns_rr_list_rr_count(rrs) && !slot->answered; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 2 ||
			    ldns_dname_compare(ldns_rr_owner(rr), run->zone) != 0)
				continue;
			slot->answered = 1;
			slot->mname = rdf_name(&run->arena, ldns_rr_rdf(rr, 0));
			slot->rname = rdf_name(&run->arena, ldns_rr_rdf(rr, 1));
		}
	}
	ldns_pkt_free(pkt);
}

/* Ask every server of the delegation (the first DELEG_SERVERS_MAX) for the
 * zone's SOA and wait for them all. Returns 0, or -1 when the loop failed. */
static int ask_soa(struct prun *run)
{
	const struct delegation *d = run->d;
	if (ldns_str2rdf_dname(&run->zone, d->zone) != LDNS_STATUS_OK)
		return 0;
	run->n_slots = d->n_servers < DELEG_SERVERS_MAX ? d->n_servers : DELEG_SERVERS_MAX;
	run->slots = arena_alloc(&run->arena, (run->n_slots + 1) * sizeof(*run->slots));
	memset(run->slots, 0, (run->n_slots + 1) * sizeof(*run->slots));
	for (size_t i = 0; i < run->n_slots; i++) {
		const struct ns_server *s = &d->servers[i];
		run->slots[i].run = run;
		if (dns_query(run->s->engine, (const struct sockaddr *)&s->addr, s->addrlen, run->zone,
			      LDNS_RR_TYPE_SOA, 0, on_soa, &run->slots[i]) == 0)
			run->pending++;
	}
	while (run->pending)
		if (loop_run_once(run->s->loop, 1) < 0)
			return -1;
	for (size_t i = 0; i < run->n_slots && !run->mname && !run->rname; i++)
		if (run->slots[i].answered) {
			run->mname = run->slots[i].mname;
			run->rname = run->slots[i].rname;
		}
	return 0;
}

/* names[0..n) (or up to a NULL), without trailing dots, joined by ", "
 * ("none" when there is none). */
static void print_names(FILE *out, const char *const *names, size_t n)
{
	size_t i;
	for (i = 0; i < n && names[i]; i++) {
		struct strbuf sb = STRBUF_INIT;
		size_t len = strlen(names[i]);
		sb_add(&sb, names[i], len > 1 && names[i][len - 1] == '.' ? len - 1 : len);
		struct strbuf clean = STRBUF_INIT;
		report_add_clean(&clean, sb.buf, REPORT_CLEAN_LINE);
		fprintf(out, "%s%s", i ? ", " : "", clean.buf ? clean.buf : "");
		sb_release(&clean);
		sb_release(&sb);
	}
	if (i == 0)
		fputs("none", out);
}

static void print_name(FILE *out, const char *name)
{
	if (name)
		print_names(out, &name, 1);
	else
		fputs("(none)", out);
}

/* What to tell a client whose provider is not in the table. */
static const char *const generic_advice[] = {
	"Find the DNS provider: the company whose name servers are listed above (the registrar's panel "
	"shows where the domain's NS records point).",
	"In that provider's panel or API, edit each record that will change and set its TTL as low as it "
	"allows (often 300 s, 5 minutes, or lower).",
	"Wait out the old TTL before making the change: resolvers may keep the old value until it runs out.",
	NULL,
};

static void write_steps(FILE *out, const char *const *steps)
{
	for (size_t i = 0; steps[i]; i++)
		fprintf(out, "  %zu. %s\n", i + 1, steps[i]);
}

/* domain as given (shown) and its zone (zone): "www.example.org is in the
 * zone example.org, which", or "example.org". */
static void write_subject(FILE *out, const char *shown, const char *zone, const char *which)
{
	if (strcmp(shown, zone) == 0)
		fputs(zone, out);
	else
		fprintf(out, "%s is in the zone %s, %s", shown, zone, which);
}

static int write_text(FILE *out, const struct prun *run, const char *shown, const char *zone)
{
	const struct provider_match *m = &run->m;
	const struct provider *p = m->provider;
	char ttl[64];
	write_subject(out, shown, zone, p ? "which" : "whose");
	if (p)
		fprintf(out, " is at %s.\n", p->name);
	else
		fprintf(out, "%sDNS provider is not recognised.\n", strcmp(shown, zone) ? " " : ": the ");
	fputs("  name servers: ", out);
	print_names(out, run->ns, run->n_ns);
	fputs("\n  SOA: ", out);
	if (run->mname || run->rname) {
		fputs("MNAME ", out);
		print_name(out, run->mname);
		fputs(", RNAME ", out);
		print_name(out, run->rname);
	} else {
		fputs("no server answered for it", out);
	}
	fputc('\n', out);
	if (!p) {
		fputs("\nTo lower a record's TTL before a change:\n", out);
		write_steps(out, generic_advice);
		fputs("\n`cutover provider --list` shows the providers cutover recognises.\n", out);
		return ferror(out) ? -1 : 0;
	}
	fprintf(out, "  recognised by: ");
	if (m->via == PROVIDER_VIA_NS)
		fprintf(out, "its NS names (%zu of %zu are %s's)", m->ns_matched, m->ns_total, p->name);
	else {
		fprintf(out, "its %s ", provider_via_text(m->via));
		print_name(out, m->evidence);
		fputs(" (vanity name servers)", out);
	}
	fputc('\n', out);
	if (m->other)
		fprintf(out, "  also: %zu of the NS names are %s's (a delegation halfway through a move?)\n",
			m->other_matched, m->other->name);
	provider_ttl_text(p->min_ttl, ttl, sizeof(ttl));
	fprintf(out, "  lowest TTL accepted: %s%s%s%s\n", ttl, p->min_ttl_note ? " (" : "",
		p->min_ttl_note ? p->min_ttl_note : "", p->min_ttl_note ? ")" : "");
	fprintf(out, "  source: %s\n", p->source);
	fprintf(out, "\nTo lower a record's TTL at %s:\n", p->name);
	write_steps(out, p->steps);
	fputs("\nLower the TTL at least as long before the change as the TTL it has now (a record\n"
	      "cached with a TTL of 86400 may be held for a day), make the change, and raise\n"
	      "the TTL again once the change is done.\n",
	      out);
	return ferror(out) ? -1 : 0;
}

static json_t *json_names(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A name for JSON: without its trailing dot, valid UTF-8; null for none. */
static json_t *json_name(const char *name)
{
	if (!name)
		return json_null();
	size_t len = strlen(name);
	char *s = xstrndup(name, len > 1 && name[len - 1] == '.' ? len - 1 : len);
	json_t *j = report_json_string(s);
	free(s);
	return j ? j : json_null();
}

static json_t *json_provider(const struct provider *p)
{
	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:o}", "id", p->id, "name", p->name, "ns",
			 json_names(p->ns), "soa_mname", json_names(p->soa_mname), "soa_rname",
			 json_names(p->soa_rname), "min_ttl",
			 p->min_ttl == PROVIDER_TTL_UNKNOWN ? json_null() : json_integer(p->min_ttl),
			 "min_ttl_note", p->min_ttl_note ? json_string(p->min_ttl_note) : json_null(),
			 "source", p->source, "steps", json_names(p->steps));
}

static int dump(json_t *root, FILE *out)
{
	int rc = root && json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
	json_decref(root);
	return rc;
}

static int write_json(FILE *out, const struct prun *run, const char *domain)
{
	const struct provider_match *m = &run->m;
	json_t *ns = json_array(), *soa = json_null(), *other = json_null();
	for (size_t i = 0; i < run->n_ns; i++)
		json_array_append_new(ns, json_name(run->ns[i]));
	if (run->mname || run->rname)
		soa = json_pack("{s:o,s:o}", "mname", json_name(run->mname), "rname", json_name(run->rname));
	if (m->other)
		other = json_pack("{s:s,s:s,s:I}", "id", m->other->id, "name", m->other->name, "ns_matched",
				  (json_int_t)m->other_matched);
	json_t *root = json_pack("{s:o,s:o,s:b,s:o,s:s,s:o,s:o,s:I,s:I,s:o,s:o}", "domain", json_name(domain),
				 "zone", json_name(run->d->zone), "recognised", m->provider != NULL,
				 "provider", m->provider ? json_provider(m->provider) : json_null(),
				 "detected_by", provider_via_id(m->via), "evidence", json_name(m->evidence),
				 "ns", ns, "ns_matched", (json_int_t)m->ns_matched, "ns_total",
				 (json_int_t)m->ns_total, "other_provider", other, "soa", soa);
	if (root && !m->provider)
		json_object_set_new(root, "advice", json_names(generic_advice));
	return dump(root, out);
}

int provider_list_text(FILE *out)
{
	size_t n;
	const struct provider *t = provider_table(&n);
	char ttl[64];
	fputs("The DNS providers cutover recognises, by their name servers' host names (NS) or,\n"
	      "behind vanity name servers, their SOA; in a pattern '*' stands for one or more\n"
	      "characters of a label, '#' for one or more digits.\n\n",
	      out);
	for (size_t i = 0; i < n; i++) {
		const struct provider *p = &t[i];
		provider_ttl_text(p->min_ttl, ttl, sizeof(ttl));
		fprintf(out, "%-13s %s: lowest TTL %s%s%s%s\n", p->id, p->name, ttl,
			p->min_ttl_note ? " (" : "", p->min_ttl_note ? p->min_ttl_note : "",
			p->min_ttl_note ? ")" : "");
		fputs("    NS: ", out);
		print_names(out, p->ns, SIZE_MAX);
		if (p->soa_mname) {
			fputs("\n    SOA MNAME: ", out);
			print_names(out, p->soa_mname, SIZE_MAX);
		}
		if (p->soa_rname) {
			fputs("\n    SOA RNAME: ", out);
			print_names(out, p->soa_rname, SIZE_MAX);
		}
		fprintf(out, "\n    source: %s\n", p->source);
	}
	return ferror(out) ? -1 : 0;
}

static int write_list(FILE *out, enum report_format format)
{
	if (format == FORMAT_TEXT)
		return provider_list_text(out);
	size_t n;
	const struct provider *t = provider_table(&n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_provider(&t[i]));
	return dump(json_pack("{s:o}", "providers", a), out);
}

int cmd_provider(int argc, char **argv)
{
	struct common_opts o;
	struct provider_opts po = {0};
	struct prun run;
	struct output out = {NULL, NULL, NULL, NULL};
	char err[1024];
	int rc = EXIT_USAGE;
	memset(&run, 0, sizeof(run));
	run.arena = (struct arena)ARENA_INIT;
	struct opts_extra extra = {provider_longopts, "", provider_option, &po, 0, 0};
	int prc = opts_common_parse(&o, argc, argv, provider_usage, &extra);
	if (prc != 0) {
		rc = prc > 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (o.format != FORMAT_TEXT && o.format != FORMAT_JSON) {
		fprintf(stderr, "cutover: provider: the format is text or json (a provider is no "
				"pass-or-fail measure for nagios, junit, tap or prometheus)\n");
		goto out;
	}
	if (po.list) {
		if (o.n_args) {
			fprintf(stderr, "cutover: provider: --list takes no domain\n");
			goto out;
		}
		if (output_open(&out, o.output) != 0)
			goto out;
		int wrc = write_list(out.f, o.format);
		rc = output_close(&out, wrc == 0 ? 0 : errno ? errno : -1) == 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	if (o.n_args != 1) {
		fprintf(stderr, "cutover: provider: %s\nsee 'cutover help provider'\n",
			o.n_args ? "one domain at a time" : "no domain given");
		goto out;
	}
	const char *name = name_canonical(&run.arena, o.args[0]);
	if (!name || strcmp(name, ".") == 0) {
		fprintf(stderr, "cutover: provider: '%s' is not a domain name\n", o.args[0]);
		goto out;
	}
	if (session_open(&o, &run.s, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	run.discovering = 1;
	if (resolver_discover(run.s->resolver, &run.arena, name, on_discovered, &run) != 0) {
		fprintf(stderr, "cutover: provider: '%s' has no zone to ask\n", o.args[0]);
		goto out;
	}
	while (run.discovering)
		if (loop_run_once(run.s->loop, 1) < 0) {
			fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
			goto out;
		}
	const char *shown = name_text(&run.arena, name);
	if (!run.d || run.d->status != DELEG_OK) {
		fprintf(stderr, "cutover: provider: the name servers of %s could not be found: %s\n", shown,
			run.d && run.d->error ? run.d->error : "discovery failed");
		goto out;
	}
	if (ask_soa(&run) != 0) {
		fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
		goto out;
	}
	run.ns = run.d->n_parent_ns ? run.d->parent_ns : run.d->child_ns;
	run.n_ns = run.d->n_parent_ns ? run.d->n_parent_ns : run.d->n_child_ns;
	provider_detect(run.ns, run.n_ns, run.mname, run.rname, &run.m);
	if (!run.m.provider && !run.mname && !run.rname) {
		fprintf(stderr,
			"cutover: provider: the provider of %s could not be determined: its NS names are "
			"none "
			"cutover knows, and no server answered for its SOA\n",
			shown);
		goto out;
	}
	if (output_open(&out, o.output) != 0)
		goto out;
	int wrc = o.format == FORMAT_JSON
			  ? write_json(out.f, &run, shown)
			  : write_text(out.f, &run, shown, name_text(&run.arena, run.d->zone));
	if (output_close(&out, wrc == 0 ? 0 : errno ? errno : -1) != 0)
		goto out;
	rc = run.m.provider ? 0 : 1;
out:
	if (run.zone)
		ldns_rdf_deep_free(run.zone);
	session_close(run.s);
	arena_release(&run.arena);
	opts_common_release(&o);
	return rc;
}
