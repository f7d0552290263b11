/* What every command that queries DNS shares: the common options, parsed the
 * same way everywhere, and the session they open -- the loop, the query
 * engine and the resolver. */
#ifndef CUTOVER_SESSION_H
#define CUTOVER_SESSION_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "dns.h"
#include "report.h"
#include "resolve.h"
#include "rules.h"
#include "util.h"

struct loop;
struct http_client;

/* The options common to DNS commands (design.md "Options common to commands
 * that query DNS"), after parsing. */
struct common_opts {
	const char **rule_args; /* -r, in order; none: "default" */
	size_t n_rule_args, alloc_rule_args;
	struct vars vars; /* -s NAME=VALUE */
	struct resolver_opts resolver;
	struct dns_opts dns;
	enum report_format format;
	const char *output; /* -o, or NULL for standard output */
	/* --fail-on: STATUS_WARN or STATUS_FAIL; `new` sets fail_on_new and
	 * fail_on STATUS_WARN (what counts of the new findings) */
	enum status fail_on;
	int fail_on_new;
	unsigned jobs; /* -j */
	int stats;     /* --stats */
	/* -q, --quiet: no progress line, and nothing on standard error that is
	 * not an error or a warning (notes, --watch's change lines there) */
	int quiet;
	/* --ca-file: CA certificates (PEM) for the TLS of service checks and
	 * webhooks, instead of the system's; NULL: the system's. */
	const char *ca_file;
	/* --ns, in order: the servers discovery takes as every zone's
	 * delegation (resolver_opts.given_ns); names in the names arena. */
	struct server_spec *ns;
	size_t n_ns, alloc_ns;
	/* The operands, then the names read with -d, in order; their text
	 * lives in names (one arena: 100,000 names are 100,000 small strings). */
	char **args;
	size_t n_args, alloc_args;
	struct arena names;
};

/* A command's own options, parsed beside the common ones (one of the same
 * long name as a common option replaces it for that command): longopts (ending
 * in a zero entry) and shortopts in getopt's syntax; on_option(arg, c,
 * optarg) handles one and returns 0, or -1 after printing why it is wrong. */
struct opts_extra {
	const struct option *longopts;
	const char *shortopts;
	int (*on_option)(void *arg, int c, const char *optarg);
	void *arg;
	/* The operands are not domain names (`propagation NAME TYPE`): keep
	 * them as given, the command checks them. */
	int raw_operands;
	/* The command reads a baseline (check): --fail-on new is allowed; any
	 * other refuses it, saying where baselines are. */
	int fail_on_new;
};

/* Parse argv (argv[0] is the command's name) into o: the common options,
 * extra's when extra is not NULL, and the operands. usage is printed for
 * -h/--help. Returns 0, 1 when --help was given (usage printed: exit 0), or
 * -1 after printing a git-style error (exit 3). o must be released with
 * opts_common_release() whatever the result. */
int opts_common_parse(struct common_opts *o, int argc, char **argv, const char *usage,
		      const struct opts_extra *extra);
void opts_common_release(struct common_opts *o);

/* Files of domains (-d) larger than this (16 MiB, some 700,000 names of
 * typical length) are refused: every name is held in memory for the run, and
 * /dev/zero would otherwise be read until memory runs out. */
#define DOMAINS_FILE_MAX (16 * 1024 * 1024)
/* ... and so are more names than this in all (the command line's and every
 * -d file's): 16 MiB of one-letter names would be eight million, and take
 * 350 MB before the first query. */
#define DOMAINS_MAX 1000000

/* Called by domains_parse() with each name (NUL-terminated, valid during the
 * call). Returns 0, or -1 with the reason in why (without a position). */
typedef int (*domains_add_fn)(void *arg, const char *name, char *why, size_t whylen);

/* Read a file of domain names (-d) held in buf (len bytes): names separated
 * by white space, any number on a line, '#' starting a comment that runs to
 * the end of the line. Calls add for each name, in order. Returns 0, or -1
 * with "FILE:LINE: message" in err (file is the name used in messages): a
 * NUL byte in the text, or a name add refused. */
int domains_parse(const char *buf, size_t len, const char *file, domains_add_fn add, void *arg, char *err,
		  size_t errlen);

/* Load the rule sets o names (a bare name finds a shipped rule set) into a
 * new array *out of *n. Returns 0, or -1 after printing the error (with its
 * file:line:col). The caller releases each with ruleset_release() and frees
 * the array. */
int opts_load_rules(const struct common_opts *o, struct ruleset **out, size_t *n);

/* A file argument as a path (a new string the caller frees): arg itself when
 * it has a slash or names an existing file, else the shipped file of that
 * name, rules/ARG with ext (".yml", ".txt") added when arg lacks it, from the
 * first of these directories that has it: $CUTOVER_RULES_DIR, the source
 * tree beside the binary, an installed tree beside it, DATADIR/rules. When
 * none has it, arg itself, so that opening it says what is missing. How -r
 * default and --resolvers resolvers find the shipped files. */
char *opts_shipped_path(const char *arg, const char *ext);

/* Print the names (without ext: ".yml", ".txt") of the shipped files in the
 * directories opts_shipped_path() looks in, sorted, each once, one a line: the
 * rule sets or resolver lists a bare NAME finds. Returns 0. */
int opts_shipped_list(const char *ext, FILE *out);

/* The common options' table (ending in a zero entry), for shell completion;
 * *shortopts is set to their short options in getopt's syntax. */
const struct option *opts_common_longopts(const char **shortopts);

/* The values --fail-on takes, ending in NULL. */
const char *const *opts_fail_on_values(void);

/* The loop, the engine and the resolver every DNS command works with. */
struct session {
	struct loop *loop;
	struct dns_engine *engine;
	struct resolver *resolver;
	struct http_client *http; /* service checks and webhooks; --ca-file set */
};

/* Open a session from the common options. Returns 0, or -1 with a message
 * in err (*out is NULL then). */
int session_open(const struct common_opts *o, struct session **out, char *err, size_t errlen);
/* Free the session: resolver, engine, then loop. Pending work ends without
 * callbacks. NULL is ignored. */
void session_close(struct session *s);
/* Queries on the wire and lookups in the resolver's hands now: what the
 * progress line calls in flight. */
size_t session_in_flight(const struct session *s);

#endif
