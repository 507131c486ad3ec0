/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_ERROR_H
#define NETPROBE_ERROR_H

/* One error type for the engine: functions return 0 or a negative NP_E*.
 * Constructors return NULL and fill a caller-supplied errbuf instead. */

#define NP_ERRBUF_SIZE 256

enum {
	NP_OK = 0,
	NP_ENOMEM = -1,  /* allocation failed */
	NP_EINVAL = -2,  /* bad argument or input */
	NP_ESYS = -3,    /* a system call failed; errno tells which */
	NP_ERANGE = -4,  /* value out of range */
	NP_ELIB = -5,    /* a library (c-ares, jansson, ...) failed */
	NP_EIO = -6,     /* writing an output failed */
};

const char *np_strerror(int err);

#endif
