/* smtp: a mail server on each address of its host -- `resolve:`'s, else
 * every A and AAAA of the host; without `host:`, every MX exchange of the
 * domain -- greets with 220, answers EHLO and, on ports other than 465,
 * offers STARTTLS (required unless `starttls: optional`); TLS is made, and
 * the certificate verified for the host, on 465 from the first byte. The
 * session ends with QUIT before any command that would send mail. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "http.h"
#include "service.h"
#include "util.h"

#define SMTP_CHECK_TIMEOUT_MS 10000
#define SMTPS_PORT 465

static const char *const starttls_choices[] = {"required", "optional", NULL};

static const struct check_param params[] = {
	{"host", PARAM_NAME, 0, NULL, "the mail server (default: every MX exchange of the domain)"},
	{"resolve", PARAM_ADDRS, 0, NULL,
	 "addresses to connect to, each checked and reported apart (default: every A and AAAA of the "
	 "host)"},
	{"port", PARAM_UINT, 0, NULL, "25 (default), 587 (submission, STARTTLS) or 465 (TLS from the start)"},
	{"starttls", PARAM_ENUM, 0, starttls_choices,
	 "required (default): the server must offer STARTTLS; optional: plain is enough"},
	{"timeout", PARAM_DURATION, 0, NULL, "for each session (default 10s)"},
	{NULL, 0, 0, NULL, NULL},
};

struct smtp_target {
	const char *host; /* absolute, lower case */
	struct service_addr a;
	const char *key;
};

struct smtp_state {
	int stage; /* 0 MX asked, 1 hosts' addresses asked, 2 sessions out, 3 done */
	const char **hosts;
	size_t n_hosts;
	struct smtp_target *t;
	size_t n;
};

static unsigned port_of(struct check_ctx *ctx)
{
	unsigned long port = ctx_param_uint(ctx, "port", 25);
	return port > 0 && port < 65536 ? (unsigned)port : 25;
}

/* The name said in EHLO: this host's name when it is one, else "localhost"
 * (what libcurl says by default). */
static const char *ehlo_name(struct check_ctx *ctx)
{
	char name[256];
	if (gethostname(name, sizeof(name)) != 0)
		return "localhost";
	name[sizeof(name) - 1] = '\0';
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '.'))
			return "localhost";
	return *name ? arena_strdup(ctx_arena(ctx), name) : "localhost";
}

static void ask_hosts(struct check_ctx *ctx, struct smtp_state *p)
{
	for (size_t i = 0; i < p->n_hosts; i++)
		service_ask(ctx, p->hosts[i]);
	p->stage = 1;
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct smtp_state *p = arena_alloc(ctx_arena(ctx), sizeof(*p));
	memset(p, 0, sizeof(*p));
	*ctx_state(ctx) = p;
	const char *host = ctx_param_str(ctx, "host");
	if (host) {
		const char *name = ctx_name(ctx, host);
		if (!name) {
			ctx_finding(ctx, CODE_SMTP_UNREACHABLE, host, NULL, NULL, NULL,
				    "'%s' is not a host name", host);
			return -1;
		}
		p->hosts = arena_alloc(ctx_arena(ctx), sizeof(*p->hosts));
		p->hosts[p->n_hosts++] = name;
		ask_hosts(ctx, p);
		return 0;
	}
	ctx_lookup(ctx, ctx_name(ctx, ctx_domain(ctx)), LDNS_RR_TYPE_MX);
	return 0;
}

/* Stage 0: the MX exchanges become the hosts. Returns 0 when there are none
 * (a finding says why). */
static int read_mx(struct check_ctx *ctx, struct smtp_state *p)
{
	const char *domain = ctx_name(ctx, ctx_domain(ctx));
	ldns_rr_list *rrs = NULL;
	const char *why;
	enum lookup_outcome o = lookup_records(ctx, domain, LDNS_RR_TYPE_MX, &rrs, &why, NULL);
	const char *subject = subject_of(ctx, domain, LDNS_RR_TYPE_MX);
	if (o == LOOKUP_FAILED) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, why,
			    "the MX records of %s could not be determined (%s): no mail server to check",
			    name_display(ctx, domain), why);
		return 0;
	}
	size_t n = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	p->hosts = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(*p->hosts));
	for (size_t i = 0; i < n; i++) {
		const char *ex = rr_name(ctx, ldns_rr_list_rr(rrs, i), 1);
		int dup = 0;
		for (size_t k = 0; ex && k < p->n_hosts; k++)
			dup |= strcmp(p->hosts[k], ex) == 0;
		if (ex && strcmp(ex, ".") != 0 && !dup)
			p->hosts[p->n_hosts++] = ex;
	}
	if (rrs)
		ldns_rr_list_free(rrs);
	if (!p->n_hosts) {
		ctx_finding(ctx, CODE_SMTP_UNREACHABLE, subject, NULL, "an MX exchange", NULL,
			    "%s has no MX exchange to check (give host: to check another server)",
			    name_display(ctx, domain));
		return 0;
	}
	ask_hosts(ctx, p);
	return 1;
}

/* Stage 1: a session to every address of every host. */
static void start_sessions(struct check_ctx *ctx, struct smtp_state *p)
{
	unsigned port = port_of(ctx);
	const char *starttls = ctx_param_str(ctx, "starttls");
	int required = !starttls || strcmp(starttls, "required") == 0;
	const char *ehlo = ehlo_name(ctx);
	struct arena *ar = ctx_arena(ctx);
	struct service_addr **addrs = arena_alloc(ar, p->n_hosts * sizeof(*addrs));
	size_t *n_addrs = arena_alloc(ar, p->n_hosts * sizeof(*n_addrs)), total = 0;

	p->stage = 2;
	for (size_t h = 0; h < p->n_hosts; h++) {
		const char *host = name_display(ctx, p->hosts[h]), *why;
		int failed;
		n_addrs[h] = service_addresses(ctx, host, &addrs[h], &why, &failed);
		total += n_addrs[h];
		if (!n_addrs[h])
			ctx_finding(ctx, failed ? CODE_CHECK_NO_DATA : CODE_SMTP_UNREACHABLE,
				    arena_printf(ar, "%s:%u", host, port), NULL, NULL, why,
				    "the mail server %s cannot be reached: %s", host, why);
	}
	p->t = arena_alloc(ar, (total ? total : 1) * sizeof(*p->t));
	for (size_t h = 0; h < p->n_hosts; h++) {
		const char *host = name_display(ctx, p->hosts[h]);
		for (size_t i = 0; i < n_addrs[h]; i++) {
			struct smtp_target *t = &p->t[p->n++];
			t->host = host;
			t->a = addrs[h][i];
			/* the key is the audit's, across rules: what makes the session */
			t->key = arena_printf(ar, "smtp %s:%u @%s starttls=%d", host, port, t->a.addr,
					      required);
			struct http_request req = {
				.url = arena_printf(ar, "%s://%s:%u/%s",
						    port == SMTPS_PORT ? "smtps" : "smtp", host, port, ehlo),
				.smtp = 1,
				.starttls = port == SMTPS_PORT ? HTTP_STARTTLS_NO
					    : required	       ? HTTP_STARTTLS_REQUIRED
							       : HTTP_STARTTLS_TRY,
				.timeout_ms = ctx_param_ms(ctx, "timeout", SMTP_CHECK_TIMEOUT_MS),
				.resolve = service_pin(ctx, host, port, t->a.addr),
				.certinfo = 1,
			};
			ctx_fetch(ctx, t->key, &req);
		}
	}
}

/* The first line of a reply, for messages. */
static const char *first_line(struct check_ctx *ctx, const char *reply)
{
	if (!reply)
		return NULL;
	size_t len = strcspn(reply, "\n");
	return arena_printf(ctx_arena(ctx), "%.*s", (int)len, reply);
}

static void judge_session(struct check_ctx *ctx, const struct smtp_target *t, const struct http_response *r)
{
	unsigned port = port_of(ctx);
	const char *subject = arena_printf(ctx_arena(ctx), "%s:%u", t->host, port);
	const char *label = service_label(ctx, &t->a);
	const char *banner = first_line(ctx, r->banner);
	switch (r->error ? r->failure : HTTP_FAIL_NONE) {
	case HTTP_FAIL_NONE:
		break;
	case HTTP_FAIL_STARTTLS:
		ctx_finding_at(ctx, CODE_SMTP_STARTTLS_MISSING, subject, label, "STARTTLS in the EHLO reply",
			       r->ehlo ? first_line(ctx, r->ehlo) : NULL,
			       "%s (%s) does not offer STARTTLS: mail to it would travel in clear text",
			       t->host, t->a.addr);
		return;
	case HTTP_FAIL_TLS:
		ctx_finding_at(ctx, CODE_SMTP_TLS, subject, label, NULL, NULL, "TLS with %s (%s) failed: %s",
			       t->host, t->a.addr, r->error);
		return;
	default:
		ctx_finding_at(ctx, CODE_SMTP_UNREACHABLE, subject, label, "a 220 greeting and an EHLO reply",
			       banner, "no SMTP session with %s (%s): %s%s%s%s", t->host, t->a.addr, r->error,
			       banner ? " (greeting: " : "", banner ? banner : "", banner ? ")" : "");
		return;
	}
	long days;
	const char *cert = r->tls ? service_expiry(ctx, r->cert_expires, &days) : "";
	const char *tls = port == SMTPS_PORT ? "TLS"
			  : r->tls	     ? "STARTTLS"
					     : "no STARTTLS offered (starttls: optional), plain text only";
	ctx_finding_at(ctx, CODE_SMTP_OK, subject, label, NULL, banner,
		       "%s (%s) greets '%s', answers EHLO; %s%s%s", t->host, t->a.addr, banner ? banner : "",
		       tls, *cert ? ", " : "", cert);
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct smtp_state *p = *ctx_state(ctx);
	switch (p->stage) {
	case 0:
		return read_mx(ctx, p) ? CHECK_AGAIN : 0;
	case 1:
		start_sessions(ctx, p);
		return p->n ? CHECK_AGAIN : 0;
	default:
		for (size_t i = 0; i < p->n; i++) {
			const struct http_response *r = ctx_fetch_result(ctx, p->t[i].key);
			if (r)
				judge_session(ctx, &p->t[i], r);
		}
		return 0;
	}
}

const struct check_desc check_smtp = {
	.name = "smtp",
	.summary =
		"a mail server greets, answers EHLO and offers STARTTLS (or TLS on 465) with a certificate "
		"valid for its name, on each of its addresses",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
