/* Shell completion scripts for bash and zsh, generated from the tables the
 * commands parse their options with (and the format names, --fail-on values
 * and shipped rule sets the binary knows), never written by hand. */
#include <string.h>

#include "completion.h"
#include "report.h"
#include "session.h"
#include "util.h"

/* What the value of an option is, where something can be offered. */
enum value_kind {
	VALUE_ANY,	 /* free text: nothing to offer */
	VALUE_FORMAT,	 /* a report format's name */
	VALUE_FAIL_ON,	 /* a --fail-on level */
	VALUE_RULES,	 /* a shipped rule set's name, or a file */
	VALUE_RESOLVERS, /* a shipped resolver list's name, or a file */
	VALUE_FILE,
};

static const struct {
	const char *option;
	enum value_kind kind;
} value_kinds[] = {
	{"format", VALUE_FORMAT},	{"fail-on", VALUE_FAIL_ON},   {"rules", VALUE_RULES},
	{"resolvers", VALUE_RESOLVERS}, {"domains", VALUE_FILE},      {"output", VALUE_FILE},
	{"root-hints", VALUE_FILE},	{"trust-anchor", VALUE_FILE}, {"ca-file", VALUE_FILE},
	{"save", VALUE_FILE},		{"baseline", VALUE_FILE},     {"db", VALUE_FILE},
	{"dkim-key", VALUE_FILE},
};

/* The words `cutover completion` prints the shipped names with, and the
 * file name ending that makes a file one of them. */
#define LIST_RULE_SETS "rule-sets"
#define LIST_RESOLVERS "resolver-lists"

/* One option of a command as the completion offers it. */
struct copt {
	const char *name; /* long name */
	int shortc;	  /* its short letter, or 0 */
	int has_arg;
	enum value_kind kind;
};

#define COPTS_MAX 64

static enum value_kind kind_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(value_kinds); i++)
		if (strcmp(value_kinds[i].option, name) == 0)
			return value_kinds[i].kind;
	return VALUE_ANY;
}

static int has_opt(const struct copt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0)
			return 1;
	return 0;
}

static size_t add_opts(struct copt *opts, size_t n, const struct option *table, const char *shortopts)
{
	for (size_t i = 0; table && table[i].name && n < COPTS_MAX; i++) {
		int v = table[i].val;
		/* the command's own come first and replace a common one of that name,
		 * as in opts_common_parse() */
		if (has_opt(opts, n, table[i].name))
			continue;
		opts[n].name = table[i].name;
		opts[n].shortc = v > 0 && v < 128 && v != ':' && shortopts && strchr(shortopts, v) ? v : 0;
		opts[n].has_arg = table[i].has_arg == required_argument;
		opts[n].kind = opts[n].has_arg ? kind_of(table[i].name) : VALUE_ANY;
		n++;
	}
	return n;
}

/* The options getopt takes for command c, into opts (COPTS_MAX of them). */
static size_t command_opts(const struct completion_command *c, struct copt *opts)
{
	const char *common_short = "";
	const struct option *common = opts_common_longopts(&common_short);
	char *shortopts = xasprintf("%s%s", c->shortopts ? c->shortopts : "", c->common ? common_short : "");
	size_t n = add_opts(opts, 0, c->longopts, shortopts);
	if (c->common)
		n = add_opts(opts, n, common, shortopts);
	free(shortopts);
	return n;
}

/* s in single quotes for a shell. */
static void put_quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	fputc('\'', out);
}

static void put_formats(FILE *out, const char *sep)
{
	for (size_t i = 0; report_format_name(i); i++)
		fprintf(out, "%s%s", i ? sep : "", report_format_name(i));
}

static void put_words(FILE *out, const char *const *words, const char *sep)
{
	for (size_t i = 0; words && words[i]; i++)
		fprintf(out, "%s%s", i ? sep : "", words[i]);
}

/* The words of c's first operand. */
static void put_operand_words(FILE *out, const struct completion_command *c, const char *sep)
{
	for (size_t i = 0; c->word && c->word(i); i++)
		fprintf(out, "%s%s", i ? sep : "", c->word(i));
}

/* ---- bash ---- */

static void bash_command(FILE *out, const struct completion_command *c)
{
	struct copt opts[COPTS_MAX];
	size_t n = command_opts(c, opts);
	const char *sep = "";

	fprintf(out, "\t%s)\n\t\twith_arg='", c->name);
	for (size_t i = 0; i < n; i++) {
		if (!opts[i].has_arg)
			continue;
		if (opts[i].shortc)
			fprintf(out, "%s-%c", sep, opts[i].shortc), sep = " ";
		fprintf(out, "%s--%s", sep, opts[i].name), sep = " ";
	}
	fputs("'\n\t\tflags='", out);
	sep = "";
	for (size_t i = 0; i < n; i++) {
		if (opts[i].has_arg)
			continue;
		if (opts[i].shortc)
			fprintf(out, "%s-%c", sep, opts[i].shortc), sep = " ";
		fprintf(out, "%s--%s", sep, opts[i].name), sep = " ";
	}
	fputs("'\n\t\toperands='", out);
	put_operand_words(out, c, " ");
	fprintf(out, "'\n\t\tfiles=%d\n\t\t;;\n", c->files ? 1 : 0);
}

/* The case arms of the values: each option of a kind, once. */
static void bash_values(FILE *out, const struct completion_command *cmds, size_t n_cmds)
{
	static const char *const actions[] = {
		[VALUE_FORMAT] = NULL, /* printed below: the names */
		[VALUE_FAIL_ON] = NULL,
		[VALUE_RULES] = "_cutover_shipped " LIST_RULE_SETS,
		[VALUE_RESOLVERS] = "_cutover_shipped " LIST_RESOLVERS,
		[VALUE_FILE] = "_cutover_files",
	};
	for (int kind = VALUE_FORMAT; kind <= VALUE_FILE; kind++) {
		const char *seen[COPTS_MAX * 2];
		size_t n_seen = 0;
		for (size_t k = 0; k < n_cmds; k++) {
			struct copt opts[COPTS_MAX];
			size_t n = command_opts(&cmds[k], opts);
			for (size_t i = 0; i < n; i++) {
				if ((int)opts[i].kind != kind || n_seen == ARRAY_SIZE(seen))
					continue;
				int dup = 0;
				for (size_t s = 0; s < n_seen; s++)
					dup |= strcmp(seen[s], opts[i].name) == 0;
				if (dup)
					continue;
				fputs(n_seen ? " | " : "\t\t", out);
				if (opts[i].shortc)
					fprintf(out, "-%c | ", opts[i].shortc);
				fprintf(out, "--%s", opts[i].name);
				seen[n_seen++] = opts[i].name;
			}
		}
		if (!n_seen)
			continue;
		fputs(")\n\t\t\t", out);
		if (kind == VALUE_FORMAT) {
			fputs("_cutover_words '", out);
			put_formats(out, " ");
			fputs("'", out);
		} else if (kind == VALUE_FAIL_ON) {
			fputs("_cutover_words '", out);
			put_words(out, opts_fail_on_values(), " ");
			fputs("'", out);
		} else {
			fputs(actions[kind], out);
		}
		fputs("\n\t\t\t;;\n", out);
	}
}

static void bash_print(FILE *out, const char *version, const struct completion_command *cmds, size_t n)
{
	fprintf(out,
		"# bash completion for cutover %s, generated by `cutover completion bash` from\n"
		"# its command and option tables. Installed as\n"
		"# /usr/share/bash-completion/completions/cutover, or: source <(cutover completion bash)\n"
		"\n"
		"# _cutover_words LIST: the words of LIST that start with the word being completed\n"
		"_cutover_words() {\n"
		"\tlocal IFS=$' \\t\\n'\n"
		"\tCOMPREPLY+=($(compgen -W \"$1\" -- \"$cur\"))\n"
		"}\n"
		"\n"
		"_cutover_files() {\n"
		"\tif declare -F _filedir >/dev/null; then\n"
		"\t\t_filedir\n"
		"\telse\n"
		"\t\tlocal IFS=$'\\n'\n"
		"\t\tcompopt -o filenames 2>/dev/null\n"
		"\t\tCOMPREPLY+=($(compgen -f -- \"$cur\"))\n"
		"\tfi\n"
		"}\n"
		"\n"
		"# _cutover_shipped %s|%s: the names a bare -r NAME (--resolvers NAME)\n"
		"# finds, as the cutover being completed finds them, and files\n"
		"_cutover_shipped() {\n"
		"\tlocal IFS=$'\\n'\n"
		"\tCOMPREPLY+=($(compgen -W \"$(\"${words[0]}\" completion \"$1\" 2>/dev/null)\" -- "
		"\"$cur\"))\n"
		"\t_cutover_files\n"
		"}\n"
		"\n"
		"_cutover() {\n"
		"\tlocal cur prev words cword\n"
		"\tif declare -F _init_completion >/dev/null; then\n"
		"\t\t_init_completion -s || return\n"
		"\telse\n"
		"\t\twords=(\"${COMP_WORDS[@]}\")\n"
		"\t\tcword=$COMP_CWORD\n"
		"\t\tcur=${words[cword]}\n"
		"\t\tprev=${words[cword - 1]}\n"
		"\tfi\n"
		"\tCOMPREPLY=()\n"
		"\tif ((cword == 1)); then\n"
		"\t\t_cutover_words '",
		version, LIST_RULE_SETS, LIST_RESOLVERS);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s ", cmds[i].name);
	fputs("--help --version'\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tlocal with_arg flags operands files\n"
	      "\tcase ${words[1]} in\n",
	      out);
	for (size_t i = 0; i < n; i++)
		bash_command(out, &cmds[i]);
	fputs("\t*)\n"
	      "\t\treturn\n"
	      "\t\t;;\n"
	      "\tesac\n"
	      "\t# the value of an option\n"
	      "\tif [[ \" $with_arg \" == *\" $prev \"* ]]; then\n"
	      "\t\tcase $prev in\n",
	      out);
	bash_values(out, cmds, n);
	fputs("\t\tesac\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\t_cutover_words \"$with_arg $flags\"\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\t# the operands before this one, the options and their values left out\n"
	      "\tlocal i n=0\n"
	      "\tfor ((i = 2; i < cword; i++)); do\n"
	      "\t\tcase ${words[i]} in\n"
	      "\t\t--) ;;\n"
	      "\t\t-*) [[ \" $with_arg \" == *\" ${words[i]} \"* ]] && ((i++)) ;;\n"
	      "\t\t*) ((n++)) ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tif ((n == 0)) && [[ -n $operands ]]; then\n"
	      "\t\t_cutover_words \"$operands\"\n"
	      "\telif ((files)); then\n"
	      "\t\t_cutover_files\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _cutover cutover\n",
	      out);
}

/* ---- zsh ---- */

static void zsh_action(FILE *out, enum value_kind kind)
{
	switch (kind) {
	case VALUE_FORMAT:
		fputs("(", out);
		put_formats(out, " ");
		fputs(")", out);
		break;
	case VALUE_FAIL_ON:
		fputs("(", out);
		put_words(out, opts_fail_on_values(), " ");
		fputs(")", out);
		break;
	case VALUE_RULES:
		fputs("_cutover_shipped " LIST_RULE_SETS, out);
		break;
	case VALUE_RESOLVERS:
		fputs("_cutover_shipped " LIST_RESOLVERS, out);
		break;
	case VALUE_FILE:
		fputs("_files", out);
		break;
	case VALUE_ANY:
		fputs(" ", out);
		break;
	}
}

static void zsh_command(FILE *out, const struct completion_command *c)
{
	struct copt opts[COPTS_MAX];
	size_t n = command_opts(c, opts);

	fprintf(out, "\t\t%s)\n\t\t\t_arguments -s -S", c->name);
	for (size_t i = 0; i < n; i++) {
		fputs(" \\\n\t\t\t\t'*'", out);
		if (opts[i].shortc)
			fprintf(out, "{-%c%s,--%s%s}", opts[i].shortc, opts[i].has_arg ? "+" : "",
				opts[i].name, opts[i].has_arg ? "=" : "");
		else
			fprintf(out, "'--%s%s'", opts[i].name, opts[i].has_arg ? "=" : "");
		if (opts[i].has_arg) {
			fprintf(out, "':%s:", opts[i].name);
			zsh_action(out, opts[i].kind);
			fputs("'", out);
		}
	}
	if (c->word) {
		fputs(" \\\n\t\t\t\t'1:word:(", out);
		put_operand_words(out, c, " ");
		fputs(")'", out);
	}
	fprintf(out, " \\\n\t\t\t\t'*:%s' && ret=0\n\t\t\t;;\n", c->files ? "file:_files" : "operand: ");
}

static void zsh_print(FILE *out, const char *version, const struct completion_command *cmds, size_t n)
{
	fprintf(out,
		"#compdef cutover\n"
		"# zsh completion for cutover %s, generated by `cutover completion zsh` from\n"
		"# its command and option tables. Installed as _cutover in a directory of\n"
		"# $fpath (/usr/share/zsh/vendor-completions), or, after compinit:\n"
		"# source <(cutover completion zsh)\n"
		"\n"
		"# _cutover_shipped %s|%s: the names a bare -r NAME (--resolvers NAME)\n"
		"# finds, as the cutover being completed finds them, and files\n"
		"# (the last argument: _arguments puts compadd's options before it)\n"
		"_cutover_shipped() {\n"
		"\tlocal what=${argv[-1]}\n"
		"\tlocal -a names\n"
		"\tnames=(${(f)\"$(_call_program $what ${(q)_cutover_bin} completion $what 2>/dev/null)\"})\n"
		"\t_alternative \"names:${what%%s}:compadd -a names\" 'files:file:_files'\n"
		"}\n"
		"\n"
		"_cutover() {\n"
		"\tlocal curcontext=$curcontext state state_descr line ret=1\n"
		"\tlocal _cutover_bin=${words[1]}\n"
		"\ttypeset -A opt_args\n"
		"\t_arguments -C '(- :)--help' '(- :)--version' '1: :->command' '*:: :->args' && return\n"
		"\tcase $state in\n"
		"\tcommand)\n"
		"\t\tlocal -a commands\n"
		"\t\tcommands=(",
		version, LIST_RULE_SETS, LIST_RESOLVERS);
	for (size_t i = 0; i < n; i++) {
		char *entry = xasprintf("%s:%s", cmds[i].name, cmds[i].summary);
		fputs("\n\t\t\t", out);
		put_quoted(out, entry);
		free(entry);
	}
	fputs("\n\t\t)\n"
	      "\t\t_describe -t commands 'cutover command' commands && ret=0\n"
	      "\t\t;;\n"
	      "\targs)\n"
	      "\t\tcurcontext=${curcontext%:*:*}:cutover-$words[1]:\n"
	      "\t\tcase $words[1] in\n",
	      out);
	for (size_t i = 0; i < n; i++)
		zsh_command(out, &cmds[i]);
	fputs("\t\tesac\n"
	      "\t\t;;\n"
	      "\tesac\n"
	      "\treturn ret\n"
	      "}\n"
	      "\n"
	      "if [[ $funcstack[1] == _cutover ]]; then\n"
	      "\t_cutover \"$@\"\n"
	      "else\n"
	      "\tcompdef _cutover cutover\n"
	      "fi\n",
	      out);
}

int completion_print(FILE *out, const char *shell, const char *version, const struct completion_command *cmds,
		     size_t n)
{
	if (strcmp(shell, "bash") == 0)
		bash_print(out, version, cmds, n);
	else if (strcmp(shell, "zsh") == 0)
		zsh_print(out, version, cmds, n);
	else
		return -1;
	return 0;
}
