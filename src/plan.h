/* Migration plans: a YAML file of phases, read into the YAML tree of ytree.h
 * and checked against the plan schema, so that every error names
 * FILE:LINE:COL. The runner (plancmd.c) executes what this returns; nothing
 * here runs anything or touches the state database.
 *
 *   plan: NAME                        required, the plan's name (one line)
 *   description: TEXT                 optional prose
 *   vars:                             optional, values for {NAME}
 *     domain: example.org             a value
 *     db_password: {value: "s3cret", secret: true}    a secret: 3 bytes at least
 *   notify: [URL, ...]                optional webhook templates (notify.h)
 *   phases:                           required, a non-empty list
 *     - id: lower-ttl                 required, unique in the plan
 *       description: TEXT             optional
 *       steps:                        optional list (a phase has steps, a gate or both)
 *         - id: ask-provider          required, unique in the plan (not only the phase)
 *           manual: "instructions"    exactly one of manual: and run:
 *         - id: copy
 *           run: "shell command"      run by /bin/sh -c
 *           timeout: 12h              optional duration (0 or absent: none)
 *           retries: 2                optional, further attempts after a failure (default 0, at most 1000)
 *           cwd: /srv                 optional; relative to the plan file's directory
 *           env: {NAME: VALUE}        optional mapping; NAME is a shell variable name
 *           idempotent: true          optional boolean, true/false/yes/no (default false)
 *       gate:                         optional
 *         rules: [FILE, ...]          rule sets (a path relative to the plan file's
 *                                     directory, or a shipped name such as pre-cutover)
 *         checks: [...]               inline checks in the rule-set schema
 *         domain: NAME                the domain the gate checks (default: vars.domain)
 *         fail_on: warn|fail          the lowest status that fails the gate (default warn)
 *         baseline: FILE              a JSON report of cutover check (--save): only
 *                                     findings new since it fail the gate (a path
 *                                     relative to the plan file's directory; {vars}
 *                                     substituted; read each time the gate is checked)
 *         wait: 2h                    keep re-checking this long (default 0: check once)
 *         every: 1m                   between checks (default 30s; only with wait)
 *       hold: ttl-drain               optional; needs a gate
 *
 * Ids are letters, digits, '.', '-' and '_', starting with a letter or a
 * digit, at most 64: they name log files and are typed on command lines.
 * timeout, retries, cwd, env and idempotent are for run: steps only. A gate
 * needs rules: or checks:, and a domain (gate.domain, vars.domain or --set
 * domain=NAME).
 *
 * Variables: {NAME} in run:, manual:, cwd:, env values, notify URLs, gate
 * domain and in the rules' values. `vars:` gives values, and --set overrides
 * them. {domain} is the variable `domain`. An undefined variable is an error
 * at its position when the plan is loaded, not when the step runs. ${NAME}
 * is never a variable of the plan (it is the shell's), a value is inserted
 * as written (braces in it are not expanded again), and a {NAME} in a shell
 * comment of a run: command is left alone. In notify URLs {status},
 * {message}, {plan}, {phase} and {step} are the notify fields, filled in by
 * the runner, whatever the plan's variables are called. */
#ifndef CUTOVER_PLAN_H
#define CUTOVER_PLAN_H

#include <stddef.h>

#include "rules.h"

enum plan_step_kind { PLAN_STEP_RUN, PLAN_STEP_MANUAL };

struct plan_step {
	char *id;
	enum plan_step_kind kind;
	/* run: the command as written, {vars} NOT substituted (plan_command()
	 * quotes them); manual: the instructions as written (plan_text()). */
	char *text;
	unsigned long timeout; /* seconds, 0: none */
	unsigned retries;
	char *cwd;  /* as written (vars not substituted), NULL: the plan file's directory */
	char **env; /* "NAME=VALUE" as written (vars not substituted in VALUE) */
	size_t n_env;
	int idempotent;
	int line, col; /* where the step's item starts */
};

struct plan_gate {
	/* The rule sets to apply: those of `rules:` in order, then the inline
	 * `checks:` as one more rule set named "PHASE-ID gate" whose file is the
	 * plan file (positions are the plan file's). Loaded with the plan's
	 * variables (minus domain), so {domain} stays for the audit. */
	struct ruleset *rulesets;
	size_t n_rulesets;
	char *domain; /* substituted; NULL when neither gate.domain nor vars.domain */
	int fail_on;  /* STATUS_WARN or STATUS_FAIL (enum status of report.h) */
	/* baseline: the report's path, absolute (made from the plan's
	 * directory), or NULL; where the key's value is in the plan file. The
	 * file is not read here: a step before the gate may write it. */
	char *baseline;
	int baseline_line, baseline_col;
	unsigned long wait;  /* seconds */
	unsigned long every; /* seconds, > 0 */
	int line, col;
};

struct plan_phase {
	char *id;
	char *description; /* may be NULL */
	struct plan_step *steps;
	size_t n_steps;
	struct plan_gate *gate; /* NULL: none */
	int hold_ttl_drain;
	int line, col;
};

struct plan_var {
	char *name;
	char *value;
	int secret;
};

struct plan {
	char *name;
	char *file; /* the path as given */
	char *dir;  /* the directory of the file, absolute */
	/* the plan's variables, those of --set last (replacing the plan's of
	 * the same name; a --set variable is never secret unless the plan
	 * marked it so) */
	struct plan_var *vars;
	size_t n_vars;
	char **notify; /* URL templates, {vars} substituted (not the notify fields) */
	size_t n_notify;
	struct plan_phase *phases;
	size_t n_phases;
};

/* Load and check the plan at path; overrides (NULL: none) are --set
 * variables, which replace the plan's. When the effective uid is 0, a plan
 * file writable by its group or by others is refused (it would run as root
 * whatever anyone who can write it puts in it), checked with fstat() on the
 * descriptor that is read. Rule files of gates are loaded too,
 * and their errors carry their own FILE:LINE:COL. Returns 0 with *out to
 * free with plan_free(), or -1 with "FILE:LINE:COL: message" in err (*out
 * NULL). A file that cannot be read: "cannot open 'PATH': REASON". */
int plan_load(const char *path, const struct vars *overrides, struct plan **out, char *err, size_t errlen);
/* The same from text in memory; file is the name used in messages and dir
 * the directory relative paths start from (NULL: the current one). */
int plan_load_string(const char *text, size_t len, const char *file, const char *dir,
		     const struct vars *overrides, struct plan **out, char *err, size_t errlen);
void plan_free(struct plan *p);

/* The phase or step of that id, or NULL. */
const struct plan_phase *plan_find_phase(const struct plan *p, const char *id);
const struct plan_step *plan_find_step(const struct plan *p, const char *id, const struct plan_phase **phase);

/* A run: step's command with every {var} replaced by its value quoted for
 * /bin/sh where it stands, so that no value can end the word it is in or
 * start another command: unquoted 'VALUE' (a ' inside written '\''), inside
 * '...' the same without the outer quotes, inside "..." with a backslash
 * before $ ` " and \. Where no quoting is safe (a here-document,
 * backquotes, $((...)), ${...}) plan_load refused the variable. masked != 0:
 * a secret's value is replaced by *** instead, and any secret elsewhere in
 * the command masked (for logs, status and --dry-run). A new string; never
 * NULL (plan_load refused undefined variables). A manual: step gives
 * plan_text() of its instructions. */
char *plan_command(const struct plan *p, const struct plan_step *s, int masked);
/* Any other text of the plan (manual: instructions, cwd, an env value) with
 * every {var} replaced by its value as it is (masked: secrets as ***). */
char *plan_text(const struct plan *p, const char *tmpl, int masked);
/* Replace every occurrence of a secret value in buf (len bytes, NUL at
 * buf[len]) by *** in a new string: what a step printed, before it goes to
 * a log or the terminal. plan_load refuses a secret shorter than 3 bytes
 * (masking it would hide ordinary text). */
char *plan_mask(const struct plan *p, const char *buf, size_t len);
/* The same for output that may hold NUL bytes: the result's length (NUL
 * bytes of buf kept) in *outlen. */
char *plan_mask_len(const struct plan *p, const char *buf, size_t len, size_t *outlen);

/* Mask output as it streams in: buf holds what has been read and not yet
 * written (len bytes). Returns the masked text of its first *used bytes
 * (length in *outlen, NUL bytes kept), holding back fewer than
 * plan_secret_maxlen() bytes, and only from where the rest of buf is the
 * start of a secret (so a line that ends otherwise goes out whole); the
 * caller puts them at the front of the next call's buf: a secret split
 * between two reads is masked whole. final: the
 * stream has ended, nothing is held back. The result, chunk by chunk, is
 * plan_mask() of the whole. */
char *plan_mask_stream(const struct plan *p, const char *buf, size_t len, int final, size_t *used,
		       size_t *outlen);

/* The length of the longest secret value (0: none); plan_mask_stream()
 * never holds back as many bytes as that. */
size_t plan_secret_maxlen(const struct plan *p);

#endif
