/* `cutover propagation NAME [TYPE]`: who has the new value, who still holds
 * the old one, and until when. */
#ifndef CUTOVER_PROPCMD_H
#define CUTOVER_PROPCMD_H

/* The help text of the command (`cutover help propagation`). */
extern const char propagation_usage[];

/* Run the command; argv[0] is "propagation". Returns the exit status: 0
 * converged, 1 pending, 2 a value neither new nor old (or authoritative
 * servers that disagree on --expect), 3 bad usage or nothing determined. */
int cmd_propagation(int argc, char **argv);

#endif
