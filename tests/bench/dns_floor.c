/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * make bench (DNS): the floor. A bare client of one connected UDP socket:
 * it asks for the A record of each name of a file, at most 256 in flight
 * (netprobe's default window), and counts the answers, with no capture,
 * no checking and nothing written per name. Whatever a real client does
 * on top of this costs time above it; what this takes is the resolver's
 * and the kernel's share of the run.
 *
 * usage: dns_floor ADDRESS NAMES-FILE; prints "answered N of M".
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WINDOW 256
#define NAMES_MAX 1000000

/* An A query for name with this ID (RFC 1035 4.1); 0 if it does not fit. */
static size_t query(unsigned char *b, size_t cap, unsigned id, const char *name)
{
	size_t l = 12;
	const char *p = name;

	if (cap < 12 + 256 + 4)
		return 0;
	memset(b, 0, 12);
	b[0] = (unsigned char)(id >> 8);
	b[1] = (unsigned char)id;
	b[2] = 1;               /* RD */
	b[5] = 1;               /* QDCOUNT */
	while (*p) {
		size_t k = strcspn(p, ".");

		if (k == 0 || k > 63 || l + 1 + k > 12 + 255)
			return 0;
		b[l++] = (unsigned char)k;
		memcpy(b + l, p, k);
		l += k;
		p += k;
		if (*p == '.')
			p++;
	}
	b[l++] = 0;
	b[l++] = 0;
	b[l++] = 1;             /* A */
	b[l++] = 0;
	b[l++] = 1;             /* IN */
	return l;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
	char line[512], **names = NULL;
	size_t n = 0, sent = 0, answered = 0;
	unsigned char b[512];
	FILE *f;
	int fd;

	if (argc != 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: dns_floor IPV4-ADDRESS NAMES-FILE\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 2;
	}
	names = calloc(NAMES_MAX, sizeof(*names));
	while (names && n < NAMES_MAX && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && !(names[n++] = strdup(line)))
			return 3;
	}
	fclose(f);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (!names || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("dns_floor");
		return 3;
	}
	while (answered < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		for (; sent < n && sent - answered < WINDOW; sent++) {
			size_t l = query(b, sizeof(b), (unsigned)sent & 0xffff, names[sent]);

			if (l == 0 || send(fd, b, l, 0) < 0) {
				fprintf(stderr, "dns_floor: cannot ask for %s\n", names[sent]);
				return 3;
			}
		}
		/* a second without an answer: the rest are lost */
		if (poll(&p, 1, 1000) <= 0)
			break;
		while (recv(fd, b, sizeof(b), 0) > 0)
			answered++;
	}
	printf("answered %zu of %zu\n", answered, n);
	return answered == n ? 0 : 1;
}
