/* Harness rules: any text as a rule file, through the YAML tree with
 * positions (ytree.c) and the rule-set loader (rules.c), with the variables
 * the shipped rule sets use set. A rule set that loads has the shapes
 * rules.h promises (a list for PARAM_STRINGS, PARAM_NAMES, PARAM_RRTYPES and
 * PARAM_ADDRS, a map of lists for PARAM_RRMAP, a scalar otherwise) and is then audited
 * offline against the sane zone of fuzz.c, so the checks see whatever
 * parameters a rule file can give them. One that does not load says why as
 * "FILE:LINE:COL: message" with a position of at least 1:1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "fuzz.h"

static struct vars vars = VARS_INIT;

static ldns_pkt *answer(void *arg, const struct ns_server *server, int rd, const char *name,
			ldns_rr_type type, int *err)
{
	(void)arg;
	(void)err;
	return fuzz_zone_answer(name, type, !server || rd);
}

static const struct check_param *param_of(const struct rule *r, const char *key)
{
	for (const struct check_param *p = r->desc->params; p && p->key; p++)
		if (strcmp(p->key, key) == 0)
			return p;
	return NULL;
}

static void check_list(const struct rule_value *v)
{
	if (v->kind != RV_LIST || v->n == 0)
		abort();
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i].kind != RV_SCALAR || !v->items[i].str)
			abort();
}

/* The shapes rules.h promises; and whether the rule reads files (a private
 * key: the audit is skipped, it could name a device that blocks). */
static int check_rule(const struct rule *r)
{
	int reads_files = 0;
	if (!r->desc)
		abort();
	for (size_t i = 0; i < r->n_params; i++) {
		const struct check_param *p = param_of(r, r->params[i].key);
		const struct rule_value *v = &r->params[i].value;
		if (!p)
			abort(); /* an unknown key loaded */
		switch (p->type) {
		case PARAM_STRINGS:
		case PARAM_NAMES:
		case PARAM_RRTYPES:
		case PARAM_ADDRS:
			check_list(v);
			break;
		case PARAM_RRMAP:
			if (v->kind != RV_MAP || v->n == 0)
				abort();
			for (size_t k = 0; k < v->n; k++)
				check_list(&v->items[k]);
			break;
		default:
			if (v->kind != RV_SCALAR || !v->str)
				abort();
		}
		if (strcmp(p->key, "private_key") == 0)
			reads_files = 1;
	}
	return reads_files;
}

static void check_error(const char *err)
{
	int line = 0, col = 0, n = 0;
	if (sscanf(err, "fuzz.yml:%d:%d: %n", &line, &col, &n) != 2 || n == 0 || line < 1 || col < 1 ||
	    !err[n]) {
		fprintf(stderr, "fuzz: a rule-file error without its position: '%s'\n", err);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_zone_init();
	vars_set(&vars, "new_ip", "192.0.2.20");
	vars_set(&vars, "old_ip", "192.0.2.10");
	vars_set(&vars, "mail_host", "mail." FUZZ_DOMAIN);
	vars_set(&vars, "dkim_selector", "sel");
	vars_set(&vars, "host", "mail");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset rs;
	char err[1024];
	if (rules_load_string((const char *)data, size, "fuzz.yml", &vars, &rs, err, sizeof(err)) != 0) {
		check_error(err);
		ruleset_release(&rs);
		return 0;
	}
	int reads_files = 0;
	for (size_t i = 0; i < rs.n; i++)
		reads_files |= check_rule(&rs.rules[i]);
	for (size_t i = 0; i < rs.n_skipped; i++)
		check_rule(&rs.skipped[i]);
	if (!reads_files && rs.n > 0) {
		struct arena arena = ARENA_INIT;
		struct audit_rules ar = {&rs, 1};
		struct audit_result *res =
			audit_run_offline(&ar, FUZZ_DOMAIN, fuzz_delegation(&arena), answer, NULL);
		fuzz_read_findings(res);
		audit_result_free(res);
		arena_release(&arena);
	}
	ruleset_release(&rs);
	return 0;
}
