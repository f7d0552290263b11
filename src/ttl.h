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

/* When a value cached with ttl seconds left at observed will be gone. */
time_t ttl_expiry(time_t observed, uint32_t ttl_left);

/* Seconds left of a TTL of ttl seconds started at start, at now (0 when run
 * out; ttl when now is before start). */
uint32_t ttl_remaining(time_t start, uint32_t ttl, time_t now);

#endif
