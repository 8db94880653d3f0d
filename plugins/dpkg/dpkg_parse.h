/*
 * Parsing dpkg's status database (var/lib/dpkg/status) and distroless per-package files
 * (var/lib/dpkg/status.d/NAME): RFC 822-style paragraphs. Pure: no I/O, no allocation that
 * outlives a call. Input is hostile: every read is bounded by len.
 */
#ifndef DPKG_PARSE_H
#define DPKG_PARSE_H

#include <stdbool.h>
#include <stddef.h>

struct dpkg_pkg {
	const char *name, *version, *arch;
	const char *source;         /* the Source: name, or NULL */
	const char *source_version; /* from "Source: name (version)", or NULL */
	const char *status;         /* the Status: field, or NULL */
};

struct dpkg_stats {
	size_t paragraphs, installed, not_installed, skipped_no_version, skipped_bad_version;
};

/*
 * Call cb for every installed package of a status file. With status_optional (status.d files),
 * a paragraph without a Status field counts as installed.
 * Returns 0; LUCID_NOT_FOUND when the file is not a dpkg database (a vcpkg status file, or no
 * Package paragraphs at all); LUCID_EPARSE for binary data; or cb's first non-zero result.
 */
int dpkg_parse_status(const char *data, size_t len, bool status_optional,
                      int (*cb)(void *user, const struct dpkg_pkg *pkg), void *user,
                      struct dpkg_stats *stats);

/* True when a Status field value says the package is installed ("install ok installed"). */
bool dpkg_status_installed(const char *status);

#endif
