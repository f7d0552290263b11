/* The DMARC record parser and the DNS tree walk's names (checks/dmarc.h):
 * pure functions over bytes, no check context.
 *
 * Written by hand: no Debian library parses DMARC records (libopendmarc is
 * not among the libraries cutover links, and it judges records by RFC 7489
 * alone). The grammar is RFC 9989 4.8 (DKIM's tag=value list, RFC 6376 3.2,
 * with v= first); the tags are RFC 9989 4.7, with pct, rf and ri from RFC
 * 7489 6.3, which RFC 9989 removed (Appendix C) but RFC 7489 receivers read. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmarc.h"
#include "names.h"

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void add_note(struct dmarc_record *rec, enum dmarc_note_kind kind, const char *tag, size_t tag_len,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_note(struct dmarc_record *rec, enum dmarc_note_kind kind, const char *tag, size_t tag_len,
		     const char *fmt, ...)
{
	if (rec->n_notes == DMARC_NOTES_MAX) {
		rec->notes_dropped++;
		return;
	}
	struct dmarc_note *note = &rec->notes[rec->n_notes++];
	note->kind = kind;
	str_printable(note->tag, sizeof(note->tag), tag, tag_len);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(note->text, sizeof(note->text), fmt, ap);
	va_end(ap);
}

/* Trim blanks (WSP) from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
	while (*n && is_wsp(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_wsp((*s)[*n - 1]))
		(*n)--;
}

int dmarc_is_record(const char *text, size_t len)
{
	size_t i = 0;
	if (len < 1 || lower(text[0]) != 'v')
		return 0;
	for (i = 1; i < len && is_wsp(text[i]); i++)
		;
	if (i == len || text[i] != '=')
		return 0;
	for (i++; i < len && is_wsp(text[i]); i++)
		;
	if (len - i < 6 || memcmp(text + i, "DMARC1", 6) != 0)
		return 0;
	i += 6;
	while (i < len && is_wsp(text[i]))
		i++;
	return i == len || text[i] == ';';
}

const char *dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE:
		return "none";
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	case DMARC_POLICY_INVALID:
		return "(invalid)";
	case DMARC_POLICY_ABSENT:
		break;
	}
	return "(absent)";
}

static enum dmarc_policy parse_policy(struct dmarc_record *rec, const char *tag, const char *v, size_t n)
{
	if (str_is_word(v, n, "none"))
		return DMARC_POLICY_NONE;
	if (str_is_word(v, n, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (str_is_word(v, n, "reject"))
		return DMARC_POLICY_REJECT;
	add_note(rec, DMARC_NOTE_SYNTAX, tag, strlen(tag), "%s=%s is not none, quarantine or reject", tag,
		 str_show(v, n).s);
	return DMARC_POLICY_INVALID;
}

/* One character out of choices (case-insensitive), or 0 with a note. */
static char parse_letter(struct dmarc_record *rec, const char *tag, const char *v, size_t n,
			 const char *choices, const char *meaning)
{
	if (n == 1 && strchr(choices, lower(v[0])) && v[0] != '\0')
		return lower(v[0]);
	add_note(rec, DMARC_NOTE_SYNTAX, tag, strlen(tag), "%s=%s is not %s", tag, str_show(v, n).s, meaning);
	return 0;
}

/* Call each(piece, piece_len) for every sep-separated piece of v, blanks
 * around it trimmed; stops at the first that returns non-zero and returns
 * that. */
static int each_piece(const char *v, size_t n, char sep, int (*each)(void *, const char *, size_t), void *arg)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && v[i] != sep)
			continue;
		const char *p = v + start;
		size_t len = i - start;
		trim(&p, &len);
		int r = each(arg, p, len);
		if (r)
			return r;
		start = i + 1;
	}
	return 0;
}

/* fo: 0, 1, d or s, separated by ':' (RFC 9989 4.7, RFC 9991). */
static int fo_piece(void *arg, const char *p, size_t n)
{
	(void)arg;
	return !(n == 1 && (p[0] == '0' || p[0] == '1' || lower(p[0]) == 'd' || lower(p[0]) == 's'));
}

/* rf (RFC 7489 6.3): keywords separated by ':'; "afrf" is the only format. */
static int rf_piece(void *arg, const char *p, size_t n)
{
	int *unknown = arg;
	if (n == 0 || !is_alpha(p[0]))
		return 1;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha(p[i]) && !is_digit(p[i]) && p[i] != '-')
			return 1;
	if (!str_is_word(p, n, "afrf"))
		*unknown = 1;
	return 0;
}

/* Whether s[0..n) is a host name we can ask about: labels of 1 to 63
 * letters, digits, '-' or '_', not starting or ending with '-', 253 bytes at
 * most (one trailing dot allowed). Lower-cased into out (size 256). */
static int host_name(const char *s, size_t n, char *out)
{
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (is_alpha(c) || is_digit(c) || c == '_' || (c == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
		out[i] = lower(c);
	}
	if (s[n - 1] == '-')
		return 0;
	out[n] = '\0';
	return 1;
}

struct uri_ctx {
	struct dmarc_record *rec;
	const char *tag;  /* "rua" or "ruf" */
	const char *base; /* the whole text, for offsets */
	struct dmarc_uri *list;
	size_t *n;
	size_t valid;
};

/* One URI of rua or ruf (RFC 9989 4.7: a URI, RFC 3986; mailto must be
 * supported). RFC 7489 6.2 allowed a "!size" suffix, which RFC 9989 removed. */
static int uri_piece(void *arg, const char *p, size_t n)
{
	struct uri_ctx *u = arg;
	if (n == 0) {
		add_note(u->rec, DMARC_NOTE_SYNTAX, u->tag, strlen(u->tag), "%s has an empty URI", u->tag);
		return 0;
	}
	/* A '!' followed by digits and an optional unit ends the URI: RFC
	 * 7489's size limit (a '!' in the URI itself must be %-encoded). */
	const char *bang = memchr(p, '!', n);
	size_t uri_len = bang ? (size_t)(bang - p) : n;
	if (bang) {
		size_t k = uri_len + 1, digits = 0;
		while (k < n && is_digit(p[k])) {
			k++;
			digits++;
		}
		if (k < n && strchr("kmgtKMGT", p[k]) && p[k] != '\0')
			k++;
		if (digits == 0 || k != n) {
			add_note(u->rec, DMARC_NOTE_SYNTAX, u->tag, strlen(u->tag),
				 "%s URI %s: '%s' is not a size limit (!DIGITS[k|m|g|t])", u->tag,
				 str_show(p, n).s, str_show(bang, n - uri_len).s);
			return 0; /* (a '!' in a URI must be %-encoded: this is broken) */
		}
		add_note(u->rec, DMARC_NOTE_REMOVED, u->tag, strlen(u->tag),
			 "%s URI %s: the size limit '%s' is gone from RFC 9989 (RFC 7489 receivers "
			 "still "
			 "read it)",
			 u->tag, str_show(p, uri_len).s, str_show(bang, n - uri_len).s);
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	size_t i = str_uri_scheme(p, uri_len);
	if (i == 0) {
		add_note(u->rec, DMARC_NOTE_SYNTAX, u->tag, strlen(u->tag),
			 "%s: '%s' is not a URI (mailto:ADDRESS)", u->tag, str_show(p, uri_len).s);
		return 0;
	}
	for (size_t k = 0; k < uri_len; k++)
		if ((unsigned char)p[k] <= 0x20 || (unsigned char)p[k] >= 0x7f) {
			add_note(u->rec, DMARC_NOTE_SYNTAX, u->tag, strlen(u->tag),
				 "%s: '%s' has a character a URI cannot hold", u->tag,
				 str_show(p, uri_len).s);
			return 0;
		}
	struct dmarc_uri one = {(size_t)(p - u->base), uri_len, 0, ""};
	if (str_is_word(p, i, "mailto")) {
		/* mailto:local@domain[?headers] (RFC 6068) */
		const char *domain;
		size_t domain_len;
		if (str_mailto_domain(p + i + 1, uri_len - i - 1, &domain, &domain_len) != 0 ||
		    !host_name(domain, domain_len, one.domain)) {
			add_note(u->rec, DMARC_NOTE_SYNTAX, u->tag, strlen(u->tag),
				 "%s: '%s' is not a mail address with a valid domain", u->tag,
				 str_show(p, uri_len).s);
			return 0;
		}
		one.mailto = 1;
	}
	u->valid++;
	if (*u->n == DMARC_URIS_MAX) {
		u->rec->uris_dropped++;
		return 0;
	}
	u->list[(*u->n)++] = one;
	return 0;
}

/* Whether v[0..n) is 1*DIGIT no larger than max; the value in *out.
 * (parse_ulong() wants a NUL-terminated string; this text may hold NULs.) */
static int number(const char *v, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long x = 0;
	size_t k = 0;
	for (; k < n && is_digit(v[k]) && x <= max; k++)
		x = x * 10 + (unsigned long)(v[k] - '0');
	*out = x;
	return n > 0 && k == n && x <= max;
}

/* The tags RFC 9989 4.7 defines, and the three it removed; a bit each, to
 * tell a tag given twice. */
static const char *const known_tags[] = {"v",  "p",   "sp",  "np",  "psd", "t",	 "adkim", "aspf",
					 "fo", "rua", "ruf", "pct", "rf",  "ri", NULL};

static int tag_index(const char *name, size_t n)
{
	for (int i = 0; known_tags[i]; i++)
		if (str_is_word(name, n, known_tags[i]))
			return i;
	return -1;
}

/* Judge one tag=value pair (the tag name lower-cased into tag). */
static void parse_tag(struct dmarc_record *rec, const char *base, const char *tag, const char *v, size_t n)
{
	if (strcmp(tag, "v") == 0) {
		if (!(n == 6 && memcmp(v, "DMARC1", 6) == 0))
			add_note(rec, DMARC_NOTE_SYNTAX, "v", 1,
				 "v=%s is not DMARC1 (the value is case-sensitive)", str_show(v, n).s);
	} else if (strcmp(tag, "p") == 0) {
		rec->p = parse_policy(rec, "p", v, n);
	} else if (strcmp(tag, "sp") == 0) {
		rec->sp = parse_policy(rec, "sp", v, n);
	} else if (strcmp(tag, "np") == 0) {
		rec->np = parse_policy(rec, "np", v, n);
	} else if (strcmp(tag, "psd") == 0) {
		char c = parse_letter(rec, "psd", v, n, "ynu", "y, n or u");
		rec->psd = c ? c : 'u';
	} else if (strcmp(tag, "t") == 0) {
		rec->testing = parse_letter(rec, "t", v, n, "yn", "y or n") == 'y';
	} else if (strcmp(tag, "adkim") == 0 || strcmp(tag, "aspf") == 0) {
		parse_letter(rec, tag, v, n, "rs", "r (relaxed) or s (strict)");
	} else if (strcmp(tag, "fo") == 0) {
		if (n == 0 || each_piece(v, n, ':', fo_piece, NULL))
			add_note(rec, DMARC_NOTE_SYNTAX, "fo", 2,
				 "fo=%s is not 0, 1, d or s separated by ':'", str_show(v, n).s);
	} else if (strcmp(tag, "rua") == 0 || strcmp(tag, "ruf") == 0) {
		int rua = tag[2] == 'a';
		struct uri_ctx u = {rec,
				    rua ? "rua" : "ruf",
				    base,
				    rua ? rec->rua : rec->ruf,
				    rua ? &rec->n_rua : &rec->n_ruf,
				    0};
		each_piece(v, n, ',', uri_piece, &u);
		if (rua)
			rec->rua_valid = u.valid > 0;
	} else if (strcmp(tag, "pct") == 0) {
		unsigned long pct;
		if (!number(v, n, 100, &pct)) {
			/* (RFC 7489 receivers then use the default, 100) */
			add_note(rec, DMARC_NOTE_SYNTAX, "pct", 3,
				 "pct=%s is not 0 to 100 (RFC 9989 removed pct, but RFC 7489 receivers read "
				 "it)",
				 str_show(v, n).s);
		} else {
			rec->pct = (int)pct;
			add_note(rec, DMARC_NOTE_REMOVED, "pct", 3,
				 "pct=%s: removed in RFC 9989 (t=y replaces it); RFC 7489 receivers still "
				 "apply "
				 "the policy to only %lu%% of failing mail",
				 str_show(v, n).s, pct);
		}
	} else if (strcmp(tag, "rf") == 0) {
		int unknown = 0;
		if (n == 0 || each_piece(v, n, ':', rf_piece, &unknown))
			add_note(rec, DMARC_NOTE_SYNTAX, "rf", 2,
				 "rf=%s is not a list of report formats (RFC 7489 receivers still read rf)",
				 str_show(v, n).s);
		else
			add_note(rec, DMARC_NOTE_REMOVED, "rf", 2,
				 "rf=%s: removed in RFC 9989; RFC 7489 receivers still read it%s",
				 str_show(v, n).s, unknown ? " (and know only afrf)" : "");
	} else if (strcmp(tag, "ri") == 0) {
		unsigned long ri;
		if (!number(v, n, 4294967295UL, &ri))
			add_note(rec, DMARC_NOTE_SYNTAX, "ri", 2,
				 "ri=%s is not a number of seconds (RFC 7489 receivers still read ri)",
				 str_show(v, n).s);
		else
			add_note(rec, DMARC_NOTE_REMOVED, "ri", 2,
				 "ri=%s: removed in RFC 9989; RFC 7489 receivers still read it",
				 str_show(v, n).s);
	}
}

void dmarc_parse(const char *text, size_t len, struct dmarc_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->psd = 'u';
	rec->pct = 100;
	rec->is_dmarc = dmarc_is_record(text, len);
	unsigned seen = 0;
	size_t start = 0, index = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != ';')
			continue;
		const char *seg = text + start;
		size_t n = i - start;
		start = i + 1;
		trim(&seg, &n);
		/* A trailing ';' is allowed; an empty tag in between is
		 * tolerated too (receivers skip it). */
		if (n == 0)
			continue;
		size_t pos = index++;
		const char *eq = memchr(seg, '=', n);
		if (!eq) {
			add_note(rec, DMARC_NOTE_SYNTAX, seg, n, "'%s' is not a tag=value pair",
				 str_show(seg, n).s);
			continue;
		}
		const char *name = seg, *value = eq + 1;
		size_t name_len = (size_t)(eq - seg), value_len = n - name_len - 1;
		trim(&name, &name_len);
		trim(&value, &value_len);
		/* tag-name = ALPHA *( ALPHA / DIGIT / "_" ) (RFC 6376 3.2) */
		int ok = name_len > 0 && is_alpha(name[0]);
		for (size_t k = 1; ok && k < name_len; k++)
			ok = is_alpha(name[k]) || is_digit(name[k]) || name[k] == '_';
		if (!ok) {
			add_note(rec, DMARC_NOTE_SYNTAX, name, name_len, "'%s' is not a tag name",
				 str_show(name, name_len).s);
			continue;
		}
		int k = tag_index(name, name_len);
		if (pos == 0 && k != 0)
			add_note(rec, DMARC_NOTE_SYNTAX, "v", 1,
				 "the record starts with %s=, not v=DMARC1: receivers ignore it (v must be "
				 "first)",
				 str_show(name, name_len).s);
		if (k < 0) {
			add_note(rec, DMARC_NOTE_UNKNOWN, name, name_len,
				 "%s=%s: not a DMARC tag; receivers ignore it", str_show(name, name_len).s,
				 str_show(value, value_len).s);
			continue;
		}
		if (k == 0 && pos > 0) {
			add_note(rec, DMARC_NOTE_SYNTAX, "v", 1, "v= is tag %zu: it must be the first",
				 pos + 1);
			continue;
		}
		if (seen & (1u << k)) {
			add_note(rec, DMARC_NOTE_SYNTAX, known_tags[k], strlen(known_tags[k]),
				 "%s= is given twice: the record is invalid (RFC 6376 3.2)", known_tags[k]);
			continue;
		}
		seen |= 1u << k;
		parse_tag(rec, text, known_tags[k], value, value_len);
	}
	if (len == 0)
		add_note(rec, DMARC_NOTE_SYNTAX, "v", 1, "the record is empty");
}

size_t dmarc_label_count(const char *name)
{
	size_t n = 0, len = strlen(name);
	int in_label = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '\\' && i + 1 < len) {
			i++;
			in_label = 1;
		} else if (name[i] == '.') {
			if (in_label)
				n++;
			in_label = 0;
		} else {
			in_label = 1;
		}
	}
	return n + (in_label ? 1 : 0);
}

/* name less its first label (after the first unescaped dot); "" past the
 * last label. */
static const char *parent_of(const char *name)
{
	for (const char *p = name; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '.')
			return p + 1;
	}
	return name + strlen(name);
}

size_t dmarc_walk_targets(const char *name, const char *out[DMARC_WALK_MAX])
{
	size_t n = 0, labels = dmarc_label_count(name);
	if (labels == 0)
		return 0;
	out[n++] = name;
	/* Step 4: x >= 8 labels: keep the last 7; else drop one. */
	const char *next = name;
	size_t drop = labels >= 8 ? labels - 7 : 1;
	for (size_t i = 0; i < drop; i++)
		next = parent_of(next);
	/* Step 7: one label less each time, down to one label. */
	while (n < DMARC_WALK_MAX && dmarc_label_count(next) > 0) {
		out[n++] = next;
		next = parent_of(next);
	}
	return n;
}
