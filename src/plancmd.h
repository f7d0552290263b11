/* `cutover plan run|status|confirm|log|reset PLAN`: migration plans run
 * phase by phase, each advancing only when its gate passes, with their state
 * in the database so that a killed runner resumes where it stopped. */
#ifndef CUTOVER_PLANCMD_H
#define CUTOVER_PLANCMD_H

extern const char plan_usage[];

/* The `plan` command (argv[0] is "plan"). Returns the exit status. */
int cmd_plan(int argc, char **argv);

#endif
