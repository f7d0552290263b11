/* Harness baseline: any bytes as a baseline file, through
 * baseline_load_string(). A refusal names the file first ("fuzz.json:",
 * with a line and column when the bytes are not JSON). A baseline that
 * loads finds, for each domain of its findings, those same findings (read
 * back by jansson apart from the loader, the fixed ones of a marked report
 * left out) all unchanged, with nothing fixed; and for no findings at all,
 * every problem of the domain fixed, as info. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "baseline.h"
#include "fuzz.h"

#define FILE_NAME "fuzz.json"

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s: '%s'\n", what, detail ? detail : "(null)");
	abort();
}

static const char *str(json_t *f, const char *key)
{
	return json_string_value(json_object_get(f, key));
}

/* A domain as the loader compares it: lower case, trailing dots off. */
static char *domain_form(const char *s)
{
	char *d = xstrdup(s);
	size_t n = strlen(d);
	while (n > 1 && d[n - 1] == '.')
		d[--n] = '\0';
	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static enum status status_of(const char *s)
{
	for (int i = 0; i < STATUS_COUNT; i++)
		if (strcmp(s, status_name((enum status)i)) == 0)
			return (enum status)i;
	die("a status the loader took", s);
	return STATUS_ERROR;
}

/* Mark the findings of the report's domain d (those of its index i and
 * after) as the run's: every one unchanged; then nothing: its problems
 * fixed. */
static void check_domain(struct baseline *b, json_t *findings, const char *d)
{
	struct finding_list l;
	size_t i, problems = 0;
	json_t *f;

	finding_list_init(&l);
	json_array_foreach(findings, i, f)
	{
		const char *mark = str(f, "baseline");
		char *form = domain_form(str(f, "domain"));
		int mine = strcmp(form, d) == 0;
		free(form);
		if (!mine || (mark && strcmp(mark, "fixed") == 0))
			continue;
		struct finding x = {
			.domain = (char *)d,
			.check = (char *)str(f, "check"),
			.code = (char *)str(f, "code"),
			.status = status_of(str(f, "status")),
			.subject = (char *)str(f, "subject"),
			.server = (char *)str(f, "server"),
		};
		problems += x.status >= STATUS_WARN;
		finding_list_add(&l, &x);
	}
	size_t n = l.n;
	baseline_mark(b, d, &l);
	if (l.n != n)
		die("its own findings left some fixed", d);
	for (i = 0; i < n; i++)
		if (l.v[i].baseline != MARK_UNCHANGED)
			die("its own finding is not unchanged", l.v[i].code);
	finding_list_release(&l);

	finding_list_init(&l);
	baseline_mark(b, d, &l);
	if (l.n != problems)
		die("not every problem is fixed when nothing is found", d);
	for (i = 0; i < l.n; i++)
		if (l.v[i].baseline != MARK_FIXED || l.v[i].status != STATUS_INFO ||
		    strncmp(l.v[i].message, "in the baseline (", 17) != 0)
			die("a fixed finding is not one", l.v[i].message);
	finding_list_release(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline *b = NULL;
	char err[512];

	if (baseline_load_string((const char *)data, size, FILE_NAME, &b, err, sizeof(err)) != 0) {
		if (b || strncmp(err, FILE_NAME ":", strlen(FILE_NAME) + 1) != 0)
			die("a refusal that does not name the file", err);
		return 0;
	}
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		die("loaded, but jansson alone refuses it", FILE_NAME);
	json_t *findings = json_object_get(root, "findings"), *f;
	size_t i, kept = 0;
	json_array_foreach(findings, i, f)
	{
		const char *mark = str(f, "baseline");
		kept += !(mark && strcmp(mark, "fixed") == 0);
	}
	if (baseline_count(b) != kept)
		die("it kept another number of findings", FILE_NAME);
	json_array_foreach(findings, i, f)
	{
		char *d = domain_form(str(f, "domain"));
		check_domain(b, findings, d);
		free(d);
	}
	json_decref(root);
	baseline_free(b);
	return 0;
}
