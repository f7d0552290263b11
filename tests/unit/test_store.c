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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_open_creates),
		cmocka_unit_test(test_open_racing),
		cmocka_unit_test(test_newer_refused),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test_setup_teardown(test_last_flips, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_history, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_history_latest, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_history_out_of_order, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_record_refused, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_busy_waits, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer, fixture_setup, fixture_teardown),
		cmocka_unit_test(test_file_modes),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
