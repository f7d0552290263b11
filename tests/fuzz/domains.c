/* Harness domains: any bytes as a -d file, through domains_parse() (the
 * reader is a pure function over the buffer). Every name handed over is
 * non-empty and holds no white space, '#' or NUL, and goes through
 * name_domain_arg() as session.c's reader does (IDN to A-labels, refusals
 * with a reason); a name it accepts has the canonical form the audit makes
 * of it; an error names the file and a line that exists. */
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
	const char *domain = name_domain_arg(&s->arena, name, why, whylen);
	if (!domain) {
		if (!*why)
			abort(); /* a refusal says why */
		return -1;
	}
	if (!name_canonical(&s->arena, domain))
		abort(); /* accepted, but the audit could not use it */
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
