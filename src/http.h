/* An HTTP client on the reactor: libcurl's multi-socket interface, whose
 * sockets and timeout are watches and a timer of src/loop.h, so requests run
 * beside the DNS engine and libunbound on the one event loop and never block
 * it. Webhooks (notify.c) use it, and so do the service checks (http, smtp,
 * mta-sts), which also speak SMTP through it: a session that greets, says
 * EHLO, starts TLS and quits, sending no mail. */
#ifndef CUTOVER_HTTP_H
#define CUTOVER_HTTP_H

#include <stddef.h>

struct loop;
struct http_client;

/* A client whose requests run on l. libcurl is initialised on the first call
 * of the process and cleaned up at its exit. Returns 0, or -1 with errno set
 * (*out is NULL then). */
int http_client_new(struct loop *l, struct http_client **out);
/* Verify servers against the CA certificates (PEM) in file, instead of the
 * system's, in every request that names no ca_file of its own (copied; NULL:
 * the system's again). */
void http_client_set_ca_file(struct http_client *c, const char *file);
/* Free the client, before the loop. Requests still pending end without their
 * callbacks. May be called from a request's callback. NULL is ignored. */
void http_client_free(struct http_client *c);

/* What to ask. The client copies what it needs: nothing here has to outlive
 * http_request(). */
struct http_request {
	const char *method;	    /* NULL: GET, or POST when body is set; "HEAD" asks for no body */
	const char *url;	    /* http:// or https:// only */
	const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
	const char *body;	    /* sent as is (the caller sets Content-Type), or NULL */
	size_t body_len;
	unsigned timeout_ms; /* the whole request, connection included; 0: 10000 */
	/* "HOST:PORT:ADDRESS" as curl's --resolve (an IPv6 address may be in
	 * brackets): connect to ADDRESS, whatever DNS says, for the URL's host
	 * and port, which it must name. Such a request looks nothing up and
	 * shares no connection and no address with any other request. NULL:
	 * the host is looked up (libcurl's threaded resolver, off the loop). */
	const char *resolve;
	int follow_redirects; /* follow up to 10 redirects, to http and https only */
	int insecure;	      /* do not verify the server's certificate and name */
	size_t max_body;      /* body bytes kept (more are read and dropped); 0: 64 KiB */
	/* A file of CA certificates (PEM) to verify servers with instead of
	 * the system's; NULL: the system's. */
	const char *ca_file;
	/* Read the server certificate's expiry into http_response.cert_expires
	 * (an https URL, or SMTP with TLS). */
	int certinfo;
	/* SMTP instead of HTTP: url is smtp://HOST[:PORT] (STARTTLS on a plain
	 * connection, as starttls says) or smtps://HOST[:PORT] (TLS from the
	 * first byte, port 465). The session reads the greeting, says EHLO,
	 * starts TLS when asked, says EHLO again and ends: no mail is sent.
	 * method, headers, body and follow_redirects are ignored. */
	int smtp;
	enum http_starttls {
		HTTP_STARTTLS_NO,	/* never: the session stays plain */
		HTTP_STARTTLS_TRY,	/* when the server offers it */
		HTTP_STARTTLS_REQUIRED	/* the server must offer it (HTTP_FAIL_STARTTLS) */
	} starttls;
};

/* What kind of failure a request without a response had. */
enum http_failure {
	HTTP_FAIL_NONE,	    /* a response came */
	HTTP_FAIL_CONNECT,  /* no connection: refused, unreachable, no address */
	HTTP_FAIL_TIMEOUT,  /* timeout_ms ran out */
	HTTP_FAIL_TLS,	    /* the TLS handshake or the certificate's verification failed */
	HTTP_FAIL_STARTTLS, /* SMTP: STARTTLS required, and the server did not offer it */
	HTTP_FAIL_PROTOCOL  /* the server spoke, but not as the protocol says (an SMTP
			       greeting other than 220, a broken HTTP response) */
};

/* How a request ended. It and what it points to are valid while the
 * callback runs. */
struct http_response {
	/* NULL, or why there is no response: curl's message, with the URL's
	 * host ("127.0.0.1: Operation timed out after 300 milliseconds ..."). */
	const char *error;
	long status;	    /* the last HTTP status received; 0 with error */
	const char *body;   /* "" when none; NUL-terminated after body_len bytes */
	size_t body_len;    /* at most max_body */
	int body_truncated; /* the body was longer than max_body */
	double total_s;	    /* seconds from start to the end of the transfer */
	enum http_failure failure; /* HTTP_FAIL_NONE unless error is set */
	const char *content_type;  /* the Content-Type received, or NULL */
	const char *location;	   /* where a redirect not followed points (absolute), or NULL */
	/* The server certificate's notAfter when certinfo was asked (and TLS
	 * was made), else 0. */
	long long cert_expires;
	int tls; /* the connection was TLS (https, smtps, or after STARTTLS) */
	/* SMTP: the greeting's lines and the last EHLO reply's lines, each
	 * joined by "\n" ("220 mail.example.org ESMTP"), or NULL. */
	const char *banner;
	const char *ehlo;
};
typedef void (*http_cb)(void *arg, const struct http_response *r);

/* Start a request. cb runs exactly once, later, from the loop (never inside
 * this call), unless the request is cancelled (http_cancel) or the client
 * freed first. Returns 0, or -1 with a message in err: a URL that does not
 * parse, a scheme other than http and https, a malformed resolve or one that
 * does not name the URL's host and port. */
int http_request(struct http_client *c, const struct http_request *req, http_cb cb, void *arg, char *err,
		 size_t errlen);
/* End every pending request whose callback argument is arg, without its
 * callback (a request whose owner goes away). Returns how many ended. */
size_t http_cancel(struct http_client *c, const void *arg);
/* Requests started whose callbacks have not run yet. */
size_t http_pending(const struct http_client *c);

/* Check url as http_request() would, without asking anything: 0, or -1 with
 * the message in err. For options that take a URL, at parsing time. */
int http_url_check(const char *url, char *err, size_t errlen);

#endif
