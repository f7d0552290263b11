/* The state database: SQLite, its schema built by numbered migrations, and
 * what is kept in it: the propagation history and the plans' state. Every
 * statement is prepared once with bound parameters; every write is one
 * transaction. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

/* How long a writer waits for another (a cron job and a watch sharing the
 * file) before it gives up with "database is locked". */
#define STORE_BUSY_MS 5000

/* Every statement, prepared on first use and kept. */
#define STMTS(X)                                                                                             \
	X(BEGIN_READ, "BEGIN")                                                                               \
	X(BEGIN_WRITE, "BEGIN IMMEDIATE")                                                                    \
	X(COMMIT, "COMMIT")                                                                                  \
	X(ROLLBACK, "ROLLBACK")                                                                              \
	X(CHANGE_ADD, "INSERT INTO prop_change (name, type, expected) VALUES (?1, ?2, ?3)"                   \
		      " ON CONFLICT (name, type, expected) DO NOTHING")                                      \
	X(CHANGE_FIND,                                                                                       \
	  "SELECT id, expected FROM prop_change WHERE name = ?1 AND type = ?2 AND expected = ?3")            \
	X(CHANGE_LATEST, "SELECT c.id, c.expected FROM prop_change c JOIN prop_sweep s ON s.change = c.id"   \
			 " WHERE c.name = ?1 AND c.type = ?2 ORDER BY s.at DESC, s.id DESC LIMIT 1")         \
	/* The other changes of the name and type of change ?1 that were swept. */                           \
	X(CHANGE_OTHERS_COUNT,                                                                               \
	  "SELECT COUNT(*) FROM prop_change me JOIN prop_change c ON c.name = me.name AND c.type = me.type"  \
	  " WHERE me.id = ?1 AND c.id != me.id AND EXISTS (SELECT 1 FROM prop_sweep s WHERE s.change = "     \
	  "c.id)")                                                                                           \
	X(CHANGE_OTHERS, "SELECT c.expected FROM prop_change me JOIN prop_change c ON c.name = me.name AND " \
			 "c.type = me.type"                                                                  \
			 " JOIN prop_sweep s ON s.change = c.id WHERE me.id = ?1 AND c.id != me.id"          \
			 " GROUP BY c.id ORDER BY MAX(s.at) DESC, c.id DESC")                                \
	X(SWEEP_ADD, "INSERT INTO prop_sweep (change, at, converged, total, eta, servers)"                   \
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                     \
	X(ANSWER_ADD,                                                                                        \
	  "INSERT INTO prop_answer (sweep, address, port, kind, label, status, answer, ttl, rcode,"          \
	  " flips_at, site, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")              \
	/* The summaries of prop_server and prop_prediction, kept with each                                  \
	 * answer: an earlier first, a later last (ties: the one recorded                                    \
	 * last, as the sweeps' order is). */                                                                \
	X(SERVER_ADD,                                                                                        \
	  "INSERT INTO prop_server (change, address, port, kind, label, first_seen, first_new, last_status," \
	  " last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?7 = 'new' THEN ?6 END, ?7, ?6)"            \
	  " ON CONFLICT (change, address, port, kind) DO UPDATE SET"                                         \
	  " first_seen = MIN(first_seen, excluded.first_seen),"                                              \
	  " first_new = MIN(COALESCE(first_new, excluded.first_new), COALESCE(excluded.first_new, "          \
	  "first_new)),"                                                                                     \
	  " label = CASE WHEN excluded.last_seen >= last_seen THEN excluded.label ELSE label END,"           \
	  " last_status = CASE WHEN excluded.last_seen >= last_seen THEN excluded.last_status"               \
	  "  ELSE last_status END,"                                                                          \
	  " last_seen = MAX(last_seen, excluded.last_seen)")                                                 \
	X(PREDICTION_ADD,                                                                                    \
	  "INSERT INTO prop_prediction (change, address, port, site, flips_at)"                              \
	  " VALUES (?1, ?2, ?3, COALESCE(?4, ''), ?5) ON CONFLICT (change, address, port, site)"             \
	  " DO UPDATE SET flips_at = MAX(flips_at, excluded.flips_at)")                                      \
	X(LAST_FLIPS,                                                                                        \
	  "SELECT MAX(p.flips_at) FROM prop_change c JOIN prop_prediction p ON p.change = c.id"              \
	  " WHERE c.name = ?1 AND c.type = ?2 AND c.expected = ?3 AND p.address = ?4 AND p.port = ?5"        \
	  " AND (?6 IS NULL OR p.site = ?6)")                                                                \
	X(HISTORY_SUMMARY,                                                                                   \
	  "SELECT COUNT(*), MIN(at), MAX(at), MIN(CASE WHEN total > 0 AND converged = total THEN at END)"    \
	  " FROM prop_sweep WHERE change = ?1")                                                              \
	X(HISTORY_POINTS, "SELECT at, converged, total FROM prop_sweep WHERE change = ?1 ORDER BY at, id")   \
	X(HISTORY_SERVERS_COUNT, "SELECT COUNT(*) FROM prop_server WHERE change = ?1")                       \
	X(HISTORY_SERVERS, "SELECT address, port, kind, label, first_seen, first_new, last_status, "         \
			   "last_seen FROM prop_server"                                                      \
			   " WHERE change = ?1 ORDER BY kind, first_new IS NULL, first_new, address, port")  \
	X(PLAN_FIND, "SELECT id FROM plan WHERE name = ?1 AND file = ?2")                                    \
	X(PLAN_ADD, "INSERT INTO plan (name, file) VALUES (?1, ?2) ON CONFLICT (name, file) DO NOTHING")     \
	/* An upsert keeps the row's id, the order it was first recorded in. */                              \
	X(STEP_PUT, "INSERT INTO plan_step (plan, step, phase, status, started, ended, exit_status,"         \
		    " attempts, note, pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"                 \
		    " ON CONFLICT (plan, step) DO UPDATE SET phase = excluded.phase,"                        \
		    " status = excluded.status, started = excluded.started, ended = excluded.ended,"         \
		    " exit_status = excluded.exit_status, attempts = excluded.attempts,"                     \
		    " note = excluded.note, pid = excluded.pid")                                             \
	X(PHASE_PUT, "INSERT INTO plan_phase (plan, phase, status, started, ended, gate_since,"              \
		     " hold_until, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"                            \
		     " ON CONFLICT (plan, phase) DO UPDATE SET status = excluded.status,"                    \
		     " started = excluded.started, ended = excluded.ended,"                                  \
		     " gate_since = excluded.gate_since, hold_until = excluded.hold_until,"                  \
		     " note = excluded.note")                                                                \
	X(FINDINGS_ADD,                                                                                      \
	  "INSERT INTO plan_findings (findings) VALUES (?1) ON CONFLICT (findings) DO NOTHING")              \
	X(GATE_ADD, "INSERT INTO plan_gate (plan, phase, at, passed, worst, findings, summary)"              \
		    " VALUES (?1, ?2, ?3, ?4, ?5, (SELECT id FROM plan_findings WHERE findings = ?6), ?7)")  \
	X(STEPS, "SELECT phase, step, status, started, ended, exit_status, attempts, note, pid"              \
		 " FROM plan_step WHERE plan = ?1 ORDER BY id")                                              \
	X(PHASES, "SELECT phase, status, started, ended, gate_since, hold_until, note"                       \
		  " FROM plan_phase WHERE plan = ?1 ORDER BY id")                                            \
	/* ?2: enum store_gates. The latest of a phase: the last by time. */                                 \
	X(GATES,                                                                                             \
	  "SELECT phase, at, passed, worst, CASE WHEN ?2 != 2 OR g.id = (SELECT l.id FROM plan_gate l"       \
	  " WHERE l.plan = g.plan AND l.phase = g.phase ORDER BY l.at DESC, l.id DESC LIMIT 1)"              \
	  " THEN f.findings END, summary FROM plan_gate g"                                                   \
	  " JOIN plan_findings f ON f.id = g.findings WHERE g.plan = ?1"                                     \
	  " AND (?2 != 1 OR g.id = (SELECT l.id FROM plan_gate l WHERE l.plan = g.plan"                      \
	  " AND l.phase = g.phase ORDER BY l.at DESC, l.id DESC LIMIT 1)) ORDER BY g.at, g.id")              \
	X(RESET_STEPS, "DELETE FROM plan_step WHERE plan = ?1 AND (?2 IS NULL OR phase = ?2)")               \
	X(RESET_PHASES, "DELETE FROM plan_phase WHERE plan = ?1 AND (?2 IS NULL OR phase = ?2)")             \
	X(RESET_STEP, "DELETE FROM plan_step WHERE plan = ?1 AND step = ?2")                                 \
	X(OBSERVE, "INSERT INTO plan_observation (plan, at, subject, ttl) VALUES (?1, ?2, ?3, ?4)")          \
	X(OBSERVATIONS, "SELECT at, ttl FROM plan_observation WHERE plan = ?1 AND subject = ?2"              \
			" ORDER BY at, id")

enum stmt_id {
#define X(id, sql) STMT_##id,
	STMTS(X)
#undef X
		N_STMTS
};

static const char *const stmt_sql[N_STMTS] = {
#define X(id, sql) sql,
	STMTS(X)
#undef X
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmts[N_STMTS];
};

/* The migrations: migrations[i] takes the schema from version i to i + 1,
 * inside the transaction store_migrate() opened, and sets user_version
 * itself. Never edit one that has shipped: add the next. */

/* Version 1: the propagation history. A change is one name, type and
 * expected value; a sweep is one run of `cutover propagation` for it; an
 * answer is one server's in one sweep. Times are seconds since the epoch;
 * NULL stands for "none" (no TTL, no flips_at, no ETA). servers is how many
 * answers the sweep has, so a whole sweep can be told from a torn one.
 *
 * prop_server and prop_prediction sum the answers up, updated in the
 * transaction that adds them, so that neither --history nor the stale
 * test reads every answer of a change that cron has swept for months:
 * per server of a change, when it was first seen and first answered the
 * new value, and its latest status; per server and anycast site ('' for
 * none), the latest flips_at predicted for an old answer. */
static const char migration_1[] =
	"CREATE TABLE prop_change ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL COLLATE NOCASE,"
	" type TEXT NOT NULL COLLATE NOCASE,"
	" expected TEXT NOT NULL,"
	" UNIQUE (name, type, expected));"
	"CREATE TABLE prop_sweep ("
	" id INTEGER PRIMARY KEY,"
	" change INTEGER NOT NULL REFERENCES prop_change (id) ON DELETE CASCADE,"
	" at REAL NOT NULL,"
	" converged INTEGER NOT NULL CHECK (converged >= 0),"
	" total INTEGER NOT NULL CHECK (total >= converged),"
	" eta REAL,"
	" servers INTEGER NOT NULL CHECK (servers >= 0));"
	"CREATE INDEX prop_sweep_change ON prop_sweep (change, at);"
	"CREATE TABLE prop_answer ("
	" sweep INTEGER NOT NULL REFERENCES prop_sweep (id) ON DELETE CASCADE,"
	" address TEXT NOT NULL,"
	" port INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),"
	" kind TEXT NOT NULL CHECK (kind IN ('authoritative', 'recursive')),"
	" label TEXT,"
	" status TEXT NOT NULL CHECK (status IN ('new', 'old', 'stale', 'other', 'error')),"
	" answer TEXT,"
	" ttl INTEGER,"
	" rcode TEXT,"
	" flips_at REAL,"
	" site TEXT,"
	" error TEXT);"
	"CREATE INDEX prop_answer_sweep ON prop_answer (sweep);"
	"CREATE TABLE prop_server ("
	" change INTEGER NOT NULL REFERENCES prop_change (id) ON DELETE CASCADE,"
	" address TEXT NOT NULL,"
	" port INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" label TEXT,"
	" first_seen REAL NOT NULL,"
	" first_new REAL,"
	" last_status TEXT NOT NULL,"
	" last_seen REAL NOT NULL,"
	" PRIMARY KEY (change, address, port, kind));"
	"CREATE TABLE prop_prediction ("
	" change INTEGER NOT NULL REFERENCES prop_change (id) ON DELETE CASCADE,"
	" address TEXT NOT NULL,"
	" port INTEGER NOT NULL,"
	" site TEXT NOT NULL,"
	" flips_at REAL NOT NULL,"
	" PRIMARY KEY (change, address, port, site));"
	"PRAGMA user_version = 1;";

/* Version 2: migration plans. A plan is one name and plan file (its
 * absolute path). Its phases and steps are a row each, replaced as they
 * change; their id is the order they were first recorded in. Every gate
 * evaluation and every TTL a gate observed is a row of its own, kept when
 * the phases and steps are reset. A gate re-checked every 30 s finds the
 * same findings again and again: each text is kept once (plan_findings). NULL stands for "not yet" (a time)
 * and "none" (an exit status). The statuses are those of store.h, checked here too, so that no row can hold
 * another; STRICT tables refuse a value of the wrong type. */
static const char migration_2[] =
	"CREATE TABLE plan ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" file TEXT NOT NULL,"
	" UNIQUE (name, file)) STRICT;"
	"CREATE TABLE plan_phase ("
	" id INTEGER PRIMARY KEY,"
	" plan INTEGER NOT NULL REFERENCES plan (id) ON DELETE CASCADE,"
	" phase TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN"
	"  ('pending', 'running', 'gating', 'holding', 'done', 'failed')),"
	" started REAL,"
	" ended REAL,"
	" gate_since REAL,"
	" hold_until REAL,"
	" note TEXT,"
	" UNIQUE (plan, phase)) STRICT;"
	"CREATE TABLE plan_step ("
	" id INTEGER PRIMARY KEY,"
	" plan INTEGER NOT NULL REFERENCES plan (id) ON DELETE CASCADE,"
	" phase TEXT NOT NULL,"
	" step TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN"
	"  ('pending', 'running', 'done', 'failed', 'interrupted', 'waiting', 'confirmed')),"
	" started REAL,"
	" ended REAL,"
	" exit_status INTEGER CHECK (exit_status >= 0),"
	" attempts INTEGER NOT NULL CHECK (attempts >= 0),"
	" note TEXT,"
	" pid INTEGER CHECK (pid > 0),"
	" UNIQUE (plan, step)) STRICT;"
	"CREATE INDEX plan_step_phase ON plan_step (plan, phase);"
	"CREATE TABLE plan_findings ("
	" id INTEGER PRIMARY KEY,"
	" findings TEXT NOT NULL UNIQUE CHECK (json_valid(findings) AND json_type(findings) = 'array'))"
	" STRICT;"
	"CREATE TABLE plan_gate ("
	" id INTEGER PRIMARY KEY,"
	" plan INTEGER NOT NULL REFERENCES plan (id) ON DELETE CASCADE,"
	" phase TEXT NOT NULL,"
	" at REAL NOT NULL,"
	" passed INTEGER NOT NULL CHECK (passed IN (0, 1)),"
	" worst TEXT NOT NULL CHECK (worst IN ('ok', 'info', 'warn', 'fail', 'error')),"
	" findings INTEGER NOT NULL REFERENCES plan_findings (id),"
	" summary TEXT) STRICT;"
	"CREATE INDEX plan_gate_phase ON plan_gate (plan, phase, at);"
	"CREATE TABLE plan_observation ("
	" id INTEGER PRIMARY KEY,"
	" plan INTEGER NOT NULL REFERENCES plan (id) ON DELETE CASCADE,"
	" at REAL NOT NULL,"
	" subject TEXT NOT NULL COLLATE NOCASE,"
	" ttl INTEGER NOT NULL CHECK (ttl >= 0)) STRICT;"
	"CREATE INDEX plan_observation_subject ON plan_observation (plan, subject, at);"
	"PRAGMA user_version = 2;";

static const char *const migrations[] = {
	migration_1,
	migration_2,
};

_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

/* Put "state database 'PATH': what: sqlite's message" in err and return -1.
 * Called before anything (a ROLLBACK) replaces the connection's error. */
static int db_fail(struct store *s, const char *what, char *err, size_t errlen)
{
	int sys = sqlite3_system_errno(s->db);
	int code = sqlite3_errcode(s->db) & 0xff;

	if (code == SQLITE_NOTADB)
		snprintf(err, errlen, "state database '%s': not an SQLite database (%s)", s->path,
			 sqlite3_errmsg(s->db));
	else if ((code == SQLITE_CANTOPEN || code == SQLITE_IOERR) && sys)
		snprintf(err, errlen, "state database '%s': %s: %s (%s)", s->path, what,
			 sqlite3_errmsg(s->db), strerror(sys));
	else
		snprintf(err, errlen, "state database '%s': %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

/* The statement id, reset and with no bindings; NULL with err on failure. */
static sqlite3_stmt *stmt(struct store *s, enum stmt_id id, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = s->stmts[id];

	if (!st) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
		    SQLITE_OK) {
			db_fail(s, what, err, errlen);
			return NULL;
		}
		s->stmts[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Run a statement that returns no row (its bindings done). Returns 0, or
 * -1 with err. */
static int run(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);
	int ret = 0;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(s, what, err, errlen);
	sqlite3_reset(st);
	return ret;
}

/* Run one of the statements that take no parameters (BEGIN, COMMIT...). */
static int run_id(struct store *s, enum stmt_id id, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, id, what, err, errlen);

	return st ? run(s, st, what, err, errlen) : -1;
}

/* Undo the transaction after a failure whose message is already in err. */
static void rollback(struct store *s)
{
	char ignored[16];

	if (!sqlite3_get_autocommit(s->db))
		run_id(s, STMT_ROLLBACK, "rollback", ignored, sizeof(ignored));
}

/* Bind helpers: NULL for what the interface calls "none". */
static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_time(sqlite3_stmt *st, int i, double v)
{
	return v != 0 ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

/* A copy of a text column (NULL for SQL NULL). */
static char *column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? xstrdup((const char *)v) : NULL;
}

/* A copy of a text column that the schema says is NOT NULL: NULL only when
 * sqlite ran out of memory converting it, which is then an error. */
static char *column_strdup_required(struct store *s, sqlite3_stmt *st, int i, const char *what, char *err,
				    size_t errlen)
{
	char *v = column_strdup(st, i);

	if (!v) {
		snprintf(err, errlen, "state database '%s': %s: %s", s->path, what,
			 sqlite3_errcode(s->db) == SQLITE_NOMEM ? "out of memory" : "a value is missing");
	}
	return v;
}

int store_default_path(char *buf, size_t len, char *err, size_t errlen)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	const char *base, *tail;
	size_t base_len;
	int n;

	if (state && state[0] == '/') {
		base = state;
		tail = "/cutover/state.db";
	} else {
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
		}
		if (!home) {
			snprintf(err, errlen,
				 "no place for the state database: neither XDG_STATE_HOME nor HOME is an "
				 "absolute path, and the user has no home directory (give --db FILE)");
			return -1;
		}
		base = home;
		tail = "/.local/state/cutover/state.db";
	}
	/* "/var/state/" and "/var/state" name the same place. */
	base_len = strlen(base);
	while (base_len > 1 && base[base_len - 1] == '/')
		base_len--;
	if (base_len == 1)
		base_len = 0;
	n = snprintf(buf, len, "%.*s%s", (int)base_len, base, tail);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "the state database's path under '%s' is too long", base);
		return -1;
	}
	return 0;
}

/* Create the missing directories above path, mode 0700 (less the umask).
 * Returns 0, or -1 with why in err. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	struct stat st;
	int ret = -1;

	if (!slash || slash == dir) {
		ret = 0; /* in the current directory, or in / */
		goto out;
	}
	*slash = '\0';
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		ret = 0;
		goto out;
	}
	/* Each component in turn, from the first after the root. */
	for (char *p = dir + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		if (p[-1] != '/') {
			*p = '\0';
			if (stat(dir, &st) == 0) {
				if (!S_ISDIR(st.st_mode)) {
					snprintf(err, errlen,
						 "cannot create the state database '%s': '%s' is not a "
						 "directory",
						 path, dir);
					goto out;
				}
			} else if (errno != ENOENT || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
				snprintf(err, errlen,
					 "cannot create the state database '%s': directory '%s': %s", path,
					 dir, strerror(errno));
				goto out;
			}
			*p = c;
		}
		if (c == '\0')
			break;
	}
	ret = 0;
out:
	free(dir);
	return ret;
}

/* Create the database file, mode 0600, when it is not there yet: sqlite
 * would make it 0644 less the umask, and it holds the plans' state. sqlite
 * gives the -wal and -shm files it makes the mode of the database file. A
 * file that is there (or a link) is left as it is. Returns 0, or -1 with
 * why in err. */
static int create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "state database '%s': cannot create: %s", path, strerror(errno));
		return -1;
	}
	/* Exactly 0600, whatever the umask took away. */
	if (fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "state database '%s': cannot make it private: %s", path,
			 strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

/* The schema version of the database (0 for a new, empty one). Reading it
 * is what first touches the file: a file that is not a database fails here. */
static int schema_version(struct store *s, int *version, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		db_fail(s, "cannot read the schema version", err, errlen);
		goto out;
	}
	*version = sqlite3_column_int(st, 0);
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

static int refuse_newer(struct store *s, int version, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "state database '%s': written by a newer cutover (schema version %d, this one knows up to "
		 "%d): "
		 "left untouched; upgrade cutover or give another --db",
		 s->path, version, STORE_SCHEMA_VERSION);
	return -1;
}

/* Bring the schema up to STORE_SCHEMA_VERSION, each migration in its own
 * transaction. Another process may be migrating the same file: the version
 * is read again once the write lock is held. Returns 0, or -1 with err. */
static int store_migrate(struct store *s, int version, char *err, size_t errlen)
{
	while (version < STORE_SCHEMA_VERSION) {
		int from;
		char what[64];

		snprintf(what, sizeof(what), "cannot upgrade the schema from version %d", version);
		if (run_id(s, STMT_BEGIN_WRITE, what, err, errlen) != 0)
			return -1;
		if (schema_version(s, &from, err, errlen) != 0)
			goto fail;
		if (from > STORE_SCHEMA_VERSION) {
			refuse_newer(s, from, err, errlen);
			goto fail;
		}
		if (from == STORE_SCHEMA_VERSION) {
			rollback(s); /* done by the other process */
			break;
		}
		snprintf(what, sizeof(what), "cannot upgrade the schema from version %d", from);
		if (sqlite3_exec(s->db, migrations[from], NULL, NULL, NULL) != SQLITE_OK) {
			db_fail(s, what, err, errlen);
			goto fail;
		}
		if (schema_version(s, &version, err, errlen) != 0)
			goto fail;
		if (version != from + 1) {
			snprintf(err, errlen, "state database '%s': %s: the migration left version %d",
				 s->path, what, version);
			goto fail;
		}
		if (run_id(s, STMT_COMMIT, what, err, errlen) != 0)
			goto fail;
	}
	return 0;
fail:
	rollback(s);
	return -1;
}

/* Switch the file to WAL (kept in the file: a no-op once done). The switch
 * needs the file to itself for a moment, and where another process holds it
 * (two first opens racing) sqlite says busy at once instead of calling the
 * busy handler, so wait here as the busy timeout would. */
static int use_wal(struct store *s, char *err, size_t errlen)
{
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) & 0xff;

		if (rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited >= STORE_BUSY_MS)
			return db_fail(s, "cannot use a write-ahead log", err, errlen);
		sqlite3_sleep(10);
	}
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	char def[4096];
	struct store *s = NULL;
	char *open_path;
	int version, rc;

	*out = NULL;
	if (path && !*path) {
		/* sqlite would open a temporary database, gone at close. */
		snprintf(err, errlen, "the state database's path is empty");
		return -1;
	}
	if (!path) {
		if (store_default_path(def, sizeof(def), err, errlen) != 0)
			return -1;
		path = def;
	}
	if (make_parents(path, err, errlen) != 0 || create_private(path, err, errlen) != 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	/* Debian's sqlite takes "file:..." as a URI and ":memory:" as no file
	 * at all; "./" keeps a relative name a file name. */
	open_path = path[0] == '/' ? xstrdup(path) : xasprintf("./%s", path);
	rc = sqlite3_open_v2(open_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	free(open_path);
	if (rc != SQLITE_OK) {
		if (!s->db) {
			snprintf(err, errlen, "state database '%s': cannot open: out of memory", path);
			goto fail;
		}
		db_fail(s, "cannot open", err, errlen);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/* Before anything writes: a newer schema is left as it is. */
	if (schema_version(s, &version, err, errlen) != 0)
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		refuse_newer(s, version, err, errlen);
		/* Closing the last connection would checkpoint a newer
		 * cutover's write-ahead log into the file: leave both be. */
		sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
		goto fail;
	}
	/* WAL: readers never wait for the writer, and a writer killed at any
	 * instant leaves the last committed state (the WAL's uncommitted frames
	 * are ignored). Where WAL cannot be had (a file system without shared
	 * memory) sqlite keeps its rollback journal, atomic too. */
	if (use_wal(s, err, errlen) != 0)
		goto fail;
	if (sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, "cannot turn foreign keys on", err, errlen);
		goto fail;
	}
	if (store_migrate(s, version, err, errlen) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < N_STMTS; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

/* ?1, ?2, ?3: the sweep's name, type and expected value. */
static void bind_change(sqlite3_stmt *st, const struct store_prop_sweep *sw)
{
	bind_text(st, 1, sw->name);
	bind_text(st, 2, sw->type);
	bind_text(st, 3, sw->expected);
}

/* The id of the change name/type/expected, added when new (inside the
 * caller's write transaction). */
static int change_id(struct store *s, const struct store_prop_sweep *sw, sqlite3_int64 *id, char *err,
		     size_t errlen)
{
	const char *what = "cannot record the sweep";
	sqlite3_stmt *st = stmt(s, STMT_CHANGE_ADD, what, err, errlen);
	int rc;

	if (!st)
		return -1;
	bind_change(st, sw);
	if (run(s, st, what, err, errlen) != 0)
		return -1;
	if (!(st = stmt(s, STMT_CHANGE_FIND, what, err, errlen)))
		return -1;
	bind_change(st, sw);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			snprintf(err, errlen, "state database '%s': %s: the change just added is not there",
				 s->path, what);
		else
			db_fail(s, what, err, errlen);
		sqlite3_reset(st);
		return -1;
	}
	*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* Statement id, with ?1 bound to key (the sweep or the change) and ?2 and
 * ?3 to the server's address and port. */
static sqlite3_stmt *server_stmt(struct store *s, enum stmt_id id, sqlite3_int64 key,
				 const struct store_prop_server *a, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, id, "cannot record the sweep", err, errlen);

	if (st) {
		sqlite3_bind_int64(st, 1, key);
		bind_text(st, 2, a->address);
		sqlite3_bind_int64(st, 3, a->port);
	}
	return st;
}

/* One server's answer in the sweep being recorded, and the summaries of
 * that server (inside the caller's write transaction). */
static int record_server(struct store *s, sqlite3_int64 change, sqlite3_int64 sweep, double at,
			 const struct store_prop_server *a, char *err, size_t errlen)
{
	const char *what = "cannot record the sweep";
	sqlite3_stmt *st;

	if (!(st = server_stmt(s, STMT_ANSWER_ADD, sweep, a, err, errlen)))
		return -1;
	bind_text(st, 4, a->kind);
	bind_text(st, 5, a->label);
	bind_text(st, 6, a->status);
	bind_text(st, 7, a->answer);
	if (a->ttl >= 0)
		sqlite3_bind_int64(st, 8, a->ttl);
	bind_text(st, 9, a->rcode);
	bind_time(st, 10, a->flips_at);
	bind_text(st, 11, a->site);
	bind_text(st, 12, a->error);
	if (run(s, st, what, err, errlen) != 0)
		return -1;

	if (!(st = server_stmt(s, STMT_SERVER_ADD, change, a, err, errlen)))
		return -1;
	bind_text(st, 4, a->kind);
	bind_text(st, 5, a->label);
	sqlite3_bind_double(st, 6, at);
	bind_text(st, 7, a->status);
	if (run(s, st, what, err, errlen) != 0)
		return -1;

	/* The answer was inserted: its status is one of the five. */
	if (a->flips_at == 0 || strcmp(a->status, "old") != 0)
		return 0;
	if (!(st = server_stmt(s, STMT_PREDICTION_ADD, change, a, err, errlen)))
		return -1;
	bind_text(st, 4, a->site);
	sqlite3_bind_double(st, 5, a->flips_at);
	return run(s, st, what, err, errlen);
}

int store_prop_record(struct store *s, const struct store_prop_sweep *sw, char *err, size_t errlen)
{
	const char *what = "cannot record the sweep";
	sqlite3_int64 change, sweep;
	sqlite3_stmt *st;

	if (!sw->name || !sw->type || !sw->expected) {
		snprintf(err, errlen, "state database '%s': %s: no name, type or expected value", s->path,
			 what);
		return -1;
	}
	if (run_id(s, STMT_BEGIN_WRITE, what, err, errlen) != 0)
		return -1;
	if (change_id(s, sw, &change, err, errlen) != 0)
		goto fail;
	if (!(st = stmt(s, STMT_SWEEP_ADD, what, err, errlen)))
		goto fail;
	sqlite3_bind_int64(st, 1, change);
	sqlite3_bind_double(st, 2, sw->at);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)sw->converged);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)sw->total);
	bind_time(st, 5, sw->eta);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)sw->n_servers);
	if (run(s, st, what, err, errlen) != 0)
		goto fail;
	sweep = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < sw->n_servers; i++) {
		if (record_server(s, change, sweep, sw->at, &sw->servers[i], err, errlen) != 0)
			goto fail;
	}
	if (run_id(s, STMT_COMMIT, what, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

int store_prop_last_flips(struct store *s, const char *name, const char *type, const char *expected,
			  const char *address, unsigned port, const char *site, double *flips_at, char *err,
			  size_t errlen)
{
	const char *what = "cannot read the last prediction";
	sqlite3_stmt *st = stmt(s, STMT_LAST_FLIPS, what, err, errlen);
	int ret = -1;

	if (!st)
		return -1;
	bind_text(st, 1, name);
	bind_text(st, 2, type);
	bind_text(st, 3, expected);
	bind_text(st, 4, address);
	sqlite3_bind_int64(st, 5, port);
	bind_text(st, 6, site);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(s, what, err, errlen);
		goto out;
	}
	/* MAX() over no row is one row holding NULL. */
	ret = 0;
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*flips_at = sqlite3_column_double(st, 0);
		ret = 1;
	}
out:
	sqlite3_reset(st);
	return ret;
}

/* Step st expecting one row; -1 with err when there is none. */
static int step_row(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		snprintf(err, errlen, "state database '%s': %s: no row", s->path, what);
	else
		db_fail(s, what, err, errlen);
	sqlite3_reset(st);
	return -1;
}

/* After stepping through rows (rc: the last step's result, a row when the
 * caller stopped at the count it expected): reset st; -1 with err when the
 * step failed. */
static int rows_end(struct store *s, sqlite3_stmt *st, int rc, const char *what, char *err, size_t errlen)
{
	int ret = 0;

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(s, what, err, errlen);
	sqlite3_reset(st);
	return ret;
}

/* Statement id with ?1 bound to the change. */
static sqlite3_stmt *change_stmt(struct store *s, enum stmt_id id, sqlite3_int64 change, char *err,
				 size_t errlen)
{
	sqlite3_stmt *st = stmt(s, id, "cannot read the history", err, errlen);

	if (st)
		sqlite3_bind_int64(st, 1, change);
	return st;
}

/* The one number statement id (a count) says of the change. */
static int change_count(struct store *s, enum stmt_id id, sqlite3_int64 change, size_t *n, char *err,
			size_t errlen)
{
	sqlite3_stmt *st = change_stmt(s, id, change, err, errlen);

	if (!st || step_row(s, st, "cannot read the history", err, errlen) != 0)
		return -1;
	*n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* The rest of store_prop_history, in its read transaction: the change is
 * found. Each list is counted first, so that what is allocated is what is
 * returned. */
static int history_read(struct store *s, sqlite3_int64 change, struct store_prop_history *h, char *err,
			size_t errlen)
{
	const char *what = "cannot read the history";
	sqlite3_stmt *st;
	size_t n;
	int rc;

	/* The other expected values of name/type. */
	if (change_count(s, STMT_CHANGE_OTHERS_COUNT, change, &n, err, errlen) != 0)
		return -1;
	if (n) {
		h->other_expected = xcalloc(n, sizeof(*h->other_expected));
		if (!(st = change_stmt(s, STMT_CHANGE_OTHERS, change, err, errlen)))
			return -1;
		rc = SQLITE_DONE;
		while (h->n_other_expected < n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			char *v = column_strdup_required(s, st, 0, what, err, errlen);
			if (!v)
				goto fail;
			h->other_expected[h->n_other_expected++] = v;
		}
		if (rows_end(s, st, rc, what, err, errlen) != 0)
			return -1;
	}

	/* The sweeps, summed up, then one point each. */
	if (!(st = change_stmt(s, STMT_HISTORY_SUMMARY, change, err, errlen)) ||
	    step_row(s, st, what, err, errlen) != 0)
		return -1;
	h->sweeps = (size_t)sqlite3_column_int64(st, 0);
	h->first_sweep = sqlite3_column_double(st, 1);
	h->last_sweep = sqlite3_column_double(st, 2);
	h->converged_at = sqlite3_column_double(st, 3); /* NULL reads as 0 */
	sqlite3_reset(st);
	if (h->sweeps) {
		h->points = xcalloc(h->sweeps, sizeof(*h->points));
		if (!(st = change_stmt(s, STMT_HISTORY_POINTS, change, err, errlen)))
			return -1;
		rc = SQLITE_DONE;
		while (h->n_points < h->sweeps && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct store_prop_history_point *p = &h->points[h->n_points++];
			p->at = sqlite3_column_double(st, 0);
			p->converged = (size_t)sqlite3_column_int64(st, 1);
			p->total = (size_t)sqlite3_column_int64(st, 2);
		}
		if (rows_end(s, st, rc, what, err, errlen) != 0)
			return -1;
	}

	/* Each server. */
	if (change_count(s, STMT_HISTORY_SERVERS_COUNT, change, &n, err, errlen) != 0)
		return -1;
	if (!n)
		return 0;
	h->servers = xcalloc(n, sizeof(*h->servers));
	if (!(st = change_stmt(s, STMT_HISTORY_SERVERS, change, err, errlen)))
		return -1;
	rc = SQLITE_DONE;
	while (h->n_servers < n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_prop_history_server *v = &h->servers[h->n_servers++];
		if (!(v->address = column_strdup_required(s, st, 0, what, err, errlen)))
			goto fail;
		v->port = (unsigned)sqlite3_column_int(st, 1);
		if (!(v->kind = column_strdup_required(s, st, 2, what, err, errlen)))
			goto fail;
		v->label = column_strdup(st, 3);
		v->first_seen = sqlite3_column_double(st, 4);
		v->first_new = sqlite3_column_double(st, 5);
		if (!(v->last_status = column_strdup_required(s, st, 6, what, err, errlen)))
			goto fail;
		v->last_seen = sqlite3_column_double(st, 7);
	}
	return rows_end(s, st, rc, what, err, errlen);
fail:
	sqlite3_reset(st);
	return -1;
}

int store_prop_history(struct store *s, const char *name, const char *type, const char *expected,
		       struct store_prop_history *out, char *err, size_t errlen)
{
	const char *what = "cannot read the history";
	sqlite3_stmt *st;
	sqlite3_int64 id;
	int ret = -1, rc;

	memset(out, 0, sizeof(*out));
	if (run_id(s, STMT_BEGIN_READ, what, err, errlen) != 0)
		return -1;
	if (!(st = stmt(s, expected ? STMT_CHANGE_FIND : STMT_CHANGE_LATEST, what, err, errlen)))
		goto out;
	bind_text(st, 1, name);
	bind_text(st, 2, type);
	if (expected)
		bind_text(st, 3, expected);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		ret = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_fail(s, what, err, errlen);
		sqlite3_reset(st);
		goto out;
	}
	id = sqlite3_column_int64(st, 0);
	out->expected = column_strdup_required(s, st, 1, what, err, errlen);
	sqlite3_reset(st);
	if (!out->expected)
		goto out;
	if (history_read(s, id, out, err, errlen) != 0)
		goto out;
	/* A change with no sweep left (none yet: every sweep adds one). */
	ret = out->sweeps ? 1 : 0;
out:
	if (ret <= 0)
		store_prop_history_release(out);
	if (ret >= 0 && run_id(s, STMT_COMMIT, what, err, errlen) != 0) {
		store_prop_history_release(out);
		ret = -1;
	}
	rollback(s);
	return ret;
}

void store_prop_history_release(struct store_prop_history *h)
{
	free(h->expected);
	for (size_t i = 0; i < h->n_other_expected; i++)
		free(h->other_expected[i]);
	free(h->other_expected);
	for (size_t i = 0; i < h->n_servers; i++) {
		free(h->servers[i].address);
		free(h->servers[i].kind);
		free(h->servers[i].label);
		free(h->servers[i].last_status);
	}
	free(h->servers);
	free(h->points);
	memset(h, 0, sizeof(*h));
}

/* --- migration plans --- */

/* The words store.h allows, as the CHECK constraints of migration 2 do. */
static const char *const step_statuses[] = {"pending",	   "running", "done",	   "failed",
					    "interrupted", "waiting", "confirmed", NULL};
static const char *const phase_statuses[] = {"pending", "running", "gating", "holding",
					     "done",	"failed",  NULL};
static const char *const gate_worsts[] = {"ok", "info", "warn", "fail", "error", NULL};

/* 0 when word (the field's value) is one of list; -1 with err naming it and
 * the list when it is not. */
static int check_word(struct store *s, const char *what, const char *field, const char *word,
		      const char *const *list, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; word && list[i]; i++) {
		if (strcmp(word, list[i]) == 0)
			return 0;
	}
	for (size_t i = 0; list[i]; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "", list[i]);
	if (word)
		snprintf(err, errlen, "state database '%s': %s: unknown %s '%s' (not one of %s)", s->path,
			 what, field, word, sb.buf);
	else
		snprintf(err, errlen, "state database '%s': %s: no %s (one of %s)", s->path, what, field,
			 sb.buf);
	sb_release(&sb);
	return -1;
}

/* -1 with err saying that the named string is missing. */
static int missing(struct store *s, const char *what, const char *field, char *err, size_t errlen)
{
	snprintf(err, errlen, "state database '%s': %s: no %s", s->path, what, field);
	return -1;
}

/* Run st, its parameters bound, as a write transaction of its own. Returns
 * the rows it changed, or -1 with err. */
static int write_one(struct store *s, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	int changed;

	if (run_id(s, STMT_BEGIN_WRITE, what, err, errlen) != 0)
		return -1;
	if (run(s, st, what, err, errlen) != 0)
		goto fail;
	changed = sqlite3_changes(s->db);
	if (run_id(s, STMT_COMMIT, what, err, errlen) != 0)
		goto fail;
	return changed;
fail:
	rollback(s);
	return -1;
}

/* Statement id, with ?1 bound to the plan and ?2 to key (NULL: SQL NULL). */
static sqlite3_stmt *plan_stmt(struct store *s, enum stmt_id id, long long plan, const char *key,
			       const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, id, what, err, errlen);

	if (st) {
		sqlite3_bind_int64(st, 1, plan);
		bind_text(st, 2, key);
	}
	return st;
}

/* The plan's id, when recorded: 1 with *id, 0 when not, -1 with err. */
static int plan_find(struct store *s, const char *name, const char *file, long long *id, const char *what,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st = stmt(s, STMT_PLAN_FIND, what, err, errlen);
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, name);
	bind_text(st, 2, file);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	if (rows_end(s, st, rc, what, err, errlen) != 0)
		return -1;
	return rc == SQLITE_ROW;
}

int store_plan_id(struct store *s, const char *name, const char *file, long long *id, char *err,
		  size_t errlen)
{
	const char *what = "cannot record the plan";
	sqlite3_stmt *st;
	int rc;

	if (!name || !*name)
		return missing(s, what, "plan name", err, errlen);
	if (!file || file[0] != '/') {
		snprintf(err, errlen, "state database '%s': %s '%s': its file '%s' is not an absolute path",
			 s->path, what, name, file ? file : "");
		return -1;
	}
	/* Recorded already: no need of the write lock (`plan status` while a
	 * runner writes). */
	if ((rc = plan_find(s, name, file, id, what, err, errlen)) != 0)
		return rc < 0 ? -1 : 0;
	if (!(st = stmt(s, STMT_PLAN_ADD, what, err, errlen)))
		return -1;
	bind_text(st, 1, name);
	bind_text(st, 2, file);
	if (run_id(s, STMT_BEGIN_WRITE, what, err, errlen) != 0)
		return -1;
	if (run(s, st, what, err, errlen) != 0)
		goto fail;
	/* Added, or by another process meanwhile. */
	if ((rc = plan_find(s, name, file, id, what, err, errlen)) != 1) {
		if (rc == 0)
			snprintf(err, errlen, "state database '%s': %s: the plan just added is not there",
				 s->path, what);
		goto fail;
	}
	if (run_id(s, STMT_COMMIT, what, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

/* What a write of a step, a phase or a gate evaluation is about, checked
 * by put_check(). */
struct put {
	const char *kind;  /* "step", "phase", "the gate of phase" */
	const char *key;   /* its id (for a gate, its phase's) */
	const char *field; /* the word checked: "status", "worst status" */
	const char *word;
	const char *const *words; /* what word may be */
	char what[160];		  /* "cannot record step 'copy'", for messages */
};

/* 0 when p's key is there and its word one of its words; -1 with err. */
static int put_check(struct store *s, struct put *p, char *err, size_t errlen)
{
	if (!p->key) {
		snprintf(p->what, sizeof(p->what), "cannot record the %s", p->kind);
		return missing(s, p->what, "id", err, errlen);
	}
	snprintf(p->what, sizeof(p->what), "cannot record %s '%s'", p->kind, p->key);
	return check_word(s, p->what, p->field, p->word, p->words, err, errlen);
}

int store_plan_step_put(struct store *s, long long plan, const struct store_plan_step *sp, char *err,
			size_t errlen)
{
	struct put p = {"step", sp->step, "status", sp->status, step_statuses, ""};
	sqlite3_stmt *st;

	if (put_check(s, &p, err, errlen) != 0)
		return -1;
	if (!sp->phase)
		return missing(s, p.what, "phase", err, errlen);
	if (sp->exit_status < -1) {
		snprintf(err, errlen, "state database '%s': %s: exit status %d is not one", s->path, p.what,
			 sp->exit_status);
		return -1;
	}
	if (!(st = plan_stmt(s, STMT_STEP_PUT, plan, sp->step, p.what, err, errlen)))
		return -1;
	bind_text(st, 3, sp->phase);
	bind_text(st, 4, sp->status);
	bind_time(st, 5, sp->started);
	bind_time(st, 6, sp->ended);
	if (sp->exit_status >= 0)
		sqlite3_bind_int(st, 7, sp->exit_status);
	sqlite3_bind_int64(st, 8, sp->attempts);
	bind_text(st, 9, sp->note);
	if (sp->pid > 0)
		sqlite3_bind_int64(st, 10, sp->pid);
	return write_one(s, st, p.what, err, errlen) < 0 ? -1 : 0;
}

int store_plan_phase_put(struct store *s, long long plan, const struct store_plan_phase *ph, char *err,
			 size_t errlen)
{
	struct put p = {"phase", ph->phase, "status", ph->status, phase_statuses, ""};
	sqlite3_stmt *st;

	if (put_check(s, &p, err, errlen) != 0 ||
	    !(st = plan_stmt(s, STMT_PHASE_PUT, plan, ph->phase, p.what, err, errlen)))
		return -1;
	bind_text(st, 3, ph->status);
	bind_time(st, 4, ph->started);
	bind_time(st, 5, ph->ended);
	bind_time(st, 6, ph->gate_since);
	bind_time(st, 7, ph->hold_until);
	bind_text(st, 8, ph->note);
	return write_one(s, st, p.what, err, errlen) < 0 ? -1 : 0;
}

int store_plan_gate_add(struct store *s, long long plan, const struct store_plan_gate *g, char *err,
			size_t errlen)
{
	struct put p = {"the gate of phase", g->phase, "worst status", g->worst, gate_worsts, ""};
	sqlite3_stmt *st;

	if (put_check(s, &p, err, errlen) != 0)
		return -1;
	if (!g->findings)
		return missing(s, p.what, "findings", err, errlen);
	if (run_id(s, STMT_BEGIN_WRITE, p.what, err, errlen) != 0)
		return -1;
	if (!(st = stmt(s, STMT_FINDINGS_ADD, p.what, err, errlen)))
		goto fail;
	bind_text(st, 1, g->findings);
	if (run(s, st, p.what, err, errlen) != 0)
		goto fail;
	if (!(st = plan_stmt(s, STMT_GATE_ADD, plan, g->phase, p.what, err, errlen)))
		goto fail;
	sqlite3_bind_double(st, 3, g->at);
	sqlite3_bind_int(st, 4, g->passed != 0);
	bind_text(st, 5, g->worst);
	bind_text(st, 6, g->findings);
	bind_text(st, 7, g->summary);
	if (run(s, st, p.what, err, errlen) != 0 || run_id(s, STMT_COMMIT, p.what, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

/* A time column: 0 for NULL ("not yet"). */
static double column_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_double(st, i);
}

/* The rest of store_plan_state, in its read transaction. */
static int plan_state_read(struct store *s, long long plan, enum store_gates gates,
			   struct store_plan_state *out, char *err, size_t errlen)
{
	const char *what = "cannot read the plan's state";
	size_t alloc;
	sqlite3_stmt *st;
	int rc;

	if (!(st = plan_stmt(s, STMT_STEPS, plan, NULL, what, err, errlen)))
		return -1;
	alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_plan_step *v = xgrow(&out->steps, &out->n_steps, &alloc, sizeof(*v));
		v->exit_status = -1;
		if (!(v->phase = column_strdup_required(s, st, 0, what, err, errlen)) ||
		    !(v->step = column_strdup_required(s, st, 1, what, err, errlen)) ||
		    !(v->status = column_strdup_required(s, st, 2, what, err, errlen)))
			goto fail;
		v->started = column_time(st, 3);
		v->ended = column_time(st, 4);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			v->exit_status = sqlite3_column_int(st, 5);
		v->attempts = (unsigned)sqlite3_column_int64(st, 6);
		v->note = column_strdup(st, 7);
		if (sqlite3_column_type(st, 8) != SQLITE_NULL)
			v->pid = (long)sqlite3_column_int64(st, 8);
	}
	if (rows_end(s, st, rc, what, err, errlen) != 0)
		return -1;

	if (!(st = plan_stmt(s, STMT_PHASES, plan, NULL, what, err, errlen)))
		return -1;
	alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_plan_phase *v = xgrow(&out->phases, &out->n_phases, &alloc, sizeof(*v));
		if (!(v->phase = column_strdup_required(s, st, 0, what, err, errlen)) ||
		    !(v->status = column_strdup_required(s, st, 1, what, err, errlen)))
			goto fail;
		v->started = column_time(st, 2);
		v->ended = column_time(st, 3);
		v->gate_since = column_time(st, 4);
		v->hold_until = column_time(st, 5);
		v->note = column_strdup(st, 6);
	}
	if (rows_end(s, st, rc, what, err, errlen) != 0)
		return -1;

	if (!(st = stmt(s, STMT_GATES, what, err, errlen)))
		return -1;
	sqlite3_bind_int64(st, 1, plan);
	sqlite3_bind_int(st, 2, (int)gates);
	alloc = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_plan_gate *v = xgrow(&out->gates, &out->n_gates, &alloc, sizeof(*v));
		if (!(v->phase = column_strdup_required(s, st, 0, what, err, errlen)))
			goto fail;
		v->at = sqlite3_column_double(st, 1);
		v->passed = sqlite3_column_int(st, 2);
		if (!(v->worst = column_strdup_required(s, st, 3, what, err, errlen)))
			goto fail;
		if (gates == STORE_GATES_SUMMARY)
			v->findings = column_strdup(st, 4);
		else if (!(v->findings = column_strdup_required(s, st, 4, what, err, errlen)))
			goto fail;
		v->summary = column_strdup(st, 5);
	}
	return rows_end(s, st, rc, what, err, errlen);
fail:
	sqlite3_reset(st);
	return -1;
}

int store_plan_state(struct store *s, long long plan, enum store_gates gates, struct store_plan_state *out,
		     char *err, size_t errlen)
{
	const char *what = "cannot read the plan's state";
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (run_id(s, STMT_BEGIN_READ, what, err, errlen) != 0)
		return -1;
	if (plan_state_read(s, plan, gates, out, err, errlen) == 0 &&
	    run_id(s, STMT_COMMIT, what, err, errlen) == 0)
		ret = 0;
	if (ret != 0)
		store_plan_state_release(out);
	rollback(s);
	return ret;
}

void store_plan_state_release(struct store_plan_state *st)
{
	for (size_t i = 0; i < st->n_steps; i++) {
		free(st->steps[i].phase);
		free(st->steps[i].step);
		free(st->steps[i].status);
		free(st->steps[i].note);
	}
	free(st->steps);
	for (size_t i = 0; i < st->n_phases; i++) {
		free(st->phases[i].phase);
		free(st->phases[i].status);
		free(st->phases[i].note);
	}
	free(st->phases);
	for (size_t i = 0; i < st->n_gates; i++) {
		free(st->gates[i].phase);
		free(st->gates[i].worst);
		free(st->gates[i].findings);
		free(st->gates[i].summary);
	}
	free(st->gates);
	memset(st, 0, sizeof(*st));
}

int store_plan_reset(struct store *s, long long plan, const char *phase, char *err, size_t errlen)
{
	const char *what = "cannot reset the plan";
	sqlite3_stmt *st;
	int forgotten = 0;

	if (run_id(s, STMT_BEGIN_WRITE, what, err, errlen) != 0)
		return -1;
	if (!(st = plan_stmt(s, STMT_RESET_STEPS, plan, phase, what, err, errlen)) ||
	    run(s, st, what, err, errlen) != 0)
		goto fail;
	forgotten += sqlite3_changes(s->db);
	if (!(st = plan_stmt(s, STMT_RESET_PHASES, plan, phase, what, err, errlen)) ||
	    run(s, st, what, err, errlen) != 0)
		goto fail;
	forgotten += sqlite3_changes(s->db);
	if (run_id(s, STMT_COMMIT, what, err, errlen) != 0)
		goto fail;
	return forgotten;
fail:
	rollback(s);
	return -1;
}

int store_plan_step_reset(struct store *s, long long plan, const char *step, char *err, size_t errlen)
{
	const char *what = "cannot reset the step";
	sqlite3_stmt *st;

	if (!step)
		return missing(s, what, "step id", err, errlen);
	if (!(st = plan_stmt(s, STMT_RESET_STEP, plan, step, what, err, errlen)))
		return -1;
	return write_one(s, st, what, err, errlen);
}

int store_plan_observe(struct store *s, long long plan, double at, const char *const *subjects,
		       const long *ttls, size_t n, char *err, size_t errlen)
{
	const char *what = "cannot record the TTLs observed";
	sqlite3_stmt *st;

	for (size_t i = 0; i < n; i++) {
		if (!subjects[i])
			return missing(s, what, "subject", err, errlen);
		if (ttls[i] < 0) {
			snprintf(err, errlen, "state database '%s': %s: TTL %ld of '%s' is negative", s->path,
				 what, ttls[i], subjects[i]);
			return -1;
		}
	}
	if (run_id(s, STMT_BEGIN_WRITE, what, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(st = plan_stmt(s, STMT_OBSERVE, plan, NULL, what, err, errlen)))
			goto fail;
		sqlite3_bind_double(st, 2, at);
		bind_text(st, 3, subjects[i]);
		sqlite3_bind_int64(st, 4, ttls[i]);
		if (run(s, st, what, err, errlen) != 0)
			goto fail;
	}
	if (run_id(s, STMT_COMMIT, what, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	rollback(s);
	return -1;
}

int store_plan_lowering(struct store *s, long long plan, const char *subject, long *before,
			double *lowered_at, char *err, size_t errlen)
{
	const char *what = "cannot read the TTLs observed";
	sqlite3_stmt *st;
	long largest = -1;
	int rc;

	if (!subject)
		return missing(s, what, "subject", err, errlen);
	if (!(st = plan_stmt(s, STMT_OBSERVATIONS, plan, subject, what, err, errlen)))
		return -1;
	long previous = -1, largest_before = -1;
	int found = 0;
	/* One statement: one snapshot of the observations. The latest drop is
	 * the lowering: after a plan's reset, the one of its new run, never a
	 * rehearsal's that has long run out. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long ttl = (long)sqlite3_column_int64(st, 1);
		if (previous >= 0 && ttl < previous) {
			*lowered_at = sqlite3_column_double(st, 0);
			largest_before = largest;
			found = 1;
		}
		if (ttl > largest)
			largest = ttl;
		previous = ttl;
	}
	*before = found ? largest_before : largest;
	if (rows_end(s, st, rc, what, err, errlen) != 0)
		return -1;
	return found;
}
