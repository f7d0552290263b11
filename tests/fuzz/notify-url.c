/* Harness notify-url: webhook URL templates (notify_url_expand). Input:
 * NAME=VALUE lines (at most 16 variables), up to a NUL byte; the rest is the
 * template. Whether a template expands depends on its braces and names only,
 * never on the values; every value comes out as RFC 3986 unreserved
 * characters and uppercase %XX escapes that decode to it; and the expansion
 * is the template's text outside braces with each {name} replaced by the
 * expansion of "{name}" alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notify.h"

#define MAX_VARS 16

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lowercase hex is not what notify_url_expand writes */
}

/* enc is only unreserved characters and %XX, and decodes to value. */
static void check_encoding(const char *enc, const char *value)
{
	struct strbuf dec = STRBUF_INIT;
	for (const char *p = enc; *p; p++) {
		if (unreserved((unsigned char)*p)) {
			sb_add(&dec, p, 1);
			continue;
		}
		if (*p != '%' || hexval(p[1]) < 0 || hexval(p[2]) < 0) {
			fprintf(stderr, "fuzz: '%s' is not percent-encoded\n", enc);
			abort();
		}
		char c = (char)(hexval(p[1]) * 16 + hexval(p[2]));
		if (unreserved((unsigned char)c))
			abort(); /* an unreserved character escaped */
		sb_add(&dec, &c, 1);
		p += 2;
	}
	if (strcmp(dec.buf ? dec.buf : "", value) != 0)
		abort();
	sb_release(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t head;
	char *tmpl = fuzz_tail(data, size, &head);
	struct notify_var v[MAX_VARS], empty[MAX_VARS];
	char *lines[MAX_VARS];
	size_t n = 0;
	char err[256], err0[256];

	for (size_t at = 0; at < head && n < MAX_VARS;) {
		size_t len = strcspn(text + at, "\n");
		if (at + len > head)
			len = head - at;
		char *line = strndup(text + at, len);
		char *eq = strchr(line, '=');
		at += len + 1;
		if (!eq) {
			free(line);
			continue;
		}
		*eq = '\0';
		lines[n] = line;
		v[n] = (struct notify_var){line, eq + 1};
		empty[n] = (struct notify_var){line, ""};
		n++;
	}

	err[0] = err0[0] = '\0';
	char *out = notify_url_expand(tmpl, v, n, err, sizeof(err));
	char *out0 = notify_url_expand(tmpl, empty, n, err0, sizeof(err0));
	if (!out != !out0 || (out0 && *err0))
		abort(); /* success hangs on the braces and names, not the values */
	if (!out) {
		if (!strpbrk(tmpl, "{}") || !strstr(err, "column") || strcmp(err, err0) != 0)
			abort(); /* an error is about a brace, says where, whatever the values */
		goto done;
	}

	/* Each variable alone, then the whole template piece by piece. */
	for (size_t i = 0; i < n; i++) {
		if (strpbrk(v[i].name, "{}"))
			continue; /* a template cannot name it */
		char *single = xasprintf("{%s}", v[i].name);
		char *enc = notify_url_expand(single, v, n, err, sizeof(err));
		if (enc) {
			size_t first = 0;
			while (strcmp(v[first].name, v[i].name) != 0)
				first++;
			check_encoding(enc, v[first].value);
		}
		free(enc);
		free(single);
	}
	struct strbuf want = STRBUF_INIT, want0 = STRBUF_INIT;
	for (const char *p = tmpl; *p;) {
		if (*p != '{') {
			sb_add(&want, p, 1);
			sb_add(&want0, p, 1);
			p++;
			continue;
		}
		const char *close = strchr(p, '}');
		if (!close)
			abort(); /* expanded, so every brace is closed */
		char *single = strndup(p, (size_t)(close - p) + 1);
		char *enc = notify_url_expand(single, v, n, err, sizeof(err));
		if (!enc)
			abort();
		sb_adds(&want, enc);
		free(enc);
		free(single);
		p = close + 1;
	}
	if (strcmp(out, want.buf ? want.buf : "") != 0 || strcmp(out0, want0.buf ? want0.buf : "") != 0)
		abort();
	sb_release(&want);
	sb_release(&want0);

done:
	free(out);
	free(out0);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(tmpl);
	return 0;
}
