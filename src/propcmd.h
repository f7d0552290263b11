/* `cutover propagation NAME [TYPE]`: who has the new value, who still holds
 * the old one, and until when. */
#ifndef CUTOVER_PROPCMD_H
#define CUTOVER_PROPCMD_H

#include <getopt.h>

/* The help text of the command (`cutover help propagation`). */
extern const char propagation_usage[];
/* The command's own long options (beside the common ones), ending in a zero
 * entry: the table getopt reads and shell completion is generated from. */
extern const struct option propagation_longopts[];

/* Run the command; argv[0] is "propagation". Returns the exit status: 0
 * converged, 1 pending, 2 a value neither new nor old (or authoritative
 * servers that disagree on --expect), 3 bad usage or nothing determined. */
int cmd_propagation(int argc, char **argv);

#endif
