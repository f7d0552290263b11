/* The HTTP client (src/http.c) and webhooks (src/notify.c) against a real
 * HTTP server: tests/world/httpsink.pl, started here on 127.53.11.1 and
 * 127.53.11.2 (one port on both), which records every request it reads in a
 * log this file reads back. Every request runs on the one loop, as cutover
 * runs them; the tests that need the sink skip, saying so, when there is no
 * perl. The template expansion needs no server. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "http.h"
#include "loop.h"
#include "notify.h"
#include "util.h"

#define SINK_SCRIPT "tests/world/httpsink.pl"
#define SINK_ADDR "127.53.11.1"
#define SINK_ADDR2 "127.53.11.2"
#define DEAD_ADDR "127.53.11.9" /* nothing listens there */

/* --- the sink ------------------------------------------------------------ */

static struct {
	pid_t pid;
	int missing; /* no perl: the tests that need the sink skip */
	unsigned port;
	char dir[64];
	char log[128], pidfile[128];
} sink;

static int perl_found(void)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path ? path : "/usr/bin:/bin");
	int found = 0;
	for (char *dir = copy, *end; dir && !found; dir = end ? end + 1 : NULL) {
		end = strchr(dir, ':');
		if (end)
			*end = '\0';
		char *p = xasprintf("%s/perl", *dir ? dir : ".");
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* A TCP port free on both sink addresses now (the kernel's choice on the
 * first). */
static unsigned free_port(void)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), fd2 = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t len = sizeof(a);
		assert_true(fd >= 0 && fd2 >= 0);
		inet_pton(AF_INET, SINK_ADDR, &a.sin_addr);
		assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
		inet_pton(AF_INET, SINK_ADDR2, &a.sin_addr);
		int ok = bind(fd2, (struct sockaddr *)&a, sizeof(a)) == 0;
		unsigned port = ntohs(a.sin_port);
		close(fd);
		close(fd2);
		if (ok)
			return port;
	}
	fail_msg("no TCP port free on both %s and %s", SINK_ADDR, SINK_ADDR2);
	return 0;
}

static int sink_start(void **state)
{
	int out[2];
	char listen1[64], listen2[64], lines[256];
	size_t got = 0;

	/* As cutover's main() does: a write to a connection the server closed
	 * is an error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	/* libcurl would send requests through a proxy of the environment. */
	const char *proxies[] = {"http_proxy",	"HTTP_PROXY", "https_proxy",
				 "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
	for (size_t i = 0; i < ARRAY_SIZE(proxies); i++)
		unsetenv(proxies[i]);
	if (!perl_found()) {
		sink.missing = 1;
		return 0;
	}
	if (access(SINK_SCRIPT, R_OK) != 0) {
		fprintf(stderr, "test_http: %s not found (run from the top of the tree)\n", SINK_SCRIPT);
		return -1;
	}
	snprintf(sink.dir, sizeof(sink.dir), "/tmp/cutover-http.XXXXXX");
	if (!mkdtemp(sink.dir))
		return -1;
	snprintf(sink.log, sizeof(sink.log), "%s/requests.log", sink.dir);
	snprintf(sink.pidfile, sizeof(sink.pidfile), "%s/sink.pid", sink.dir);
	sink.port = free_port();
	snprintf(listen1, sizeof(listen1), "%s:%u", SINK_ADDR, sink.port);
	snprintf(listen2, sizeof(listen2), "%s:%u", SINK_ADDR2, sink.port);
	if (pipe(out) != 0)
		return -1;
	sink.pid = fork();
	if (sink.pid < 0)
		return -1;
	if (sink.pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execlp("perl", "perl", SINK_SCRIPT, sink.log, sink.pidfile, listen1, listen2, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	/* Ready once it has said where it listens: two lines. */
	while (got < sizeof(lines) - 1) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};
		if (poll(&p, 1, 10000) <= 0)
			break;
		ssize_t n = read(out[0], lines + got, sizeof(lines) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		lines[got] = '\0';
		if (strchr(lines, '\n') && strchr(lines, '\n')[1] && strchr(strchr(lines, '\n') + 1, '\n'))
			break;
	}
	close(out[0]);
	lines[got] = '\0';
	if (!strstr(lines, listen1) || !strstr(lines, listen2)) {
		fprintf(stderr, "test_http: httpsink did not start (it said '%s')\n", lines);
		return -1;
	}
	(void)state;
	return 0;
}

static int sink_stop(void **state)
{
	(void)state;
	if (sink.pid > 0) {
		kill(sink.pid, SIGTERM);
		waitpid(sink.pid, NULL, 0);
		unlink(sink.log);
		unlink(sink.pidfile);
		rmdir(sink.dir);
	}
	return 0;
}

static void need_sink(void)
{
	if (sink.missing) {
		fprintf(stderr, "test_http: perl not found: skipped (it runs tests/world/httpsink.pl)\n");
		skip();
	}
}

/* The sink's record of the request for path (with its query), or NULL; the
 * caller frees it with json_decref. */
static json_t *sink_request(const char *path)
{
	FILE *f = fopen(sink.log, "r");
	char *line = NULL;
	size_t cap = 0;
	json_t *found = NULL;

	if (!f)
		return NULL;
	while (!found && getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *j = json_loads(line, JSON_ALLOW_NUL, &e);
		if (!j)
			fail_msg("httpsink wrote a line that is not JSON: %s", line);
		if (strcmp(json_string_value(json_object_get(j, "path")), path) == 0)
			found = j;
		else
			json_decref(j);
	}
	free(line);
	fclose(f);
	return found;
}

static void assert_field(json_t *req, const char *name, const char *value)
{
	json_t *v = json_object_get(req, name);
	if (!value) {
		assert_true(v == NULL || json_is_null(v));
		return;
	}
	assert_non_null(v);
	assert_string_equal(json_string_value(v), value);
}

static char *url(const char *addr, const char *path)
{
	return xasprintf("http://%s:%u%s", addr, sink.port, path);
}

/* --- running requests ---------------------------------------------------- */

/* What a callback was told, copied. */
struct got {
	int calls;
	long status;
	char *error;
	char *body;
	size_t body_len;
	int truncated;
	double total_s;
};

struct waiter {
	int outstanding;
	int inside;	       /* set while http_request() runs: no callback may come then */
	struct http_client *c; /* freed by the first callback when free_in_cb */
	int free_in_cb;
};

struct expect {
	struct waiter *w;
	struct got got;
};

static void got_release(struct got *g)
{
	free(g->error);
	free(g->body);
}

static void on_response(void *arg, const struct http_response *r)
{
	struct expect *x = arg;
	assert_false(x->w->inside);
	x->got.calls++;
	x->got.status = r->status;
	x->got.error = r->error ? xstrdup(r->error) : NULL;
	x->got.body = xstrndup(r->body, r->body_len);
	assert_int_equal(r->body[r->body_len], '\0');
	x->got.body_len = r->body_len;
	x->got.truncated = r->body_truncated;
	x->got.total_s = r->total_s;
	x->w->outstanding--;
	if (x->w->free_in_cb && x->w->c) {
		http_client_free(x->w->c);
		x->w->c = NULL;
	}
}

static void start(struct http_client *c, struct waiter *w, struct expect *x, const struct http_request *req)
{
	char err[256] = "";
	x->w = w;
	w->inside = 1;
	int rc = http_request(c, req, on_response, x, err, sizeof(err));
	w->inside = 0;
	if (rc != 0)
		fail_msg("http_request('%s'): %s", req->url, err);
	w->outstanding++;
}

static void wake(void *arg)
{
	(void)arg;
}

/* Run the loop until no request is outstanding, failing after max_ms. */
static void run(struct loop *l, struct waiter *w, unsigned max_ms)
{
	uint64_t deadline = loop_now_us() + (uint64_t)max_ms * 1000;
	struct loop_timer *guard = loop_timer_new(l, wake, NULL);
	loop_timer_start(guard, (uint64_t)max_ms * 1000);
	while (w->outstanding > 0 && loop_now_us() < deadline)
		assert_int_not_equal(loop_run_once(l, 1), -1);
	loop_timer_free(guard);
	if (w->outstanding > 0)
		fail_msg("%d requests still pending after %u ms", w->outstanding, max_ms);
}

static void open_client(struct loop **l, struct http_client **c)
{
	assert_int_equal(loop_new(l), 0);
	assert_int_equal(http_client_new(*l, c), 0);
	assert_non_null(*c);
}

static void close_client(struct loop *l, struct http_client *c)
{
	http_client_free(c);
	loop_free(l);
}

/* One request, as req says, for path on the sink (a URL of its own when
 * path is NULL), run to its end; release the result with got_release(). */
static struct got fetch(const char *path, struct http_request req)
{
	struct loop *l;
	struct http_client *c;
	struct waiter w = {0};
	struct expect x = {0};
	char *u = path ? url(SINK_ADDR, path) : NULL;
	if (u)
		req.url = u;
	open_client(&l, &c);
	start(c, &w, &x, &req);
	assert_int_equal(x.got.calls, 0);
	assert_int_equal(http_pending(c), 1);
	run(l, &w, 20000);
	assert_int_equal(x.got.calls, 1);
	assert_int_equal(http_pending(c), 0);
	close_client(l, c);
	free(u);
	return x.got;
}

/* The sink read a request for path with this method and body. */
static void assert_logged(const char *path, const char *method, const char *body)
{
	json_t *r = sink_request(path);
	if (!r)
		fail_msg("the sink has no request for '%s'", path);
	assert_field(r, "method", method);
	assert_field(r, "body", body);
	json_decref(r);
}

/* --- requests ------------------------------------------------------------ */

static void test_get(void **state)
{
	(void)state;
	need_sink();
	struct got g = fetch("/get?x=1&y=%20z", (struct http_request){0});
	assert_null(g.error);
	assert_int_equal(g.status, 200);
	assert_string_equal(g.body, "ok");
	assert_int_equal(g.truncated, 0);
	assert_true(g.total_s > 0);
	assert_logged("/get?x=1&y=%20z", "GET", "");
	json_t *r = sink_request("/get?x=1&y=%20z");
	assert_true(strncmp(json_string_value(json_object_get(r, "user_agent")), "cutover/", 8) == 0);
	json_decref(r);
	got_release(&g);
}

static void test_post_json(void **state)
{
	(void)state;
	need_sink();
	static const char *const headers[] = {"Content-Type: application/json", "X-Test: 1", NULL};
	const char *body = "{\"status\": \"converged\", \"text\": \"é\"}";
	struct got g = fetch(
		"/post", (struct http_request){.headers = headers, .body = body, .body_len = strlen(body)});
	assert_null(g.error);
	assert_int_equal(g.status, 200);
	got_release(&g);
	assert_logged("/post", "POST", body);
	json_t *r = sink_request("/post");
	assert_field(r, "content_type", "application/json");
	json_decref(r);

	/* A body is sent by its length, NUL bytes and all. */
	g = fetch("/post-nul", (struct http_request){.body = "a\0b", .body_len = 3});
	assert_int_equal(g.status, 200);
	got_release(&g);
	r = sink_request("/post-nul");
	json_t *b = json_object_get(r, "body");
	assert_int_equal(json_string_length(b), 3);
	assert_memory_equal(json_string_value(b), "a\0b", 3);
	json_decref(r);
}

static void test_methods(void **state)
{
	(void)state;
	need_sink();
	struct got g = fetch("/put", (struct http_request){.method = "PUT", .body = "x=1", .body_len = 3});
	assert_int_equal(g.status, 200);
	got_release(&g);
	assert_logged("/put", "PUT", "x=1");

	g = fetch("/head", (struct http_request){.method = "HEAD"});
	assert_null(g.error);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.body_len, 0);
	got_release(&g);
	assert_logged("/head", "HEAD", "");

	/* POST without a body, and GET given with a body. */
	g = fetch("/post-empty", (struct http_request){.method = "POST"});
	assert_int_equal(g.status, 200);
	got_release(&g);
	assert_logged("/post-empty", "POST", "");
	g = fetch("/get-body", (struct http_request){.method = "GET", .body = "q", .body_len = 1});
	got_release(&g);
	assert_logged("/get-body", "GET", "q");
}

static void test_status(void **state)
{
	(void)state;
	need_sink();
	struct got g = fetch("/status/500", (struct http_request){0});
	assert_null(g.error); /* an answer, whatever its status */
	assert_int_equal(g.status, 500);
	assert_string_equal(g.body, "status 500");
	got_release(&g);

	g = fetch("/status/204", (struct http_request){0});
	assert_null(g.error);
	assert_int_equal(g.status, 204);
	assert_int_equal(g.body_len, 0);
	got_release(&g);
}

static void test_closed_and_refused(void **state)
{
	(void)state;
	need_sink();
	struct got g = fetch("/close", (struct http_request){0});
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, SINK_ADDR));
	assert_int_equal(g.status, 0);
	got_release(&g);

	g = fetch(NULL, (struct http_request){.url = "http://" DEAD_ADDR ":1/"});
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, DEAD_ADDR));
	assert_int_equal(g.status, 0);
	got_release(&g);
}

/* A name that is not pinned is looked up off the loop (libcurl's threaded
 * resolver); one that does not exist is an error naming it. */
static void test_lookup(void **state)
{
	(void)state;
	struct got g = fetch(
		NULL, (struct http_request){.url = "http://cutover-test.invalid:1/", .timeout_ms = 5000});
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, "cutover-test.invalid"));
	assert_int_equal(g.status, 0);
	got_release(&g);
}

static void test_timeout(void **state)
{
	(void)state;
	need_sink();
	uint64_t t0 = loop_now_us();
	struct got g = fetch("/slow/20000", (struct http_request){.timeout_ms = 300});
	uint64_t ms = (loop_now_us() - t0) / 1000;
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, "timed out"));
	assert_int_equal(g.status, 0);
	/* It ends at its budget, not when the server answers (20 s). */
	assert_true(ms >= 290);
	assert_true(ms < 10000);
	got_release(&g);
}

struct ticker {
	struct loop_timer *t;
	unsigned ticks;
};

static void tick(void *arg)
{
	struct ticker *tk = arg;
	tk->ticks++;
	loop_timer_start(tk->t, 5000);
}

/* 200 requests at once, each answered after 100 ms: they all complete, and a
 * timer of the same loop ticks all along (nothing blocks the loop). */
static void test_concurrent(void **state)
{
	(void)state;
	need_sink();
	enum { N = 200 };
	struct loop *l;
	struct http_client *c;
	struct waiter w = {0};
	struct expect *x = xcalloc(N, sizeof(*x));
	struct ticker tk = {0};
	open_client(&l, &c);
	tk.t = loop_timer_new(l, tick, &tk);
	loop_timer_start(tk.t, 5000);
	for (int i = 0; i < N; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/slow/100?n=%d", i);
		char *u = url(SINK_ADDR, path);
		struct http_request req = {.url = u};
		start(c, &w, &x[i], &req);
		free(u);
	}
	assert_int_equal(http_pending(c), N);
	uint64_t t0 = loop_now_us();
	run(l, &w, 30000);
	uint64_t ms = (loop_now_us() - t0) / 1000;
	for (int i = 0; i < N; i++) {
		assert_int_equal(x[i].got.calls, 1);
		if (x[i].got.error)
			fail_msg("request %d: %s", i, x[i].got.error);
		assert_int_equal(x[i].got.status, 200);
		got_release(&x[i].got);
	}
	assert_int_equal(http_pending(c), 0);
	assert_true(tk.ticks >= 5);
	/* At once, not one after the other (that would be 20 s). */
	assert_true(ms < 10000);
	loop_timer_free(tk.t);
	close_client(l, c);
	free(x);
}

static void test_resolve(void **state)
{
	(void)state;
	need_sink();
	struct loop *l;
	struct http_client *c;
	struct waiter w = {0};
	struct expect x[4] = {{0}};
	char *u1 = xasprintf("http://pinned.example:%u/pin1", sink.port);
	char *u2 = xasprintf("http://pinned.example:%u/pin2", sink.port);
	char *u3 = xasprintf("http://pinned.example:%u/pin3", sink.port);
	char *r1 = xasprintf("pinned.example:%u:%s", sink.port, SINK_ADDR);
	char *r2 = xasprintf("PINNED.example:%u:[%s]", sink.port, SINK_ADDR2);
	char *r3 = xasprintf("pinned.example:%u:%s", sink.port, DEAD_ADDR);
	char host[64];
	snprintf(host, sizeof(host), "pinned.example:%u", sink.port);

	open_client(&l, &c);
	/* The same host and port pinned to two addresses at once: each goes
	 * where it is pinned. */
	struct http_request a = {.url = u1, .resolve = r1}, b = {.url = u2, .resolve = r2};
	start(c, &w, &x[0], &a);
	start(c, &w, &x[1], &b);
	run(l, &w, 20000);
	assert_null(x[0].got.error);
	assert_null(x[1].got.error);
	json_t *q1 = sink_request("/pin1"), *q2 = sink_request("/pin2");
	assert_non_null(q1);
	assert_non_null(q2);
	char *addr1 = xasprintf("%s:%u", SINK_ADDR, sink.port),
	     *addr2 = xasprintf("%s:%u", SINK_ADDR2, sink.port);
	assert_field(q1, "addr", addr1);
	assert_field(q1, "host", host);
	assert_field(q2, "addr", addr2);
	json_decref(q1);
	json_decref(q2);

	/* Pinned afterwards to where nothing listens: neither a connection
	 * nor an address of the requests before is used. */
	struct http_request d = {.url = u3, .resolve = r3};
	start(c, &w, &x[2], &d);
	run(l, &w, 20000);
	assert_non_null(x[2].got.error);
	assert_null(sink_request("/pin3"));
	/* And to the sink again. */
	struct http_request e = {.url = u3, .resolve = r1};
	start(c, &w, &x[3], &e);
	run(l, &w, 20000);
	assert_null(x[3].got.error);
	assert_int_equal(x[3].got.status, 200);
	for (size_t i = 0; i < ARRAY_SIZE(x); i++)
		got_release(&x[i].got);

	/* Pins that would not pin are refused. */
	static const char *const bad[] = {
		"other.example:%u:127.53.11.1",
		"pinned.example:1:127.53.11.1",
		"pinned.example:%u:nowhere",
		"pinned.example:%u:",
		"pinned.example",
		":%u:127.53.11.1",
		"pinned.example:%u:127.53.11.1,127.53.11.2",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char err[256] = "";
		char *pin = xasprintf(bad[i], sink.port);
		struct http_request req = {.url = u1, .resolve = pin};
		assert_int_equal(http_request(c, &req, on_response, NULL, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "resolve '"));
		free(pin);
	}
	assert_int_equal(http_pending(c), 0);
	close_client(l, c);
	free(addr1);
	free(addr2);
	free(u1);
	free(u2);
	free(u3);
	free(r1);
	free(r2);
	free(r3);
}

static void test_max_body(void **state)
{
	(void)state;
	need_sink();
	struct got g = fetch("/big/100000", (struct http_request){.max_body = 1000});
	assert_null(g.error);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.body_len, 1000);
	assert_int_equal(g.truncated, 1);
	got_release(&g);

	g = fetch("/big/100000", (struct http_request){0});
	assert_int_equal(g.body_len, 64 * 1024);
	assert_int_equal(g.truncated, 1);
	got_release(&g);

	g = fetch("/big/1000", (struct http_request){.max_body = 1000});
	assert_int_equal(g.body_len, 1000);
	assert_int_equal(g.truncated, 0);
	got_release(&g);
}

static void test_redirects(void **state)
{
	(void)state;
	need_sink();
	struct got g = fetch("/redirect?to=/status/204", (struct http_request){0});
	assert_int_equal(g.status, 302);
	got_release(&g);
	g = fetch("/redirect?to=/status/204", (struct http_request){.follow_redirects = 1});
	assert_null(g.error);
	assert_int_equal(g.status, 204);
	got_release(&g);

	/* A redirect to another scheme is not followed. */
	g = fetch("/redirect?to=file:///etc/passwd", (struct http_request){.follow_redirects = 1});
	assert_non_null(g.error);
	assert_int_equal(g.status, 0);
	got_release(&g);
}

static void test_refused_urls(void **state)
{
	(void)state;
	struct loop *l;
	struct http_client *c;
	open_client(&l, &c);
	static const char *const bad[] = {
		"file:///etc/passwd",
		"ftp://127.53.11.1/",
		"gopher://127.53.11.1/",
		"dict://127.53.11.1/",
		"not a url",
		"127.53.11.1/x",
		"",
		"http://",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char err[256] = "", err2[256] = "";
		struct http_request req = {.url = bad[i]};
		assert_int_equal(http_request(c, &req, on_response, NULL, err, sizeof(err)), -1);
		assert_int_equal(http_url_check(bad[i], err2, sizeof(err2)), -1);
		assert_string_equal(err, err2);
		assert_non_null(strstr(err, bad[i]));
	}
	char err[256];
	assert_int_equal(http_url_check("file:///etc/passwd", err, sizeof(err)), -1);
	assert_string_equal(err, "'file:///etc/passwd': unsupported scheme 'file' (http and https only)");
	assert_int_equal(http_url_check("https://example.org/x?y=1", err, sizeof(err)), 0);

	/* No line break in a header, no space in a method. */
	static const char *const split[] = {"X-A: 1\r\nX-B: 2", NULL};
	struct http_request h = {.url = "http://127.53.11.1/", .headers = split};
	assert_int_equal(http_request(c, &h, on_response, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "header 'X-A: 1' is followed by a line break");
	struct http_request m = {.url = "http://127.53.11.1/", .method = "GET / HTTP/1.0\r\n"};
	assert_int_equal(http_request(c, &m, on_response, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an HTTP method"));
	assert_int_equal(http_pending(c), 0);
	close_client(l, c);
}

/* An idle client leaves nothing on the loop (a kept connection included):
 * loop_run() returns once the requests are done, as cutover's commands end. */
static void test_idle(void **state)
{
	(void)state;
	need_sink();
	struct loop *l;
	struct http_client *c;
	struct waiter w = {0};
	struct expect x[2] = {{0}};
	char *u = url(SINK_ADDR, "/idle");
	struct http_request req = {.url = u};
	open_client(&l, &c);
	start(c, &w, &x[0], &req);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(x[0].got.calls, 1);
	assert_int_equal(x[0].got.status, 200);
	/* And the next request still runs (on the connection kept). */
	start(c, &w, &x[1], &req);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(x[1].got.status, 200);
	got_release(&x[0].got);
	got_release(&x[1].got);
	close_client(l, c);
	free(u);
}

/* Cancelled requests and those of a freed client end without callbacks;
 * ASan sees that nothing is left behind. */
static void test_cancel_and_free(void **state)
{
	(void)state;
	need_sink();
	struct loop *l;
	struct http_client *c;
	struct waiter w = {0};
	struct expect x[5] = {{0}};
	char *u = url(SINK_ADDR, "/slow/3000");
	open_client(&l, &c);
	for (size_t i = 0; i < ARRAY_SIZE(x); i++) {
		struct http_request req = {.url = u};
		start(c, &w, &x[i < 3 ? 0 : i], &req);
	}
	/* Let them connect and send. */
	for (int i = 0; i < 20; i++)
		loop_run_once(l, 0);
	assert_int_equal(http_cancel(c, &x[0]), 3);
	assert_int_equal(http_cancel(c, &x[0]), 0);
	assert_int_equal(http_pending(c), 2);
	http_client_free(c);
	for (int i = 0; i < 20; i++)
		loop_run_once(l, 0);
	for (size_t i = 0; i < ARRAY_SIZE(x); i++)
		assert_int_equal(x[i].got.calls, 0);
	loop_free(l);
	free(u);
}

/* A callback that frees the client: the requests finishing in the same
 * round get no callback. */
static void test_free_in_callback(void **state)
{
	(void)state;
	need_sink();
	struct loop *l;
	struct http_client *c;
	struct waiter w = {0};
	struct expect x[5] = {{0}};
	char *u = url(SINK_ADDR, "/status/201");
	open_client(&l, &c);
	w.c = c;
	w.free_in_cb = 1;
	for (size_t i = 0; i < ARRAY_SIZE(x); i++) {
		struct http_request req = {.url = u};
		start(c, &w, &x[i], &req);
	}
	uint64_t deadline = loop_now_us() + 20000000;
	while (w.c && loop_now_us() < deadline)
		loop_run_once(l, 1);
	assert_null(w.c);
	for (int i = 0; i < 10; i++)
		loop_run_once(l, 0);
	int calls = 0;
	for (size_t i = 0; i < ARRAY_SIZE(x); i++) {
		calls += x[i].got.calls;
		got_release(&x[i].got);
	}
	assert_int_equal(calls, 1);
	loop_free(l);
	free(u);
}

/* --- templates ----------------------------------------------------------- */

static const struct notify_var vars[] = {
	{"status", "pending"},
	{"converged", "3"},
	{"total", "50"},
	{"eta", "2026-11-25T10:00:00Z"},
};

static void expect_expand(const char *tmpl, const char *want)
{
	char err[256] = "";
	char *got = notify_url_expand(tmpl, vars, ARRAY_SIZE(vars), err, sizeof(err));
	if (!got)
		fail_msg("'%s': %s", tmpl, err);
	assert_string_equal(got, want);
	free(got);
}

static void expect_error(const char *tmpl, const char *want)
{
	char err[256] = "";
	char *got = notify_url_expand(tmpl, vars, ARRAY_SIZE(vars), err, sizeof(err));
	if (got)
		fail_msg("'%s' expanded to '%s'", tmpl, got);
	assert_string_equal(err, want);
}

static void test_expand(void **state)
{
	(void)state;
	expect_expand(
		"https://kuma.example/api/push/Tok3n?status={status}&msg={converged}%2F{total}&eta={eta}",
		"https://kuma.example/api/push/Tok3n?status=pending&msg=3%2F50&eta=2026-11-25T10%3A00%3A00Z");
	expect_expand("http://h/{status}/{status}", "http://h/pending/pending");
	expect_expand("http://h/", "http://h/");
	expect_expand("", "");
	/* A brace is written percent-encoded, and passes as it is. */
	expect_expand("http://h/%7Bstatus%7D", "http://h/%7Bstatus%7D");

	/* Values cannot break out of their place in the URL. */
	struct notify_var v[] = {
		{"a", "x&y=1?z #f/g\\h%25+=;:@!$'()*,[]"},
		{"u", "é✓\x01\x7f\xff"},
		{"keep", "AZaz09-._~"},
		{"empty", ""},
	};
	char err[256];
	char *got = notify_url_expand("http://h/p?q={a}&u={u}&k={keep}&e={empty}", v, ARRAY_SIZE(v), err,
				      sizeof(err));
	assert_non_null(got);
	assert_string_equal(
		got,
		"http://h/p?q=x%26y%3D1%3Fz%20%23f%2Fg%5Ch%2525%2B%3D%3B%3A%40%21%24%27%28%29%2A%2C%5B%5D"
		"&u=%C3%A9%E2%9C%93%01%7F%FF&k=AZaz09-._~&e=");
	free(got);

	/* The first of a name given twice. */
	struct notify_var twice[] = {{"x", "1"}, {"x", "2"}};
	got = notify_url_expand("{x}", twice, 2, err, sizeof(err));
	assert_string_equal(got, "1");
	free(got);
}

static void test_expand_errors(void **state)
{
	(void)state;
	expect_error("http://h/?s={stauts}",
		     "unknown variable '{stauts}' at column 13 (known: {status} {converged} {total} {eta})");
	expect_error("http://h/?s={Status}",
		     "unknown variable '{Status}' at column 13 (known: {status} {converged} {total} {eta})");
	expect_error("http://h/{}",
		     "unknown variable '{}' at column 10 (known: {status} {converged} {total} {eta})");
	expect_error("http://h/?s={status",
		     "'{' at column 13 is not closed (a literal brace is written %7B)");
	expect_error("http://h/{{status}}",
		     "'{' at column 10 is not closed (a literal brace is written %7B)");
	expect_error("http://h/{sta{tus}", "'{' at column 10 is not closed (a literal brace is written %7B)");
	expect_error("http://h/}", "'}' at column 10 without '{' (a literal brace is written %7D)");
	expect_error("http://h/{status}}", "'}' at column 18 without '{' (a literal brace is written %7D)");
	char err[256];
	assert_null(notify_url_expand("{x}", NULL, 0, err, sizeof(err)));
	assert_string_equal(err, "unknown variable '{x}' at column 1 (known: none)");
	struct notify_var twice[] = {{"x", "1"}, {"x", "2"}};
	assert_null(notify_url_expand("{y}", twice, 2, err, sizeof(err)));
	assert_string_equal(err, "unknown variable '{y}' at column 1 (known: {x})");
}

static void test_url_check(void **state)
{
	(void)state;
	static const char *const names[] = {"status", "converged", "total", "eta"};
	char err[256];
	assert_int_equal(notify_url_check("https://kuma.example/api/push/T?status={status}&msg={eta}", names,
					  ARRAY_SIZE(names), err, sizeof(err)),
			 0);
	assert_int_equal(
		notify_url_check("http://{status}.example/", names, ARRAY_SIZE(names), err, sizeof(err)), 0);
	assert_int_equal(notify_url_check("file:///tmp/{status}", names, ARRAY_SIZE(names), err, sizeof(err)),
			 -1);
	assert_string_equal(err, "'file:///tmp/0': unsupported scheme 'file' (http and https only)");
	assert_int_equal(notify_url_check("http://h/{nope}", names, ARRAY_SIZE(names), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'{nope}'"));
	assert_int_equal(notify_url_check("kuma.example/push", names, ARRAY_SIZE(names), err, sizeof(err)),
			 -1);
}

/* --- webhooks ------------------------------------------------------------ */

struct notified {
	int calls;
	long status;
	char *url, *error;
	int *outstanding;
	struct notifier *free_me;
};

static void on_notified(void *arg, const char *url_shown, long status, const char *error)
{
	struct notified *n = arg;
	n->calls++;
	n->status = status;
	n->url = xstrdup(url_shown);
	n->error = error ? xstrdup(error) : NULL;
	(*n->outstanding)--;
	if (n->free_me)
		notifier_free(n->free_me);
}

static void notified_release(struct notified *n)
{
	free(n->url);
	free(n->error);
}

static void test_notify(void **state)
{
	(void)state;
	need_sink();
	struct loop *l;
	struct http_client *c;
	struct notifier *nt;
	struct waiter w = {0};
	struct notified n[5] = {{0}};
	char err[256] = "";
	open_client(&l, &c);
	assert_int_equal(notifier_new(c, &nt), 0);
	struct notify_var v[] = {{"status", "pending"}, {"msg", "3 of 50 & more"}};
	char *get = url(SINK_ADDR, "/push?status={status}&msg={msg}");
	char *post = url(SINK_ADDR, "/hook/{status}");
	char *missing = url(SINK_ADDR, "/status/404");
	char *dead = xasprintf("http://%s:1/{status}", DEAD_ADDR);
	char *moved = url(SINK_ADDR, "/redirect?to=/hook/moved");
	const char *json = "{\"status\":\"pending\",\"converged\":3,\"total\":50}";

	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		n[i].outstanding = &w.outstanding;
	assert_int_equal(notify_send(nt, get, v, 2, NULL, on_notified, &n[0], err, sizeof(err)), 0);
	assert_int_equal(notify_send(nt, post, v, 2, json, on_notified, &n[1], err, sizeof(err)), 0);
	assert_int_equal(notify_send(nt, missing, v, 2, NULL, on_notified, &n[2], err, sizeof(err)), 0);
	assert_int_equal(notify_send(nt, dead, v, 2, NULL, on_notified, &n[3], err, sizeof(err)), 0);
	assert_int_equal(notify_send(nt, moved, v, 2, json, on_notified, &n[4], err, sizeof(err)), 0);
	w.outstanding = 5;
	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		assert_int_equal(n[i].calls, 0);
	run(l, &w, 20000);

	char *shown = url(SINK_ADDR, "/push?status=pending&msg=3%20of%2050%20%26%20more");
	assert_string_equal(n[0].url, shown);
	assert_int_equal(n[0].status, 200);
	assert_null(n[0].error);
	json_t *r = sink_request("/push?status=pending&msg=3%20of%2050%20%26%20more");
	assert_non_null(r);
	assert_field(r, "method", "GET");
	json_decref(r);

	assert_int_equal(n[1].status, 200);
	assert_null(n[1].error);
	r = sink_request("/hook/pending");
	assert_non_null(r);
	assert_field(r, "method", "POST");
	assert_field(r, "content_type", "application/json");
	assert_field(r, "body", json);
	json_decref(r);

	assert_int_equal(n[2].status, 404);
	assert_string_equal(n[2].error, "HTTP status 404: status 404");

	assert_int_equal(n[3].status, 0);
	assert_non_null(n[3].error);
	assert_non_null(strstr(n[3].error, DEAD_ADDR));

	/* A POST is not redirected (it would arrive as a GET without body). */
	assert_int_equal(n[4].status, 302);
	assert_string_equal(n[4].error, "HTTP status 302: redirect");
	assert_null(sink_request("/hook/moved"));

	/* Templates that do not expand, URLs that are not http. */
	assert_int_equal(notify_send(nt, "http://h/{nope}", v, 2, NULL, on_notified, &n[0], err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "'{nope}'"));
	assert_int_equal(
		notify_send(nt, "file:///{status}", v, 2, NULL, on_notified, &n[0], err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unsupported scheme 'file'"));
	assert_int_equal(http_pending(c), 0);

	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		notified_release(&n[i]);
	notifier_free(nt);
	close_client(l, c);
	free(shown);
	free(get);
	free(post);
	free(missing);
	free(dead);
	free(moved);
}

/* A notifier freed with sends pending (their callbacks never run), and one
 * freed from its own callback. */
static void test_notifier_free(void **state)
{
	(void)state;
	need_sink();
	struct loop *l;
	struct http_client *c;
	struct notifier *nt;
	struct waiter w = {0};
	struct notified n[3] = {{0}};
	char err[256];
	char *slow = url(SINK_ADDR, "/slow/3000");
	char *fast = url(SINK_ADDR, "/fast");
	open_client(&l, &c);
	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		n[i].outstanding = &w.outstanding;

	assert_int_equal(notifier_new(c, &nt), 0);
	assert_int_equal(notify_send(nt, slow, NULL, 0, NULL, on_notified, &n[0], err, sizeof(err)), 0);
	assert_int_equal(notify_send(nt, slow, NULL, 0, "{}", on_notified, &n[0], err, sizeof(err)), 0);
	assert_int_equal(http_pending(c), 2);
	notifier_free(nt);
	assert_int_equal(http_pending(c), 0);

	assert_int_equal(notifier_new(c, &nt), 0);
	n[1].free_me = nt;
	assert_int_equal(notify_send(nt, fast, NULL, 0, NULL, on_notified, &n[1], err, sizeof(err)), 0);
	assert_int_equal(notify_send(nt, slow, NULL, 0, NULL, on_notified, &n[2], err, sizeof(err)), 0);
	w.outstanding = 1;
	run(l, &w, 20000);
	assert_int_equal(n[0].calls, 0);
	assert_int_equal(n[1].calls, 1);
	assert_int_equal(n[1].status, 200);
	assert_int_equal(n[2].calls, 0);
	assert_int_equal(http_pending(c), 0);
	for (size_t i = 0; i < ARRAY_SIZE(n); i++)
		notified_release(&n[i]);
	close_client(l, c);
	free(slow);
	free(fast);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_post_json),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_closed_and_refused),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_max_body),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_refused_urls),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_cancel_and_free),
		cmocka_unit_test(test_free_in_callback),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_errors),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_notifier_free),
	};
	return cmocka_run_group_tests_name("http", tests, sink_start, sink_stop);
}
