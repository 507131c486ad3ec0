/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * --proxy pac:URL|FILE: the proxy a proxy auto-config file chooses for each
 * target, as Windows (WinHTTP) and browsers evaluate it. The PAC is
 * untrusted JavaScript: pacparser runs it in a child process that has no
 * network (a network namespace of its own), no privileges (nobody, no new
 * privileges), CPU-time and address-space limits, and a wall-clock
 * deadline after which it is killed by pid. The parent fetches the PAC
 * (HTTP, size-bounded) and hands the text over by fork.
 */
#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pacparser.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dynlib.h"
#include "finding.h"

#define PAC_MAX_BYTES (1u << 20)        /* a PAC is a few KB; 1 MiB is not one */
#define PAC_FETCH_MS 5000
#define PAC_EVAL_MS 2000                /* wall clock, per target */
#define PAC_CPU_S 1                     /* RLIMIT_CPU: SIGXCPU after it */
#define PAC_AS_BYTES (512ul << 20)      /* RLIMIT_AS */
#define PAC_MAX_TEXTS 8
#define PAC_MAX_ANSWERS 4096

/* The PACs read, and each URL's answer: kept for the process (reachable
 * from here, so not leaks), each PAC fetched and each URL evaluated once. */
static struct pac_text {
	char loc[240];
	char *text;                     /* NULL: err says why */
	char err[NP_ERRBUF_SIZE];
} texts[PAC_MAX_TEXTS];
static size_t n_texts;

static struct pac_answer {
	const struct pac_text *pac;
	char *url;
	char result[NP_PAC_RESULT_MAX]; /* "" when err */
	char err[NP_ERRBUF_SIZE];
} *answers;
static size_t n_answers;

static int is_url(const char *loc)
{
	return strncasecmp(loc, "http://", 7) == 0;
}

static int read_file(const char *file, struct pac_text *pt)
{
	struct stat sb;
	FILE *f = fopen(file, "re");
	size_t n;

	if (!f || fstat(fileno(f), &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > PAC_MAX_BYTES) {
		snprintf(pt->err, sizeof(pt->err), "%s", !f ? strerror(errno) : "not a PAC file (not a file, or over 1 MiB)");
		if (f)
			fclose(f);
		return NP_EINVAL;
	}
	pt->text = malloc((size_t)sb.st_size + 1);
	if (!pt->text) {
		fclose(f);
		snprintf(pt->err, sizeof(pt->err), "out of memory");
		return NP_ENOMEM;
	}
	n = fread(pt->text, 1, (size_t)sb.st_size, f);
	pt->text[n] = '\0';
	fclose(f);
	return 0;
}

static int wait_fd(int fd, short ev, int64_t deadline_us)
{
	struct pollfd p = {fd, ev, 0};
	int64_t left = deadline_us - np_now_us();

	if (left <= 0)
		return 0;
	return poll(&p, 1, (int)(left / 1000) + 1);
}

/* GET over HTTP/1.0 (so the body ends at the close: no chunks), bounded
 * in time and size. */
static int fetch_url(const char *url, struct pac_text *pt)
{
	struct np_target t;
	struct addrinfo hints = {0}, *ai = NULL;
	char eb[NP_ERRBUF_SIZE], port[8], req[NP_TARGET_STR_MAX + 200], *buf = NULL;
	size_t len = 0, cap = PAC_MAX_BYTES + NP_HTTP_HEAD_MAX;
	int64_t deadline = np_now_us() + (int64_t)PAC_FETCH_MS * 1000;
	int fd = -1, rc = NP_EINVAL, gai;
	struct np_http_head h;

	if (np_target_parse(url, 80, &t, eb) < 0) {
		snprintf(pt->err, sizeof(pt->err), "%.120s: %.100s", url, eb);
		return NP_EINVAL;
	}
	snprintf(port, sizeof(port), "%u", t.port);
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(t.host, port, &hints, &ai);
	if (gai != 0) {
		snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: cannot resolve %.60s: %s",
			 url, t.host, gai_strerror(gai));
		return NP_EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: %s", url, strerror(errno));
		goto out;
	}
	if (wait_fd(fd, POLLOUT, deadline) <= 0) {
		snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: no connection within %d s",
			 url, PAC_FETCH_MS / 1000);
		goto out;
	}
	{
		int e = 0;
		socklen_t el = sizeof(e);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: %s", url,
				 strerror(e));
			goto out;
		}
	}
	len = (size_t)snprintf(req, sizeof(req),
			       "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: netprobe/" NP_VERSION
			       "\r\nAccept: application/x-ns-proxy-autoconfig, */*\r\n\r\n",
			       t.path[0] ? t.path : "/", t.host);
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: %s", url, strerror(errno));
		goto out;
	}
	buf = malloc(cap + 1);
	if (!buf) {
		snprintf(pt->err, sizeof(pt->err), "out of memory");
		rc = NP_ENOMEM;
		goto out;
	}
	len = 0;
	for (;;) {
		ssize_t n;

		if (wait_fd(fd, POLLIN, deadline) <= 0) {
			snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: not complete within %d s",
				 url, PAC_FETCH_MS / 1000);
			goto out;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: %s", url,
				 strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s is over 1 MiB: not a PAC file", url);
			goto out;
		}
	}
	buf[len] = '\0';
	if (np_http_head_parse(buf, len, &h) != 1) {
		snprintf(pt->err, sizeof(pt->err), "the PAC file %.120s could not be fetched: no valid HTTP answer", url);
		goto out;
	}
	if (h.status != 200) {
		snprintf(pt->err, sizeof(pt->err), "the PAC file %.100s could not be fetched: the server answered '%.60s'",
			 url, h.status_line);
		goto out;
	}
	if (h.content_length >= 0 && (size_t)h.content_length < len - h.length)
		len = h.length + (size_t)h.content_length;
	pt->text = strndup(buf + h.length, len - h.length);
	rc = pt->text ? 0 : NP_ENOMEM;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

static struct pac_text *load(const char *loc)
{
	struct pac_text *pt;

	for (size_t i = 0; i < n_texts; i++)
		if (strcmp(texts[i].loc, loc) == 0)
			return &texts[i];
	if (n_texts == PAC_MAX_TEXTS)
		return NULL;
	pt = &texts[n_texts++];
	snprintf(pt->loc, sizeof(pt->loc), "%s", loc);
	if (is_url(loc))
		fetch_url(loc, pt);
	else
		read_file(loc, pt);
	return pt;
}

int np_pac_load(const char *loc, char *errbuf)
{
	struct pac_text *pt = load(loc);

	if (!pt) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "pac: at most %d PAC files", PAC_MAX_TEXTS);
		return NP_EINVAL;
	}
	if (!pt->text && !is_url(loc)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", pt->err);
		return NP_EINVAL;
	}
	return 0;
}

/* --- the evaluator, in a child ------------------------------------------------ */

static char child_err[400];

/* pacparser's messages (a syntax error's line) are the child's error;
 * DEBUG:/WARNING: lines are not errors. */
static int child_printer(const char *fmt, va_list ap)
{
	size_t l = strlen(child_err);
	char line[300];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* (its own "pacparser.c: function: failed" lines add nothing) */
	if (strncmp(line, "DEBUG:", 6) == 0 || strncmp(line, "WARNING:", 8) == 0 ||
	    strncmp(line, "pacparser.c:", 12) == 0)
		return 0;
	/* one line, runs of blanks as one */
	for (char *r = line, *w = line;; r++) {
		char ch = *r == '\n' || *r == '\r' || *r == '\t' ? ' ' : *r;

		if (ch == ' ' && (w == line || w[-1] == ' '))
			continue;
		*w++ = ch;
		if (!ch)
			break;
	}
	if (l && line[0] && l < sizeof(child_err) - 2)
		strcat(child_err, " ");
	l = strlen(child_err);
	if (l < sizeof(child_err) - 1)
		snprintf(child_err + l, sizeof(child_err) - l, "%s", line);
	return 0;
}

static void child_say(int fd, char kind, const char *msg, size_t len)
{
	char b[NP_PAC_RESULT_MAX + 2];

	if (len > NP_PAC_RESULT_MAX)
		len = NP_PAC_RESULT_MAX + 1;    /* one byte more: "too long" */
	b[0] = kind;
	memcpy(b + 1, msg, len);
	if (write(fd, b, len + 1) < 0)
		_exit(3);
}

static void child_fail(int fd, const char *what)
{
	char m[NP_PAC_RESULT_MAX];
	int n = snprintf(m, sizeof(m), "%s%s%s", what, child_err[0] ? ": " : "", child_err);

	n = n < 0 ? 0 : (size_t)n >= sizeof(m) ? (int)sizeof(m) - 1 : n;
	while (n > 0 && m[n - 1] == ' ')
		n--;
	child_say(fd, 'E', m, (size_t)n);
	_exit(1);
}

/* pacparser and its JavaScript engine, opened in the child only: the
 * parent never maps them, and a run without PAC never loads them
 * (dynlib.h). */
static struct {
	__typeof__(pacparser_set_error_printer) *set_error_printer;
	__typeof__(pacparser_setmyip) *setmyip;
	__typeof__(pacparser_init) *init;
	__typeof__(pacparser_parse_pac_string) *parse_pac_string;
	__typeof__(pacparser_find_proxy) *find_proxy;
} P;

static int pac_load(char *errbuf)
{
	static const struct np_dynsym syms[] = {
		{"pacparser_set_error_printer", &P.set_error_printer}, {"pacparser_setmyip", &P.setmyip},
		{"pacparser_init", &P.init}, {"pacparser_parse_pac_string", &P.parse_pac_string},
		{"pacparser_find_proxy", &P.find_proxy},
	};

	static struct np_dynlib lib = {"libpacparser.so.1", "libpacparser1", syms, sizeof(syms) / sizeof(syms[0]), 0};

	return np_dynlib_load(&lib, errbuf);
}

static void pac_child(int fd, const char *text, const char *url, const char *host, const char *myip)
{
	struct rlimit cpu = {PAC_CPU_S, PAC_CPU_S + 1}, none = {0, 0};
	char eb[NP_ERRBUF_SIZE];
	const char *r;

	/* No network: a namespace with nothing in it (as root; else a user
	 * namespace lets an unprivileged process make one). dnsResolve() and
	 * isInNet() then find no name server, and nothing leaves the host. */
	if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		child_fail(fd, "cannot cut the PAC evaluator off the network (unshare)");
	if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			       setresuid(65534, 65534, 65534) < 0))
		child_fail(fd, "cannot drop privileges for the PAC evaluator");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (setrlimit(RLIMIT_CPU, &cpu) < 0 || setrlimit(RLIMIT_FSIZE, &none) < 0 ||
	    setrlimit(RLIMIT_CORE, &none) < 0)
		child_fail(fd, "cannot limit the PAC evaluator");
	if (pac_load(eb) < 0)
		child_fail(fd, eb);
#ifndef NP_SANITIZE
	{
		/* (ASan reserves terabytes of shadow address space: no limit
		 * under it) */
		struct rlimit as = {PAC_AS_BYTES, PAC_AS_BYTES};

		if (setrlimit(RLIMIT_AS, &as) < 0)
			child_fail(fd, "cannot limit the PAC evaluator");
	}
#endif
	P.set_error_printer(child_printer);
	if (myip[0])
		P.setmyip(myip);
	if (!P.init())
		child_fail(fd, "the JavaScript engine did not start");
	if (!P.parse_pac_string(text))
		child_fail(fd, "not valid JavaScript");
	r = P.find_proxy(url, host);
	if (!r)
		child_fail(fd, "FindProxyForURL failed");
	child_say(fd, 'R', r, strlen(r));
	_exit(0);
}

/* What myIpAddress() answers: the host's first IPv4 address that is not
 * loopback, as Windows answers (the child, without network, cannot look). */
static void my_ip(char *buf, size_t len)
{
	struct ifaddrs *ifa = NULL;

	buf[0] = '\0';
	if (getifaddrs(&ifa) < 0)
		return;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, (socklen_t)len);
			break;
		}
	freeifaddrs(ifa);
}

static void evaluate(const struct pac_text *pt, const char *url, const char *host, struct pac_answer *an)
{
	char buf[NP_PAC_RESULT_MAX + 2], myip[INET_ADDRSTRLEN];
	size_t len = 0;
	int pfd[2], status = 0, late = 0, done = 0;
	int64_t deadline;
	pid_t pid;

	my_ip(myip, sizeof(myip));
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(an->err, sizeof(an->err), "cannot evaluate the PAC file: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(an->err, sizeof(an->err), "cannot evaluate the PAC file: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		pac_child(pfd[1], pt->text, url, host, myip);
		_exit(4);
	}
	close(pfd[1]);
	deadline = np_now_us() + (int64_t)PAC_EVAL_MS * 1000;
	while (!done) {
		ssize_t n;

		if (wait_fd(pfd[0], POLLIN, deadline) <= 0) {
			if (np_now_us() < deadline && errno == EINTR)
				continue;
			late = 1;
			break;
		}
		n = read(pfd[0], buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			done = 1;
		else if ((len += (size_t)n) == sizeof(buf))
			done = 1;
	}
	close(pfd[0]);
	/* Killed by its pid when late; reaped either way (it has nothing more
	 * to say once the pipe is closed or full). */
	if (late || len == sizeof(buf))
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (late) {
		snprintf(an->err, sizeof(an->err),
			 "evaluating the PAC file for %.80s took over %d s: stopped (an endless loop?)", host,
			 PAC_EVAL_MS / 1000);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
		snprintf(an->err, sizeof(an->err),
			 "evaluating the PAC file for %.80s used over %d s of CPU: stopped (an endless loop?)", host,
			 PAC_CPU_S);
	} else if (len > 0 && buf[0] == 'E') {
		snprintf(an->err, sizeof(an->err), "the PAC file cannot be evaluated: %.*s", (int)(len - 1), buf + 1);
	} else if (len == sizeof(buf)) {
		snprintf(an->err, sizeof(an->err), "the PAC file's answer for %.80s is over %d bytes: not a proxy list",
			 host, NP_PAC_RESULT_MAX);
	} else if (len > 0 && buf[0] == 'R') {
		snprintf(an->result, sizeof(an->result), "%.*s", (int)(len - 1), buf + 1);
	} else if (WIFSIGNALED(status)) {
		snprintf(an->err, sizeof(an->err),
			 "evaluating the PAC file for %.80s crashed (signal %d: over its %lu MiB of memory?)", host,
			 WTERMSIG(status), PAC_AS_BYTES >> 20);
	} else {
		snprintf(an->err, sizeof(an->err), "evaluating the PAC file for %.80s failed (exit status %d)", host,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
}

/* --- choosing ------------------------------------------------------------------ */

/* The URL FindProxyForURL is given: scheme://host[:port]/ for TLS (browsers
 * strip an https URL's path), the whole URL for plain HTTP. */
static void pac_url_of(const struct np_target *t, char *buf, size_t len)
{
	int v6 = strchr(t->host, ':') != NULL;
	int http = t->scheme == NP_SCHEME_HTTP;
	char port[8] = "";

	if (t->port != (http ? 80 : 443))
		snprintf(port, sizeof(port), ":%u", t->port);
	snprintf(buf, len, "%s://%s%s%s%s%s", http ? "http" : "https", v6 ? "[" : "", t->host, v6 ? "]" : "", port,
		 http && t->path[0] ? t->path : "/");
}

static void keep_pac(struct np_proxy *p, const struct np_proxy *from)
{
	memcpy(p->pac, from->pac, sizeof(p->pac));
	memcpy(p->pac_result, from->pac_result, sizeof(p->pac_result));
	memcpy(p->pac_tried, from->pac_tried, sizeof(p->pac_tried));
	p->pac_next = from->pac_next;
	p->auth_set = from->auth_set;
	p->auth_allowed = from->auth_allowed;
}

/* "a; b": as much as fits */
static void tried_add(struct np_proxy *p, const char *one)
{
	size_t l = strlen(p->pac_tried), n = strlen(one);

	if (l && l + 2 < sizeof(p->pac_tried)) {
		memcpy(p->pac_tried + l, "; ", 3);
		l += 2;
	}
	if (l + n >= sizeof(p->pac_tried))
		n = sizeof(p->pac_tried) - l - 1;
	memcpy(p->pac_tried + l, one, n);
	p->pac_tried[l + n] = '\0';
}

int np_pac_next(struct np_proxy *p, const char *why)
{
	char list[NP_PAC_RESULT_MAX], *save = NULL, *e;
	size_t i = 0;

	if (!p->pac[0])
		return 0;
	if (why) {
		char one[NP_HOST_MAX + 140];

		snprintf(one, sizeof(one), "PROXY %s:%u (%.100s)", p->host, p->port, why);
		tried_add(p, one);
	}
	snprintf(list, sizeof(list), "%s", p->pac_result);
	for (e = strtok_r(list, ";", &save); e; e = strtok_r(NULL, ";", &save), i++) {
		char kind[16] = "", where[NP_HOST_MAX + 16] = "", url[NP_HOST_MAX + 32], eb[NP_ERRBUF_SIZE];
		struct np_proxy q, keep;

		if (i < p->pac_next)
			continue;
		p->pac_next = i + 1;
		keep = *p;
		if (sscanf(e, " %15s %268s", kind, where) < 1)
			continue;
		if (strcasecmp(kind, "DIRECT") == 0) {
			np_proxy_parse("none", p, eb);
			keep_pac(p, &keep);
			snprintf(p->shown, sizeof(p->shown), "direct (pac %.200s)", p->pac);
			return 1;
		}
		/* PROXY and HTTP are HTTP proxies; HTTPS and SOCKS are not
		 * spoken here: noted, and the next entry tried, as a client
		 * without them does. */
		snprintf(url, sizeof(url), "http://%s", where);
		if ((strcasecmp(kind, "PROXY") != 0 && strcasecmp(kind, "HTTP") != 0) || !where[0] ||
		    np_proxy_parse(url, &q, eb) < 0 || q.user[0]) {
			char one[120];

			snprintf(one, sizeof(one), "%.20s %.60s (%s)", kind, where,
				 strcasecmp(kind, "PROXY") && strcasecmp(kind, "HTTP") ?
				 "not an HTTP proxy: not supported" : "not host:port");
			tried_add(p, one);
			continue;
		}
		*p = q;
		keep_pac(p, &keep);
		snprintf(p->shown, sizeof(p->shown), "http://%s:%u (pac %.200s)", q.host, q.port, p->pac);
		return 1;
	}
	return 0;
}

int np_pac_apply(struct np_proxy *p, const struct np_target *t, char *errbuf)
{
	struct pac_text *pt;
	struct pac_answer *an = NULL;
	char url[NP_TARGET_STR_MAX];

	if (!p->pac[0])
		return 0;
	pt = load(p->pac);
	if (!pt) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "pac: at most %d PAC files", PAC_MAX_TEXTS);
		return NP_EINVAL;
	}
	if (!pt->text) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", pt->err);
		return NP_EINVAL;
	}
	pac_url_of(t, url, sizeof(url));
	for (size_t i = 0; i < n_answers && !an; i++)
		if (answers[i].pac == pt && strcmp(answers[i].url, url) == 0)
			an = &answers[i];
	if (!an) {
		struct pac_answer *na;

		if (n_answers == PAC_MAX_ANSWERS) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "pac: over %d targets", PAC_MAX_ANSWERS);
			return NP_EINVAL;
		}
		na = realloc(answers, (n_answers + 1) * sizeof(*answers));
		if (!na) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
			return NP_ENOMEM;
		}
		answers = na;
		an = &answers[n_answers];
		memset(an, 0, sizeof(*an));
		an->pac = pt;
		an->url = strdup(url);
		if (!an->url) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
			return NP_ENOMEM;
		}
		n_answers++;
		evaluate(pt, url, t->host, an);
	}
	if (an->err[0]) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", an->err);
		return NP_EINVAL;
	}
	snprintf(p->pac_result, sizeof(p->pac_result), "%s", an->result);
	p->pac_next = 0;
	p->pac_tried[0] = '\0';
	if (!np_pac_next(p, NULL)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "the PAC file names no usable path for %.60s: '%.80s'%s%.60s", t->host,
			 an->result, p->pac_tried[0] ? ": " : "", p->pac_tried);
		return NP_EINVAL;
	}
	return 0;
}

void np_pac_metrics(const struct np_proxy *p, struct np_finding *f)
{
	if (!f || !p->pac[0])
		return;
	np_finding_metric_str(f, "proxy_source", "pac");
	np_finding_metric_str(f, "pac_url", p->pac);
	if (p->pac_result[0])
		np_finding_metric_str(f, "pac_result", p->pac_result);
	if (p->pac_tried[0])
		np_finding_metric_str(f, "pac_tried", p->pac_tried);
}
