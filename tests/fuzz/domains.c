/* Harness domains: any bytes as a -d file, through domains_parse() (the
 * reader is a pure function over the buffer). Every name handed over is
 * non-empty and holds no white space, '#' or NUL; an error names the file
 * and a line that exists; names go on to the canonical form the audit makes
 * of them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "names.h"
#include "session.h"

struct seen {
	struct arena arena;
	size_t names;
};

static int add(void *arg, const char *name, char *why, size_t whylen)
{
	struct seen *s = arg;
	if (!*name || strpbrk(name, " \t\r\n\v\f#"))
		abort();
	s->names++;
	name_canonical(&s->arena, name);
	/* refuse one name in a few, as a validating caller would */
	if (strlen(name) == 13) {
		snprintf(why, whylen, "'%s' refused", name);
		return -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {ARENA_INIT, 0};
	char err[512];
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (domains_parse((const char *)data, size, "fuzz.txt", add, &s, err, sizeof(err)) != 0) {
		size_t line = 0;
		int n = 0;
		if (sscanf(err, "fuzz.txt:%zu: %n", &line, &n) != 1 || n == 0 || line < 1 || line > lines) {
			fprintf(stderr, "fuzz: an error without its line: '%s'\n", err);
			abort();
		}
	}
	arena_release(&s.arena);
	return 0;
}
