/* A cmocka group of fixed tests plus one test per bad fixture file, shared
 * by the suites whose malformed inputs are files (test_rules: rule sets,
 * test_plan: plans). Include after <cmocka.h>; header-only, for tests. */
#ifndef CUTOVER_TEST_FIXTURE_GROUP_H
#define CUTOVER_TEST_FIXTURE_GROUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The whole text of a fixture file (the test fails when it cannot be
 * opened); the caller frees it. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	char chunk[4096];
	size_t got;
	assert_non_null(f);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_add(&sb, chunk, got);
	fclose(f);
	return sb_detach(&sb);
}

static size_t fixture_n_bad, fixture_min_bad;
static const char *fixture_dir;

static int fixture_by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The bad fixtures: every *.yml in dir not named good-*, sorted. */
static size_t fixture_bad_files(const char *dir, char ***out)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".yml") != 0 ||
		    strncmp(e->d_name, "good-", 5) == 0)
			continue;
		*(char **)xgrow(&v, &n, &alloc, sizeof(char *)) = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(v, n, sizeof(char *), fixture_by_name);
	*out = v;
	return n;
}

/* Fewer bad fixtures than expected: the directory was not found or read. */
static void test_fixtures_found(void **state)
{
	(void)state;
	if (fixture_n_bad < fixture_min_bad)
		fail_msg("found %zu bad fixtures in %s (run from the repository root)", fixture_n_bad,
			 fixture_dir);
}

/* Run group: test_fixtures_found, the n_fixed tests of fixed, then
 * bad_test once per bad fixture of dir (its path as the initial state, its
 * file name as the test's name). Returns cmocka's result. */
static int fixture_group_run(const char *group, const struct CMUnitTest *fixed, size_t n_fixed,
			     const char *dir, size_t min_bad, CMUnitTestFunction bad_test)
{
	char **bad;
	fixture_dir = dir;
	fixture_min_bad = min_bad;
	fixture_n_bad = fixture_bad_files(dir, &bad);
	size_t n = 1 + n_fixed + fixture_n_bad;
	struct CMUnitTest *tests = xcalloc(n, sizeof(*tests));
	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_fixtures_found);
	memcpy(tests + 1, fixed, n_fixed * sizeof(*fixed));
	for (size_t i = 0; i < fixture_n_bad; i++) {
		struct CMUnitTest *t = &tests[1 + n_fixed + i];
		t->name = bad[i] + strlen(dir) + 1;
		t->test_func = bad_test;
		t->initial_state = bad[i];
	}
	int rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	for (size_t i = 0; i < fixture_n_bad; i++)
		free(bad[i]);
	free(bad);
	free(tests);
	return rc;
}

#endif
