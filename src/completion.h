/* `cutover completion bash|zsh`: shell completion scripts generated from the
 * command table and the getopt tables of each command, so that an option
 * added to a table is completed without anyone writing it down again. */
#ifndef CUTOVER_COMPLETION_H
#define CUTOVER_COMPLETION_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

/* What the completion knows of one command. */
struct completion_command {
	const char *name;
	const char *summary;
	/* the command's own long options (ending in a zero entry) and short
	 * ones in getopt's syntax; NULL: none */
	const struct option *longopts;
	const char *shortopts;
	int common; /* it also takes the common options (opts_common_parse) */
	/* the words its first operand is one of (plan's subcommands, help's
	 * topics): word(i), NULL past the last; NULL: any */
	const char *(*word)(size_t i);
	int files; /* its operands (after words) are files */
};

/* Print the completion script for shell ("bash" or "zsh") of the n commands
 * cmds to out. version is named in the script's heading. Returns 0, or -1
 * when shell is neither. */
int completion_print(FILE *out, const char *shell, const char *version, const struct completion_command *cmds,
		     size_t n);

#endif
