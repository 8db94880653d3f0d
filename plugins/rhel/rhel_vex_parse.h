/*
 * Red Hat CSAF VEX documents (https://security.access.redhat.com/data/csaf/v2/vex/): one CVE
 * per document; product_tree branches name products (a CPE) and components (an rpm purl),
 * relationships join them into the product ids that product_status lists.
 *   fixed               -> state fixed, fixed_in = the component's EPOCH:VERSION-RELEASE
 *   known_affected      -> unfixed (wont-fix when the remediation is no_fix_planned)
 *   known_not_affected  -> recorded as not affected, never reported
 * Only products of Red Hat Enterprise Linux itself (cpe:/[ao]:redhat:enterprise_linux:N) map to
 * a namespace (rhel:N); layered products and EUS/AUS/TUS streams, which need the image's
 * content sets to match correctly, are left out. Pure.
 */
#ifndef RHEL_VEX_PARSE_H
#define RHEL_VEX_PARSE_H

#include <lucid/record.h>
#include <stddef.h>

struct vex_stats {
	size_t documents, records, not_affected, other_products, bad_purls;
	size_t deleted; /* documents whose tracking.status is "deleted": no records */
};

/* Parse one CSAF VEX JSON document. A withdrawn one (document.tracking.status "deleted")
 * parses to no records. */
int vex_parse_document(const char *data, size_t len,
                       int (*emit)(void *user, const struct lucid_vuln *v), void *user,
                       struct vex_stats *stats, char *err, size_t errlen);

/*
 * One row of Red Hat's changes.csv / deletions.csv: "2023/cve-2023-38545.json","2023-10-11T
 * 18:27:12+00:00" (quotes optional). On success *path and *plen point into line and *when is the
 * time in unix seconds. \return 0, or LUCID_EPARSE for a row in another shape. A document path
 * is relative, of [A-Za-z0-9._/-], without "..".
 */
int vex_change_row(const char *line, size_t len, const char **path, size_t *plen, long long *when);

/* "2023-10-31T18:27:12+00:00", "2023-10-31T18:27:12Z" or "2023-10-31" -> unix seconds; -1. */
long long vex_parse_time(const char *s, size_t len);

/* Impact word -> enum lucid_severity (Low, Moderate, Important, Critical). */
int vex_severity(const char *impact);

#endif
