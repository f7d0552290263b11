/* `cutover compare DOMAIN --from SERVERS --to SERVERS`: every RRset of a
 * zone on the old provider's servers against the new one's (the compare
 * check, checks/compare.c, run as an audit). */
#ifndef CUTOVER_COMPARECMD_H
#define CUTOVER_COMPARECMD_H

#include <getopt.h>

/* The help text of the command (`cutover help compare`, `compare --help`). */
extern const char compare_usage[];
/* The command's own long options (beside the common ones), ending in a zero
 * entry: the table getopt reads and shell completion is generated from. */
extern const struct option compare_longopts[];

/* Run the command; argv[0] is "compare". Returns the exit status, as `check`
 * does: 0 nothing at or above --fail-on, 1 a warning with --fail-on warn, 2 a
 * difference that fails, 3 bad usage or what could not be compared. */
int cmd_compare(int argc, char **argv);

#endif
