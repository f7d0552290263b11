/* firstpkt: wait for the first DNS query to a network on the loopback
 * interface and print when it was sent, for bench/run.sh: the time from the
 * start of a cutover run (timeit's start_ns) to its first query on the wire
 * is the time it spent reading, de-duplicating and scheduling its domains
 * (plus start-up). It watches the interface (a packet socket, as tcpdump
 * does), so the process it measures runs untouched.
 *
 * usage: firstpkt NET PREFIXLEN SECONDS
 *
 * Prints "ready" once it is capturing, then, for the first IPv4 packet to
 * NET/PREFIXLEN port 53 (UDP or TCP), "first_ns=T" with T the kernel's
 * timestamp of the packet (CLOCK_REALTIME, nanoseconds) and exits 0; after
 * SECONDS without one it prints "first_ns=none" and exits 1. Needs root
 * (CAP_NET_RAW). Built by bench/run.sh: cc -O2 -o firstpkt bench/firstpkt.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct in_addr net;
	if (argc != 4 || inet_pton(AF_INET, argv[1], &net) != 1) {
		fputs("usage: firstpkt NET PREFIXLEN SECONDS\n", stderr);
		return 2;
	}
	int plen = atoi(argv[2]);
	if (plen < 0 || plen > 32) {
		fputs("firstpkt: PREFIXLEN is 0 to 32\n", stderr);
		return 2;
	}
	uint32_t mask = plen ? htonl(~(uint32_t)0 << (32 - plen)) : 0;
	uint64_t deadline = mono_ms() + (uint64_t)(atof(argv[3]) * 1000);

	/* Cooked (SOCK_DGRAM): the packet starts at the IP header. */
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0) {
		fprintf(stderr, "firstpkt: socket: %s\n", strerror(errno));
		return 2;
	}
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP)};
	sll.sll_ifindex = (int)if_nametoindex("lo");
	int on = 1;
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) != 0) {
		fprintf(stderr, "firstpkt: cannot capture on lo: %s\n", strerror(errno));
		return 2;
	}
	printf("ready\n");
	fflush(stdout);

	unsigned char buf[128]; /* headers only; the rest is truncated */
	char cbuf[256];
	for (;;) {
		uint64_t now = mono_ms();
		if (now >= deadline)
			break;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "firstpkt: poll: %s\n", strerror(errno));
			return 2;
		}
		if (r <= 0)
			continue;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf)};
		ssize_t n = recvmsg(fd, &msg, MSG_TRUNC);
		if (n < 20)
			continue;
		if ((buf[0] >> 4) != 4)
			continue;
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		uint32_t dst;
		memcpy(&dst, buf + 16, 4);
		if ((dst & mask) != (net.s_addr & mask) || (buf[9] != IPPROTO_UDP && buf[9] != IPPROTO_TCP) ||
		    (size_t)n < ihl + 4 || ihl + 4 > sizeof(buf))
			continue;
		if (((unsigned)buf[ihl + 2] << 8 | buf[ihl + 3]) != 53)
			continue;
		struct timespec ts = {0, 0};
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS)
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		if (ts.tv_sec == 0)
			clock_gettime(CLOCK_REALTIME, &ts);
		printf("first_ns=%lld%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
		return 0;
	}
	printf("first_ns=none\n");
	return 1;
}
