/* The state database (SQLite): what cutover remembers between runs -- each
 * propagation sweep, so that a cron job builds a timeline. The schema grows
 * by numbered migrations (PRAGMA user_version); a database from a newer
 * cutover is refused, never modified. */
#ifndef CUTOVER_STORE_H
#define CUTOVER_STORE_H

#include <stddef.h>

struct store;

/* The schema version this cutover writes (the number of migrations). */
#define STORE_SCHEMA_VERSION 1

/* The default path: $XDG_STATE_HOME/cutover/state.db, else
 * $HOME/.local/state/cutover/state.db (XDG base directory spec: a relative
 * or empty XDG_STATE_HOME is ignored, and so is a relative HOME; without
 * either, the home directory of the user in the password database). Returns
 * 0 with the path in buf, or -1 with why in err (no home directory, buf too
 * short). */
int store_default_path(char *buf, size_t len, char *err, size_t errlen);

/* Open the database at path (NULL: the default), creating it and its
 * missing parent directories (mode 0700 for the directories it creates).
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

#endif
