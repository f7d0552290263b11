/* The table of finding codes, made from the one list in codes.h. */
#include <string.h>

#include "codes.h"
#include "report.h"
#include "util.h"

static const struct finding_code codes[] = {
#define X(id, name, status, summary) {name, status, summary},
	CODES(X)
#undef X
};

const char *code_name(enum code code)
{
	return (unsigned)code < CODE_COUNT ? codes[code].code : "check.unknown";
}

enum status code_status(enum code code)
{
	return (unsigned)code < CODE_COUNT ? codes[code].status : STATUS_ERROR;
}

const struct finding_code *code_lookup(const char *code)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (strcmp(codes[i].code, code) == 0)
			return &codes[i];
	return NULL;
}

const struct finding_code *code_table(size_t *n)
{
	*n = ARRAY_SIZE(codes);
	return codes;
}
