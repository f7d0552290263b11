/* mta-sts: the domain's MTA-STS (RFC 8461) as a sending mail server finds it
 * -- the _mta-sts TXT record (3.1), the policy fetched over HTTPS from
 * mta-sts.DOMAIN (3.3; no redirects, a certificate valid for that name,
 * status 200, text/plain, at most 64 KiB), its fields (3.2), and every MX of
 * the domain matched against its mx patterns (4.1) -- and its TLS-RPT record
 * at _smtp._tls (RFC 8460 3).
 *
 * The policy is fetched from each address of mta-sts.DOMAIN: `resolve:`'s
 * (the new server before DNS moves), else every A and AAAA found through
 * the session's resolver, each pinned (curl --resolve) so that libcurl looks
 * nothing up itself; each address's policy is judged on its own. Round 0
 * asks the two TXT records, the MX and the host's addresses at once; round 1
 * reads the fetches. The parsers are checks/mtasts_parse.c. */
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "http.h"
#include "mtasts_parse.h"
#include "service.h"
#include "util.h"

#define MTASTS_TIMEOUT_MS 10000
/* RFC 8461 3.3 asks senders to limit what they read of a policy; one of
 * 64 KiB is far above any real policy and is where senders commonly stop. */
#define MTASTS_MAX_BODY 65536
/* max_age below a day: senders forget the policy before the attacks it is
 * meant to stop at refresh time are unlikely (RFC 8461 3.2 expects "weeks
 * or greater"). */
#define MTASTS_MAX_AGE_LOW 86400UL

static const struct check_param params[] = {
	{"resolve", PARAM_ADDRS, 0, NULL,
	 "addresses to fetch the policy of mta-sts.{domain} from, each judged apart (default: every A and "
	 "AAAA of mta-sts.{domain})"},
	{"timeout", PARAM_DURATION, 0, NULL, "for each policy fetch, connection included (default 10s)"},
	{NULL, 0, 0, NULL, NULL},
};

/* One address the policy is fetched from. */
struct target {
	struct service_addr a;
	const char *label; /* the server column */
	const char *key;   /* of its request */
	int done;
};

struct mtasts_state {
	const char *domain;   /* "example.org." */
	const char *disp;     /* "example.org" */
	const char *sts_name; /* "_mta-sts.example.org." */
	const char *rpt_name; /* "_smtp._tls.example.org." */
	const char *host;     /* "mta-sts.example.org" */
	const char *url;
	int record_ok; /* exactly one valid MTA-STS record */
	const char *record_id;
	const char **mx; /* the MX hosts (absolute, lower case); NULL: none to judge */
	size_t n_mx;
	const char *mx_note; /* how the MX hosts were found, or why they could not be */
	struct target *t;
	size_t n;
	int fetching;
};

static const char *disp(struct check_ctx *ctx, const char *name)
{
	return name_display(ctx, name);
}

static int ask(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct arena *a = ctx_arena(ctx);
	struct mtasts_state *s = arena_alloc(a, sizeof(*s));
	memset(s, 0, sizeof(*s));
	*ctx_state(ctx) = s;
	s->domain = ctx_name(ctx, ctx_domain(ctx));
	if (s->domain && strcmp(s->domain, ".") != 0) {
		s->sts_name = ctx_name(ctx, arena_printf(a, "_mta-sts.%s", s->domain));
		s->rpt_name = ctx_name(ctx, arena_printf(a, "_smtp._tls.%s", s->domain));
		s->host = s->sts_name ? disp(ctx, ctx_name(ctx, arena_printf(a, "mta-sts.%s", s->domain)))
				      : NULL;
	}
	if (!s->sts_name || !s->rpt_name || !s->host) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, ctx_domain(ctx), NULL, NULL, NULL,
			    "'%s' is not a domain MTA-STS can apply to (or its names are too long)",
			    ctx_domain(ctx));
		return -1;
	}
	s->disp = disp(ctx, s->domain);
	s->url = arena_printf(a, "https://%s/.well-known/mta-sts.txt", s->host);
	ctx_lookup(ctx, s->sts_name, LDNS_RR_TYPE_TXT);
	ctx_lookup(ctx, s->rpt_name, LDNS_RR_TYPE_TXT);
	ctx_lookup(ctx, s->domain, LDNS_RR_TYPE_MX);
	service_ask(ctx, s->host);
	return 0;
}

/* The problems of a parse, errors (or notes) only, joined by "; ", with
 * their line numbers when line_prefix ("line "), and how many more. */
static const char *problems_text(struct check_ctx *ctx, const struct mtasts_problems *ps, int errors,
				 const char *line_prefix)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ps->n; i++) {
		const struct mtasts_problem *p = &ps->v[i];
		if (!p->error != !errors)
			continue;
		if (sb.len)
			sb_adds(&sb, "; ");
		if (line_prefix && p->line)
			sb_addf(&sb, "%s%u: ", line_prefix, p->line);
		sb_adds(&sb, p->text);
	}
	if (errors && ps->dropped)
		sb_addf(&sb, "; and %zu more", ps->dropped);
	const char *out = arena_strdup(ctx_arena(ctx), sb.len ? sb.buf : "");
	sb_release(&sb);
	return out;
}

/* Whether a parse had notes (problems that are not errors). */
static int has_notes(const struct mtasts_problems *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!ps->v[i].error)
			return 1;
	return 0;
}

/* What a TXT name holds, sorted into the records of one kind. */
struct txt_read {
	enum lookup_outcome outcome;
	const char *why;
	size_t n;	       /* records of the kind */
	const struct txt *one; /* the last of them */
	const struct txt *near;
};

static void read_txt(struct check_ctx *ctx, const char *name, int (*is)(const char *, size_t),
		     int (*looks)(const char *, size_t), struct txt_read *r)
{
	ldns_rr_list *rrs = NULL;
	struct txt *txt;
	memset(r, 0, sizeof(*r));
	r->outcome = lookup_records(ctx, name, LDNS_RR_TYPE_TXT, &rrs, &r->why, NULL);
	size_t n = txt_values(ctx, rrs, &txt);
	if (rrs)
		ldns_rr_list_free(rrs);
	for (size_t i = 0; i < n; i++) {
		if (is(txt[i].s, txt[i].len)) {
			r->n++;
			r->one = &txt[i];
		} else if (!r->near && looks(txt[i].s, txt[i].len)) {
			r->near = &txt[i];
		}
	}
}

/* A TXT's text for a message (and for `actual`): printable, shortened. */
static const char *txt_text(struct check_ctx *ctx, const struct txt *t)
{
	return arena_strdup(ctx_arena(ctx), str_show(t->s, t->len).s);
}

/* The _mta-sts record. Returns 1 when there is one to fetch a policy for
 * (even an invalid one: its policy is judged too), 0 when not. */
static int judge_record(struct check_ctx *ctx, struct mtasts_state *s)
{
	struct txt_read r;
	const char *subject = subject_of(ctx, s->sts_name, LDNS_RR_TYPE_TXT);
	read_txt(ctx, s->sts_name, mtasts_record_is_sts, mtasts_record_looks_sts, &r);
	if (r.outcome == LOOKUP_FAILED) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, NULL,
			    "whether %s has MTA-STS could not be determined: looking up %s failed (%s)",
			    s->disp, disp(ctx, s->sts_name), r.why);
		return 0;
	}
	if (r.n == 0 && r.near) {
		ctx_finding(
			ctx, CODE_MTA_STS_RECORD_SYNTAX, subject, NULL, "v=STSv1 first",
			txt_text(ctx, r.near),
			"%s has a TXT record meant as MTA-STS that senders ignore: it does not start with "
			"v=STSv1 (exactly, first) (RFC 8461 3.1)",
			disp(ctx, s->sts_name));
		return 0;
	}
	if (r.n == 0) {
		ctx_finding(ctx, CODE_MTA_STS_MISSING, subject, NULL, "v=STSv1; id=...",
			    r.outcome == LOOKUP_NXDOMAIN ? "(no such name)" : "(no v=STSv1 record)",
			    "%s has no MTA-STS: no TXT record at %s starts with v=STSv1, so senders deliver "
			    "with TLS only when it is offered, and take any certificate (unless DANE)",
			    s->disp, disp(ctx, s->sts_name));
		return 0;
	}
	if (r.n > 1) {
		ctx_finding(ctx, CODE_MTA_STS_RECORD_SYNTAX, subject, NULL, "1",
			    arena_printf(ctx_arena(ctx), "%zu", r.n),
			    "%s has %zu TXT records starting with v=STSv1: senders take that as no MTA-STS "
			    "at all (RFC 8461 3.1)",
			    disp(ctx, s->sts_name), r.n);
		return 1;
	}
	struct mtasts_record rec;
	if (mtasts_record_parse(r.one->s, r.one->len, &rec) != 0) {
		ctx_finding(ctx, CODE_MTA_STS_RECORD_SYNTAX, subject, NULL,
			    "v=STSv1; id=1 to 32 letters and digits", txt_text(ctx, r.one),
			    "%s is not a valid MTA-STS record, so senders ignore it (RFC 8461 3.1): %s",
			    disp(ctx, s->sts_name), problems_text(ctx, &rec.problems, 1, NULL));
		return 1;
	}
	if (has_notes(&rec.problems))
		ctx_finding_as(ctx, STATUS_WARN, CODE_MTA_STS_RECORD_SYNTAX, subject, NULL, NULL,
			       txt_text(ctx, r.one), "%s: %s", disp(ctx, s->sts_name),
			       problems_text(ctx, &rec.problems, 0, NULL));
	s->record_ok = 1;
	s->record_id = arena_strdup(ctx_arena(ctx), rec.id);
	return 1;
}

/* The domain's MX hosts, which the policy must cover. */
static void read_mx(struct check_ctx *ctx, struct mtasts_state *s)
{
	ldns_rr_list *rrs = NULL;
	const char *why = NULL;
	enum lookup_outcome o = lookup_records(ctx, s->domain, LDNS_RR_TYPE_MX, &rrs, &why, NULL);
	size_t n = rrs ? ldns_rr_list_rr_count(rrs) : 0;
	if (o == LOOKUP_FAILED) {
		s->mx_note = arena_printf(ctx_arena(ctx), "the MX lookup failed (%s)", why);
		ctx_finding(
			ctx, CODE_CHECK_NO_DATA, subject_of(ctx, s->domain, LDNS_RR_TYPE_MX), NULL, NULL,
			NULL,
			"whether the MTA-STS policy of %s covers its MX hosts could not be determined: %s",
			s->disp, s->mx_note);
	} else if (o == LOOKUP_NXDOMAIN) {
		s->mx_note = "the domain does not exist (NXDOMAIN)";
	} else if (n == 0) {
		/* no MX: mail goes to the domain itself (RFC 5321 5.1) */
		s->mx = arena_alloc(ctx_arena(ctx), sizeof(*s->mx));
		s->mx[s->n_mx++] = s->domain;
		s->mx_note = "no MX record: mail goes to the domain itself (RFC 5321 5.1)";
	} else {
		s->mx = arena_alloc(ctx_arena(ctx), n * sizeof(*s->mx));
		for (size_t i = 0; i < n; i++) {
			const char *host = rr_name(ctx, ldns_rr_list_rr(rrs, i), 1);
			if (host && strcmp(host, ".") != 0 && !str_in(s->mx, s->n_mx, host))
				s->mx[s->n_mx++] = host;
		}
		if (!s->n_mx)
			s->mx_note = "a null MX (RFC 7505): the domain takes no mail";
	}
	if (rrs)
		ldns_rr_list_free(rrs);
}

static void judge_tlsrpt(struct check_ctx *ctx, struct mtasts_state *s)
{
	struct txt_read r;
	const char *subject = subject_of(ctx, s->rpt_name, LDNS_RR_TYPE_TXT);
	const char *name = disp(ctx, s->rpt_name);
	read_txt(ctx, s->rpt_name, mtasts_tlsrpt_is_record, mtasts_tlsrpt_looks_record, &r);
	if (r.outcome == LOOKUP_FAILED) {
		ctx_finding(ctx, CODE_CHECK_NO_DATA, subject, NULL, NULL, NULL,
			    "whether %s has TLS-RPT could not be determined: looking up %s failed (%s)",
			    s->disp, name, r.why);
		return;
	}
	if (r.n == 0 && r.near) {
		ctx_finding(
			ctx, CODE_TLS_RPT_SYNTAX, subject, NULL, "v=TLSRPTv1 first", txt_text(ctx, r.near),
			"%s has a TXT record meant as TLS-RPT that senders ignore: it does not start with "
			"v=TLSRPTv1 (exactly, first) (RFC 8460 3)",
			name);
		return;
	}
	if (r.n == 0) {
		ctx_finding(
			ctx, CODE_TLS_RPT_MISSING, subject, NULL, "v=TLSRPTv1; rua=...",
			r.outcome == LOOKUP_NXDOMAIN ? "(no such name)" : "(no v=TLSRPTv1 record)",
			"%s has no TLS-RPT record (%s): senders that fail to make TLS with its mail servers, "
			"or to apply its MTA-STS policy, tell nobody",
			s->disp, name);
		return;
	}
	if (r.n > 1) {
		ctx_finding(ctx, CODE_TLS_RPT_SYNTAX, subject, NULL, "1",
			    arena_printf(ctx_arena(ctx), "%zu", r.n),
			    "%s has %zu TXT records starting with v=TLSRPTv1: senders send no reports (RFC "
			    "8460 3)",
			    name, r.n);
		return;
	}
	struct mtasts_tlsrpt rec;
	if (mtasts_tlsrpt_parse(r.one->s, r.one->len, &rec) != 0) {
		ctx_finding(ctx, CODE_TLS_RPT_SYNTAX, subject, NULL,
			    "v=TLSRPTv1; rua=mailto:... or https://...", txt_text(ctx, r.one),
			    "%s is not a valid TLS-RPT record, so senders send no reports: %s", name,
			    problems_text(ctx, &rec.problems, 1, NULL));
		return;
	}
	if (has_notes(&rec.problems)) {
		ctx_finding(ctx, CODE_TLS_RPT_SYNTAX, subject, NULL, NULL, txt_text(ctx, r.one), "%s: %s",
			    name, problems_text(ctx, &rec.problems, 0, NULL));
		return;
	}
	ctx_finding(ctx, CODE_TLS_RPT_OK, subject, NULL, NULL, txt_text(ctx, r.one),
		    "%s: TLS failures are reported to %zu destination%s", name, rec.n_rua,
		    rec.n_rua == 1 ? "" : "s");
}

/* Start the policy fetch from every address of the policy host. Returns 1
 * when requests are out. */
static int start_fetches(struct check_ctx *ctx, struct mtasts_state *s)
{
	const char *why;
	int failed;
	struct service_addr *a;
	s->n = service_addresses(ctx, s->host, &a, &why, &failed);
	if (!s->n) {
		if (failed)
			ctx_finding(ctx, CODE_CHECK_NO_DATA, s->url, NULL, NULL, why,
				    "the MTA-STS policy of %s could not be fetched: %s has %s", s->disp,
				    s->host, why);
		else
			ctx_finding(ctx, CODE_MTA_STS_POLICY_UNREACHABLE, s->url, NULL, NULL, why,
				    "the MTA-STS policy of %s cannot be fetched: %s has %s", s->disp, s->host,
				    why);
		return 0;
	}
	unsigned timeout = ctx_param_ms(ctx, "timeout", MTASTS_TIMEOUT_MS);
	s->t = arena_alloc(ctx_arena(ctx), s->n * sizeof(*s->t));
	for (size_t i = 0; i < s->n; i++) {
		struct target *t = &s->t[i];
		memset(t, 0, sizeof(*t));
		t->a = a[i];
		t->label = service_label(ctx, &a[i]);
		/* the audit's key: everything that makes the request */
		t->key = arena_printf(ctx_arena(ctx), "mta-sts GET %s @%s timeout=%u", s->url, a[i].addr,
				      timeout);
		struct http_request req = {
			.url = s->url,
			.timeout_ms = timeout,
			.resolve = service_pin(ctx, s->host, 443, a[i].addr),
			.follow_redirects = 0, /* RFC 8461 3.3: MUST NOT */
			.max_body = MTASTS_MAX_BODY,
		};
		ctx_fetch(ctx, t->key, &req);
	}
	return 1;
}

/* Whether a Content-Type is text/plain, whatever its parameters (RFC 8461
 * 3.3: senders check the media type; RFC 9110 8.3.1: case-insensitive). */
static int is_text_plain(const char *type)
{
	if (!type)
		return 0;
	while (*type == ' ' || *type == '\t')
		type++;
	size_t n = strcspn(type, "; \t");
	return n == 10 && strncasecmp(type, "text/plain", 10) == 0;
}

/* Why a response is not a policy senders take, or NULL when it is one. */
static const char *fetch_problem(struct check_ctx *ctx, const struct target *t, const struct http_response *r)
{
	struct arena *a = ctx_arena(ctx);
	if (r->error && r->failure == HTTP_FAIL_TLS)
		return arena_printf(
			a,
			"TLS with %s failed: %s (senders require a certificate valid for the policy "
			"host, RFC 8461 3.3)",
			t->a.addr, r->error);
	if (r->error)
		return arena_printf(a, "no HTTPS answer from %s: %s", t->a.addr, r->error);
	if (r->status >= 300 && r->status < 400)
		return arena_printf(
			a, "%s answered %ld, a redirect%s%s: senders do not follow redirects (RFC 8461 3.3)",
			t->a.addr, r->status, r->location ? " to " : "", r->location ? r->location : "");
	if (r->status != 200)
		return arena_printf(a, "%s answered %ld, not 200", t->a.addr, r->status);
	if (r->body_truncated)
		return arena_printf(a, "the policy from %s is larger than %d bytes: senders stop reading it",
				    t->a.addr, MTASTS_MAX_BODY);
	if (!is_text_plain(r->content_type))
		return arena_printf(
			a,
			"%s serves the policy as %s, not text/plain: senders that check the media "
			"type (RFC 8461 3.3) refuse it",
			t->a.addr,
			r->content_type ? str_show(r->content_type, strlen(r->content_type)).s
					: "no Content-Type");
	return NULL;
}

/* The policy's mx patterns as one string ("mail.example.org, *.example.net"). */
static const char *patterns_text(struct check_ctx *ctx, const struct mtasts_policy *p)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < p->n_mx; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", p->mx[i]);
	const char *out = arena_strdup(ctx_arena(ctx), sb.len ? sb.buf : "(none)");
	sb_release(&sb);
	return out;
}

/* Judge a valid policy from one address: mode, max_age, MX coverage.
 * Returns how many problems (warn or fail) it found. */
static int judge_fields(struct check_ctx *ctx, struct mtasts_state *s, const struct target *t,
			const struct mtasts_policy *p)
{
	struct arena *a = ctx_arena(ctx);
	int problems = 0;
	if (p->mode == MTASTS_MODE_NONE) {
		ctx_finding_as(
			ctx, STATUS_WARN, CODE_MTA_STS_MODE, s->url, t->label, "enforce", "none",
			"the policy from %s says mode: none: senders apply no MTA-STS to %s (the mode for "
			"withdrawing a policy)",
			t->a.addr, s->disp);
		problems++;
	} else if (p->mode == MTASTS_MODE_TESTING) {
		ctx_finding_as(ctx, STATUS_INFO, CODE_MTA_STS_MODE, s->url, t->label, "enforce", "testing",
			       "the policy from %s says mode: testing: senders deliver even when TLS or the "
			       "certificate fails, and only report it (TLS-RPT)",
			       t->a.addr);
	}
	const char *age = arena_printf(a, "%lu", p->max_age);
	if (p->max_age < MTASTS_MAX_AGE_LOW) {
		ctx_finding_at(
			ctx, CODE_MTA_STS_MAX_AGE, s->url, t->label, ">= 86400", age,
			"the policy from %s has max_age %lu s, under a day: senders forget it soon after "
			"each fetch, and an attacker who blocks the next fetch turns MTA-STS off (RFC 8461 "
			"expects weeks)",
			t->a.addr, p->max_age);
		problems++;
	} else if (p->max_age > MTASTS_MAX_AGE_MAX) {
		ctx_finding_at(
			ctx, CODE_MTA_STS_MAX_AGE, s->url, t->label, "<= 31557600", age,
			"the policy from %s has max_age %lu s, above RFC 8461's maximum of 31557600 (a "
			"year): senders cap it or reject the policy",
			t->a.addr, p->max_age);
		problems++;
	}
	if (p->mode == MTASTS_MODE_NONE || !s->mx)
		return problems;
	const char *patterns = patterns_text(ctx, p);
	for (size_t i = 0; i < s->n_mx; i++) {
		if (mtasts_mx_covered(p->mx, p->n_mx, s->mx[i]))
			continue;
		ctx_finding_at(
			ctx, CODE_MTA_STS_MX_NOT_COVERED, disp(ctx, s->mx[i]), t->label, patterns,
			disp(ctx, s->mx[i]),
			"MX %s of %s matches none of the mx patterns of the policy from %s (%s): %s%s%s",
			disp(ctx, s->mx[i]), s->disp, t->a.addr, patterns,
			p->mode == MTASTS_MODE_ENFORCE
				? "senders do not deliver to it (mode enforce)"
				: "senders report every delivery to it as a failure, and will not deliver "
				  "to it once the mode is enforce",
			s->mx_note ? "; " : "", s->mx_note ? s->mx_note : "");
		problems++;
	}
	return problems;
}

static void judge_target(struct check_ctx *ctx, struct mtasts_state *s, const struct target *t,
			 const struct http_response *r)
{
	const char *why = fetch_problem(ctx, t, r);
	int problems = 0;
	if (why) {
		ctx_finding_at(ctx, CODE_MTA_STS_POLICY_UNREACHABLE, s->url, t->label, NULL, NULL,
			       "the MTA-STS policy of %s cannot be fetched as senders fetch it: %s", s->disp,
			       why);
		if (r->error || r->status != 200)
			return;
		problems++; /* what came is still judged */
	}
	struct mtasts_policy p;
	if (mtasts_policy_parse(r->body, r->body_len, &p) != 0) {
		ctx_finding_at(
			ctx, CODE_MTA_STS_POLICY_SYNTAX, s->url, t->label, NULL, NULL,
			"the policy from %s is not a valid MTA-STS policy, so senders discard it (RFC 8461 "
			"3.2): %s",
			t->a.addr, problems_text(ctx, &p.problems, 1, "line "));
		mtasts_policy_release(&p);
		return;
	}
	if (has_notes(&p.problems)) {
		ctx_finding_as(ctx, STATUS_WARN, CODE_MTA_STS_POLICY_SYNTAX, s->url, t->label, NULL, NULL,
			       "the policy from %s: %s", t->a.addr,
			       problems_text(ctx, &p.problems, 0, "line "));
		problems++;
	}
	problems += judge_fields(ctx, s, t, &p);
	if (!problems && s->record_ok)
		ctx_finding_at(ctx, CODE_MTA_STS_OK, s->url, t->label, NULL, mtasts_mode_name(p.mode),
			       "%s serves the MTA-STS policy of %s (id %s): mode %s, max_age %lu, mx %s%s%s",
			       t->a.addr, s->disp, s->record_id, mtasts_mode_name(p.mode), p.max_age,
			       patterns_text(ctx, &p),
			       s->mx ? (p.mode == MTASTS_MODE_NONE ? "" : ", covering every MX")
				     : "; MX not judged: ",
			       s->mx ? "" : s->mx_note);
	mtasts_policy_release(&p);
}

static int judge(struct check_ctx *ctx, const struct rule *rule)
{
	(void)rule;
	struct mtasts_state *s = *ctx_state(ctx);
	if (!s->fetching) {
		int have = judge_record(ctx, s);
		judge_tlsrpt(ctx, s);
		if (!have)
			return 0;
		read_mx(ctx, s);
		s->fetching = 1;
		return start_fetches(ctx, s) ? CHECK_AGAIN : 0;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct target *t = &s->t[i];
		const struct http_response *r = t->done ? NULL : ctx_fetch_result(ctx, t->key);
		if (!r)
			continue;
		t->done = 1;
		judge_target(ctx, s, t, r);
	}
	return 0;
}

const struct check_desc check_mtasts = {
	.name = "mta-sts",
	.summary = "the domain's MTA-STS record and the policy served from each address of mta-sts.{domain} "
		   "(or resolve:), every MX covered by its mx patterns, and its TLS-RPT record",
	.params = params,
	.ask = ask,
	.judge = judge,
	.resolver_only = check_resolver_only,
};
