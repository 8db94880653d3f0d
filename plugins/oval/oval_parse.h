/*
 * OVAL patch definitions of the Red Hat style (rpminfo_test/object/state, "evr less than"),
 * as Oracle Linux (ELSA) and VMware Photon (PHSA) publish them. One streaming pass with
 * libxml2's reader keeps only compact tables (definitions, tests, objects, states); a second
 * step resolves each definition's criteria to (package, fixed evr, arch). Where a definition's
 * tests are absent (excerpts), the criterion comment "NAME is earlier than EVR" is used.
 * Ubuntu's CVE OVAL (OVAL_UBUNTU) is the same shape with dpkginfo tests whose objects name
 * binary packages through a var_ref to a constant_variable; a test without a state, or with
 * "less than 0", is Canonical's "not fixed yet" (every version affected). Pure.
 */
#ifndef OVAL_PARSE_H
#define OVAL_PARSE_H

#include <lucid/record.h>
#include <stddef.h>

enum oval_vendor { OVAL_ORACLE, OVAL_PHOTON, OVAL_UBUNTU };

struct oval_stats {
	size_t definitions, records, from_comments, unknown_platforms;
};

int oval_parse(enum oval_vendor vendor, const char *data, size_t len,
               int (*emit)(void *user, const struct lucid_vuln *v), void *user,
               struct oval_stats *stats, char *err, size_t errlen);

/* Vendor severity word -> enum lucid_severity (Low, Moderate, Important, Critical). */
int oval_severity(const char *s);

#endif
