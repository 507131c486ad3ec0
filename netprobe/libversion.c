/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The libraries netprobe runs with (see libversion.h). */
#include "libversion.h"

#include <ctype.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <jansson.h>
#include <libnet.h>
#include <pcap/pcap.h>
#include <yaml.h>

#include "capfile.h"
#include "error.h"
#include "krb_lib.h"
#include "proxy.h"
#include "../tls/tls.h"

/* Set by the Makefile from pkg-config: the headers the build used. */
#ifndef NP_KRB5_VERSION
#define NP_KRB5_VERSION ""
#endif
#ifndef NP_CAPNG_VERSION
#define NP_CAPNG_VERSION ""
#endif

int np_libversion_dotted(const char *s, char *buf, size_t len)
{
	for (const char *p = s; p && *p; p++) {
		size_t n = 0, dots = 0;

		if (!isdigit((unsigned char)*p) || (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		while (isdigit((unsigned char)p[n]) || (p[n] == '.' && isdigit((unsigned char)p[n + 1]))) {
			dots += p[n] == '.';
			n++;
		}
		if (dots == 0 || n >= len) {
			p += n ? n - 1 : 0;
			continue;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 0;
	}
	return -1;
}

struct loaded_search {
	const char *prefix;
	char *buf;
	size_t len;
	int found;
};

static int loaded_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded_search *ls = arg;
	const char *base;
	char real[PATH_MAX];

	(void)size;
	if (!info->dlpi_name || !*info->dlpi_name)
		return 0;
	base = strrchr(info->dlpi_name, '/');
	base = base ? base + 1 : info->dlpi_name;
	if (strncmp(base, ls->prefix, strlen(ls->prefix)) != 0)
		return 0;
	/* The soname is a symlink; its target carries the full file version
	 * (libwiretap.so.13 -> libwiretap.so.13.0.17). */
	snprintf(ls->buf, ls->len, "%s", realpath(info->dlpi_name, real) ? real : info->dlpi_name);
	ls->found = 1;
	return 1;
}

int np_libversion_loaded(const char *prefix, char *buf, size_t len)
{
	struct loaded_search ls = {prefix, buf, len, 0};

	if (len)
		buf[0] = '\0';
	dl_iterate_phdr(loaded_cb, &ls);
	return ls.found ? 0 : -1;
}

static struct np_libversion *add(struct np_libversion *out, size_t max, size_t *n, const char *name,
				 const char *said, int runtime, const char *so_prefix)
{
	struct np_libversion *v;

	if (*n >= max)
		return NULL;
	v = &out[(*n)++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->runtime = runtime;
	if (said && np_libversion_dotted(said, v->version, sizeof(v->version)) < 0)
		v->version[0] = '\0';
	/* Keep the library's own sentence only when it says more than the
	 * number (libpcap's capture mechanism, OpenSSL's release date). */
	if (said && strcmp(said, v->version) != 0)
		snprintf(v->detail, sizeof(v->detail), "%s", said);
	if (so_prefix)
		np_libversion_loaded(so_prefix, v->loaded, sizeof(v->loaded));
	return v;
}

size_t np_libversion_list(struct np_libversion *out, size_t max)
{
	char xml[32], err[NP_ERRBUF_SIZE];
	size_t n = 0;
	const char *said = np_machine_config_xml_version();
	int xv = said ? atoi(said) : 0;
	struct np_libversion *v;

	add(out, max, &n, "OpenSSL", np_tls_library_version(), 1, "libssl.so");
	add(out, max, &n, "c-ares", ares_version(NULL), 1, "libcares.so");
	add(out, max, &n, "libpcap", pcap_lib_version(), 1, "libpcap.so");
	add(out, max, &n, "libnet", libnet_version(), 1, "libnet.so");
	add(out, max, &n, "jansson", jansson_version_str(), 1, "libjansson.so");
	add(out, max, &n, "libyaml", yaml_get_version_string(), 1, "libyaml-0.so");
	/* xmlParserVersion is the run-time version as MMmmpp ("20914");
	 * libxml2 is loaded for --proxy machine-config only, and here. */
	snprintf(xml, sizeof(xml), "%d.%d.%d", xv / 10000, xv / 100 % 100, xv % 100);
	v = add(out, max, &n, "libxml2", xml, 1, "libxml2.so");
	if (v && xv <= 0)
		v->version[0] = '\0';
	/* MIT krb5 and its GSSAPI have no call that returns the library's
	 * version (krb5_get_error_message and friends do not say it): the
	 * version of the headers built with, and the file loaded (here, as
	 * for proxy authentication: krb_lib.h). */
	np_krb_load(err);
	add(out, max, &n, "krb5/GSSAPI", NP_KRB5_VERSION, 0, "libgssapi_krb5.so");
	/* Neither has libwiretap 4.0 (nor libwsutil). */
	add(out, max, &n, "libwiretap", np_capfile_library_version(), 0, "libwiretap.so");
	add(out, max, &n, "libcap-ng", NP_CAPNG_VERSION, 0, "libcap-ng.so");
	return n;
}
