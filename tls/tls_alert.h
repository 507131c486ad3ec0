/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TLS_ALERT_H
#define NETPROBE_TLS_ALERT_H

/* TLS alert descriptions in words: the live handshake (tls_conn.c) and the
 * offline reader of captures (netprobe/tls_record.c, netprobe explain)
 * name alerts alike. Pure, with no OpenSSL include, so that netprobe/ can
 * use it without depending on OpenSSL's headers. */

/* The IANA TLS Alerts registry's name for desc ("handshake failure" for
 * 40), "unknown alert" for a value it does not list. */
const char *np_tls_alert_name(int desc);

#endif
