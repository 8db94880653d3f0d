/*
 * Debian security data, two upstream formats, recognised by content:
 *  - the security tracker's JSON (https://security-tracker.debian.org/tracker/data/json):
 *    { source package: { CVE: { description, releases: { codename: { status, fixed_version,
 *    urgency, nodsa_reason } } } } }, parsed one package at a time so memory stays bounded;
 *  - the tracker's advisory lists (data/DSA/list, data/DLA/list):
 *    "[date] DSA-n-m package - text", "{CVE-...}", "[codename] - package version|<state>".
 * Pure: no I/O, no clock.
 */
#ifndef DEBIAN_PARSE_H
#define DEBIAN_PARSE_H

#include <lucid/record.h>
#include <stddef.h>

struct debian_stats {
	size_t records, not_affected, unknown_release, advisories;
};

/*
 * Parse a whole feed document and call emit for every (vulnerability, release, package).
 * Returns 0, LUCID_EPARSE (err describes where) or emit's first error.
 */
int debian_parse(const char *data, size_t len, int (*emit)(void *user, const struct lucid_vuln *v),
                 void *user, struct debian_stats *stats, char *err, size_t errlen);

/* Map a Debian urgency ("low**", "unimportant", ...) to enum lucid_severity. */
int debian_severity(const char *urgency);

#endif
