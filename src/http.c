/* The HTTP client (http.h): libcurl's multi-socket interface driven by the
 * reactor, as curl's docs/examples/multi-event.c drives it by libevent.
 * libcurl says which sockets it wants watched for what (the socket callback:
 * a loop_io each) and when it next needs a call (the timer callback: one
 * loop_timer); the loop calls curl_multi_socket_action() when either fires,
 * and the requests libcurl then says are done are delivered to their
 * callbacks. Nothing here blocks, polls or runs a loop of its own. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "loop.h"
#include "util.h"

#define HTTP_TIMEOUT_MS 10000
#define HTTP_MAX_BODY (64 * 1024)
#define HTTP_MAX_REDIRS 10L
/* The schemes a request and a redirect may use. */
#define HTTP_PROTOCOLS "http,https"
#define SMTP_PROTOCOLS "smtp,smtps"
/* SMTP replies kept from a session (the greeting, the EHLO reply). */
#define SMTP_MAX_REPLY 4096

/* A socket libcurl wants watched. */
struct http_sock {
	struct http_client *c;
	struct loop_io *io;
	struct http_sock *prev, *next;
};

/* A request in flight. */
struct http_call {
	struct http_client *c;
	CURL *easy;
	CURLSH *share; /* a pinned request's own DNS cache */
	struct curl_slist *headers, *resolve;
	http_cb cb;
	void *arg;
	char *host; /* the URL's, for messages */
	struct strbuf body;
	size_t max_body;
	int truncated;
	int smtp;
	int tls; /* TLS data went either way */
	/* SMTP: the greeting (complete once a reply's last line came), and the
	 * reply to the last EHLO sent (ehlo_open while it is being read). */
	struct strbuf banner, ehlo;
	int banner_done, ehlo_open;
	char errbuf[CURL_ERROR_SIZE];
	struct http_call *prev, *next;
};

struct http_client {
	struct loop *l;
	CURLM *multi;
	struct loop_timer *timer;
	struct http_call *calls; /* pending */
	size_t n_calls;
	struct http_sock *socks;
	char *ca_file;	/* for requests without their own */
	int delivering; /* deliver() calls on the stack */
	int freed;	/* http_client_free() was called from a callback */
};

/* --- the process's libcurl --------------------------------------------- */

static int global_ready;

/* curl_global_init() once in the process, curl_global_cleanup() at its
 * exit (after every client is gone, and before LeakSanitizer looks). */
static int global_init(void)
{
	if (global_ready)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	atexit(curl_global_cleanup);
	global_ready = 1;
	return 0;
}

/* --- URLs --------------------------------------------------------------- */

/* Parse url into *out (the caller frees it with curl_url_cleanup) when it is
 * an http or https URL (smtp or smtps when smtp is set). Returns 0, or -1
 * with the message in err. */
static int url_parse(const char *url, int smtp, CURLU **out, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int rc = -1;

	*out = NULL;
	if (!u) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		snprintf(err, errlen, "'%s' is not a URL: %s", url, curl_url_strerror(uc));
		goto out;
	}
	uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (uc != CURLUE_OK) {
		snprintf(err, errlen, "'%s' is not a URL: %s", url, curl_url_strerror(uc));
		goto out;
	}
	const char *want1 = smtp ? "smtp" : "http", *want2 = smtp ? "smtps" : "https";
	if (strcmp(scheme, want1) != 0 && strcmp(scheme, want2) != 0) {
		snprintf(err, errlen, "'%s': unsupported scheme '%s' (%s and %s only)", url, scheme, want1,
			 want2);
		goto out;
	}
	*out = u;
	u = NULL;
	rc = 0;
out:
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

int http_url_check(const char *url, char *err, size_t errlen)
{
	CURLU *u = NULL;
	if (url_parse(url, 0, &u, err, errlen) != 0)
		return -1;
	curl_url_cleanup(u);
	return 0;
}

/* A part of a parsed URL (CURLUPART_HOST, CURLUPART_PORT with the scheme's
 * default), as a string of ours (the caller frees it), or NULL. */
static char *url_part(CURLU *u, CURLUPart part)
{
	char *s = NULL, *copy = NULL;
	if (curl_url_get(u, part, &s, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) == CURLUE_OK)
		copy = xstrdup(s);
	curl_free(s);
	return copy;
}

/* Check a resolve pin "HOST:PORT:ADDRESS": one IPv4 or IPv6 address (in
 * brackets or not), for the host and port of the URL u. libcurl ignores an
 * entry it cannot read, and one for another host or port does nothing: the
 * request would then look the host up, which is what the pin is there to
 * prevent. Returns 0, or -1 with the message in err. */
static int resolve_check(const char *resolve, CURLU *u, char *err, size_t errlen)
{
	char *host = url_part(u, CURLUPART_HOST), *port = url_part(u, CURLUPART_PORT);
	char addr[INET6_ADDRSTRLEN + 2];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon1 = strchr(resolve, ':');
	const char *colon2 = colon1 ? strchr(colon1 + 1, ':') : NULL;
	int rc = -1;

	if (!colon1 || !colon2 || colon1 == resolve) {
		snprintf(err, errlen, "resolve '%s' is not HOST:PORT:ADDRESS", resolve);
		goto out;
	}
	const char *a = colon2 + 1;
	size_t alen = strlen(a);
	if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
		a++;
		alen -= 2;
	}
	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(err, errlen, "resolve '%s': '%s' is not an IP address", resolve, colon2 + 1);
		goto out;
	}
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1) {
		snprintf(err, errlen, "resolve '%s': '%s' is not an IP address", resolve, colon2 + 1);
		goto out;
	}
	size_t hlen = (size_t)(colon1 - resolve), plen = (size_t)(colon2 - colon1 - 1);
	if (!host || !port || strlen(host) != hlen || strncasecmp(host, resolve, hlen) != 0 ||
	    strlen(port) != plen || strncmp(port, colon1 + 1, plen) != 0) {
		snprintf(err, errlen, "resolve '%s' does not name the URL's host and port (%s:%s)", resolve,
			 host ? host : "", port ? port : "");
		goto out;
	}
	rc = 0;
out:
	free(host);
	free(port);
	return rc;
}

/* --- requests ----------------------------------------------------------- */

static void call_link(struct http_client *c, struct http_call *call)
{
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	c->n_calls++;
}

/* Take a pending call out of its client: off the list and out of libcurl's
 * multi handle (which drops a completion not yet read). */
static void call_unlink(struct http_call *call)
{
	struct http_client *c = call->c;
	if (call->prev)
		call->prev->next = call->next;
	else
		c->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->prev = call->next = NULL;
	c->n_calls--;
	curl_multi_remove_handle(c->multi, call->easy);
}

/* Free a call that is not (or no longer) in its client. */
static void call_free(struct http_call *call)
{
	if (!call)
		return;
	if (call->easy)
		curl_easy_cleanup(call->easy);
	if (call->share)
		curl_share_cleanup(call->share);
	curl_slist_free_all(call->headers);
	curl_slist_free_all(call->resolve);
	sb_release(&call->body);
	sb_release(&call->banner);
	sb_release(&call->ehlo);
	free(call->host);
	free(call);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *call = arg;
	size_t len = size * n, room = call->max_body - call->body.len;
	if (len > room) {
		call->truncated = 1;
		sb_add(&call->body, data, room);
	} else {
		sb_add(&call->body, data, len);
	}
	return len;
}

/* Append one server reply line of an SMTP session to sb (lines joined by
 * "\n", CR LF dropped, at most SMTP_MAX_REPLY bytes kept). Returns 1 when
 * it was the reply's last line ("250 OK": a space after the code). */
static int reply_line(struct strbuf *sb, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (sb->len + len + 1 < SMTP_MAX_REPLY) {
		if (sb->len)
			sb_adds(sb, "\n");
		sb_add(sb, line, len);
	}
	return len < 4 || line[3] != '-';
}

/* CURLOPT_DEBUGFUNCTION: what went over the connection. Only used to learn
 * whether TLS was spoken and, for SMTP, to keep the greeting and the EHLO
 * reply, which libcurl reads and does not hand out otherwise. */
static int on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *arg)
{
	struct http_call *call = arg;
	(void)easy;
	switch (type) {
	case CURLINFO_SSL_DATA_IN:
	case CURLINFO_SSL_DATA_OUT:
		call->tls = 1;
		break;
	case CURLINFO_HEADER_OUT:
		if (call->smtp && size >= 4 && strncasecmp(data, "EHLO", 4) == 0) {
			sb_reset(&call->ehlo);
			call->ehlo_open = 1;
		}
		break;
	case CURLINFO_HEADER_IN:
		if (!call->smtp)
			break;
		/* one line a call, as libcurl's SMTP reader passes them; a
		 * chunk of several is split all the same */
		for (size_t off = 0; off < size;) {
			const char *nl = memchr(data + off, '\n', size - off);
			size_t len = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
			if (!call->banner_done)
				call->banner_done = reply_line(&call->banner, data + off, len);
			else if (call->ehlo_open)
				call->ehlo_open = !reply_line(&call->ehlo, data + off, len);
			off += len;
		}
		break;
	default:
		break;
	}
	return 0;
}

/* A method is a token of capital letters: nothing a request line could be
 * split with. */
static int method_ok(const char *m)
{
	if (!*m)
		return 0;
	for (; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return 0;
	return 1;
}

/* The header list of a request, "Expect:" added to a request with a body
 * (libcurl would otherwise wait for a "100 Continue" before sending a large
 * one). Returns 0, or -1 with the message in err (a header with a line
 * break, which would add headers or a request of its own). */
static int headers_build(const struct http_request *req, struct curl_slist **out, char *err, size_t errlen)
{
	struct curl_slist *list = NULL, *more;
	int expect = 0;

	*out = NULL;
	for (const char *const *h = req->headers; h && *h; h++) {
		size_t len = strcspn(*h, "\r\n");
		if ((*h)[len]) {
			snprintf(err, errlen, "header '%.*s' is followed by a line break",
				 (int)(len > 60 ? 60 : len), *h);
			goto fail;
		}
		if (strncasecmp(*h, "Expect:", 7) == 0)
			expect = 1;
		if (!(more = curl_slist_append(list, *h)))
			goto oom;
		list = more;
	}
	if (req->body && !expect) {
		if (!(more = curl_slist_append(list, "Expect:")))
			goto oom;
		list = more;
	}
	*out = list;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	curl_slist_free_all(list);
	return -1;
}

/* Set an option, once no earlier one failed (*e says). */
#define SETOPT(e, easy, opt, val)                                                                            \
	do {                                                                                                 \
		if (*(e) == CURLE_OK)                                                                        \
			*(e) = curl_easy_setopt((easy), (opt), (val));                                       \
	} while (0)

/* The options of call's easy handle for req. Returns CURLE_OK or the first
 * option that failed (out of memory, in practice). */
static CURLcode call_setup(struct http_call *call, const struct http_request *req)
{
	CURL *easy = call->easy;
	CURLcode e = CURLE_OK;

	SETOPT(&e, easy, CURLOPT_URL, req->url);
	SETOPT(&e, easy, CURLOPT_PRIVATE, call);
	SETOPT(&e, easy, CURLOPT_ERRORBUFFER, call->errbuf);
	SETOPT(&e, easy, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(&e, easy, CURLOPT_WRITEDATA, call);
	/* libcurl touches no signal: a write to a TLS connection the server
	 * closed raises SIGPIPE, which main() ignores for the whole process. */
	SETOPT(&e, easy, CURLOPT_NOSIGNAL, 1L);
	/* Cleaning up a request still looking its host up does not wait for
	 * the resolver thread. */
	SETOPT(&e, easy, CURLOPT_QUICK_EXIT, 1L);
	long timeout_ms = (long)(req->timeout_ms ? req->timeout_ms : HTTP_TIMEOUT_MS);
	SETOPT(&e, easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(&e, easy, CURLOPT_VERBOSE, 1L); /* for on_debug, which prints nothing */
	SETOPT(&e, easy, CURLOPT_DEBUGFUNCTION, on_debug);
	SETOPT(&e, easy, CURLOPT_DEBUGDATA, call);
	const char *ca_file = req->ca_file ? req->ca_file : call->c->ca_file;
	if (ca_file)
		SETOPT(&e, easy, CURLOPT_CAINFO, ca_file);
	if (req->certinfo)
		SETOPT(&e, easy, CURLOPT_CERTINFO, 1L);
	if (req->insecure) {
		SETOPT(&e, easy, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(&e, easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (call->smtp) {
		/* Greeting, EHLO, STARTTLS and EHLO again are libcurl's SMTP
		 * connection phase: CONNECT_ONLY ends the transfer there, before
		 * any command that would send mail. */
		static const long use_ssl[] = {CURLUSESSL_NONE, CURLUSESSL_TRY, CURLUSESSL_ALL};
		SETOPT(&e, easy, CURLOPT_PROTOCOLS_STR, SMTP_PROTOCOLS);
		SETOPT(&e, easy, CURLOPT_CONNECT_ONLY, 1L);
		SETOPT(&e, easy, CURLOPT_USE_SSL, use_ssl[req->starttls]);
		/* What libcurl waits for a reply when it closes the session
		 * (QUIT): at most the request's own time. */
		SETOPT(&e, easy, CURLOPT_SERVER_RESPONSE_TIMEOUT, (timeout_ms + 999) / 1000);
	} else {
		SETOPT(&e, easy, CURLOPT_PROTOCOLS_STR, HTTP_PROTOCOLS);
		SETOPT(&e, easy, CURLOPT_REDIR_PROTOCOLS_STR, HTTP_PROTOCOLS);
		SETOPT(&e, easy, CURLOPT_USERAGENT, "cutover/" CUTOVER_VERSION);
	}
	if (call->smtp) {
		/* nothing of HTTP applies */
	} else if (req->follow_redirects) {
		SETOPT(&e, easy, CURLOPT_FOLLOWLOCATION, 1L);
		SETOPT(&e, easy, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
	}
	if (call->smtp)
		goto pin;
	if (call->headers)
		SETOPT(&e, easy, CURLOPT_HTTPHEADER, call->headers);
	/* A body makes libcurl send a POST, and a method of another name
	 * replaces that word only. */
	int post = req->body || (req->method && strcmp(req->method, "POST") == 0);
	if (post) {
		/* The size first: the body may hold NUL bytes. Copied: the
		 * caller's may go away when http_request() returns. */
		SETOPT(&e, easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
		SETOPT(&e, easy, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	}
	if (req->method && strcmp(req->method, "HEAD") == 0)
		SETOPT(&e, easy, CURLOPT_NOBODY, 1L);
	else if (req->method && strcmp(req->method, post ? "POST" : "GET") != 0)
		SETOPT(&e, easy, CURLOPT_CUSTOMREQUEST, req->method);
pin:
	if (call->resolve) {
		/* A pinned request has a DNS cache of its own (libcurl's multi
		 * handle keeps a --resolve entry for every later request to that
		 * host and port), opens a connection of its own and keeps it
		 * for no one (a connection is reused by host name, whatever
		 * address it went to), and takes no proxy from the environment
		 * (which would connect elsewhere). */
		SETOPT(&e, easy, CURLOPT_SHARE, call->share);
		SETOPT(&e, easy, CURLOPT_RESOLVE, call->resolve);
		SETOPT(&e, easy, CURLOPT_FRESH_CONNECT, 1L);
		SETOPT(&e, easy, CURLOPT_FORBID_REUSE, 1L);
		SETOPT(&e, easy, CURLOPT_PROXY, "");
	}
	return e;
}

int http_request(struct http_client *c, const struct http_request *req, http_cb cb, void *arg, char *err,
		 size_t errlen)
{
	struct http_call *call = NULL;
	CURLU *u = NULL;
	int rc = -1;

	if (url_parse(req->url, req->smtp, &u, err, errlen) != 0)
		goto out;
	if (req->resolve && resolve_check(req->resolve, u, err, errlen) != 0)
		goto out;
	if ((unsigned)req->starttls > HTTP_STARTTLS_REQUIRED) {
		snprintf(err, errlen, "starttls %d is not an enum http_starttls", (int)req->starttls);
		goto out;
	}
	if (!req->smtp && req->method && !method_ok(req->method)) {
		snprintf(err, errlen, "'%.40s' is not an HTTP method", req->method);
		goto out;
	}
	call = xcalloc(1, sizeof(*call));
	call->c = c;
	call->cb = cb;
	call->arg = arg;
	call->max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
	call->smtp = req->smtp;
	call->host = url_part(u, CURLUPART_HOST);
	if (!call->host)
		call->host = xstrdup(req->url);
	if (!req->smtp && headers_build(req, &call->headers, err, errlen) != 0)
		goto out;
	if (req->resolve) {
		call->resolve = curl_slist_append(NULL, req->resolve);
		call->share = curl_share_init();
		if (!call->resolve || !call->share ||
		    curl_share_setopt(call->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	call->easy = curl_easy_init();
	if (!call->easy) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	CURLcode e = call_setup(call, req);
	if (e != CURLE_OK) {
		snprintf(err, errlen, "cannot set up a request to '%s': %s", call->host,
			 curl_easy_strerror(e));
		goto out;
	}
	/* libcurl asks for a timeout of 0 here: the transfer starts from
	 * the loop. */
	CURLMcode me = curl_multi_add_handle(c->multi, call->easy);
	if (me != CURLM_OK) {
		snprintf(err, errlen, "cannot start a request to '%s': %s", call->host,
			 curl_multi_strerror(me));
		goto out;
	}
	call_link(c, call);
	call = NULL;
	rc = 0;
out:
	call_free(call);
	curl_url_cleanup(u);
	return rc;
}

size_t http_cancel(struct http_client *c, const void *arg)
{
	size_t n = 0;
	for (struct http_call *call = c->calls, *next; call; call = next) {
		next = call->next;
		if (call->arg != arg)
			continue;
		call_unlink(call);
		call_free(call);
		n++;
	}
	return n;
}

size_t http_pending(const struct http_client *c)
{
	return c->n_calls;
}

/* What kind of failure result is. */
static enum http_failure failure_of(CURLcode result)
{
	switch (result) {
	case CURLE_OK:
		return HTTP_FAIL_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return HTTP_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_FAIL_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
		return HTTP_FAIL_TLS;
	case CURLE_USE_SSL_FAILED:
		return HTTP_FAIL_STARTTLS;
	default:
		return HTTP_FAIL_PROTOCOL;
	}
}

/* The notAfter of the server's certificate (the first of the chain
 * libcurl reports), or 0 when there is none. */
static long long cert_expiry(CURL *easy)
{
	struct curl_certinfo *ci = NULL;
	if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
		return 0;
	for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
		if (strncmp(l->data, "Expire date:", 12) == 0) {
			time_t t = curl_getdate(l->data + 12, NULL);
			return t == (time_t)-1 ? 0 : (long long)t;
		}
	return 0;
}

/* Say QUIT to an SMTP server whose session libcurl holds open (CONNECT_ONLY),
 * if it can go at once. Taking the handle out of the multi handle then closes
 * the connection as a dead one: libcurl's own QUIT would wait for the reply
 * in a blocking loop, stalling the event loop on a server that never
 * answers. */
static void smtp_quit(struct http_call *call)
{
	size_t sent;
	(void)curl_easy_send(call->easy, "QUIT\r\n", 6, &sent);
}

/* Tell the owner of a finished call how it ended, and free it. */
static void call_finish(struct http_call *call, CURLcode result)
{
	struct http_response r = {0};
	char *msg = NULL, *ctype = NULL, *location = NULL;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(call->easy, CURLINFO_TOTAL_TIME, &r.total_s);
	curl_easy_getinfo(call->easy, CURLINFO_CONTENT_TYPE, &ctype);
	curl_easy_getinfo(call->easy, CURLINFO_REDIRECT_URL, &location);
	r.content_type = ctype;
	r.location = location;
	r.cert_expires = cert_expiry(call->easy);
	r.tls = call->tls;
	r.banner = call->banner.len ? call->banner.buf : NULL;
	r.ehlo = call->ehlo.len ? call->ehlo.buf : NULL;
	r.failure = failure_of(result);
	if (result != CURLE_OK) {
		const char *why = call->errbuf[0] ? call->errbuf : curl_easy_strerror(result);
		msg = strstr(why, call->host) ? xstrdup(why) : xasprintf("%s: %s", call->host, why);
		r.error = msg;
		r.status = 0;
	}
	r.body = call->body.buf ? call->body.buf : "";
	r.body_len = call->body.len;
	r.body_truncated = call->truncated;
	/* Out of the client before the callback, which may start requests,
	 * cancel them or free the client. */
	if (call->smtp && result == CURLE_OK)
		smtp_quit(call);
	call_unlink(call);
	call->cb(call->arg, &r);
	call_free(call);
	free(msg);
}

static void client_destroy(struct http_client *c);

/* Deliver every request libcurl has finished. A callback may free the
 * client: then the rest wait for nothing, and the client goes when the
 * outermost delivery ends. */
static void deliver(struct http_client *c)
{
	CURLMsg *m;
	int left;

	c->delivering++;
	while (!c->freed && (m = curl_multi_info_read(c->multi, &left))) {
		struct http_call *call = NULL;
		if (m->msg != CURLMSG_DONE)
			continue;
		CURLcode result = m->data.result; /* m goes with the handle */
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		call_finish(call, result);
	}
	c->delivering--;
	if (c->freed && c->delivering == 0)
		client_destroy(c);
}

/* --- libcurl on the loop ------------------------------------------------ */

static void on_socket_ready(void *arg, int fd, unsigned what)
{
	struct http_sock *s = arg;
	struct http_client *c = s->c; /* s may go inside socket_action */
	int running, ev = 0;
	if (what & LOOP_READ)
		ev |= CURL_CSELECT_IN;
	if (what & LOOP_WRITE)
		ev |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, ev, &running);
	deliver(c);
}

static void on_timer(void *arg)
{
	struct http_client *c = arg;
	int running;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	deliver(c);
}

static void sock_free(struct http_sock *s)
{
	struct http_client *c = s->c;
	if (s->prev)
		s->prev->next = s->next;
	else
		c->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	loop_io_free(s->io);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what libcurl says, or stop. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct http_sock *s = socketp;
	unsigned want = 0;

	if (what == CURL_POLL_REMOVE) {
		if (s)
			sock_free(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		want |= LOOP_READ;
	if (what & CURL_POLL_OUT)
		want |= LOOP_WRITE;
	if (s)
		return loop_io_set(s->io, want) == 0 ? 0 : -1;
	s = xcalloc(1, sizeof(*s));
	s->c = c;
	s->io = loop_io_new(c->l, fd, want, on_socket_ready, s);
	if (!s->io) {
		free(s);
		return -1;
	}
	s->next = c->socks;
	if (c->socks)
		c->socks->prev = s;
	c->socks = s;
	curl_multi_assign(c->multi, fd, s);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: when libcurl next wants curl_multi_socket_action()
 * called without a socket (-1: never). Never called here: from the loop. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	if (timeout_ms < 0)
		loop_timer_stop(c->timer);
	else
		loop_timer_start(c->timer, (uint64_t)timeout_ms * 1000);
	return 0;
}

/* --- the client --------------------------------------------------------- */

int http_client_new(struct loop *l, struct http_client **out)
{
	struct http_client *c = NULL;
	int rc = -1;

	*out = NULL;
	if (global_init() != 0) {
		errno = ENOMEM;
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->timer = loop_timer_new(l, on_timer, c);
	if (!c->timer)
		goto out;
	c->multi = curl_multi_init();
	if (!c->multi || curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK) {
		errno = ENOMEM;
		goto out;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	if (c)
		client_destroy(c);
	return rc;
}

static void client_destroy(struct http_client *c)
{
	while (c->calls) {
		struct http_call *call = c->calls;
		call_unlink(call);
		call_free(call);
	}
	/* Closing the connections it keeps, libcurl says REMOVE for their
	 * sockets; a watch it left is freed after. */
	if (c->multi)
		curl_multi_cleanup(c->multi);
	while (c->socks)
		sock_free(c->socks);
	loop_timer_free(c->timer);
	free(c->ca_file);
	free(c);
}

void http_client_set_ca_file(struct http_client *c, const char *file)
{
	free(c->ca_file);
	c->ca_file = file ? xstrdup(file) : NULL;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->delivering) {
		c->freed = 1;
		return;
	}
	client_destroy(c);
}
