/* `cutover plan run|status|confirm|log|reset PLAN`: the runner of migration
 * plans. A plan (plan.c) is phases of steps, each phase closed by a gate (an
 * audit, audit.c) and maybe a hold. Everything the runner does is written to
 * the state database (store.c) before and after it does it, so a runner
 * killed at any instant resumes from the record: a step recorded as done is
 * never run again, one recorded as running was interrupted.
 *
 * Everything runs on the one loop: the steps' processes (watched through
 * pidfds) and their output pipes, the gate's queries, the timers of waits
 * and holds, the prompt on a terminal, signals and webhooks. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "baseline.h"
#include "html.h"
#include "http.h"
#include "loop.h"
#include "notify.h"
#include "plan.h"
#include "plancmd.h"
#include "progress.h"
#include "report.h"
#include "rules.h"
#include "session.h"
#include "store.h"
#include "util.h"

extern char **environ;

#define EXIT_DONE 0
#define EXIT_WAITING 1
#define EXIT_FAILED 2
#define EXIT_USAGE 3

/* After a step's timeout, SIGTERM to its process group; this long later,
 * SIGKILL. */
#define KILL_GRACE_US (5 * 1000000ull)
/* After a step's shell exited, how long its output pipe may stay open (a
 * process it left in the background holds it) before the step is judged. */
#define PIPE_GRACE_US (2 * 1000000ull)
/* How often a detached runner looks for a confirmation, and `log --follow`
 * for more output. */
#define POLL_US (1000000ull)
#define FOLLOW_US (300000ull)
/* What `status` shows of a gate's findings. */
#define STATUS_FINDINGS_MAX 20

const char plan_usage[] =
	"usage: cutover plan run [options] PLAN\n"
	"       cutover plan status [-f json|html] PLAN\n"
	"       cutover plan confirm PLAN STEP\n"
	"       cutover plan log [--follow] PLAN [STEP]\n"
	"       cutover plan reset [--phase ID | --step ID] PLAN\n"
	"\n"
	"Run a migration plan: phases of steps (run: shell commands, manual: steps a\n"
	"person carries out and confirms), each phase closed by a gate of checks that\n"
	"must pass (re-checked every `every` for up to `wait`) and, with hold:\n"
	"ttl-drain, held until caches have forgotten the TTL from before a lowering.\n"
	"The state is kept in the database: `run` picks up where the plan stands, and a\n"
	"runner that was killed resumes without repeating a finished step.\n"
	"\n"
	"  run       run the plan from where it stands\n"
	"  status    each phase and step: status, attempts, durations, the gates'\n"
	"            verdicts and the current gate's findings; the runner's pid\n"
	"  confirm   record a manual step (or an interrupted one) as done\n"
	"  log       the plan's log (every event and all output), or one step's output\n"
	"  reset     forget the state of the plan, a phase or a step so that it runs\n"
	"            again (gate evaluations and observed TTLs are kept), stopping\n"
	"            what a runner that was killed left running of it\n"
	"\n"
	"      --phase ID           run: run only this phase (those before it must be\n"
	"                           done); reset: forget only this phase\n"
	"      --step ID            reset: forget only this step\n"
	"      --dry-run            run: show what would run, with secrets masked, and\n"
	"                           run nothing\n"
	"      --yes                run: confirm manual steps as they come, and run an\n"
	"                           interrupted step again, without asking\n"
	"      --no-wait            run: check each gate and hold once; exit 1 instead of\n"
	"                           waiting (for cron)\n"
	"      --detach             run: go on in the background in a session of its own\n"
	"                           (it survives the end of the SSH session), output to\n"
	"                           the plan's log; see `plan status` and `plan log --follow`\n"
	"      --follow             log: keep printing what comes while the runner runs\n"
	"      --db FILE            the state database (default\n"
	"                           $XDG_STATE_HOME/cutover/state.db)\n"
	"  -s, --set NAME=VALUE     a variable for {NAME}, replacing the plan's (repeatable)\n"
	"      --resolver ADDR[#PORT]  gates: use this recursive resolver\n"
	"      --root-hints FILE    gates: root hints for the embedded resolver\n"
	"      --trust-anchor FILE  gates: DNSSEC trust anchor of the embedded resolver\n"
	"      --ns NAME[/ADDR]     gates: take these servers as the zone's delegation\n"
	"                           (repeatable)\n"
	"      --ca-file FILE       gates and webhooks: CA certificates (PEM) to verify TLS\n"
	"                           with, instead of the system's\n"
	"      --timeout MS         gates: per-query timeout (default 2000)\n"
	"  -f, --format FMT         status: text (default), json or html (a page)\n"
	"  -q, --quiet              no progress line on the terminal, and nothing on\n"
	"                           standard error but warnings and errors\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit status: 0 the plan (or --phase) is complete, 1 waiting (a gate still\n"
	"failing within its wait, a hold, a manual step awaiting confirmation, an\n"
	"interrupted step to look at, a step added to a phase already done, or the run\n"
	"was interrupted), 2 a step or a gate failed, 3 a bad plan or usage, or another\n"
	"runner has the plan (its pid is named). `confirm`, `log` and `reset` exit 0,\n"
	"or 3. SIGINT or SIGTERM stops the run: the step running gets SIGTERM, and\n"
	"SIGKILL 5 s later or at a second signal.\n";

enum {
	OPT_PHASE = 400,
	OPT_STEP,
	OPT_DRY_RUN,
	OPT_YES,
	OPT_NO_WAIT,
	OPT_DETACH,
	OPT_FOLLOW,
	OPT_DB,
};

const struct option plan_longopts[] = {
	{"phase", required_argument, NULL, OPT_PHASE},
	{"step", required_argument, NULL, OPT_STEP},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"yes", no_argument, NULL, OPT_YES},
	{"no-wait", no_argument, NULL, OPT_NO_WAIT},
	{"detach", no_argument, NULL, OPT_DETACH},
	{"follow", no_argument, NULL, OPT_FOLLOW},
	{"db", required_argument, NULL, OPT_DB},
	/* the common --set, but a plan's domain is one of its variables */
	{"set", required_argument, NULL, 's'},
	{NULL, 0, NULL, 0},
};

struct plan_opts {
	const char *phase, *step, *db;
	int dry_run, yes, no_wait, detach, follow;
	struct vars *set; /* where --set puts its variables: the common options' */
};

static int on_plan_option(void *arg, int c, const char *optarg)
{
	struct plan_opts *po = arg;
	switch (c) {
	case OPT_PHASE:
		po->phase = optarg;
		return 0;
	case OPT_STEP:
		po->step = optarg;
		return 0;
	case OPT_DRY_RUN:
		po->dry_run = 1;
		return 0;
	case OPT_YES:
		po->yes = 1;
		return 0;
	case OPT_NO_WAIT:
		po->no_wait = 1;
		return 0;
	case OPT_DETACH:
		po->detach = 1;
		return 0;
	case OPT_FOLLOW:
		po->follow = 1;
		return 0;
	case OPT_DB:
		po->db = optarg;
		return 0;
	case 's': {
		char err[1024];
		if (strncmp(optarg, "domain=", 7) == 0) {
			vars_set(po->set, "domain", optarg + 7);
			return 0;
		}
		if (vars_set_assignment(po->set, optarg, err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: --set: %s\n", err);
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* time */

static void iso_time(double t, char buf[32])
{
	if (t <= 0) {
		snprintf(buf, 32, "-");
		return;
	}
	report_utc((time_t)t, buf);
}

/* A duration as "2h3m", "4m10s", "12s". */
static const char *span(double secs, char buf[32])
{
	unsigned long s = secs < 0 ? 0 : (unsigned long)(secs + 0.5);
	if (s >= 86400)
		snprintf(buf, 32, "%lud%luh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, 32, "%luh%lum", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, 32, "%lum%lus", s / 60, s % 60);
	else
		snprintf(buf, 32, "%lus", s);
	return buf;
}

/* Who confirms: $USER, else the name of the real uid, else the uid. */
static const char *who(void)
{
	static char buf[32];
	const char *user = getenv("USER");
	struct passwd *pw;
	if (user && *user)
		return user;
	if ((pw = getpwuid(getuid())) && pw->pw_name)
		return pw->pw_name;
	snprintf(buf, sizeof(buf), "uid %ld", (long)getuid());
	return buf;
}

/* ------------------------------------------------------------------ */
/* where a plan keeps its files */

/* The plan's directory beside the database: plans/NAME-HASH, NAME made safe
 * for a file name and HASH (FNV-1a of name and file) telling apart two plans
 * of one name. Log files and the lock live there. */
static char *plan_files_dir(const struct store *db, const char *name, const char *file)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0) * 1099511628211ull;
	for (const char *p = file; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	struct strbuf sb = STRBUF_INIT;
	/* the database's real path: ./state.db and /srv/state.db are one
	 * plan directory, one lock and one step tag */
	char *real = realpath(store_path(db), NULL);
	const char *dbpath = real ? real : store_path(db), *slash = strrchr(dbpath, '/');
	if (slash)
		sb_add(&sb, dbpath, (size_t)(slash - dbpath + 1));
	free(real);
	sb_adds(&sb, "plans/");
	for (size_t i = 0; name[i] && i < 64; i++) {
		char c = name[i];
		sb_add(&sb, isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' ? &c : "_", 1);
	}
	sb_addf(&sb, "-%08llx", (unsigned long long)(h & 0xffffffffull));
	return sb_detach(&sb);
}

/* A step's log file: its id, hex-escaping what a file name should not hold. */
static char *step_log_path(const char *dir, const char *id)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s/step-", dir);
	for (const char *p = id; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')
			sb_add(&sb, p, 1);
		else
			sb_addf(&sb, "%%%02X", (unsigned char)*p);
	}
	sb_adds(&sb, ".log");
	return sb_detach(&sb);
}

/* Open a log for appending: created 0600, never through a symbolic link (a
 * runner as root must not append where someone else points it). Returns
 * the descriptor, or -1 with errno set. */
static int log_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

static FILE *log_open(const char *path)
{
	int fd = log_open_fd(path);
	FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!f && fd >= 0) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

static int make_dir(const char *path)
{
	char *copy = xstrdup(path);
	int ret = 0;
	for (char *p = copy + 1; *p && ret == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST)
			ret = -1;
		*p = '/';
	}
	if (ret == 0 && mkdir(copy, 0700) != 0 && errno != EEXIST)
		ret = -1;
	free(copy);
	return ret;
}

/* The pid of the runner holding the plan's lock, 0 when none. A POSIX
 * record lock: the kernel drops it when its holder dies, SIGKILL included,
 * and F_GETLK names the holder without taking the lock. */
static pid_t lock_holder(const char *dir)
{
	char *path = xasprintf("%s/lock", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	pid_t pid = 0;
	free(path);
	if (fd < 0)
		return 0;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		pid = fl.l_pid > 0 ? fl.l_pid : -1;
	close(fd);
	return pid;
}

/* Take the plan's lock for this process. Returns the descriptor (kept open
 * for the life of the runner: closing any descriptor of the file would drop
 * a POSIX lock), or -1 with why in err. */
static int lock_take(const char *dir, char *err, size_t errlen)
{
	char *path = xasprintf("%s/lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
			snprintf(err, errlen, "the plan is already being run by pid %ld", (long)q.l_pid);
		else
			snprintf(err, errlen, "cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

/* ------------------------------------------------------------------ */
/* the plan and its record */

/* Everything a subcommand opens: the plan, its key in the database, the
 * recorded state, its directory. */
struct planctx {
	struct plan *plan;
	char *abspath;
	struct store *db;
	long long key;
	char *dir;
	struct store_plan_state st;
};

static void planctx_release(struct planctx *pc)
{
	store_plan_state_release(&pc->st);
	store_close(pc->db);
	plan_free(pc->plan);
	free(pc->abspath);
	free(pc->dir);
	memset(pc, 0, sizeof(*pc));
}

/* Load the plan (printing its file:line:col error), open the database and
 * read the plan's state. Returns 0, or -1 after printing why. */
static int planctx_open(struct planctx *pc, const char *file, const struct vars *vars, const char *db)
{
	char err[2048];
	if (plan_load(file, vars, &pc->plan, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		return -1;
	}
	pc->abspath = realpath(file, NULL);
	if (!pc->abspath) {
		fprintf(stderr, "cutover: cannot resolve '%s': %s\n", file, strerror(errno));
		return -1;
	}
	if (store_open(db, &pc->db, err, sizeof(err)) != 0 ||
	    store_plan_id(pc->db, pc->plan->name, pc->abspath, &pc->key, err, sizeof(err)) != 0 ||
	    store_plan_state(pc->db, pc->key, STORE_GATES_SUMMARY, &pc->st, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		return -1;
	}
	pc->dir = plan_files_dir(pc->db, pc->plan->name, pc->abspath);
	if (make_dir(pc->dir) != 0) {
		fprintf(stderr, "cutover: cannot create '%s': %s\n", pc->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static struct store_plan_step *rec_step(struct store_plan_state *st, const char *id)
{
	for (size_t i = 0; i < st->n_steps; i++)
		if (strcmp(st->steps[i].step, id) == 0)
			return &st->steps[i];
	return NULL;
}

static struct store_plan_phase *rec_phase(struct store_plan_state *st, const char *id)
{
	for (size_t i = 0; i < st->n_phases; i++)
		if (strcmp(st->phases[i].phase, id) == 0)
			return &st->phases[i];
	return NULL;
}

static const char *step_status(struct store_plan_state *st, const char *id)
{
	struct store_plan_step *s = rec_step(st, id);
	return s ? s->status : "pending";
}

static const char *phase_status(struct store_plan_state *st, const char *id)
{
	struct store_plan_phase *p = rec_phase(st, id);
	return p ? p->status : "pending";
}

static int step_finished(const char *status)
{
	return strcmp(status, "done") == 0 || strcmp(status, "confirmed") == 0;
}

/* ------------------------------------------------------------------ */
/* the runner */

struct runner;

/* A step's command running: its process group, its output pipe, its log. */
struct child {
	struct runner *r;
	const struct plan_step *step;
	pid_t pid;
	int pipe_fd;
	struct loop_io *io;
	struct loop_child *watch;
	struct loop_timer *timeout, *grace;
	FILE *log;
	struct strbuf carry; /* output read, not yet masked (it may begin a secret) */
	struct strbuf line;  /* masked output of an unfinished line */
	int exited, status, timed_out, eof;
	int stopping;	  /* the runner was stopped: SIGTERM sent, SIGKILL to follow */
	unsigned attempt; /* of this run, from 1 */
};

struct runner {
	struct planctx pc;
	struct plan_opts po;
	struct session *s;
	struct http_client *http;
	struct notifier *notifier;
	FILE *log; /* plan.log */
	int lock_fd;
	int attached; /* events and output go to standard output too */
	int tty;      /* a person can answer at a prompt */
	int detached;
	size_t phase_i, step_i;
	size_t only; /* --phase: its index + 1; 0: all */
	struct child *child;
	unsigned attempt; /* of the current step, in this run */
	struct audit *audit;
	struct loop_timer *timer; /* the next gate check, the end of a hold, a poll */
	struct loop_io *prompt;
	struct strbuf answer;
	void (*on_answer)(struct runner *r, const char *line);
	struct loop_signal *sigint, *sigterm, *sighup;
	int finished, rc;
	int advancing; /* an advance() is deferred */
	/* for the progress line: the findings of the last gate check, and
	 * how many of them warn or worse */
	size_t gate_findings, gate_problems;
	char progress_doing[128];
};

static void advance_later(struct runner *r);

/* An event: to plan.log with the time, and to standard output when a person
 * is watching. Secrets are masked: a message may quote a webhook's URL, a
 * directory, a finding. */
static void say(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct runner *r, const char *fmt, ...)
{
	va_list ap;
	char now[32];
	va_start(ap, fmt);
	char *raw = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = plan_mask(r->pc.plan, raw, strlen(raw));
	free(raw);
	iso_time(loop_wall_time(), now);
	if (r->log) {
		fprintf(r->log, "%s %s\n", now, msg);
		fflush(r->log);
	}
	if (r->attached) {
		printf("%s\n", msg);
		fflush(stdout);
	}
	free(msg);
}

static void finish(struct runner *r, int rc)
{
	if (r->finished)
		return;
	r->finished = 1;
	r->rc = rc;
}

/* A write to the database failed: nothing can be trusted after it. */
static void db_failed(struct runner *r, const char *err)
{
	fprintf(stderr, "cutover: %s\n", err);
	say(r, "stopped: the state database failed: %s", err);
	finish(r, EXIT_USAGE);
}

static void set_str(char **field, const char *value)
{
	char *copy = value ? xstrdup(value) : NULL;
	free(*field);
	*field = copy;
}

static struct store_plan_step *step_rec(struct runner *r, const struct plan_step *s, const char *phase)
{
	struct store_plan_step *rec = rec_step(&r->pc.st, s->id);
	if (rec) {
		if (strcmp(rec->phase, phase) != 0) /* the plan moved it */
			set_str(&rec->phase, phase);
		return rec;
	}
	struct store_plan_state *st = &r->pc.st;
	st->steps = xrealloc(st->steps, (st->n_steps + 1) * sizeof(*st->steps));
	rec = &st->steps[st->n_steps++];
	memset(rec, 0, sizeof(*rec));
	rec->phase = xstrdup(phase);
	rec->step = xstrdup(s->id);
	rec->status = xstrdup("pending");
	rec->exit_status = -1;
	return rec;
}

static struct store_plan_phase *phase_rec(struct runner *r, const struct plan_phase *ph)
{
	struct store_plan_phase *rec = rec_phase(&r->pc.st, ph->id);
	if (rec)
		return rec;
	struct store_plan_state *st = &r->pc.st;
	st->phases = xrealloc(st->phases, (st->n_phases + 1) * sizeof(*st->phases));
	rec = &st->phases[st->n_phases++];
	memset(rec, 0, sizeof(*rec));
	rec->phase = xstrdup(ph->id);
	rec->status = xstrdup("pending");
	return rec;
}

static int step_save(struct runner *r, struct store_plan_step *rec)
{
	char err[1024];
	if (store_plan_step_put(r->pc.db, r->pc.key, rec, err, sizeof(err)) != 0) {
		db_failed(r, err);
		return -1;
	}
	return 0;
}

static int phase_save(struct runner *r, struct store_plan_phase *rec)
{
	char err[1024];
	if (store_plan_phase_put(r->pc.db, r->pc.key, rec, err, sizeof(err)) != 0) {
		db_failed(r, err);
		return -1;
	}
	return 0;
}

/* --- webhooks ---------------------------------------------------------- */

static void on_notified(void *arg, const char *url, long status, const char *error)
{
	struct runner *r = arg;
	(void)status;
	if (error)
		say(r, "webhook %s failed: %s", url, error);
}

/* Tell the plan's webhooks: status is "done" (a phase), "complete" (the
 * plan), "failed" or "waiting". */
static void notify(struct runner *r, const char *status, const char *phase, const char *step,
		   const char *message)
{
	if (!r->notifier)
		return;
	char *masked = plan_mask(r->pc.plan, message, strlen(message));
	const struct notify_var v[] = {
		{"status", status},	    {"message", masked},
		{"plan", r->pc.plan->name}, {"phase", phase ? phase : ""},
		{"step", step ? step : ""},
	};
	for (size_t i = 0; i < r->pc.plan->n_notify; i++) {
		char err[512];
		if (notify_send(r->notifier, r->pc.plan->notify[i], v, ARRAY_SIZE(v), NULL, on_notified, r,
				err, sizeof(err)) != 0)
			say(r, "webhook not sent: %s", err);
	}
	free(masked);
}

/* --- the prompt -------------------------------------------------------- */

static void prompt_stop(struct runner *r)
{
	loop_io_free(r->prompt);
	r->prompt = NULL;
	sb_reset(&r->answer);
}

static void on_prompt_input(void *arg, int fd, unsigned what)
{
	struct runner *r = arg;
	char buf[256];
	(void)what;
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* end of input: no answer will come */
		prompt_stop(r);
		r->on_answer(r, NULL);
		return;
	}
	sb_add(&r->answer, buf, (size_t)n);
	char *nl = memchr(r->answer.buf, '\n', r->answer.len);
	if (!nl || r->answer.len > 4096) {
		if (r->answer.len > 4096)
			sb_reset(&r->answer);
		return;
	}
	*nl = '\0';
	char *line = xstrdup(r->answer.buf);
	prompt_stop(r);
	char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	for (char *e = p + strlen(p); e > p && isspace((unsigned char)e[-1]);)
		*--e = '\0';
	r->on_answer(r, p);
	free(line);
}

/* Ask a person; on_answer runs with the line typed (trimmed), or NULL at the
 * end of input. */
static void prompt_ask(struct runner *r, const char *question,
		       void (*on_answer)(struct runner *, const char *))
{
	printf("%s", question);
	fflush(stdout);
	r->on_answer = on_answer;
	r->prompt = loop_io_new(r->s->loop, STDIN_FILENO, LOOP_READ, on_prompt_input, r);
	if (!r->prompt) {
		fprintf(stderr, "cutover: cannot read the terminal: %s\n", strerror(errno));
		on_answer(r, NULL);
	}
}

static int answer_is(const char *line, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (strcasecmp(line, words[i]) == 0)
			return 1;
	return 0;
}

/* --- steps -------------------------------------------------------------- */

static const struct plan_phase *cur_phase(struct runner *r)
{
	return &r->pc.plan->phases[r->phase_i];
}

static const struct plan_step *cur_step(struct runner *r)
{
	return &cur_phase(r)->steps[r->step_i];
}

/* One line a step printed (masked), to the plan's log and the terminal,
 * marked with the step. */
static void output_line(struct child *c, const char *line, size_t n)
{
	struct runner *r = c->r;
	if (r->log) {
		fprintf(r->log, "  %s | ", c->step->id);
		fwrite(line, 1, n, r->log);
		fputc('\n', r->log);
	}
	if (r->attached) {
		fputs("  | ", stdout);
		fwrite(line, 1, n, stdout);
		fputc('\n', stdout);
	}
}

/* Write out what a step printed, masked: all of it to the step's log, and
 * line by line to the plan's log and the terminal. The masking holds back
 * the bytes that could begin a secret (plan_mask_stream), and a line is
 * held until it ends, or until it is 64 KiB long; final: the output has
 * ended, nothing is held. */
static void child_output(struct child *c, int final)
{
	struct runner *r = c->r;
	struct strbuf *cb = &c->carry, *lb = &c->line;
	size_t used = 0, mlen = 0;
	char *masked = plan_mask_stream(r->pc.plan, cb->buf ? cb->buf : "", cb->len, final, &used, &mlen);
	if (used) {
		memmove(cb->buf, cb->buf + used, cb->len - used);
		cb->len -= used;
		cb->buf[cb->len] = '\0';
	}
	if (c->log && mlen) {
		fwrite(masked, 1, mlen, c->log);
		fflush(c->log);
	}
	sb_add(lb, masked, mlen);
	free(masked);
	size_t start = 0;
	for (size_t i = 0; i < lb->len; i++)
		if (lb->buf[i] == '\n' || i - start >= 65536) {
			output_line(c, lb->buf + start, i - start);
			start = i + (lb->buf[i] == '\n');
		}
	if (final && start < lb->len) {
		output_line(c, lb->buf + start, lb->len - start);
		start = lb->len;
	}
	if (start) {
		memmove(lb->buf, lb->buf + start, lb->len - start);
		lb->len -= start;
		lb->buf[lb->len] = '\0';
	}
	if (r->log)
		fflush(r->log);
	if (r->attached)
		fflush(stdout);
}

static void child_free(struct child *c)
{
	if (!c)
		return;
	loop_io_free(c->io);
	loop_child_free(c->watch);
	loop_timer_free(c->timeout);
	loop_timer_free(c->grace);
	if (c->pipe_fd >= 0)
		close(c->pipe_fd);
	if (c->log)
		fclose(c->log);
	sb_release(&c->carry);
	sb_release(&c->line);
	free(c);
}

static void step_failed(struct runner *r, const char *why);
static void start_step(struct runner *r);

/* The command has exited and its output is in: record the outcome. */
static void child_done(struct child *c)
{
	struct runner *r = c->r;
	const struct plan_step *s = c->step;
	struct store_plan_step *rec = step_rec(r, s, cur_phase(r)->id);
	char why[256], d[32];
	int code;

	child_output(c, 1);
	/* Stopped by a timeout or a signal: the shell has gone, but what it
	 * left behind may ignore SIGTERM; it must not outlive the step (and
	 * run on beside its retry, or after the runner). */
	if (c->timed_out || c->stopping)
		kill(-c->pid, SIGKILL);
	if (WIFEXITED(c->status))
		code = WEXITSTATUS(c->status);
	else
		code = 128 + WTERMSIG(c->status);
	if (c->timed_out)
		snprintf(why, sizeof(why), "timed out after %s", span((double)s->timeout, d));
	else if (WIFSIGNALED(c->status))
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(c->status));
	else
		snprintf(why, sizeof(why), "exit status %d", code);
	unsigned attempt = c->attempt;
	int timed_out = c->timed_out;
	r->child = NULL;
	child_free(c);

	rec->ended = loop_wall_time();
	rec->exit_status = code;
	rec->pid = 0;
	if (code == 0 && !timed_out) {
		set_str(&rec->status, "done");
		set_str(&rec->note, NULL);
		if (step_save(r, rec) == 0)
			say(r, "step %s: done in %s", s->id, span(rec->ended - rec->started, d));
		advance_later(r);
		return;
	}
	if (r->finished) { /* interrupted: SIGINT or SIGTERM stopped it */
		set_str(&rec->status, "interrupted");
		set_str(&rec->note, "the runner was stopped while it ran");
		step_save(r, rec);
		say(r, "step %s: interrupted (%s)", s->id, why);
		return;
	}
	if (attempt <= s->retries) {
		set_str(&rec->status, "failed");
		set_str(&rec->note, why);
		if (step_save(r, rec) == 0) {
			say(r, "step %s: %s; trying again (%u of %u retries)", s->id, why, attempt,
			    s->retries);
			start_step(r);
		}
		return;
	}
	step_failed(r, why);
}

static void step_failed(struct runner *r, const char *raw_why)
{
	const struct plan_step *s = cur_step(r);
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_step *rec = step_rec(r, s, ph->id);
	struct store_plan_phase *prec = phase_rec(r, ph);
	/* why may quote the step's cwd: the database keeps no secret */
	char *why = plan_mask(r->pc.plan, raw_why, strlen(raw_why));
	set_str(&rec->status, "failed");
	set_str(&rec->note, why);
	if (step_save(r, rec) != 0) {
		free(why);
		return;
	}
	set_str(&prec->status, "failed");
	char *note = xasprintf("step %s failed: %s", s->id, why);
	set_str(&prec->note, note);
	if (phase_save(r, prec) == 0) {
		say(r, "step %s: FAILED (%s); see `cutover plan log %s %s`", s->id, why, r->pc.plan->file,
		    s->id);
		notify(r, "failed", ph->id, s->id, note);
	}
	free(note);
	free(why);
	finish(r, EXIT_FAILED);
}

static void child_maybe_done(struct child *c)
{
	if (c->exited && c->eof)
		child_done(c);
}

static void on_child_output(void *arg, int fd, unsigned what)
{
	struct child *c = arg;
	char buf[16384];
	(void)what;
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		sb_add(&c->carry, buf, (size_t)n);
		child_output(c, 0);
		return;
	}
	loop_io_free(c->io);
	c->io = NULL;
	close(c->pipe_fd);
	c->pipe_fd = -1;
	c->eof = 1;
	child_maybe_done(c);
}

static void on_pipe_grace(void *arg)
{
	struct child *c = arg;
	/* A process the command left in the background holds the pipe: judge
	 * the step by its shell and stop reading. */
	if (c->eof)
		return;
	c->eof = 1;
	child_maybe_done(c);
}

static void on_child_exit(void *arg, pid_t pid, int status)
{
	struct child *c = arg;
	(void)pid;
	c->watch = NULL; /* freed by the loop */
	c->exited = 1;
	c->status = status;
	loop_timer_stop(c->timeout);
	if (!c->eof)
		loop_timer_start(c->grace, PIPE_GRACE_US);
	child_maybe_done(c);
}

static void on_child_timeout(void *arg)
{
	struct child *c = arg;
	if (c->exited)
		return;
	if (!c->timed_out && !c->stopping) {
		c->timed_out = 1;
		say(c->r, "step %s: timed out; stopping its processes", c->step->id);
		kill(-c->pid, SIGTERM);
		loop_timer_start(c->timeout, KILL_GRACE_US);
	} else {
		kill(-c->pid, SIGKILL);
	}
}

/* Stop a step's processes because the runner is stopped: SIGTERM to its
 * group, then SIGKILL after a grace, or at once when asked again (a second
 * Ctrl-C). */
static void child_stop(struct child *c)
{
	if (c->exited)
		return;
	if (c->stopping) {
		kill(-c->pid, SIGKILL);
		return;
	}
	c->stopping = 1;
	kill(-c->pid, SIGTERM);
	loop_timer_start(c->timeout, KILL_GRACE_US);
}

/* The environment of a step: ours, the step's env:, and CUTOVER_PLAN_STEP,
 * which marks its processes as this plan's (see leftover_kill()). */
static char **step_environ(struct runner *r, const struct plan_step *s, const char *tag)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + s->n_env + 2, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "CUTOVER_PLAN_STEP=", 18) == 0)
			continue;
		int replaced = 0;
		for (size_t j = 0; j < s->n_env; j++) {
			size_t nl = strcspn(s->env[j], "=");
			if (strncmp(environ[i], s->env[j], nl) == 0 && environ[i][nl] == '=')
				replaced = 1;
		}
		if (!replaced)
			env[k++] = xstrdup(environ[i]);
	}
	for (size_t j = 0; j < s->n_env; j++)
		env[k++] = plan_text(r->pc.plan, s->env[j], 0);
	env[k++] = xasprintf("CUTOVER_PLAN_STEP=%s", tag);
	env[k] = NULL;
	return env;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* What marks the processes of a step: the plan's directory (which the
 * database's place, the plan's name and file decide: a plan's key alone is
 * the same in two databases) and the step's id. */
static char *step_tag(const char *plan_dir, const char *id)
{
	return xasprintf("%s/%s", plan_dir, id);
}

/* The directory a step runs in: its cwd: (relative to the plan's directory)
 * or the plan's directory. */
static char *step_cwd(struct runner *r, const struct plan_step *s)
{
	if (!s->cwd)
		return xstrdup(r->pc.plan->dir);
	char *cwd = plan_text(r->pc.plan, s->cwd, 0);
	if (cwd[0] == '/')
		return cwd;
	char *abs = xasprintf("%s/%s", r->pc.plan->dir, cwd);
	free(cwd);
	return abs;
}

static void start_step(struct runner *r)
{
	const struct plan_step *s = cur_step(r);
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_step *rec = step_rec(r, s, ph->id);
	char *cmd = NULL, *shown = NULL, *cwd = NULL, *tag = NULL, *logpath = NULL;
	char **env = NULL;
	int pfd[2] = {-1, -1}, spawned = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct child *c = xcalloc(1, sizeof(*c));
	char now[32];

	c->r = r;
	c->step = s;
	c->pipe_fd = -1;
	c->attempt = ++r->attempt;

	cmd = plan_command(r->pc.plan, s, 0);
	shown = plan_command(r->pc.plan, s, 1);
	cwd = step_cwd(r, s);
	tag = step_tag(r->pc.dir, s->id);
	env = step_environ(r, s, tag);
	logpath = step_log_path(r->pc.dir, s->id);

	/* the record first: killed from here on, the step counts as
	 * interrupted, never as not started */
	set_str(&rec->status, "running");
	set_str(&rec->note, NULL);
	rec->attempts++;
	rec->started = loop_wall_time();
	rec->ended = 0;
	rec->exit_status = -1;
	rec->pid = 0;
	if (step_save(r, rec) != 0)
		goto out;

	c->log = log_open(logpath);
	if (!c->log) {
		say(r, "step %s: cannot open its log '%s': %s", s->id, logpath, strerror(errno));
	} else {
		iso_time(rec->started, now);
		fprintf(c->log, "# %s attempt %u: %s\n", now, rec->attempts, shown);
		fflush(c->log);
	}
	say(r, "step %s: running (attempt %u): %s", s->id, rec->attempts, shown);

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		char *why = xasprintf("cannot make a pipe: %s", strerror(errno));
		step_failed(r, why);
		free(why);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	sigset_t def, none;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGQUIT);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, &none);
	/* its own session, so its own process group: a timeout or a stop
	 * reaches all it started; and no terminal, attached or not: what
	 * would ask on one (ssh, sudo) fails at once, where a background
	 * process group of the runner's session was stopped (SIGTTIN) and
	 * hung, shown as running */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	char *argv[] = {"sh", "-c", cmd, NULL};
	int err = posix_spawn(&c->pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pfd[1]);
	pfd[1] = -1;
	if (err != 0) {
		char *why = xasprintf("cannot start /bin/sh in '%s': %s", cwd, strerror(err));
		step_failed(r, why);
		free(why);
		goto out;
	}
	spawned = 1;
	c->pipe_fd = pfd[0];
	pfd[0] = -1;
	fcntl(c->pipe_fd, F_SETFL, fcntl(c->pipe_fd, F_GETFL) | O_NONBLOCK);
	c->io = loop_io_new(r->s->loop, c->pipe_fd, LOOP_READ, on_child_output, c);
	c->watch = loop_child_new(r->s->loop, c->pid, on_child_exit, c);
	c->timeout = loop_timer_new(r->s->loop, on_child_timeout, c);
	c->grace = loop_timer_new(r->s->loop, on_pipe_grace, c);
	if (!c->io || !c->watch || !c->timeout || !c->grace) {
		fprintf(stderr, "cutover: cannot watch the step's process: %s\n", strerror(errno));
		kill(-c->pid, SIGKILL);
		finish(r, EXIT_USAGE);
		goto out;
	}
	if (s->timeout)
		loop_timer_start(c->timeout, (uint64_t)s->timeout * 1000000ull);
	rec->pid = c->pid;
	step_save(r, rec);
	r->child = c;
	c = NULL;
out:
	if (c && spawned && !c->watch)
		waitpid(c->pid, NULL, 0);
	child_free(c);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	strv_free(env);
	free(cmd);
	free(shown);
	free(cwd);
	free(tag);
	free(logpath);
}

/* What a runner that died left running of a step: the process group of a
 * live process that carries the step's tag in its environment, in group
 * pgid or, when pgid is 0 (the runner died before it recorded the group),
 * in any group but ours. Read from /proc: the group's leader may be gone
 * while what it started lives on. stop: send each such group SIGKILL.
 * Returns the group found (the last of them), 0 when none. */
static pid_t leftovers(pid_t pgid, const char *tag, int stop)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;
	if (!d)
		return 0;
	char *want = xasprintf("CUTOVER_PLAN_STEP=%s", tag);
	while ((de = readdir(d))) {
		char path[300], buf[4096];
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* "pid (comm) state ppid pgrp ...": comm may hold spaces and
		 * ')', so fields are counted from the last ')'; a zombie (Z)
		 * has ended, its parent has yet to reap it */
		char *p = strrchr(buf, ')'), *end;
		if (!p || p[1] != ' ' || p[2] == 'Z' || !(p = strchr(p + 2, ' ')) ||
		    !(p = strchr(p + 1, ' ')))
			continue;
		long pgrp = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ' ' || pgrp <= 0 || (pgid ? pgrp != pgid : pgrp == getpgrp()))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/environ", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		struct strbuf env = STRBUF_INIT;
		int tagged = 0;
		sb_read_file(&env, f, 1 << 20);
		fclose(f);
		for (size_t off = 0; off < env.len; off += strlen(env.buf + off) + 1)
			if (strcmp(env.buf + off, want) == 0)
				tagged = 1;
		sb_release(&env);
		if (!tagged)
			continue;
		found = (pid_t)pgrp;
		if (stop)
			kill(-found, SIGKILL);
	}
	closedir(d);
	free(want);
	return found;
}

/* A step recorded as running when this runner started: the runner that ran
 * it died. What it started may still run: stop it, then call it
 * interrupted. */
static void mark_interrupted(struct runner *r, struct store_plan_step *rec, const struct plan_step *s)
{
	char *tag = step_tag(r->pc.dir, s->id);
	pid_t group = leftovers((pid_t)rec->pid, tag, 1);
	if (group)
		say(r,
		    "step %s: its processes (group %ld) outlived the runner that started them; stopped them",
		    s->id, (long)group);
	free(tag);
	set_str(&rec->status, "interrupted");
	set_str(&rec->note, "the runner stopped while it ran");
	rec->pid = 0;
	step_save(r, rec);
}

/* --- manual and interrupted steps ------------------------------------- */

static void confirm_step(struct runner *r, const char *how)
{
	const struct plan_step *s = cur_step(r);
	struct store_plan_step *rec = step_rec(r, s, cur_phase(r)->id);
	set_str(&rec->status, "confirmed");
	set_str(&rec->note, how);
	rec->ended = loop_wall_time();
	if (step_save(r, rec) == 0)
		say(r, "step %s: confirmed (%s)", s->id, how);
	advance_later(r);
}

static void stop_waiting(struct runner *r, const char *what)
{
	const struct plan_step *s = cur_step(r);
	say(r, "waiting: %s", what);
	say(r, "when it is done: cutover plan confirm %s %s, then cutover plan run %s", r->pc.plan->file,
	    s->id, r->pc.plan->file);
	finish(r, EXIT_WAITING);
}

static void on_manual_answer(struct runner *r, const char *line)
{
	static const char *const yes[] = {"done", "y", "yes", NULL};
	static const char *const quit[] = {"q", "quit", "n", "no", NULL};
	if (line && answer_is(line, yes)) {
		char *how = xasprintf("confirmed at the prompt by %s", who());
		confirm_step(r, how);
		free(how);
		return;
	}
	if (!line || answer_is(line, quit)) {
		stop_waiting(r, "a manual step awaits confirmation");
		return;
	}
	prompt_ask(r, "type 'done' when it is done, or 'q' to stop here: ", on_manual_answer);
}

static void on_poll(void *arg);

/* A manual step: ask, or say how to confirm. */
static void manual_step(struct runner *r)
{
	const struct plan_step *s = cur_step(r);
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_step *rec = step_rec(r, s, ph->id);
	char *text = plan_text(r->pc.plan, s->text, 1);
	if (strcmp(rec->status, "waiting") != 0) {
		set_str(&rec->status, "waiting");
		rec->started = loop_wall_time();
		rec->attempts++;
		if (step_save(r, rec) != 0)
			goto out;
		notify(r, "waiting", ph->id, s->id, text);
	}
	say(r, "step %s (manual): %s", s->id, text);
	if (r->po.yes) {
		confirm_step(r, "confirmed by --yes");
	} else if (r->tty) {
		prompt_ask(r, "type 'done' when it is done, or 'q' to stop here: ", on_manual_answer);
	} else if (r->detached && !r->po.no_wait) {
		say(r, "waiting for: cutover plan confirm %s %s", r->pc.plan->file, s->id);
		loop_timer_start(r->timer, POLL_US);
	} else {
		stop_waiting(r, "a manual step awaits confirmation");
	}
out:
	free(text);
}

static void on_interrupted_answer(struct runner *r, const char *line)
{
	static const char *const again[] = {"r", "run", "again", NULL};
	static const char *const done[] = {"done", "c", "confirm", NULL};
	if (line && answer_is(line, again)) {
		start_step(r);
		return;
	}
	if (line && answer_is(line, done)) {
		confirm_step(r, "an interrupted step confirmed as done at the prompt");
		return;
	}
	if (!line || strcasecmp(line, "q") == 0) {
		stop_waiting(r, "an interrupted step must be looked at");
		return;
	}
	prompt_ask(r, "type 'run' to run it again, 'done' if it finished, 'q' to stop here: ",
		   on_interrupted_answer);
}

/* A step the record says was interrupted: run it again when it may be,
 * else ask. */
static void interrupted_step(struct runner *r)
{
	const struct plan_step *s = cur_step(r);
	if (s->kind == PLAN_STEP_MANUAL) {
		/* a run: step made manual: since: to be confirmed, its
		 * instructions are not a command to run again */
		manual_step(r);
		return;
	}
	if (s->idempotent || r->po.yes) {
		say(r, "step %s was interrupted; running it again (%s)", s->id,
		    s->idempotent ? "it is idempotent" : "--yes");
		start_step(r);
		return;
	}
	say(r,
	    "step %s was interrupted while it ran and is not marked idempotent: what it did may be half done",
	    s->id);
	if (r->tty) {
		prompt_ask(r, "type 'run' to run it again, 'done' if it finished, 'q' to stop here: ",
			   on_interrupted_answer);
		return;
	}
	say(r,
	    "waiting: check what it did, then either cutover plan confirm %s %s (it finished) or cutover "
	    "plan "
	    "reset --step %s %s (run it again)",
	    r->pc.plan->file, s->id, s->id, r->pc.plan->file);
	finish(r, EXIT_WAITING);
}

/* --- gates ------------------------------------------------------------- */

static void start_gate(struct runner *r);

/* The TTLs a gate's findings show: "NAME TYPE" and the TTL, from ttl.ok
 * (the highest) and ttl.too-high (one per server: the highest is kept).
 * A fixed finding is the baseline's, not seen now. */
static size_t gate_ttls(const struct audit_result *res, const char ***subjects, long **ttls)
{
	size_t n = 0;
	*subjects = xcalloc(res->n + 1, sizeof(**subjects));
	*ttls = xcalloc(res->n + 1, sizeof(**ttls));
	for (size_t i = 0; i < res->n; i++) {
		const struct finding *f = &res->findings[i];
		unsigned long v;
		if (!f->subject || !f->actual || !f->code || f->baseline == MARK_FIXED ||
		    (strcmp(f->code, "ttl.ok") != 0 && strcmp(f->code, "ttl.too-high") != 0) ||
		    parse_ulong(f->actual, 0, 0x7fffffff, &v) != 0)
			continue;
		size_t j = 0;
		while (j < n && strcmp((*subjects)[j], f->subject) != 0)
			j++;
		if (j == n) {
			(*subjects)[n] = f->subject;
			(*ttls)[n++] = (long)v;
		} else if ((long)v > (*ttls)[j]) {
			(*ttls)[j] = (long)v;
		}
	}
	return n;
}

/* The current phase failed (its gate, its hold): record it, say it, tell
 * the webhooks and stop the run. */
static void phase_failed(struct runner *r, const char *note)
{
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_phase *prec = phase_rec(r, ph);
	set_str(&prec->status, "failed");
	set_str(&prec->note, note);
	prec->gate_since = 0;
	if (phase_save(r, prec) == 0) {
		say(r, "phase %s: FAILED: %s", ph->id, note);
		notify(r, "failed", ph->id, NULL, note);
	}
	finish(r, EXIT_FAILED);
}

/* When hold: ttl-drain lets the next phase start: for each name the gate
 * saw, the lowering's time plus the largest TTL seen before it. Returns
 * the time (0: nothing to wait for), or -1 after failing the phase. */
static double hold_until(struct runner *r, const char *const *subjects, size_t n)
{
	double until = 0;
	char err[1024], d[32];
	if (n == 0) {
		/* the phase's, not a step's: the steps are behind (or none) */
		phase_failed(r, "hold: ttl-drain: the gate saw no TTL (it needs a ttl check)");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		long before;
		double at;
		int rc =
			store_plan_lowering(r->pc.db, r->pc.key, subjects[i], &before, &at, err, sizeof(err));
		if (rc < 0) {
			db_failed(r, err);
			return -1;
		}
		if (rc == 0) {
			say(r,
			    "hold: %s was never seen with a TTL above %ld: no lowering on record, nothing to "
			    "drain for it (if it was lowered before this plan first looked, wait out the old "
			    "TTL yourself)",
			    subjects[i], before);
			continue;
		}
		say(r, "hold: %s had TTL %ld before the lowering first seen at %s ago", subjects[i], before,
		    span(loop_wall_time() - at, d));
		if (at + (double)before > until)
			until = at + (double)before;
	}
	return until;
}

static void phase_done(struct runner *r)
{
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_phase *prec = phase_rec(r, ph);
	char d[32];
	set_str(&prec->status, "done");
	set_str(&prec->note, NULL);
	prec->ended = loop_wall_time();
	if (phase_save(r, prec) != 0)
		return;
	char *msg = xasprintf("phase %s done in %s", ph->id, span(prec->ended - prec->started, d));
	say(r, "%s", msg);
	notify(r, "done", ph->id, NULL, msg);
	free(msg);
	advance_later(r);
}

static void hold_check(struct runner *r)
{
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_phase *prec = phase_rec(r, ph);
	double now = loop_wall_time(), left = prec->hold_until - now;
	char d[32], at[32];
	if (left <= 0) {
		phase_done(r);
		return;
	}
	iso_time(prec->hold_until, at);
	say(r, "hold: ttl-drain until %s (%s from now)", at, span(left, d));
	if (r->po.no_wait) {
		finish(r, EXIT_WAITING);
		return;
	}
	loop_timer_start(r->timer, (uint64_t)(left * 1e6) + 1000);
}

/* Whether f fails gate g: error, or at or above its fail_on; with a
 * baseline, only when f is new since it. */
static int gate_fails(const struct plan_gate *g, const struct finding *f)
{
	if (g->baseline && f->baseline != MARK_NEW)
		return 0;
	return f->status == STATUS_ERROR || f->status >= (enum status)g->fail_on;
}

/* "on DOMAIN, passed: 3 ok" -- the domain as it was checked, since a later
 * `plan status` may load the plan with other --set values; with a baseline,
 * what it absorbed: "; baseline: 0 new problems, 2 absorbed (unchanged), 1
 * fixed". Not passed: the first of the worst findings that fail it. */
static char *gate_summary(const struct plan_gate *g, const struct audit_result *res, int passed)
{
	size_t counts[STATUS_COUNT] = {0}, failing = 0, absorbed = 0, fixed = 0;
	const struct finding *named = NULL;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < res->n; i++) {
		const struct finding *f = &res->findings[i];
		counts[f->status]++;
		if (gate_fails(g, f)) {
			failing++;
			if (!named || status_merge(named->status, f->status) != named->status)
				named = f;
		} else if (f->baseline == MARK_UNCHANGED &&
			   (f->status == STATUS_ERROR || f->status >= (enum status)g->fail_on)) {
			absorbed++;
		} else if (f->baseline == MARK_FIXED) {
			fixed++;
		}
	}
	sb_addf(&sb, "on %s, %s:", g->domain, passed ? "passed" : "not passed");
	static const enum status order[] = {STATUS_FAIL, STATUS_ERROR, STATUS_WARN, STATUS_INFO, STATUS_OK};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (counts[order[i]])
			sb_addf(&sb, " %zu %s", counts[order[i]], status_name(order[i]));
	if (res->n == 0)
		sb_adds(&sb, " no findings");
	if (g->baseline)
		sb_addf(&sb, "; baseline: %zu new problem%s, %zu absorbed (unchanged), %zu fixed", failing,
			failing == 1 ? "" : "s", absorbed, fixed);
	if (!passed && named)
		sb_addf(&sb, "; %s: %s", named->code, report_finding_message(named));
	return sb_detach(&sb);
}

/* A finding as the JSON of reports, with secrets masked in its texts (a
 * check may quote a value of the plan's variables). */
static json_t *finding_json(const struct plan *p, const struct finding *f)
{
	json_t *o = report_json_finding(f), *v;
	const char *key;
	json_object_foreach(o, key, v)
	{
		if (!json_is_string(v))
			continue;
		char *masked = plan_mask(p, json_string_value(v), json_string_length(v));
		json_string_set(v, masked);
		free(masked);
	}
	return o;
}

static void on_gate_done(void *arg, struct audit_result *res)
{
	struct runner *r = arg;
	const struct plan_phase *ph = cur_phase(r);
	const struct plan_gate *g = ph->gate;
	struct store_plan_phase *prec = phase_rec(r, ph);
	enum status worst = STATUS_OK;
	int passed = 1;
	char err[1024], d[32];

	r->audit = NULL;
	if (r->finished) { /* stopped meanwhile: this check is not recorded */
		audit_result_free(res);
		return;
	}
	if (g->baseline) {
		/* read now: an earlier step may have written it */
		struct baseline *bl = NULL;
		if (baseline_load(g->baseline, &bl, err, sizeof(err)) != 0) {
			char *note = xasprintf("%s:%d:%d: baseline: %s", r->pc.plan->file, g->baseline_line,
					       g->baseline_col, err);
			phase_failed(r, note);
			free(note);
			audit_result_free(res);
			return;
		}
		struct finding_list l = {res->findings, res->n, res->n};
		baseline_mark(bl, res->domain, &l);
		res->findings = l.v;
		res->n = l.n;
		baseline_free(bl);
	}
	for (size_t i = 0; i < res->n; i++) {
		worst = status_merge(worst, res->findings[i].status);
		if (gate_fails(g, &res->findings[i]))
			passed = 0;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < res->n; i++)
		json_array_append_new(arr, finding_json(r->pc.plan, &res->findings[i]));
	char *json = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	char *raw = gate_summary(g, res, passed);
	char *summary = plan_mask(r->pc.plan, raw, strlen(raw));
	free(raw);
	double now = loop_wall_time();
	struct store_plan_gate rec = {(char *)ph->id, now, passed, (char *)status_name(worst), json, summary};
	const char **subjects;
	long *ttls;
	size_t n = gate_ttls(res, &subjects, &ttls);
	if (store_plan_gate_add(r->pc.db, r->pc.key, &rec, err, sizeof(err)) != 0 ||
	    (n && store_plan_observe(r->pc.db, r->pc.key, now, subjects, ttls, n, err, sizeof(err)) != 0)) {
		db_failed(r, err);
		goto out;
	}
	r->gate_findings = res->n;
	r->gate_problems = 0;
	for (size_t i = 0; i < res->n; i++)
		r->gate_problems += res->findings[i].status >= STATUS_WARN;
	say(r, "gate of %s: %s", ph->id, summary);
	if (!passed && r->attached)
		for (size_t i = 0; i < res->n; i++) {
			const struct finding *f = &res->findings[i];
			if (gate_fails(g, f)) {
				const char *m = report_finding_message(f);
				char *masked = plan_mask(r->pc.plan, m, strlen(m));
				printf("    %-5s %s %s%s%s\n", status_name(f->status), f->code,
				       f->subject ? f->subject : "", f->subject ? ": " : "", masked);
				free(masked);
			}
		}
	if (passed) {
		if (ph->hold_ttl_drain) {
			double until = hold_until(r, subjects, n);
			if (until < 0)
				goto out;
			set_str(&prec->status, "holding");
			prec->hold_until = until;
			prec->gate_since = 0;
			if (phase_save(r, prec) == 0)
				hold_check(r);
		} else {
			phase_done(r);
		}
		goto out;
	}
	double waited = now - prec->gate_since;
	if (waited < (double)g->wait) {
		double left = (double)g->wait - waited;
		if (r->po.no_wait) {
			say(r, "waiting: the gate may still pass within %s", span(left, d));
			finish(r, EXIT_WAITING);
			goto out;
		}
		say(r, "next check in %s (the gate waits %s more)", span((double)g->every, d),
		    span(left, err));
		loop_timer_start(r->timer, (uint64_t)g->every * 1000000ull);
		goto out;
	}
	char *note =
		g->wait ? xasprintf("the gate did not pass within %s: %s", span((double)g->wait, d), summary)
			: xasprintf("the gate did not pass: %s", summary);
	phase_failed(r, note);
	free(note);
out:
	free(subjects);
	free(ttls);
	free(json);
	free(summary);
	audit_result_free(res);
}

static void start_gate(struct runner *r)
{
	const struct plan_phase *ph = cur_phase(r);
	const struct plan_gate *g = ph->gate;
	struct audit_rules rules = {g->rulesets, g->n_rulesets};
	audit_start(r->s, &rules, g->domain, on_gate_done, r, &r->audit);
}

/* --- the driver -------------------------------------------------------- */

/* Decide what comes next from the record, and start it. */
static void advance(struct runner *r)
{
	const struct plan *p = r->pc.plan;
	while (!r->finished) {
		if (r->phase_i >= p->n_phases || (r->only && r->phase_i >= r->only)) {
			if (r->only) {
				say(r, "phase %s is complete", p->phases[r->only - 1].id);
			} else {
				say(r, "plan %s is complete", p->name);
				notify(r, "complete", NULL, NULL, "the plan is complete");
			}
			finish(r, EXIT_DONE);
			return;
		}
		const struct plan_phase *ph = cur_phase(r);
		struct store_plan_phase *prec = phase_rec(r, ph);
		if (strcmp(prec->status, "done") == 0) {
			/* A step added to the plan (or moved) since the
			 * phase was done: running it now would be out of
			 * order, skipping it would call it done. */
			for (size_t j = 0; j < ph->n_steps; j++) {
				const char *id = ph->steps[j].id;
				if (step_finished(step_rec(r, &ph->steps[j], ph->id)->status))
					continue;
				say(r,
				    "phase %s is done, but its step %s never ran (the plan changed since?); "
				    "to "
				    "run it: cutover plan reset --step %s %s, then cutover plan run %s",
				    ph->id, id, id, p->file, p->file);
				finish(r, EXIT_WAITING);
				return;
			}
			r->phase_i++;
			r->step_i = 0;
			continue;
		}
		if (strcmp(prec->status, "pending") == 0 || strcmp(prec->status, "failed") == 0) {
			if (strcmp(prec->status, "pending") == 0)
				say(r, "== phase %s%s%s", ph->id, ph->description ? ": " : "",
				    ph->description ? ph->description : "");
			else
				say(r, "== phase %s again (it failed: %s)", ph->id,
				    prec->note ? prec->note : "");
			set_str(&prec->status, "running");
			set_str(&prec->note, NULL);
			if (prec->started == 0)
				prec->started = loop_wall_time();
			prec->gate_since = 0;
			if (phase_save(r, prec) != 0)
				return;
		}
		if (strcmp(prec->status, "holding") == 0) {
			hold_check(r);
			return;
		}
		if (r->step_i < ph->n_steps) {
			const struct plan_step *s = cur_step(r);
			struct store_plan_step *rec = step_rec(r, s, ph->id);
			if (step_finished(rec->status)) {
				r->step_i++;
				continue;
			}
			r->attempt = 0;
			if (strcmp(prec->status, "running") != 0) {
				/* gating, and a step added since: the steps
				 * first, then the gate from the start (and the
				 * timer polls for a confirmation, not the gate) */
				set_str(&prec->status, "running");
				prec->gate_since = 0;
				if (phase_save(r, prec) != 0)
					return;
			}
			if (strcmp(rec->status, "running") == 0)
				mark_interrupted(r, rec, s);
			if (strcmp(rec->status, "interrupted") == 0) {
				interrupted_step(r);
				return;
			}
			if (s->kind == PLAN_STEP_MANUAL)
				manual_step(r);
			else
				start_step(r);
			return;
		}
		if (!ph->gate) {
			phase_done(r);
			return;
		}
		if (strcmp(prec->status, "gating") != 0 || prec->gate_since == 0) {
			set_str(&prec->status, "gating");
			if (prec->gate_since == 0)
				prec->gate_since = loop_wall_time();
			if (phase_save(r, prec) != 0)
				return;
		}
		start_gate(r);
		return;
	}
}

static void on_advance(void *arg)
{
	struct runner *r = arg;
	r->advancing = 0;
	advance(r);
}

static void advance_later(struct runner *r)
{
	if (r->advancing || r->finished)
		return;
	r->advancing = 1;
	if (loop_defer(r->s->loop, on_advance, r) != 0) {
		r->advancing = 0;
		finish(r, EXIT_USAGE);
	}
}

/* The timer: the next check of a gate, the end of a hold, or a detached
 * runner's look for a confirmation. */
static void on_timer(void *arg)
{
	struct runner *r = arg;
	const struct plan_phase *ph = cur_phase(r);
	struct store_plan_phase *prec = phase_rec(r, ph);
	if (strcmp(prec->status, "holding") == 0) {
		hold_check(r);
		return;
	}
	if (strcmp(prec->status, "gating") == 0) {
		start_gate(r);
		return;
	}
	on_poll(r);
}

static void on_poll(void *arg)
{
	struct runner *r = arg;
	char err[1024];
	struct store_plan_state st = {0};
	const struct plan_step *s = cur_step(r);
	if (store_plan_state(r->pc.db, r->pc.key, STORE_GATES_LAST, &st, err, sizeof(err)) != 0) {
		db_failed(r, err);
		return;
	}
	struct store_plan_step *now = rec_step(&st, s->id);
	if (now && step_finished(now->status)) {
		struct store_plan_step *rec = step_rec(r, s, cur_phase(r)->id);
		set_str(&rec->status, now->status);
		set_str(&rec->note, now->note);
		rec->ended = now->ended;
		say(r, "step %s: %s (%s)", s->id, now->status, now->note ? now->note : "");
		advance_later(r);
	} else {
		loop_timer_start(r->timer, POLL_US);
	}
	store_plan_state_release(&st);
}

static void on_signal(void *arg, int signo)
{
	struct runner *r = arg;
	if (signo == SIGHUP) {
		/* The terminal is gone (an SSH session dropped): go on without
		 * it, into the plan's log only. A prompt's watch on standard
		 * input goes before the descriptor is replaced (loop.h). */
		int prompting = r->prompt != NULL;
		prompt_stop(r);
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		r->attached = 0;
		say(r, "the terminal hung up; going on without it (see plan status and plan log)");
		r->tty = 0;
		r->detached = 1;
		if (prompting)
			advance_later(r);
		return;
	}
	say(r, "stopped by %s", signo == SIGINT ? "SIGINT" : "SIGTERM");
	finish(r, EXIT_WAITING);
	if (r->child)
		child_stop(r->child);
	prompt_stop(r);
	loop_timer_stop(r->timer);
	/* A gate being checked is let finish (its queries time out within
	 * seconds): audit_cancel() would forbid running the loop again, which
	 * the child's exit and the webhooks still need. */
}

/* The progress line of plan run (a progress_sample_fn): shown only while a
 * gate is checked or waited for and while a hold drains -- when nothing else
 * writes to the terminal. A step's output and a prompt (with what the person
 * types) have the terminal to themselves: the line is erased then. */
static void run_progress(void *arg, struct progress_counts *c)
{
	struct runner *r = arg;
	const struct plan *p = r->pc.plan;
	c->what = "plan run";
	if (r->finished || r->child || r->prompt || r->phase_i >= p->n_phases) {
		c->hidden = 1;
		return;
	}
	const struct plan_phase *ph = cur_phase(r);
	const char *status = phase_status(&r->pc.st, ph->id);
	if (strcmp(status, "gating") == 0 && r->audit)
		snprintf(r->progress_doing, sizeof(r->progress_doing), "phase %s: checking its gate", ph->id);
	else if (strcmp(status, "gating") == 0)
		snprintf(r->progress_doing, sizeof(r->progress_doing), "phase %s: waiting for its gate",
			 ph->id);
	else if (strcmp(status, "holding") == 0)
		snprintf(r->progress_doing, sizeof(r->progress_doing), "phase %s: holding", ph->id);
	else {
		c->hidden = 1;
		return;
	}
	c->unit = "phases";
	c->total = p->n_phases;
	for (size_t i = 0; i < p->n_phases; i++)
		c->done += strcmp(phase_status(&r->pc.st, p->phases[i].id), "done") == 0;
	c->doing = r->progress_doing;
	c->findings = r->gate_findings;
	c->problems = r->gate_problems;
	c->in_flight = session_in_flight(r->s);
}

/* --- run ---------------------------------------------------------------- */

static void print_dry_run(struct planctx *pc)
{
	const struct plan *p = pc->plan;
	printf("plan %s (%s): what `run` would do now\n", p->name, pc->abspath);
	for (size_t i = 0; i < p->n_phases; i++) {
		const struct plan_phase *ph = &p->phases[i];
		printf("phase %s: %s\n", ph->id, phase_status(&pc->st, ph->id));
		for (size_t j = 0; j < ph->n_steps; j++) {
			const struct plan_step *s = &ph->steps[j];
			const char *st = step_status(&pc->st, s->id);
			char *text = plan_command(p, s, 1);
			printf("  step %s [%s]%s: %s %s\n", s->id, st, step_finished(st) ? " (skipped)" : "",
			       s->kind == PLAN_STEP_RUN ? "run" : "manual", text);
			free(text);
		}
		if (ph->gate) {
			char d[32], e[32];
			printf("  gate on %s: ", ph->gate->domain);
			for (size_t k = 0; k < ph->gate->n_rulesets; k++)
				printf("%s%s (%zu checks)", k ? ", " : "", ph->gate->rulesets[k].name,
				       ph->gate->rulesets[k].n);
			if (ph->gate->wait)
				printf("; wait %s, every %s", span((double)ph->gate->wait, d),
				       span((double)ph->gate->every, e));
			printf("; fails on %s", status_name((enum status)ph->gate->fail_on));
			if (ph->gate->baseline) {
				char *shown = plan_mask(p, ph->gate->baseline, strlen(ph->gate->baseline));
				printf(" new since the baseline %s", shown);
				free(shown);
			}
			printf("\n");
		}
		if (ph->hold_ttl_drain)
			printf("  hold: ttl-drain\n");
	}
}

/* Put the runner in the background: fork, setsid, output to the plan's log.
 * The parent waits until the child holds the lock (or says why not), then
 * returns its exit status; the child returns -1 and goes on. */
static int detach(struct runner *r, const char *logpath)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		fprintf(stderr, "cutover: cannot detach: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cutover: cannot detach: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (pid > 0) {
		char msg[1024];
		close(p[1]);
		ssize_t n, got = 0;
		while ((n = read(p[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
			got += n;
		close(p[0]);
		msg[got < 0 ? 0 : got] = '\0';
		if (strcmp(msg, "ok") != 0) {
			fprintf(stderr, "cutover: %s\n", got > 0 ? msg : "the detached runner did not start");
			return EXIT_USAGE;
		}
		printf("plan %s runs in the background as pid %ld\n", r->pc.plan->name, (long)pid);
		printf("  follow it:  cutover plan log --follow %s\n", r->pc.plan->file);
		printf("  its state:  cutover plan status %s\n", r->pc.plan->file);
		return EXIT_DONE;
	}
	close(p[0]);
	setsid();
	char err[1024];
	int lfd = lock_take(r->pc.dir, err, sizeof(err));
	int out = log_open_fd(logpath);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (lfd < 0 || out < 0 || in < 0) {
		if (lfd >= 0)
			snprintf(err, sizeof(err), "cannot open '%s': %s", logpath, strerror(errno));
		if (write(p[1], err, strlen(err)) < 0) {
		}
		_exit(EXIT_USAGE);
	}
	dup2(in, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	close(in);
	close(out);
	r->lock_fd = lfd;
	if (write(p[1], "ok", 2) < 0) {
	}
	close(p[1]);
	return -1;
}

static int plan_run(struct common_opts *o, struct plan_opts *po, const char *file)
{
	struct runner r = {0};
	struct progress *line = NULL;
	char err[1024];
	int rc = EXIT_USAGE;
	char *logpath = NULL;

	r.po = *po;
	r.lock_fd = -1;
	if (planctx_open(&r.pc, file, &o->vars, po->db) != 0)
		goto out;
	const struct plan *p = r.pc.plan;
	if (po->phase) {
		const struct plan_phase *only = plan_find_phase(p, po->phase);
		if (!only) {
			fprintf(stderr, "cutover: plan %s has no phase '%s'\n", p->name, po->phase);
			goto out;
		}
		r.only = (size_t)(only - p->phases) + 1;
		for (size_t i = 0; i + 1 < r.only; i++)
			if (strcmp(phase_status(&r.pc.st, p->phases[i].id), "done") != 0) {
				fprintf(stderr,
					"cutover: phase '%s' cannot run: phase '%s' before it is %s\n",
					po->phase, p->phases[i].id, phase_status(&r.pc.st, p->phases[i].id));
				goto out;
			}
		r.phase_i = r.only - 1;
	}
	if (po->dry_run) {
		print_dry_run(&r.pc);
		rc = EXIT_DONE;
		goto out;
	}
	logpath = xasprintf("%s/plan.log", r.pc.dir);
	if (po->detach) {
		/* the database is opened afresh in the child: no SQLite
		 * connection crosses a fork */
		store_close(r.pc.db);
		r.pc.db = NULL;
		rc = detach(&r, logpath);
		if (rc >= 0)
			goto out;
		if (store_open(po->db, &r.pc.db, err, sizeof(err)) != 0) {
			fprintf(stderr, "cutover: %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
		r.detached = 1;
	} else {
		r.lock_fd = lock_take(r.pc.dir, err, sizeof(err));
		if (r.lock_fd < 0) {
			fprintf(stderr, "cutover: %s\n", err);
			goto out;
		}
		r.attached = 1;
		r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	}
	/* read the record again now that the plan is ours */
	store_plan_state_release(&r.pc.st);
	if (store_plan_state(r.pc.db, r.pc.key, STORE_GATES_LAST, &r.pc.st, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	r.log = log_open(logpath);
	if (!r.log) {
		fprintf(stderr, "cutover: cannot open '%s': %s\n", logpath, strerror(errno));
		goto out;
	}
	if (session_open(o, &r.s, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	r.http = r.s->http; /* the session's: --ca-file holds for webhooks too */
	if (p->n_notify && notifier_new(r.http, &r.notifier) != 0) {
		fprintf(stderr, "cutover: cannot start the HTTP client: %s\n", strerror(errno));
		goto out;
	}
	r.timer = loop_timer_new(r.s->loop, on_timer, &r);
	r.sigint = loop_signal_new(r.s->loop, SIGINT, on_signal, &r);
	r.sigterm = loop_signal_new(r.s->loop, SIGTERM, on_signal, &r);
	r.sighup = loop_signal_new(r.s->loop, SIGHUP, on_signal, &r);
	if (!r.timer || !r.sigint || !r.sigterm || !r.sighup) {
		fprintf(stderr, "cutover: cannot set up the runner: %s\n", strerror(errno));
		goto out;
	}
	say(&r, "plan %s (%s): run by pid %ld%s", p->name, r.pc.abspath, (long)getpid(),
	    r.detached ? ", detached" : "");
	advance_later(&r);
	line = progress_start(r.s->loop, o->quiet, run_progress, &r);
	while (!r.finished || r.child || r.audit || (r.http && http_pending(r.http)))
		if (loop_run_once(r.s->loop, 1) < 0) {
			fprintf(stderr, "cutover: the event loop failed: %s\n", strerror(errno));
			r.rc = EXIT_USAGE;
			break;
		}
	rc = r.rc;
out:
	progress_stop(line);
	prompt_stop(&r);
	sb_release(&r.answer);
	if (r.audit)
		audit_cancel(r.audit);
	child_free(r.child);
	loop_timer_free(r.timer);
	loop_signal_free(r.sigint);
	loop_signal_free(r.sigterm);
	loop_signal_free(r.sighup);
	notifier_free(r.notifier);
	session_close(r.s);
	if (r.log)
		fclose(r.log);
	if (r.lock_fd >= 0)
		close(r.lock_fd);
	planctx_release(&r.pc);
	free(logpath);
	return rc;
}

/* --- status ------------------------------------------------------------- */

/* The plan's state in a word, from the record and the lock. */
static const char *plan_state_word(struct planctx *pc, pid_t runner)
{
	const struct plan *p = pc->plan;
	size_t done = 0;
	if (runner)
		return "running";
	for (size_t i = 0; i < p->n_phases; i++) {
		const char *st = phase_status(&pc->st, p->phases[i].id);
		if (strcmp(st, "failed") == 0)
			return "failed";
		if (strcmp(st, "done") == 0)
			done++;
	}
	/* the plan's steps: a record of one no longer in it says nothing */
	for (size_t i = 0; i < p->n_phases; i++)
		for (size_t j = 0; j < p->phases[i].n_steps; j++) {
			const char *st = step_status(&pc->st, p->phases[i].steps[j].id);
			if (strcmp(st, "waiting") == 0 || strcmp(st, "interrupted") == 0 ||
			    strcmp(st, "running") == 0)
				return "waiting";
			if (strcmp(st, "failed") == 0)
				return "failed";
			if (!step_finished(st))
				done = 0;
		}
	if (done == p->n_phases)
		return "complete";
	return pc->st.n_phases ? "stopped" : "not started";
}

static const struct store_plan_gate *last_gate(const struct store_plan_state *st, const char *phase,
					       size_t *n, size_t *passed_at)
{
	const struct store_plan_gate *last = NULL;
	*n = 0;
	*passed_at = 0;
	for (size_t i = 0; i < st->n_gates; i++)
		if (strcmp(st->gates[i].phase, phase) == 0) {
			last = &st->gates[i];
			(*n)++;
			if (last->passed && !*passed_at)
				*passed_at = *n;
		}
	return last;
}

/* How far the plan is: its steps, those finished, the phases done. */
static void progress(struct planctx *pc, size_t *steps, size_t *steps_done, size_t *phases_done)
{
	const struct plan *p = pc->plan;
	*steps = *steps_done = *phases_done = 0;
	for (size_t i = 0; i < p->n_phases; i++) {
		if (strcmp(phase_status(&pc->st, p->phases[i].id), "done") == 0)
			(*phases_done)++;
		for (size_t j = 0; j < p->phases[i].n_steps; j++) {
			(*steps)++;
			if (step_finished(step_status(&pc->st, p->phases[i].steps[j].id)))
				(*steps_done)++;
		}
	}
}

static double duration_of(double started, double ended, double now)
{
	if (started <= 0)
		return -1;
	return (ended > 0 ? ended : now) - started;
}

static json_t *json_time(double t)
{
	char buf[32];
	if (t <= 0)
		return json_null();
	iso_time(t, buf);
	return json_string(buf);
}

static int status_json(struct planctx *pc, pid_t runner, FILE *out)
{
	const struct plan *p = pc->plan;
	double now = loop_wall_time();
	json_t *root = json_object();
	json_object_set_new(root, "plan", json_string(p->name));
	json_object_set_new(root, "file", json_string(pc->abspath));
	json_object_set_new(root, "state", json_string(plan_state_word(pc, runner)));
	json_object_set_new(root, "runner_pid", runner > 0 ? json_integer(runner) : json_null());
	json_object_set_new(root, "log", json_string(pc->dir));
	size_t n_steps, steps_done, phases_done;
	progress(pc, &n_steps, &steps_done, &phases_done);
	json_object_set_new(root, "progress",
			    json_pack("{s:I,s:I,s:I,s:I}", "phases", (json_int_t)p->n_phases, "phases_done",
				      (json_int_t)phases_done, "steps", (json_int_t)n_steps, "steps_done",
				      (json_int_t)steps_done));
	json_t *phases = json_array();
	for (size_t i = 0; i < p->n_phases; i++) {
		const struct plan_phase *ph = &p->phases[i];
		struct store_plan_phase *rec = rec_phase(&pc->st, ph->id);
		json_t *jp = json_object();
		json_object_set_new(jp, "id", json_string(ph->id));
		json_object_set_new(jp, "status", json_string(rec ? rec->status : "pending"));
		json_object_set_new(jp, "started", json_time(rec ? rec->started : 0));
		json_object_set_new(jp, "ended", json_time(rec ? rec->ended : 0));
		double d = rec ? duration_of(rec->started, rec->ended, now) : -1;
		json_object_set_new(jp, "duration", d >= 0 ? json_real(d) : json_null());
		char *pnote = rec && rec->note ? plan_mask(p, rec->note, strlen(rec->note)) : NULL;
		json_object_set_new(jp, "note", pnote ? json_string(pnote) : json_null());
		free(pnote);
		json_object_set_new(jp, "hold_until", json_time(rec ? rec->hold_until : 0));
		json_t *steps = json_array();
		for (size_t j = 0; j < ph->n_steps; j++) {
			const struct plan_step *s = &ph->steps[j];
			struct store_plan_step *sr = rec_step(&pc->st, s->id);
			json_t *js = json_object();
			char *text = plan_command(p, s, 1);
			json_object_set_new(js, "id", json_string(s->id));
			json_object_set_new(js, "kind",
					    json_string(s->kind == PLAN_STEP_RUN ? "run" : "manual"));
			json_object_set_new(js, s->kind == PLAN_STEP_RUN ? "command" : "instructions",
					    json_string(text));
			free(text);
			json_object_set_new(js, "status", json_string(sr ? sr->status : "pending"));
			json_object_set_new(js, "attempts", json_integer(sr ? sr->attempts : 0));
			json_object_set_new(js, "exit_status",
					    sr && sr->exit_status >= 0 ? json_integer(sr->exit_status)
								       : json_null());
			json_object_set_new(js, "started", json_time(sr ? sr->started : 0));
			json_object_set_new(js, "ended", json_time(sr ? sr->ended : 0));
			double sd = sr ? duration_of(sr->started, sr->ended, now) : -1;
			json_object_set_new(js, "duration", sd >= 0 ? json_real(sd) : json_null());
			char *note = sr && sr->note ? plan_mask(p, sr->note, strlen(sr->note)) : NULL;
			json_object_set_new(js, "note", note ? json_string(note) : json_null());
			free(note);
			json_array_append_new(steps, js);
		}
		json_object_set_new(jp, "steps", steps);
		if (ph->gate) {
			json_t *jg = json_object(), *evals = json_array();
			json_object_set_new(jg, "domain", json_string(ph->gate->domain));
			json_object_set_new(jg, "wait", json_integer((json_int_t)ph->gate->wait));
			json_object_set_new(jg, "every", json_integer((json_int_t)ph->gate->every));
			if (ph->gate->baseline) {
				char *shown = plan_mask(p, ph->gate->baseline, strlen(ph->gate->baseline));
				json_object_set_new(jg, "baseline", json_string(shown));
				free(shown);
			}
			for (size_t k = 0; k < pc->st.n_gates; k++) {
				const struct store_plan_gate *g = &pc->st.gates[k];
				if (strcmp(g->phase, ph->id) != 0)
					continue;
				json_t *je = json_object();
				json_object_set_new(je, "at", json_time(g->at));
				json_object_set_new(je, "passed", json_boolean(g->passed));
				json_object_set_new(je, "worst", json_string(g->worst));
				json_object_set_new(je, "summary", json_string(g->summary));
				json_t *f = g->findings ? json_loads(g->findings, 0, NULL) : NULL;
				if (f)
					json_object_set_new(je, "findings", f);
				json_array_append_new(evals, je);
			}
			json_object_set_new(jg, "evaluations", evals);
			json_object_set_new(jp, "gate", jg);
		}
		json_array_append_new(phases, jp);
	}
	json_object_set_new(root, "phases", phases);
	int rc = json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
	json_decref(root);
	return rc;
}

static void status_text(struct planctx *pc, pid_t runner, FILE *out)
{
	const struct plan *p = pc->plan;
	double now = loop_wall_time();
	char d[32], at[32];
	const struct store_plan_gate *current = NULL;
	const char *current_phase = NULL;

	size_t steps, steps_done, phases_done;
	progress(pc, &steps, &steps_done, &phases_done);
	fprintf(out, "plan %s (%s)\n", p->name, pc->abspath);
	if (runner > 0)
		fprintf(out, "state: running, pid %ld\n", (long)runner);
	else
		fprintf(out, "state: %s\n", plan_state_word(pc, runner));
	fprintf(out, "progress: %zu of %zu phases, %zu of %zu steps done\n", phases_done, p->n_phases,
		steps_done, steps);
	for (size_t i = 0; i < p->n_phases; i++) {
		const struct plan_phase *ph = &p->phases[i];
		struct store_plan_phase *rec = rec_phase(&pc->st, ph->id);
		double pd = rec ? duration_of(rec->started, rec->ended, now) : -1;
		fprintf(out, "\nphase %-20s %-9s %s\n", ph->id, rec ? rec->status : "pending",
			pd >= 0 ? span(pd, d) : "");
		if (rec && rec->note) {
			char *note = plan_mask(p, rec->note, strlen(rec->note));
			fprintf(out, "  %s\n", note);
			free(note);
		}
		for (size_t j = 0; j < ph->n_steps; j++) {
			const struct plan_step *s = &ph->steps[j];
			struct store_plan_step *sr = rec_step(&pc->st, s->id);
			double sd = sr ? duration_of(sr->started, sr->ended, now) : -1;
			fprintf(out, "  %-6s %-20s %-11s", s->kind == PLAN_STEP_RUN ? "run" : "manual", s->id,
				sr ? sr->status : "pending");
			if (sr && sr->attempts)
				fprintf(out, " attempt %u", sr->attempts);
			if (sr && sr->exit_status >= 0)
				fprintf(out, ", exit %d", sr->exit_status);
			if (sd >= 0)
				fprintf(out, ", %s", span(sd, d));
			if (sr && sr->note) {
				char *note = plan_mask(p, sr->note, strlen(sr->note));
				fprintf(out, " (%s)", note);
				free(note);
			}
			fputc('\n', out);
		}
		if (ph->gate) {
			size_t n, passed_at;
			const struct store_plan_gate *g = last_gate(&pc->st, ph->id, &n, &passed_at);
			if (!g) {
				fprintf(out, "  gate   on %s: not checked yet\n", ph->gate->domain);
			} else {
				iso_time(g->at, at);
				fprintf(out, "  gate   %zu check%s, the last at %s %s\n", n,
					n == 1 ? "" : "s", at, g->summary);
				if (rec && strcmp(rec->status, "gating") == 0 && rec->gate_since > 0 &&
				    ph->gate->wait) {
					double left = rec->gate_since + (double)ph->gate->wait - now;
					fprintf(out, "         waiting %s more at most\n", span(left, d));
				}
				if (!g->passed && rec && strcmp(rec->status, "done") != 0) {
					current = g;
					current_phase = ph->id;
				}
			}
		}
		if (ph->hold_ttl_drain && rec && rec->hold_until > 0) {
			iso_time(rec->hold_until, at);
			double left = rec->hold_until - now;
			fprintf(out, "  hold   ttl-drain until %s%s%s%s\n", at, left > 0 ? ", " : "",
				left > 0 ? span(left, d) : "", left > 0 ? " to go" : "");
		}
	}
	if (current) {
		json_t *arr = current->findings ? json_loads(current->findings, 0, NULL) : NULL;
		size_t shown = 0;
		fprintf(out, "\nthe gate of %s fails on:\n", current_phase);
		for (size_t i = 0; arr && i < json_array_size(arr) && shown < STATUS_FINDINGS_MAX; i++) {
			json_t *f = json_array_get(arr, i);
			const char *st = json_string_value(json_object_get(f, "status"));
			const char *mark = json_string_value(json_object_get(f, "baseline"));
			if (!st || strcmp(st, "ok") == 0 || strcmp(st, "info") == 0)
				continue;
			if (mark && strcmp(mark, "new") != 0)
				continue; /* the baseline had it: it does not fail the gate */
			const char *subject = json_string_value(json_object_get(f, "subject"));
			fprintf(out, "  %-5s %s %s%s%s\n", st, json_string_value(json_object_get(f, "code")),
				subject ? subject : "", subject ? ": " : "",
				json_string_value(json_object_get(f, "message")));
			shown++;
		}
		json_decref(arr);
	}
}

/* Append three cells: when it started, when it ended, and the duration:
 * span of started..ended, or until now "so far" for what is under way
 * (status running, gating, holding or waiting); empty when it never
 * started, or stopped without an end recorded. */
static void html_times(struct strbuf *sb, double started, double ended, const char *status, double now)
{
	char d[32];
	sb_adds(sb, "<td>");
	html_time(sb, started);
	sb_adds(sb, "</td><td>");
	html_time(sb, ended);
	sb_adds(sb, "</td>");
	int under_way = strcmp(status, "running") == 0 || strcmp(status, "gating") == 0 ||
			strcmp(status, "holding") == 0 || strcmp(status, "waiting") == 0;
	double secs = ended > 0 || under_way ? duration_of(started, ended, now) : -1;
	sb_adds(sb, "<td class=\"num\">");
	if (secs >= 0)
		sb_addf(sb, "%s%s", span(secs, d), ended > 0 ? "" : " so far");
	sb_adds(sb, "</td>");
}

/* Append text masked of the plan's secrets, escaped. */
static void html_masked(struct strbuf *sb, const struct plan *p, const char *text)
{
	char *masked = text ? plan_mask(p, text, strlen(text)) : NULL;
	html_text(sb, masked ? masked : "");
	free(masked);
}

/* The gate's latest evaluation as a paragraph, and when it did not pass
 * the findings that failed it (as status_text lists them). */
static void html_gate(struct strbuf *sb, struct planctx *pc, const struct plan_phase *ph,
		      const struct store_plan_phase *rec, double now)
{
	const struct plan *p = pc->plan;
	size_t n, passed_at, shown = 0;
	char d[32];
	const struct store_plan_gate *g = last_gate(&pc->st, ph->id, &n, &passed_at);

	sb_adds(sb, "<h3>Gate on <span class=\"mono\">");
	html_text(sb, ph->gate->domain ? ph->gate->domain : "");
	sb_adds(sb, "</span></h3>\n<p class=\"gate\">");
	if (!g) {
		sb_adds(sb, "Not checked yet.</p>\n");
		return;
	}
	html_tag(sb, g->passed ? "passed" : "failed", g->passed ? "passed" : "not passed");
	sb_adds(sb, " worst ");
	html_tag(sb, g->worst, g->worst);
	sb_addf(sb, " at the latest of %zu check%s, ", n, n == 1 ? "" : "s");
	html_time(sb, g->at);
	sb_adds(sb, ": ");
	html_masked(sb, p, g->summary);
	if (passed_at)
		sb_addf(sb, " (first passed at check %zu)", passed_at);
	if (rec && strcmp(rec->status, "gating") == 0 && rec->gate_since > 0 && ph->gate->wait)
		sb_addf(sb, "; waiting %s more at most",
			span(rec->gate_since + (double)ph->gate->wait - now, d));
	sb_adds(sb, "</p>\n");
	json_t *arr = !g->passed && g->findings ? json_loads(g->findings, 0, NULL) : NULL;
	for (size_t i = 0; arr && i < json_array_size(arr) && shown < STATUS_FINDINGS_MAX; i++) {
		json_t *f = json_array_get(arr, i);
		const char *st = json_string_value(json_object_get(f, "status"));
		const char *mark = json_string_value(json_object_get(f, "baseline"));
		if (!st || strcmp(st, "ok") == 0 || strcmp(st, "info") == 0 ||
		    (mark && strcmp(mark, "new") != 0))
			continue;
		if (!shown++)
			sb_adds(sb, "<table "
				    "class=\"wide\">\n<thead><tr><th>status</th><th>code</th><th>subject</th>"
				    "<th>server</th><th>message</th></tr></thead>\n<tbody>\n");
		sb_addf(sb, "<tr class=\"r-%s\"><td>",
			strcmp(st, "fail") == 0	   ? "fail"
			: strcmp(st, "error") == 0 ? "error"
						   : "warn");
		html_tag(sb, st, st);
		sb_adds(sb, "</td>");
		const char *keys[] = {"code", "subject", "server", "message"};
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			html_cell(sb, k == 3 ? "msg" : "mono text",
				  json_string_value(json_object_get(f, keys[k])));
		sb_adds(sb, "</tr>\n");
	}
	if (shown)
		sb_adds(sb, "</tbody>\n</table>\n");
	json_decref(arr);
}

/* plan status -f html: a page with the state and progress, an overview of
 * the phases, then each phase with its steps (status, attempts, exit
 * status, times, durations) and its gate's latest verdict. */
static int status_html(struct planctx *pc, pid_t runner, FILE *out)
{
	const struct plan *p = pc->plan;
	double now = loop_wall_time();
	const char *state = plan_state_word(pc, runner);
	size_t n_steps, steps_done, phases_done;
	struct strbuf sb = STRBUF_INIT, title = STRBUF_INIT;

	progress(pc, &n_steps, &steps_done, &phases_done);
	sb_addf(&title, "cutover: plan %s, %s", p->name, state);
	html_page_begin(&sb, title.buf);
	sb_release(&title);
	sb_adds(&sb, "<header>\n<h1>Plan <span class=\"mono\">");
	html_text(&sb, p->name);
	sb_adds(&sb, "</span> ");
	html_tag(&sb, state, state);
	sb_adds(&sb, "</h1>\n<p class=\"meta\"><span class=\"mono\">");
	html_text(&sb, pc->abspath);
	sb_adds(&sb, "</span>; cutover " CUTOVER_VERSION "; status at ");
	html_time(&sb, now);
	if (runner > 0)
		sb_addf(&sb, "; running, pid %ld", (long)runner);
	sb_addf(&sb, "</p>\n<p>Progress: %zu of %zu phases, %zu of %zu steps done.</p>\n</header>\n<main>\n",
		phases_done, p->n_phases, steps_done, n_steps);

	sb_adds(&sb, "<table class=\"wide\" "
		     "id=\"phases\">\n<thead><tr><th>phase</th><th>status</th><th>started</th>"
		     "<th>ended</th><th class=\"num\">duration</th><th>gate</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < p->n_phases; i++) {
		const struct plan_phase *ph = &p->phases[i];
		const struct store_plan_phase *rec = rec_phase(&pc->st, ph->id);
		const char *st = rec ? rec->status : "pending";
		size_t n, passed_at;
		const struct store_plan_gate *g =
			ph->gate ? last_gate(&pc->st, ph->id, &n, &passed_at) : NULL;
		sb_adds(&sb, "<tr><td class=\"mono\"><a href=\"#phase-");
		html_text(&sb, ph->id);
		sb_adds(&sb, "\">");
		html_text(&sb, ph->id);
		sb_adds(&sb, "</a></td><td>");
		html_tag(&sb, st, st);
		sb_adds(&sb, "</td>");
		html_times(&sb, rec ? rec->started : 0, rec ? rec->ended : 0, st, now);
		sb_adds(&sb, "<td>");
		if (g)
			html_tag(&sb, g->passed ? "passed" : "failed", g->passed ? "passed" : "not passed");
		else
			sb_adds(&sb, ph->gate ? "not checked yet" : "none");
		sb_adds(&sb, "</td></tr>\n");
	}
	sb_adds(&sb, "</tbody>\n</table>\n");

	for (size_t i = 0; i < p->n_phases; i++) {
		const struct plan_phase *ph = &p->phases[i];
		const struct store_plan_phase *rec = rec_phase(&pc->st, ph->id);
		const char *st = rec ? rec->status : "pending";
		sb_adds(&sb, "<section class=\"phase\" id=\"phase-");
		html_text(&sb, ph->id);
		sb_adds(&sb, "\">\n<h2>");
		html_tag(&sb, st, st);
		sb_adds(&sb, " Phase <span class=\"mono\">");
		html_text(&sb, ph->id);
		sb_adds(&sb, "</span></h2>\n");
		if (ph->description) {
			sb_adds(&sb, "<p>");
			html_masked(&sb, p, ph->description);
			sb_adds(&sb, "</p>\n");
		}
		if (rec && rec->note) {
			sb_adds(&sb, "<p class=\"meta\">");
			html_masked(&sb, p, rec->note);
			sb_adds(&sb, "</p>\n");
		}
		if (ph->n_steps)
			sb_adds(&sb,
				"<table "
				"class=\"wide\">\n<thead><tr><th>kind</th><th>step</th><th>status</th><th "
				"class=\"num\">attempts</th><th class=\"num\">exit "
				"status</th><th>started</th>"
				"<th>ended</th><th class=\"num\">duration</th><th>command or "
				"instructions</th>"
				"</tr></thead>\n<tbody>\n");
		for (size_t j = 0; j < ph->n_steps; j++) {
			const struct plan_step *s = &ph->steps[j];
			const struct store_plan_step *sr = rec_step(&pc->st, s->id);
			const char *sst = sr ? sr->status : "pending";
			char *text = plan_command(p, s, 1);
			sb_addf(&sb, "<tr><td>%s</td><td class=\"mono\">",
				s->kind == PLAN_STEP_RUN ? "run" : "manual");
			html_text(&sb, s->id);
			sb_adds(&sb, "</td><td>");
			html_tag(&sb, sst, sst);
			sb_addf(&sb, "</td><td class=\"num\">%u</td><td class=\"num\">",
				sr ? sr->attempts : 0);
			if (sr && sr->exit_status >= 0)
				sb_addf(&sb, "%d", sr->exit_status);
			sb_adds(&sb, "</td>");
			html_times(&sb, sr ? sr->started : 0, sr ? sr->ended : 0, sst, now);
			sb_adds(&sb, "<td class=\"value\"><code>");
			html_text(&sb, text);
			sb_adds(&sb, "</code>");
			if (sr && sr->note) {
				sb_adds(&sb, "<br>");
				html_masked(&sb, p, sr->note);
			}
			sb_adds(&sb, "</td></tr>\n");
			free(text);
		}
		if (ph->n_steps)
			sb_adds(&sb, "</tbody>\n</table>\n");
		if (ph->gate)
			html_gate(&sb, pc, ph, rec, now);
		if (ph->hold_ttl_drain && rec && rec->hold_until > 0) {
			sb_adds(&sb, "<p>Hold: ttl-drain until ");
			html_time(&sb, rec->hold_until);
			sb_adds(&sb, ".</p>\n");
		}
		sb_adds(&sb, "</section>\n");
	}
	sb_adds(&sb, "</main>\n");
	html_page_end(&sb);
	int rc = fwrite(sb.buf, 1, sb.len, out) == sb.len && !ferror(out) ? 0 : -1;
	sb_release(&sb);
	return rc;
}

static int plan_status(struct common_opts *o, struct plan_opts *po, const char *file)
{
	struct planctx pc = {0};
	struct output out;
	int rc = EXIT_USAGE;
	if (o->format != FORMAT_TEXT && o->format != FORMAT_JSON && o->format != FORMAT_HTML) {
		fprintf(stderr, "cutover: plan status: the format is text, json or html\n");
		return EXIT_USAGE;
	}
	if (planctx_open(&pc, file, &o->vars, po->db) != 0)
		goto out;
	pid_t runner = lock_holder(pc.dir);
	if (output_open(&out, o->output) != 0)
		goto out;
	int wrc = 0;
	if (o->format == FORMAT_JSON)
		wrc = status_json(&pc, runner, out.f);
	else if (o->format == FORMAT_HTML)
		wrc = status_html(&pc, runner, out.f);
	else
		status_text(&pc, runner, out.f);
	rc = output_close(&out, wrc == 0 ? 0 : errno ? errno : -1) == 0 ? EXIT_DONE : EXIT_USAGE;
out:
	planctx_release(&pc);
	return rc;
}

/* --- confirm, reset ----------------------------------------------------- */

static int plan_confirm(struct common_opts *o, struct plan_opts *po, const char *file, const char *id)
{
	struct planctx pc = {0};
	int rc = EXIT_USAGE, lock_fd = -1;
	char err[1024];
	if (planctx_open(&pc, file, &o->vars, po->db) != 0)
		goto out;
	const struct plan_phase *ph;
	const struct plan_step *s = plan_find_step(pc.plan, id, &ph);
	if (!s) {
		fprintf(stderr, "cutover: plan %s has no step '%s'\n", pc.plan->name, id);
		goto out;
	}
	struct store_plan_step *rec = rec_step(&pc.st, id);
	const char *st = rec ? rec->status : "pending";
	/* An interrupted step is confirmed only with the plan's lock: a
	 * runner asking about it at a prompt could otherwise run it again
	 * once it is recorded as confirmed. A waiting manual step needs none:
	 * a detached runner waits for exactly this. */
	if (rec && strcmp(st, "waiting") != 0) {
		lock_fd = lock_take(pc.dir, err, sizeof(err));
		if (lock_fd < 0) {
			fprintf(stderr, "cutover: %s; answer its prompt, or stop it first\n", err);
			goto out;
		}
	}
	if (strcmp(st, "waiting") != 0 && strcmp(st, "interrupted") != 0 && strcmp(st, "running") != 0) {
		if (step_finished(st))
			fprintf(stderr, "cutover: step '%s' is already %s\n", id, st);
		else if (strcmp(st, "failed") == 0)
			fprintf(stderr,
				"cutover: step '%s' failed; a failure is not confirmed away: run the plan "
				"again "
				"(or reset the step) so that it runs and passes\n",
				id);
		else
			fprintf(stderr,
				"cutover: step '%s' is %s: only a manual step awaiting confirmation or "
				"an interrupted step can be confirmed\n",
				id, st);
		goto out;
	}
	char *tag = step_tag(pc.dir, id);
	pid_t group = strcmp(st, "running") == 0 ? leftovers((pid_t)rec->pid, tag, 0) : 0;
	free(tag);
	if (group) {
		fprintf(stderr,
			"cutover: step '%s' was running when its runner stopped, and its processes still run "
			"(process group %ld): wait until they end, or `cutover plan run` stops them and "
			"asks\n",
			id, (long)group);
		goto out;
	}
	char *how = xasprintf("confirmed with plan confirm by %s", who());
	set_str(&rec->status, "confirmed");
	set_str(&rec->note, how);
	free(how);
	rec->ended = loop_wall_time();
	rec->pid = 0;
	if (store_plan_step_put(pc.db, pc.key, rec, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	printf("step %s of plan %s confirmed\n", id, pc.plan->name);
	rc = EXIT_DONE;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	planctx_release(&pc);
	return rc;
}

static int plan_reset(struct common_opts *o, struct plan_opts *po, const char *file)
{
	struct planctx pc = {0};
	int rc = EXIT_USAGE, lock_fd = -1;
	char err[1024];
	if (po->phase && po->step) {
		fprintf(stderr, "cutover: plan reset: give --phase or --step, not both\n");
		return EXIT_USAGE;
	}
	if (planctx_open(&pc, file, &o->vars, po->db) != 0)
		goto out;
	/* the plan's lock, held to the end: no runner starts meanwhile */
	lock_fd = lock_take(pc.dir, err, sizeof(err));
	if (lock_fd < 0) {
		fprintf(stderr, "cutover: %s; stop it first\n", err);
		goto out;
	}
	store_plan_state_release(&pc.st);
	if (store_plan_state(pc.db, pc.key, STORE_GATES_LAST, &pc.st, err, sizeof(err)) != 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	/* a step forgotten runs again: not beside what a runner that died
	 * left running of it */
	for (size_t i = 0; i < pc.st.n_steps; i++) {
		const struct store_plan_step *rec = &pc.st.steps[i];
		if (strcmp(rec->status, "running") != 0 || (po->step && strcmp(rec->step, po->step) != 0) ||
		    (po->phase && strcmp(rec->phase, po->phase) != 0))
			continue;
		char *tag = step_tag(pc.dir, rec->step);
		pid_t group = leftovers((pid_t)rec->pid, tag, 1);
		free(tag);
		if (group)
			printf("step %s: stopping its processes (group %ld), left running by a runner that "
			       "stopped\n",
			       rec->step, (long)group);
	}
	int n;
	if (po->step) {
		const struct plan_phase *ph;
		if (!plan_find_step(pc.plan, po->step, &ph)) {
			fprintf(stderr, "cutover: plan %s has no step '%s'\n", pc.plan->name, po->step);
			goto out;
		}
		n = store_plan_step_reset(pc.db, pc.key, po->step, err, sizeof(err));
		/* its phase is no longer done either */
		struct store_plan_phase *prec = rec_phase(&pc.st, ph->id);
		if (n >= 0 && prec && strcmp(prec->status, "pending") != 0) {
			set_str(&prec->status, "running");
			prec->ended = 0;
			prec->hold_until = 0;
			prec->gate_since = 0;
			if (store_plan_phase_put(pc.db, pc.key, prec, err, sizeof(err)) != 0)
				n = -1;
		}
	} else {
		if (po->phase && !plan_find_phase(pc.plan, po->phase)) {
			fprintf(stderr, "cutover: plan %s has no phase '%s'\n", pc.plan->name, po->phase);
			goto out;
		}
		n = store_plan_reset(pc.db, pc.key, po->phase, err, sizeof(err));
	}
	if (n < 0) {
		fprintf(stderr, "cutover: %s\n", err);
		goto out;
	}
	printf("plan %s: %s%s reset (%d record%s forgotten); gate evaluations and observed TTLs are kept\n",
	       pc.plan->name,
	       po->step	   ? "step "
	       : po->phase ? "phase "
			   : "the whole plan",
	       po->step	   ? po->step
	       : po->phase ? po->phase
			   : "",
	       n, n == 1 ? "" : "s");
	rc = EXIT_DONE;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	planctx_release(&pc);
	return rc;
}

/* --- log ---------------------------------------------------------------- */

struct follower {
	FILE *f;
	const char *dir;
	struct loop_timer *timer;
	int done, idle;
};

static int copy_new(FILE *f)
{
	char buf[16384];
	size_t n;
	int any = 0;
	clearerr(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		fwrite(buf, 1, n, stdout);
		any = 1;
	}
	fflush(stdout);
	return any;
}

static void on_follow(void *arg)
{
	struct follower *fw = arg;
	int any = copy_new(fw->f);
	/* no runner any more and nothing new twice in a row: it is over */
	if (!any && lock_holder(fw->dir) == 0 && ++fw->idle >= 2) {
		fw->done = 1;
		return;
	}
	if (any)
		fw->idle = 0;
	loop_timer_start(fw->timer, FOLLOW_US);
}

static void on_follow_signal(void *arg, int signo)
{
	struct follower *fw = arg;
	(void)signo;
	fw->done = 1;
}

static int plan_log(struct common_opts *o, struct plan_opts *po, const char *file, const char *step)
{
	struct planctx pc = {0};
	struct loop *loop = NULL;
	struct follower fw = {0};
	struct loop_signal *sig = NULL;
	char *path = NULL;
	int rc = EXIT_USAGE;
	if (planctx_open(&pc, file, &o->vars, po->db) != 0)
		goto out;
	if (step && !plan_find_step(pc.plan, step, NULL)) {
		fprintf(stderr, "cutover: plan %s has no step '%s'\n", pc.plan->name, step);
		goto out;
	}
	path = step ? step_log_path(pc.dir, step) : xasprintf("%s/plan.log", pc.dir);
	fw.f = fopen(path, "re");
	if (!fw.f && errno == ENOENT && !po->follow) {
		fprintf(stderr, "cutover: nothing logged yet%s%s\n", step ? " for step " : "",
			step ? step : "");
		rc = EXIT_DONE;
		goto out;
	}
	if (!fw.f && errno == ENOENT) {
		/* --follow before the runner wrote anything: wait for it */
		int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
		fw.f = fd >= 0 ? fdopen(fd, "r") : NULL;
	}
	if (!fw.f) {
		fprintf(stderr, "cutover: cannot open '%s': %s\n", path, strerror(errno));
		goto out;
	}
	copy_new(fw.f);
	if (!po->follow) {
		rc = EXIT_DONE;
		goto out;
	}
	if (loop_new(&loop) != 0) {
		fprintf(stderr, "cutover: cannot start the event loop: %s\n", strerror(errno));
		goto out;
	}
	fw.dir = pc.dir;
	fw.timer = loop_timer_new(loop, on_follow, &fw);
	sig = loop_signal_new(loop, SIGINT, on_follow_signal, &fw);
	if (!fw.timer || !sig) {
		fprintf(stderr, "cutover: cannot follow: %s\n", strerror(errno));
		goto out;
	}
	loop_timer_start(fw.timer, FOLLOW_US);
	while (!fw.done)
		if (loop_run_once(loop, 1) < 0)
			break;
	rc = EXIT_DONE;
out:
	loop_timer_free(fw.timer);
	loop_signal_free(sig);
	loop_free(loop);
	if (fw.f)
		fclose(fw.f);
	free(path);
	planctx_release(&pc);
	return rc;
}

/* --- the command --------------------------------------------------------- */

static const struct {
	const char *name;
	size_t min_args, max_args;
} subcommands[] = {
	{"run", 1, 1}, {"status", 1, 1}, {"confirm", 2, 2}, {"log", 1, 2}, {"reset", 1, 1},
};

const char *plan_subcommand(size_t i)
{
	return i < ARRAY_SIZE(subcommands) ? subcommands[i].name : NULL;
}

int cmd_plan(int argc, char **argv)
{
	struct common_opts o;
	struct plan_opts po = {.set = &o.vars};
	struct opts_extra extra = {plan_longopts, "", on_plan_option, &po, 1, 0};
	int rc = EXIT_USAGE;
	size_t sub;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(plan_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_DONE;
	}
	for (sub = 0; sub < ARRAY_SIZE(subcommands); sub++)
		if (strcmp(argv[1], subcommands[sub].name) == 0)
			break;
	if (sub == ARRAY_SIZE(subcommands)) {
		fprintf(stderr,
			"cutover: plan: unknown subcommand '%s' (run, status, confirm, log or reset)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	int prc = opts_common_parse(&o, argc - 1, argv + 1, plan_usage, &extra);
	if (prc != 0) {
		rc = prc > 0 ? EXIT_DONE : EXIT_USAGE;
		goto out;
	}
	const char *name = subcommands[sub].name;
	if (o.n_args < subcommands[sub].min_args || o.n_args > subcommands[sub].max_args) {
		fprintf(stderr, "cutover: plan %s: %s\n", name,
			o.n_args < subcommands[sub].min_args ? "missing operand (see cutover plan --help)"
							     : "too many operands");
		goto out;
	}
	int is_run = strcmp(name, "run") == 0;
	if (!is_run && (po.dry_run || po.yes || po.no_wait || po.detach)) {
		fprintf(stderr,
			"cutover: plan %s: --dry-run, --yes, --no-wait and --detach are for plan run\n",
			name);
		goto out;
	}
	if (po.follow && strcmp(name, "log") != 0) {
		fprintf(stderr, "cutover: plan %s: --follow is for plan log\n", name);
		goto out;
	}
	if ((po.phase && !is_run && strcmp(name, "reset") != 0) || (po.step && strcmp(name, "reset") != 0)) {
		fprintf(stderr, "cutover: plan %s: --%s is for plan %s\n", name, po.step ? "step" : "phase",
			po.step ? "reset" : "run and plan reset");
		goto out;
	}
	if (po.detach && po.dry_run) {
		fprintf(stderr, "cutover: plan run: --dry-run runs nothing to detach\n");
		goto out;
	}
	if (is_run)
		rc = plan_run(&o, &po, o.args[0]);
	else if (strcmp(name, "status") == 0)
		rc = plan_status(&o, &po, o.args[0]);
	else if (strcmp(name, "confirm") == 0)
		rc = plan_confirm(&o, &po, o.args[0], o.args[1]);
	else if (strcmp(name, "log") == 0)
		rc = plan_log(&o, &po, o.args[0], o.n_args > 1 ? o.args[1] : NULL);
	else
		rc = plan_reset(&o, &po, o.args[0]);
out:
	opts_common_release(&o);
	return rc;
}
