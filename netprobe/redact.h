/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REDACT_H
#define NETPROBE_REDACT_H

/*
 * Secrets never reach an output. np_redact_url() returns a malloc'd copy
 * of a URL (or scheme-less "user:pass@host:port", as proxy variables are
 * often written) with the password replaced by "***". NULL on no memory.
 */
char *np_redact_url(const char *url);

#endif
