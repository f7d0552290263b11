/* SPF record syntax (RFC 7208 section 12 ABNF), term by term, and the macro
 * expansion a check can do without a message (RFC 7208 7). Written by hand:
 * libspf2's compiler (SPF_record_compile) needs a server object, reports one
 * error code without the term's place in an include tree, and is lenient
 * where the ABNF is not (it keeps going past some bad terms), while cutover
 * must name the exact offending term and count the terms itself. Addresses
 * are parsed by inet_pton(). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "spf_parse.h"
#include "util.h"

static const char *const kind_names[] = {"all", "include", "a",	     "mx",	 "ptr",
					 "ip4", "ip6",	   "exists", "redirect", "exp"};

const char *spf_kind_name(enum spf_kind kind)
{
	return kind < SPF_MODIFIER ? kind_names[kind] : "modifier";
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int spf_is_record(const char *text, size_t len)
{
	return len >= 6 && str_is_word(text, 6, "v=spf1") && (len == 6 || text[6] == ' ');
}

/* A prefix length: "0" or a number without a leading zero, at most max. */
static int parse_prefix(const char *s, int max)
{
	size_t n = strlen(s);
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

static int is_delimiter(int c)
{
	return c && strchr(".-+,/_=", c) != NULL;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int is_toplabel(const char *s, size_t n)
{
	int alpha = 0, hyphen = 0;
	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalpha(c))
			alpha = 1;
		else if (c == '-')
			hyphen = 1;
		else if (!isdigit(c))
			return 0;
	}
	return alpha || hyphen;
}

/* Check a macro-string (RFC 7208 7.1); letters allowed in `letters`. Sets
 * *macros to the letters used and *ends_in_macro when the string ends with a
 * macro-expand. Returns NULL, or what is wrong. */
static const char *check_macro_string(const char *s, const char *letters, unsigned *macros,
				      int *ends_in_macro)
{
	*macros = 0;
	*ends_in_macro = 0;
	for (size_t i = 0; s[i];) {
		*ends_in_macro = 0;
		if (s[i] != '%') {
			if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
				return "a character not allowed in a domain-spec";
			i++;
			continue;
		}
		char next = s[i + 1];
		if (next == '%' || next == '_' || next == '-') {
			i += 2;
			*ends_in_macro = 1;
			continue;
		}
		if (next != '{')
			return "a '%' that starts no macro (write %% for a percent sign)";
		int letter = ascii_lower((unsigned char)s[i + 2]);
		if (!letter || !strchr(letters, letter))
			return "an unknown macro letter";
		size_t j = i + 3;
		if (s[j] == '0')
			return "a macro that keeps zero labels";
		while (isdigit((unsigned char)s[j]))
			j++;
		if (j - (i + 3) > 3)
			return "a macro label count out of range";
		if (ascii_lower((unsigned char)s[j]) == 'r')
			j++;
		while (is_delimiter(s[j]))
			j++;
		if (s[j] != '}')
			return "an unterminated or malformed macro";
		*macros |= SPF_MACRO_BIT(letter);
		i = j + 1;
		*ends_in_macro = 1;
	}
	return NULL;
}

/* domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand */
static const char *check_domain_spec(const char *s, unsigned *macros)
{
	int ends_in_macro;
	if (!*s)
		return "an empty domain-spec";
	const char *why = check_macro_string(s, "slodiphv", macros, &ends_in_macro);
	if (why || ends_in_macro)
		return why;
	size_t n = strlen(s);
	if (s[n - 1] == '.')
		n--;
	size_t dot = n;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0)
		return "a domain-spec that does not end in '.' and a top label";
	if (!is_toplabel(s + dot, n - dot))
		return "a domain-spec whose last label is not a valid top label";
	return NULL;
}

/* Split a trailing dual-cidr-length ("/24", "//64", "/24//64") off s, in
 * place. Returns NULL, or what is wrong. */
static const char *split_dual_cidr(char *s, struct spf_term *t)
{
	char *slash = strrchr(s, '/');
	if (!slash || !isdigit((unsigned char)slash[1]))
		return NULL;
	for (const char *p = slash + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return NULL; /* not a length: part of the domain-spec */
	if (slash > s && slash[-1] == '/') {
		if ((t->cidr6 = parse_prefix(slash + 1, 128)) < 0)
			return "an IPv6 prefix length out of range (0-128, no leading zero)";
		slash[-1] = '\0';
		slash = strrchr(s, '/');
		if (!slash || !isdigit((unsigned char)slash[1]))
			return NULL;
		for (const char *p = slash + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return NULL;
	}
	if ((t->cidr4 = parse_prefix(slash + 1, 32)) < 0)
		return "an IPv4 prefix length out of range (0-32, no leading zero)";
	*slash = '\0';
	return NULL;
}

static const char *parse_ip(char *s, struct spf_term *t, int family)
{
	char *slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		int p = parse_prefix(slash + 1, family == 4 ? 32 : 128);
		if (p < 0)
			return family == 4 ? "an IPv4 prefix length out of range (0-32, no leading zero)"
					   : "an IPv6 prefix length out of range (0-128, no leading zero)";
		if (family == 4)
			t->cidr4 = p;
		else
			t->cidr6 = p;
	}
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, s, t->addr) != 1)
		return family == 4 ? "not an IPv4 address" : "not an IPv6 address";
	return NULL;
}

/* Parse one term (NUL-terminated, in writable storage). */
static const char *parse_term(char *s, struct spf_term *t)
{
	memset(t, 0, sizeof(*t));
	t->text = s;
	t->cidr4 = t->cidr6 = -1;
	t->qualifier = '+';
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return "a character that is not visible ASCII";
	/* modifier: name "=" ..., name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	size_t n = 0;
	if (isalpha((unsigned char)s[0])) {
		n = 1;
		while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.')
			n++;
	}
	if (n > 0 && s[n] == '=') {
		char *value = s + n + 1;
		int ends_in_macro;
		if (str_is_word(s, n, "redirect") || str_is_word(s, n, "exp")) {
			t->kind = str_is_word(s, n, "exp") ? SPF_EXP : SPF_REDIRECT;
			t->domain = value;
			return check_domain_spec(value, &t->macros);
		}
		t->kind = SPF_MODIFIER;
		return check_macro_string(value, "slodiphvcrt", &t->macros, &ends_in_macro);
	}
	if (strchr("+-~?", s[0]) && s[0]) {
		t->qualifier = s[0];
		t->qualified = 1;
		s++;
	}
	n = 0;
	while (isalnum((unsigned char)s[n]))
		n++;
	char *rest = s + n;
	static const enum spf_kind mechanisms[] = {SPF_ALL, SPF_INCLUDE, SPF_A,	  SPF_MX,
						   SPF_PTR, SPF_IP4,	 SPF_IP6, SPF_EXISTS};
	size_t k;
	for (k = 0; k < sizeof(mechanisms) / sizeof(mechanisms[0]); k++)
		if (str_is_word(s, n, kind_names[mechanisms[k]]))
			break;
	if (k == sizeof(mechanisms) / sizeof(mechanisms[0]))
		return n == 0 ? "no mechanism" : "an unknown mechanism";
	t->kind = mechanisms[k];
	switch (t->kind) {
	case SPF_ALL:
		return *rest ? "'all' takes no argument" : NULL;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (*rest != ':')
			return "a mechanism that needs ':' and a domain";
		t->domain = rest + 1;
		return check_domain_spec(t->domain, &t->macros);
	case SPF_A:
	case SPF_MX: {
		const char *why = split_dual_cidr(rest, t);
		if (why)
			return why;
		if (*rest == '\0')
			return NULL;
		if (*rest != ':')
			return "a mechanism followed by something other than ':' or a prefix length";
		t->domain = rest + 1;
		return check_domain_spec(t->domain, &t->macros);
	}
	case SPF_PTR:
		if (*rest == '\0')
			return NULL;
		if (*rest != ':')
			return "'ptr' followed by something other than ':'";
		t->domain = rest + 1;
		return check_domain_spec(t->domain, &t->macros);
	case SPF_IP4:
	case SPF_IP6:
		if (*rest != ':')
			return "a mechanism that needs ':' and an address";
		return parse_ip(rest + 1, t, t->kind == SPF_IP4 ? 4 : 6);
	default:
		return "an unknown mechanism";
	}
}

static void record_init(struct spf_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->redirect = rec->exp = -1;
}

int spf_parse(const char *text, size_t len, struct spf_record *rec)
{
	record_init(rec);
	if (!spf_is_record(text, len)) {
		rec->error = "not an SPF record: it does not begin with \"v=spf1\" and a space";
		rec->bad_term = "";
		return -1;
	}
	/* two copies: terms' text points into the first, which keeps each term
	 * as written; the second is cut up while parsing */
	rec->buf = xmalloc(2 * (len + 1));
	/* at most one term per two bytes after "v=spf1" */
	rec->terms = xcalloc(len / 2 + 1, sizeof(*rec->terms));
	memcpy(rec->buf, text, len);
	rec->buf[len] = '\0';
	char *work = rec->buf + len + 1;
	memcpy(work, text, len);
	work[len] = '\0';
	size_t at = 6;
	while (at < len) {
		while (at < len && rec->buf[at] == ' ')
			at++;
		if (at == len)
			break;
		size_t end = at;
		while (end < len && rec->buf[end] != ' ')
			end++;
		rec->buf[end] = '\0';
		work[end] = '\0';
		/* a NUL byte inside the term: the term text stops there, the
		 * record is bad */
		int has_nul = strlen(rec->buf + at) < end - at;
		struct spf_term *t = &rec->terms[rec->n];
		const char *why = has_nul ? "a NUL byte" : parse_term(work + at, t);
		t->text = rec->buf + at;
		if (!why && t->kind == SPF_REDIRECT && rec->redirect >= 0)
			why = "a second redirect= (RFC 7208 6: at most one)";
		if (!why && t->kind == SPF_EXP && rec->exp >= 0)
			why = "a second exp= (RFC 7208 6: at most one)";
		if (why) {
			rec->error = why;
			rec->bad_term = rec->buf + at;
			return -1;
		}
		if (t->kind == SPF_REDIRECT)
			rec->redirect = (int)rec->n;
		else if (t->kind == SPF_EXP)
			rec->exp = (int)rec->n;
		else if (t->kind == SPF_ALL)
			rec->has_all = 1;
		rec->n++;
		at = end + 1;
	}
	return 0;
}

void spf_record_release(struct spf_record *rec)
{
	free(rec->buf);
	free(rec->terms);
	record_init(rec);
}

int spf_term_cost(const struct spf_record *rec, const struct spf_term *t)
{
	switch (t->kind) {
	case SPF_INCLUDE:
	case SPF_A:
	case SPF_MX:
	case SPF_PTR:
	case SPF_EXISTS:
		return 1;
	case SPF_REDIRECT:
		return rec->has_all ? 0 : 1;
	default:
		return 0;
	}
}

/* Append n bytes to out (cap bytes), returning the new length or cap + 1 on
 * overflow. */
static size_t put(char *out, size_t at, size_t cap, const char *s, size_t n)
{
	if (at > cap || n > cap - at)
		return cap + 1;
	memcpy(out + at, s, n);
	return at + n;
}

/* One macro's value with its transformers (RFC 7208 7.3): split on the
 * delimiters, reverse with r, keep the rightmost count parts, join with '.'. */
static size_t transform(char *out, size_t at, size_t cap, const char *value, unsigned count, int reverse,
			const char *delims)
{
	const char *parts[128];
	size_t lens[128], n = 0;
	const char *p = value;
	for (;;) {
		size_t l = strcspn(p, delims);
		if (n == 128)
			return cap + 1;
		parts[n] = p;
		lens[n++] = l;
		if (!p[l])
			break;
		p += l + 1;
	}
	if (reverse)
		for (size_t i = 0; i < n / 2; i++) {
			const char *tp = parts[i];
			size_t tl = lens[i];
			parts[i] = parts[n - 1 - i], lens[i] = lens[n - 1 - i];
			parts[n - 1 - i] = tp, lens[n - 1 - i] = tl;
		}
	size_t first = count && count < n ? n - count : 0;
	for (size_t i = first; i < n; i++) {
		if (i > first)
			at = put(out, at, cap, ".", 1);
		at = put(out, at, cap, parts[i], lens[i]);
	}
	return at;
}

char *spf_expand(const char *spec, const char *domain, const char *sender_domain)
{
	size_t cap = 4096, at = 0;
	char *out = xmalloc(cap + 1);
	for (size_t i = 0; spec[i] && at <= cap;) {
		if (spec[i] != '%') {
			at = put(out, at, cap, spec + i, 1);
			i++;
			continue;
		}
		char next = spec[i + 1];
		if (next == '%' || next == '_' || next == '-') {
			at = put(out, at, cap,
				 next == '%'   ? "%"
				 : next == '_' ? " "
					       : "%20",
				 next == '-' ? 3 : 1);
			i += 2;
			continue;
		}
		int letter = next == '{' ? ascii_lower((unsigned char)spec[i + 2]) : 0;
		if (letter != 'd' && letter != 'o')
			goto fail;
		size_t j = i + 3;
		unsigned count = 0;
		while (isdigit((unsigned char)spec[j]) && count < 1000)
			count = count * 10 + (unsigned)(spec[j++] - '0');
		int reverse = ascii_lower((unsigned char)spec[j]) == 'r';
		if (reverse)
			j++;
		char delims[8] = "";
		size_t nd = 0;
		while (is_delimiter(spec[j]) && nd < sizeof(delims) - 1)
			delims[nd++] = spec[j++];
		delims[nd] = '\0';
		if (spec[j] != '}')
			goto fail;
		const char *value = letter == 'd' ? domain : sender_domain;
		size_t vl = strlen(value);
		char *v = xstrndup(value, vl && value[vl - 1] == '.' ? vl - 1 : vl);
		at = transform(out, at, cap, v, count, reverse, nd ? delims : ".");
		free(v);
		i = j + 1;
	}
	if (at > cap)
		goto fail;
	while (at > 0 && out[at - 1] == '.')
		at--;
	out[at] = '\0';
	/* RFC 7208 7.3: longer than 253 characters, drop labels from the left */
	char *start = out;
	while (strlen(start) > 253) {
		char *dot = strchr(start, '.');
		if (!dot)
			goto fail;
		start = dot + 1;
	}
	memmove(out, start, strlen(start) + 1);
	return out;
fail:
	free(out);
	return NULL;
}

int spf_addr_in(const unsigned char *addr, const unsigned char *net, int prefix, int family)
{
	int bits = family == 4 ? 32 : 128;
	if (prefix < 0 || prefix > bits)
		prefix = bits;
	int whole = prefix / 8, rest = prefix % 8;
	if (memcmp(addr, net, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (addr[whole] & mask) == (net[whole] & mask);
}
