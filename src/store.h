/* The state database (SQLite): what cutover remembers between runs -- each
 * propagation sweep, so that a cron job builds a timeline, and the state of
 * each migration plan, so that a run resumes where it stood. The schema grows
 * by numbered migrations (PRAGMA user_version); a database from a newer
 * cutover is refused, never modified. */
#ifndef CUTOVER_STORE_H
#define CUTOVER_STORE_H

#include <stddef.h>

struct store;

/* The schema version this cutover writes (the number of migrations). */
#define STORE_SCHEMA_VERSION 2

/* The default path: $XDG_STATE_HOME/cutover/state.db, else
 * $HOME/.local/state/cutover/state.db (XDG base directory spec: a relative
 * or empty XDG_STATE_HOME is ignored, and so is a relative HOME; without
 * either, the home directory of the user in the password database). Returns
 * 0 with the path in buf, or -1 with why in err (no home directory, buf too
 * short). */
int store_default_path(char *buf, size_t len, char *err, size_t errlen);

/* Open the database at path (NULL: the default), creating it and its
 * missing parent directories (mode 0700 for the directories it creates,
 * 0600 for a database it creates and so for its -wal and -shm files).
 * WAL journal, busy timeout 5 s so a cron job and a watch can share it,
 * foreign keys on, migrations applied (each in a transaction of its own).
 * Returns 0 with *out to free with store_close(), or -1 with a message
 * naming the file in err (*out NULL): not a database, written by a newer
 * cutover (left untouched), cannot be created. */
int store_open(const char *path, struct store **out, char *err, size_t errlen);
/* Close the database (NULL: nothing). */
void store_close(struct store *s);
/* The file of an open database (owned by s). */
const char *store_path(const struct store *s);

/* One server's answer in one propagation sweep. */
struct store_prop_server {
	const char *address; /* "192.0.2.1", "2001:db8::1" */
	unsigned port;
	const char *kind;   /* "authoritative" or "recursive" */
	const char *label;  /* may be NULL */
	const char *status; /* "new", "old", "stale", "other", "error" */
	const char *answer; /* the values, sorted, joined by ", "; NULL when none */
	long ttl;	    /* -1: none */
	const char *rcode;  /* "NOERROR"...; NULL on a transport error */
	double flips_at;    /* seconds since the epoch; 0: none */
	const char *site;   /* anycast site id; may be NULL */
	const char *error;  /* why, for status error; may be NULL */
};
/* One sweep of one name and type. */
struct store_prop_sweep {
	const char *name;	 /* "www.example.org." (compared without regard to case) */
	const char *type;	 /* "A" (likewise) */
	const char *expected;	 /* the expected values, canonical, sorted, joined by ", " */
	double at;		 /* when the sweep started, seconds since the epoch */
	size_t converged, total; /* resolvers with the new value / resolvers that answered */
	double eta;		 /* 0: none */
	const struct store_prop_server *servers;
	size_t n_servers;
};
/* Record one sweep, all of it in one transaction: a process killed at any
 * instant leaves either the whole sweep or none of it. Nothing is kept of
 * the pointers. Returns 0, or -1 with why in err (a kind or status not in
 * the lists above, converged above total, a port above 65535, the database
 * locked for longer than the busy timeout...). */
int store_prop_record(struct store *s, const struct store_prop_sweep *sw, char *err, size_t errlen);

/* The latest flips_at an earlier sweep predicted for an old answer (status
 * "old") of this server (address, port) for name/type/expected; when site is
 * not NULL, only sweeps where that server answered from that site. Returns 1
 * and sets *flips_at when there is one, 0 when none, -1 with why in err.
 * (Used to tell a resolver serving stale data, RFC 8767: still old after the
 * latest prediction ran out.) */
int store_prop_last_flips(struct store *s, const char *name, const char *type, const char *expected,
			  const char *address, unsigned port, const char *site, double *flips_at, char *err,
			  size_t errlen);

/* What the history of name/type says, for `cutover propagation --history`:
 * the sweeps recorded for the latest expected value (or the one given), and
 * per server when it was first seen and first answered the new value. */
struct store_prop_history_server {
	char *address;
	unsigned port;
	char *kind;
	char *label;		      /* as in the server's latest sweep; may be NULL */
	double first_seen, first_new; /* first_new 0: never */
	char *last_status;	      /* in the server's latest sweep */
	double last_seen;
};
/* One per sweep, in time order. */
struct store_prop_history_point {
	double at;
	size_t converged, total;
};
struct store_prop_history {
	char *expected; /* which expected value this history is of */
	/* The other expected values recorded for name/type (earlier changes;
	 * later ones too when expected was given), the latest swept first. */
	char **other_expected;
	size_t n_other_expected;
	size_t sweeps;
	double first_sweep, last_sweep;
	/* The first sweep where every resolver that answered had the new value
	 * (and total > 0); 0: not yet. */
	double converged_at;
	/* Sorted: kind, then first_new (never last), then address and port. */
	struct store_prop_history_server *servers;
	size_t n_servers;
	struct store_prop_history_point *points;
	size_t n_points;
};
/* Read the history of name/type (for expected when not NULL, else for the
 * latest expected value swept) into *out, which the caller releases with
 * store_prop_history_release() whatever the result. It is read in one
 * transaction, so a sweep recorded meanwhile is all in it or not at all.
 * Returns 1 with *out filled, 0 when nothing is recorded for name/type (and
 * expected when given), -1 with why in err. */
int store_prop_history(struct store *s, const char *name, const char *type, const char *expected,
		       struct store_prop_history *out, char *err, size_t errlen);
/* Free what *h holds and empty it. */
void store_prop_history_release(struct store_prop_history *h);

/* --- migration plans -----------------------------------------------------
 * The state of each plan, keyed by its name and the absolute path of its
 * file: each phase and step, every gate evaluation with its findings, and
 * the TTLs the gates observed (for hold: ttl-drain). Every write is one
 * transaction, so a runner killed at any instant (SIGKILL included) leaves
 * each write whole or absent. Times are seconds since the epoch; 0 means
 * "not yet". */

/* The plan's key in the database, created when new. Returns 0 with *id, or
 * -1 with why in err (no name, a file that is not an absolute path). */
int store_plan_id(struct store *s, const char *name, const char *file, long long *id, char *err,
		  size_t errlen);

/* A step's state. status is one of "pending", "running", "done", "failed",
 * "interrupted", "waiting" (a manual step awaiting confirmation),
 * "confirmed" (a manual step, or an interrupted step a person said was
 * done). */
struct store_plan_step {
	char *phase, *step;
	char *status;
	double started, ended;
	int exit_status; /* as the runner reports it (exit code, or 128+signal); -1: none */
	unsigned attempts;
	char *note; /* may be NULL: why it failed, who confirmed it ... */
	long pid;   /* the process group of its command while it runs; 0: none */
};
/* A phase's state. status is one of "pending", "running" (its steps),
 * "gating" (its gate is being evaluated or waited on), "holding" (its
 * hold), "done", "failed". gate_since: when the current wait of its gate
 * began (0: no wait running); hold_until: when its hold ends (0: none). */
struct store_plan_phase {
	char *phase;
	char *status;
	double started, ended, gate_since, hold_until;
	char *note; /* may be NULL */
};
/* Write a step's or a phase's state, replacing what was recorded for it
 * (one transaction; a step is known by its id alone, and may move to
 * another phase). Strings are copied. Returns 0, or -1 with why in err (a
 * status not in the lists above, naming it; an exit status below -1; a
 * plan id store_plan_id() did not give). */
int store_plan_step_put(struct store *s, long long plan, const struct store_plan_step *st, char *err,
			size_t errlen);
int store_plan_phase_put(struct store *s, long long plan, const struct store_plan_phase *ph, char *err,
			 size_t errlen);

/* One evaluation of a phase's gate: passed or not, the worst status seen
 * ("ok", "info", "warn", "fail", "error"), the findings as a JSON array
 * (what the report writes for them), and a one-line summary. */
struct store_plan_gate {
	char *phase;
	double at;
	int passed;
	char *worst;
	char *findings; /* JSON text: an array ("[]" for none); NULL only as STORE_GATES_SUMMARY says */
	char *summary;	/* may be NULL */
};
int store_plan_gate_add(struct store *s, long long plan, const struct store_plan_gate *g, char *err,
			size_t errlen);

/* Which gate evaluations store_plan_state() reads, in time order: all of
 * them, only the latest of each phase, or all of them with the findings of
 * only the latest of each phase (findings NULL in the others: a week of
 * checks every 30 s is 20,000 evaluations, whose findings would take some
 * 80 MB). */
enum store_gates { STORE_GATES_ALL, STORE_GATES_LAST, STORE_GATES_SUMMARY };

/* Everything recorded for a plan, read in one transaction: steps and
 * phases in the order they were first recorded, the gate evaluations as
 * gates says. */
struct store_plan_state {
	struct store_plan_step *steps;
	size_t n_steps;
	struct store_plan_phase *phases;
	size_t n_phases;
	struct store_plan_gate *gates;
	size_t n_gates;
};
int store_plan_state(struct store *s, long long plan, enum store_gates gates, struct store_plan_state *out,
		     char *err, size_t errlen);
void store_plan_state_release(struct store_plan_state *st);

/* Forget the steps and phases of a plan (phase NULL) or of one phase, in
 * one transaction, so that they run again. Gate evaluations and
 * observations are kept: they are the record of what happened, and the TTL
 * seen before a lowering is still needed after a reset. A step of phase is
 * any step recorded with that phase. Returns the number of rows forgotten,
 * or -1 with why in err. */
int store_plan_reset(struct store *s, long long plan, const char *phase, char *err, size_t errlen);
/* Forget one step (so that it runs again). Returns 1, 0 when nothing was
 * recorded for it, -1 with why in err. */
int store_plan_step_reset(struct store *s, long long plan, const char *step, char *err, size_t errlen);

/* Record TTLs a gate saw at time at: subjects[i] ("www.example.org. A",
 * compared without regard to case) with ttls[i], all in one transaction.
 * Returns 0, or -1 with why in err (a negative TTL: then none is
 * recorded). */
int store_plan_observe(struct store *s, long long plan, double at, const char *const *subjects,
		       const long *ttls, size_t n, char *err, size_t errlen);
/* What the observations of subject say about a TTL lowering: when the
 * lowering was observed (*lowered_at) and the largest TTL observed before
 * it (*before), the lowering being the latest observation of a TTL below
 * the one observed just before it (in time order; at one time, in the
 * order recorded): after a reset, a rehearsal's lowering is not the new
 * run's. Any drop is one, so observe the TTLs the authoritative servers
 * give, not a cache's counting down; a later, smaller drop only makes the
 * hold longer. Returns 1 with both set; 0 when no lowering is on record
 * (*before is then the largest TTL observed, or -1 when subject was never
 * observed); -1 with why in err. */
int store_plan_lowering(struct store *s, long long plan, const char *subject, long *before,
			double *lowered_at, char *err, size_t errlen);

#endif
