/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MIT krb5 and GSSAPI opened on first use (see krb_lib.h). */
#include "krb_lib.h"

#include "dynlib.h"

struct np_krb_api np_krb;

/* 1.2.840.113554.1.2.1.1 and 1.2.840.113554.1.2.1.4 */
gss_OID_desc np_krb_nt_user_name = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01"};
gss_OID_desc np_krb_nt_hostbased_service = {10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04"};

#define NP_KRB_SYM(f) {#f, &np_krb.f},
static const struct np_dynsym krb5_syms[] = {NP_KRB_KRB5_FNS(NP_KRB_SYM)};
static const struct np_dynsym gss_syms[] = {NP_KRB_GSS_FNS(NP_KRB_SYM)};
#undef NP_KRB_SYM

static struct np_dynlib krb5_lib = {"libkrb5.so.3", "libkrb5-3", krb5_syms,
				    sizeof(krb5_syms) / sizeof(krb5_syms[0]), 0};
static struct np_dynlib gss_lib = {"libgssapi_krb5.so.2", "libgssapi-krb5-2", gss_syms,
				   sizeof(gss_syms) / sizeof(gss_syms[0]), 0};

int np_krb_load(char *errbuf)
{
	int e = np_dynlib_load(&krb5_lib, errbuf);

	return e ? e : np_dynlib_load(&gss_lib, errbuf);
}
