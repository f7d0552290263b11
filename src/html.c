/* The pieces of every -f html report: the page around it, its style sheet
 * and script (inline: the page needs nothing else), escaping, tags, times.
 * The page shows everything without its script; the script only adds the
 * status filter and live countdowns. */
#include <time.h>

#include "html.h"
#include "report.h"

/* Colours by kind: finding statuses (fail, error, warn, info, ok), answers
 * (new, old, stale, other), a plan's phases and steps (done, failed,
 * running...). Light and dark alike: the colours carry their own text. */
static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;"
	"max-width:110em;padding:0 1em;color:#1d1d1f;background:#fff}\n"
	"h1{font-size:1.5em;margin:0 0 .3em}\n"
	"h2{font-size:1.15em;margin:1.4em 0 .4em}\n"
	"h3{font-size:1em;margin:1em 0 .3em}\n"
	".meta{color:#555;margin:.2em 0}\n"
	".banner{background:#fff3cd;border:1px solid #d4a000;padding:.5em .8em;font-weight:bold}\n"
	"table{border-collapse:collapse;margin:.3em 0 1em}\n"
	"table.wide{width:100%}\n"
	"th,td{border:1px solid #d0d0d0;padding:.2em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#f2f2f2}\n"
	"td.num,th.num{text-align:right}\n"
	"time{white-space:nowrap}\n"
	"td.code{white-space:nowrap}\n"
	"td.text{overflow-wrap:break-word}\n"
	"td.value{overflow-wrap:anywhere;min-width:8em;max-width:30em}\n"
	"td.msg{overflow-wrap:anywhere;min-width:16em}\n"
	".mono,code{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.95em}\n"
	".tag{display:inline-block;min-width:3.2em;padding:0 .4em;border-radius:3px;font-weight:bold;"
	"text-align:center;color:#fff;background:#777}\n"
	".k-fail,.k-failed,.k-other{background:#c62828}\n"
	".k-error{background:#7b1fa2}\n"
	".k-warn,.k-old,.k-waiting,.k-interrupted{background:#a85d00}\n"
	".k-stale{background:#d84315}\n"
	".k-info,.k-running,.k-gating,.k-holding{background:#0277bd}\n"
	".k-ok,.k-new,.k-done,.k-confirmed,.k-passed,.k-converged,.k-complete{background:#2e7d32}\n"
	".k-pending,.k-not-started,.k-stopped{background:#757575}\n"
	"tr.r-fail td{background:#fdecea}\n"
	"tr.r-error td{background:#f5e9f8}\n"
	"tr.r-warn td{background:#fff4e0}\n"
	".mark-new{font-weight:bold;color:#c62828}\n"
	".mark-fixed{color:#2e7d32}\n"
	"#filter{border:1px solid #d0d0d0;padding:.3em .8em;margin:.8em 0}\n"
	"#filter label{margin-right:1.2em}\n"
	"figure{margin:1em 0}\n"
	"figcaption{color:#555}\n"
	"svg{max-width:100%;height:auto;font-family:system-ui,sans-serif}\n"
	"footer{margin-top:2em;color:#777;font-size:.9em}\n";

/* Plain ES5 in strict mode, so any browser runs it. The filter shows the
 * findings of the statuses ticked (#show=fail,warn in the address ticks
 * those alone), and a domain while any of its findings shows; countdowns
 * say how long an old answer has left, from now. */
static const char script[] =
	"(function () {\n"
	"\t'use strict';\n"
	"\tvar filter = document.getElementById('filter');\n"
	"\tif (filter) {\n"
	"\t\tvar boxes = filter.querySelectorAll('input[type=checkbox]');\n"
	"\t\tvar m = /^#show=([a-z,]*)$/.exec(window.location.hash);\n"
	"\t\tvar apply = function () {\n"
	"\t\t\tvar shown = {};\n"
	"\t\t\tArray.prototype.forEach.call(boxes, function (b) { shown[b.value] = b.checked; });\n"
	"\t\t\tvar sections = document.querySelectorAll('section.domain');\n"
	"\t\t\tArray.prototype.forEach.call(sections, function (sec) {\n"
	"\t\t\t\tvar rows = sec.querySelectorAll('tr[data-status]'), any = false;\n"
	"\t\t\t\tArray.prototype.forEach.call(rows, function (r) {\n"
	"\t\t\t\t\tr.hidden = !shown[r.getAttribute('data-status')];\n"
	"\t\t\t\t\tany = any || !r.hidden;\n"
	"\t\t\t\t});\n"
	"\t\t\t\tsec.hidden = rows.length ? !any : !shown.ok;\n"
	"\t\t\t});\n"
	"\t\t};\n"
	"\t\tif (m) {\n"
	"\t\t\tvar want = m[1].split(',');\n"
	"\t\t\tArray.prototype.forEach.call(boxes, function (b) { b.checked = want.indexOf(b.value) >= 0; "
	"});\n"
	"\t\t}\n"
	"\t\tArray.prototype.forEach.call(boxes, function (b) { b.addEventListener('change', apply); });\n"
	"\t\tfilter.hidden = false;\n"
	"\t\tapply();\n"
	"\t}\n"
	"\tvar countdowns = document.querySelectorAll('[data-flips]');\n"
	"\tvar span = function (s) {\n"
	"\t\tif (s >= 3600) return Math.floor(s / 3600) + 'h' + ('0' + Math.floor(s % 3600 / 60)).slice(-2) "
	"+ 'm';\n"
	"\t\tif (s >= 60) return Math.floor(s / 60) + 'm' + ('0' + s % 60).slice(-2) + 's';\n"
	"\t\treturn s + 's';\n"
	"\t};\n"
	"\tvar tick = function () {\n"
	"\t\tvar now = Date.now() / 1000;\n"
	"\t\tArray.prototype.forEach.call(countdowns, function (e) {\n"
	"\t\t\tvar left = Math.ceil(Number(e.getAttribute('data-flips')) - now);\n"
	"\t\t\te.textContent = left > 0 ? 'in ' + span(left) + ' from now' : 'due: its TTL ran out';\n"
	"\t\t});\n"
	"\t};\n"
	"\tif (countdowns.length) {\n"
	"\t\ttick();\n"
	"\t\twindow.setInterval(tick, 1000);\n"
	"\t}\n"
	"}());\n";

void html_text(struct strbuf *sb, const char *s)
{
	report_add_clean(sb, s, REPORT_CLEAN_HTML);
}

void html_page_begin(struct strbuf *sb, const char *title)
{
	sb_adds(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<meta name=\"generator\" content=\"cutover " CUTOVER_VERSION "\">\n<title>");
	html_text(sb, title);
	sb_adds(sb, "</title>\n<style>\n");
	sb_adds(sb, style);
	sb_adds(sb, "</style>\n</head>\n<body>\n");
}

void html_page_end(struct strbuf *sb)
{
	sb_adds(sb, "<footer>Written by cutover " CUTOVER_VERSION
		    "; this page is self-contained and needs no network.</footer>\n<script>\n");
	sb_adds(sb, script);
	sb_adds(sb, "</script>\n</body>\n</html>\n");
}

void html_cell(struct strbuf *sb, const char *cls, const char *s)
{
	sb_addf(sb, "<td class=\"%s\">", cls);
	html_text(sb, s);
	sb_adds(sb, "</td>");
}

void html_tag(struct strbuf *sb, const char *kind, const char *word)
{
	sb_adds(sb, "<span class=\"tag k-");
	/* a class name: the kind's letters (lower case) and digits, anything
	 * else as '-' */
	for (const char *p = kind ? kind : ""; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		sb_add(sb, (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? &c : "-", 1);
	}
	sb_adds(sb, "\">");
	html_text(sb, word);
	sb_adds(sb, "</span>");
}

void html_time(struct strbuf *sb, double t)
{
	char buf[32];
	if (t <= 0) {
		sb_adds(sb, "-");
		return;
	}
	report_utc((time_t)(t + 0.5), buf);
	sb_addf(sb, "<time datetime=\"%s\">%s</time>", buf, buf);
}
