/* TTL and SOA serial arithmetic. */
#ifndef CUTOVER_TTL_H
#define CUTOVER_TTL_H

#include <stdint.h>
#include <time.h>

/* The negative-caching TTL of a zone: min(SOA record TTL, SOA MINIMUM)
 * (RFC 2308 section 5). */
uint32_t ttl_negative(uint32_t soa_ttl, uint32_t soa_minimum);

/* RFC 1982 serial number comparison: -1 when a is older than b, 0 when equal,
 * 1 when newer, 2 when the comparison is undefined (they are 2^31 apart). */
int serial_compare(uint32_t a, uint32_t b);

#endif
