/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_KRB_LIB_H
#define NETPROBE_KRB_LIB_H

/*
 * MIT krb5 and its GSSAPI, opened when proxy authentication first needs
 * them (dynlib.h): the seven libraries they bring cost every start some
 * 2 ms (a fifth of it) and 0.5 MiB, for the runs that go through an
 * authenticating proxy. The calls go through np_krb, typed by the
 * libraries' own headers. libkrb5 is opened first; libgssapi_krb5 finds
 * it already there, so a MEMORY: credential cache made with one is seen
 * by the other.
 */
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <profile.h>

#define NP_KRB_GSS_FNS(X)                                                                     \
	X(gss_acquire_cred) X(gss_acquire_cred_with_password) X(gss_delete_sec_context)       \
	X(gss_display_status) X(gss_import_name) X(gss_init_sec_context) X(gss_release_buffer) \
	X(gss_release_cred) X(gss_release_name) X(gss_set_neg_mechs)

#define NP_KRB_KRB5_FNS(X)                                                                    \
	X(krb5_cc_close) X(krb5_cc_copy_creds) X(krb5_cc_default) X(krb5_cc_get_full_name)     \
	X(krb5_cc_get_name) X(krb5_cc_get_principal) X(krb5_cc_initialize) X(krb5_cc_new_unique) \
	X(krb5_cc_store_cred) X(krb5_copy_principal) X(krb5_free_context)                      \
	X(krb5_free_cred_contents) X(krb5_free_default_realm) X(krb5_free_error_message)       \
	X(krb5_free_keytab_entry_contents) X(krb5_free_principal) X(krb5_free_string)          \
	X(krb5_get_default_realm) X(krb5_get_error_message) X(krb5_get_init_creds_keytab)      \
	X(krb5_get_profile) X(krb5_init_context) X(krb5_kt_close) X(krb5_kt_end_seq_get)       \
	X(krb5_kt_next_entry) X(krb5_kt_resolve) X(krb5_kt_start_seq_get) X(krb5_parse_name)   \
	X(profile_free_list) X(profile_get_values) X(profile_release)

struct np_krb_api {
#define NP_KRB_FIELD(f) __typeof__(f) *f;
	NP_KRB_GSS_FNS(NP_KRB_FIELD)
	NP_KRB_KRB5_FNS(NP_KRB_FIELD)
#undef NP_KRB_FIELD
};

/* Filled by np_krb_load; call nothing in it before that has returned 0. */
extern struct np_krb_api np_krb;

/* Opens both libraries (once); 0, or NP_EINVAL with a one-line error
 * naming the library and its Debian package. */
int np_krb_load(char *errbuf);

/* The standard name types (RFC 2743 4.1 and 4.2), as the library's own
 * GSS_C_NT_USER_NAME and GSS_C_NT_HOSTBASED_SERVICE, which are data of
 * the library: these need no symbol. */
extern gss_OID_desc np_krb_nt_user_name, np_krb_nt_hostbased_service;

#endif
