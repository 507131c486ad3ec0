/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_XML_H
#define NETPROBE_XML_H

#include <stdio.h>

/* str as XML 1.0 text or attribute value (JUnit, XHTML, SVG): the five
 * specials escaped, control characters but tab, LF and CR as '?', bytes
 * that are not UTF-8 as U+FFFD. NULL writes nothing. */
void np_xml_escaped(FILE *out, const char *str);

/* tmpl copied as it is (trusted markup), each %s replaced by the next
 * argument escaped as np_xml_escaped does; %% is one %. Nothing else is
 * a conversion: numbers go through fprintf. */
void np_xml_fill(FILE *out, const char *tmpl, ...) __attribute__((format(printf, 2, 3)));

#endif
