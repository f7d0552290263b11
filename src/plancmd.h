/* `cutover plan run|status|confirm|log|reset PLAN`: migration plans run
 * phase by phase, each advancing only when its gate passes, with their state
 * in the database so that a killed runner resumes where it stopped. */
#ifndef CUTOVER_PLANCMD_H
#define CUTOVER_PLANCMD_H

#include <getopt.h>

extern const char plan_usage[];
/* The command's own long options (beside the common ones), ending in a zero
 * entry: the table getopt reads and shell completion is generated from. */
extern const struct option plan_longopts[];

/* The name of subcommand i (run, status, ...), or NULL past the last. */
const char *plan_subcommand(size_t i);

/* The `plan` command (argv[0] is "plan"). Returns the exit status. */
int cmd_plan(int argc, char **argv);

#endif
