/* Harness set-vars: --set values and {var} substitution. Input: NAME=VALUE
 * lines (each through vars_set_assignment, as -s gives them), up to a NUL
 * byte; the rest is a template. The template is expanded as rules_load
 * expands values (undefined variables fail, naming one that exists in the
 * text), as the per-domain pass does (never fails), and with nothing to
 * substitute (the text comes back as it was); then it is loaded as a rule
 * file with the variables, whole and as the value of a record check's name,
 * which either loads or fails with a position. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void check_error(const char *err)
{
	int line = 0, col = 0, n = 0;
	if (sscanf(err, "fuzz.yml:%d:%d: %n", &line, &col, &n) != 2 || n == 0 || line < 1 || col < 1) {
		fprintf(stderr, "fuzz: a rule-file error without its position: '%s'\n", err);
		abort();
	}
}

static void load(const char *text, size_t len, const struct vars *vars)
{
	struct ruleset rs;
	char err[1024];
	if (rules_load_string(text, len, "fuzz.yml", vars, &rs, err, sizeof(err)) != 0)
		check_error(err);
	ruleset_release(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t head;
	char *tmpl = fuzz_tail(data, size, &head);
	struct vars vars = VARS_INIT;
	char err[512];

	for (size_t at = 0; at < head;) {
		size_t n = strcspn(text + at, "\n");
		if (at + n > head)
			n = head - at;
		char *line = strndup(text + at, n);
		vars_set_assignment(&vars, line, err, sizeof(err));
		free(line);
		at += n + 1;
	}
	for (size_t i = 0; i < vars.n; i++)
		if (strcmp(vars_get(&vars, vars.names[i]), vars.values[i]) != 0)
			abort();

	char *undefined = NULL;
	char *out = rules_expand(tmpl, &vars, FUZZ_DOMAIN, &undefined);
	if (!out && (!undefined || !strstr(tmpl, undefined) || vars_get(&vars, undefined)))
		abort(); /* a failure names a variable of the text that is not set */
	free(out);
	free(undefined);
	out = rules_expand(tmpl, NULL, FUZZ_DOMAIN, NULL);
	if (!out)
		abort(); /* the per-domain pass never fails */
	free(out);
	out = rules_expand(tmpl, NULL, NULL, NULL);
	if (!out || strcmp(out, tmpl) != 0)
		abort(); /* nothing to substitute: the text as it was */
	free(out);

	load(tmpl, strlen(tmpl), &vars);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "checks:\n  - check: record\n    type: A\n    name: \"");
	for (const unsigned char *p = (const unsigned char *)tmpl; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_addf(&sb, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sb_addf(&sb, "\\x%02x", *p);
		else
			sb_add(&sb, (const char *)p, 1);
	}
	sb_adds(&sb, "\"\n");
	load(sb.buf, sb.len, &vars);
	sb_release(&sb);

	vars_release(&vars);
	free(tmpl);
	return 0;
}
