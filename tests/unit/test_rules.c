/* Unit tests for src/rules.c: loading rule sets, every error message with its
 * position, {variable} substitution and --set parsing. Run from the
 * repository root. Each bad fixture in tests/fixtures/rules/ carries its
 * expected message in a first line "# error: LINE:COL: message" (and any
 * "# set: NAME=VALUE" lines it needs); the files named good-*.yml load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_group.h"

#include "checks.h"
#include "report.h"
#include "rules.h"
#include "util.h"
#include "ytree.h"

#define FIXTURES "tests/fixtures/rules"
#define MIN_BAD_FIXTURES 40 /* fewer means the directory was not found or read */

/* ------------------------------------------------------------------ */
/* helpers */

/* Load text (a small rule set) and expect it to fail with message (without
 * the "t.yml:" prefix, which is added here). */
static void expect_error(const char *text, const struct vars *vars, const char *message)
{
	struct ruleset rs;
	char err[1024] = "";
	char *want = xasprintf("t.yml:%s", message);
	int rc = rules_load_string(text, strlen(text), "t.yml", vars, &rs, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_string_equal(err, want);
	assert_null(rs.rules);
	assert_null(rs.name);
	assert_int_equal(rs.n, 0);
	free(want);
}

static void load_ok(const char *text, const struct vars *vars, struct ruleset *rs)
{
	char err[1024] = "";
	int rc = rules_load_string(text, strlen(text), "t.yml", vars, rs, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
}

static void load_file_ok(const char *path, const struct vars *vars, struct ruleset *rs)
{
	char err[1024] = "";
	if (rules_load(path, vars, rs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static const struct rule_value *param(const struct rule *r, const char *key, enum rule_vkind kind)
{
	const struct rule_value *v = rule_param(r, key);
	assert_non_null(v);
	assert_int_equal(v->kind, kind);
	return v;
}

static void assert_scalar(const struct rule *r, const char *key, const char *want)
{
	assert_string_equal(param(r, key, RV_SCALAR)->str, want);
}

/* A list param with exactly the given items (NULL-terminated). */
static void assert_list(const struct rule *r, const char *key, ...)
{
	const struct rule_value *v = param(r, key, RV_LIST);
	va_list ap;
	size_t i = 0;
	const char *want;
	va_start(ap, key);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < v->n);
		assert_int_equal(v->items[i].kind, RV_SCALAR);
		assert_string_equal(v->items[i].str, want);
		i++;
	}
	va_end(ap);
	assert_int_equal(v->n, i);
}

/* ------------------------------------------------------------------ */
/* bad fixtures: one test each */

static void test_bad_fixture(void **state)
{
	const char *path = *state;
	char *text = read_text(path);
	struct vars vars = VARS_INIT;
	struct ruleset rs;
	char err[1024] = "", *want = NULL;

	if (text[0] == '\0') {
		want = xasprintf("%s:1:1: empty rule file", path);
	} else {
		for (char *line = text; line && *line;
		     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
			size_t len = strcspn(line, "\n");
			if (strncmp(line, "# error: ", 9) == 0 && !want)
				want = xasprintf("%s:%.*s", path, (int)(len - 9), line + 9);
			else if (strncmp(line, "# set: ", 7) == 0) {
				char *a = xstrndup(line + 7, len - 7);
				assert_int_equal(vars_set_assignment(&vars, a, err, sizeof(err)), 0);
				free(a);
			}
		}
	}
	if (!want)
		fail_msg("%s has no '# error: LINE:COL: message' line", path);
	assert_int_equal(rules_load(path, &vars, &rs, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* A failed load leaves nothing to release, and releasing is harmless. */
	assert_null(rs.rules);
	assert_null(rs.skipped);
	assert_null(rs.name);
	assert_null(rs.file);
	ruleset_release(&rs);
	free(want);
	free(text);
	vars_release(&vars);
}

static void test_missing_file(void **state)
{
	struct ruleset rs;
	char err[1024];
	assert_int_equal(rules_load(FIXTURES "/no-such-file.yml", NULL, &rs, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot open '" FIXTURES "/no-such-file.yml': No such file or directory");
	assert_int_equal(rules_load(FIXTURES, NULL, &rs, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read '" FIXTURES "': Is a directory");
}

/* ------------------------------------------------------------------ */
/* good files */

static void test_good_all_types(void **state)
{
	struct ruleset rs;
	const struct rule *r;
	const struct rule_value *v;

	load_file_ok(FIXTURES "/good-all-types.yml", NULL, &rs);
	assert_string_equal(rs.name, "all-types");
	assert_string_equal(rs.file, FIXTURES "/good-all-types.yml");
	assert_int_equal(rs.n, 5);
	assert_int_equal(rs.n_skipped, 1);

	r = &rs.rules[0]; /* ns: one value becomes a list of one */
	assert_string_equal(r->desc->name, "ns");
	assert_ptr_equal(r->file, rs.file);
	assert_int_equal(r->line, 5);
	assert_int_equal(r->col, 5);
	assert_int_equal(r->severity, -1);
	assert_null(r->when);
	assert_int_equal(r->n_params, 1);
	assert_list(r, "previous", "ns1.old-provider.example", NULL);

	r = &rs.rules[1]; /* soa */
	assert_string_equal(r->desc->name, "soa");
	assert_scalar(r, "negative_ttl_max", "900");
	assert_int_equal(r->severity, STATUS_WARN);
	assert_int_equal(r->n_params, 1); /* severity is not a param */
	v = rule_param(r, "negative_ttl_max");
	assert_int_equal(v->line, 8);
	assert_int_equal(v->col, 23);

	r = &rs.rules[2]; /* ttl: lists, RR types upper-cased */
	assert_list(r, "names", "{domain}", "www.{domain}", NULL);
	assert_list(r, "types", "A", "AAAA", "MX", NULL);
	assert_scalar(r, "max", "0");
	assert_null(rule_param(r, "severity"));
	assert_null(rule_param(r, "check"));

	r = &rs.rules[3]; /* wildcard: string and RR map */
	assert_scalar(r, "name", "*.{domain}");
	v = param(r, "expect", RV_MAP);
	assert_int_equal(v->n, 2);
	assert_string_equal(v->keys[0], "A");
	assert_string_equal(v->keys[1], "AAAA");
	assert_int_equal(v->items[0].kind, RV_LIST);
	assert_int_equal(v->items[0].n, 1);
	assert_string_equal(v->items[0].items[0].str, "192.0.2.10");
	assert_int_equal(v->items[1].n, 2);
	assert_string_equal(v->items[1].items[1].str, "2001:db8::11");
	assert_int_equal(r->severity, STATUS_INFO);

	r = &rs.rules[4]; /* record: one RR type */
	assert_scalar(r, "type", "CNAME");
	assert_list(r, "expect", "web.example.net.", NULL);
	assert_int_equal(r->severity, STATUS_FAIL);

	r = &rs.skipped[0]; /* when: new_ip, unset: kept as written */
	assert_string_equal(r->desc->name, "record");
	assert_string_equal(r->when, "new_ip");
	assert_int_equal(r->line, 25);
	assert_list(r, "expect", "{new_ip}", NULL);
	assert_scalar(r, "type", "A");
	ruleset_release(&rs);
	assert_null(rs.rules);
	assert_int_equal(rs.n, 0);
}

static void test_good_all_types_when_set(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;

	vars_set(&vars, "new_ip", "192.0.2.7");
	load_file_ok(FIXTURES "/good-all-types.yml", &vars, &rs);
	assert_int_equal(rs.n, 6);
	assert_int_equal(rs.n_skipped, 0);
	assert_null(rs.skipped);
	assert_string_equal(rs.rules[5].when, "new_ip");
	assert_list(&rs.rules[5], "expect", "192.0.2.7", NULL);
	ruleset_release(&rs);
	vars_release(&vars);
}

static void test_good_flow(void **state)
{
	struct ruleset rs;
	load_file_ok(FIXTURES "/good-flow.yml", NULL, &rs);
	assert_string_equal(rs.name, "flow");
	assert_int_equal(rs.n, 3);
	assert_list(&rs.rules[0], "names", "{domain}", NULL);
	assert_list(&rs.rules[0], "types", "A", NULL);
	assert_scalar(&rs.rules[0], "max", "4294967295");
	assert_int_equal(rs.rules[0].line, 3);
	assert_int_equal(rs.rules[0].col, 3);
	assert_string_equal(param(&rs.rules[1], "expect", RV_MAP)->items[0].items[0].str, "192.0.2.1");
	/* braces that are not variables are kept as they are */
	assert_list(&rs.rules[2], "expect", "v=DMARC1; p=reject; rua=mailto:{ rua}@{}example.net", NULL);
	ruleset_release(&rs);
}

static void test_good_vars(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;
	const struct rule_value *v;
	char err[256];

	assert_int_equal(vars_set_assignment(&vars, "new_ip=192.0.2.7", err, sizeof(err)), 0);
	assert_int_equal(vars_set_assignment(&vars, "max_ttl=300", err, sizeof(err)), 0);
	assert_int_equal(vars_set_assignment(&vars, "old_ns=ns1.old.example", err, sizeof(err)), 0);
	load_file_ok(FIXTURES "/good-vars.yml", &vars, &rs);
	assert_string_equal(rs.name, "cutover of {domain} to 192.0.2.7");
	assert_int_equal(rs.n, 4);
	assert_scalar(&rs.rules[0], "max", "300"); /* checked as a number after substitution */
	assert_list(&rs.rules[1], "previous", "ns1.old.example", NULL);
	assert_list(&rs.rules[2], "expect", "192.0.2.7", NULL);
	v = param(&rs.rules[3], "expect", RV_MAP);
	assert_string_equal(v->keys[1], "TXT");
	assert_string_equal(v->items[1].items[0].str, "host=192.0.2.7 of {domain}");
	/* dkim_selector unset: skipped, and its undefined {dkim_severity} is no error */
	assert_int_equal(rs.n_skipped, 1);
	assert_string_equal(rs.skipped[0].when, "dkim_selector");
	assert_int_equal(rs.skipped[0].severity, -1);
	assert_scalar(&rs.skipped[0], "name", "{dkim_selector}._domainkey.{domain}");
	ruleset_release(&rs);

	/* with dkim_selector set, its {dkim_severity} must be defined too */
	vars_set(&vars, "dkim_selector", "s1");
	{
		char e[512];
		assert_int_equal(rules_load(FIXTURES "/good-vars.yml", &vars, &rs, e, sizeof(e)), -1);
		assert_string_equal(e, FIXTURES "/good-vars.yml:19:16: undefined variable 'dkim_severity' "
						"(set it with --set dkim_severity=VALUE)");
	}
	vars_set(&vars, "dkim_severity", "warn");
	load_file_ok(FIXTURES "/good-vars.yml", &vars, &rs);
	assert_int_equal(rs.n, 5);
	assert_int_equal(rs.rules[4].severity, STATUS_WARN);
	assert_scalar(&rs.rules[4], "name", "s1._domainkey.{domain}");
	ruleset_release(&rs);
	vars_release(&vars);
}

static void test_default_vars(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;

	/* no --set: every default applies, before `checks:` or after it */
	load_file_ok(FIXTURES "/good-vars-defaults.yml", NULL, &rs);
	assert_string_equal(rs.name, "to 198.51.100.20");
	assert_int_equal(rs.n, 3); /* when: min_ttl, which has a default */
	assert_scalar(&rs.rules[0], "name", "www.{domain}");
	assert_list(&rs.rules[0], "expect", "198.51.100.20", NULL);
	assert_scalar(&rs.rules[1], "min", "300");
	assert_list(&rs.rules[2], "expect", "198.51.100.20", NULL); /* mail_ip: "{new_ip}" */
	ruleset_release(&rs);

	/* --set wins over a default, and the caller's variables are left alone */
	vars_set(&vars, "new_ip", "192.0.2.7");
	vars_set(&vars, "host", "mail");
	load_file_ok(FIXTURES "/good-vars-defaults.yml", &vars, &rs);
	assert_string_equal(rs.name, "to 192.0.2.7");
	assert_list(&rs.rules[0], "expect", "192.0.2.7", NULL);
	assert_scalar(&rs.rules[0], "name", "mail.{domain}");	/* a single label, as from --set */
	assert_list(&rs.rules[2], "expect", "192.0.2.7", NULL); /* the default made of the given new_ip */
	assert_int_equal(vars.n, 2);
	assert_null(vars_get(&vars, "min_ttl"));
	ruleset_release(&rs);
	vars_release(&vars);

	/* a default is checked as its value's type, where it is used */
	expect_error("vars: {m: many}\nchecks:\n- {check: ttl, min: \"{m}\"}\n", NULL,
		     "3:21: invalid number 'many' for 'min' (expected a whole number up to 4294967295)");
	expect_error("vars: {m: '7200'}\nchecks:\n- {check: ttl, min: \"{m}\"}\n", NULL,
		     "3:21: 'min' 7200 is above the default 'max' 3600: no TTL can pass (set 'max' too)");
	expect_error("vars: {}\nchecks:\n- {check: ns}\n", NULL, "1:7: 'vars' is an empty mapping");
}

static void test_shipped_rules(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;

	load_file_ok("rules/default.yml", NULL, &rs);
	assert_string_equal(rs.name, "default");
	assert_int_equal(rs.n, 9);
	assert_int_equal(rs.n_skipped, 0);
	assert_scalar(&rs.rules[1], "negative_ttl_max", "10800");
	assert_scalar(&rs.rules[2], "max", "86400");
	assert_int_equal(rs.rules[3].severity, STATUS_INFO);
	/* the mail checks, with no variables */
	assert_string_equal(rs.rules[4].desc->name, "mx");
	assert_int_equal(rs.rules[4].severity, STATUS_WARN);
	assert_string_equal(rs.rules[5].desc->name, "spf");
	assert_string_equal(rs.rules[6].desc->name, "dkim");
	assert_string_equal(rs.rules[7].desc->name, "dmarc");
	assert_string_equal(rs.rules[8].desc->name, "rdns");
	ruleset_release(&rs);

	/* mail.yml needs the new address, the mail host and the selector */
	{
		char e[512];
		assert_int_equal(rules_load("rules/mail.yml", &vars, &rs, e, sizeof(e)), -1);
		assert_non_null(strstr(e, "undefined variable 'new_ip'"));
	}
	vars_set(&vars, "new_ip", "198.51.100.25");
	vars_set(&vars, "mail_host", "mail.example.org");
	vars_set(&vars, "dkim_selector", "dkim");
	load_file_ok("rules/mail.yml", &vars, &rs);
	assert_string_equal(rs.name, "mail");
	assert_int_equal(rs.n, 6);
	assert_int_equal(rs.n_skipped, 1); /* the private key match, without dkim_key */
	assert_null(rule_param(&rs.rules[4], "private_key"));
	assert_list(&rs.rules[1], "senders", "198.51.100.25", NULL);
	assert_scalar(&rs.rules[2], "name", "mail.example.org");
	assert_scalar(&rs.rules[5], "policy_min", "quarantine");
	ruleset_release(&rs);
	vars_set(&vars, "dkim_key", "/etc/dkim/example.org.private");
	load_file_ok("rules/mail.yml", &vars, &rs);
	assert_int_equal(rs.n, 6); /* the check without the key gives way (unless: dkim_key) */
	assert_int_equal(rs.n_skipped, 1);
	assert_string_equal(rs.rules[4].desc->name, "dkim");
	assert_list(&rs.rules[4], "private_key", "/etc/dkim/example.org.private", NULL);
	ruleset_release(&rs);
	vars_release(&vars);
	vars = (struct vars)VARS_INIT;

	load_file_ok("rules/pre-cutover.yml", NULL, &rs);
	assert_string_equal(rs.name, "pre-cutover");
	assert_int_equal(rs.n, 3);
	assert_int_equal(rs.n_skipped, 1);
	assert_string_equal(rs.skipped[0].desc->name, "wildcard");
	assert_scalar(&rs.rules[1], "negative_ttl_max", "900");
	assert_scalar(&rs.rules[2], "max", "900");
	assert_list(&rs.rules[2], "types", "A", "AAAA", "MX", NULL);
	ruleset_release(&rs);

	vars_set(&vars, "new_ip", "198.51.100.20");
	load_file_ok("rules/pre-cutover.yml", &vars, &rs);
	assert_int_equal(rs.n, 4);
	assert_string_equal(param(&rs.rules[3], "expect", RV_MAP)->items[0].items[0].str, "198.51.100.20");
	ruleset_release(&rs);
	vars_release(&vars);
}

/* post-cutover and webapp-test-plan: their required variables, their
 * defaults, and --set over a default */
static void test_shipped_service_rules(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;
	char e[512];

	assert_int_equal(rules_load("rules/post-cutover.yml", NULL, &rs, e, sizeof(e)), -1);
	assert_string_equal(e, "rules/post-cutover.yml:20:13: undefined variable 'new_ip' (set it with "
			       "--set new_ip=VALUE)");
	vars_set(&vars, "new_ip", "198.51.100.20");
	load_file_ok("rules/post-cutover.yml", &vars, &rs);
	assert_string_equal(rs.name, "post-cutover");
	assert_int_equal(rs.n, 9);
	assert_int_equal(rs.n_skipped, 0);
	assert_scalar(&rs.rules[1], "name", "www.{domain}");
	assert_list(&rs.rules[2], "expect", "198.51.100.20", NULL); /* mail_ip: "{new_ip}" */
	assert_string_equal(rs.rules[3].desc->name, "ttl");
	assert_scalar(&rs.rules[3], "min", "3600");
	assert_scalar(&rs.rules[3], "max", "86400");
	assert_string_equal(rs.rules[4].desc->name, "propagation");
	assert_list(&rs.rules[4], "resolvers", "resolvers", NULL); /* the shipped list */
	assert_scalar(&rs.rules[4], "min", "100%");
	assert_string_equal(rs.rules[6].desc->name, "http");
	assert_scalar(&rs.rules[6], "url", "https://www.{domain}/");
	assert_list(&rs.rules[6], "resolve", "198.51.100.20", NULL);
	assert_string_equal(rs.rules[7].desc->name, "smtp");
	assert_scalar(&rs.rules[7], "port", "25");
	assert_scalar(&rs.rules[8], "port", "587");
	assert_scalar(&rs.rules[8], "starttls", "required");
	ruleset_release(&rs);
	vars_set(&vars, "mail_ip", "198.51.100.25");
	vars_set(&vars, "resolvers", "127.0.0.1#5353");
	load_file_ok("rules/post-cutover.yml", &vars, &rs);
	assert_list(&rs.rules[2], "expect", "198.51.100.25", NULL);
	assert_list(&rs.rules[5], "resolvers", "127.0.0.1#5353", NULL);
	assert_list(&rs.rules[8], "resolve", "198.51.100.25", NULL);
	ruleset_release(&rs);
	vars_release(&vars);
	vars = (struct vars)VARS_INIT;

	vars_set(&vars, "new_ip", "198.51.100.20");
	assert_int_equal(rules_load("rules/webapp-test-plan.yml", &vars, &rs, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "undefined variable 'old_ip'"));
	vars_set(&vars, "old_ip", "192.0.2.10");
	load_file_ok("rules/webapp-test-plan.yml", &vars, &rs);
	assert_string_equal(rs.name, "webapp-test-plan");
	assert_int_equal(rs.n, 5);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(rs.rules[i].desc->name, "http");
		assert_list(&rs.rules[i], "resolve", "192.0.2.10", "198.51.100.20", NULL);
	}
	assert_scalar(&rs.rules[1], "url", "https://www.{domain}/login");
	assert_scalar(&rs.rules[1], "contains", "Sign in");
	assert_scalar(&rs.rules[2], "url", "https://www.{domain}/uploads/cat.txt");
	assert_scalar(&rs.rules[3], "url", "http://www.{domain}:8080/");
	assert_scalar(&rs.rules[3], "status", "301");
	assert_string_equal(rs.rules[4].desc->name, "smtp");
	assert_scalar(&rs.rules[4], "host", "mail.{domain}");
	assert_scalar(&rs.rules[4], "port", "587");
	ruleset_release(&rs);
	vars_set(&vars, "host", "app.example.org");
	vars_set(&vars, "http_port", "80");
	load_file_ok("rules/webapp-test-plan.yml", &vars, &rs);
	assert_scalar(&rs.rules[0], "url", "https://app.example.org/");
	assert_scalar(&rs.rules[3], "url", "http://app.example.org:80/");
	ruleset_release(&rs);
	vars_release(&vars);
}

/* ------------------------------------------------------------------ */
/* small cases from strings */

static void test_load_string(void **state)
{
	struct ruleset rs;
	struct vars vars = VARS_INIT;
	const char *t = "checks: [{check: ns}]\n";
	char err[256];

	/* the name defaults to the file's base name */
	assert_int_equal(rules_load_string(t, strlen(t), "some/dir/mail.yaml", NULL, &rs, err, sizeof(err)),
			 0);
	assert_string_equal(rs.name, "mail");
	ruleset_release(&rs);
	assert_int_equal(rules_load_string(t, strlen(t), NULL, NULL, &rs, err, sizeof(err)), 0);
	assert_string_equal(rs.file, "<string>");
	ruleset_release(&rs);

	/* only len bytes are read */
	assert_int_equal(
		rules_load_string("checks: [{check: ns}]garbage", 21, "t.yml", NULL, &rs, err, sizeof(err)),
		0);
	ruleset_release(&rs);

	/* a byte order mark is fine, and CRLF line ends */
	load_ok("\xef\xbb\xbfname: bom\r\nchecks:\r\n  - check: soa\r\n    negative_ttl_max: 60\r\n", NULL,
		&rs);
	assert_int_equal(rs.rules[0].line, 3);
	ruleset_release(&rs);

	/* a --set value is inserted as it is: braces in it are not expanded
	 * again, except {domain}, which rules_expand handles per domain */
	vars_set(&vars, "a", "{b}");
	vars_set(&vars, "host", "mail.{domain}");
	load_ok("checks:\n  - check: record\n    name: \"{host}\"\n    type: MX\n    expect: \"{a}\"\n",
		&vars, &rs);
	assert_scalar(&rs.rules[0], "name", "mail.{domain}");
	assert_list(&rs.rules[0], "expect", "{b}", NULL);
	{
		char *s = rules_expand(rule_param(&rs.rules[0], "name")->str, NULL, "example.org", NULL);
		assert_string_equal(s, "mail.example.org");
		free(s);
		s = rules_expand(rule_param(&rs.rules[0], "expect")->items[0].str, NULL, "example.org", NULL);
		assert_string_equal(s, "{b}");
		free(s);
	}
	ruleset_release(&rs);

	/* quoted values can be anything; null-like plain words are not values
	 * (a quoted "~" is a name of one label, so relative to the domain) */
	load_ok("checks:\n  - {check: record, name: \"~\", type: 'txt', expect: ['', 'null']}\n", NULL, &rs);
	assert_scalar(&rs.rules[0], "name", "~.{domain}");
	assert_list(&rs.rules[0], "expect", "", "null", NULL);
	ruleset_release(&rs);

	/* a description may be anything, even with undefined {variables} */
	load_ok("description: moves {domain} to {new_ip}\nchecks: [{check: ns}]\n", NULL, &rs);
	ruleset_release(&rs);

	vars_release(&vars);
}

/* A name of one label in a rule set is relative to the domain (issue 7,
 * defect 11: `names: [www]` was the top-level name www. and `name: mail` gave
 * check.no-data); a name with a dot is taken as written. */
static void test_bare_names(void **state)
{
	struct ruleset rs;
	struct vars vars = VARS_INIT;

	vars_set(&vars, "host", "mail");
	load_ok("checks:\n"
		"  - check: ttl\n"
		"    names: [www, \"*\", \"{domain}\", \"mail.{domain}\", \"www.\", ftp.example.org]\n"
		"  - check: record\n"
		"    name: mail\n"
		"    type: A\n"
		"  - check: ns\n"
		"    previous: [ns1, \"2001:db8::53\", 192.0.2.53]\n"
		"  - check: mx\n"
		"    expect: mx1\n"
		"  - check: rdns\n"
		"    name: \"{host}\"\n"
		"  - check: wildcard\n"
		"    name: \"*\"\n"
		"  - check: spf\n"
		"    helo: out\n"
		"  - check: dkim\n"
		"    selector: sel\n",
		&vars, &rs);
	assert_list(&rs.rules[0], "names", "www.{domain}", "*.{domain}", "{domain}", "mail.{domain}", "www.",
		    "ftp.example.org", NULL);
	assert_scalar(&rs.rules[1], "name", "mail.{domain}");
	assert_list(&rs.rules[2], "previous", "ns1.{domain}", "2001:db8::53", "192.0.2.53", NULL);
	assert_list(&rs.rules[3], "expect", "mx1.{domain}", NULL);
	assert_scalar(&rs.rules[4], "name", "mail.{domain}"); /* a --set value too */
	assert_scalar(&rs.rules[5], "name", "*.{domain}");
	assert_scalar(&rs.rules[6], "helo", "out.{domain}");
	assert_list(&rs.rules[7], "selector", "sel", NULL); /* a selector is not a domain name */
	{
		char *s = rules_expand(rule_param(&rs.rules[1], "name")->str, NULL, "example.org", NULL);
		assert_string_equal(s, "mail.example.org");
		free(s);
	}
	ruleset_release(&rs);
	vars_release(&vars);

	/* names that are not names are refused where they are written */
	expect_error(
		"checks:\n  - check: ttl\n    names: [www, \"a..b\"]\n", NULL,
		"3:18: invalid domain name 'a..b' for 'names' (labels of 1 to 63 characters, at most 253 "
		"in all)");
	expect_error("checks:\n  - check: record\n    type: A\n    name: \"\"\n", NULL,
		     "4:11: invalid domain name '' for 'name' (labels of 1 to 63 characters, at most 253 in "
		     "all)");
}

/* Rule files larger than 1 MiB are refused, and read no further (issue 7,
 * defect 12: `-r /dev/zero` read until memory ran out). */
static void test_too_large(void **state)
{
	struct ruleset rs;
	char err[1024];
	char path[] = "/tmp/cutover-test-rules.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("checks:\n", f);
	for (long size = 8; size <= YTREE_MAX_FILE; size += 14)
		fputs("  - check: ns\n", f);
	fclose(f);
	assert_int_equal(rules_load(path, NULL, &rs, err, sizeof(err)), -1);
	char *want = xasprintf("'%s' is larger than 1 MiB: too large for a rule file", path);
	assert_string_equal(err, want);
	free(want);
	unlink(path);

	assert_int_equal(rules_load("/dev/zero", NULL, &rs, err, sizeof(err)), -1);
	assert_string_equal(err, "'/dev/zero' is larger than 1 MiB: too large for a rule file");
}

static void test_string_errors(void **state)
{
	struct vars vars = VARS_INIT;

	expect_error("", NULL, "1:1: empty rule file");
	expect_error("---\n", NULL, "1:1: empty rule file");
	expect_error("---\n~\n", NULL, "1:1: empty rule file");
	expect_error("hello\n", NULL,
		     "1:1: the top level must be a mapping with 'checks', not a single value");
	expect_error("name: x\nchecks:\n", NULL, "2:8: 'checks' is empty");
	expect_error("checks: ns\n", NULL, "1:9: 'checks' must be a list, not a single value");
	expect_error("checks:\n- check:\n", NULL, "2:9: missing value for 'check'");
	expect_error("checks:\n- check: [ttl]\n", NULL, "2:10: 'check' must be a single value, not a list");
	expect_error("checks:\n- {}\n", NULL, "2:3: item has no 'check' key");
	expect_error("checks:\n- check: TTL\n", NULL, "2:10: unknown check 'TTL'; did you mean 'ttl'?");
	expect_error("checks:\n- check: sao\n", NULL, "2:10: unknown check 'sao'; did you mean 'soa'?");
	/* two edits in a two-letter name is no suggestion ("qz" is neither "ns" nor "mx") */
	expect_error("checks:\n- check: qz\n", NULL, "2:10: unknown check 'qz'");
	expect_error("checks:\n- {check: ttl, Max: 1}\n", NULL,
		     "2:16: unknown key 'Max' for check 'ttl'; did you mean 'max'?");
	expect_error("checks:\n- {check: ttl, sevrity: warn}\n", NULL,
		     "2:16: unknown key 'sevrity' for check 'ttl'; did you mean 'severity'?");
	expect_error("checks:\n- {check: ttl, whne: x}\n", NULL,
		     "2:16: unknown key 'whne' for check 'ttl'; did you mean 'when'?");
	expect_error("checks:\n- {check: ns, severity: [warn]}\n", NULL,
		     "2:25: 'severity' must be a single value, not a list");
	expect_error("checks:\n- {check: ns, severity: WARN}\n", NULL,
		     "2:25: invalid severity 'WARN' (expected info, warn or fail)");
	expect_error("checks:\n- {check: ns, severity: ok}\n", NULL,
		     "2:25: invalid severity 'ok' (expected info, warn or fail)");
	expect_error("checks:\n- {check: ns, when: 1x}\n", NULL,
		     "2:21: invalid variable name '1x' for 'when'");
	expect_error("checks:\n- {check: ns, when: }\n", NULL, "2:21: missing value for 'when'");
	expect_error("checks:\n- {check: ttl, max: ~}\n", NULL, "2:21: missing value for 'max'");
	expect_error("checks:\n- {check: ttl, max: null}\n", NULL, "2:21: missing value for 'max'");
	expect_error("checks:\n- {check: ttl, max: '+5'}\n", NULL,
		     "2:21: invalid number '+5' for 'max' (expected a whole number up to 4294967295)");
	expect_error("checks:\n- {check: ttl, max: ' 5'}\n", NULL,
		     "2:21: invalid number ' 5' for 'max' (expected a whole number up to 4294967295)");
	expect_error("checks:\n- {check: ttl, max: 0x10}\n", NULL,
		     "2:21: invalid number '0x10' for 'max' (expected a whole number up to 4294967295)");
	expect_error("checks:\n- {check: ttl, names: [a, ~]}\n", NULL, "2:27: empty item in 'names'");
	/* min above max (given, or the default 3600) lets no TTL pass; equal is fine */
	expect_error("checks:\n- {check: ttl, max: 900, min: 901}\n", NULL,
		     "2:31: 'min' 901 is above 'max' 900: no TTL can pass");
	expect_error("checks:\n- {check: ttl, min: 3601}\n", NULL,
		     "2:21: 'min' 3601 is above the default 'max' 3600: no TTL can pass (set 'max' too)");
	{
		static const char *const fine[] = {
			"checks:\n- {check: ttl, max: 900, min: 900}\n",
			"checks:\n- {check: ttl, min: 3600}\n",
			/* a skipped item's min left as written is not judged */
			"checks:\n- {check: ttl, when: unset, max: 60, min: \"{m}\"}\n",
		};
		for (size_t i = 0; i < ARRAY_SIZE(fine); i++) {
			struct ruleset rs;
			load_ok(fine[i], NULL, &rs);
			ruleset_release(&rs);
		}
	}
	expect_error("checks:\n- {check: wildcard, expect: {}}\n", NULL,
		     "2:29: 'expect' is an empty mapping");
	expect_error("checks:\n- {check: wildcard, expect: {A: []}}\n", NULL,
		     "2:33: 'expect' is an empty list");
	expect_error("checks:\n- {check: wildcard, expect: {A: }}\n", NULL,
		     "2:33: missing value for 'expect'");
	expect_error("checks:\n- {check: wildcard, expect: {TYPE65: x, AXFR: y}}\n", NULL,
		     "2:41: record type 'AXFR' for 'expect' is a query type, not a record type");
	expect_error("checks:\n- {check: record, type: A}\n", NULL, "2:3: check 'record' needs 'name'");
	expect_error("checks:\n- {check: record, name: x}\n", NULL, "2:3: check 'record' needs 'type'");
	expect_error("checks:\n- {check: ns, check: ns}\n", NULL,
		     "2:15: duplicate key 'check' (first at line 2)");
	expect_error("name: a\nname: b\nchecks: [{check: ns}]\n", NULL,
		     "2:1: duplicate key 'name' (first at line 1)");
	expect_error("name: x\n", NULL, "1:1: missing 'checks' (the list of checks to run)");
	expect_error("{}\n", NULL, "1:1: missing 'checks' (the list of checks to run)");
	expect_error("checks: [{check: ns}]\nChecks: []\n", NULL,
		     "2:1: unknown top-level key 'Checks'; did you mean 'checks'?");
	expect_error("description: [a]\nchecks: [{check: ns}]\n", NULL,
		     "1:14: 'description' must be a single value, not a list");
	expect_error("name:\nchecks: [{check: ns}]\n", NULL, "1:6: missing value for 'name'");
	expect_error("name: \"{x}\"\nchecks: [{check: ns}]\n", NULL,
		     "1:8: undefined variable 'x' (set it with --set x=VALUE)");
	expect_error("checks:\n- {check: ns}\n--- {}\n", NULL,
		     "3:1: a second YAML document (a rule file holds one)");
	expect_error("checks: [{check: ns, previous: !!str &a x}]\n", NULL,
		     "1:32: unsupported anchor '&a' (rule sets do not use anchors and aliases)");
	expect_error("checks: &c [{check: ns}]\n", NULL,
		     "1:9: unsupported anchor '&c' (rule sets do not use anchors and aliases)");
	expect_error("checks: [{check: ns}]\n\x01\n", NULL, "2:1: control characters are not allowed (#x1)");
	expect_error("checks: [{check: ns}]\n\xc3\n", NULL, "2:2: invalid trailing UTF-8 octet (#xA)");
	expect_error("checks: [{check: ns, previous: \"a\\0b\"}]\n", NULL,
		     "1:32: a value contains a NUL character");
	expect_error("checks: [\n", NULL,
		     "2:1: did not find expected node content while parsing a flow node");
	expect_error("checks:\n  - check: ns\n\tprevious: x\n", NULL,
		     "3:1: found a tab character that violates indentation while scanning a plain scalar");

	/* the column of an undefined variable: its brace, counting characters */
	expect_error("checks:\n- {check: ns, previous: \"\xc3\xa9t\xc3\xa9.{old}\"}\n", NULL,
		     "2:30: undefined variable 'old' (set it with --set old=VALUE)");
	expect_error("checks:\n- {check: ns, previous: 'x.{old}'}\n", NULL,
		     "2:28: undefined variable 'old' (set it with --set old=VALUE)");
	expect_error("checks:\n- {check: ns, previous: [a, \"b.{old}\"]}\n", NULL,
		     "2:32: undefined variable 'old' (set it with --set old=VALUE)");
	/* ... or the start of the value when it is not the text in the file */
	expect_error("checks:\n- {check: ns, previous: \"\\x41.{old}\"}\n", NULL,
		     "2:25: undefined variable 'old' (set it with --set old=VALUE)");
	expect_error("checks:\n- check: ns\n  previous: >\n    a\n    {old}\n", NULL,
		     "3:13: undefined variable 'old' (set it with --set old=VALUE)");
	/* the first undefined one is named, defined ones are fine */
	vars_set(&vars, "a", "1");
	expect_error("checks:\n- {check: ns, previous: '{a}{b}{c}'}\n", &vars,
		     "2:29: undefined variable 'b' (set it with --set b=VALUE)");
	/* in an RR map key too */
	expect_error("checks:\n- {check: wildcard, expect: {\"{t}\": x}}\n", NULL,
		     "2:31: undefined variable 't' (set it with --set t=VALUE)");
	/* values are checked after substitution */
	vars_set(&vars, "t", "mx");
	vars_set(&vars, "n", "-1");
	expect_error("checks:\n- {check: ttl, types: \"{t}x\", max: 1}\n", &vars,
		     "2:23: unknown record type 'MXX' for 'types'");
	expect_error("checks:\n- {check: ttl, max: \"{n}\"}\n", &vars,
		     "2:21: invalid number '-1' for 'max' (expected a whole number up to 4294967295)");
	/* a skipped item is still checked, where it can be */
	expect_error("checks:\n- {check: ttl, when: unset, max: many}\n", NULL,
		     "2:34: invalid number 'many' for 'max' (expected a whole number up to 4294967295)");
	expect_error("checks:\n- {check: ttl, when: unset, maxx: 1}\n", NULL,
		     "2:29: unknown key 'maxx' for check 'ttl'; did you mean 'max'?");
	expect_error("checks:\n- {check: recrod, when: unset}\n", NULL,
		     "2:11: unknown check 'recrod'; did you mean 'record'?");
	expect_error("checks:\n- {check: record, when: unset, type: A}\n", NULL,
		     "2:3: check 'record' needs 'name'");
	/* long or unprintable subjects are shown safely */
	expect_error("checks:\n- check: \"a\\tb\\e[31m\"\n", NULL, "2:10: unknown check 'a?b?[31m'");
	expect_error(
		"checks:\n- check: "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		NULL,
		"2:10: unknown check 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
	/* ... cut at a character boundary */
	{
		struct strbuf sb = STRBUF_INIT;
		sb_adds(&sb, "checks:\n- check: x");
		for (int i = 0; i < 40; i++)
			sb_adds(&sb, "\xc3\xa9");
		sb_adds(&sb, "\n");
		struct strbuf want = STRBUF_INIT;
		sb_adds(&want, "2:10: unknown check 'x");
		for (int i = 0; i < 31; i++)
			sb_adds(&want, "\xc3\xa9");
		sb_adds(&want, "...'");
		expect_error(sb.buf, NULL, want.buf);
		sb_release(&sb);
		sb_release(&want);
	}
	vars_release(&vars);
}

/* unless: the converse of when, for "this rule without the variable, that
 * one with it". */
static void test_unless(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;
	const char *t = "checks:\n"
			"  - check: dkim\n"
			"    selector: s1\n"
			"    unless: key\n"
			"  - check: dkim\n"
			"    selector: s1\n"
			"    private_key: \"{key}\"\n"
			"    when: key\n";

	load_ok(t, NULL, &rs);
	assert_int_equal(rs.n, 1);
	assert_null(rule_param(&rs.rules[0], "private_key"));
	assert_string_equal(rs.skipped[0].when, "key");
	ruleset_release(&rs);

	vars_set(&vars, "key", "s1.private");
	load_ok(t, &vars, &rs);
	assert_int_equal(rs.n, 1);
	assert_list(&rs.rules[0], "private_key", "s1.private", NULL);
	assert_int_equal(rs.n_skipped, 1);
	assert_string_equal(rs.skipped[0].unless, "key");
	ruleset_release(&rs);
	vars_release(&vars);

	expect_error("checks:\n  - check: dkim\n    unless: domain\n", NULL,
		     "3:13: 'unless: domain' is always false (the domain is always set)");
	expect_error("checks:\n  - check: dkim\n    unless: \"{key}\"\n", NULL,
		     "3:13: 'unless' takes a variable name without braces: 'unless: key'");
}

static void test_when(void **state)
{
	struct vars vars = VARS_INIT;
	struct ruleset rs;
	const char *t = "checks:\n"
			"  - check: ttl\n"
			"  - check: record\n"
			"    when: new_ip\n"
			"    name: \"{domain}\"\n"
			"    type: A\n"
			"    expect: [\"{new_ip}\", \"{other}\"]\n"
			"    severity: warn\n";

	/* unset: skipped, undefined variables in it are no error */
	load_ok(t, NULL, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.n_skipped, 1);
	assert_string_equal(rs.skipped[0].when, "new_ip");
	assert_int_equal(rs.skipped[0].severity, STATUS_WARN);
	assert_list(&rs.skipped[0], "expect", "{new_ip}", "{other}", NULL);
	ruleset_release(&rs);

	/* set: the item is used, so every variable in it must be defined */
	vars_set(&vars, "new_ip", "192.0.2.1");
	expect_error(t, &vars, "7:27: undefined variable 'other' (set it with --set other=VALUE)");
	vars_set(&vars, "other", "192.0.2.2");
	load_ok(t, &vars, &rs);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.n_skipped, 0);
	assert_list(&rs.rules[1], "expect", "192.0.2.1", "192.0.2.2", NULL);
	ruleset_release(&rs);

	/* an empty value counts as set */
	vars_release(&vars);
	vars_set(&vars, "new_ip", "");
	vars_set(&vars, "other", "");
	load_ok(t, &vars, &rs);
	assert_int_equal(rs.n, 2);
	ruleset_release(&rs);
	vars_release(&vars);
}

/* ------------------------------------------------------------------ */
/* rules_expand */

static void expect_expand(const struct vars *vars, const char *tmpl, const char *domain, const char *want)
{
	char *undefined = (char *)"junk";
	char *s = rules_expand(tmpl, vars, domain, &undefined);
	assert_non_null(s);
	assert_null(undefined);
	assert_string_equal(s, want);
	free(s);
}

static void test_expand(void **state)
{
	struct vars vars = VARS_INIT;
	char *undefined = NULL, *s;

	vars_set(&vars, "new_ip", "192.0.2.1");
	vars_set(&vars, "a", "A");
	vars_set(&vars, "b", "B");
	vars_set(&vars, "_x1", "X");
	vars_set(&vars, "braces", "{a} {domain} {");
	vars_set(&vars, "empty", "");

	expect_expand(&vars, "", NULL, "");
	expect_expand(&vars, "plain", NULL, "plain");
	expect_expand(&vars, "{new_ip}", NULL, "192.0.2.1");
	expect_expand(&vars, "ip={new_ip};", NULL, "ip=192.0.2.1;");
	expect_expand(&vars, "{a}{b}", NULL, "AB");
	expect_expand(&vars, "{{a}}", NULL, "{A}");
	expect_expand(&vars, "{_x1}{empty}.", NULL, "X.");
	/* {domain}: kept without a domain, replaced with one */
	expect_expand(&vars, "www.{domain}", NULL, "www.{domain}");
	expect_expand(&vars, "www.{domain}", "example.org", "www.example.org");
	expect_expand(&vars, "{domain}{domain}", "example.org", "example.orgexample.org");
	/* not variable names: kept as they are */
	expect_expand(&vars, "{}", NULL, "{}");
	expect_expand(&vars, "{ x}", NULL, "{ x}");
	expect_expand(&vars, "{x }", NULL, "{x }");
	expect_expand(&vars, "{1x}", NULL, "{1x}");
	expect_expand(&vars, "{a-b}", NULL, "{a-b}");
	expect_expand(&vars, "{a", NULL, "{a");
	expect_expand(&vars, "a}", NULL, "a}");
	expect_expand(&vars, "{", NULL, "{");
	/* a value with braces is inserted as it is, not expanded again */
	expect_expand(&vars, "<{braces}>", "example.org", "<{a} {domain} {>");
	/* names are case-sensitive */
	s = rules_expand("{A}", &vars, NULL, &undefined);
	assert_null(s);
	assert_string_equal(undefined, "A");
	free(undefined);
	/* the first undefined name */
	s = rules_expand("{a}{nope}{other}", &vars, "example.org", &undefined);
	assert_null(s);
	assert_string_equal(undefined, "nope");
	free(undefined);
	assert_null(rules_expand("{nope}", &vars, NULL, NULL));
	/* an empty vars defines nothing; NULL vars keeps every other {name} */
	{
		struct vars none = VARS_INIT;
		assert_null(rules_expand("{a}", &none, NULL, NULL));
	}
	expect_expand(NULL, "{a}.{domain}", "example.org", "{a}.example.org");
	expect_expand(NULL, "{a}.{domain}", NULL, "{a}.{domain}");
	vars_release(&vars);
}

/* ------------------------------------------------------------------ */
/* vars */

static void test_vars(void **state)
{
	struct vars v = VARS_INIT;
	char err[256];

	assert_null(vars_get(&v, "x"));
	assert_null(vars_get(NULL, "x"));
	assert_int_equal(vars_set_assignment(&v, "new_ip=192.0.2.1", err, sizeof(err)), 0);
	assert_string_equal(vars_get(&v, "new_ip"), "192.0.2.1");
	assert_int_equal(vars_set_assignment(&v, "new_ip=198.51.100.20", err, sizeof(err)), 0);
	assert_string_equal(vars_get(&v, "new_ip"), "198.51.100.20");
	assert_int_equal(v.n, 1);
	assert_int_equal(vars_set_assignment(&v, "q=a=b", err, sizeof(err)), 0);
	assert_string_equal(vars_get(&v, "q"), "a=b");
	assert_int_equal(vars_set_assignment(&v, "e=", err, sizeof(err)), 0);
	assert_string_equal(vars_get(&v, "e"), "");
	assert_int_equal(vars_set_assignment(&v, "_9=x", err, sizeof(err)), 0);
	assert_int_equal(vars_set_assignment(&v, "Domain=x", err, sizeof(err)), 0); /* case matters */
	for (int i = 0; i < 40; i++) {
		char a[32];
		snprintf(a, sizeof(a), "v%d=%d", i, i);
		assert_int_equal(vars_set_assignment(&v, a, err, sizeof(err)), 0);
	}
	assert_string_equal(vars_get(&v, "v39"), "39");
	assert_null(vars_get(&v, "new"));

	assert_int_equal(vars_set_assignment(&v, "new_ip", err, sizeof(err)), -1);
	assert_string_equal(err, "invalid assignment 'new_ip' (expected NAME=VALUE)");
	assert_int_equal(vars_set_assignment(&v, "=x", err, sizeof(err)), -1);
	assert_string_equal(err, "invalid assignment '=x' (expected NAME=VALUE)");
	assert_int_equal(vars_set_assignment(&v, "", err, sizeof(err)), -1);
	assert_string_equal(err, "invalid assignment '' (expected NAME=VALUE)");
	assert_int_equal(vars_set_assignment(&v, "new-ip=x", err, sizeof(err)), -1);
	assert_string_equal(
		err, "invalid variable name 'new-ip' (letters, digits and '_', not starting with a digit)");
	assert_int_equal(vars_set_assignment(&v, "1x=x", err, sizeof(err)), -1);
	assert_string_equal(
		err, "invalid variable name '1x' (letters, digits and '_', not starting with a digit)");
	assert_int_equal(vars_set_assignment(&v, "{x}=y", err, sizeof(err)), -1);
	assert_string_equal(
		err, "invalid variable name '{x}' (letters, digits and '_', not starting with a digit)");
	assert_int_equal(vars_set_assignment(&v, " x=y", err, sizeof(err)), -1);
	assert_int_equal(vars_set_assignment(&v, "domain=example.org", err, sizeof(err)), -1);
	assert_string_equal(err, "cannot set 'domain': it is always the domain under check");
	/* a short buffer truncates, never overflows */
	assert_int_equal(vars_set_assignment(&v, "domain=x", err, 8), -1);
	assert_string_equal(err, "cannot ");
	assert_int_equal(vars_set_assignment(&v, "domain=x", NULL, 0), -1);
	vars_release(&v);
	assert_int_equal(v.n, 0);
	assert_null(v.names);
	vars_release(&v);
}

/* ------------------------------------------------------------------ */
/* the types no shipped check uses yet: rules_check_scalar directly */

static void expect_scalar(const struct check_param *p, const char *value, const char *normal,
			  const char *message)
{
	char err[256] = "";
	char *v = xstrdup(value);
	int rc = rules_check_scalar(p, v, err, sizeof(err));
	if (message) {
		assert_int_equal(rc, -1);
		assert_string_equal(err, message);
	} else {
		if (rc != 0)
			fail_msg("'%s': %s", value, err);
		assert_string_equal(v, normal ? normal : value);
	}
	free(v);
}

static void test_check_scalar(void **state)
{
	static const char *const policies[] = {"none", "quarantine", "reject", NULL};
	static const struct check_param p_enum = {"policy_min", PARAM_ENUM, 0, policies, NULL};
	static const struct check_param p_dur = {"wait", PARAM_DURATION, 0, NULL, NULL};
	static const struct check_param p_pct = {"min", PARAM_PERCENT, 0, NULL, NULL};
	static const struct check_param p_uint = {"max", PARAM_UINT, 0, NULL, NULL};
	static const struct check_param p_rr = {"type", PARAM_RRTYPE, 0, NULL, NULL};
	static const struct check_param p_str = {"name", PARAM_STRING, 0, NULL, NULL};

	expect_scalar(&p_enum, "quarantine", NULL, NULL);
	expect_scalar(&p_enum, "Reject", NULL,
		      "invalid value 'Reject' for 'policy_min' (expected one of: none, quarantine, reject)");
	expect_scalar(&p_enum, "", NULL,
		      "invalid value '' for 'policy_min' (expected one of: none, quarantine, reject)");

	expect_scalar(&p_dur, "90", NULL, NULL);
	expect_scalar(&p_dur, "15m", NULL, NULL);
	expect_scalar(&p_dur, "2h", NULL, NULL);
	expect_scalar(&p_dur, "1d", NULL, NULL);
	expect_scalar(&p_dur, "0s", NULL, NULL);
	expect_scalar(&p_dur, "2w", NULL,
		      "invalid duration '2w' for 'wait' (expected e.g. 90, 90s, 15m, 2h or 1d)");
	expect_scalar(&p_dur, "1h30m", NULL,
		      "invalid duration '1h30m' for 'wait' (expected e.g. 90, 90s, 15m, 2h or 1d)");
	expect_scalar(&p_dur, "-1m", NULL,
		      "invalid duration '-1m' for 'wait' (expected e.g. 90, 90s, 15m, 2h or 1d)");
	expect_scalar(&p_dur, "99999999d", NULL,
		      "invalid duration '99999999d' for 'wait' (expected e.g. 90, 90s, 15m, 2h or 1d)");

	expect_scalar(&p_pct, "90%", NULL, NULL);
	expect_scalar(&p_pct, "0.9", NULL, NULL);
	expect_scalar(&p_pct, "100%", NULL, NULL);
	expect_scalar(&p_pct, "99.5%", NULL, NULL);
	expect_scalar(&p_pct, "0", NULL, NULL);
	expect_scalar(&p_pct, "1", NULL, NULL);
	expect_scalar(&p_pct, "90", NULL,
		      "invalid percentage '90' for 'min' (expected 0% to 100%, e.g. 90% or 0.9)");
	expect_scalar(&p_pct, "101%", NULL,
		      "invalid percentage '101%' for 'min' (expected 0% to 100%, e.g. 90% or 0.9)");
	expect_scalar(&p_pct, "-5%", NULL,
		      "invalid percentage '-5%' for 'min' (expected 0% to 100%, e.g. 90% or 0.9)");
	expect_scalar(&p_pct, "9 0%", NULL,
		      "invalid percentage '9 0%' for 'min' (expected 0% to 100%, e.g. 90% or 0.9)");

	expect_scalar(&p_uint, "0", NULL, NULL);
	expect_scalar(&p_uint, "4294967295", NULL, NULL);
	expect_scalar(&p_uint, "", NULL,
		      "invalid number '' for 'max' (expected a whole number up to 4294967295)");
	expect_scalar(&p_uint, "1.5", NULL,
		      "invalid number '1.5' for 'max' (expected a whole number up to 4294967295)");

	expect_scalar(&p_rr, "aaaa", "AAAA", NULL);
	expect_scalar(&p_rr, "Https", "HTTPS", NULL);
	expect_scalar(&p_rr, "type65", "TYPE65", NULL);
	expect_scalar(&p_rr, "TYPE0", NULL, "unknown record type 'TYPE0' for 'type'");
	expect_scalar(&p_rr, "", NULL, "unknown record type '' for 'type'");
	expect_scalar(&p_rr, "A ", NULL, "unknown record type 'A ' for 'type'");
	expect_scalar(&p_rr, "ixfr", NULL,
		      "record type 'IXFR' for 'type' is a query type, not a record type");

	expect_scalar(&p_str, "anything {at} all", NULL, NULL);
}

static void test_parse_percent(void **state)
{
	double f = -1;
	assert_int_equal(rules_parse_percent("90%", &f), 0);
	assert_true(f > 0.8999 && f < 0.9001);
	assert_int_equal(rules_parse_percent("0.95", &f), 0);
	assert_true(f > 0.9499 && f < 0.9501);
	assert_int_equal(rules_parse_percent("0%", &f), 0);
	assert_true(f == 0);
	assert_int_equal(rules_parse_percent("100.0%", &f), 0);
	assert_true(f == 1);
	assert_int_equal(rules_parse_percent("1.0", &f), 0);
	assert_true(f == 1);
	assert_int_equal(rules_parse_percent("1.01", &f), -1);
	assert_int_equal(rules_parse_percent(".5", &f), -1);
	assert_int_equal(rules_parse_percent("5.", &f), -1);
	assert_int_equal(rules_parse_percent("%", &f), -1);
	assert_int_equal(rules_parse_percent("50%%", &f), -1);
	assert_int_equal(rules_parse_percent("inf", &f), -1);
	assert_int_equal(rules_parse_percent("nan", &f), -1);
	assert_int_equal(rules_parse_percent("0x1p-1", &f), -1);
	assert_int_equal(rules_parse_percent("", &f), -1);
	assert_int_equal(rules_parse_percent("00000000000000000000000000000050%", &f), -1);
}

/* ------------------------------------------------------------------ */

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_good_all_types),
		cmocka_unit_test(test_good_all_types_when_set),
		cmocka_unit_test(test_good_flow),
		cmocka_unit_test(test_good_vars),
		cmocka_unit_test(test_default_vars),
		cmocka_unit_test(test_shipped_rules),
		cmocka_unit_test(test_shipped_service_rules),
		cmocka_unit_test(test_load_string),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_unless),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_check_scalar),
		cmocka_unit_test(test_parse_percent),
		cmocka_unit_test(test_bare_names),
		cmocka_unit_test(test_too_large),
	};
	return fixture_group_run("rules", fixed, ARRAY_SIZE(fixed), FIXTURES, MIN_BAD_FIXTURES,
				 test_bad_fixture);
}
