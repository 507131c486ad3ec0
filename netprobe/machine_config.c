/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --proxy machine-config:FILE: the proxy a .NET service is told to use, from
 * machine.config or web.config <system.net><defaultProxy> (what the sync
 * server reads), with libxml2. */
#include "proxy.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dynlib.h"

/* machine.config is ~40 KB; anything this big is not one. */
#define MC_MAX_BYTES (8u << 20)

/* libxml2, opened at the first machine-config (dynlib.h says why). */
static struct {
	__typeof__(xmlReadFile) *ReadFile;
	__typeof__(xmlDocGetRootElement) *DocGetRootElement;
	__typeof__(xmlGetProp) *GetProp;
	__typeof__(xmlFreeDoc) *FreeDoc;
	xmlFreeFunc *Free;              /* xmlFree is a variable of libxml2's */
	__typeof__(__xmlParserVersion) *ParserVersion;
} X;

static int xml_load(char *errbuf)
{
	static const struct np_dynsym syms[] = {
		{"xmlReadFile", &X.ReadFile}, {"xmlDocGetRootElement", &X.DocGetRootElement},
		{"xmlGetProp", &X.GetProp}, {"xmlFreeDoc", &X.FreeDoc}, {"xmlFree", &X.Free},
		{"__xmlParserVersion", &X.ParserVersion},
	};
	static struct np_dynlib lib = {"libxml2.so.2", "libxml2", syms, sizeof(syms) / sizeof(syms[0]), 0};

	return np_dynlib_load(&lib, errbuf);
}

const char *np_machine_config_xml_version(void)
{
	char eb[NP_ERRBUF_SIZE];

	return xml_load(eb) == 0 ? *X.ParserVersion() : NULL;
}

static xmlNode *child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static int attr_true(xmlNode *n, const char *name, int dflt)
{
	xmlChar *v = n ? X.GetProp(n, (const xmlChar *)name) : NULL;
	int r = dflt;

	if (v)
		r = strcasecmp((const char *)v, "true") == 0;
	(*X.Free)(v);
	return r;
}

int np_proxy_machine_config(const char *file, struct np_proxy *p, char *errbuf)
{
	struct stat sb;
	xmlDoc *doc = NULL;
	xmlNode *dp, *px;
	xmlChar *addr = NULL;
	int rc = NP_EINVAL;

	memset(p, 0, sizeof(*p));
	if (xml_load(errbuf) < 0)
		return NP_EINVAL;
	if (stat(file, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > MC_MAX_BYTES) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.200s: %s", file,
			 stat(file, &sb) < 0 ? "cannot be read" : "not a machine.config (not a file, or over 8 MiB)");
		return NP_EINVAL;
	}
	/* No network, no entity expansion (XXE), no DTD loading. */
	doc = X.ReadFile(file, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.200s: not well-formed XML", file);
		goto out;
	}
	dp = child(child(X.DocGetRootElement(doc) && strcmp((const char *)X.DocGetRootElement(doc)->name,
							  "configuration") == 0 ? X.DocGetRootElement(doc) : NULL,
			 "system.net"), "defaultProxy");
	if (!dp) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.200s: no <configuration><system.net><defaultProxy>", file);
		goto out;
	}
	px = child(dp, "proxy");
	addr = px ? X.GetProp(px, (const xmlChar *)"proxyaddress") : NULL;
	if (!attr_true(dp, "enabled", 1) || !addr || !addr[0]) {
		/* no proxy named (or usesystemdefault: WinINET's, not here) */
		rc = np_proxy_parse("none", p, errbuf);
		snprintf(p->shown, sizeof(p->shown), "direct (machine-config %.100s names no proxy)", file);
		goto out;
	}
	if (np_proxy_parse((const char *)addr, p, errbuf) < 0) {
		char eb[NP_ERRBUF_SIZE];

		snprintf(eb, sizeof(eb), "%.80s: proxyaddress '%.60s': %.80s", file, (const char *)addr, errbuf);
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", eb);
		goto out;
	}
	p->bypass_local = attr_true(px, "bypassonlocal", 0);
	for (xmlNode *c = child(dp, "bypasslist") ? child(dp, "bypasslist")->children : NULL; c; c = c->next) {
		xmlChar *a;
		regex_t re;

		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "add") != 0)
			continue;
		a = X.GetProp(c, (const xmlChar *)"address");
		if (!a)
			continue;
		if (p->n_bypass == NP_PROXY_MAX_BYPASS || strlen((const char *)a) >= sizeof(p->bypass[0]) ||
		    regcomp(&re, (const char *)a, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "%.80s: bypasslist address '%.60s': %s", file, (const char *)a,
				 p->n_bypass == NP_PROXY_MAX_BYPASS ? "too many (at most 16)" : "not a usable expression");
			(*X.Free)(a);
			goto out;
		}
		regfree(&re);
		snprintf(p->bypass[p->n_bypass++], sizeof(p->bypass[0]), "%s", (const char *)a);
		(*X.Free)(a);
	}
	snprintf(p->source, sizeof(p->source), "machine-config %.200s", file);
	rc = 0;
out:
	(*X.Free)(addr);
	if (doc)
		X.FreeDoc(doc);
	return rc;
}

int np_proxy_bypassed(const struct np_proxy *p, const struct np_target *t)
{
	char uri[NP_HOST_MAX + 32];

	/* bypassonlocal: .NET's "local" is a name without a dot (an intranet
	 * name) or a loopback address. */
	if (p->bypass_local && (!strchr(t->host, '.') && !strchr(t->host, ':') ? 1 :
				strcmp(t->host, "127.0.0.1") == 0 || strcmp(t->host, "::1") == 0 ||
				strcasecmp(t->host, "localhost") == 0))
		return 1;
	/* .NET matches each expression against the URI (scheme://host[:port]),
	 * unanchored. */
	snprintf(uri, sizeof(uri), "%s://%s:%u", t->scheme == NP_SCHEME_HTTP ? "http" : "https", t->host, t->port);
	for (size_t i = 0; i < p->n_bypass; i++) {
		regex_t re;
		int m;

		if (regcomp(&re, p->bypass[i], REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
			continue;
		m = regexec(&re, uri, 0, NULL, 0) == 0;
		regfree(&re);
		if (m)
			return 1;
	}
	return 0;
}

void np_proxy_apply_bypass(struct np_proxy *p, const struct np_target *t)
{
	char src[sizeof(p->source)], shown[sizeof(p->shown)];

	if (!p->source[0] || p->none)
		return;
	snprintf(src, sizeof(src), "%s", p->source);
	if (np_proxy_bypassed(p, t)) {
		char eb[NP_ERRBUF_SIZE];

		np_proxy_parse("none", p, eb);
		snprintf(p->shown, sizeof(p->shown), "direct (%.150s bypasses %.100s)", src, t->host);
		return;
	}
	snprintf(shown, sizeof(shown), "%s", p->shown);
	snprintf(p->shown, sizeof(p->shown), "%.150s (%.150s)", shown, src);
}
