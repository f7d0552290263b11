/* The pieces of every -f html report (check, compare, propagation, plan
 * status): one self-contained page, its style and script inline, that reads
 * offline and can be attached to a ticket. */
#ifndef CUTOVER_HTML_H
#define CUTOVER_HTML_H

#include "util.h"

/* Append s (NULL: nothing) as HTML text or a quoted attribute value: valid
 * UTF-8 on one line, control characters shown as \xNN, & < > " ' as
 * character references (report_add_clean's REPORT_CLEAN_HTML). */
void html_text(struct strbuf *sb, const char *s);
/* Append the start of a page up to and including <body>: the doctype, the
 * head with title (escaped) and the style sheet. */
void html_page_begin(struct strbuf *sb, const char *title);
/* Append the end of a page: the script (the status filter of a report of
 * findings, the countdowns of old answers) and the closing tags. */
void html_page_end(struct strbuf *sb);
/* Append a status word as a coloured tag: <span class="tag k-KIND">WORD</span>
 * (kind: a status of a finding, of an answer or of a plan's phase or step;
 * both escaped). */
void html_tag(struct strbuf *sb, const char *kind, const char *word);
/* Append a table cell of class cls (a literal of the caller's) holding s
 * (NULL: empty) as text. */
void html_cell(struct strbuf *sb, const char *cls, const char *s);
/* Append a moment (seconds since the epoch) as <time> in UTC, or "-" when
 * t <= 0. */
void html_time(struct strbuf *sb, double t);

#endif
