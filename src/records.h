/* `cutover records DOMAIN`: the DNS records a mail setup needs, as zone-file
 * lines, each checked against live DNS through the session's resolver. */
#ifndef CUTOVER_RECORDS_H
#define CUTOVER_RECORDS_H

#include <getopt.h>

/* The help text of the command (`cutover help records`, `records --help`). */
extern const char records_usage[];
/* The command's own long options (beside the common ones), ending in a zero
 * entry: the table getopt reads and shell completion is generated from. */
extern const struct option records_longopts[];

/* Run the command; argv[0] is "records". Returns the exit status: 0 every
 * record present, 1 one differs, 2 one is missing, 3 bad usage or a lookup
 * that could not be made. */
int cmd_records(int argc, char **argv);

#endif
