/* What the dkim check shares with other checks. */
#ifndef CUTOVER_DKIM_H
#define CUTOVER_DKIM_H

#include <stddef.h>

/* The selectors the dkim check probes when none is given (the defaults of
 * common signers and mail providers), and how many: the compare check
 * probes the same ones. */
const char *const *dkim_common_selectors(size_t *n);

#endif
