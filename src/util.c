/* Allocation wrappers, growable strings, arenas and number parsing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void oom(void)
{
	output_abandon();
	fputs("cutover: out of memory\n", stderr);
	exit(3);
}

#ifdef CUTOVER_ALLOC_TORTURE
/* `make check-alloc` builds with this: the allocations cutover makes
 * through these wrappers (jansson's too: main() gives it xmalloc) are
 * counted, and the one numbered $CUTOVER_ALLOC_FAIL fails. At exit,
 * "COUNT FAILED" goes to the file $CUTOVER_ALLOC_COUNT: how many were made,
 * and whether the one to fail was reached (tests/integration/alloc-torture.sh). */
static unsigned long alloc_count, alloc_fail_at;
static int alloc_failed;

static void alloc_report(void)
{
	const char *path = getenv("CUTOVER_ALLOC_COUNT");
	FILE *f = path && *path ? fopen(path, "w") : NULL;
	if (f) {
		fprintf(f, "%lu %d\n", alloc_count, alloc_failed);
		fclose(f);
	}
}

/* Whether this allocation is the one to fail. */
static int alloc_fails(void)
{
	if (alloc_count == 0) {
		const char *at = getenv("CUTOVER_ALLOC_FAIL");
		if (at)
			alloc_fail_at = strtoul(at, NULL, 10);
		atexit(alloc_report);
	}
	if (++alloc_count != alloc_fail_at)
		return 0;
	alloc_failed = 1;
	errno = ENOMEM;
	return 1;
}

#else
#define alloc_fails() 0
#endif

void *xmalloc(size_t size)
{
	void *p = alloc_fails() ? NULL : malloc(size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = alloc_fails() ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = alloc_fails() ? NULL : realloc(p, size ? size : 1);
	if (!q)
		oom();
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		oom();
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void *xgrow(void *v_ptr, size_t *n, size_t *alloc, size_t elem)
{
	void **v = v_ptr;
	if (*n >= *alloc) {
		size_t want = *alloc ? *alloc * 2 : 8;
		if (want > SIZE_MAX / elem)
			oom();
		*v = xrealloc(*v, want * elem);
		*alloc = want;
	}
	char *slot = (char *)*v + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->len + n + 1 > sb->alloc) {
		size_t want = sb->alloc ? sb->alloc : 64;
		while (want < sb->len + n + 1)
			want *= 2;
		sb->buf = xrealloc(sb->buf, want);
		sb->alloc = want;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	sb_adds(sb, p);
	free(p);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb_add(sb, "", 0);
}

char *sb_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

int sb_read_file(struct strbuf *sb, FILE *f, size_t max)
{
	char chunk[8192];
	size_t start = sb->len;
	for (;;) {
		/* One byte past max tells a file of max bytes from a longer one. */
		size_t room = max + 1 - (sb->len - start);
		size_t got = fread(chunk, 1, room < sizeof(chunk) ? room : sizeof(chunk), f);
		if (got == 0)
			break;
		sb_add(sb, chunk, got);
		if (sb->len - start > max)
			return 1;
	}
	return ferror(f) ? -1 : 0;
}

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_BLOCK 8192

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < size) {
		size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		b = xmalloc(sizeof(*b) + bsize);
		b->used = 0;
		b->size = bsize;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);
	memcpy(p, s, n);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *tmp = xvasprintf(fmt, ap);
	va_end(ap);
	char *p = arena_strdup(a, tmp);
	free(tmp);
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
}

int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_duration(const char *s, unsigned long *seconds)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno)
		return -1;
	unsigned long mult = 1;
	if (*end) {
		switch (*end) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		default:
			return -1;
		}
		if (end[1])
			return -1;
	}
	if (v > 0xFFFFFFFFul / mult)
		return -1;
	*seconds = v * mult;
	return 0;
}

/* The temporary files being written (the report and check --save's):
 * removed by output_abandon() when the process exits before output_close()
 * (out of memory). */
#define OUTPUTS_MAX 2
static const char *output_pending[OUTPUTS_MAX];

static void pending_set(const char *old, const char *tmp)
{
	for (size_t i = 0; i < OUTPUTS_MAX; i++)
		if (output_pending[i] == old) {
			output_pending[i] = tmp;
			return;
		}
}
/* Whether standard output was closed when the process started. */
static int stdout_was_closed;

void output_abandon(void)
{
	for (size_t i = 0; i < OUTPUTS_MAX; i++) {
		if (output_pending[i])
			unlink(output_pending[i]);
		output_pending[i] = NULL;
	}
}

void std_fds_check(void)
{
	/* A descriptor 0, 1 or 2 left closed by the caller would be handed to
	 * the next open(): a socket or the -o file would then receive what is
	 * printed to stdout or stderr. Fill each with /dev/null; standard
	 * output read-only, so that writing to it still fails (EBADF). */
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (fd == STDOUT_FILENO)
			stdout_was_closed = 1;
		int nfd = open("/dev/null", fd == STDOUT_FILENO ? O_RDONLY : O_RDWR);
		if (nfd >= 0 && nfd != fd)
			close(nfd); /* a lower one was closed too and took it: filled in its turn */
	}
}

/* The file a write to path lands in: path itself, or where the symlink path
 * points (resolved link by link, relative to the link's directory: the target
 * need not exist yet). A new string; NULL and errno ELOOP after 40 links. */
static char *output_target(const char *path)
{
	char *cur = xstrdup(path);
	for (int hops = 0; hops < 40; hops++) {
		struct stat st;
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		char link[PATH_MAX];
		ssize_t n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0)
			return cur;
		link[n] = '\0';
		char *next;
		const char *slash = strrchr(cur, '/');
		if (link[0] == '/' || !slash)
			next = xstrdup(link);
		else
			next = xasprintf("%.*s/%s", (int)(slash - cur), cur, link);
		free(cur);
		cur = next;
	}
	free(cur);
	errno = ELOOP;
	return NULL;
}

int output_open(struct output *o, const char *path)
{
	struct stat st;
	int fd = -1, existed;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (!path) {
		if (stdout_was_closed) {
			fputs("cutover: standard output is closed: give -o FILE for the report\n", stderr);
			return -1;
		}
		o->f = stdout;
		return 0;
	}
	o->target = output_target(path);
	if (!o->target) {
		fprintf(stderr, "cutover: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	existed = stat(o->target, &st) == 0;
	if (existed && !S_ISREG(st.st_mode)) {
		/* a device, a pipe: written in place */
		o->f = fopen(o->target, "w");
		if (!o->f) {
			fprintf(stderr, "cutover: cannot write '%s': %s\n", path, strerror(errno));
			goto fail;
		}
		return 0;
	}
	/* Beside the target, under a name no one can guess or plant a link at
	 * (mkstemp: O_CREAT|O_EXCL, mode 0600), renamed over it at the end. */
	o->tmp = xasprintf("%s.tmp.XXXXXX", o->target);
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "cutover: cannot write '%s': %s\n", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	pending_set(NULL, o->tmp);
	if (existed) {
		/* The old file's owner and mode, as far as this process may give
		 * them (ownership first: chown clears set-id bits). */
		if (fchown(fd, st.st_uid, st.st_gid) != 0 && fchown(fd, (uid_t)-1, st.st_gid) != 0) {
			/* not permitted: the file stays ours */
		}
		fchmod(fd, st.st_mode & 07777);
	} else {
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		fprintf(stderr, "cutover: cannot write '%s': %s\n", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		pending_set(o->tmp, NULL);
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	return 0;
fail:
	free(o->target);
	o->target = NULL;
	return -1;
}

/* The end of an output whose file is closed: its temporary file renamed
 * over the target when rc is 0, else removed. Returns rc, or -1 after
 * saying that the rename failed. */
static int output_settle(struct output *o, int rc)
{
	if (o->tmp) {
		if (rc == 0 && rename(o->tmp, o->target) != 0) {
			fprintf(stderr, "cutover: cannot write '%s': %s\n", o->path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(o->tmp);
		pending_set(o->tmp, NULL);
		free(o->tmp);
		o->tmp = NULL;
	}
	free(o->target);
	o->target = NULL;
	o->f = NULL;
	return rc;
}

void output_discard(struct output *o)
{
	if (!o->f)
		return;
	if (o->f != stdout)
		fclose(o->f);
	output_settle(o, -1);
}

int output_close(struct output *o, int err)
{
	int rc = 0;
	const char *name = o->path ? o->path : "standard output";
	const char *quote = o->path ? "'" : "";
	if (!o->f)
		return -1;
	if (err) {
		/* the writer failed; err > 0 is its errno */
		if (err > 0)
			fprintf(stderr, "cutover: cannot write %s%s%s: %s\n", quote, name, quote,
				strerror(err));
		else
			fprintf(stderr, "cutover: cannot write %s%s%s\n", quote, name, quote);
		rc = -1;
	} else if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) != 0)) {
		fprintf(stderr, "cutover: cannot write %s%s%s: %s\n", quote, name, quote, strerror(errno));
		rc = -1;
	}
	if (o->f != stdout && fclose(o->f) != 0 && rc == 0) {
		fprintf(stderr, "cutover: cannot write %s%s%s: %s\n", quote, name, quote, strerror(errno));
		rc = -1;
	}
	return output_settle(o, rc);
}
