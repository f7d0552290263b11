/* storebench: the state database (src/store.c) under a month of cron
 * sweeps. Records SWEEPS sweeps of SERVERS servers each into a new file,
 * then times recording one more, store_prop_last_flips() and
 * store_prop_history(); prints the figures and the file's size.
 *
 *   storebench [-n SWEEPS] [-s SERVERS] [-f FILE]
 *   storebench -p EVALUATIONS [-f FILE]
 *
 * Defaults: 8640 sweeps (30 days every 5 minutes) of 60 servers, in a
 * temporary file removed at the end. With -p, a migration plan's state
 * instead: its steps and phases written as a runner does, then EVALUATIONS
 * evaluations of a gate with the TTLs it observed, and the reads of `plan
 * status` and of a ttl-drain hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void usage(void)
{
	fputs("usage: storebench [-n SWEEPS] [-s SERVERS] [-p EVALUATIONS] [-f FILE]\n", stderr);
	exit(3);
}

static void die(const char *err)
{
	fprintf(stderr, "storebench: %s\n", err);
	exit(3);
}

/* Print the median, 99th percentile and maximum of n times (sorted here). */
static void print_times(const char *what, double *times, size_t n)
{
	qsort(times, n, sizeof(*times), cmp_double);
	printf("%s: median %.2f ms, 99th percentile %.2f ms, max %.2f ms\n", what, times[n / 2] * 1e3,
	       times[n * 99 / 100] * 1e3, times[n - 1] * 1e3);
}

/* SWEEPS sweeps of SERVERS servers, then the reads of --history and of the
 * stale test. */
static void sweep_bench(struct store *s, unsigned long n_sweeps, unsigned long n_servers)
{
	struct store_prop_server *servers = xcalloc(n_servers, sizeof(*servers));
	char err[512], (*addr)[40] = xcalloc(n_servers, sizeof(*addr));
	double *times = xcalloc(n_sweeps, sizeof(*times)), t0, t_fill, t_hist, t_flips = 0, flips;
	struct store_prop_history h;

	for (size_t i = 0; i < n_servers; i++) {
		snprintf(addr[i], sizeof(addr[i]), "192.0.%zu.%zu", i / 250, 1 + i % 250);
		servers[i] = (struct store_prop_server){
			addr[i],    53,	       i < 4 ? "authoritative" : "recursive",
			"operator", "old",     "192.0.2.10",
			300,	    "NOERROR", 0,
			NULL,	    NULL};
	}
	/* Resolver i turns to the new value at sweep i * SWEEPS / SERVERS. */
	t0 = now();
	for (unsigned long k = 0; k < n_sweeps; k++) {
		struct store_prop_sweep sw = {
			"www.example.org.", "A", "198.51.100.20", 1.8e9 + 300.0 * (double)k, 0, 0, 0, servers,
			n_servers};
		for (size_t i = 0; i < n_servers; i++) {
			int is_new = i < 4 || k >= i * n_sweeps / n_servers;
			servers[i].status = is_new ? "new" : "old";
			servers[i].answer = is_new ? "198.51.100.20" : "192.0.2.10";
			servers[i].flips_at = is_new ? 0 : sw.at + 300;
			if (i >= 4) {
				sw.total++;
				sw.converged += is_new;
			}
		}
		double t = now();
		if (store_prop_record(s, &sw, err, sizeof(err)) != 0)
			die(err);
		times[k] = now() - t;
	}
	t_fill = now() - t0;

	for (size_t i = 0; i < 100; i++) {
		double t = now();
		if (store_prop_last_flips(s, "www.example.org.", "A", "198.51.100.20", addr[n_servers - 1],
					  53, NULL, &flips, err, sizeof(err)) < 0)
			die(err);
		t_flips += now() - t;
	}
	t0 = now();
	if (store_prop_history(s, "www.example.org.", "A", NULL, &h, err, sizeof(err)) != 1)
		die(err);
	t_hist = now() - t0;

	printf("%lu sweeps of %lu servers (%lu answers) in %.2f s\n", n_sweeps, n_servers,
	       n_sweeps * n_servers, t_fill);
	print_times("store_prop_record", times, n_sweeps);
	printf("store_prop_last_flips: %.3f ms\n", t_flips / 100 * 1e3);
	printf("store_prop_history: %.1f ms (%zu servers, %zu points)\n", t_hist * 1e3, h.n_servers,
	       h.n_points);
	store_prop_history_release(&h);
	free(servers);
	free(addr);
	free(times);
}

#define PLAN_PHASES 10
#define PLAN_STEPS 6	 /* a phase */
#define PLAN_SUBJECTS 10 /* names a gate observes */

/* A plan of PLAN_PHASES phases of PLAN_STEPS steps, each step written as
 * a runner does (running, then done), then EVALUATIONS evaluations of one
 * gate, each with 20 findings and the TTLs of PLAN_SUBJECTS names (lowered
 * from 3600 to 300 half way); then the reads of `plan status` and of a
 * ttl-drain hold. */
static void plan_bench(struct store *s, unsigned long n_evals)
{
	size_t n_puts = PLAN_PHASES * (2 + PLAN_STEPS * 2), k = 0;
	double *puts = xcalloc(n_puts, sizeof(*puts)), *evals = xcalloc(n_evals, sizeof(*evals));
	double t, t_all, t_last, t_lowering, lowered_at;
	char err[512], phase[16], step[16], subjects_buf[PLAN_SUBJECTS][40];
	const char *subjects[PLAN_SUBJECTS];
	long ttls[PLAN_SUBJECTS], before;
	struct strbuf findings = STRBUF_INIT;
	struct store_plan_state st;
	long long plan;

	if (store_plan_id(s, "move", "/srv/plans/move.yml", &plan, err, sizeof(err)) != 0)
		die(err);
	for (size_t p = 0; p < PLAN_PHASES; p++) {
		snprintf(phase, sizeof(phase), "phase-%zu", p);
		for (int done = 0; done < 2; done++) {
			struct store_plan_phase ph = {
				phase, done ? "done" : "running", 1.8e9, done ? 1.8e9 : 0, 0, 0, NULL};
			t = now();
			if (store_plan_phase_put(s, plan, &ph, err, sizeof(err)) != 0)
				die(err);
			puts[k++] = now() - t;
			for (size_t i = 0; done == 0 && i < PLAN_STEPS; i++) {
				snprintf(step, sizeof(step), "step-%zu-%zu", p, i);
				for (int end = 0; end < 2; end++) {
					struct store_plan_step sp = {phase,
								     step,
								     end ? "done" : "running",
								     1.8e9,
								     end ? 1.8e9 : 0,
								     end ? 0 : -1,
								     1,
								     NULL};
					t = now();
					if (store_plan_step_put(s, plan, &sp, err, sizeof(err)) != 0)
						die(err);
					puts[k++] = now() - t;
				}
			}
		}
	}
	sb_adds(&findings, "[");
	for (int i = 0; i < 20; i++)
		sb_addf(&findings,
			"%s{\"code\": \"ttl.too-high\", \"status\": \"fail\", \"subject\": "
			"\"www%d.example.org/A\","
			" \"server\": \"ns1.example.net/192.0.2.1\", \"message\": \"TTL 3600 is above 900\"}",
			i ? ", " : "", i);
	sb_adds(&findings, "]");
	for (size_t i = 0; i < PLAN_SUBJECTS; i++) {
		snprintf(subjects_buf[i], sizeof(subjects_buf[i]), "www%zu.example.org. A", i);
		subjects[i] = subjects_buf[i];
	}
	for (unsigned long e = 0; e < n_evals; e++) {
		struct store_plan_gate g = {"phase-1", 1.8e9 + 30.0 * (double)e, 0, "fail", findings.buf,
					    "20 fail"};
		for (size_t i = 0; i < PLAN_SUBJECTS; i++)
			ttls[i] = e < n_evals / 2 ? 3600 : 300;
		t = now();
		if (store_plan_gate_add(s, plan, &g, err, sizeof(err)) != 0 ||
		    store_plan_observe(s, plan, g.at, subjects, ttls, PLAN_SUBJECTS, err, sizeof(err)) != 0)
			die(err);
		evals[e] = now() - t;
	}
	t = now();
	if (store_plan_state(s, plan, STORE_GATES_LAST, &st, err, sizeof(err)) != 0)
		die(err);
	t_last = now() - t;
	store_plan_state_release(&st);
	t = now();
	if (store_plan_state(s, plan, STORE_GATES_ALL, &st, err, sizeof(err)) != 0)
		die(err);
	t_all = now() - t;
	t = now();
	if (store_plan_lowering(s, plan, subjects[PLAN_SUBJECTS - 1], &before, &lowered_at, err,
				sizeof(err)) < 0)
		die(err);
	t_lowering = now() - t;

	printf("a plan of %d phases of %d steps, %lu gate evaluations with %d observations each\n",
	       PLAN_PHASES, PLAN_STEPS, n_evals, PLAN_SUBJECTS);
	print_times("store_plan_step_put and _phase_put", puts, n_puts);
	print_times("store_plan_gate_add and _observe", evals, n_evals);
	printf("store_plan_state: %.1f ms with the latest gate of each phase, %.1f ms with all %zu\n",
	       t_last * 1e3, t_all * 1e3, st.n_gates);
	printf("store_plan_lowering: %.2f ms over %lu observations (before %ld)\n", t_lowering * 1e3, n_evals,
	       before);
	store_plan_state_release(&st);
	sb_release(&findings);
	free(puts);
	free(evals);
}

int main(int argc, char **argv)
{
	unsigned long n_sweeps = 8640, n_servers = 60, n_evals = 0;
	char tmpdir[] = "/tmp/storebench-XXXXXX", *path = NULL, err[512];
	struct store *s = NULL;
	struct rusage ru;
	struct stat st;
	int c, own = 0;

	while ((c = getopt(argc, argv, "n:s:p:f:")) != -1) {
		if (c == 'n' && parse_ulong(optarg, 1, 10000000, &n_sweeps) == 0)
			continue;
		if (c == 's' && parse_ulong(optarg, 1, 100000, &n_servers) == 0)
			continue;
		if (c == 'p' && parse_ulong(optarg, 2, 10000000, &n_evals) == 0)
			continue;
		if (c == 'f') {
			path = xstrdup(optarg);
			continue;
		}
		usage();
	}
	if (!path) {
		if (!mkdtemp(tmpdir)) {
			perror("storebench: mkdtemp");
			return 3;
		}
		path = xasprintf("%s/state.db", tmpdir);
		own = 1;
	}
	if (store_open(path, &s, err, sizeof(err)) != 0)
		die(err);
	if (n_evals)
		plan_bench(s, n_evals);
	else
		sweep_bench(s, n_sweeps, n_servers);
	getrusage(RUSAGE_SELF, &ru);
	store_close(s);
	stat(path, &st);
	printf("database: %.1f MB (after close); peak RSS %.1f MB\n", (double)st.st_size / 1e6,
	       (double)ru.ru_maxrss / 1024);
	if (own) {
		char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
		unlink(wal);
		unlink(shm);
		unlink(path);
		rmdir(tmpdir);
		free(wal);
		free(shm);
	}
	free(path);
	return 0;
}
