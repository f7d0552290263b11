/* storebench: the state database (src/store.c) under a month of cron
 * sweeps. Records SWEEPS sweeps of SERVERS servers each into a new file,
 * then times recording one more, store_prop_last_flips() and
 * store_prop_history(); prints the figures and the file's size.
 *
 *   storebench [-n SWEEPS] [-s SERVERS] [-f FILE]
 *
 * Defaults: 8640 sweeps (30 days every 5 minutes) of 60 servers, in a
 * temporary file removed at the end. */
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
	fputs("usage: storebench [-n SWEEPS] [-s SERVERS] [-f FILE]\n", stderr);
	exit(3);
}

int main(int argc, char **argv)
{
	unsigned long n_sweeps = 8640, n_servers = 60;
	char tmpdir[] = "/tmp/storebench-XXXXXX", *path = NULL, err[512], (*addr)[40];
	struct store_prop_server *servers;
	struct store *s = NULL;
	struct store_prop_history h;
	double *times, t0, t_fill, t_hist, t_flips = 0, flips;
	struct rusage ru;
	struct stat st;
	int c, own = 0;

	while ((c = getopt(argc, argv, "n:s:f:")) != -1) {
		if (c == 'n' && parse_ulong(optarg, 1, 10000000, &n_sweeps) == 0)
			continue;
		if (c == 's' && parse_ulong(optarg, 1, 100000, &n_servers) == 0)
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
	if (store_open(path, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "storebench: %s\n", err);
		return 3;
	}
	servers = xcalloc(n_servers, sizeof(*servers));
	addr = xcalloc(n_servers, sizeof(*addr));
	times = xcalloc(n_sweeps, sizeof(*times));
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
		if (store_prop_record(s, &sw, err, sizeof(err)) != 0) {
			fprintf(stderr, "storebench: %s\n", err);
			return 3;
		}
		times[k] = now() - t;
	}
	t_fill = now() - t0;
	qsort(times, n_sweeps, sizeof(*times), cmp_double);

	for (size_t i = 0; i < 100; i++) {
		double t = now();
		if (store_prop_last_flips(s, "www.example.org.", "A", "198.51.100.20", addr[n_servers - 1],
					  53, NULL, &flips, err, sizeof(err)) < 0) {
			fprintf(stderr, "storebench: %s\n", err);
			return 3;
		}
		t_flips += now() - t;
	}
	t0 = now();
	if (store_prop_history(s, "www.example.org.", "A", NULL, &h, err, sizeof(err)) != 1) {
		fprintf(stderr, "storebench: %s\n", err);
		return 3;
	}
	t_hist = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	store_close(s);
	stat(path, &st);

	printf("%lu sweeps of %lu servers (%lu answers) in %.2f s\n", n_sweeps, n_servers,
	       n_sweeps * n_servers, t_fill);
	printf("store_prop_record: median %.2f ms, 99th percentile %.2f ms, max %.2f ms\n",
	       times[n_sweeps / 2] * 1e3, times[n_sweeps * 99 / 100] * 1e3, times[n_sweeps - 1] * 1e3);
	printf("store_prop_last_flips: %.3f ms\n", t_flips / 100 * 1e3);
	printf("store_prop_history: %.1f ms (%zu servers, %zu points)\n", t_hist * 1e3, h.n_servers,
	       h.n_points);
	printf("database: %.1f MB (after close); peak RSS %.1f MB\n", (double)st.st_size / 1e6,
	       (double)ru.ru_maxrss / 1024);
	store_prop_history_release(&h);
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
	free(servers);
	free(addr);
	free(times);
	return 0;
}
