/* Baselines: an earlier JSON report read into a hash of finding keys, and
 * the marking of a run's findings against it (baseline.h says what the
 * marks mean).
 *
 * What is kept: one entry per finding of the baseline, its key (domain,
 * check, code, subject, server, status) and, for problems only, what a
 * fixed finding quotes (message, expected, actual); strings in one arena,
 * the domain shared by its findings and a known code pointing into the
 * code table. jansson's tree of the file is freed once the entries are
 * made. Entries are grouped by domain, so marking a domain walks only its
 * own; an open-addressing table over all of them finds a key.
 *
 * Measured (bench/baseline.sh): 150,000 findings of 10,000 domains, a 48
 * MB file, read in 1.6 to 3.7 s (an idle or a busy machine) with a peak of
 * 270 MB (jansson's tree), of which 48 MB stay for the run. */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "baseline.h"
#include "util.h"

struct entry {
	const char *domain; /* the domain's own copy, shared */
	const char *check, *code;
	const char *subject, *server;		 /* NULL when the report left them out */
	const char *message, *expected, *actual; /* problems only, else NULL */
	enum status status;
	uint64_t hash;
	size_t seq;	 /* position in the file: the order of fixed findings */
	uint64_t marked; /* the generation of the baseline_mark() that matched it */
};

struct domain {
	const char *name;
	size_t first, n; /* its entries, in file order */
};

struct baseline {
	struct arena arena;
	struct entry *entries;
	size_t n;
	size_t *slots; /* index + 1 into entries, 0: empty; cap is a power of two */
	size_t cap;
	struct domain *domains; /* sorted by name */
	size_t n_domains;
	uint64_t generation;	/* one more for each baseline_mark() */
	struct strbuf clean[5]; /* scratch: a finding's key made valid UTF-8 */
};

/* ---- keys ---- */

/* FNV-1a of the fields, each preceded by whether it is there, so that
 * ("ab", NULL) and ("a", "b") differ. */
static uint64_t key_hash(const char *const field[5], enum status status)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < 5; i++) {
		const unsigned char *p = (const unsigned char *)field[i];
		h = (h ^ (p ? 1u : 2u)) * 1099511628211ull;
		for (; p && *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ 0xffu) * 1099511628211ull;
	}
	return (h ^ (unsigned)status) * 1099511628211ull;
}

static int str_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int entry_has_key(const struct entry *e, const char *const field[5], enum status status)
{
	return e->status == status && str_equal(e->domain, field[0]) && str_equal(e->check, field[1]) &&
	       str_equal(e->code, field[2]) && str_equal(e->subject, field[3]) &&
	       str_equal(e->server, field[4]);
}

/* A domain as the reports write it: lower case, no trailing dot, in sb
 * (valid until its next use). The form of a form is itself. */
static const char *domain_form(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '.')
		n--;
	sb_reset(sb);
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
		sb_add(sb, &c, 1);
	}
	return sb->buf ? sb->buf : "";
}

static int domain_cmp(const void *a, const void *b)
{
	return strcmp(((const struct domain *)a)->name, ((const struct domain *)b)->name);
}

static struct domain *domain_find(const struct baseline *b, const char *name)
{
	struct domain key = {name, 0, 0};
	return b->n_domains ? bsearch(&key, b->domains, b->n_domains, sizeof(key), domain_cmp) : NULL;
}

/* ---- reading ---- */

struct reader {
	struct baseline *b;
	const char *file;
	char *err;
	size_t errlen;
	size_t alloc;
	struct strbuf scratch; /* a domain's form, until it is compared */
};

static int bad(struct reader *rd, size_t index, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "FILE: finding N: ..." (index is 0-based; SIZE_MAX: not about a finding).
 * Returns -1. */
static int bad(struct reader *rd, size_t index, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (index == SIZE_MAX)
		snprintf(rd->err, rd->errlen, "%s: not a report of cutover check: %s", rd->file, msg);
	else
		snprintf(rd->err, rd->errlen, "%s: finding %zu: %s", rd->file, index + 1, msg);
	return -1;
}

/* The string at key of finding j (index i): *out NULL when absent. Returns
 * 0, or -1 when it is there but not a string, or required and absent. */
static int field(struct reader *rd, size_t i, json_t *j, const char *key, int required, const char **out)
{
	json_t *v = json_object_get(j, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return bad(rd, i, "no \"%s\"", key);
		return 0;
	}
	if (!json_is_string(v))
		return bad(rd, i, "\"%s\" is not a string", key);
	*out = json_string_value(v);
	return 0;
}

static int status_parse(const char *s, enum status *out)
{
	for (int i = 0; i < STATUS_COUNT; i++)
		if (strcmp(s, status_name((enum status)i)) == 0) {
			*out = (enum status)i;
			return 0;
		}
	return -1;
}

static const char *arena_dup_or_null(struct arena *a, const char *s)
{
	return s ? arena_strdup(a, s) : NULL;
}

/* Keep finding i (j) as an entry unless a marked report holds it as fixed. */
static int add_finding(struct reader *rd, size_t i, json_t *j)
{
	struct baseline *b = rd->b;
	const char *domain, *check, *code, *status, *subject, *server, *message, *expected, *actual, *mark;
	enum status st;

	if (!json_is_object(j))
		return bad(rd, i, "not an object");
	if (field(rd, i, j, "domain", 1, &domain) || field(rd, i, j, "check", 1, &check) ||
	    field(rd, i, j, "code", 1, &code) || field(rd, i, j, "status", 1, &status) ||
	    field(rd, i, j, "subject", 0, &subject) || field(rd, i, j, "server", 0, &server) ||
	    field(rd, i, j, "message", 0, &message) || field(rd, i, j, "expected", 0, &expected) ||
	    field(rd, i, j, "actual", 0, &actual) || field(rd, i, j, "baseline", 0, &mark))
		return -1;
	if (status_parse(status, &st) != 0)
		return bad(rd, i, "\"status\" is '%.64s', not ok, info, warn, error or fail", status);
	if (mark && strcmp(mark, "new") != 0 && strcmp(mark, "unchanged") != 0 && strcmp(mark, "fixed") != 0)
		return bad(rd, i, "\"baseline\" is '%.64s', not new, unchanged or fixed", mark);
	if (mark && strcmp(mark, "fixed") == 0)
		return 0; /* gone in the run that marked it: not a finding of that run */

	struct entry *e = xgrow(&b->entries, &b->n, &rd->alloc, sizeof(*e));
	const struct finding_code *known = code_lookup(code);
	/* a report lists a domain's findings together: one copy for them */
	const char *prev = b->n > 1 ? b->entries[b->n - 2].domain : NULL;
	const char *form = domain_form(&rd->scratch, domain);
	e->domain = prev && strcmp(prev, form) == 0 ? prev : arena_strdup(&b->arena, form);
	e->check = arena_strdup(&b->arena, check);
	e->code = known ? known->code : arena_strdup(&b->arena, code);
	e->subject = arena_dup_or_null(&b->arena, subject);
	e->server = arena_dup_or_null(&b->arena, server);
	e->status = st;
	e->seq = b->n - 1;
	if (st >= STATUS_WARN) {
		e->message = arena_strdup(&b->arena, message ? message : "");
		e->expected = arena_dup_or_null(&b->arena, expected);
		e->actual = arena_dup_or_null(&b->arena, actual);
	}
	return 0;
}

static int entry_by_domain(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Group the entries by domain (one shared name each), hash them. */
static void index_entries(struct baseline *b)
{
	size_t alloc = 0;

	if (b->n)
		qsort(b->entries, b->n, sizeof(*b->entries), entry_by_domain);
	for (size_t i = 0; i < b->n; i++) {
		struct entry *e = &b->entries[i];
		struct domain *d = b->n_domains ? &b->domains[b->n_domains - 1] : NULL;
		if (!d || strcmp(d->name, e->domain) != 0) {
			d = xgrow(&b->domains, &b->n_domains, &alloc, sizeof(*d));
			d->name = e->domain;
			d->first = i;
		}
		d->n++;
		e->domain = d->name;
		const char *key[5] = {e->domain, e->check, e->code, e->subject, e->server};
		e->hash = key_hash(key, e->status);
	}
	b->cap = 16;
	while (b->cap < 2 * b->n)
		b->cap *= 2;
	b->slots = xcalloc(b->cap, sizeof(*b->slots));
	for (size_t i = 0; i < b->n; i++) {
		size_t at = (size_t)b->entries[i].hash & (b->cap - 1);
		while (b->slots[at])
			at = (at + 1) & (b->cap - 1);
		b->slots[at] = i + 1;
	}
}

/* Check the report's shape and keep its findings. Returns 0 or -1. */
static int read_report(struct reader *rd, json_t *root)
{
	json_t *version, *findings, *domains, *v;
	size_t i;

	if (!json_is_object(root))
		return bad(rd, SIZE_MAX, "the top level is %s, not an object",
			   json_is_array(root) ? "a list" : "not an object");
	version = json_object_get(root, "version");
	if (!version)
		return bad(rd, SIZE_MAX, "no \"version\"");
	if (!json_is_integer(version) || json_integer_value(version) != 1)
		return bad(rd, SIZE_MAX, "\"version\" is not 1");
	findings = json_object_get(root, "findings");
	if (!json_is_array(findings))
		return bad(rd, SIZE_MAX, "no \"findings\" list");
	/* A propagation report has findings too, but no domains. */
	domains = json_object_get(root, "domains");
	if (!json_is_array(domains))
		return bad(rd, SIZE_MAX, "no \"domains\" list");
	json_array_foreach(findings, i, v)
	{
		if (add_finding(rd, i, v) != 0)
			return -1;
	}
	index_entries(rd->b);
	return 0;
}

/* Reads a stream for jansson, at most BASELINE_FILE_MAX bytes. */
struct feed {
	FILE *f;
	size_t total;
	int too_big, read_errno;
};

static size_t feed_read(void *buf, size_t len, void *arg)
{
	struct feed *fd = arg;
	size_t n = fread(buf, 1, len, fd->f);
	if (n == 0 && ferror(fd->f)) {
		fd->read_errno = errno ? errno : EIO;
		return (size_t)-1;
	}
	fd->total += n;
	if (fd->total > BASELINE_FILE_MAX) {
		fd->too_big = 1;
		return (size_t)-1;
	}
	return n;
}

static int load(json_t *root, const json_error_t *jerr, const char *file, struct baseline **out, char *err,
		size_t errlen)
{
	struct baseline *b = NULL;
	int rc = -1;

	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: not JSON: %s", file, jerr->line, jerr->column, jerr->text);
		return -1;
	}
	b = xcalloc(1, sizeof(*b));
	struct reader rd = {b, file, err, errlen, 0, STRBUF_INIT};
	int rrc = read_report(&rd, root);
	sb_release(&rd.scratch);
	if (rrc != 0)
		goto out;
	*out = b;
	b = NULL;
	rc = 0;
out:
	baseline_free(b);
	json_decref(root);
	/* jansson's tree is some five times the file: give its pages back
	 * rather than keep them resident for the whole run */
	malloc_trim(0);
	return rc;
}

int baseline_load_string(const char *text, size_t len, const char *file, struct baseline **out, char *err,
			 size_t errlen)
{
	json_error_t jerr;
	*out = NULL;
	if (len > BASELINE_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d MiB: too large for a baseline", file,
			 BASELINE_FILE_MAX / (1024 * 1024));
		return -1;
	}
	return load(json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr), &jerr, file, out, err, errlen);
}

int baseline_load(const char *path, struct baseline **out, char *err, size_t errlen)
{
	int from_stdin = strcmp(path, "-") == 0;
	const char *shown = from_stdin ? "standard input" : path;
	struct feed fd = {NULL, 0, 0, 0};
	struct stat st;
	json_error_t jerr;
	int rc = -1;

	*out = NULL;
	fd.f = from_stdin ? stdin : fopen(path, "r");
	if (!fd.f) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fd.f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "'%s' is a directory, not a report", path);
		goto out;
	}
	json_t *root = json_load_callback(feed_read, &fd, JSON_REJECT_DUPLICATES, &jerr);
	if (!root && fd.too_big) {
		snprintf(err, errlen, "%s: larger than %d MiB: too large for a baseline", shown,
			 BASELINE_FILE_MAX / (1024 * 1024));
		goto out;
	}
	if (!root && fd.read_errno) {
		snprintf(err, errlen, "cannot read '%s': %s", shown, strerror(fd.read_errno));
		goto out;
	}
	rc = load(root, &jerr, shown, out, err, errlen);
out:
	if (fd.f != stdin)
		fclose(fd.f);
	return rc;
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	arena_release(&b->arena);
	free(b->entries);
	free(b->slots);
	free(b->domains);
	for (size_t i = 0; i < ARRAY_SIZE(b->clean); i++)
		sb_release(&b->clean[i]);
	free(b);
}

size_t baseline_count(const struct baseline *b)
{
	return b->n;
}

/* ---- marking ---- */

/* The entry of the baseline not yet matched in this generation with the
 * key of f (its strings made valid UTF-8, as the JSON report wrote them),
 * or NULL. */
static struct entry *match(struct baseline *b, const char *domain, const struct finding *f)
{
	const char *raw[5] = {domain, f->check, f->code, f->subject, f->server};
	const char *key[5];

	for (size_t i = 0; i < 5; i++) {
		if (!raw[i]) {
			key[i] = NULL;
			continue;
		}
		sb_reset(&b->clean[i]);
		report_add_clean(&b->clean[i], raw[i], REPORT_CLEAN_UTF8);
		key[i] = b->clean[i].buf ? b->clean[i].buf : "";
	}
	uint64_t h = key_hash(key, f->status);
	for (size_t at = (size_t)h & (b->cap - 1); b->slots[at]; at = (at + 1) & (b->cap - 1)) {
		struct entry *e = &b->entries[b->slots[at] - 1];
		if (e->hash == h && e->marked != b->generation && entry_has_key(e, key, f->status))
			return e;
	}
	return NULL;
}

void baseline_mark(struct baseline *b, const char *domain, struct finding_list *l)
{
	struct strbuf name = STRBUF_INIT;
	struct domain *d = domain_find(b, domain_form(&name, domain ? domain : ""));
	size_t n = l->n;

	b->generation++;
	for (size_t i = 0; i < n; i++) {
		struct entry *e = d ? match(b, d->name, &l->v[i]) : NULL;
		if (e)
			e->marked = b->generation;
		l->v[i].baseline = e ? MARK_UNCHANGED : MARK_NEW;
	}
	for (size_t i = 0; d && i < d->n; i++) {
		const struct entry *e = &b->entries[d->first + i];
		if (e->marked == b->generation || e->status < STATUS_WARN)
			continue;
		char *message = xasprintf("in the baseline (%s), no longer found: %s", status_name(e->status),
					  e->message);
		struct finding fx = {
			.domain = (char *)(domain ? domain : ""),
			.check = (char *)e->check,
			.code = (char *)e->code,
			.status = STATUS_INFO,
			.subject = (char *)e->subject,
			.server = (char *)e->server,
			.message = message,
			.expected = (char *)e->expected,
			.actual = (char *)e->actual,
			.baseline = MARK_FIXED,
		};
		finding_list_add(l, &fx);
		free(message);
	}
	sb_release(&name);
}
