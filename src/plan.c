/* Plan files (plan.h): a YAML file of phases read into the YAML tree of
 * ytree.h and checked against the plan schema, so that every error names
 * FILE:LINE:COL; and the plan's {variables} put into its commands (quoted
 * for /bin/sh) and texts, with secrets masked where a person reads them.
 *
 * Variables: {NAME} (NAME = [A-Za-z_][A-Za-z0-9_]*) is the variable NAME;
 * ${NAME} is the shell's and never one of the plan's, nor is a brace that
 * does not hold a name ("{ x }", "{}", "{a,b}"). A value is inserted as
 * written: a {NAME} in a value is never expanded again.
 *
 * In a run: command, a value must stay one piece of one word whatever it
 * holds (quotes, $(...), ;, newlines), so each {NAME} is quoted for where it
 * stands, which a small scanner of the command's shell syntax finds:
 * unquoted it becomes 'VALUE' and inside '...' VALUE, a ' of the value
 * written '\'' in both; inside "..." it is VALUE with a backslash before
 * each $ ` " and \ (POSIX: the only characters special there). Where no
 * quoting is safe -- a here-document, backquotes, $((...)), ${...}, or after
 * text shells read differently ($'...', a case statement inside "$(...)") --
 * the plan is refused at the variable, and the message says to pass the
 * value through env: instead ("$NAME" is safe everywhere). A variable in a
 * shell comment is neither substituted nor checked, and \{NAME}, which the
 * shell reads as the text {NAME}, is not a variable. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks.h"
#include "notify.h"
#include "plan.h"
#include "report.h"
#include "session.h"
#include "util.h"
#include "ytree.h"

/* What the tree refuses is named after plans in its messages. */
static const struct ytree_names plan_names = {"plans", "a plan file"};

/* Bytes a secret must have at the least: masking a shorter one would hide
 * ordinary text in every log line. */
#define SECRET_MIN 3
/* The longest id of a phase or step: ids name log files and are typed. */
#define ID_MAX 64
/* The most retries a step may ask for. */
#define RETRIES_MAX 1000
/* Gates re-check this often unless every: says otherwise. */
#define EVERY_DEFAULT 30

/* The names a notify template keeps for the runner (notify.h): the plan's
 * variables are put in at load time, these when a notification is sent. */
static const char *const notify_fields[] = {"status", "message", "plan", "phase", "step"};

/* ------------------------------------------------------------------ */
/* variable references */

/* The length of the name of a {NAME} at s (which points at the brace), 0
 * when s holds none; a brace after '$' is the shell's. */
static size_t ref_at(const char *start, const char *s)
{
	if (s[0] != '{' || (s > start && s[-1] == '$'))
		return 0;
	size_t n = vars_name_len(s + 1);
	return n && s[n + 1] == '}' ? n : 0;
}

/* How the value of a {NAME} is written where it stands. */
enum quote {
	QUOTE_NONE,   /* not a shell command: the value as it is */
	QUOTE_WORD,   /* unquoted shell text: 'VALUE' */
	QUOTE_SINGLE, /* inside '...': VALUE with ' written '\'' */
	QUOTE_DOUBLE, /* inside "...": VALUE with \\ before $ ` " and \\ */
};

struct ref {
	size_t off; /* of the brace */
	size_t len; /* of the name */
	enum quote quote;
	const char *refused; /* where it stands when no quoting is safe there, else NULL */
};

struct refs {
	struct ref *v;
	size_t n, alloc;
};

static void refs_add(struct refs *r, size_t off, size_t len, enum quote quote, const char *refused)
{
	struct ref *ref = xgrow(&r->v, &r->n, &r->alloc, sizeof(*ref));
	ref->off = off;
	ref->len = len;
	ref->quote = quote;
	ref->refused = refused;
}

/* The references of a text that is not a shell command. */
static void text_refs(const char *s, struct refs *out)
{
	for (const char *p = s; (p = strchr(p, '{')) != NULL; p++) {
		size_t n = ref_at(s, p);
		if (n)
			refs_add(out, (size_t)(p - s), n, QUOTE_NONE, NULL);
	}
}

/* The shell scanner's frames: what the text at hand is inside of. */
enum frame_kind { F_TOP, F_CMDSUB, F_SINGLE, F_DOUBLE, F_BACKQUOTE, F_ARITH, F_PARAM };

#define SH_MAX_DEPTH 64

struct frame {
	enum frame_kind kind;
	int parens; /* F_CMDSUB, F_ARITH: open '(' inside */
};

struct heredoc {
	char *delim;
	int strip_tabs;
};

struct scanner {
	const char *s;
	size_t i;
	struct frame stack[SH_MAX_DEPTH];
	size_t depth;
	struct heredoc *docs; /* here-documents whose bodies start at the next newline */
	size_t n_docs, alloc_docs;
	const char *unsure; /* set: the text after here is not read with certainty */
	struct refs *out;
};

static int inside(const struct scanner *sc, enum frame_kind kind)
{
	for (size_t i = 0; i < sc->depth; i++)
		if (sc->stack[i].kind == kind)
			return 1;
	return 0;
}

static void push(struct scanner *sc, enum frame_kind kind)
{
	if (sc->depth == SH_MAX_DEPTH) {
		sc->unsure = "after quotes and substitutions nested more than 64 deep";
		return;
	}
	sc->stack[sc->depth].kind = kind;
	sc->stack[sc->depth].parens = 0;
	sc->depth++;
}

static void pop(struct scanner *sc)
{
	if (sc->depth > 1)
		sc->depth--;
}

/* A {NAME} at sc->i, quoted as the frame on top says unless an enclosing
 * frame makes that unsafe. Returns the bytes it spans, 0 when none is there. */
static size_t shell_ref(struct scanner *sc, enum quote quote)
{
	size_t n = ref_at(sc->s, sc->s + sc->i);
	const char *refused = NULL;
	if (!n)
		return 0;
	if (inside(sc, F_BACKQUOTE))
		refused = "inside backquotes";
	else if (inside(sc, F_ARITH))
		refused = "inside $((...))";
	else if (inside(sc, F_PARAM))
		refused = "inside ${...}";
	refs_add(sc->out, sc->i, n, quote, refused);
	return n + 2;
}

/* At a '$': what it starts. Returns the bytes consumed. */
static size_t dollar(struct scanner *sc)
{
	const char *p = sc->s + sc->i;
	if (p[1] == '(' && p[2] == '(') {
		push(sc, F_ARITH);
		return 3;
	}
	if (p[1] == '(') {
		push(sc, F_CMDSUB);
		return 2;
	}
	if (p[1] == '{') {
		push(sc, F_PARAM);
		return 2;
	}
	return 1;
}

static int word_end(char c)
{
	return c == '\0' || strchr(" \t\n;&|()<>", c) != NULL;
}

/* At "<<" in unquoted text: note the here-document whose body starts at the
 * next newline. Returns the bytes of the operator and its delimiter word. */
static size_t heredoc_start(struct scanner *sc)
{
	const char *p = sc->s + sc->i + 2;
	struct strbuf delim = STRBUF_INIT;
	int strip = 0;

	if (*p == '<') /* bash's <<< here-string: a word follows, nothing else */
		return 3;
	if (*p == '-') {
		strip = 1;
		p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	while (!word_end(*p)) {
		if (*p == '\'' || *p == '"') {
			const char *close = strchr(p + 1, *p);
			if (!close)
				close = p + strlen(p);
			sb_add(&delim, p + 1, (size_t)(close - p - 1));
			p = *close ? close + 1 : close;
		} else if (*p == '\\' && p[1]) {
			sb_add(&delim, p + 1, 1);
			p += 2;
		} else {
			sb_add(&delim, p, 1);
			p++;
		}
	}
	if (!delim.len) {
		sc->unsure = "after a '<<' without a delimiter";
		sb_release(&delim);
	} else {
		struct heredoc *h = xgrow(&sc->docs, &sc->n_docs, &sc->alloc_docs, sizeof(*h));
		h->delim = sb_detach(&delim);
		h->strip_tabs = strip;
	}
	return (size_t)(p - (sc->s + sc->i));
}

/* At the newline that ends a line with here-documents: skip their bodies,
 * where every {NAME} is refused (a value holding a newline and the delimiter
 * would end the document and run what follows). */
static void heredoc_bodies(struct scanner *sc)
{
	const char *s = sc->s;
	size_t i = sc->i + 1;
	for (size_t d = 0; d < sc->n_docs; d++) {
		while (s[i]) {
			size_t len = strcspn(s + i, "\n"), start = i;
			const char *line = s + i;
			if (sc->docs[d].strip_tabs)
				while (*line == '\t')
					line++;
			size_t llen = len - (size_t)(line - (s + i));
			i += len + (s[i + len] == '\n');
			if (llen == strlen(sc->docs[d].delim) && memcmp(line, sc->docs[d].delim, llen) == 0)
				break;
			for (size_t k = start; k < start + len; k++) {
				size_t n = ref_at(s, s + k);
				if (n)
					refs_add(sc->out, k, n, QUOTE_WORD, "inside a here-document");
			}
		}
		free(sc->docs[d].delim);
	}
	sc->n_docs = 0;
	sc->i = i;
}

/* One step of the scanner in unquoted text (F_TOP, F_CMDSUB). */
static void unquoted(struct scanner *sc)
{
	const char *s = sc->s;
	size_t i = sc->i, n;
	struct frame *f = &sc->stack[sc->depth - 1];
	int word_start = i == 0 || strchr(" \t\n;&|()<>", s[i - 1]) != NULL;

	switch (s[i]) {
	case '\\':
		sc->i += s[i + 1] ? 2 : 1;
		return;
	case '\'':
		push(sc, F_SINGLE);
		break;
	case '"':
		push(sc, F_DOUBLE);
		break;
	case '`':
		push(sc, F_BACKQUOTE);
		break;
	case '$':
		if (s[i + 1] == '\'') {
			/* bash reads backslash escapes in $'...', dash (before
			 * 0.5.12) a '$' and then '...': where it ends differs */
			sc->unsure = "after $'...', which shells read differently";
			sc->i += 2;
			return;
		}
		sc->i += dollar(sc);
		return;
	case '(':
		f->parens++;
		break;
	case ')':
		if (f->kind == F_CMDSUB) {
			if (f->parens > 0)
				f->parens--;
			else
				pop(sc);
		}
		break;
	case '#':
		if (word_start) {
			sc->i += strcspn(s + i, "\n");
			return;
		}
		break;
	case '<':
		if (s[i + 1] == '<') {
			sc->i += heredoc_start(sc);
			return;
		}
		break;
	case '\n':
		if (sc->n_docs) {
			heredoc_bodies(sc);
			return;
		}
		break;
	case '{':
		if ((n = shell_ref(sc, QUOTE_WORD)) != 0) {
			sc->i += n;
			return;
		}
		break;
	case 'c':
		/* a case pattern's ')' would end "$(...)" here too early:
		 * harmless in unquoted text, not inside "..." */
		if (word_start && f->kind == F_CMDSUB && strncmp(s + i, "case", 4) == 0 &&
		    word_end(s[i + 4]) && inside(sc, F_DOUBLE))
			sc->unsure = "after a case statement inside \"$(...)\"";
		break;
	}
	sc->i++;
}

/* One step of the scanner inside anything but unquoted text. */
static void quoted(struct scanner *sc)
{
	const char *s = sc->s;
	size_t i = sc->i, n;
	struct frame *f = &sc->stack[sc->depth - 1];

	switch (f->kind) {
	case F_SINGLE:
		if (s[i] == '\'')
			pop(sc);
		else if ((n = shell_ref(sc, QUOTE_SINGLE)) != 0) {
			sc->i += n;
			return;
		}
		sc->i++;
		return;
	case F_BACKQUOTE:
		if (s[i] == '\\' && s[i + 1]) {
			sc->i += 2;
			return;
		}
		if (s[i] == '`')
			pop(sc);
		else if ((n = shell_ref(sc, QUOTE_WORD)) != 0) {
			sc->i += n;
			return;
		}
		sc->i++;
		return;
	default:
		break;
	}
	/* F_DOUBLE, F_ARITH, F_PARAM */
	switch (s[i]) {
	case '\\':
		sc->i += s[i + 1] ? 2 : 1;
		return;
	case '"':
		if (f->kind == F_DOUBLE)
			pop(sc);
		else
			push(sc, F_DOUBLE);
		break;
	case '\'':
		if (f->kind != F_DOUBLE) {
			if (inside(sc, F_DOUBLE))
				sc->unsure = "after a quote inside \"${...}\" or \"$((...))\"";
			push(sc, F_SINGLE);
		}
		break;
	case '`':
		push(sc, F_BACKQUOTE);
		break;
	case '$':
		sc->i += dollar(sc);
		return;
	case '(':
		if (f->kind == F_ARITH)
			f->parens++;
		break;
	case ')':
		if (f->kind == F_ARITH) {
			if (f->parens > 0) {
				f->parens--;
			} else {
				pop(sc);
				if (s[i + 1] == ')')
					sc->i++;
			}
		}
		break;
	case '}':
		if (f->kind == F_PARAM)
			pop(sc);
		break;
	case '{':
		if ((n = shell_ref(sc, QUOTE_DOUBLE)) != 0) {
			sc->i += n;
			return;
		}
		break;
	}
	sc->i++;
}

/* The references of a run: command, each with how to quote it or why it
 * cannot be. */
static void shell_refs(const char *s, struct refs *out)
{
	struct scanner sc = {0};
	sc.s = s;
	sc.out = out;
	sc.stack[0].kind = F_TOP;
	sc.depth = 1;
	while (s[sc.i] && !sc.unsure) {
		enum frame_kind k = sc.stack[sc.depth - 1].kind;
		if (k == F_TOP || k == F_CMDSUB)
			unquoted(&sc);
		else
			quoted(&sc);
	}
	/* Past a point the shell may read otherwise: no variable is safe. */
	for (; sc.unsure && s[sc.i]; sc.i++) {
		size_t n = ref_at(s, s + sc.i);
		if (n)
			refs_add(out, sc.i, n, QUOTE_WORD, sc.unsure);
	}
	for (size_t d = 0; d < sc.n_docs; d++)
		free(sc.docs[d].delim);
	free(sc.docs);
}

/* ------------------------------------------------------------------ */
/* substitution and masking */

static const struct plan_var *var_find(const struct plan *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->n_vars; i++)
		if (strlen(p->vars[i].name) == len && memcmp(p->vars[i].name, name, len) == 0)
			return &p->vars[i];
	return NULL;
}

/* Mask buf into sb from its start until the scan is at or past limit (a
 * secret found before limit is masked whole); returns where it stopped.
 * The longest secret at a position wins. */
static size_t mask_scan(const struct plan *p, struct strbuf *sb, const char *buf, size_t len, size_t limit)
{
	size_t i = 0, start = 0;
	while (i < limit) {
		size_t best = 0;
		for (size_t k = 0; k < p->n_vars; k++) {
			const struct plan_var *v = &p->vars[k];
			size_t sl;
			if (!v->secret || v->value[0] != buf[i])
				continue;
			sl = strlen(v->value);
			if (sl > best && sl <= len - i && memcmp(buf + i, v->value, sl) == 0)
				best = sl;
		}
		if (best) {
			sb_add(sb, buf + start, i - start);
			sb_add(sb, "***", 3);
			i += best;
			start = i;
		} else {
			i++;
		}
	}
	sb_add(sb, buf + start, i - start);
	return i;
}

char *plan_mask_len(const struct plan *p, const char *buf, size_t len, size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	mask_scan(p, &sb, buf, len, len);
	*outlen = sb.len;
	return sb_detach(&sb);
}

char *plan_mask(const struct plan *p, const char *buf, size_t len)
{
	size_t n;
	return plan_mask_len(p, buf, len, &n);
}

/* Whether the n bytes at buf are the start of a secret, not all of it. */
static int secret_start(const struct plan *p, const char *buf, size_t n)
{
	for (size_t k = 0; k < p->n_vars; k++)
		if (p->vars[k].secret && strlen(p->vars[k].value) > n &&
		    memcmp(p->vars[k].value, buf, n) == 0)
			return 1;
	return 0;
}

char *plan_mask_stream(const struct plan *p, const char *buf, size_t len, int final, size_t *used,
		       size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	size_t keep = plan_secret_maxlen(p), limit = len;
	/* A secret that starts before len - (longest - 1) ends within buf;
	 * of the bytes after that, only those from where the rest of buf is
	 * the start of a secret are kept back (a line "done\n" is not). */
	keep = keep ? keep - 1 : 0;
	for (size_t i = len > keep ? len - keep : 0; !final && i < len; i++)
		if (secret_start(p, buf + i, len - i)) {
			limit = i;
			break;
		}
	*used = mask_scan(p, &sb, buf, len, limit);
	*outlen = sb.len;
	return sb_detach(&sb);
}

size_t plan_secret_maxlen(const struct plan *p)
{
	size_t max = 0;
	for (size_t i = 0; i < p->n_vars; i++)
		if (p->vars[i].secret && strlen(p->vars[i].value) > max)
			max = strlen(p->vars[i].value);
	return max;
}

static void quote_into(struct strbuf *sb, const char *v, enum quote q)
{
	if (q == QUOTE_WORD)
		sb_add(sb, "'", 1);
	for (const char *p = v; *p; p++) {
		if (*p == '\'' && (q == QUOTE_WORD || q == QUOTE_SINGLE))
			sb_adds(sb, "'\\''");
		else if (q == QUOTE_DOUBLE && strchr("$`\"\\", *p))
			sb_addf(sb, "\\%c", *p);
		else
			sb_add(sb, p, 1);
	}
	if (q == QUOTE_WORD)
		sb_add(sb, "'", 1);
}

/* tmpl with each reference of refs replaced by its value, quoted as the
 * reference says; masked: secrets as ***, and any secret elsewhere masked
 * too. An undefined variable is kept as written. */
static char *substitute(const struct plan *p, const char *tmpl, const struct refs *refs, int masked)
{
	struct strbuf sb = STRBUF_INIT;
	size_t at = 0;
	for (size_t i = 0; i < refs->n; i++) {
		const struct ref *r = &refs->v[i];
		const struct plan_var *v = var_find(p, tmpl + r->off + 1, r->len);
		if (!v)
			continue;
		sb_add(&sb, tmpl + at, r->off - at);
		at = r->off + r->len + 2;
		if (masked && v->secret) {
			quote_into(&sb, "***", r->quote);
		} else if (masked) {
			char *shown = plan_mask(p, v->value, strlen(v->value));
			quote_into(&sb, shown, r->quote);
			free(shown);
		} else {
			quote_into(&sb, v->value, r->quote);
		}
	}
	sb_adds(&sb, tmpl + at);
	if (!masked)
		return sb_detach(&sb);
	char *out = plan_mask(p, sb.buf ? sb.buf : "", sb.len);
	sb_release(&sb);
	return out;
}

char *plan_text(const struct plan *p, const char *tmpl, int masked)
{
	struct refs refs = {0};
	text_refs(tmpl, &refs);
	char *out = substitute(p, tmpl, &refs, masked);
	free(refs.v);
	return out;
}

char *plan_command(const struct plan *p, const struct plan_step *s, int masked)
{
	struct refs refs = {0};
	if (s->kind != PLAN_STEP_RUN)
		return plan_text(p, s->text, masked);
	shell_refs(s->text, &refs);
	char *out = substitute(p, s->text, &refs, masked);
	free(refs.v);
	return out;
}

/* ------------------------------------------------------------------ */
/* looking things up */

const struct plan_phase *plan_find_phase(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->n_phases; i++)
		if (strcmp(p->phases[i].id, id) == 0)
			return &p->phases[i];
	return NULL;
}

const struct plan_step *plan_find_step(const struct plan *p, const char *id, const struct plan_phase **phase)
{
	if (phase)
		*phase = NULL;
	for (size_t i = 0; i < p->n_phases; i++) {
		for (size_t k = 0; k < p->phases[i].n_steps; k++) {
			if (strcmp(p->phases[i].steps[k].id, id) == 0) {
				if (phase)
					*phase = &p->phases[i];
				return &p->phases[i].steps[k];
			}
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* freeing */

static void step_release(struct plan_step *s)
{
	free(s->id);
	free(s->text);
	free(s->cwd);
	for (size_t i = 0; i < s->n_env; i++)
		free(s->env[i]);
	free(s->env);
}

static void gate_free(struct plan_gate *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_rulesets; i++)
		ruleset_release(&g->rulesets[i]);
	free(g->rulesets);
	free(g->domain);
	free(g->baseline);
	free(g);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_phases; i++) {
		struct plan_phase *ph = &p->phases[i];
		for (size_t k = 0; k < ph->n_steps; k++)
			step_release(&ph->steps[k]);
		free(ph->steps);
		free(ph->id);
		free(ph->description);
		gate_free(ph->gate);
	}
	free(p->phases);
	for (size_t i = 0; i < p->n_vars; i++) {
		free(p->vars[i].name);
		free(p->vars[i].value);
	}
	free(p->vars);
	for (size_t i = 0; i < p->n_notify; i++)
		free(p->notify[i]);
	free(p->notify);
	free(p->name);
	free(p->file);
	free(p->dir);
	free(p);
}

/* ------------------------------------------------------------------ */
/* the schema */

struct loader {
	const char *file;
	char *err;
	size_t errlen;
	struct plan *p;
	size_t alloc_vars, alloc_phases;
	const struct ytree_node **var_keys; /* where each of p->vars is in the file (NULL: --set) */
	struct vars gate_vars;		    /* the plan's variables but domain, for rule sets */
};

static int fail(struct loader *ld, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct loader *ld, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ytree_verror(ld->err, ld->errlen, ld->file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

#define AT(n) (n)->line, (n)->col

/* A value that must be one scalar, not null. */
static int scalar(struct loader *ld, const char *key, const struct ytree_node *n)
{
	if (n->kind != YTREE_SCALAR)
		return fail(ld, AT(n), "'%s' must be a single value, not %s", key, ytree_kind_name(n));
	if (ytree_is_null(n))
		return fail(ld, AT(n), "missing value for '%s'", key);
	return 0;
}

/* Every key of map must be one of allowed; where names the mapping ("a
 * step"), NULL for the top level. */
static int check_keys(struct loader *ld, const struct ytree_node *map, const char *const *allowed, size_t n,
		      const char *where)
{
	char buf[YTREE_SHOWN_SIZE];
	for (size_t i = 0; i < map->n; i++) {
		const struct ytree_node *key = &map->pairs[i].key;
		size_t k = 0;
		while (k < n && strcmp(key->str, allowed[k]) != 0)
			k++;
		if (k < n)
			continue;
		struct strbuf list = STRBUF_INIT;
		for (k = 0; k < n; k++)
			sb_addf(&list, "%s%s", k ? ", " : "", allowed[k]);
		const char *near = ytree_closest(key->str, allowed, n);
		char *what = where ? xasprintf("unknown key '%s' in %s",
					       ytree_shown(key->str, buf, sizeof(buf)), where)
				   : xasprintf("unknown top-level key '%s'",
					       ytree_shown(key->str, buf, sizeof(buf)));
		if (near)
			fail(ld, AT(key), "%s; did you mean '%s'?", what, near);
		else
			fail(ld, AT(key), "%s (allowed: %s)", what, list.buf);
		free(what);
		sb_release(&list);
		return -1;
	}
	return 0;
}

/* The key node of key in map, for messages about the key itself. */
static const struct ytree_node *key_of(const struct ytree_node *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->pairs[i].key.str, key) == 0)
			return &map->pairs[i].key;
	return NULL;
}

/* Every {NAME} of scalar n must be defined (shell: n is a run: command, and
 * each must also be quotable where it stands). skip: names left for later
 * (notify fields), or NULL. */
static int check_refs(struct loader *ld, const struct ytree_node *n, int shell, const char *const *skip,
		      size_t n_skip)
{
	char buf[YTREE_SHOWN_SIZE];
	struct refs refs = {0};
	int line, col, ret = 0;

	if (shell)
		shell_refs(n->str, &refs);
	else
		text_refs(n->str, &refs);
	for (size_t i = 0; i < refs.n && ret == 0; i++) {
		const struct ref *r = &refs.v[i];
		char *name = xstrndup(n->str + r->off + 1, r->len);
		int skipped = 0;
		for (size_t k = 0; k < n_skip; k++)
			skipped |= strcmp(name, skip[k]) == 0;
		ytree_scalar_pos(n, r->off, &line, &col);
		if (!skipped && !var_find(ld->p, name, r->len))
			ret = fail(ld, line, col,
				   "undefined variable '%s' (set it in vars: or with --set %s=VALUE)",
				   ytree_shown(name, buf, sizeof(buf)), ytree_shown(name, buf, sizeof(buf)));
		else if (r->refused)
			ret = fail(
				ld, line, col,
				"variable '{%s}' cannot be quoted for the shell %s (pass it through env: and "
				"write \"$NAME\")",
				ytree_shown(name, buf, sizeof(buf)), r->refused);
		free(name);
	}
	free(refs.v);
	return ret;
}

/* A text of the plan (a scalar, {vars} checked) into a new string. */
static int text_value(struct loader *ld, const char *key, const struct ytree_node *n, int shell, char **out)
{
	if (scalar(ld, key, n) || check_refs(ld, n, shell, NULL, 0))
		return -1;
	*out = xstrdup(n->str);
	return 0;
}

static int bool_value(struct loader *ld, const char *key, const struct ytree_node *n, int *out)
{
	static const char *const yes[] = {"true", "yes"}, *const no[] = {"false", "no"};
	char buf[YTREE_SHOWN_SIZE];
	if (scalar(ld, key, n))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(n->str, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(n->str, no[i]) == 0)
			return *out = 0, 0;
	}
	return fail(ld, AT(n), "invalid value '%s' for '%s' (expected true or false)",
		    ytree_shown(n->str, buf, sizeof(buf)), key);
}

static int duration_value(struct loader *ld, const char *key, const struct ytree_node *n, unsigned long *out)
{
	char buf[YTREE_SHOWN_SIZE];
	if (scalar(ld, key, n))
		return -1;
	if (parse_duration(n->str, out))
		return fail(ld, AT(n),
			    "invalid duration '%s' for '%s' (expected e.g. 90, 90s, 15m, 2h or 1d)",
			    ytree_shown(n->str, buf, sizeof(buf)), key);
	return 0;
}

/* An id of a phase or a step: it names log files and is typed in commands. */
static int id_value(struct loader *ld, const struct ytree_node *n, char **out)
{
	char buf[YTREE_SHOWN_SIZE];
	const char *s = n->str;
	if (scalar(ld, "id", n))
		return -1;
	size_t len = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
	if (len == 0 || s[len] || len > ID_MAX || s[0] == '.' || s[0] == '-' || s[0] == '_')
		return fail(ld, AT(n),
			    "invalid id '%s' (letters, digits, '.', '-' and '_', starting with a letter or "
			    "digit, at most %d)",
			    ytree_shown(s, buf, sizeof(buf)), ID_MAX);
	*out = xstrdup(s);
	return 0;
}

/* The start of an item of phases or steps (what): a mapping of keys, with
 * an id (its node in *id_node, its value in *id). */
static int item_start(struct loader *ld, const struct ytree_node *item, const char *what,
		      const char *const *keys, size_t n_keys, int *line, int *col,
		      const struct ytree_node **id_node, char **id)
{
	if (item->kind != YTREE_MAP)
		return fail(ld, AT(item), "a %s must be a mapping, not %s (write '- id: NAME')", what,
			    ytree_kind_name(item));
	*line = item->line;
	*col = item->col;
	char *where = xasprintf("a %s", what);
	int rc = check_keys(ld, item, keys, n_keys, where);
	free(where);
	if (rc)
		return -1;
	*id_node = ytree_map_get(item, "id");
	if (!*id_node)
		return fail(ld, AT(item), "a %s has no 'id'", what);
	return id_value(ld, *id_node, id);
}

/* `vars:`, then the --set overrides. */
static int load_vars(struct loader *ld, const struct ytree_node *vars, const struct vars *overrides)
{
	static const char *const var_keys[] = {"value", "secret"};
	char buf[YTREE_SHOWN_SIZE], buf2[YTREE_SHOWN_SIZE];
	struct plan *p = ld->p;
	size_t n_keys = 0, alloc_keys = 0;

	if (vars && ytree_is_null(vars))
		return fail(ld, AT(vars), "'vars' is empty");
	if (vars && vars->kind != YTREE_MAP)
		return fail(ld, AT(vars), "'vars' must be a mapping of names to values, not %s",
			    ytree_kind_name(vars));
	for (size_t i = 0; vars && i < vars->n; i++) {
		const struct ytree_node *key = &vars->pairs[i].key, *val = &vars->pairs[i].value;
		const struct ytree_node *value = val, *secret = NULL;
		int is_secret = 0;
		const char *name = ytree_shown(key->str, buf, sizeof(buf));

		if (!vars_valid_name(key->str))
			return fail(ld, AT(key),
				    "invalid variable name '%s' (letters, digits and '_', not starting with "
				    "a digit)",
				    name);
		if (val->kind == YTREE_MAP && !ytree_is_unquoted_braces(val)) {
			if (check_keys(ld, val, var_keys, ARRAY_SIZE(var_keys), "a variable"))
				return -1;
			value = ytree_map_get(val, "value");
			secret = ytree_map_get(val, "secret");
			if (!value)
				return fail(ld, AT(val), "variable '%s' has no 'value'", name);
			if (secret && bool_value(ld, "secret", secret, &is_secret))
				return -1;
		} else if (val->kind != YTREE_SCALAR) {
			return fail(ld, AT(val),
				    "variable '%s' must be a value or {value: ..., secret: true}, not %s",
				    name, ytree_kind_name(val));
		}
		if (value->kind != YTREE_SCALAR)
			return fail(ld, AT(value), "the value of '%s' must be a single value, not %s", name,
				    ytree_kind_name(value));
		if (ytree_is_null(value))
			return fail(ld, AT(value),
				    "missing value for variable '%s' (an empty one is written \"\")", name);
		if (is_secret && strlen(value->str) < SECRET_MIN)
			return fail(
				ld, AT(value),
				"secret '%s' is shorter than %d bytes (masking it would hide ordinary text)",
				name, SECRET_MIN);
		struct plan_var *v = xgrow(&p->vars, &p->n_vars, &ld->alloc_vars, sizeof(*v));
		v->name = xstrdup(key->str);
		v->value = xstrdup(value->str);
		v->secret = is_secret;
		*(const struct ytree_node **)xgrow(&ld->var_keys, &n_keys, &alloc_keys,
						   sizeof(*ld->var_keys)) = key;
	}
	for (size_t i = 0; overrides && i < overrides->n; i++) {
		const char *name = overrides->names[i], *value = overrides->values[i];
		struct plan_var *v = (struct plan_var *)var_find(p, name, strlen(name));
		if (v && v->secret && strlen(value) < SECRET_MIN) {
			const struct ytree_node *key = ld->var_keys[v - p->vars];
			return fail(ld, AT(key),
				    "secret '%s' given with --set %s=... is shorter than %d bytes",
				    ytree_shown(name, buf, sizeof(buf)),
				    ytree_shown(name, buf2, sizeof(buf2)), SECRET_MIN);
		}
		if (!v) {
			v = xgrow(&p->vars, &p->n_vars, &ld->alloc_vars, sizeof(*v));
			v->name = xstrdup(name);
		}
		free(v->value);
		v->value = xstrdup(value);
	}
	for (size_t i = 0; i < p->n_vars; i++)
		if (strcmp(p->vars[i].name, "domain") != 0)
			vars_set(&ld->gate_vars, p->vars[i].name, p->vars[i].value);
	return 0;
}

/* A scalar or a list of scalars (rules:, notify:) as an array of nodes. */
static int scalar_list(struct loader *ld, const char *key, const struct ytree_node *n,
		       const struct ytree_node ***items, size_t *count)
{
	*items = NULL;
	*count = 0;
	if (ytree_is_null(n))
		return fail(ld, AT(n), "'%s' is empty", key);
	if (n->kind == YTREE_MAP)
		return fail(ld, AT(n), "'%s' must be a value or a list of values, not %s", key,
			    ytree_kind_name(n));
	if (n->kind == YTREE_SEQ && n->n == 0)
		return fail(ld, AT(n), "'%s' is an empty list", key);
	size_t count_want = n->kind == YTREE_SEQ ? n->n : 1;
	for (size_t i = 0; i < count_want; i++) {
		const struct ytree_node *it = n->kind == YTREE_SEQ ? &n->items[i] : n;
		if (it->kind != YTREE_SCALAR)
			return fail(ld, AT(it), "an item of '%s' must be a single value, not %s", key,
				    ytree_kind_name(it));
		if (ytree_is_null(it) || !*it->str)
			return fail(ld, AT(it), "empty item in '%s'", key);
	}
	*items = xcalloc(count_want, sizeof(**items));
	for (size_t i = 0; i < count_want; i++)
		(*items)[i] = n->kind == YTREE_SEQ ? &n->items[i] : n;
	*count = count_want;
	return 0;
}

/* The references of a notify template that are the plan's variables: the
 * notify fields are left for the runner, whatever the plan defines. */
static void notify_refs(const char *tmpl, struct refs *out)
{
	size_t kept = 0;
	text_refs(tmpl, out);
	for (size_t i = 0; i < out->n; i++) {
		int field = 0;
		for (size_t k = 0; k < ARRAY_SIZE(notify_fields); k++)
			field |= strlen(notify_fields[k]) == out->v[i].len &&
				 memcmp(notify_fields[k], tmpl + out->v[i].off + 1, out->v[i].len) == 0;
		if (!field)
			out->v[kept++] = out->v[i];
	}
	out->n = kept;
}

static int load_notify(struct loader *ld, const struct ytree_node *n)
{
	const struct ytree_node **items;
	size_t count;
	char msg[512];
	struct plan *p = ld->p;

	if (scalar_list(ld, "notify", n, &items, &count))
		return -1;
	p->notify = xcalloc(count, sizeof(*p->notify));
	for (size_t i = 0; i < count; i++) {
		struct refs refs = {0};
		if (check_refs(ld, items[i], 0, notify_fields, ARRAY_SIZE(notify_fields)))
			break;
		notify_refs(items[i]->str, &refs);
		char *url = substitute(p, items[i]->str, &refs, 0);
		free(refs.v);
		if (notify_url_check(url, notify_fields, ARRAY_SIZE(notify_fields), msg, sizeof(msg))) {
			fail(ld, AT(items[i]), "invalid notify URL: %s", msg);
			free(url);
			break;
		}
		p->notify[p->n_notify++] = url;
	}
	free(items);
	return p->n_notify == count ? 0 : -1;
}

/* The step of the plan before s with s's id, or NULL. */
static const struct plan_step *step_seen(const struct plan *p, const struct plan_step *s)
{
	for (size_t i = 0; i < p->n_phases; i++)
		for (size_t k = 0; k < p->phases[i].n_steps; k++)
			if (&p->phases[i].steps[k] != s && p->phases[i].steps[k].id &&
			    strcmp(p->phases[i].steps[k].id, s->id) == 0)
				return &p->phases[i].steps[k];
	return NULL;
}

static const char *const step_keys[] = {"id",	   "run", "manual", "timeout",
					"retries", "cwd", "env",    "idempotent"};

static int load_env(struct loader *ld, const struct ytree_node *env, struct plan_step *s)
{
	char buf[YTREE_SHOWN_SIZE];
	size_t alloc = 0;
	if (ytree_is_null(env))
		return fail(ld, AT(env), "'env' is empty");
	if (env->kind != YTREE_MAP || ytree_is_unquoted_braces(env))
		return fail(ld, AT(env), "'env' must be a mapping of NAME: VALUE, not %s",
			    ytree_kind_name(env));
	for (size_t i = 0; i < env->n; i++) {
		const struct ytree_node *key = &env->pairs[i].key, *val = &env->pairs[i].value;
		if (!vars_valid_name(key->str))
			return fail(ld, AT(key),
				    "invalid environment variable name '%s' (letters, digits and '_', not "
				    "starting "
				    "with a digit)",
				    ytree_shown(key->str, buf, sizeof(buf)));
		if (val->kind != YTREE_SCALAR)
			return fail(ld, AT(val), "the value of '%s' must be a single value, not %s", key->str,
				    ytree_kind_name(val));
		if (ytree_is_null(val))
			return fail(ld, AT(val), "missing value for '%s' (an empty one is written \"\")",
				    key->str);
		if (check_refs(ld, val, 0, NULL, 0))
			return -1;
		*(char **)xgrow(&s->env, &s->n_env, &alloc, sizeof(*s->env)) =
			xasprintf("%s=%s", key->str, val->str);
	}
	return 0;
}

static int load_step(struct loader *ld, const struct ytree_node *item, struct plan_step *s)
{
	char buf[YTREE_SHOWN_SIZE];
	const struct ytree_node *id, *run, *manual, *n;
	const struct plan_step *first;
	unsigned long ul;

	if (item_start(ld, item, "step", step_keys, ARRAY_SIZE(step_keys), &s->line, &s->col, &id, &s->id))
		return -1;
	if ((first = step_seen(ld->p, s)) != NULL)
		return fail(ld, AT(id), "duplicate step id '%s' (first at line %d)",
			    ytree_shown(s->id, buf, sizeof(buf)), first->line);
	run = ytree_map_get(item, "run");
	manual = ytree_map_get(item, "manual");
	if (run && manual) {
		const struct ytree_node *second = key_of(item, "run");
		if (second->line < key_of(item, "manual")->line ||
		    (second->line == key_of(item, "manual")->line &&
		     second->col < key_of(item, "manual")->col))
			second = key_of(item, "manual");
		return fail(ld, AT(second),
			    "step '%s' has both 'run' and 'manual' (a step is one or the other)", s->id);
	}
	if (!run && !manual)
		return fail(ld, AT(item), "step '%s' has neither 'run' nor 'manual'", s->id);
	if (manual) {
		static const char *const run_only[] = {"timeout", "retries", "cwd", "env", "idempotent"};
		for (size_t i = 0; i < ARRAY_SIZE(run_only); i++)
			if ((n = key_of(item, run_only[i])) != NULL)
				return fail(ld, AT(n), "'%s' is for run: steps ('%s' is a manual step)",
					    run_only[i], s->id);
		s->kind = PLAN_STEP_MANUAL;
		if (text_value(ld, "manual", manual, 0, &s->text))
			return -1;
		if (!*s->text)
			return fail(ld, AT(manual), "'manual' is empty (the instructions to carry out)");
		return 0;
	}
	s->kind = PLAN_STEP_RUN;
	if (text_value(ld, "run", run, 1, &s->text))
		return -1;
	if (!*s->text)
		return fail(ld, AT(run), "'run' is empty");
	if ((n = ytree_map_get(item, "timeout")) && duration_value(ld, "timeout", n, &s->timeout))
		return -1;
	if ((n = ytree_map_get(item, "retries"))) {
		if (scalar(ld, "retries", n))
			return -1;
		if (parse_ulong(n->str, 0, RETRIES_MAX, &ul))
			return fail(ld, AT(n),
				    "invalid number '%s' for 'retries' (expected a whole number up to %d)",
				    ytree_shown(n->str, buf, sizeof(buf)), RETRIES_MAX);
		s->retries = (unsigned)ul;
	}
	if ((n = ytree_map_get(item, "cwd")) && text_value(ld, "cwd", n, 0, &s->cwd))
		return -1;
	if ((n = ytree_map_get(item, "env")) && load_env(ld, n, s))
		return -1;
	if ((n = ytree_map_get(item, "idempotent")) && bool_value(ld, "idempotent", n, &s->idempotent))
		return -1;
	return 0;
}

/* The path of a gate's rule set: relative to the plan's directory, or a
 * shipped one (rules/NAME.yml) for a bare name that is not a file there. */
static char *rules_path(const struct plan *p, const char *arg)
{
	if (arg[0] == '/')
		return xstrdup(arg);
	char *path = xasprintf("%s/%s", p->dir, arg);
	if (strchr(arg, '/') || access(path, F_OK) == 0)
		return path;
	free(path);
	return opts_shipped_path(arg, ".yml");
}

/* Whether a rule-set error already names its file and a position. */
static int has_position(const char *err, const char *path)
{
	size_t n = strlen(path);
	return strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] >= '0' && err[n + 1] <= '9';
}

static int load_gate_rules(struct loader *ld, const struct ytree_node *rules, struct plan_gate *g)
{
	const struct ytree_node **items;
	size_t count;
	char msg[1024];
	int ret = 0;

	if (scalar_list(ld, "rules", rules, &items, &count))
		return -1;
	g->rulesets = xcalloc(count + 1, sizeof(*g->rulesets));
	for (size_t i = 0; i < count && ret == 0; i++) {
		char *path = rules_path(ld->p, items[i]->str);
		if (rules_load(path, &ld->gate_vars, &g->rulesets[i], msg, sizeof(msg)) == 0) {
			g->n_rulesets++;
		} else if (has_position(msg, path)) {
			if (ld->err && ld->errlen)
				snprintf(ld->err, ld->errlen, "%s", msg);
			ret = -1;
		} else {
			ret = fail(ld, AT(items[i]), "%s", msg);
		}
		free(path);
	}
	free(items);
	return ret;
}

static const char *const gate_keys[] = {"rules", "checks", "domain", "fail_on", "wait", "every", "baseline"};

/* The gate of phase ph: gate_key is its key, gate the value. */
static int load_gate(struct loader *ld, struct plan_phase *ph, const struct ytree_node *gate_key,
		     const struct ytree_node *gate)
{
	char buf[YTREE_SHOWN_SIZE], msg[512];
	const struct ytree_node *n, *rules, *checks, *every;
	struct plan_gate *g;

	if (ytree_is_null(gate))
		return fail(ld, AT(gate), "'gate' is empty");
	if (gate->kind != YTREE_MAP || ytree_is_unquoted_braces(gate))
		return fail(ld, AT(gate), "'gate' must be a mapping, not %s", ytree_kind_name(gate));
	g = ph->gate = xcalloc(1, sizeof(*g));
	g->line = gate_key->line;
	g->col = gate_key->col;
	g->fail_on = STATUS_WARN;
	g->every = EVERY_DEFAULT;
	if (check_keys(ld, gate, gate_keys, ARRAY_SIZE(gate_keys), "a gate"))
		return -1;
	rules = ytree_map_get(gate, "rules");
	checks = ytree_map_get(gate, "checks");
	if (!rules && !checks)
		return fail(ld, AT(gate_key), "a gate needs 'rules' or 'checks' (what it checks)");

	static const struct check_param domain_param = {"domain", PARAM_NAME, 0, NULL, NULL};
	const struct plan_var *var = var_find(ld->p, "domain", 6);
	if ((n = ytree_map_get(gate, "domain"))) {
		if (scalar(ld, "domain", n) || check_refs(ld, n, 0, NULL, 0))
			return -1;
		g->domain = plan_text(ld->p, n->str, 0);
		if (rules_check_scalar(&domain_param, g->domain, msg, sizeof(msg)))
			return fail(ld, AT(n), "%s", msg);
	} else if (var) {
		g->domain = xstrdup(var->value);
		if (rules_check_scalar(&domain_param, g->domain, msg, sizeof(msg)))
			return fail(ld, AT(gate_key), "the gate's domain, vars.domain: %s", msg);
	} else {
		return fail(ld, AT(gate_key),
			    "a gate needs a domain: 'domain:' in the gate, or 'domain' in vars: or --set "
			    "domain=NAME");
	}
	if ((n = ytree_map_get(gate, "fail_on"))) {
		if (scalar(ld, "fail_on", n))
			return -1;
		if (strcmp(n->str, "warn") == 0)
			g->fail_on = STATUS_WARN;
		else if (strcmp(n->str, "fail") == 0)
			g->fail_on = STATUS_FAIL;
		else
			return fail(ld, AT(n), "invalid value '%s' for 'fail_on' (expected warn or fail)",
				    ytree_shown(n->str, buf, sizeof(buf)));
	}
	if ((n = ytree_map_get(gate, "baseline"))) {
		/* read when the gate is checked: an earlier step may write it */
		if (scalar(ld, "baseline", n) || check_refs(ld, n, 0, NULL, 0))
			return -1;
		char *path = plan_text(ld->p, n->str, 0);
		if (!*path) {
			free(path);
			return fail(ld, AT(n), "'baseline' is empty (the path of a JSON report)");
		}
		g->baseline = path[0] == '/' ? path : xasprintf("%s/%s", ld->p->dir, path);
		if (g->baseline != path)
			free(path);
		g->baseline_line = n->line;
		g->baseline_col = n->col;
	}
	if ((n = ytree_map_get(gate, "wait")) && duration_value(ld, "wait", n, &g->wait))
		return -1;
	if ((every = ytree_map_get(gate, "every"))) {
		if (duration_value(ld, "every", every, &g->every))
			return -1;
		if (g->every == 0)
			return fail(ld, AT(every), "'every' must be more than 0");
		if (g->wait == 0)
			return fail(ld, AT(key_of(gate, "every")),
				    "'every' needs 'wait' (without it the gate is checked once)");
	}
	if (rules && load_gate_rules(ld, rules, g))
		return -1;
	if (checks) {
		if (!g->rulesets)
			g->rulesets = xcalloc(1, sizeof(*g->rulesets));
		char *name = xasprintf("%s gate", ph->id);
		int rc = rules_load_checks(checks, ld->file, name, &ld->gate_vars,
					   &g->rulesets[g->n_rulesets], ld->err, ld->errlen);
		free(name);
		if (rc)
			return -1;
		g->n_rulesets++;
	}
	return 0;
}

static const char *const phase_keys[] = {"id", "description", "steps", "gate", "hold"};

static int load_phase(struct loader *ld, const struct ytree_node *item, struct plan_phase *ph)
{
	char buf[YTREE_SHOWN_SIZE];
	const struct ytree_node *id, *steps, *gate, *hold, *n;
	size_t alloc = 0;

	if (item_start(ld, item, "phase", phase_keys, ARRAY_SIZE(phase_keys), &ph->line, &ph->col, &id,
		       &ph->id))
		return -1;
	for (size_t i = 0; i < ld->p->n_phases; i++)
		if (&ld->p->phases[i] != ph && strcmp(ld->p->phases[i].id, ph->id) == 0)
			return fail(ld, AT(id), "duplicate phase id '%s' (first at line %d)",
				    ytree_shown(ph->id, buf, sizeof(buf)), ld->p->phases[i].line);
	if ((n = ytree_map_get(item, "description"))) {
		if (scalar(ld, "description", n))
			return -1;
		ph->description = xstrdup(n->str);
	}
	steps = ytree_map_get(item, "steps");
	gate = ytree_map_get(item, "gate");
	hold = ytree_map_get(item, "hold");
	if (!steps && !gate)
		return fail(ld, AT(item), "phase '%s' has neither steps nor a gate", ph->id);
	if (steps) {
		if (ytree_is_null(steps))
			return fail(ld, AT(steps), "'steps' is empty");
		if (steps->kind != YTREE_SEQ)
			return fail(ld, AT(steps), "'steps' must be a list, not %s", ytree_kind_name(steps));
		if (steps->n == 0)
			return fail(ld, AT(steps), "'steps' is an empty list");
		for (size_t i = 0; i < steps->n; i++) {
			struct plan_step *s = xgrow(&ph->steps, &ph->n_steps, &alloc, sizeof(*s));
			if (load_step(ld, &steps->items[i], s))
				return -1;
		}
	}
	if (hold) {
		if (scalar(ld, "hold", hold))
			return -1;
		if (strcmp(hold->str, "ttl-drain") != 0)
			return fail(ld, AT(hold), "invalid value '%s' for 'hold' (expected ttl-drain)",
				    ytree_shown(hold->str, buf, sizeof(buf)));
		if (!gate)
			return fail(ld, AT(hold),
				    "'hold: ttl-drain' needs a gate (it waits on the TTLs the gate's checks "
				    "see)");
		ph->hold_ttl_drain = 1;
	}
	if (gate && load_gate(ld, ph, key_of(item, "gate"), gate))
		return -1;
	return 0;
}

static const char *const top_keys[] = {"plan", "description", "vars", "notify", "phases"};

static int load_tree(struct loader *ld, const struct ytree_node *root, const struct vars *overrides)
{
	struct plan *p = ld->p;
	const struct ytree_node *name, *phases, *n;

	if (!root || ytree_is_null(root))
		return fail(ld, 1, 1, "empty plan file");
	if (root->kind != YTREE_MAP)
		return fail(ld, AT(root), "the top level must be a mapping with 'plan' and 'phases', not %s",
			    ytree_kind_name(root));
	if (check_keys(ld, root, top_keys, ARRAY_SIZE(top_keys), NULL))
		return -1;
	name = ytree_map_get(root, "plan");
	if (!name)
		return fail(ld, AT(root), "missing 'plan' (the plan's name)");
	if (scalar(ld, "plan", name))
		return -1;
	if (!*name->str)
		return fail(ld, AT(name), "'plan' is empty");
	for (const char *c = name->str; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return fail(ld, AT(name),
				    "the plan's name must be one line without control characters");
	p->name = xstrdup(name->str);
	if ((n = ytree_map_get(root, "description")) && scalar(ld, "description", n))
		return -1;
	if (load_vars(ld, ytree_map_get(root, "vars"), overrides))
		return -1;
	if ((n = ytree_map_get(root, "notify")) && load_notify(ld, n))
		return -1;
	phases = ytree_map_get(root, "phases");
	if (!phases)
		return fail(ld, AT(root), "missing 'phases' (the list of phases)");
	if (ytree_is_null(phases))
		return fail(ld, AT(phases), "'phases' is empty");
	if (phases->kind != YTREE_SEQ)
		return fail(ld, AT(phases), "'phases' must be a list, not %s", ytree_kind_name(phases));
	if (phases->n == 0)
		return fail(ld, AT(phases), "'phases' is an empty list");
	for (size_t i = 0; i < phases->n; i++) {
		struct plan_phase *ph = xgrow(&p->phases, &p->n_phases, &ld->alloc_phases, sizeof(*ph));
		if (load_phase(ld, &phases->items[i], ph))
			return -1;
	}
	return 0;
}

/* dir (NULL: the current directory) as an absolute path. */
static char *absolute_dir(const char *dir)
{
	char *real = realpath(dir ? dir : ".", NULL);
	if (real) {
		/* realpath's own allocation: copied, so that x* allocation is the
		 * only kind the plan holds */
		char *copy = xstrdup(real);
		free(real);
		return copy;
	}
	if (dir && dir[0] == '/')
		return xstrdup(dir);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	return dir ? xasprintf("%s/%s", cwd, dir) : xstrdup(cwd);
}

/* The length of the "FILE:LINE:COL: " that err starts with, or 0. */
static size_t position_len(const char *err, const char *file)
{
	size_t n = strlen(file), k = n;
	if (strncmp(err, file, n) != 0)
		return 0;
	for (int field = 0; field < 2; field++) {
		if (err[k] != ':' || !isdigit((unsigned char)err[k + 1]))
			return 0;
		for (k++; isdigit((unsigned char)err[k]); k++)
			;
	}
	return err[k] == ':' && err[k + 1] == ' ' ? k + 2 : 0;
}

int plan_load_string(const char *text, size_t len, const char *file, const char *dir,
		     const struct vars *overrides, struct plan **out, char *err, size_t errlen)
{
	struct ytree_doc *doc = NULL;
	struct loader ld = {0};
	int ret = -1;

	*out = NULL;
	if (!file)
		file = "<string>";
	ld.file = file;
	ld.err = err;
	ld.errlen = errlen;
	ld.p = xcalloc(1, sizeof(*ld.p));
	ld.p->file = xstrdup(file);
	ld.p->dir = absolute_dir(dir);
	if (ytree_load_buffer(text, len, file, &plan_names, &doc, err, errlen))
		goto out;
	ret = load_tree(&ld, doc->root, overrides);
out:
	if (ret && err && errlen) {
		/* A message may quote a value: never a secret. Its position
		 * is ours, not a value, and stays as it is (a secret such as
		 * "19: undefine" would otherwise mask the column). */
		size_t at = position_len(err, file);
		char *masked = plan_mask(ld.p, err + at, strlen(err + at));
		snprintf(err + at, errlen - at, "%s", masked);
		free(masked);
	}
	if (ret)
		plan_free(ld.p);
	else
		*out = ld.p;
	free(ld.var_keys);
	vars_release(&ld.gate_vars);
	ytree_doc_free(doc);
	return ret;
}

/* Whether a plan file of this mode may be read by a process of this
 * effective uid: root refuses one its group or others may write. */
static int mode_refused(uid_t euid, mode_t mode)
{
	return euid == 0 && (mode & (S_IWGRP | S_IWOTH)) != 0;
}

int plan_load(const char *path, const struct vars *overrides, struct plan **out, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char *copy = NULL;
	FILE *f = NULL;
	int ret = -1, rc;

	*out = NULL;
	/* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot read '%s': not a regular file", path);
		close(fd);
		return -1;
	}
	if (mode_refused(geteuid(), st.st_mode)) {
		snprintf(err, errlen,
			 "refusing '%s' as root: its group or others may write it, and so run any command as "
			 "root (chmod go-w it)",
			 path);
		close(fd);
		return -1;
	}
	f = fdopen(fd, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	rc = sb_read_file(&sb, f, YTREE_MAX_FILE);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (rc > 0) {
		snprintf(err, errlen, "'%s' is larger than %d MiB: too large for %s", path,
			 YTREE_MAX_FILE / (1024 * 1024), plan_names.one_file);
		goto out;
	}
	copy = xstrdup(path);
	ret = plan_load_string(sb.buf ? sb.buf : "", sb.len, path, dirname(copy), overrides, out, err,
			       errlen);
out:
	fclose(f);
	free(copy);
	sb_release(&sb);
	return ret;
}
