/* record: a name and type has exactly the expected values on every
 * authoritative server (compared as canonical rdata, apart from TTL), and the
 * servers agree with each other. */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

static const struct check_param params[] = {
	{"name", PARAM_STRING, 1, NULL, "owner name"},
	{"type", PARAM_RRTYPE, 1, NULL, "record type"},
	{"expect", PARAM_STRINGS, 0, NULL, "the exact set of values (default: any, but it must exist)"},
	{NULL, 0, 0, NULL, NULL},
};

static int plan(struct check_ctx *ctx, const struct rule *rule)
{
	const char *name = ctx_name(ctx, ctx_param_str(ctx, "name"));
	if (!name) {
		ctx_finding(ctx, "check.no-data", ctx_param_str(ctx, "name"), NULL, NULL, NULL,
			    "'%s' is not a valid name", ctx_param_str(ctx, "name"));
		return -1;
	}
	ctx_ask_servers(ctx, name, ldns_get_rr_type_by_name(ctx_param_str(ctx, "type")));
	return 0;
}

static int run(struct check_ctx *ctx, const struct rule *rule)
{
	const char *name = ctx_name(ctx, ctx_param_str(ctx, "name"));
	ldns_rr_type type = ldns_get_rr_type_by_name(ctx_param_str(ctx, "type"));
	const char *subject = subject_of(ctx, name, type);
	const char *expected = NULL;
	const char **values;
	size_t n_values = ctx_param_list(ctx, "expect", &values);
	if (n_values) {
		const char *bad;
		expected = values_canonical(ctx, type, values, n_values, &bad);
		if (!expected) {
			ctx_finding(ctx, "check.no-data", subject, NULL, NULL, bad,
				    "expected value '%s' is not valid %s data", bad, type_name(ctx, type));
			return 0;
		}
	}

	size_t n;
	const struct ns_server *servers = ctx_servers(ctx, &n);
	const char **got = arena_alloc(ctx_arena(ctx), (n + 1) * sizeof(char *));
	const char *first = NULL;
	size_t answered = 0, problems = 0;
	int differ = 0;
	for (size_t s = 0; s < n; s++) {
		const struct answer *a = ctx_answer(ctx, &servers[s], name, type);
		got[s] = NULL;
		if (answer_problem(ctx, a))
			continue;
		got[s] = answer_rdata(ctx, a, name, type);
		answered++;
		if (!first)
			first = got[s];
		else if (strcmp(first, got[s]) != 0)
			differ = 1;
		if (expected && strcmp(expected, got[s]) != 0) {
			ctx_finding(ctx, "record.mismatch", subject, &servers[s], expected,
				    *got[s] ? got[s] : "(none)", "%s has %s, expected %s", subject,
				    *got[s] ? got[s] : "no such record", expected);
			problems++;
		} else if (!expected && !*got[s]) {
			ctx_finding(ctx, "record.missing", subject, &servers[s], "a record", "(none)",
				    "%s does not exist", subject);
			problems++;
		}
	}
	if (answered == 0) {
		ctx_finding(ctx, "check.no-data", subject, NULL, expected, NULL,
			    "no server answered authoritatively for %s", subject);
		return 0;
	}
	if (differ) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t s = 0; s < n; s++)
			if (got[s])
				sb_addf(&sb, "%s%s on %s", sb.len ? "; " : "", *got[s] ? got[s] : "(none)",
					servers[s].label);
		char *actual = sb_detach(&sb);
		ctx_finding(ctx, "record.inconsistent", subject, NULL, "the same data everywhere", actual,
			    "servers disagree on %s: resolvers get different answers depending on the server",
			    subject);
		free(actual);
		problems++;
	}
	if (problems == 0)
		ctx_finding(ctx, "record.ok", subject, NULL, expected, first, "%s is %s on %zu server%s",
			    subject, first, answered, answered == 1 ? "" : "s");
	return 0;
}

const struct check_desc check_record = {
	"record", "a name and type has exactly the expected values on every server", params, plan, run,
};
