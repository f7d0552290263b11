/* The pure parts of the dmarc check: the record parser and the DNS tree walk's
 * list of names, with no check context, so unit tests and a fuzz harness can
 * call them on any bytes. */
#ifndef CUTOVER_DMARC_H
#define CUTOVER_DMARC_H

#include <stddef.h>

/* A policy tag's value (p, sp, np). */
enum dmarc_policy {
	DMARC_POLICY_ABSENT, /* the tag is not there */
	DMARC_POLICY_NONE,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
	DMARC_POLICY_INVALID /* there, but not one of the three words */
};

enum dmarc_note_kind {
	DMARC_NOTE_SYNTAX,  /* a tag or value that breaks the record's grammar */
	DMARC_NOTE_REMOVED, /* pct, rf, ri or a URI's !size: gone from RFC 9989, read by RFC 7489 */
	DMARC_NOTE_UNKNOWN  /* a tag neither RFC defines: receivers ignore it */
};

/* One thing to say about one tag. */
struct dmarc_note {
	enum dmarc_note_kind kind;
	char tag[24];	/* the tag it is about, as written (shortened, made printable) */
	char text[200]; /* what is wrong, for people */
};

/* One reporting URI (rua or ruf). */
struct dmarc_uri {
	size_t off, len;  /* where it stands in the parsed text, without !size */
	int mailto;	  /* a mailto: URI with a valid domain */
	char domain[256]; /* mailto: the address's domain, lower case, no trailing dot */
};

#define DMARC_NOTES_MAX 24
#define DMARC_URIS_MAX 16

/* What a record says. The parser allocates nothing: everything is in the
 * struct, and URIs point into the text parsed (which must outlive them). */
struct dmarc_record {
	int is_dmarc; /* starts with v=DMARC1: receivers take it as a DMARC record */
	enum dmarc_policy p, sp, np;
	char psd;      /* 'y', 'n' or 'u' (also when absent or invalid) */
	int testing;   /* t=y */
	int pct;       /* pct= (RFC 7489 6.3): 0 to 100; 100 when absent or invalid */
	int rua_valid; /* rua holds at least one syntactically valid URI */
	struct dmarc_uri rua[DMARC_URIS_MAX], ruf[DMARC_URIS_MAX];
	size_t n_rua, n_ruf;
	size_t uris_dropped; /* URIs past DMARC_URIS_MAX, not looked at */
	struct dmarc_note notes[DMARC_NOTES_MAX];
	size_t n_notes;
	size_t notes_dropped; /* notes past DMARC_NOTES_MAX */
};

/* Whether text (len bytes, may hold NUL bytes) starts with the version tag
 * "v=DMARC1" (RFC 9989 4.8: "v" *WSP "=" *WSP "DMARC1", the value
 * case-sensitive, followed by the end, blanks or ';'). Only such TXT records
 * count in policy discovery (RFC 9989 4.10 steps 2 and 6). */
int dmarc_is_record(const char *text, size_t len);

/* Parse a DMARC record (any bytes) into *rec, validating every tag. Never
 * fails: what is wrong becomes notes. */
void dmarc_parse(const char *text, size_t len, struct dmarc_record *rec);

/* "none", "quarantine", "reject", "(absent)", "(invalid)". */
const char *dmarc_policy_name(enum dmarc_policy p);

/* RFC 9989 4.10 allows at most this many queries in a tree walk. */
#define DMARC_WALK_MAX 8

/* The names a DNS tree walk from name queries under _dmarc, in order (RFC
 * 9989 4.10 steps 1, 3, 4 and 7): name itself; then, when name has 8 labels
 * or more, its last 7 labels, else name less its first label; then one label
 * less each time, down to one label (the root is never queried). name is a
 * domain name, absolute or not; out[] receives pointers into it (suffixes).
 * Returns how many (at most DMARC_WALK_MAX), 0 for the root or "". */
size_t dmarc_walk_targets(const char *name, const char *out[DMARC_WALK_MAX]);

/* The number of labels of name (absolute or not; escaped dots are not
 * separators); 0 for the root. */
size_t dmarc_label_count(const char *name);

#endif
