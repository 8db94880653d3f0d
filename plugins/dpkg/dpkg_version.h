/* Debian version strings: parsing and ordering exactly as dpkg does (lib/dpkg/version.c). */
#ifndef DPKG_VERSION_H
#define DPKG_VERSION_H

#include <stdbool.h>

/*
 * Compare two Debian versions. *cmp receives < 0, 0 or > 0.
 * Returns 0, or LUCID_EVERSION when either string has one of dpkg's hard syntax errors (empty,
 * embedded space, bad epoch, nothing after the colon, empty revision). Like
 * `dpkg --compare-versions`, softer problems (a letter first, odd characters) still compare.
 */
int dpkg_version_compare(const char *a, const char *b, int *cmp);
/* Returns 0 for a version dpkg accepts without warning, else LUCID_EVERSION. */
int dpkg_version_validate(const char *v);

#endif
