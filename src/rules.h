/* Rule sets: YAML files of checks and their parameters (read into the YAML
 * tree of ytree.h), with {variable} substitution from --set. */
#ifndef CUTOVER_RULES_H
#define CUTOVER_RULES_H

#include <stddef.h>

struct check_desc;
struct check_param;
struct ytree_node;

/* Variables from --set NAME=VALUE (and later from plans). */
struct vars {
	char **names;
	char **values;
	size_t n;
	size_t alloc;
};
#define VARS_INIT                                                                                            \
	{                                                                                                    \
		NULL, NULL, 0, 0                                                                             \
	}
/* The length of the variable name ([A-Za-z_][A-Za-z0-9_]*) at the start of
 * s, 0 when there is none. */
size_t vars_name_len(const char *s);
/* Whether s is a variable name and nothing else. */
int vars_valid_name(const char *s);
/* Parse "NAME=VALUE" and set it (a later value replaces an earlier one). NAME
 * is [A-Za-z_][A-Za-z0-9_]* and may not be "domain". Returns 0, or -1 with a
 * message in err. */
int vars_set_assignment(struct vars *v, const char *assignment, char *err, size_t errlen);
void vars_set(struct vars *v, const char *name, const char *value);
/* The value of name, or NULL. */
const char *vars_get(const struct vars *v, const char *name);
void vars_release(struct vars *v);

/* Replace every {name} in tmpl by its value from vars; {domain} by domain
 * when domain is not NULL, else {domain} is kept as it is. Returns a newly
 * allocated string, or NULL when a variable is undefined; then *undefined (if
 * not NULL) is set to a newly allocated copy of the first undefined name.
 * Text in braces that is not a variable name ("{ x", "{}") is kept.
 * When vars is NULL only {domain} is replaced and every other {name}
 * is kept, so it never fails; that is the per-domain pass over parameter
 * values, whose variables rules_load already substituted (a --set value is
 * inserted as it is, so braces in it are never expanded again, except a
 * {domain} in it, which is expanded per domain like one in the file). */
char *rules_expand(const char *tmpl, const struct vars *vars, const char *domain, char **undefined);

/* A parameter value as written in the file, after --set substitution
 * ({domain} is still in it). Values are normalised to the shape of
 * their type, so a check never sees two shapes: PARAM_STRINGS, PARAM_NAMES
 * and PARAM_RRTYPES are always RV_LIST (a single value becomes a list of one),
 * PARAM_RRMAP is RV_MAP whose values are always RV_LIST, every other type is
 * RV_SCALAR; RR type names are upper case; a name of a single label (a
 * PARAM_NAME or an item of PARAM_NAMES: "www") is made relative to the domain
 * ("www.{domain}"). */
enum rule_vkind { RV_SCALAR, RV_LIST, RV_MAP };
struct rule_value {
	enum rule_vkind kind;
	char *str;		  /* RV_SCALAR */
	struct rule_value *items; /* RV_LIST items, RV_MAP values */
	char **keys;		  /* RV_MAP keys */
	size_t n;		  /* RV_LIST, RV_MAP */
	int line, col;		  /* 1-based position in the file */
};

struct rule_param {
	char *key;
	struct rule_value value;
};

struct rule {
	const struct check_desc *desc;
	int severity;		   /* an enum status for the warn and fail findings, or -1 */
	struct rule_param *params; /* every key except check, severity and when */
	size_t n_params;
	const char *file; /* the ruleset's file */
	int line, col;	  /* where the list item starts */
	/* the variable named by the item's `when:` key, or NULL. A rule
	 * with `when: NAME` is used only when NAME is set (--set NAME=VALUE);
	 * otherwise rules_load puts it in ruleset.skipped, not ruleset.rules. */
	char *when;
	/* the variable named by `unless:`, or NULL: the rule is used only
	 * when that variable is not set */
	char *unless;
};

struct ruleset {
	char *name; /* `name:`, else the file's base name without .yml */
	char *file;
	struct rule *rules;
	size_t n;
	/* rules left out because their `when` variable is unset, kept so a
	 * report can say what was not checked. Never run them: their values are
	 * substituted only where every variable was defined, else as written. */
	struct rule *skipped;
	size_t n_skipped;
};

/* Load and validate a rule set. Every {var} other than {domain} must be
 * defined in vars (and is substituted now); keys are checked against the
 * check's parameter table (struct check_desc.params) and values against their
 * types. On error returns -1 and writes "FILE:LINE:COL: message" to err.
 * Returns 0 on success; out must be released with ruleset_release().
 * vars may be NULL (no variables). An item with `when: NAME` whose NAME
 * is unset may use undefined variables and goes to out->skipped. On error out
 * holds nothing (releasing it is harmless). */
int rules_load(const char *path, const struct vars *vars, struct ruleset *out, char *err, size_t errlen);
/* Same, from a string in memory; name is used as the file name in messages. */
int rules_load_string(const char *text, size_t len, const char *name, const struct vars *vars,
		      struct ruleset *out, char *err, size_t errlen);
/* Load the `checks:` list of a plan's gate, the node checks of a YAML tree
 * (ytree.h), as a rule set named name whose file is file (the plan's, whose
 * positions the nodes carry); otherwise as rules_load. */
int rules_load_checks(const struct ytree_node *checks, const char *file, const char *name,
		      const struct vars *vars, struct ruleset *out, char *err, size_t errlen);
void ruleset_release(struct ruleset *rs);

/* The value of key in rule, or NULL when absent. */
const struct rule_value *rule_param(const struct rule *rule, const char *key);

/* check one scalar (after substitution) against param's type and
 * normalise it in place (RR type names are upper-cased). For PARAM_STRINGS and
 * PARAM_NAMES it checks one item (a name must parse as one once {domain} is
 * expanded; making a single label relative is rules_load's); for PARAM_RRTYPES one item, for PARAM_RRMAP one
 * key (an RR type). rules_load uses it for every value, and plan.c for a gate's domain. Returns 0, or -1
 * with a message without position in err, e.g. "invalid number 'x' for 'max' (expected a whole number up to
 * 4294967295)". */
int rules_check_scalar(const struct check_param *param, char *value, char *err, size_t errlen);

/* parse a PARAM_PERCENT value, "90%" or "0.9", into a fraction in
 * [0, 1]. Returns 0, or -1 when malformed or out of range. */
int rules_parse_percent(const char *s, double *fraction);

#endif
