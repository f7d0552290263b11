/* TTL and SOA serial arithmetic, kept apart so unit tests can pin it down. */
#include "ttl.h"

uint32_t ttl_negative(uint32_t soa_ttl, uint32_t soa_minimum)
{
	return soa_ttl < soa_minimum ? soa_ttl : soa_minimum;
}

int serial_compare(uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	uint32_t d = b - a; /* modulo 2^32 */
	if (d == 0x80000000u)
		return 2;
	return d < 0x80000000u ? -1 : 1;
}
