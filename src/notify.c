/* Webhook notifications (notify.h): URL templates with percent-encoded
 * {name} values, sent through the HTTP client (http.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "notify.h"
#include "util.h"

/* Bytes of a failing webhook's answer quoted in its message. */
#define NOTIFY_BODY_QUOTED 80

/* A send in flight; the argument of its HTTP request. */
struct sending {
	struct notifier *n;
	notify_cb cb;
	void *arg;
	char *url;
	struct sending *prev, *next;
};

struct notifier {
	struct http_client *c;
	struct sending *pending;
};

/* --- templates ---------------------------------------------------------- */

/* Append s to sb percent-encoded: RFC 3986's unreserved characters as they
 * are, every other byte as %XX. */
static void percent_encode(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			sb_add(sb, (const char *)p, 1);
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 0xf]};
			sb_add(sb, esc, 3);
		}
	}
}

static const struct notify_var *var_find(const struct notify_var *v, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].name) == len && memcmp(v[i].name, name, len) == 0)
			return &v[i];
	return NULL;
}

char *notify_url_expand(const char *tmpl, const struct notify_var *v, size_t n, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;

	for (const char *p = tmpl; *p; p++) {
		size_t column = (size_t)(p - tmpl) + 1;
		if (*p == '}') {
			snprintf(err, errlen,
				 "'}' at column %zu without '{' (a literal brace is written %%7D)", column);
			goto fail;
		}
		if (*p != '{') {
			sb_add(&sb, p, 1);
			continue;
		}
		const char *name = p + 1;
		size_t len = strcspn(name, "{}");
		if (name[len] != '}') {
			snprintf(err, errlen,
				 "'{' at column %zu is not closed (a literal brace is written %%7B)", column);
			goto fail;
		}
		const struct notify_var *var = var_find(v, n, name, len);
		if (!var) {
			struct strbuf known = STRBUF_INIT;
			for (size_t i = 0; i < n; i++)
				if (var_find(v, i, v[i].name, strlen(v[i].name)) == NULL)
					sb_addf(&known, " {%s}", v[i].name);
			snprintf(err, errlen, "unknown variable '{%.*s}' at column %zu (known:%s)",
				 len > 64 ? 64 : (int)len, name, column, known.len ? known.buf : " none");
			sb_release(&known);
			goto fail;
		}
		percent_encode(&sb, var->value);
		p = name + len;
	}
	return sb_detach(&sb);
fail:
	sb_release(&sb);
	return NULL;
}

int notify_url_check(const char *tmpl, const char *const *names, size_t n, char *err, size_t errlen)
{
	struct notify_var *v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].name = names[i];
		v[i].value = "0";
	}
	char *url = notify_url_expand(tmpl, v, n, err, errlen);
	int rc = url ? http_url_check(url, err, errlen) : -1;
	free(url);
	free(v);
	return rc;
}

/* --- sending ------------------------------------------------------------ */

int notifier_new(struct http_client *c, struct notifier **out)
{
	struct notifier *n = xcalloc(1, sizeof(*n));
	n->c = c;
	*out = n;
	return 0;
}

static void sending_unlink(struct sending *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		s->n->pending = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
}

static void sending_free(struct sending *s)
{
	free(s->url);
	free(s);
}

void notifier_free(struct notifier *n)
{
	if (!n)
		return;
	while (n->pending) {
		struct sending *s = n->pending;
		sending_unlink(s);
		http_cancel(n->c, s);
		sending_free(s);
	}
	free(n);
}

/* "HTTP status 404: " and the start of the answer, on one line of printable
 * ASCII (a webhook's answer usually says what was wrong with the call). */
static char *status_message(const struct http_response *r)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "HTTP status %ld", r->status);
	size_t len = r->body_len < NOTIFY_BODY_QUOTED ? r->body_len : NOTIFY_BODY_QUOTED;
	while (len > 0 && (unsigned char)r->body[len - 1] <= ' ')
		len--;
	if (len > 0) {
		sb_adds(&sb, ": ");
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)r->body[i];
			sb_add(&sb, ch >= ' ' && ch < 0x7f ? (const char *)&r->body[i] : "?", 1);
		}
		if (len < r->body_len)
			sb_adds(&sb, "...");
	}
	return sb_detach(&sb);
}

static void on_sent(void *arg, const struct http_response *r)
{
	struct sending *s = arg;
	char *msg = NULL;
	const char *error = r->error;

	if (!error && (r->status < 200 || r->status > 299))
		error = msg = status_message(r);
	/* Out of the notifier first: the callback may free it. */
	sending_unlink(s);
	s->cb(s->arg, s->url, r->status, error);
	sending_free(s);
	free(msg);
}

int notify_send(struct notifier *n, const char *url_tmpl, const struct notify_var *v, size_t nv,
		const char *json_body, notify_cb cb, void *arg, char *err, size_t errlen)
{
	static const char *const json_headers[] = {"Content-Type: application/json", NULL};
	struct sending *s = NULL;
	char *url = notify_url_expand(url_tmpl, v, nv, err, errlen);
	if (!url)
		return -1;
	s = xcalloc(1, sizeof(*s));
	s->n = n;
	s->cb = cb;
	s->arg = arg;
	s->url = url;
	struct http_request req = {.url = url};
	if (json_body) {
		req.headers = json_headers;
		req.body = json_body;
		req.body_len = strlen(json_body);
	} else {
		req.follow_redirects = 1;
	}
	if (http_request(n->c, &req, on_sent, s, err, errlen) != 0) {
		sending_free(s);
		return -1;
	}
	s->next = n->pending;
	if (n->pending)
		n->pending->prev = s;
	n->pending = s;
	return 0;
}
