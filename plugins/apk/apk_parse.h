/*
 * apk's installed database (lib/apk/db/installed): records of "X:value" lines separated by
 * blank lines. P name, V version, A arch, o origin (the source package), c commit.
 * Pure: bounded reads, no allocation that outlives a call.
 */
#ifndef APK_PARSE_H
#define APK_PARSE_H

#include <stddef.h>

struct apk_pkg {
	const char *name, *version, *arch, *origin, *commit;
};

struct apk_stats {
	size_t records, packages, skipped; /* skipped: no name, no version, or a bad version */
};

/*
 * Call cb for every package. Returns 0; LUCID_NOT_FOUND when there is no package record at
 * all (empty, or not an apk database); LUCID_EPARSE for binary data; or cb's first non-zero.
 */
int apk_parse_installed(const char *data, size_t len,
                        int (*cb)(void *user, const struct apk_pkg *p), void *user,
                        struct apk_stats *stats);

#endif
