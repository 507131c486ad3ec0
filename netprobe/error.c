/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "error.h"

const char *np_strerror(int err)
{
	switch (err) {
	case NP_OK: return "success";
	case NP_ENOMEM: return "out of memory";
	case NP_EINVAL: return "invalid argument";
	case NP_ESYS: return "system call failed";
	case NP_ERANGE: return "value out of range";
	case NP_ELIB: return "library call failed";
	case NP_EIO: return "write failed";
	}
	return "unknown error";
}
