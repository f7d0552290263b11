/* `cutover provider DOMAIN`: which DNS provider a domain is at, the lowest TTL
 * it accepts and how to lower a TTL there, for a person to send to a client;
 * `cutover provider --list` (and `cutover help providers`): the table. */
#ifndef CUTOVER_PROVIDERCMD_H
#define CUTOVER_PROVIDERCMD_H

#include <getopt.h>

#include <stdio.h>

/* The help text of the command (`cutover help provider`, `provider --help`). */
extern const char provider_usage[];
/* The command's own long options (beside the common ones), ending in a zero
 * entry: the table getopt reads and shell completion is generated from. */
extern const struct option provider_longopts[];

/* Run the command; argv[0] is "provider". Returns the exit status: 0 the
 * provider is recognised, 1 it is not, 3 bad usage or could not run (the
 * delegation not found, or no server answered and the NS names say
 * nothing). */
int cmd_provider(int argc, char **argv);

/* Print the table of providers as text to out (`cutover help providers`).
 * Returns 0, or -1 when writing failed. */
int provider_list_text(FILE *out);

#endif
