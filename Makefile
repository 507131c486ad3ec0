# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe: `make`, `make test`, `make demo`, `make install`, `make clean`.
VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?= 0

CC       ?= cc
PKGS     := libcares jansson libssl libcrypto libpcap libcap-ng yaml-0.1
# Opened when a feature first needs them (netprobe/dynlib.h): libxml2 for
# --proxy machine-config, libmicrohttpd for watch --listen, MIT krb5 and
# GSSAPI for proxy authentication (netprobe/krb_lib.h). Their headers
# at build time, not their libraries (and ICU, GnuTLS) at every start.
DLOPEN_PKGS := libxml-2.0 libmicrohttpd krb5-gssapi krb5
CFLAGS   ?= -O2 -g
CFLAGS   += $(CPPFLAGS) -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -D_GNU_SOURCE \
            -DNP_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) $(DLOPEN_PKGS) 2>/dev/null)
# MIT krb5 and libcap-ng have no run-time version call: `netprobe --version`
# names the version of the headers built with (netprobe/libversion.c).
CFLAGS   += -DNP_KRB5_VERSION='"$(shell pkg-config --modversion krb5-gssapi 2>/dev/null)"' \
            -DNP_CAPNG_VERSION='"$(shell pkg-config --modversion libcap-ng 2>/dev/null)"'
# libnet (crafted packets) has no pkg-config file on Debian 12: its own
# libnet-config, else the plain library name.
LIBNET_LIBS := $(shell libnet-config --libs 2>/dev/null || echo -lnet)
# libwiretap (capture files, netprobe/capfile.c) has no pkg-config file on
# Debian 12 either; its API is Wireshark 4.0's (Debian 12's 4.0.x): its
# headers live under wireshark/ and need glib's.
# netprobe opens it when it first reads a capture file (netprobe/dynlib.h);
# the fuzzer links it.
WIRETAP_CFLAGS := -I/usr/include/wireshark $(shell pkg-config --cflags glib-2.0 2>/dev/null)
WIRETAP_LIBS := -lwiretap -lwsutil $(shell pkg-config --libs glib-2.0 2>/dev/null)
# pacparser (PAC files, netprobe/pac.c) has no pkg-config file either; the
# PAC evaluator's child opens it (netprobe/dynlib.h).
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(LIBNET_LIBS) -lm

ifeq ($(SANITIZE),1)
BUILD    := build/san
CFLAGS   += -DNP_SANITIZE -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
BIN      := $(BUILD)/bin/netprobe
else
BUILD    := build/rel
# ./netprobe/ holds the engine's sources, so the program lives in bin/.
BIN      := bin/netprobe
endif

LIB_SRC  := $(wildcard netprobe/*.c) $(wildcard tls/*.c)
CMD_SRC  := $(wildcard cmd/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
# Built-in profiles: YAML in the source tree, compiled in (np_profile_builtin).
PROFILES := fixtures/profiles/aadconnect.yaml
PROFILES_C := $(BUILD)/gen/profiles_builtin.c
LIB_OBJ  += $(PROFILES_C:.c=.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libnetprobe.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit lab-test demo install uninstall clean doc
all: $(BIN)

# netprobe(1) and the bash completion, written by the program from the
# tables its help comes from (cmd/doc.c), so they cannot drift from it.
MAN      := $(BUILD)/doc/netprobe.1
COMPL    := $(BUILD)/doc/netprobe.bash
doc: $(MAN) $(COMPL)
$(MAN): $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) --man >$@.tmp && mv $@.tmp $@
$(COMPL): $(BIN)
	@mkdir -p $(dir $@)
	$(BIN) --bash-completion >$@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c $(wildcard netprobe/*.h tls/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The one module that includes libwiretap's headers.
$(BUILD)/netprobe/capfile.o: netprobe/capfile.c netprobe/capfile.h netprobe/error.h netprobe/dynlib.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WIRETAP_CFLAGS) -c -o $@ $<

$(PROFILES_C): $(PROFILES) fixtures/profiles/embed.sh
	@mkdir -p $(dir $@)
	fixtures/profiles/embed.sh $@ $(PROFILES)

$(PROFILES_C:.c=.o): $(PROFILES_C) netprobe/profile_int.h netprobe/profile.h
	$(CC) $(CFLAGS) -I. -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags cmocka) -I. $(LDFLAGS) -o $@ $< $(LIB) \
		$(shell pkg-config --libs cmocka) $(LDLIBS)

# Installs the build and lab packages when any is missing (idempotent).
deps:
	@fixtures/deps.sh

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

lab-test: $(BIN)
	@NETPROBE=$(abspath $(BIN)) NP_SANITIZE=$(SANITIZE) tests/lab/run.sh

test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(BIN) $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)
	@NETPROBE=$(abspath $(BIN)) NP_SANITIZE=$(SANITIZE) tests/lab/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@NETPROBE=$(abspath $(BIN)) fixtures/demo.sh

# The built-in profiles also as files, to copy and edit; systemd units
# from contrib/ where there are any.
UNITS    := $(wildcard contrib/*.service)
UNITDIR  ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
install: $(BIN) $(MAN) $(COMPL)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/netprobe/profiles
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/netprobe
	install -m 0644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/netprobe.1
	install -m 0644 $(COMPL) $(DESTDIR)$(PREFIX)/share/bash-completion/completions/netprobe
	install -m 0644 $(PROFILES) $(DESTDIR)$(PREFIX)/share/netprobe/profiles/
	$(if $(UNITS),install -d $(DESTDIR)$(UNITDIR) && install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/)
	@echo "Installed $(DESTDIR)$(PREFIX)/bin/netprobe."
	@echo "To capture packets and send crafted probes without root, grant it raw sockets:"
	@echo "  setcap cap_net_raw+ep $(PREFIX)/bin/netprobe"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/netprobe $(DESTDIR)$(PREFIX)/share/man/man1/netprobe.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/netprobe \
		$(addprefix $(DESTDIR)$(PREFIX)/share/netprobe/profiles/,$(notdir $(PROFILES))) \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	-rmdir $(DESTDIR)$(PREFIX)/share/netprobe/profiles $(DESTDIR)$(PREFIX)/share/netprobe 2>/dev/null

# The Debian package, built with dpkg-buildpackage from debian/ in a copy
# of the tree under build/deb/ (dpkg-buildpackage writes its results to
# the parent of the tree it builds, which must not be wherever this
# checkout sits); the .deb ends up in build/. The changelog's version must
# be the program's.
DEB_VERSION = $(shell dpkg-parsechangelog -SVersion 2>/dev/null)
DEB_ARCH    = $(shell dpkg --print-architecture)
DEB         := build/netprobe_$(VERSION)_$(DEB_ARCH).deb
.PHONY: deb
deb:
	@[ "$(DEB_VERSION)" = "$(VERSION)" ] || \
		{ echo "deb: debian/changelog says $(DEB_VERSION), the Makefile $(VERSION)" >&2; exit 1; }
	rm -rf build/deb && mkdir -p build/deb/netprobe-$(VERSION)
	tar -cf - --exclude=./build --exclude=./bin --exclude=./.git --exclude=./demo-out . | \
		tar -xf - -C build/deb/netprobe-$(VERSION)
	cd build/deb/netprobe-$(VERSION) && DEB_BUILD_OPTIONS="parallel=1 $(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -b -us -uc || { rm -rf build/deb; exit 1; }
	mv build/deb/netprobe_$(VERSION)_$(DEB_ARCH).deb $(DEB)
	@# The staging copy is a second tree of every source: it goes, so
	@# nothing that reads the checkout (grep, the house rules) finds it.
	rm -rf build/deb
	@echo "Built $(DEB) (dpkg -i $(DEB) as root to install it)."

clean:
	rm -rf build bin

# The packet dissector, the DNS answer reader, the NPR/1 parsers and the
# HTTP response head reader, the TLS record walker, the
# Proxy-Authenticate parser, the revocation checks, capture files and a
# watch's event log under libFuzzer (clang): `make fuzz`,
# FUZZ_SECONDS=600 for a longer run. Each links its module alone, not the
# library.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_BIN     := build/fuzz/fuzz_dissect

.PHONY: fuzz
fuzz: $(FUZZ_BIN) build/fuzz/fuzz_dns_answer build/fuzz/fuzz_stun build/fuzz/fuzz_profile build/fuzz/fuzz_npr \
      build/fuzz/fuzz_http_head build/fuzz/fuzz_tls_record build/fuzz/fuzz_proxy_auth build/fuzz/fuzz_revoc \
      build/fuzz/fuzz_capfile build/fuzz/fuzz_watch_log
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh build/fuzz/fuzz_capfile
	@mkdir -p build/fuzz/dns_answer
	@echo "fuzz_dns_answer: $(FUZZ_SECONDS) s"
	@build/fuzz/fuzz_dns_answer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/dns_answer- build/fuzz/dns_answer tests/fuzz/dns_answer_seeds \
		>build/fuzz/dns_answer.log 2>&1; rc=$$?; grep -E '^stat::number_of_executed_units' build/fuzz/dns_answer.log; \
		tail -2 build/fuzz/dns_answer.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/stun
	@echo "fuzz_stun: $(FUZZ_SECONDS) s"
	@build/fuzz/fuzz_stun -max_total_time=$(FUZZ_SECONDS) -max_len=1500 -timeout=10 \
		build/fuzz/stun >build/fuzz/stun.log 2>&1; rc=$$?; tail -2 build/fuzz/stun.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/profile
	@echo "fuzz_profile: $(FUZZ_SECONDS) s, seeded with fixtures/profiles"
	@build/fuzz/fuzz_profile -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=10 \
		-dict=tests/fuzz/profile.dict -artifact_prefix=build/fuzz/profile- build/fuzz/profile \
		fixtures/profiles >build/fuzz/profile.log 2>&1; rc=$$?; tail -2 build/fuzz/profile.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/npr
	@echo "fuzz_npr: $(FUZZ_SECONDS) s"
	@build/fuzz/fuzz_npr -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/npr/ build/fuzz/npr tests/fuzz/npr_seeds >build/fuzz/npr.log 2>&1; \
		rc=$$?; grep -E '^stat::number_of_executed_units' build/fuzz/npr.log; tail -2 build/fuzz/npr.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/http_head
	@echo "fuzz_http_head: $(FUZZ_SECONDS) s"
	@build/fuzz/fuzz_http_head -max_total_time=$(FUZZ_SECONDS) -max_len=20000 -timeout=10 \
		-artifact_prefix=build/fuzz/http_head- build/fuzz/http_head >build/fuzz/http_head.log 2>&1; \
		rc=$$?; tail -2 build/fuzz/http_head.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/tls_record
	@echo "fuzz_tls_record: $(FUZZ_SECONDS) s, seeded with tests/fuzz/tls_record_seeds"
	@build/fuzz/fuzz_tls_record -max_total_time=$(FUZZ_SECONDS) -max_len=20000 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/tls_record/ build/fuzz/tls_record tests/fuzz/tls_record_seeds \
		>build/fuzz/tls_record.log 2>&1; rc=$$?; grep -E '^stat::number_of_executed_units' build/fuzz/tls_record.log; \
		tail -2 build/fuzz/tls_record.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/proxy_auth
	@echo "fuzz_proxy_auth: $(FUZZ_SECONDS) s"
	@build/fuzz/fuzz_proxy_auth -max_total_time=$(FUZZ_SECONDS) -max_len=20000 -timeout=10 \
		-artifact_prefix=build/fuzz/proxy_auth- build/fuzz/proxy_auth >build/fuzz/proxy_auth.log 2>&1; \
		rc=$$?; tail -2 build/fuzz/proxy_auth.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/revoc
	@echo "fuzz_revoc: $(FUZZ_SECONDS) s, seeded with tests/fuzz/revoc_seeds"
	@build/fuzz/fuzz_revoc -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/revoc- build/fuzz/revoc tests/fuzz/revoc_seeds >build/fuzz/revoc.log 2>&1; \
		rc=$$?; grep -E '^stat::number_of_executed_units' build/fuzz/revoc.log; tail -2 build/fuzz/revoc.log; [ $$rc -eq 0 ] || exit $$rc
	@mkdir -p build/fuzz/watch_log
	@echo "fuzz_watch_log: $(FUZZ_SECONDS) s, seeded with tests/fuzz/watch_log_seeds"
	@build/fuzz/fuzz_watch_log -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 -print_final_stats=1 \
		-artifact_prefix=build/fuzz/watch_log- build/fuzz/watch_log tests/fuzz/watch_log_seeds \
		>build/fuzz/watch_log.log 2>&1; rc=$$?; grep -E '^stat::number_of_executed_units' build/fuzz/watch_log.log; \
		tail -2 build/fuzz/watch_log.log; exit $$rc

# A watch's event log, as watch report and a restarting watch read it.
FUZZ_WATCH_SRC := netprobe/watch_report.c netprobe/watch_report_html.c netprobe/watch_log.c netprobe/watch.c \
                  netprobe/report_html.c netprobe/report_svg.c netprobe/xml.c netprobe/checklist.c \
                  netprobe/report_doc.c netprobe/verdict.c netprobe/finding.c netprobe/escape.c \
                  netprobe/error.c netprobe/merge.c netprobe/arena.c
build/fuzz/fuzz_watch_log: tests/fuzz/fuzz_watch_log.c $(FUZZ_WATCH_SRC) $(wildcard netprobe/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -DNP_VERSION='"$(VERSION)"' -I. $(shell pkg-config --cflags jansson) \
		-o $@ tests/fuzz/fuzz_watch_log.c $(FUZZ_WATCH_SRC) $(shell pkg-config --libs jansson) -lm
# What revocation checking reads from strangers (CRLs, OCSP responses,
# caIssuers answers, certificate URLs): tls/ with OpenSSL.
build/fuzz/fuzz_revoc: tests/fuzz/fuzz_revoc.c $(wildcard tls/*.c tls/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_revoc.c $(wildcard tls/*.c) \
		$(shell pkg-config --libs libssl libcrypto)

# The capture-file path of explain: libwiretap (not instrumented: a system
# library) through capfile.c, and the explain engine over what it reads.
FUZZ_CAPFILE_SRC := netprobe/capfile.c netprobe/dynlib.c netprobe/arena.c netprobe/explain.c netprobe/explain_ends.c netprobe/explain_findings.c \
                    netprobe/explain_tls.c netprobe/explain_windows.c netprobe/explain_conns.c \
                    netprobe/dissect.c netprobe/tcp_events.c netprobe/tls_record.c netprobe/finding.c \
                    netprobe/report.c netprobe/report_json.c netprobe/verdict.c netprobe/addr.c \
                    netprobe/error.c netprobe/redact.c netprobe/flow.c tls/tls_alert.c netprobe/explain_file.c \
                    netprobe/checklist.c netprobe/report_doc.c
build/fuzz/fuzz_capfile: tests/fuzz/fuzz_capfile.c $(FUZZ_CAPFILE_SRC) $(wildcard netprobe/explain*.h netprobe/capfile.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -DNP_VERSION='"$(VERSION)"' -I. $(WIRETAP_CFLAGS) \
		$(shell pkg-config --cflags jansson libpcap) -o $@ tests/fuzz/fuzz_capfile.c $(FUZZ_CAPFILE_SRC) \
		$(WIRETAP_LIBS) $(shell pkg-config --libs jansson libpcap)

# The Proxy-Authenticate parser and the scheme choice, alone (no GSSAPI).
build/fuzz/fuzz_proxy_auth: tests/fuzz/fuzz_proxy_auth.c netprobe/proxy_auth_parse.c netprobe/proxy_auth.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_proxy_auth.c netprobe/proxy_auth_parse.c

# The DNS answer reader and checker under libFuzzer (names are decoded by
# dns_check.c itself), and the frames index that hashes their questions.
build/fuzz/fuzz_dns_answer: tests/fuzz/fuzz_dns_answer.c netprobe/dns_answer.c netprobe/dns_answer.h \
		netprobe/dns_check.c netprobe/dns_check.h netprobe/dns_frames.c netprobe/dns_frames.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_dns_answer.c netprobe/dns_answer.c \
		netprobe/dns_check.c netprobe/dns_frames.c

# The STUN response parser under libFuzzer.
build/fuzz/fuzz_stun: tests/fuzz/fuzz_stun.c netprobe/stun.c netprobe/stun.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_stun.c netprobe/stun.c

# The HTTP response head reader (proxy answers) and the escaping that
# quotes outside bytes, under libFuzzer; the proxy module links the
# target and redaction code its URL parser uses.
FUZZ_HTTP_SRC := netprobe/proxy.c netprobe/escape.c netprobe/target.c netprobe/portset.c netprobe/redact.c \
                 netprobe/error.c netprobe/machine_config.c netprobe/dynlib.c
FUZZ_XML := $(shell pkg-config --cflags --libs libxml-2.0)
build/fuzz/fuzz_http_head: tests/fuzz/fuzz_http_head.c $(FUZZ_HTTP_SRC) netprobe/proxy.h netprobe/escape.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_http_head.c $(FUZZ_HTTP_SRC) $(FUZZ_XML)

# The profile parser under libFuzzer, with libyaml and the target and
# proxy parsers it checks values with (not the built-in profiles).
FUZZ_PROFILE_SRC := netprobe/profile.c netprobe/profile_opts.c netprobe/profile_vars.c netprobe/target.c netprobe/portset.c \
                    netprobe/proxy.c netprobe/redact.c netprobe/error.c netprobe/machine_config.c \
                    netprobe/dynlib.c netprobe/arena.c
build/fuzz/fuzz_profile: tests/fuzz/fuzz_profile.c $(FUZZ_PROFILE_SRC) netprobe/profile.h netprobe/profile_int.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_profile.c $(FUZZ_PROFILE_SRC) \
		$(shell pkg-config --libs yaml-0.1) $(FUZZ_XML)

# NPR/1 requests, replies and TCP framing (the responder's and its clients' parsers).
build/fuzz/fuzz_npr: tests/fuzz/fuzz_npr.c netprobe/npr.c netprobe/npr.h netprobe/addr.c netprobe/addr.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_npr.c netprobe/npr.c netprobe/addr.c

# The TLS record walker explain reads captures' TCP payloads with, and
# the alert names it checks against.
build/fuzz/fuzz_tls_record: tests/fuzz/fuzz_tls_record.c netprobe/tls_record.c netprobe/tls_record.h \
		tls/tls_alert.c tls/tls_alert.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_tls_record.c netprobe/tls_record.c \
		tls/tls_alert.c

$(FUZZ_BIN): tests/fuzz/fuzz_dissect.c netprobe/dissect.c netprobe/dissect.h netprobe/error.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Wextra -I. -o $@ tests/fuzz/fuzz_dissect.c netprobe/dissect.c

# The Debian package built, checked (lintian, dpkg-deb -c), installed, used
# as nobody and purged (root; several minutes: not part of `make test`).
.PHONY: test-deb
test-deb: deps $(BIN)
	@NETPROBE=$(abspath $(BIN)) LAB_TESTS=deb tests/lab/run.sh

# netprobe idle with its real defaults against the lab's firewall at 200 s
# and 600 s (about 6.5 minutes, root), then 3,000 short netprobe watch
# cycles asserting flat RSS and descriptors (about 2 minutes): not part of
# `make test`.
.PHONY: test-soak
test-soak: deps $(BIN)
	@NETPROBE=$(abspath $(BIN)) tests/soak/idle_soak.sh
	@NETPROBE=$(abspath $(BIN)) tests/soak/watch_soak.sh

# Benchmarks, each beside a named peer measured in the same run; not part
# of `make test`. DNS: 10,000 names against the lab's unbound beside dnsperf
# and a dig loop; TLS: 300 endpoints beside curl --parallel and an s_client
# loop (both need root: the lab). Revocation: 300 endpoints
# naming 3 CRL URLs, --revocation on against off (overhead, goal
# <= 10 %, and the CRLs fetched: once each). explain: a large synthetic capture
# beside tcpdump -r, time and peak RSS (BENCH_MB=300, BENCH_RUNS=3). idle:
# 10,000 connections held silent 60 s over TCP and TLS, peak RSS and wall
# time beside one process per connection (socat, s_client; about 3 min).
# SYN sweep: all 65,535 ports of the lab server, netprobe tcp --syn beside
# nmap -sS -p- --min-rate 50000: time, RSS, capture drops, open ports
# (BENCH_SYN_RUNS=1). Proxy authentication: 300 endpoints through the
# lab's Kerberos squid, netprobe tls beside curl --proxy-negotiate
# --parallel (BENCH_PROXYAUTH_RUNS=3). watch: CPU seconds per hour of
# watching 5 tcp checks at --every 5s and 60s (BENCH_WATCH_SECONDS=60 of each).
.PHONY: bench
# Every row runs, also after one that misses its goal (one noisy row hides
# no other); the exit status says whether any missed.
BENCHES := dns tls revoc explain syn idle memory proxyauth watch
bench: deps $(BIN)
	@failed=""; for b in $(BENCHES); do \
		NETPROBE=$(abspath $(BIN)) tests/bench/bench_$$b.sh || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "bench: missed its goal or failed:$$failed"; exit 1; fi
