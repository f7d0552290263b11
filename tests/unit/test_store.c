/* The state database (src/store.c): its path, its creation and migration,
 * the propagation history recorded and read back, a database it must not
 * touch, and a writer killed at random instants. Each test works in a
 * temporary directory of its own. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"
#include "util.h"

static const char NAME[] = "www.example.org.";

/* A temporary directory, removed with all it holds by tmp_remove(). */
static char *tmp_make(void)
{
	char *dir = xstrdup("/tmp/cutover-store-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void tmp_remove(char *dir)
{
	assert_int_equal(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(dir);
}

/* The whole of a file, for comparing before and after. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	assert_non_null(f);
	assert_int_equal(sb_read_file(&sb, f, 1 << 24), 0);
	fclose(f);
	*len = sb.len;
	return sb_detach(&sb);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* One integer a query on the file (opened apart from the store) answers. */
static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static char *raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *v;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The servers (prop_server) and predictions (prop_prediction) that are not
 * what the answers say. */
#define ANSWERS_OF_SERVER                                                                                    \
	" FROM prop_sweep s JOIN prop_answer a ON a.sweep = s.id WHERE s.change = v.change"                  \
	" AND a.address = v.address AND a.port = v.port"
#define SERVERS_DISAGREE                                                                                     \
	"SELECT COUNT(*) FROM prop_server v WHERE"                                                           \
	" first_seen IS NOT (SELECT MIN(s.at)" ANSWERS_OF_SERVER " AND a.kind = v.kind)"                     \
	" OR first_new IS NOT (SELECT MIN(s.at)" ANSWERS_OF_SERVER                                           \
	" AND a.kind = v.kind AND status = 'new')"                                                           \
	" OR last_seen IS NOT (SELECT MAX(s.at)" ANSWERS_OF_SERVER " AND a.kind = v.kind)"                   \
	" OR last_status IS NOT (SELECT status" ANSWERS_OF_SERVER " AND a.kind = v.kind"                     \
	"  ORDER BY s.at DESC, s.id DESC LIMIT 1)"
#define PREDICTIONS_DISAGREE                                                                                 \
	"SELECT COUNT(*) FROM prop_prediction v WHERE flips_at IS NOT (SELECT "                              \
	"MAX(flips_at)" ANSWERS_OF_SERVER " AND status = 'old' AND COALESCE(a.site, '') = v.site)"

/* The environment variables the default path reads, put back afterwards. */
struct saved_env {
	char *xdg, *home;
};

static void env_save(struct saved_env *e)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	e->xdg = x ? xstrdup(x) : NULL;
	e->home = h ? xstrdup(h) : NULL;
}

static void env_put(const char *name, const char *value)
{
	if (value)
		assert_int_equal(setenv(name, value, 1), 0);
	else
		assert_int_equal(unsetenv(name), 0);
}

static void env_restore(struct saved_env *e)
{
	env_put("XDG_STATE_HOME", e->xdg);
	env_put("HOME", e->home);
	free(e->xdg);
	free(e->home);
}

static void assert_default_path(const char *xdg, const char *home, const char *want)
{
	char buf[4096], err[256] = "";
	env_put("XDG_STATE_HOME", xdg);
	env_put("HOME", home);
	assert_int_equal(store_default_path(buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, want);
}

static void test_default_path(void **state)
{
	(void)state;
	struct saved_env saved;
	struct passwd *pw = getpwuid(getuid());
	char buf[4096], err[256] = "", *want_pw;

	assert_non_null(pw);
	want_pw = xasprintf("%s/.local/state/cutover/state.db", strcmp(pw->pw_dir, "/") ? pw->pw_dir : "");
	env_save(&saved);
	assert_default_path("/var/xdg", "/home/u", "/var/xdg/cutover/state.db");
	assert_default_path("/var/xdg//", "/home/u", "/var/xdg/cutover/state.db");
	assert_default_path("/", "/home/u", "/cutover/state.db");
	/* Unset, empty or relative (the spec: such a value is ignored). */
	assert_default_path(NULL, "/home/u", "/home/u/.local/state/cutover/state.db");
	assert_default_path("", "/home/u/", "/home/u/.local/state/cutover/state.db");
	assert_default_path("relative/state", "/home/u", "/home/u/.local/state/cutover/state.db");
	assert_default_path("./state", "/home/u", "/home/u/.local/state/cutover/state.db");
	/* No usable HOME either: the password database's home directory. */
	assert_default_path(NULL, NULL, want_pw);
	assert_default_path("rel", "also/relative", want_pw);

	/* A buffer too short. */
	env_put("XDG_STATE_HOME", "/var/xdg");
	assert_int_equal(store_default_path(buf, 10, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
	env_restore(&saved);
	free(want_pw);
}

static void test_open_creates(void **state)
{
	(void)state;
	char *dir = tmp_make(), *path = xasprintf("%s/a/b/c/state.db", dir), *sub, *mode;
	char err[512] = "";
	struct store *s = NULL;
	struct stat st;
	struct saved_env saved;

	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	assert_non_null(s);
	assert_string_equal(store_path(s), path);
	/* The directories it made are 0700; the one that was there keeps its mode. */
	for (size_t i = 0; i < 3; i++) {
		sub = xasprintf("%s/%s", dir, (const char *[]){"a", "a/b", "a/b/c"}[i]);
		assert_int_equal(stat(sub, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0700);
		free(sub);
	}
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	store_close(s);

	assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	mode = raw_text(path, "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	/* Opened again: nothing to migrate, nothing lost. */
	s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	store_close(s);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);

	/* An empty file is an empty database. */
	free(path);
	path = xasprintf("%s/empty.db", dir);
	write_file(path, "", 0);
	s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	store_close(s);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);

	/* NULL: the default path, directories made. */
	env_save(&saved);
	sub = xasprintf("%s/xdg", dir);
	env_put("XDG_STATE_HOME", sub);
	s = NULL;
	assert_int_equal(store_open(NULL, &s, err, sizeof(err)), 0);
	free(path);
	path = xasprintf("%s/cutover/state.db", sub);
	assert_string_equal(store_path(s), path);
	store_close(s);
	assert_int_equal(stat(path, &st), 0);
	env_restore(&saved);
	free(sub);

	/* A parent that is a file. */
	free(path);
	sub = xasprintf("%s/plain", dir);
	write_file(sub, "x", 1);
	path = xasprintf("%s/plain/state.db", dir);
	s = (struct store *)1;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "is not a directory"));
	free(path);
	free(sub);

	/* Names sqlite would take for a URI or an in-memory database are file
	 * names, relative to the current directory. */
	{
		int cwd = open(".", O_RDONLY | O_DIRECTORY);
		assert_true(cwd >= 0);
		assert_int_equal(chdir(dir), 0);
		assert_int_equal(store_open("file:uri.db?mode=memory", &s, err, sizeof(err)), 0);
		store_close(s);
		assert_int_equal(store_open(":memory:", &s, err, sizeof(err)), 0);
		store_close(s);
		assert_int_equal(fchdir(cwd), 0);
		close(cwd);
		sub = xasprintf("%s/file:uri.db?mode=memory", dir);
		assert_int_equal(raw_int(sub, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		free(sub);
		sub = xasprintf("%s/:memory:", dir);
		assert_int_equal(raw_int(sub, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		free(sub);
	}

	/* An empty path (sqlite would make a temporary database of it). */
	assert_int_equal(store_open("", &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty"));

	/* The path is a directory. */
	path = xasprintf("%s/a", dir);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	free(path);
	tmp_remove(dir);
}

/* Several processes opening a new file at once: each one migrates it or
 * finds it migrated, none fails. */
static void test_open_racing(void **state)
{
	(void)state;
	char *dir = tmp_make();

	/* Several rounds, each on a new file: a round's children overlap only
	 * now and then. */
	for (int round = 0; round < 16; round++) {
		char *path = xasprintf("%s/new%d/state.db", dir, round);
		pid_t pids[6];
		int gate[2], status;
		char c;

		assert_int_equal(pipe(gate), 0);
		for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				struct store *s = NULL;
				char err[512];
				close(gate[1]);
				/* Wait for the gate to open: all start together. */
				if (read(gate[0], &c, 1) != 0)
					_exit(3);
				if (store_open(path, &s, err, sizeof(err)) != 0) {
					fprintf(stderr, "child %zu: %s\n", i, err);
					_exit(1);
				}
				store_close(s);
				_exit(0);
			}
		}
		close(gate[0]);
		close(gate[1]);
		for (size_t i = 0; i < ARRAY_SIZE(pids); i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
		assert_int_equal(
			raw_int(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'prop_answer'"), 1);
		free(path);
	}
	tmp_remove(dir);
}

/* A database from a newer cutover: refused, and not a byte of it changed. */
static void test_newer_refused(void **state)
{
	(void)state;
	char *dir = tmp_make(), *path = xasprintf("%s/state.db", dir), *before, *after, *wal;
	char err[512] = "";
	size_t n_before, n_after;
	struct store *s = NULL;
	sqlite3 *db = NULL;
	struct stat st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE future (x); INSERT INTO future VALUES (42);"
				      "PRAGMA user_version = 99;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	before = slurp(path, &n_before);
	s = (struct store *)1;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "newer cutover"));
	assert_non_null(strstr(err, "schema version 99"));
	after = slurp(path, &n_after);
	assert_int_equal(n_before, n_after);
	assert_memory_equal(before, after, n_before);
	free(before);
	free(after);

	/* The same in WAL mode, with a write-ahead log not yet checkpointed:
	 * the log is left as it is too. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "PRAGMA wal_autocheckpoint = 0; INSERT INTO future VALUES (43);"
				      "PRAGMA user_version = 100;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	wal = xasprintf("%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	before = slurp(path, &n_before);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schema version 100"));
	after = slurp(path, &n_after);
	assert_int_equal(n_before, n_after);
	assert_memory_equal(before, after, n_before);
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	free(before);
	free(after);
	free(wal);
	free(path);
	tmp_remove(dir);
}

/* A file that is not a database: a clear error, the file untouched. */
static void test_garbage_refused(void **state)
{
	(void)state;
	char *dir = tmp_make(), *path = xasprintf("%s/state.db", dir), *after;
	char garbage[8192], err[512] = "";
	size_t n_after;
	struct store *s = NULL;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = "not a database\n"[i % 15];
	write_file(path, garbage, sizeof(garbage));
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not an SQLite database"));
	after = slurp(path, &n_after);
	assert_int_equal(n_after, sizeof(garbage));
	assert_memory_equal(after, garbage, sizeof(garbage));
	free(after);

	/* A few bytes: too short to be one. */
	write_file(path, "SQLite", 6);
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	free(path);
	tmp_remove(dir);
}

/* Sweeps for the tests: servers given as a list; converged and total are
 * counted from the resolvers' statuses. */
static void record(struct store *s, const char *expected, double at, const struct store_prop_server *servers,
		   size_t n)
{
	struct store_prop_sweep sw = {NAME, "A", expected, at, 0, 0, 0, servers, n};
	char err[512] = "";
	for (size_t i = 0; i < n; i++) {
		if (strcmp(servers[i].kind, "recursive") != 0 || strcmp(servers[i].status, "error") == 0)
			continue;
		sw.total++;
		if (strcmp(servers[i].status, "new") == 0)
			sw.converged++;
	}
	if (sw.converged < sw.total)
		sw.eta = at + 300;
	if (store_prop_record(s, &sw, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

#define AUTH(addr, status, answer)                                                                           \
	{                                                                                                    \
		addr, 53, "authoritative", "ns1", status, answer, 300, "NOERROR", 0, NULL, NULL              \
	}
#define REC(addr, label, status, answer, ttl, flips, site)                                                   \
	{                                                                                                    \
		addr, 53, "recursive", label, status, answer, ttl, "NOERROR", flips, site, NULL              \
	}
#define DEAD(addr)                                                                                           \
	{                                                                                                    \
		addr, 53, "recursive", "dead", "error", NULL, -1, NULL, 0, NULL, "timed out"                 \
	}

static const char NEW[] = "198.51.100.20";
static const char OLD[] = "192.0.2.10";

/* The story the history tests read: an earlier change (to OLD) swept once,
 * then four sweeps of the change to NEW. */
static void record_story(struct store *s)
{
	const struct store_prop_server first[] = {
		AUTH("127.53.2.1", "new", OLD),
		REC("192.0.2.53", "quad", "new", OLD, 100, 0, NULL),
	};
	const struct store_prop_server s1[] = {
		AUTH("127.53.2.1", "new", NEW),
		REC("192.0.2.53", "quad", "old", OLD, 280, 1280, "fra"),
		REC("192.0.2.54", "cloud", "old", OLD, 290, 1290, NULL),
		DEAD("192.0.2.99"),
	};
	const struct store_prop_server s2[] = {
		AUTH("127.53.2.1", "new", NEW),
		REC("192.0.2.53", "quad", "old", OLD, 30, 1090, "ams"),
		REC("192.0.2.54", "cloud", "old", OLD, 230, 1290, NULL),
		DEAD("192.0.2.99"),
	};
	const struct store_prop_server s3[] = {
		AUTH("127.53.2.1", "new", NEW),
		REC("192.0.2.53", "quad", "new", NEW, 300, 0, "fra"),
		REC("192.0.2.54", "cloud", "stale", OLD, 30, 1150, NULL),
		DEAD("192.0.2.99"),
	};
	const struct store_prop_server s4[] = {
		AUTH("127.53.2.1", "new", NEW),
		REC("192.0.2.53", "quad", "new", NEW, 240, 0, "fra"),
		REC("192.0.2.54", NULL, "new", NEW, 300, 0, NULL),
		DEAD("192.0.2.99"),
	};
	record(s, OLD, 100, first, ARRAY_SIZE(first));
	record(s, NEW, 1000, s1, ARRAY_SIZE(s1));
	record(s, NEW, 1060, s2, ARRAY_SIZE(s2));
	record(s, NEW, 1120, s3, ARRAY_SIZE(s3));
	record(s, NEW, 1180, s4, ARRAY_SIZE(s4));
}

struct fixture {
	char *dir, *path;
	struct store *s;
};

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[512] = "";
	f->dir = tmp_make();
	f->path = xasprintf("%s/state.db", f->dir);
	if (store_open(f->path, &f->s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	tmp_remove(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static int last_flips(struct store *s, const char *name, const char *expected, const char *address,
		      unsigned port, const char *site, double *at)
{
	char err[512] = "";
	int rc = store_prop_last_flips(s, name, "A", expected, address, port, site, at, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	return rc;
}

static void test_last_flips(void **state)
{
	struct fixture *f = *state;
	double at = -1;

	record_story(f->s);
	/* The latest prediction of an old answer, whichever site. */
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.53", 53, NULL, &at), 1);
	assert_true(at == 1280);
	/* Only from site ams, or fra. */
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.53", 53, "ams", &at), 1);
	assert_true(at == 1090);
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.53", 53, "fra", &at), 1);
	assert_true(at == 1280);
	at = -1;
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.53", 53, "lhr", &at), 0);
	assert_true(at == -1);
	/* A stale answer's TTL is no prediction: 1150 is not taken. */
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.54", 53, NULL, &at), 1);
	assert_true(at == 1290);
	/* The name without regard to case. */
	assert_int_equal(last_flips(f->s, "WWW.Example.ORG.", NEW, "192.0.2.54", 53, NULL, &at), 1);
	/* No old answer, another port, another change, another name. */
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.99", 53, NULL, &at), 0);
	assert_int_equal(last_flips(f->s, NAME, NEW, "127.53.2.1", 53, NULL, &at), 0);
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.54", 5353, NULL, &at), 0);
	assert_int_equal(last_flips(f->s, NAME, OLD, "192.0.2.53", 53, NULL, &at), 0);
	assert_int_equal(last_flips(f->s, "example.org.", NEW, "192.0.2.53", 53, NULL, &at), 0);
}

static void assert_server(const struct store_prop_history_server *v, const char *address, const char *kind,
			  const char *label, double first_seen, double first_new, const char *last_status,
			  double last_seen)
{
	assert_string_equal(v->address, address);
	assert_int_equal(v->port, 53);
	assert_string_equal(v->kind, kind);
	if (label)
		assert_string_equal(v->label, label);
	else
		assert_null(v->label);
	assert_true(v->first_seen == first_seen);
	assert_true(v->first_new == first_new);
	assert_string_equal(v->last_status, last_status);
	assert_true(v->last_seen == last_seen);
}

static void test_history(void **state)
{
	struct fixture *f = *state;
	struct store_prop_history h;
	char err[512] = "";

	record_story(f->s);
	assert_int_equal(store_prop_history(f->s, NAME, "A", NULL, &h, err, sizeof(err)), 1);
	assert_string_equal(h.expected, NEW);
	assert_int_equal(h.n_other_expected, 1);
	assert_string_equal(h.other_expected[0], OLD);
	assert_int_equal(h.sweeps, 4);
	assert_true(h.first_sweep == 1000);
	assert_true(h.last_sweep == 1180);
	assert_true(h.converged_at == 1180);

	assert_int_equal(h.n_points, 4);
	assert_true(h.points[0].at == 1000);
	assert_int_equal(h.points[0].converged, 0);
	assert_int_equal(h.points[0].total, 2);
	assert_true(h.points[2].at == 1120);
	assert_int_equal(h.points[2].converged, 1);
	assert_int_equal(h.points[2].total, 2);
	assert_true(h.points[3].at == 1180);
	assert_int_equal(h.points[3].converged, 2);

	/* Authoritative first, then by first_new, never last; the label of
	 * the latest sweep (none for 192.0.2.54 there). */
	assert_int_equal(h.n_servers, 4);
	assert_server(&h.servers[0], "127.53.2.1", "authoritative", "ns1", 1000, 1000, "new", 1180);
	assert_server(&h.servers[1], "192.0.2.53", "recursive", "quad", 1000, 1120, "new", 1180);
	assert_server(&h.servers[2], "192.0.2.54", "recursive", NULL, 1000, 1180, "new", 1180);
	assert_server(&h.servers[3], "192.0.2.99", "recursive", "dead", 1000, 0, "error", 1180);
	store_prop_history_release(&h);
	assert_int_equal(raw_int(f->path, SERVERS_DISAGREE), 0);
	assert_int_equal(raw_int(f->path, PREDICTIONS_DISAGREE), 0);
	assert_null(h.servers);
	assert_int_equal(h.n_servers, 0);

	/* The earlier change, asked for by its value; the type without regard to case. */
	assert_int_equal(store_prop_history(f->s, "WWW.EXAMPLE.ORG.", "a", OLD, &h, err, sizeof(err)), 1);
	assert_string_equal(h.expected, OLD);
	assert_int_equal(h.n_other_expected, 1);
	assert_string_equal(h.other_expected[0], NEW);
	assert_int_equal(h.sweeps, 1);
	assert_true(h.converged_at == 100);
	assert_int_equal(h.n_servers, 2);
	assert_int_equal(h.n_points, 1);
	store_prop_history_release(&h);

	/* Nothing for another name, type or value. */
	assert_int_equal(store_prop_history(f->s, "example.org.", "A", NULL, &h, err, sizeof(err)), 0);
	assert_null(h.expected);
	assert_int_equal(store_prop_history(f->s, NAME, "AAAA", NULL, &h, err, sizeof(err)), 0);
	assert_int_equal(store_prop_history(f->s, NAME, "A", "203.0.113.1", &h, err, sizeof(err)), 0);
	store_prop_history_release(&h);
}

/* A third change, swept after the others; no sweep there converges. The
 * latest is the default; the others come latest first. */
static void test_history_latest(void **state)
{
	struct fixture *f = *state;
	struct store_prop_history h;
	char err[512] = "";
	const struct store_prop_server s[] = {
		AUTH("127.53.2.1", "new", "203.0.113.1"),
		REC("192.0.2.53", "quad", "old", NEW, 200, 2200, NULL),
	};
	const struct store_prop_server lost[] = {DEAD("192.0.2.53")};

	record_story(f->s);
	record(f->s, "203.0.113.1", 2000, s, ARRAY_SIZE(s));
	record(f->s, "203.0.113.1", 2060, lost, ARRAY_SIZE(lost));
	assert_int_equal(store_prop_history(f->s, NAME, "A", NULL, &h, err, sizeof(err)), 1);
	assert_string_equal(h.expected, "203.0.113.1");
	assert_int_equal(h.n_other_expected, 2);
	assert_string_equal(h.other_expected[0], NEW);
	assert_string_equal(h.other_expected[1], OLD);
	assert_int_equal(h.sweeps, 2);
	/* A sweep where no resolver answered (total 0) is not convergence. */
	assert_true(h.converged_at == 0);
	assert_int_equal(h.n_servers, 2);
	assert_string_equal(h.servers[1].last_status, "error");
	assert_true(h.servers[1].first_new == 0);
	store_prop_history_release(&h);
}

/* Sweeps recorded out of time order (clocks go back; two cron jobs): the
 * history is by time all the same. */
static void test_history_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct store_prop_history h;
	char err[512] = "";
	double at = 0;
	const struct store_prop_server early[] = {
		REC("192.0.2.53", "early", "old", OLD, 100, 1100, NULL),
	};
	const struct store_prop_server mid[] = {
		REC("192.0.2.53", "mid", "new", NEW, 100, 0, NULL),
	};
	const struct store_prop_server late[] = {
		REC("192.0.2.53", "late", "old", OLD, 100, 1400, NULL),
	};

	record(f->s, NEW, 1300, late, 1);
	record(f->s, NEW, 1200, mid, 1);
	record(f->s, NEW, 1000, early, 1);
	assert_int_equal(store_prop_history(f->s, NAME, "A", NULL, &h, err, sizeof(err)), 1);
	assert_int_equal(h.n_servers, 1);
	assert_server(&h.servers[0], "192.0.2.53", "recursive", "late", 1000, 1200, "old", 1300);
	assert_int_equal(h.n_points, 3);
	assert_true(h.points[0].at == 1000 && h.points[1].at == 1200 && h.points[2].at == 1300);
	assert_true(h.first_sweep == 1000 && h.last_sweep == 1300);
	assert_true(h.converged_at == 1200);
	store_prop_history_release(&h);
	assert_int_equal(last_flips(f->s, NAME, NEW, "192.0.2.53", 53, NULL, &at), 1);
	assert_true(at == 1400);
	assert_int_equal(raw_int(f->path, SERVERS_DISAGREE), 0);
	assert_int_equal(raw_int(f->path, PREDICTIONS_DISAGREE), 0);
}

/* A sweep the database refuses (a status it does not know) is not
 * recorded at all, not even its first servers. */
static void test_record_refused(void **state)
{
	struct fixture *f = *state;
	struct store_prop_history h;
	char err[512] = "";
	const struct store_prop_server bad[] = {
		AUTH("127.53.2.1", "new", NEW),
		REC("192.0.2.53", "quad", "new", NEW, 100, 0, NULL),
		REC("192.0.2.54", "cloud", "sideways", OLD, 100, 0, NULL),
	};
	struct store_prop_sweep sw = {NAME, "A", NEW, 500, 1, 2, 0, bad, ARRAY_SIZE(bad)};
	struct store_prop_sweep uneven = {NAME, "A", NEW, 500, 3, 2, 0, bad, 1};

	assert_int_equal(store_prop_record(f->s, &sw, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "cannot record the sweep"));
	assert_non_null(strstr(err, "CHECK constraint failed"));
	assert_int_equal(store_prop_record(f->s, &uneven, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CHECK constraint failed"));
	assert_int_equal(store_prop_history(f->s, NAME, "A", NULL, &h, err, sizeof(err)), 0);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM prop_answer"), 0);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM prop_sweep"), 0);
	/* ... and the store is usable afterwards. */
	record_story(f->s);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM prop_sweep"), 5);
}

/* Another process holds the write lock for a while: the record waits for
 * it (busy timeout) instead of failing. */
static void test_busy_waits(void **state)
{
	struct fixture *f = *state;
	int fds[2];
	char c = 0;
	pid_t pid;
	int status;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		int ok = sqlite3_open(f->path, &db) == SQLITE_OK &&
			 sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
		if (write(fds[1], ok ? "l" : "x", 1) != 1)
			_exit(2);
		usleep(500 * 1000);
		ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
		_exit(ok ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	assert_int_equal(c, 'l');
	record_story(f->s);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* What the killed writer tells its parent, in memory they share. */
struct progress {
	volatile sig_atomic_t in_record;
	volatile long recorded;
};

/* The writer: sweeps of 1 to 300 servers, forever. */
static void writer(const char *path, struct progress *p, unsigned seed)
{
	struct store *s = NULL;
	struct store_prop_server *servers = xcalloc(300, sizeof(*servers));
	char err[512], (*addresses)[32] = xcalloc(300, sizeof(*addresses));

	if (store_open(path, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "writer: %s\n", err);
		_exit(2);
	}
	for (size_t i = 0; i < 300; i++) {
		snprintf(addresses[i], sizeof(addresses[i]), "192.0.2.%zu", i % 256);
		servers[i] = (struct store_prop_server)REC(addresses[i], "r", i % 3 ? "old" : "new", OLD, 100,
							   2000.0 + i, i % 2 ? "fra" : NULL);
		servers[i].port = (unsigned)(1000 + i);
	}
	for (long n = 0; n < 1000000; n++) {
		size_t k = 1 + rand_r(&seed) % 300;
		struct store_prop_sweep sw = {NAME, "A", NEW, 1000.0 + n, k / 3, k, 0, servers, k};
		p->in_record = 1;
		if (store_prop_record(s, &sw, err, sizeof(err)) != 0) {
			fprintf(stderr, "writer: %s\n", err);
			_exit(2);
		}
		p->in_record = 0;
		p->recorded++;
	}
	_exit(0);
}

static void test_killed_writer(void **state)
{
	struct fixture *f = *state;
	struct progress *p =
		mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int kills = 0, kills_inside = 0, status;
	long recorded = 0;
	struct store_prop_history h;
	char err[512] = "", *check;

	assert_true(p != MAP_FAILED);
	print_message("killed writer: seed %u\n", seed);
	srand(seed);
	/* Until at least 5 kills landed inside store_prop_record (and 3 more
	 * anywhere), at most 60 in all. */
	while (kills < 60 && (kills_inside < 5 || kills < 8)) {
		pid_t pid;
		long before = p->recorded;

		p->in_record = 0;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			writer(f->path, p, seed + (unsigned)kills);
		/* Let it record one sweep at least (within 20 s), then a few
		 * more for a random while. */
		for (int waited = 0; p->recorded == before && waited < 20000; waited++)
			usleep(1000);
		assert_true(p->recorded > before);
		usleep((useconds_t)(rand() % 40) * 1000);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("the writer ended before it was killed (status %d)", status);
		kills++;
		kills_inside += p->in_record != 0;
		recorded += p->recorded - before;
	}
	print_message("killed writer: %d kills, %d inside store_prop_record, %ld sweeps recorded\n", kills,
		      kills_inside, p->recorded);
	assert_true(kills_inside >= 5);
	assert_true(p->recorded > 0);

	/* Every sweep there has all its servers, and the file is sound. */
	check = raw_text(f->path, "PRAGMA integrity_check");
	assert_string_equal(check, "ok");
	free(check);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
	assert_int_equal(
		raw_int(f->path,
			"SELECT COUNT(*) FROM prop_sweep s"
			" WHERE servers != (SELECT COUNT(*) FROM prop_answer a WHERE a.sweep = s.id)"),
		0);
	/* At least what the writers saw committed (one more per kill at most:
	 * committed, killed before it could count it). */
	assert_true(raw_int(f->path, "SELECT COUNT(*) FROM prop_sweep") >= recorded);
	assert_true(raw_int(f->path, "SELECT COUNT(*) FROM prop_sweep") <= recorded + kills);
	/* The summaries agree with the answers they sum up. */
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM prop_server"),
			 raw_int(f->path,
				 "SELECT COUNT(*) FROM (SELECT DISTINCT s.change, address, port, kind"
				 " FROM prop_sweep s JOIN prop_answer a ON a.sweep = s.id)"));
	assert_int_equal(raw_int(f->path, SERVERS_DISAGREE), 0);
	assert_int_equal(raw_int(f->path, PREDICTIONS_DISAGREE), 0);
	/* And the store reads it. */
	assert_int_equal(store_prop_history(f->s, NAME, "A", NULL, &h, err, sizeof(err)), 1);
	assert_int_equal(h.n_points, h.sweeps);
	assert_true(h.n_servers > 0);
	store_prop_history_release(&h);
	munmap(p, sizeof(*p));
}

/* --- migration plans --- */

/* Schema version 1 as cutover 0.1 shipped it (src/store.c's migration_1),
 * kept apart so that the test does not follow an edit of it. */
#define SCHEMA_V1 "tests/fixtures/store/schema-v1.sql"

/* Two sweeps of one change, as version 1 recorded them. */
static const char rows_v1[] =
	"INSERT INTO prop_change VALUES (1, 'www.example.org.', 'A', '198.51.100.20');"
	"INSERT INTO prop_sweep VALUES (1, 1, 1000, 0, 1, 1300, 1), (2, 1, 1060, 1, 1, NULL, 1);"
	"INSERT INTO prop_answer VALUES"
	" (1, '192.0.2.53', 53, 'recursive', 'quad', 'old', '192.0.2.10', 280, 'NOERROR', 1280, 'fra', NULL),"
	" (2, '192.0.2.53', 53, 'recursive', 'quad', 'new', '198.51.100.20', 300, 'NOERROR', NULL, NULL,"
	" NULL);"
	"INSERT INTO prop_server VALUES (1, '192.0.2.53', 53, 'recursive', 'quad', 1000, 1060, 'new', 1060);"
	"INSERT INTO prop_prediction VALUES (1, '192.0.2.53', 53, 'fra', 1280);";

/* Make a version 1 database at path, in WAL mode as cutover kept it, with
 * extra SQL run after the rows (NULL: none). */
static void make_v1(const char *path, const char *extra)
{
	sqlite3 *db = NULL;
	size_t len;
	char *schema = slurp(SCHEMA_V1, &len);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	free(schema);
	assert_int_equal(sqlite3_exec(db, rows_v1, NULL, NULL, NULL), SQLITE_OK);
	if (extra)
		assert_int_equal(sqlite3_exec(db, extra, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The tables, their columns and the indexes of a database, as one text. */
#define SCHEMA_SHAPE                                                                                         \
	"SELECT group_concat(x, ' ') FROM (SELECT m.type || ' ' || m.name || ' ' || m.tbl_name || ' ' ||"    \
	" COALESCE(p.cid || ' ' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || p.pk, '') AS x" \
	" FROM sqlite_schema m LEFT JOIN pragma_table_info(m.name) p ON m.type = 'table'"                    \
	" ORDER BY m.name, p.cid)"

static long long plan_id(struct store *s, const char *name, const char *file)
{
	char err[512] = "";
	long long id = -1;
	if (store_plan_id(s, name, file, &id, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return id;
}

/* A version 1 database (propagation history, no plans) is brought to
 * version 2 and keeps its history; a migration that fails leaves it at
 * version 1 as it was. */
static void test_migrate_v1(void **state)
{
	(void)state;
	char *dir = tmp_make(), *path = xasprintf("%s/state.db", dir), *check, *fresh, *a, *b;
	char err[512] = "";
	struct store *s = NULL, *s2 = NULL;
	struct store_prop_history h;
	double at = 0;
	long long id;

	make_v1(path, NULL);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 1);
	if (store_open(path, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE 'plan%'"), 9);
	/* The same tables, columns and indexes as a database made new. */
	fresh = xasprintf("%s/fresh.db", dir);
	assert_int_equal(store_open(fresh, &s2, err, sizeof(err)), 0);
	store_close(s2);
	a = raw_text(path, SCHEMA_SHAPE);
	b = raw_text(fresh, SCHEMA_SHAPE);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(fresh);
	/* The history is all there, and read as before. */
	assert_int_equal(store_prop_history(s, NAME, "A", NULL, &h, err, sizeof(err)), 1);
	assert_string_equal(h.expected, NEW);
	assert_int_equal(h.sweeps, 2);
	assert_true(h.first_sweep == 1000 && h.last_sweep == 1060 && h.converged_at == 1060);
	assert_int_equal(h.n_servers, 1);
	assert_true(h.servers[0].first_new == 1060);
	store_prop_history_release(&h);
	assert_int_equal(last_flips(s, NAME, NEW, "192.0.2.53", 53, "fra", &at), 1);
	assert_true(at == 1280);
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM prop_answer"), 2);
	/* The plans work in it, and so does recording another sweep. */
	id = plan_id(s, "move", "/srv/move.yml");
	assert_true(id > 0);
	record_story(s);
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM prop_sweep"), 7);
	store_close(s);
	check = raw_text(path, "PRAGMA integrity_check");
	assert_string_equal(check, "ok");
	free(check);
	/* Opened again: the same plan, the same id. */
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(plan_id(s, "move", "/srv/move.yml"), id);
	store_close(s);
	free(path);

	/* A version 1 database the migration cannot go through (a table of
	 * that name made by hand): refused, still version 1, nothing lost. */
	path = xasprintf("%s/clash.db", dir);
	make_v1(path, "CREATE TABLE plan_step (x); INSERT INTO plan_step VALUES ('mine');");
	s = (struct store *)1;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "cannot upgrade the schema from version 1"));
	assert_non_null(strstr(err, "plan_step"));
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 1);
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'plan'"), 0);
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM plan_step"), 1);
	assert_int_equal(raw_int(path, "SELECT COUNT(*) FROM prop_answer"), 2);
	free(path);
	tmp_remove(dir);
}

static mode_t file_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	return st.st_mode & 07777;
}

/* The database and its -wal and -shm files are made 0600, whatever the
 * umask; a database that was there keeps its mode. */
static void test_file_modes(void **state)
{
	(void)state;
	char *dir = tmp_make(), err[512] = "";
	mode_t old = umask(0);
	const mode_t masks[] = {0, 022, 077, 0277};

	for (size_t i = 0; i < ARRAY_SIZE(masks); i++) {
		char *path = xasprintf("%s/m%zu/state.db", dir, i), *wal = xasprintf("%s-wal", path),
		     *shm = xasprintf("%s-shm", path);
		struct store *s = NULL;

		umask(masks[i]);
		if (store_open(path, &s, err, sizeof(err)) != 0)
			fail_msg("umask %03o: %s", (unsigned)masks[i], err);
		umask(0);
		/* While it is open (the migrations written), all three are there. */
		assert_int_equal(file_mode(path), 0600);
		assert_int_equal(file_mode(wal), 0600);
		assert_int_equal(file_mode(shm), 0600);
		store_close(s);
		assert_int_equal(file_mode(path), 0600);
		free(path);
		free(wal);
		free(shm);
	}

	/* A database there already (made 0640 by its owner) is left so. */
	{
		char *path = xasprintf("%s/shared.db", dir), *wal = xasprintf("%s-wal", path);
		struct store *s = NULL;
		write_file(path, "", 0);
		assert_int_equal(chmod(path, 0640), 0);
		assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
		assert_int_equal(file_mode(path), 0640);
		assert_int_equal(file_mode(wal), 0640);
		store_close(s);
		free(path);
		free(wal);
	}
	umask(old);
	tmp_remove(dir);
}

static void test_plan_id(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";
	long long a, id = 42;

	a = plan_id(f->s, "move", "/srv/plans/move.yml");
	assert_true(a > 0);
	assert_int_equal(plan_id(f->s, "move", "/srv/plans/move.yml"), a);
	/* The same name in another file, another name in the same file. */
	assert_true(plan_id(f->s, "move", "/srv/other/move.yml") != a);
	assert_true(plan_id(f->s, "Move", "/srv/plans/move.yml") != a);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan"), 3);
	/* A relative file would be another plan in each directory. */
	assert_int_equal(store_plan_id(f->s, "move", "plans/move.yml", &id, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'plans/move.yml' is not an absolute path"));
	assert_int_equal(store_plan_id(f->s, "move", NULL, &id, err, sizeof(err)), -1);
	assert_int_equal(store_plan_id(f->s, "", "/srv/x.yml", &id, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no plan name"));
	assert_int_equal(id, 42);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan"), 3);
}

static void step_put(struct store *s, long long plan, const char *phase, const char *step, const char *status,
		     double started, double ended, int exit_status, unsigned attempts, const char *note)
{
	struct store_plan_step st = {(char *)phase, (char *)step, (char *)status, started, ended,
				     exit_status,   attempts,	  (char *)note,	  0};
	char err[512] = "";
	if (store_plan_step_put(s, plan, &st, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void phase_put(struct store *s, long long plan, const char *phase, const char *status, double started,
		      double ended, double gate_since, double hold_until, const char *note)
{
	struct store_plan_phase ph = {(char *)phase, (char *)status, started,	  ended,
				      gate_since,    hold_until,     (char *)note};
	char err[512] = "";
	if (store_plan_phase_put(s, plan, &ph, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void gate_add(struct store *s, long long plan, const char *phase, double at, int passed,
		     const char *worst, const char *summary)
{
	struct store_plan_gate g = {(char *)phase, at, passed, (char *)worst, "[]", (char *)summary};
	char err[512] = "";
	if (store_plan_gate_add(s, plan, &g, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void plan_state(struct store *s, long long plan, enum store_gates gates, struct store_plan_state *out)
{
	char err[512] = "";
	if (store_plan_state(s, plan, gates, out, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void assert_step(const struct store_plan_step *v, const char *phase, const char *step,
			const char *status, double started, double ended, int exit_status, unsigned attempts,
			const char *note)
{
	assert_string_equal(v->phase, phase);
	assert_string_equal(v->step, step);
	assert_string_equal(v->status, status);
	assert_true(v->started == started);
	assert_true(v->ended == ended);
	assert_int_equal(v->exit_status, exit_status);
	assert_int_equal(v->attempts, attempts);
	if (note)
		assert_string_equal(v->note, note);
	else
		assert_null(v->note);
}

/* Steps and phases read back in the order they were first recorded,
 * whatever was written to them since; every field as written. */
static void test_plan_state(void **state)
{
	struct fixture *f = *state;
	long long plan = plan_id(f->s, "move", "/srv/move.yml"),
		  other = plan_id(f->s, "mail", "/srv/mail.yml");
	struct store_plan_state st;

	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.n_steps + st.n_phases + st.n_gates, 0);
	assert_null(st.steps);
	store_plan_state_release(&st);

	phase_put(f->s, plan, "lower-ttl", "running", 100, 0, 0, 0, NULL);
	step_put(f->s, plan, "lower-ttl", "ask", "waiting", 101, 0, -1, 1, NULL);
	phase_put(f->s, plan, "audit", "pending", 0, 0, 0, 0, NULL);
	step_put(f->s, plan, "audit", "zz-check", "pending", 0, 0, -1, 0, NULL);
	step_put(f->s, plan, "audit", "aa-copy", "running", 102, 0, -1, 1, NULL);
	step_put(f->s, other, "x", "ask", "done", 1, 2, 0, 1, "elsewhere");
	/* Later writes replace, and keep the order. */
	step_put(f->s, plan, "lower-ttl", "ask", "confirmed", 101, 150.25, -1, 1, "confirmed by ops");
	step_put(f->s, plan, "audit", "aa-copy", "failed", 103, 160, 137, 2, "killed by signal 9");
	phase_put(f->s, plan, "lower-ttl", "holding", 100, 0, 140, 3700, "holding for 3600 s");

	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.n_steps, 3);
	assert_step(&st.steps[0], "lower-ttl", "ask", "confirmed", 101, 150.25, -1, 1, "confirmed by ops");
	assert_step(&st.steps[1], "audit", "zz-check", "pending", 0, 0, -1, 0, NULL);
	assert_step(&st.steps[2], "audit", "aa-copy", "failed", 103, 160, 137, 2, "killed by signal 9");
	assert_int_equal(st.n_phases, 2);
	assert_string_equal(st.phases[0].phase, "lower-ttl");
	assert_string_equal(st.phases[0].status, "holding");
	assert_true(st.phases[0].started == 100 && st.phases[0].ended == 0);
	assert_true(st.phases[0].gate_since == 140 && st.phases[0].hold_until == 3700);
	assert_string_equal(st.phases[0].note, "holding for 3600 s");
	assert_string_equal(st.phases[1].phase, "audit");
	assert_string_equal(st.phases[1].status, "pending");
	assert_null(st.phases[1].note);
	assert_int_equal(st.n_gates, 0);
	store_plan_state_release(&st);
	assert_null(st.steps);
	assert_int_equal(st.n_steps, 0);

	/* A step moved to another phase (the plan file was edited). */
	step_put(f->s, plan, "lower-ttl", "zz-check", "pending", 0, 0, -1, 0, NULL);
	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_string_equal(st.steps[1].phase, "lower-ttl");
	assert_string_equal(st.steps[1].step, "zz-check");
	store_plan_state_release(&st);

	/* The other plan has its own. */
	plan_state(f->s, other, 0, &st);
	assert_int_equal(st.n_steps, 1);
	assert_step(&st.steps[0], "x", "ask", "done", 1, 2, 0, 1, "elsewhere");
	assert_int_equal(st.n_phases, 0);
	store_plan_state_release(&st);
}

/* Every gate evaluation in time order, or only each phase's latest. */
static void test_plan_gates(void **state)
{
	struct fixture *f = *state;
	long long plan = plan_id(f->s, "move", "/srv/move.yml"),
		  other = plan_id(f->s, "mail", "/srv/mail.yml");
	struct store_plan_gate g = {
		"verify", 400, 0, "fail", "[{\"code\":\"ttl.too-high\",\"status\":\"fail\"}]", NULL};
	struct store_plan_state st;
	char err[512] = "";

	gate_add(f->s, plan, "lower-ttl", 100, 0, "warn", "1 warn");
	gate_add(f->s, plan, "audit", 50, 1, "ok", "all ok");
	gate_add(f->s, plan, "lower-ttl", 200, 0, "fail", "1 fail");
	gate_add(f->s, plan, "lower-ttl", 300, 1, "info", "passed");
	/* Recorded late, evaluated early (a clock set back). */
	gate_add(f->s, plan, "audit", 10, 0, "error", "no answer");
	assert_int_equal(store_plan_gate_add(f->s, plan, &g, err, sizeof(err)), 0);
	gate_add(f->s, other, "lower-ttl", 1000, 1, "ok", "other plan");
	/* Each findings text is kept once, however many evaluations found it. */
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_findings"), 2);

	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.n_gates, 6);
	const double all[] = {10, 50, 100, 200, 300, 400};
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		assert_true(st.gates[i].at == all[i]);
	assert_string_equal(st.gates[0].phase, "audit");
	assert_string_equal(st.gates[0].worst, "error");
	assert_int_equal(st.gates[0].passed, 0);
	assert_string_equal(st.gates[0].summary, "no answer");
	assert_string_equal(st.gates[0].findings, "[]");
	assert_int_equal(st.gates[4].passed, 1);
	assert_string_equal(st.gates[5].findings, g.findings);
	assert_null(st.gates[5].summary);
	store_plan_state_release(&st);

	/* The latest of each phase: audit's at 50, lower-ttl's at 300,
	 * verify's at 400 -- in time order. */
	plan_state(f->s, plan, STORE_GATES_LAST, &st);
	assert_int_equal(st.n_gates, 3);
	assert_string_equal(st.gates[0].phase, "audit");
	assert_true(st.gates[0].at == 50);
	assert_string_equal(st.gates[0].summary, "all ok");
	assert_string_equal(st.gates[1].phase, "lower-ttl");
	assert_true(st.gates[1].at == 300);
	assert_int_equal(st.gates[1].passed, 1);
	assert_string_equal(st.gates[2].phase, "verify");
	store_plan_state_release(&st);

	/* Every evaluation, the findings of the latest of each phase only. */
	plan_state(f->s, plan, STORE_GATES_SUMMARY, &st);
	assert_int_equal(st.n_gates, 6);
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		assert_true(st.gates[i].at == all[i]);
	assert_null(st.gates[0].findings); /* audit at 10 */
	assert_string_equal(st.gates[0].summary, "no answer");
	assert_string_equal(st.gates[1].findings, "[]"); /* audit at 50, its latest */
	assert_null(st.gates[2].findings);		 /* lower-ttl at 100 */
	assert_null(st.gates[3].findings);
	assert_string_equal(st.gates[4].findings, "[]"); /* lower-ttl at 300 */
	assert_string_equal(st.gates[5].findings, g.findings);
	store_plan_state_release(&st);

	/* Two evaluations at one instant: the one recorded last is the latest. */
	gate_add(f->s, plan, "verify", 400, 1, "ok", "second");
	plan_state(f->s, plan, STORE_GATES_LAST, &st);
	assert_int_equal(st.n_gates, 3);
	assert_string_equal(st.gates[2].summary, "second");
	store_plan_state_release(&st);
}

/* A running step's process group is kept, and cleared with the next write
 * that has none. */
static void test_plan_step_pid(void **state)
{
	struct fixture *f = *state;
	long long plan = plan_id(f->s, "move", "/srv/move.yml");
	struct store_plan_step sp = {"copy", "volumes", "running", 100, 0, -1, 1, NULL, 4242};
	struct store_plan_state st;
	char err[512] = "";

	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), 0);
	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.n_steps, 1);
	assert_int_equal(st.steps[0].pid, 4242);
	store_plan_state_release(&st);
	sp.status = "done";
	sp.pid = 0;
	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), 0);
	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.steps[0].pid, 0);
	store_plan_state_release(&st);
}

/* What store.h does not allow is refused with a message naming it, in C
 * and in SQL, and nothing is written. */
static void test_plan_refused(void **state)
{
	struct fixture *f = *state;
	long long plan = plan_id(f->s, "move", "/srv/move.yml");
	const char *const step_words[] = {"pending",	 "running", "done",	"failed",
					  "interrupted", "waiting", "confirmed"};
	const char *const phase_words[] = {"pending", "running", "gating", "holding", "done", "failed"};
	const char *const worsts[] = {"ok", "info", "warn", "fail", "error"};
	struct store_plan_step sp = {"audit", "copy", "sideways", 0, 0, -1, 0, NULL, 0};
	struct store_plan_phase ph = {"audit", "waiting", 0, 0, 0, 0, NULL};
	struct store_plan_gate g = {"audit", 1, 1, "fine", "[]", NULL};
	char err[512] = "";
	sqlite3 *db = NULL;

	/* Every word of the lists is taken (by the CHECK constraints too). */
	for (size_t i = 0; i < ARRAY_SIZE(step_words); i++)
		step_put(f->s, plan, "audit", step_words[i], step_words[i], 0, 0, -1, 0, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(phase_words); i++)
		phase_put(f->s, plan, phase_words[i], phase_words[i], 0, 0, 0, 0, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(worsts); i++)
		gate_add(f->s, plan, "audit", 1, 0, worsts[i], NULL);

	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "cannot record step 'copy': unknown status 'sideways'"));
	assert_non_null(strstr(err, "pending, running, done, failed, interrupted, waiting, confirmed"));
	/* A phase's word is not a step's. */
	sp.status = "gating";
	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown status 'gating'"));
	sp.status = NULL;
	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no status"));
	sp.status = "done";
	sp.exit_status = -2;
	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exit status -2"));
	sp.exit_status = 0;
	sp.phase = NULL;
	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no phase"));
	sp.phase = "audit";
	sp.step = NULL;
	assert_int_equal(store_plan_step_put(f->s, plan, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot record the step: no id"));
	sp.step = "copy";
	/* A plan that was never recorded. */
	assert_int_equal(store_plan_step_put(f->s, plan + 100, &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "FOREIGN KEY constraint failed"));

	assert_int_equal(store_plan_phase_put(f->s, plan, &ph, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot record phase 'audit': unknown status 'waiting'"));
	assert_non_null(strstr(err, "pending, running, gating, holding, done, failed"));

	assert_int_equal(store_plan_gate_add(f->s, plan, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "gate of phase 'audit': unknown worst status 'fine'"));
	g.worst = "ok";
	g.findings = "{\"code\": \"x\"}";
	assert_int_equal(store_plan_gate_add(f->s, plan, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CHECK constraint failed"));
	g.findings = "[{\"code\": ";
	assert_int_equal(store_plan_gate_add(f->s, plan, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CHECK constraint failed"));
	g.findings = NULL;
	assert_int_equal(store_plan_gate_add(f->s, plan, &g, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no findings"));

	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_step"), ARRAY_SIZE(step_words));
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_step WHERE step = 'copy'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_phase"), ARRAY_SIZE(phase_words));
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_gate"), ARRAY_SIZE(worsts));

	/* Written past the store, the schema refuses it all the same. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
#define STEP_ROW "INSERT INTO plan_step (plan, phase, step, status, attempts, exit_status) VALUES "
#define GATE_ROW "INSERT INTO plan_gate (plan, phase, at, passed, worst, findings) VALUES "
	const char *const bad[] = {
		STEP_ROW "(1, 'a', 'b', 'sideways', 0, NULL)",
		STEP_ROW "(1, 'a', 'b', 'done', -1, NULL)",
		STEP_ROW "(1, 'a', 'b', 'done', 'x', NULL)",
		STEP_ROW "(1, 'a', 'b', 'done', 0, -1)",
		"INSERT INTO plan_phase (plan, phase, status) VALUES (1, 'a', 'confirmed')",
		GATE_ROW "(1, 'a', 1, 2, 'ok', 1)",
		GATE_ROW "(1, 'a', 1, 1, 'bad', 1)",
		GATE_ROW "(1, 'a', 'soon', 1, 'ok', 1)",
		GATE_ROW "(1, 'a', 1, 1, 'ok', '[]')",
		"INSERT INTO plan_findings (findings) VALUES ('{}')",
		"INSERT INTO plan_findings (findings) VALUES ('[')",
		"INSERT INTO plan_observation (plan, at, subject, ttl) VALUES (1, 1, 'x', -5)",
		"INSERT INTO plan_observation (plan, at, subject, ttl) VALUES (1, 1, 'x', 1.5)",
	};
	/* What is refused is the value: the same rows, right, are taken. */
	const char *const good[] = {
		STEP_ROW "(1, 'a', 'b', 'done', 0, 0)",
		"INSERT INTO plan_phase (plan, phase, status) VALUES (1, 'a', 'done')",
		GATE_ROW "(1, 'a', 1, 1, 'ok', 1)",
		"INSERT INTO plan_findings (findings) VALUES ('[{}]')",
		"INSERT INTO plan_observation (plan, at, subject, ttl) VALUES (1, 1, 'x', 5)",
	};
#undef STEP_ROW
#undef GATE_ROW
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (sqlite3_exec(db, bad[i], NULL, NULL, NULL) == SQLITE_OK)
			fail_msg("the schema took: %s", bad[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (sqlite3_exec(db, good[i], NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("the schema refused: %s: %s", good[i], sqlite3_errmsg(db));
	}
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_step"), ARRAY_SIZE(step_words));
}

/* A reset forgets steps and phases -- of one phase, or all -- and keeps
 * the gates and observations; other plans are not touched. */
static void test_plan_reset(void **state)
{
	struct fixture *f = *state;
	long long plan = plan_id(f->s, "move", "/srv/move.yml"),
		  other = plan_id(f->s, "mail", "/srv/mail.yml");
	const char *subjects[] = {"www.example.org. A", "example.org. MX"};
	const long ttls[] = {3600, 300};
	struct store_plan_state st;
	char err[512] = "";

	phase_put(f->s, plan, "audit", "done", 1, 2, 0, 0, NULL);
	step_put(f->s, plan, "audit", "a1", "done", 1, 2, 0, 1, NULL);
	step_put(f->s, plan, "audit", "a2", "done", 1, 2, 0, 1, NULL);
	gate_add(f->s, plan, "audit", 2, 1, "ok", NULL);
	phase_put(f->s, plan, "copy", "failed", 3, 4, 0, 0, NULL);
	step_put(f->s, plan, "copy", "c1", "failed", 3, 4, 1, 3, NULL);
	gate_add(f->s, plan, "copy", 4, 0, "fail", NULL);
	phase_put(f->s, plan, "verify", "pending", 0, 0, 0, 0, NULL);
	assert_int_equal(store_plan_observe(f->s, plan, 5, subjects, ttls, 2, err, sizeof(err)), 0);
	phase_put(f->s, other, "copy", "done", 3, 4, 0, 0, NULL);
	step_put(f->s, other, "copy", "c1", "done", 3, 4, 0, 1, NULL);

	/* One phase: its row and its two steps. */
	assert_int_equal(store_plan_reset(f->s, plan, "audit", err, sizeof(err)), 3);
	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.n_steps, 1);
	assert_string_equal(st.steps[0].step, "c1");
	assert_int_equal(st.n_phases, 2);
	assert_string_equal(st.phases[0].phase, "copy");
	assert_string_equal(st.phases[1].phase, "verify");
	assert_int_equal(st.n_gates, 2);
	store_plan_state_release(&st);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_observation"), 2);
	/* Nothing more to forget there; no such phase. */
	assert_int_equal(store_plan_reset(f->s, plan, "audit", err, sizeof(err)), 0);
	assert_int_equal(store_plan_reset(f->s, plan, "nonesuch", err, sizeof(err)), 0);

	/* Recorded again after a reset: after the others. */
	phase_put(f->s, plan, "audit", "running", 10, 0, 0, 0, NULL);
	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_string_equal(st.phases[2].phase, "audit");
	store_plan_state_release(&st);

	/* One step. */
	assert_int_equal(store_plan_step_reset(f->s, plan, "c1", err, sizeof(err)), 1);
	assert_int_equal(store_plan_step_reset(f->s, plan, "c1", err, sizeof(err)), 0);
	assert_int_equal(store_plan_step_reset(f->s, plan, "nonesuch", err, sizeof(err)), 0);

	/* The whole plan: three phases left, no step. */
	step_put(f->s, plan, "copy", "c1", "running", 11, 0, -1, 1, NULL);
	assert_int_equal(store_plan_reset(f->s, plan, NULL, err, sizeof(err)), 4);
	plan_state(f->s, plan, STORE_GATES_ALL, &st);
	assert_int_equal(st.n_steps + st.n_phases, 0);
	assert_int_equal(st.n_gates, 2);
	store_plan_state_release(&st);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_observation"), 2);
	/* The other plan is whole. */
	plan_state(f->s, other, 0, &st);
	assert_int_equal(st.n_steps, 1);
	assert_int_equal(st.n_phases, 1);
	store_plan_state_release(&st);
}

static void observe(struct store *s, long long plan, double at, const char *subject, long ttl)
{
	char err[512] = "";
	if (store_plan_observe(s, plan, at, &subject, &ttl, 1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* store_plan_lowering over the TTLs of ttls (n of them), observed at 100,
 * 200, 300 ... of a subject of its own; returns its result. */
static int lowering_of(struct store *s, long long plan, const long *ttls, size_t n, long *before,
		       double *lowered_at)
{
	static int serial;
	char subject[64], err[512] = "";
	int rc;

	snprintf(subject, sizeof(subject), "s%d.example.org. A", serial++);
	for (size_t i = 0; i < n; i++)
		observe(s, plan, 100.0 * (double)(i + 1), subject, ttls[i]);
	*before = -2;
	*lowered_at = -2;
	rc = store_plan_lowering(s, plan, subject, before, lowered_at, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s", err);
	return rc;
}

static void test_plan_lowering(void **state)
{
	struct fixture *f = *state;
	long long plan = plan_id(f->s, "move", "/srv/move.yml"),
		  other = plan_id(f->s, "mail", "/srv/mail.yml");
	const char *subjects[] = {"www.example.org. A", "example.org. MX", "www.example.org. AAAA"};
	const long ttls[] = {3600, 86400, 300}, bad_ttls[] = {300, -1, 300};
	long before;
	double at;
	char err[512] = "";

	/* Lowered at the third observation, from 3600. */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){3600, 3600, 300, 300}, 4, &before, &at), 1);
	assert_int_equal(before, 3600);
	assert_true(at == 300);
	/* Never lowered: the largest seen. */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){300, 300}, 2, &before, &at), 0);
	assert_int_equal(before, 300);
	/* Never observed. */
	assert_int_equal(lowering_of(f->s, plan, NULL, 0, &before, &at), 0);
	assert_int_equal(before, -1);
	/* Raised first: the largest before the lowering. */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){3600, 7200, 300}, 3, &before, &at), 1);
	assert_int_equal(before, 7200);
	assert_true(at == 300);
	/* Lowered, raised back, lowered again (a rehearsal, then the move):
	 * the latest lowering. */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){3600, 300, 3600, 300}, 4, &before, &at), 1);
	assert_int_equal(before, 3600);
	assert_true(at == 400);
	/* Lowered in two steps: from the second, and the largest before it. */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){86400, 300, 300, 250}, 4, &before, &at), 1);
	assert_int_equal(before, 86400);
	assert_true(at == 400);
	/* Any drop is a lowering: a cache's counting down would be one (the
	 * runner observes what the authoritative servers give). */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){3600, 3599}, 2, &before, &at), 1);
	assert_int_equal(before, 3600);
	assert_true(at == 200);
	/* Only rising. */
	assert_int_equal(lowering_of(f->s, plan, (const long[]){60, 300, 3600}, 3, &before, &at), 0);
	assert_int_equal(before, 3600);

	/* Observations recorded out of time order are taken in time order:
	 * 7200, 3600, 300, the latest drop at 500. */
	observe(f->s, plan, 500, "late.example.org. A", 300);
	observe(f->s, plan, 100, "late.example.org. A", 7200);
	observe(f->s, plan, 300, "late.example.org. A", 3600);
	assert_int_equal(
		store_plan_lowering(f->s, plan, "late.example.org. A", &before, &at, err, sizeof(err)), 1);
	assert_int_equal(before, 7200);
	assert_true(at == 500);

	/* Several subjects at once; the subject without regard to case; other
	 * plans apart. */
	assert_int_equal(store_plan_observe(f->s, plan, 1000, subjects, ttls, 3, err, sizeof(err)), 0);
	assert_int_equal(store_plan_observe(f->s, plan, 2000, subjects + 2, ttls, 1, err, sizeof(err)), 0);
	assert_int_equal(
		store_plan_lowering(f->s, plan, "WWW.Example.ORG. a", &before, &at, err, sizeof(err)), 0);
	assert_int_equal(before, 3600);
	assert_int_equal(store_plan_lowering(f->s, plan, "example.org. MX", &before, &at, err, sizeof(err)),
			 0);
	assert_int_equal(before, 86400);
	assert_int_equal(
		store_plan_lowering(f->s, plan, "www.example.org. AAAA", &before, &at, err, sizeof(err)), 0);
	assert_int_equal(before, 3600);
	observe(f->s, other, 3000, "example.org. MX", 300);
	assert_int_equal(store_plan_lowering(f->s, plan, "example.org. MX", &before, &at, err, sizeof(err)),
			 0);
	assert_int_equal(store_plan_lowering(f->s, other, "example.org. MX", &before, &at, err, sizeof(err)),
			 0);
	assert_int_equal(before, 300);

	/* A negative TTL: nothing of that call recorded. */
	assert_int_equal(store_plan_observe(f->s, plan, 4000, subjects, bad_ttls, 3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "TTL -1 of 'example.org. MX'"));
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM plan_observation WHERE at = 4000"), 0);
	/* None at all: nothing to do. */
	assert_int_equal(store_plan_observe(f->s, plan, 4000, NULL, NULL, 0, err, sizeof(err)), 0);
}

/* What the killed plan writer tells its parent, in memory they share. */
struct plan_progress {
	volatile sig_atomic_t in_write;
	volatile long next; /* the first round not yet wholly recorded */
};

static const char *const STEP_WORDS[] = {"pending",	"running", "done",     "failed",
					 "interrupted", "waiting", "confirmed"};
static const char *const WORSTS[] = {"ok", "info", "warn", "fail", "error"};
#define OBS_PER_ROUND 3

/* The writer: round n rewrites step s(n % 7) of phase p(n % 3) -- its note
 * is its status and attempts, both from n -- and adds a gate evaluation at n
 * and OBS_PER_ROUND observations at n, forever. */
static void plan_writer(const char *path, struct plan_progress *p)
{
	struct store *s = NULL;
	char err[512], phase[16], step[16], note[64], summary[64];
	struct strbuf findings = STRBUF_INIT;
	const char *subjects[OBS_PER_ROUND] = {"a.example.org. A", "b.example.org. A", "c.example.org. MX"};
	long long plan = 0;

	if (store_open(path, &s, err, sizeof(err)) != 0 ||
	    store_plan_id(s, "move", "/srv/move.yml", &plan, err, sizeof(err)) != 0) {
		fprintf(stderr, "writer: %s\n", err);
		_exit(2);
	}
	for (long n = p->next;; n++) {
		const char *status = STEP_WORDS[n % 7];
		long ttls[OBS_PER_ROUND] = {n, n + 1, n + 2};
		struct store_plan_step sp = {phase,	     step,	  (char *)status, (double)n, n + 0.5,
					     (int)(n % 256), (unsigned)n, note,		  0};
		struct store_plan_gate g = {phase, (double)n, (int)(n % 2), (char *)WORSTS[n % 5],
					    NULL,  summary};

		snprintf(phase, sizeof(phase), "p%ld", n % 3);
		snprintf(step, sizeof(step), "s%ld", n % 7);
		snprintf(note, sizeof(note), "%s %ld", status, n);
		snprintf(summary, sizeof(summary), "%ld %s", n, g.worst);
		/* Findings of a few kilobytes, as a real gate's are. */
		sb_reset(&findings);
		sb_addf(&findings, "[{\"n\": %ld}", n);
		for (long i = 0; i < 20 + n % 40; i++)
			sb_addf(&findings,
				", {\"code\": \"ttl.too-high\", \"subject\": \"www%ld.example.org/A\"}", i);
		sb_adds(&findings, "]");
		g.findings = findings.buf;
		p->in_write = 1;
		if (store_plan_step_put(s, plan, &sp, err, sizeof(err)) != 0 ||
		    store_plan_gate_add(s, plan, &g, err, sizeof(err)) != 0 ||
		    store_plan_observe(s, plan, (double)n, subjects, ttls, OBS_PER_ROUND, err, sizeof(err)) !=
			    0) {
			fprintf(stderr, "writer: %s\n", err);
			_exit(2);
		}
		p->in_write = 0;
		p->next = n + 1;
	}
}

/* A plan writer killed with SIGKILL at random instants, 20 times at least:
 * the file stays sound, every row is one whole write, nothing committed is
 * lost. */
static void test_plan_killed_writer(void **state)
{
	struct fixture *f = *state;
	struct plan_progress *p =
		mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int kills = 0, kills_inside = 0, status;
	struct store_plan_state st;
	long long plan;
	long max_attempts = -1;
	char err[512] = "", *check;

	assert_true(p != MAP_FAILED);
	p->next = 0;
	print_message("killed plan writer: seed %u\n", seed);
	srand(seed);
	/* 20 kills, and more until 5 landed inside a write (60 at most). */
	while (kills < 60 && (kills < 20 || kills_inside < 5)) {
		long before = p->next;
		pid_t pid;

		p->in_write = 0;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			plan_writer(f->path, p);
		for (int waited = 0; p->next == before && waited < 20000; waited++)
			usleep(1000);
		assert_true(p->next > before);
		usleep((useconds_t)(rand() % 30000));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("the writer ended before it was killed (status %d)", status);
		kills++;
		kills_inside += p->in_write != 0;
	}
	print_message("killed plan writer: %d kills, %d inside a write, %ld rounds recorded\n", kills,
		      kills_inside, p->next);
	assert_true(kills_inside >= 5);

	/* Opened again: sound, and it reads. */
	store_close(f->s);
	f->s = NULL;
	if (store_open(f->path, &f->s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	check = raw_text(f->path, "PRAGMA integrity_check");
	assert_string_equal(check, "ok");
	free(check);
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
	plan = plan_id(f->s, "move", "/srv/move.yml");
	plan_state(f->s, plan, STORE_GATES_ALL, &st);

	/* Each step row is one round's write, all of it. */
	assert_true(st.n_steps >= 1 && st.n_steps <= 7);
	for (size_t i = 0; i < st.n_steps; i++) {
		const struct store_plan_step *v = &st.steps[i];
		long n = (long)v->attempts;
		char want[64];
		snprintf(want, sizeof(want), "%s %ld", v->status, n);
		assert_string_equal(v->note, want);
		assert_string_equal(v->status, STEP_WORDS[n % 7]);
		snprintf(want, sizeof(want), "s%ld", n % 7);
		assert_string_equal(v->step, want);
		snprintf(want, sizeof(want), "p%ld", n % 3);
		assert_string_equal(v->phase, want);
		assert_true(v->started == (double)n && v->ended == n + 0.5);
		assert_int_equal(v->exit_status, n % 256);
		if (n > max_attempts)
			max_attempts = n;
	}
	/* The last round the writers saw recorded is there (one more at most:
	 * committed, then killed before it was counted). */
	assert_true(max_attempts >= p->next - 1);
	assert_true(max_attempts <= p->next);

	/* Each gate evaluation too; one of every round, a round redone after a
	 * kill may have two. */
	assert_true((long)st.n_gates >= p->next);
	for (size_t i = 0; i < st.n_gates; i++) {
		const struct store_plan_gate *g = &st.gates[i];
		long n = (long)g->at;
		char want[64];
		snprintf(want, sizeof(want), "%ld %s", n, WORSTS[n % 5]);
		assert_string_equal(g->summary, want);
		assert_string_equal(g->worst, WORSTS[n % 5]);
		assert_int_equal(g->passed, n % 2);
		snprintf(want, sizeof(want), "p%ld", n % 3);
		assert_string_equal(g->phase, want);
		snprintf(want, sizeof(want), "[{\"n\": %ld}", n);
		assert_memory_equal(g->findings, want, strlen(want));
	}
	store_plan_state_release(&st);
	assert_int_equal(raw_int(f->path,
				 "SELECT COUNT(*) FROM plan_gate g JOIN plan_findings f ON f.id = g.findings"
				 " WHERE json_array_length(f.findings) != 21 + CAST(at AS INTEGER) % 40"),
			 0);
	/* The observations of one call all there, or none. */
	assert_int_equal(raw_int(f->path, "SELECT COUNT(*) FROM (SELECT at FROM plan_observation GROUP BY at"
					  " HAVING COUNT(*) % 3 != 0)"),
			 0);
	assert_true(raw_int(f->path, "SELECT COUNT(DISTINCT at) FROM plan_observation") >= p->next);
	munmap(p, sizeof(*p));
}

/* A test given a new store of its own (struct fixture). */
#define WITH_STORE(test) cmocka_unit_test_setup_teardown(test, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_open_creates),
		cmocka_unit_test(test_open_racing),
		cmocka_unit_test(test_newer_refused),
		cmocka_unit_test(test_garbage_refused),
		WITH_STORE(test_last_flips),
		WITH_STORE(test_history),
		WITH_STORE(test_history_latest),
		WITH_STORE(test_history_out_of_order),
		WITH_STORE(test_record_refused),
		WITH_STORE(test_busy_waits),
		WITH_STORE(test_killed_writer),
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test(test_file_modes),
		WITH_STORE(test_plan_id),
		WITH_STORE(test_plan_state),
		WITH_STORE(test_plan_gates),
		WITH_STORE(test_plan_step_pid),
		WITH_STORE(test_plan_refused),
		WITH_STORE(test_plan_reset),
		WITH_STORE(test_plan_lowering),
		WITH_STORE(test_plan_killed_writer),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
