/*
 * Alpine's security database (secdb, https://secdb.alpinelinux.org/vX.Y/{main,community}.json
 * and the older YAML form of the same data):
 *   distroversion: v3.10, packages: [ {pkg: {name: ORIGIN, secfixes: {FIXED: [CVE-...]}}} ]
 * A fixed version "0" means "not affected". Format recognised by content. Pure.
 */
#ifndef ALPINE_PARSE_H
#define ALPINE_PARSE_H

#include <lucid/record.h>
#include <stddef.h>

/* More records than this from one document is an error (guards YAML alias amplification). */
#define ALPINE_MAX_RECORDS 2000000

struct alpine_stats {
	size_t packages, records, not_affected, bad_versions, bad_ids;
};

int alpine_parse(const char *data, size_t len, int (*emit)(void *user, const struct lucid_vuln *v),
                 void *user, struct alpine_stats *stats, char *err, size_t errlen);

/*
 * The relative links of a directory listing (HTML href="..."), in order. cb returns non-zero
 * to stop; that value is returned.
 */
int alpine_listing_links(const char *html, size_t len,
                         int (*cb)(void *user, const char *href, size_t n), void *user);

#endif
