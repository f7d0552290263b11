/* The resolvers a command asks (cutover propagation): given one at a time
 * (--resolver ADDR[#PORT]) or as a list in a file (--resolvers FILE, the
 * shipped rules/resolvers.txt). Only the list: asking them is the caller's. */
#ifndef CUTOVER_TARGETS_H
#define CUTOVER_TARGETS_H

#include <arpa/inet.h>
#include <stddef.h>
#include <sys/socket.h>

#include "util.h"

/* At most this many resolvers in a list, and resolvers files at most this
 * large (1 MiB: some 20,000 lines of address and label, far more than the
 * limit); a label at most this many bytes. */
#define TARGETS_MAX 4096
#define TARGETS_FILE_MAX (1024 * 1024)
#define TARGETS_LABEL_MAX 128

/* One resolver to ask. */
struct target {
	struct sockaddr_storage addr; /* IPv4 or IPv6 with its port; an IPv4-mapped
					 IPv6 address (::ffff:192.0.2.1) is made IPv4 */
	socklen_t addrlen;
	char text[INET6_ADDRSTRLEN + 8]; /* "9.9.9.9", "2620:fe::fe", "127.0.0.1#5353"
					    (dns_addr_str: "#PORT" unless 53) */
	unsigned port;
	const char *label; /* "Quad9"; NULL when none was given */
	const char *file;  /* the file it came from, as named in messages; NULL:
			      given to target_list_add() */
	unsigned line;	   /* its line there, 0 when file is NULL */
};

/* The resolvers in the order given, no two with the same address and port.
 * The strings (labels, file names) are in the arena. */
struct target_list {
	struct target *v;
	size_t n, alloc;
	struct arena strings;
};

void target_list_init(struct target_list *t);
/* Free the targets and their strings; t is empty (initialised) afterwards. */
void target_list_release(struct target_list *t);

/* Add one resolver as typed on the command line, with label (copied; NULL
 * for none). spec is an address with an optional port (default 53):
 * "192.0.2.1", "2001:db8::1", "ADDR#PORT", and as in URLs "192.0.2.1:5353",
 * "[2001:db8::1]" and "[2001:db8::1]:5353" ("[2001:db8::1]#5353" too). The
 * address must be written in full (inet_pton: no "127.1", no octal), not be
 * unspecified, multicast or the broadcast address, and carry no scope
 * ("fe80::1%eth0"). Returns 0, or -1 with why in err (no position): a bad
 * address or port, a duplicate of a resolver already in t (same address and
 * port), more than TARGETS_MAX. */
int target_list_add(struct target_list *t, const char *spec, const char *label, char *err, size_t errlen);

/* Parse a resolvers file held in buf (len bytes; file names it in messages):
 * one resolver a line, "ADDRESS [PORT] [LABEL...]". ADDRESS is any form
 * target_list_add() takes; PORT, a second field of digits only, is the port
 * (so a label whose first word is a number needs the port before it); the
 * rest of the line is the label, its words joined by single spaces. A field
 * that starts with '#' starts a comment that runs to the end of the line;
 * blank lines are ignored; spaces, tabs and CR are white space (CRLF line
 * ends are fine). Appends the resolvers to t in order and returns 0, or
 * returns -1 with t as it was before the call and "FILE:LINE:COLUMN: message"
 * in err (columns count bytes from 1): a bad address or port, a port given
 * twice (ADDR#PORT and a PORT field), a control character or more than
 * TARGETS_LABEL_MAX bytes in a label, a NUL byte, a duplicate of a resolver
 * already in t (naming where the first is), more than TARGETS_MAX resolvers
 * in t, a file of more than TARGETS_FILE_MAX bytes, or a file without a
 * resolver (at its end). */
int target_list_parse(struct target_list *t, const char *buf, size_t len, const char *file, char *err,
		      size_t errlen);

/* Load the resolvers file at path ("-": standard input) into t, as
 * target_list_parse(). A bare word without '/' that is not an existing file
 * names a shipped list, rules/WORD.txt (found as -r finds rule sets:
 * opts_shipped_path()), so "resolvers" is the shipped list of public
 * resolvers. Returns 0, or -1 with why in err: the errors of
 * target_list_parse(), or "cannot open/read 'FILE': reason", a directory. */
int target_list_load(struct target_list *t, const char *path, char *err, size_t errlen);

#endif
