/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_ADDR_H
#define NETPROBE_ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

/* "[2001:db8::1]:443" needs INET6_ADDRSTRLEN + 8. */
#define NP_ADDR_STR_MAX (INET6_ADDRSTRLEN + 8)

socklen_t np_addr_len(const struct sockaddr *sa);
/* Address alone: "198.18.0.1", "2001:db8::1". */
const char *np_addr_str(const struct sockaddr *sa, char *buf, size_t len);
/* With port: "198.18.0.1:80", "[2001:db8::1]:80". */
const char *np_addr_port_str(const struct sockaddr *sa, char *buf, size_t len);
void np_addr_set_port(struct sockaddr *sa, unsigned port);
/* Parse a literal address (no port) into ss; 0 or NP_EINVAL. */
int np_addr_parse(const char *text, struct sockaddr_storage *ss);
/* Parse "198.18.0.1:80" or "[2001:db8::1]:80" (literal address, port 1 to
 * 65535, nothing else) into ss; 0 or NP_EINVAL. */
int np_addr_parse_port(const char *text, struct sockaddr_storage *ss);
/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket
 * reports IPv4 peers) as the IPv4 address it stands for, port kept; any
 * other address copied as it is. */
void np_addr_unmap(const struct sockaddr *sa, struct sockaddr_storage *out);

#endif
