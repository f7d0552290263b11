/* Harness html: untrusted text (what DNS and servers send) into an -f html
 * page. Input: any bytes, up to a NUL, as a finding's subject, server,
 * message, expected and actual. The escaper (REPORT_CLEAN_HTML) gives valid
 * UTF-8 with no control character and no & < > " ' but in a character
 * reference; the whole page, written by the html reporter, has as many '<'
 * as the same page for a finding of plain words: nothing from the input
 * became markup. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "report.h"

/* s is valid UTF-8, without control characters, and each & starts one of
 * the references the escaper writes. */
static void check_escaped(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = report_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp < 0x80 && strchr("<>\"'", (int)cp)))
			abort();
		if (cp == '&') {
			size_t k = i + 1;
			if (s[k] == '#') {
				for (k++; k < len && s[k] >= '0' && s[k] <= '9'; k++)
					;
				if (k == i + 2)
					abort();
			} else {
				for (; k < len && s[k] >= 'a' && s[k] <= 'z'; k++)
					;
				if (k == i + 1)
					abort();
			}
			if (k >= len || s[k] != ';')
				abort();
		}
		i += n;
	}
}

static size_t count_lt(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '<';
	return n;
}

/* The page for one domain with one finding whose texts are text. */
static char *page(const char *text, size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	struct reporter *rp = NULL;
	struct finding f = {"x.test",	  "ttl",	"ttl.too-high", STATUS_FAIL,  (char *)text,
			    (char *)text, (char *)text, (char *)text,	(char *)text, MARK_NONE};
	if (!out || reporter_open(FORMAT_HTML, NULL, 0, out, &rp) != 0 ||
	    reporter_domain(rp, "x.test", &f, 1) != 0 || reporter_close(rp, 1.0, 0) != 0)
		abort();
	reporter_free(rp);
	fclose(out);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct strbuf sb = STRBUF_INIT;
	size_t len, plain_len;

	report_add_clean(&sb, text, REPORT_CLEAN_HTML);
	check_escaped(sb.buf ? sb.buf : "", sb.len);
	sb_release(&sb);

	static size_t plain_lt = SIZE_MAX;
	if (plain_lt == SIZE_MAX) {
		char *plain = page("plain words", &plain_len);
		plain_lt = count_lt(plain, plain_len);
		free(plain);
	}
	char *got = page(text, &len);
	if (count_lt(got, len) != plain_lt) {
		fprintf(stderr, "fuzz: the input made markup:\n%s\n", got);
		abort();
	}
	free(got);
	free(text);
	return 0;
}
