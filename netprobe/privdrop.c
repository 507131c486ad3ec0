/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>

int np_priv_have_net_raw(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) ||
	       capng_have_capability(CAPNG_PERMITTED, CAP_NET_RAW);
}

/* OpenSSH's permanently_set_uid() rule: after dropping, try to regain
 * root; if that works, the drop did not happen. */
static int verify_dropped(uid_t uid, char *errbuf)
{
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "privilege drop failed: root could be regained");
		return NP_ESYS;
	}
	if (getuid() != uid || geteuid() != uid) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "privilege drop failed: still running as uid %u",
			 (unsigned)geteuid());
		return NP_ESYS;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "privilege drop failed: capabilities remain");
		return NP_ESYS;
	}
	return 0;
}

int np_priv_drop(const char *user, char *errbuf)
{
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam(user);
		int rc;

		if (!pw) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "user '%s' does not exist (--user)", user);
			return NP_ESYS;
		}
		if (pw->pw_uid == 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "user '%s' is root: nothing would be dropped", user);
			return NP_ESYS;
		}
		capng_clear(CAPNG_SELECT_BOTH);
		/* Changes gid, drops supplementary groups, changes uid, and
		 * clears the bounding set so an exec cannot regain anything. */
		rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
				     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
		if (rc < 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "cannot change to user '%s' (libcap-ng error %d)",
				 user, rc);
			return NP_ESYS;
		}
#ifdef NP_SANITIZE
		/* LeakSanitizer attaches with ptrace at exit, which fails once
		 * the process is no longer dumpable after changing user. */
		prctl(PR_SET_DUMPABLE, 1);
#endif
		return verify_dropped(pw->pw_uid, errbuf);
	}
	/* Not root: file capabilities (setcap) at most. Clear them all; the
	 * bounding set needs CAP_SETPCAP to change, which we do not have. */
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "cannot clear capabilities: %s", strerror(errno));
		return NP_ESYS;
	}
	return verify_dropped(getuid(), errbuf);
}

int np_priv_keep_file_caps(char *errbuf)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
			  CAP_DAC_OVERRIDE, CAP_FOWNER, -1) < 0 ||
	    capng_apply(CAPNG_SELECT_BOTH) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "cannot limit capabilities: %s", strerror(errno));
		return NP_ESYS;
	}
	return 0;
}
