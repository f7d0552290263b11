/* Harness targets: any bytes as a resolvers file, through
 * target_list_parse() (a pure function over the buffer), and the first line
 * as a --resolver argument through target_list_add(). A refusal names
 * "fuzz.txt:LINE:COLUMN:" with a position inside the input and leaves the
 * list empty; a list that loads holds distinct resolvers with ports in
 * range, tidy labels and lines that exist, each of which reads back the same
 * from its text (target_list_add) and from the list written out again as a
 * file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "fuzz.h"
#include "targets.h"

#define FILE_NAME "fuzz.txt"

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s: '%s'\n", what, detail ? detail : "(null)");
	abort();
}

static int same_address(const struct target *a, const struct target *b)
{
	return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

/* The length of line number line (from 1) of data, or -1 when there is none. */
static long line_length(const uint8_t *data, size_t size, unsigned long line)
{
	size_t start = 0;
	for (unsigned long l = 1; l < line; l++) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		if (!nl)
			return -1;
		start = (size_t)(nl - data) + 1;
	}
	const uint8_t *nl = memchr(data + start, '\n', size - start);
	return (long)((nl ? (size_t)(nl - data) : size) - start);
}

/* A target as a command-line argument must read back as itself. */
static void check_reparse(const struct target *x)
{
	struct target_list again;
	char err[512];
	target_list_init(&again);
	if (target_list_add(&again, x->text, NULL, err, sizeof(err)) != 0)
		die("its own text does not parse", err);
	if (!same_address(&again.v[0], x) || again.v[0].port != x->port ||
	    strcmp(again.v[0].text, x->text) != 0)
		die("its own text parses to another address", x->text);
	target_list_release(&again);
}

static void check_target(const struct target *x)
{
	unsigned port;
	char host[INET6_ADDRSTRLEN];
	if (x->port < 1 || x->port > 65535)
		die("port out of range", x->text);
	if ((x->addr.ss_family != AF_INET || x->addrlen != sizeof(struct sockaddr_in)) &&
	    (x->addr.ss_family != AF_INET6 || x->addrlen != sizeof(struct sockaddr_in6)))
		die("not an IPv4 or IPv6 address", x->text);
	if (dns_addr_host((const struct sockaddr *)&x->addr, host, sizeof(host), &port) != 0 ||
	    port != x->port)
		die("the address's port is not the port", x->text);
	if (x->label) {
		size_t n = strlen(x->label);
		if (n == 0 || n > TARGETS_LABEL_MAX || x->label[0] == ' ' || x->label[n - 1] == ' ' ||
		    strstr(x->label, "  "))
			die("an untidy label", x->label);
		for (const char *c = x->label; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				die("a control character in the label", x->label);
		if (x->label[0] == '#' || strstr(x->label, " #"))
			die("a comment in the label", x->label);
	}
	check_reparse(x);
}

/* Write t out as a resolvers file, every port given, and read it back: the
 * same resolvers, ports and labels. */
static void check_round_trip(const struct target_list *t)
{
	struct strbuf sb = STRBUF_INIT;
	struct target_list back;
	char err[512], host[INET6_ADDRSTRLEN];
	for (size_t i = 0; i < t->n; i++) {
		dns_addr_host((const struct sockaddr *)&t->v[i].addr, host, sizeof(host), NULL);
		sb_addf(&sb, "%s %u%s%s\n", host, t->v[i].port, t->v[i].label ? " " : "",
			t->v[i].label ? t->v[i].label : "");
	}
	target_list_init(&back);
	if (target_list_parse(&back, sb.buf, sb.len, "again.txt", err, sizeof(err)) != 0)
		die("the list written out does not read back", err);
	if (back.n != t->n)
		die("the list written out reads back another length", sb.buf);
	for (size_t i = 0; i < t->n; i++) {
		const struct target *a = &t->v[i], *b = &back.v[i];
		if (!same_address(a, b) || a->port != b->port || strcmp(a->text, b->text) != 0 ||
		    !a->label != !b->label || (a->label && strcmp(a->label, b->label) != 0))
			die("the list written out reads back otherwise", a->text);
	}
	target_list_release(&back);
	sb_release(&sb);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	struct target_list t;
	char err[512] = "";
	unsigned long lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	target_list_init(&t);
	int rc = target_list_parse(&t, (const char *)data, size, FILE_NAME, err, sizeof(err));
	if (rc == -1) {
		unsigned long line = 0, col = 0;
		int n = 0;
		if (sscanf(err, FILE_NAME ":%lu:%lu: %n", &line, &col, &n) != 2 || n == 0 || !err[n])
			die("an error without its position", err);
		long len = line_length(data, size, line);
		if (line < 1 || line > lines || len < 0 || col < 1 || col > (unsigned long)len + 1)
			die("an error outside the input", err);
		if (t.n != 0)
			die("a failed parse left resolvers in the list", err);
	} else if (rc == 0) {
		if (t.n < 1 || t.n > TARGETS_MAX)
			die("a list that loads holds no or too many resolvers", err);
		for (size_t i = 0; i < t.n; i++) {
			const struct target *x = &t.v[i];
			if (!x->file || strcmp(x->file, FILE_NAME) != 0 || x->line < 1 || x->line > lines)
				die("a resolver from a line that does not exist", x->text);
			if (i > 0 && x->line <= t.v[i - 1].line)
				die("resolvers out of order", x->text);
			check_target(x);
			for (size_t k = 0; k < i; k++)
				if (same_address(&t.v[k], x))
					die("a duplicate in the list", x->text);
		}
		check_round_trip(&t);
	} else {
		die("neither 0 nor -1", err);
	}
	target_list_release(&t);
}

/* The first line (without NUL) as a --resolver argument. */
static void fuzz_argument(const uint8_t *data, size_t size)
{
	struct target_list t;
	char err[512] = "";
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	if (memchr(data, '\0', n))
		return;
	char *spec = xstrndup((const char *)data, n);
	target_list_init(&t);
	int rc = target_list_add(&t, spec, "label", err, sizeof(err));
	if (rc == 0) {
		if (t.n != 1 || strcmp(t.v[0].label, "label") != 0 || t.v[0].file)
			die("an argument added otherwise", spec);
		check_target(&t.v[0]);
	} else if (rc != -1 || !err[0] || t.n != 0) {
		die("an argument refused without a reason", spec);
	}
	target_list_release(&t);
	free(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_file(data, size);
	fuzz_argument(data, size);
	return 0;
}
