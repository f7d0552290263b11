/* Small helpers every module uses: allocation that never returns NULL, growable
 * strings, and a per-domain arena.
 *
 * The return convention of every module: a function that can fail returns 0
 * on success and -1 on failure, with results through out-parameters (set to
 * NULL first). The reason for a failure is errno where a system call failed
 * (loop_new, dns_engine_new), or a message in the caller's (char *err,
 * size_t errlen) buffer where a person will read it (rules_load,
 * resolver_new, session_open); functions that print their own git-style
 * error say so. Out-of-memory never returns: the x* allocators exit(3).
 * Outcomes that are data rather than failures of the call travel in the
 * result instead: a query's enum dns_error (dns.h, negative), a lookup's err
 * text (resolve.h), a check's CHECK_AGAIN (checks.h). */
#ifndef CUTOVER_UTIL_H
#define CUTOVER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation wrappers: print "cutover: out of memory" and exit(3) on failure,
 * so callers never test for NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A newly allocated formatted string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Grow *v (holding *n elements of size elem, room for *alloc) so that one more
 * fits; returns a pointer to the new, zeroed, last element and increments *n. */
void *xgrow(void *v_ptr, size_t *n, size_t *alloc, size_t elem);

/* A growable NUL-terminated string. */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define STRBUF_INIT                                                                                          \
	{                                                                                                    \
		NULL, 0, 0                                                                                   \
	}
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empty sb, keeping its memory: its buffer reads "" afterwards. */
void sb_reset(struct strbuf *sb);
/* Returns the buffer ("" when empty) and leaves sb empty; the caller frees it. */
char *sb_detach(struct strbuf *sb);
void sb_release(struct strbuf *sb);
/* Append the rest of f to sb, reading no more than max + 1 bytes, so that an
 * endless source (/dev/zero, a pipe) ends too. Returns 0; 1 when f holds more
 * than max bytes (sb then holds max + 1 of them); -1 on a read error (errno
 * says why). */
int sb_read_file(struct strbuf *sb, FILE *f, size_t max);

/* An arena: many small allocations freed at once by arena_release(). */
struct arena_block;
struct arena {
	struct arena_block *head;
};
#define ARENA_INIT                                                                                           \
	{                                                                                                    \
		NULL                                                                                         \
	}
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a);

/* Parse a decimal unsigned integer in [min, max]; the whole string must be
 * the number. Returns 0, or -1 when it is not. */
int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Parse a duration such as "90", "90s", "15m", "2h", "1d" into seconds.
 * Returns 0, or -1 when malformed. */
int parse_duration(const char *s, unsigned long *seconds);

/* Where a report goes: standard output, a device or pipe written in place,
 * or a regular file written beside its target and renamed over it at the
 * end, so a reader (the node exporter's textfile collector, a CI step) never
 * sees half a report. When the path is a symbolic link, the file it points
 * to is the one replaced (the link stays); the temporary file is made by
 * mkstemp() in that file's directory, and gets the old file's owner and
 * mode where this process may give them (a new file: 0666 less the umask). */
struct output {
	const char *path; /* NULL: standard output */
	char *target;	  /* path with its symbolic links followed */
	char *tmp;	  /* the file being written, renamed to target at the end */
	FILE *f;
};
/* Open path (NULL: standard output) for writing. Returns 0, or -1 after
 * saying why on standard error (standard output closed at start included). */
int output_open(struct output *o, const char *path);
/* Finish the output: err is 0 when the writer wrote everything, else the
 * errno of its failure (or -1: no errno says why). The temporary file is
 * renamed over the target only when everything was written and flushed to
 * disk, else removed. Returns 0, or -1 after saying why. */
int output_close(struct output *o, int err);
/* Give up an open output without a word: its temporary file is removed (the
 * target stays as it was), standard output is left open. */
void output_discard(struct output *o);
/* Remove the temporary files of outputs not yet closed: called on the way
 * out of a process that cannot finish it (out of memory). */
void output_abandon(void);

/* At start: fill descriptors 0, 1 and 2 with /dev/null where the caller left
 * them closed, so that no file or socket opened later takes their place
 * (standard output read-only: writing to it fails, and output_open() of
 * standard output says it is closed). */
void std_fds_check(void);

#endif
