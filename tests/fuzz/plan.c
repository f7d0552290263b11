/* Harness plan: any text as a plan file, through the YAML tree with
 * positions (ytree.c), the plan loader (plan.c) and the rule-set loader for
 * its gates (rules.c). Input: NAME=VALUE lines (--set overrides, at most 16),
 * up to a NUL byte; the rest is the plan (all of the input when there is no
 * NUL). A plan that fails says why as "FILE:LINE:COL: message" (the plan's,
 * or a rule file's that a gate names); one that loads has what plan.h
 * promises: ids found by plan_find_*, positions of at least 1:1, a domain
 * for every gate, every run: command substituted and masked, no secret in
 * anything masked, and masking a stream chunk by chunk the same as masking
 * it whole. Gates name rule files relative to an empty directory, or the
 * shipped ones; standard input is /dev/null, so a plan naming /dev/stdin
 * reads nothing. */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "plan.h"

#define MAX_SET 16

static char plan_dir[PATH_MAX];

/* An error names a position of at least 1:1: the plan's, or (a rule file a
 * gate names) its own after its path. */
static void check_error(const char *err)
{
	int line = 0, col = 0, n = 0;
	if (strncmp(err, "fuzz.yml:", 9) == 0) {
		if (sscanf(err, "fuzz.yml:%d:%d: %n", &line, &col, &n) == 2 && n && line >= 1 && col >= 1 &&
		    err[n])
			return;
	} else {
		for (const char *p = strchr(err, ':'); p; p = strchr(p + 1, ':'))
			if (sscanf(p, ":%d:%d: %n", &line, &col, &n) == 2 && n && line >= 1 && col >= 1)
				return;
	}
	fprintf(stderr, "fuzz: a plan error without its position: '%s'\n", err);
	abort();
}

/* Whether a secret of p is in s (one with '*' may be made by the mask). */
static void check_masked(const struct plan *p, const char *s)
{
	for (size_t i = 0; i < p->n_vars; i++) {
		const char *v = p->vars[i].value;
		if (!p->vars[i].secret)
			continue;
		if (strlen(v) < 3)
			abort(); /* plan_load refuses a secret that short */
		if (!strchr(v, '*') && strstr(s, v)) {
			fprintf(stderr, "fuzz: secret '%s' in masked text '%s'\n", v, s);
			abort();
		}
	}
}

/* text masked in chunks of size, as a runner masks a step's output. */
static void check_stream(const struct plan *p, const char *text, size_t len, size_t size)
{
	struct strbuf pending = STRBUF_INIT, written = STRBUF_INIT;
	size_t used, outlen;
	char *chunk, *whole;

	for (size_t at = 0; at < len; at += size) {
		sb_add(&pending, text + at, len - at < size ? len - at : size);
		chunk = plan_mask_stream(p, pending.buf, pending.len, 0, &used, &outlen);
		if (used > pending.len ||
		    (plan_secret_maxlen(p) && pending.len - used >= plan_secret_maxlen(p)))
			abort(); /* more held back than a secret needs */
		sb_add(&written, chunk, outlen);
		free(chunk);
		memmove(pending.buf, pending.buf + used, pending.len - used);
		pending.len -= used;
		pending.buf[pending.len] = '\0';
	}
	chunk = plan_mask_stream(p, pending.buf ? pending.buf : "", pending.len, 1, &used, &outlen);
	if (used != pending.len)
		abort();
	sb_add(&written, chunk, outlen);
	free(chunk);
	whole = plan_mask_len(p, text, len, &outlen);
	if (outlen != written.len || (outlen && memcmp(whole, written.buf, outlen) != 0))
		abort(); /* chunk by chunk is not the whole */
	free(whole);
	sb_release(&pending);
	sb_release(&written);
}

static void check_plan(const struct plan *p, const char *text, size_t len)
{
	const struct plan_phase *in;
	if (!p->name || !*p->name || p->n_phases == 0 || !p->dir || p->dir[0] != '/')
		abort();
	for (size_t i = 0; i < p->n_notify; i++)
		if (!p->notify[i])
			abort();
	for (size_t i = 0; i < p->n_phases; i++) {
		const struct plan_phase *ph = &p->phases[i];
		if (plan_find_phase(p, ph->id) != ph || ph->line < 1 || ph->col < 1)
			abort();
		if (ph->n_steps == 0 && !ph->gate)
			abort();
		if (ph->hold_ttl_drain && !ph->gate)
			abort();
		if (ph->gate) {
			const struct plan_gate *g = ph->gate;
			if (!g->domain || g->n_rulesets == 0 || g->every == 0 ||
			    (g->fail_on != STATUS_WARN && g->fail_on != STATUS_FAIL))
				abort();
		}
		for (size_t k = 0; k < ph->n_steps; k++) {
			const struct plan_step *s = &ph->steps[k];
			if (plan_find_step(p, s->id, &in) != s || in != ph || s->line < 1 || s->col < 1)
				abort();
			char *cmd = plan_command(p, s, 0), *shown = plan_command(p, s, 1);
			check_masked(p, shown);
			free(cmd);
			free(shown);
			for (size_t e = 0; e < s->n_env; e++) {
				if (!strchr(s->env[e], '='))
					abort();
				shown = plan_text(p, strchr(s->env[e], '=') + 1, 1);
				check_masked(p, shown);
				free(shown);
			}
		}
	}
	check_stream(p, text, len, 1);
	check_stream(p, text, len, 7);
	check_stream(p, text, len, 4096);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char rules[PATH_MAX];
	(void)argc;
	(void)argv;
	int fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		abort();
	close(fd);
	snprintf(plan_dir, sizeof(plan_dir), "/tmp/fuzz-plan.XXXXXX");
	if (!mkdtemp(plan_dir))
		abort();
	if (realpath("rules", rules))
		setenv("CUTOVER_RULES_DIR", rules, 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(text, '\0', size);
	const char *plan_text_ = nul ? nul + 1 : text;
	size_t head = nul ? (size_t)(nul - text) : 0, len = size - (nul ? head + 1 : 0);
	struct vars set = VARS_INIT;
	struct plan *p = NULL;
	char err[2048];

	for (size_t at = 0; at < head && set.n < MAX_SET;) {
		size_t n = strcspn(text + at, "\n");
		if (at + n > head)
			n = head - at;
		char *line = xstrndup(text + at, n);
		char *eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			vars_set(&set, line, eq + 1);
		}
		free(line);
		at += n + 1;
	}
	if (plan_load_string(plan_text_, len, "fuzz.yml", plan_dir, &set, &p, err, sizeof(err)) != 0) {
		if (p)
			abort();
		check_error(err);
	} else {
		check_plan(p, plan_text_, len);
		plan_free(p);
	}
	vars_release(&set);
	return 0;
}
