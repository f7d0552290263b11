/* http: a web page fetched from every address of its host -- the addresses
 * of `resolve:` (the new server before DNS points at it, or old and new side
 * by side), else every A and AAAA of the host -- under the host's real name
 * (SNI, Host:, certificate), as curl --resolve does. The status, a text the
 * page must contain, and the certificate (verified always unless `insecure:
 * true`, which is reported; its expiry against `cert_days_min`) are judged
 * per address.
 *
 * Redirects, when followed, are followed here rather than by libcurl: a
 * redirect to another host looks that host up through the session's
 * resolver like every other name cutover reads, where libcurl would ask the
 * system's; a redirect to the same host stays on the address being
 * checked. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "checks.h"
#include "http.h"
#include "service.h"
#include "util.h"

#define HTTP_CHECK_TIMEOUT_MS 10000
#define HTTP_CHECK_MAX_BODY (1024 * 1024)
#define HTTP_CHECK_MAX_HOPS 8
#define CERT_DAYS_MIN 14

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", NULL};

static const struct check_param params[] = {
	{"url", PARAM_URL, 1, NULL, "the page: http:// or https://, {domain} allowed"},
	{"resolve", PARAM_ADDRS, 0, NULL,
	 "addresses to send the request to, each checked and reported apart (default: every A and AAAA "
	 "of the host)"},
	{"status", PARAM_UINT, 0, NULL, "the HTTP status expected (default 200)"},
	{"contains", PARAM_STRING, 0, NULL, "a text the body must contain"},
	{"follow_redirects", PARAM_BOOL, 0, NULL, "follow up to 8 redirects (default false)"},
	{"timeout", PARAM_DURATION, 0, NULL, "for each request, connection included (default 10s)"},
	{"method", PARAM_ENUM, 0, methods, "the request method (default GET)"},
	{"headers", PARAM_STRINGS, 0, NULL, "request headers, \"Name: value\""},
	{"cert_days_min", PARAM_UINT, 0, NULL,
	 "days the certificate must still be valid (default 14; 0: not checked)"},
	{"insecure", PARAM_BOOL, 0, NULL, "do not verify the certificate (reported as http.insecure)"},
	{NULL, 0, 0, NULL, NULL},
};

enum target_stage {
	T_FETCH,  /* a request is out */
	T_LOOKUP, /* a redirect's host is being looked up */
	T_DONE
};

/* One address of the URL's host, and where its redirects led. */
struct target {
	struct service_addr a;
	const char *label; /* the server column */
	const char *url;   /* of the current hop */
	const char *host;  /* of the current hop */
	const char *addr;  /* of the current hop */
	const char *key;   /* of its request */
	int hops;
	enum target_stage stage;
};

struct http_state {
	const char *url;
	const char *host;
	struct target *t;
	size_t n;
	int started; /* the first requests are out */
};

/* The host and port of url, or -1 when it does not parse (the loader checked
 * it, with a stand-in for {domain}). */
static int url_host_port(struct check_ctx *ctx, const char *url, const char **host, unsigned *port)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	int rc = -1;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		*host = arena_strdup(ctx_arena(ctx), h);
		*port = (unsigned)strtoul(p, NULL, 10);
		rc = 0;
	}
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

static const char *method_of(struct check_ctx *ctx)
{
	const char *m = ctx_param_str(ctx, "method");
	return m ? m : "GET";
}

/* Send the target's current hop to its address. */
static void fetch(struct check_ctx *ctx, struct target *t)
{
	const char *host;
	unsigned port;
	const char **headers = NULL;
	size_t n_headers = ctx_param_list(ctx, "headers", &headers);
	const char **hl = arena_alloc(ctx_arena(ctx), (n_headers + 1) * sizeof(*hl));
	if (n_headers) /* headers is NULL without */
		memcpy(hl, headers, n_headers * sizeof(*hl));
	hl[n_headers] = NULL;

	t->stage = T_FETCH;
	/* the key is the audit's, across rules: everything that makes the request */
	struct strbuf key = STRBUF_INIT;
	sb_addf(&key, "%s %s @%s insecure=%d timeout=%u", method_of(ctx), t->url, t->addr,
		ctx_param_bool(ctx, "insecure", 0), ctx_param_ms(ctx, "timeout", HTTP_CHECK_TIMEOUT_MS));
	for (size_t i = 0; i < n_headers; i++)
		sb_addf(&key, "\n%s", headers[i]);
	t->key = arena_strdup(ctx_arena(ctx), key.buf);
	sb_release(&key);
	struct http_request req = {
		.method = method_of(ctx),
		.url = t->url,
		.headers = hl,
		.timeout_ms = ctx_param_ms(ctx, "timeout", HTTP_CHECK_TIMEOUT_MS),
		.insecure = ctx_param_bool(ctx, "insecure", 0),
		.max_body = HTTP_CHECK_MAX_BODY,
		.certinfo = 1,
	};
	if (url_host_port(ctx, t->url, &host, &port) == 0)
		req.resolve = service_pin(ctx, host, port, t->addr);
	ctx_fetch(ctx, t->key, &req);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct http_state *p = arena_alloc(ctx_arena(ctx), sizeof(*p));
	unsigned port;
	memset(p, 0, sizeof(*p));
	*ctx_state(ctx) = p;
	p->url = ctx_param_str(ctx, "url");
	if (url_host_port(ctx, p->url, &p->host, &port) != 0) {
		ctx_finding(ctx, CODE_HTTP_UNREACHABLE, p->url, NULL, NULL, NULL, "'%s' is not a URL",
			    p->url);
		return -1;
	}
	service_ask(ctx, p->host);
	return 0;
}

/* The status the rule expects. */
static unsigned long want_status(struct check_ctx *ctx)
{
	return ctx_param_uint(ctx, "status", 200);
}

/* Judge the final response of a target. */
static void judge_response(struct check_ctx *ctx, struct http_state *p, struct target *t,
			   const struct http_response *r)
{
	const char *subject = p->url, *via = "";
	unsigned long status = want_status(ctx);
	if (t->hops)
		via = arena_printf(ctx_arena(ctx), " (after %d redirect%s, at %s)", t->hops,
				   t->hops == 1 ? "" : "s", t->url);
	if (r->error) {
		if (r->failure == HTTP_FAIL_TLS)
			ctx_finding_at(ctx, CODE_HTTP_TLS, subject, t->label, NULL, NULL,
				       "TLS with %s failed%s: %s", t->addr, via, r->error);
		else
			ctx_finding_at(ctx, CODE_HTTP_UNREACHABLE, subject, t->label, NULL, NULL,
				       "no HTTP answer from %s%s: %s", t->addr, via, r->error);
		return;
	}
	char want[16], got[16];
	snprintf(want, sizeof(want), "%lu", status);
	snprintf(got, sizeof(got), "%ld", r->status);
	int ok = 1;
	if ((unsigned long)r->status != status) {
		const char *loc = r->location ? arena_printf(ctx_arena(ctx), " to %s", r->location) : "";
		ctx_finding_at(ctx, CODE_HTTP_STATUS, subject, t->label, want, got,
			       "%s answered %ld%s, not %lu%s", t->addr, r->status,
			       r->status >= 300 && r->status < 400 ? loc : "", status, via);
		ok = 0;
	}
	const char *contains = ctx_param_str(ctx, "contains");
	if (ok && contains && *contains && !memmem(r->body, r->body_len, contains, strlen(contains))) {
		ctx_finding_at(ctx, CODE_HTTP_CONTENT, subject, t->label, contains, NULL,
			       "the page from %s%s does not contain '%s'%s", t->addr, via, contains,
			       r->body_truncated ? " in its first 1 MiB" : "");
		ok = 0;
	}
	long days;
	const char *cert = service_expiry(ctx, r->cert_expires, &days);
	unsigned long min_days = ctx_param_uint(ctx, "cert_days_min", CERT_DAYS_MIN);
	if (*cert && min_days && days < (long)min_days && !ctx_param_bool(ctx, "insecure", 0)) {
		char want_days[32];
		snprintf(want_days, sizeof(want_days), ">= %lu days", min_days);
		ctx_finding_at(ctx, CODE_HTTP_CERT_EXPIRING, subject, t->label, want_days,
			       arena_printf(ctx_arena(ctx), "%ld days", days),
			       "the %s from %s: renew it before the move", cert, t->addr);
		ok = 0;
	}
	if (ok)
		ctx_finding_at(ctx, CODE_HTTP_OK, subject, t->label, NULL, NULL,
			       "%s answered %ld in %.0f ms%s%s%s", t->addr, r->status, r->total_s * 1000, via,
			       *cert ? ", " : "", cert);
}

/* Where a redirect of t goes next; 1 when a new hop started (a request or a
 * lookup), 0 when r is the final response. */
static int follow(struct check_ctx *ctx, struct target *t, const struct http_response *r)
{
	const char *host;
	unsigned port;
	if (!ctx_param_bool(ctx, "follow_redirects", 0) || r->error || r->status < 300 || r->status > 399 ||
	    !r->location || t->hops >= HTTP_CHECK_MAX_HOPS)
		return 0;
	char err[256];
	if (http_url_check(r->location, err, sizeof(err)) != 0 ||
	    url_host_port(ctx, r->location, &host, &port) != 0)
		return 0; /* judged as the redirect it is */
	t->hops++;
	t->url = arena_strdup(ctx_arena(ctx), r->location);
	if (strcasecmp(host, t->host) == 0) {
		fetch(ctx, t); /* the same host: still the address checked */
		return 1;
	}
	t->host = host;
	if (service_host_is_literal(host)) {
		t->addr = t->host[0] == '['
				  ? arena_printf(ctx_arena(ctx), "%.*s", (int)strlen(host) - 2, host + 1)
				  : host;
		fetch(ctx, t);
		return 1;
	}
	t->stage = T_LOOKUP;
	ctx_lookup(ctx, host, LDNS_RR_TYPE_A);
	ctx_lookup(ctx, host, LDNS_RR_TYPE_AAAA);
	return 1;
}

/* A redirect's host was looked up: on to its first address. */
static void looked_up(struct check_ctx *ctx, struct http_state *p, struct target *t)
{
	ldns_rr_list *rrs = NULL;
	const char *why = NULL;
	enum lookup_outcome o = lookup_records(ctx, t->host, LDNS_RR_TYPE_A, &rrs, &why, NULL);
	if (o != LOOKUP_DATA)
		o = lookup_records(ctx, t->host, LDNS_RR_TYPE_AAAA, &rrs, &why, NULL);
	const ldns_rdf *f = o == LOOKUP_DATA ? ldns_rr_rdf(ldns_rr_list_rr(rrs, 0), 0) : NULL;
	char *text = f ? ldns_rdf2str(f) : NULL;
	if (rrs)
		ldns_rr_list_free(rrs);
	t->stage = T_DONE;
	if (!text) {
		ctx_finding_at(ctx, CODE_HTTP_UNREACHABLE, p->url, t->label, NULL, why,
			       "%s redirects to %s, whose host %s has no address (%s)", t->addr, t->url,
			       t->host, why ? why : "no A or AAAA record");
		return;
	}
	t->addr = arena_strdup(ctx_arena(ctx), text);
	free(text);
	fetch(ctx, t);
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct http_state *p = *ctx_state(ctx);
	int again = 0;

	if (!p->started) {
		const char *why;
		int failed;
		struct service_addr *a;
		p->started = 1;
		p->n = service_addresses(ctx, p->host, &a, &why, &failed);
		if (!p->n) {
			ctx_finding(ctx, failed ? CODE_CHECK_NO_DATA : CODE_HTTP_UNREACHABLE, p->url, NULL,
				    NULL, why, "%s cannot be fetched: %s has %s", p->url, p->host, why);
			return 0;
		}
		if (ctx_param_bool(ctx, "insecure", 0))
			ctx_finding(
				ctx, CODE_HTTP_INSECURE, p->url, NULL, "verified", "insecure: true",
				"certificates of %s are not verified (insecure: true): a wrong, expired or "
				"self-signed certificate passes here and fails in browsers",
				p->host);
		p->t = arena_alloc(ctx_arena(ctx), p->n * sizeof(*p->t));
		for (size_t i = 0; i < p->n; i++) {
			struct target *t = &p->t[i];
			memset(t, 0, sizeof(*t));
			t->a = a[i];
			t->label = service_label(ctx, &a[i]);
			t->url = p->url;
			t->host = p->host;
			t->addr = a[i].addr;
			fetch(ctx, t);
		}
		return CHECK_AGAIN;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];
		if (t->stage == T_LOOKUP) {
			looked_up(ctx, p, t);
			again |= t->stage == T_FETCH;
			continue;
		}
		if (t->stage != T_FETCH)
			continue;
		const struct http_response *r = ctx_fetch_result(ctx, t->key);
		if (!r)
			continue;
		if (follow(ctx, t, r)) {
			again = 1;
			continue;
		}
		t->stage = T_DONE;
		judge_response(ctx, p, t, r);
	}
	return again ? CHECK_AGAIN : 0;
}

const struct check_desc check_http = {
	.name = "http",
	.summary = "a web page answers on each address of its host (or resolve:) with the status, text and "
		   "certificate expected",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
