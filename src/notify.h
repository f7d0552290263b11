/* Webhook notifications: a URL template whose {name} variables are filled in
 * (percent-encoded), asked with a GET, or a JSON document POSTed to it,
 * through the HTTP client on the loop. A webhook that fails is told to the
 * caller, who reports it: it never stops the run, and it is not retried (the
 * next change notifies again). */
#ifndef CUTOVER_NOTIFY_H
#define CUTOVER_NOTIFY_H

#include <stddef.h>

struct http_client;
struct notifier;

/* A {name} of a template and the value it stands for. */
struct notify_var {
	const char *name;
	const char *value; /* not NULL */
};

/* Expand every {name} of tmpl with its value from v (the first of that
 * name), percent-encoded as RFC 3986 says (every byte but the unreserved
 * ALPHA DIGIT - . _ ~ becomes %XX), so that no value can end the path or
 * the query or add a parameter. Names are case-sensitive. A brace is never
 * literal: RFC 3986 has no place for one, so a URL that needs one writes
 * %7B or %7D, which pass unchanged. An unknown {name}, a '{' not closed by
 * '}' before the next brace ("{{status}}" too), and a '}' without '{' are
 * errors, the message in err naming it and its column (1-based, in bytes).
 * Returns a new string (the caller frees it), or NULL. */
char *notify_url_expand(const char *tmpl, const struct notify_var *v, size_t n, char *err, size_t errlen);

/* Check a webhook template at option-parsing time: it expands with the
 * given variable names (each standing for "0") and the result is a URL
 * the HTTP client takes (http_url_check). Returns 0, or -1 with the
 * message in err. */
int notify_url_check(const char *tmpl, const char *const *names, size_t n, char *err, size_t errlen);

/* A notifier sends through c, which must outlive it. Returns 0 (*out set);
 * it cannot fail but by running out of memory, which exits. */
int notifier_new(struct http_client *c, struct notifier **out);
/* Free the notifier; sends still pending end without their callbacks. NULL
 * is ignored. May be called from a notify_cb. */
void notifier_free(struct notifier *n);

/* How a send ended: url_shown is the expanded URL (what the user typed,
 * filled in), status the HTTP status (0 when no answer came), error NULL
 * exactly when the status was 2xx, else why not ("HTTP status 404: ...",
 * or the client's message). Pointers are valid during the call only. */
typedef void (*notify_cb)(void *arg, const char *url_shown, long status, const char *error);

/* Send one notification: without json_body, a GET of the expanded url_tmpl
 * (redirects followed); with it, a POST of json_body as Content-Type:
 * application/json to the expanded url_tmpl (a redirect is not followed: it
 * is reported as the 3xx it is, since following would turn the POST into a
 * GET without the body). cb runs once, later, from the loop. Returns 0, or
 * -1 with the message in err (the template does not expand, the URL is not
 * http or https). */
int notify_send(struct notifier *n, const char *url_tmpl, const struct notify_var *v, size_t nv,
		const char *json_body, notify_cb cb, void *arg, char *err, size_t errlen);

#endif
