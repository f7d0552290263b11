/* The progress line: one line on standard error, on a terminal only, redrawn
 * a few times a second from a timer of the loop while a long run goes on, and
 * erased before anything else reaches that terminal. */
#ifndef CUTOVER_PROGRESS_H
#define CUTOVER_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct progress;

/* What the line shows; a command's sampler fills it at each redraw. */
struct progress_counts {
	const char *what; /* the command: "check", "compare", ... */
	const char *unit; /* what is counted: "domains", "names", "servers"; NULL: no done/total */
	size_t done, total;
	size_t findings, problems; /* findings so far; how many of them warn, fail or error */
	size_t in_flight;	   /* queries on the wire (and lookups handed to the resolver) */
	const char *doing;	   /* a few words on what happens now, or NULL */
	int hidden;		   /* nothing to show now (a prompt is open, a step runs): erased */
};

/* Fills c for a redraw (c is zeroed first). */
typedef void (*progress_sample_fn)(void *arg, struct progress_counts *c);

/* The line starts showing this long after progress_start(): a run that ends
 * sooner never shows it. */
#define PROGRESS_DELAY_US 1000000
/* ... and is redrawn at most this often. */
#define PROGRESS_EVERY_US 250000

/* Call once, first thing in main(): when standard error is a terminal that
 * takes cursor control, standard error (and standard output, when it is the
 * same terminal) become streams that erase the line before they write, and the
 * line is erased at exit. Elsewhere it changes nothing. */
void progress_setup(void);

/* Whether a line may be shown: standard error is a terminal, quiet (-q) is
 * not set, NO_COLOR is unset or empty and TERM is set and not "dumb". */
int progress_wanted(int quiet);

/* Start the line on loop l: sample(arg, ...) is asked what to show at each
 * redraw. Returns the line, or NULL when progress_wanted(quiet) says no or
 * on failure (then there is simply no line). Only one line at a time: a
 * second start returns NULL while one is running. */
struct progress *progress_start(struct loop *l, int quiet, progress_sample_fn sample, void *arg);
/* Erase the line and free it (NULL is ignored). Before the loop is freed. */
void progress_stop(struct progress *p);

/* The line's text for c after elapsed_us -- "check: 3/40 domains, 12 findings
 * (2 problems), 17 in flight, 4s elapsed[, DOING]" -- cut to width - 1
 * columns (the last column of a terminal wraps; 0: 80), control characters
 * shown as '?', into buf (size bytes, NUL-ended). Returns its length. */
size_t progress_format(char *buf, size_t size, const struct progress_counts *c, uint64_t elapsed_us,
		       unsigned width);

#endif
