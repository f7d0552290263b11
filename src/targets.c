/* The resolvers a command asks: --resolver arguments and resolvers files
 * (targets.h says what each takes and refuses). */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns.h"
#include "session.h"
#include "targets.h"
#include "util.h"
#include "ytree.h"

/* Where the text being read is: a line of a file, or (file NULL) an
 * argument, whose messages carry no position. */
struct where {
	const char *file;
	unsigned line;
};

static int fail(char *err, size_t errlen, const struct where *w, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const struct where *w, size_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->file)
		ytree_verror(err, errlen, w->file, (int)w->line, (int)col, fmt, ap);
	else if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void target_list_init(struct target_list *t)
{
	memset(t, 0, sizeof(*t));
}

void target_list_release(struct target_list *t)
{
	free(t->v);
	arena_release(&t->strings);
	target_list_init(t);
}

/* A port, "1" to "65535" (digits only). Returns 0, or -1 after fail() at col. */
static int parse_port(const char *s, unsigned *port, const struct where *w, size_t col, char *err,
		      size_t errlen)
{
	char shown[YTREE_SHOWN_SIZE];
	unsigned long v;

	if (parse_ulong(s, 1, 65535, &v) == 0) {
		*port = (unsigned)v;
		return 0;
	}
	ytree_shown(s, shown, sizeof(shown));
	if (s[strspn(s, "0123456789")] == '\0')
		return fail(err, errlen, w, col, "port '%s' is not in 1..65535", shown);
	return fail(err, errlen, w, col, "port '%s' is not a number%s", shown,
		    w->file ? " (a comment needs white space before its '#')" : "");
}

/* The longest address field worth reading: "[", an IPv6 address, "]:", a
 * port. Longer ones are not addresses. */
#define SPEC_MAX (INET6_ADDRSTRLEN + 8)

/* Parse the address field spec (n bytes, at column col0) into x: its
 * address, port, text. *has_port says whether it carried a port. Returns 0,
 * or -1 after fail() at the column of what is wrong. */
static int parse_spec(const char *spec, size_t n, struct target *x, int *has_port, const struct where *w,
		      size_t col0, char *err, size_t errlen)
{
	char tok[2 * YTREE_SHOWN_SIZE], shown[YTREE_SHOWN_SIZE];
	char *host = tok, *port = NULL, *close = NULL, *sep, sepc = 0;
	struct in_addr a4;
	struct in6_addr a6;
	int family;

	memset(x, 0, sizeof(*x));
	x->port = 53;
	*has_port = 0;
	size_t m = n < sizeof(tok) - 1 ? n : sizeof(tok) - 1;
	memcpy(tok, spec, m);
	tok[m] = '\0';
	if (n > SPEC_MAX)
		return fail(err, errlen, w, col0, "'%s' is not an IPv4 or IPv6 address",
			    ytree_shown(tok, shown, sizeof(shown)));
	if (tok[0] == '[') {
		close = strchr(tok, ']');
		if (!close)
			return fail(err, errlen, w, col0, "'%s' lacks its closing ']'",
				    ytree_shown(tok, shown, sizeof(shown)));
		*close = '\0';
		host = tok + 1;
		if (close[1] == ':' || close[1] == '#') {
			sepc = close[1];
			port = close + 2;
		} else if (close[1])
			return fail(err, errlen, w, col0 + (size_t)(close + 1 - tok),
				    "'%s' after ']' is not a port",
				    ytree_shown(close + 1, shown, sizeof(shown)));
	} else if ((sep = strrchr(tok, '#')) || ((sep = strchr(tok, ':')) && sep == strrchr(tok, ':'))) {
		/* ADDR#PORT, or IPv4:PORT (an IPv6 address has two colons or more) */
		sepc = *sep;
		*sep = '\0';
		port = sep + 1;
	}
	size_t host_col = col0 + (size_t)(host - tok), port_col = port ? col0 + (size_t)(port - tok) : 0;

	if (!*host && !close && !sepc)
		return fail(err, errlen, w, col0, "no address");
	if (!*host)
		return fail(err, errlen, w, col0, "no address before '%c'", close ? ']' : sepc);
	if (strchr(host, '%'))
		return fail(err, errlen, w, host_col, "'%s' has a zone index ('%%...'): not supported",
			    ytree_shown(host, shown, sizeof(shown)));
	if (!close && inet_pton(AF_INET, host, &a4) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, host, &a6) == 1)
		family = AF_INET6;
	else
		return fail(err, errlen, w, host_col,
			    close ? "'%s' in brackets is not an IPv6 address"
				  : "'%s' is not an IPv4 or IPv6 address",
			    ytree_shown(host, shown, sizeof(shown)));
	if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a6)) {
		/* the IPv4 server it stands for, so that duplicates are seen */
		memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
		family = AF_INET;
	}
	if ((family == AF_INET && a4.s_addr == htonl(INADDR_ANY)) ||
	    (family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a6)))
		return fail(err, errlen, w, host_col, "'%s' is the unspecified address, not a resolver's",
			    ytree_shown(host, shown, sizeof(shown)));
	if ((family == AF_INET && IN_MULTICAST(ntohl(a4.s_addr))) ||
	    (family == AF_INET6 && IN6_IS_ADDR_MULTICAST(&a6)))
		return fail(err, errlen, w, host_col, "'%s' is a multicast address, not a resolver's",
			    ytree_shown(host, shown, sizeof(shown)));
	if (family == AF_INET && a4.s_addr == htonl(INADDR_BROADCAST))
		return fail(err, errlen, w, host_col, "'%s' is the broadcast address, not a resolver's",
			    ytree_shown(host, shown, sizeof(shown)));
	if (port) {
		if (!*port)
			return fail(err, errlen, w, port_col, "no port after '%c'%s", sepc,
				    w->file && sepc == '#' ? " (a comment needs white space before its '#')"
							   : "");
		if (parse_port(port, &x->port, w, port_col, err, errlen) != 0)
			return -1;
		*has_port = 1;
	}

	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&x->addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)x->port);
		sin->sin_addr = a4;
		x->addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&x->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)x->port);
		sin6->sin6_addr = a6;
		x->addrlen = sizeof(*sin6);
	}
	dns_addr_str((const struct sockaddr *)&x->addr, x->text, sizeof(x->text));
	return 0;
}

/* Append x (its address parsed) to t with label (copied; NULL: none), after
 * the checks every resolver passes: not a duplicate, not one too many. w
 * says where it came from (w->file already in t's arena); col is its
 * address's column. Returns 0, or -1 after fail(). */
static int append(struct target_list *t, const struct target *x, const char *label, const struct where *w,
		  size_t col, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct target *first = &t->v[i];
		char origin[512];
		if (first->addrlen != x->addrlen || memcmp(&first->addr, &x->addr, x->addrlen) != 0)
			continue;
		if (!first->file)
			snprintf(origin, sizeof(origin), "given on the command line");
		else if (w->file && strcmp(first->file, w->file) == 0)
			snprintf(origin, sizeof(origin), "on line %u", first->line);
		else
			snprintf(origin, sizeof(origin), "at %s:%u", first->file, first->line);
		return fail(err, errlen, w, col, "duplicate resolver %s (first %s)", x->text, origin);
	}
	if (t->n >= TARGETS_MAX)
		return fail(err, errlen, w, col, "more than %d resolvers", TARGETS_MAX);
	struct target *to = xgrow(&t->v, &t->n, &t->alloc, sizeof(*t->v));
	*to = *x;
	to->label = label ? arena_strdup(&t->strings, label) : NULL;
	to->file = w->file;
	to->line = w->file ? w->line : 0;
	return 0;
}

int target_list_add(struct target_list *t, const char *spec, const char *label, char *err, size_t errlen)
{
	const struct where w = {NULL, 0};
	struct target x;
	int has_port;

	if (parse_spec(spec, strlen(spec), &x, &has_port, &w, 1, err, errlen) != 0)
		return -1;
	return append(t, &x, label, &w, 1, err, errlen);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && is_space(*s))
		s++;
	return s;
}

static const char *skip_word(const char *s, const char *end)
{
	while (s < end && !is_space(*s))
		s++;
	return s;
}

/* Parse one line of a resolvers file, [line, eol), holding no NUL and no
 * newline, and append its resolver to t. Returns 0, or -1 after fail(). */
static int parse_line(struct target_list *t, const char *line, const char *eol, const struct where *w,
		      char *err, size_t errlen)
{
#define COL(p) ((size_t)((p)-line) + 1)
	char label[TARGETS_LABEL_MAX + 1], shown[YTREE_SHOWN_SIZE];
	size_t label_len = 0;
	struct target x;
	int has_port;

	const char *addr = skip_space(line, eol);
	if (addr == eol || *addr == '#')
		return 0; /* blank, or a comment */
	const char *s = skip_word(addr, eol);
	if (parse_spec(addr, (size_t)(s - addr), &x, &has_port, w, COL(addr), err, errlen) != 0)
		return -1;

	const char *field = skip_space(s, eol), *digits = field;
	s = skip_word(field, eol);
	while (digits < s && *digits >= '0' && *digits <= '9')
		digits++;
	if (s > field && digits == s) {
		char *port = xstrndup(field, (size_t)(s - field));
		int rc = has_port ? fail(err, errlen, w, COL(field),
					 "'%s' is a second port: the address has one",
					 ytree_shown(port, shown, sizeof(shown)))
				  : parse_port(port, &x.port, w, COL(field), err, errlen);
		free(port);
		if (rc != 0)
			return -1;
		if (x.addr.ss_family == AF_INET)
			((struct sockaddr_in *)&x.addr)->sin_port = htons((uint16_t)x.port);
		else
			((struct sockaddr_in6 *)&x.addr)->sin6_port = htons((uint16_t)x.port);
		dns_addr_str((const struct sockaddr *)&x.addr, x.text, sizeof(x.text));
		field = skip_space(s, eol);
	}

	/* The label: the words up to a comment, joined by single spaces. */
	const char *label_start = field;
	for (s = field; s < eol && *s != '#'; s = skip_space(s, eol)) {
		const char *word = s;
		s = skip_word(s, eol);
		for (const char *c = word; c < s; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return fail(err, errlen, w, COL(c),
					    "a control character (0x%02x) in the label",
					    (unsigned)(unsigned char)*c);
		if (label_len + (label_len > 0) + (size_t)(s - word) > TARGETS_LABEL_MAX)
			return fail(err, errlen, w, COL(label_start), "label longer than %d bytes",
				    TARGETS_LABEL_MAX);
		if (label_len > 0)
			label[label_len++] = ' ';
		memcpy(label + label_len, word, (size_t)(s - word));
		label_len += (size_t)(s - word);
	}
	label[label_len] = '\0';
	return append(t, &x, label_len ? label : NULL, w, COL(addr), err, errlen);
#undef COL
}

/* The line and column (from 1) of byte off of buf. */
static void position(const char *buf, size_t off, unsigned *line, size_t *col)
{
	size_t start = 0;
	*line = 1;
	for (size_t i = 0; i < off; i++)
		if (buf[i] == '\n') {
			++*line;
			start = i + 1;
		}
	*col = off - start + 1;
}

int target_list_parse(struct target_list *t, const char *buf, size_t len, const char *file, char *err,
		      size_t errlen)
{
	size_t before = t->n, col;
	struct where w = {arena_strdup(&t->strings, file), 1};

	if (!buf)
		buf = "";
	const char *p = buf, *end = buf + len;
	if (len > TARGETS_FILE_MAX) {
		position(buf, TARGETS_FILE_MAX, &w.line, &col);
		fail(err, errlen, &w, col, "larger than %d MiB: not a list of resolvers",
		     TARGETS_FILE_MAX / (1024 * 1024));
		goto undo;
	}
	for (;;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *nul = memchr(p, '\0', (size_t)(eol - p));
		if (nul) {
			fail(err, errlen, &w, (size_t)(nul - p) + 1,
			     "a NUL byte: not a text file of resolvers");
			goto undo;
		}
		if (parse_line(t, p, eol, &w, err, errlen) != 0)
			goto undo;
		if (eol == end)
			break;
		p = eol + 1;
		w.line++;
	}
	if (t->n == before) {
		fail(err, errlen, &w, (size_t)(end - p) + 1, "%s",
		     len ? "no resolver in the file, only comments and blank lines"
			 : "an empty file: no resolver in it");
		goto undo;
	}
	return 0;
undo:
	t->n = before;
	return -1;
}

int target_list_load(struct target_list *t, const char *path, char *err, size_t errlen)
{
	int from_stdin = strcmp(path, "-") == 0;
	char *found = from_stdin ? NULL : opts_shipped_path(path, ".txt");
	const char *shown = from_stdin ? "standard input" : found;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int ret = -1, rc;
	FILE *f = from_stdin ? stdin : fopen(found, "r");

	if (!f) {
		if (errno == ENOENT && !strchr(path, '/'))
			snprintf(err, errlen,
				 "cannot open '%s': no such file, nor a shipped list of that name", path);
		else
			snprintf(err, errlen, "cannot open '%s': %s", shown, strerror(errno));
		goto out;
	}
	/* A directory opens, and reads as an error or as nothing. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' is a directory, not a list of resolvers", shown);
		goto out;
	}
	rc = sb_read_file(&sb, f, TARGETS_FILE_MAX);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", shown, strerror(errno));
		goto out;
	}
	/* a file too large (rc 1) is said so, with where the limit falls */
	ret = target_list_parse(t, sb.buf, sb.len, shown, err, errlen);
out:
	sb_release(&sb);
	if (f && f != stdin)
		fclose(f);
	free(found);
	return ret;
}
