/*
 * OSV records (https://ossf.github.io/osv-schema/) as lucid vulnerability records, for the
 * distributions lucid indexes. Pure: no I/O; the fuzz target and the unit tests call it.
 */
#ifndef LUCID_OSV_PARSE_H
#define LUCID_OSV_PARSE_H

#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stddef.h>

/* How one OSV ecosystem maps to a lucid namespace. */
struct osv_ecosystem {
	char ns[96];                /* "ubuntu:22.04" */
	const char *version_format; /* "dpkg", "apk", "rpm" */
	int32_t package_kind;       /* enum lucid_package_kind: what affected[].package.name is */
	bool zero_fixed_is_unfixed; /* the publisher writes fixed "0" for "no fix yet" */
	const char *publisher;      /* "Ubuntu", for the severity[] entry of that type */
};

/*
 * Map an ecosystem string ("Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS", "Debian:12",
 * "Alpine:v3.18", "AlmaLinux:8", "Rocky Linux:9", "Chainguard", "Wolfi") to its namespace.
 * \return false for an ecosystem lucid does not index (PyPI, Go, Ubuntu's FIPS streams, ...).
 */
bool osv_ecosystem_map(const char *ecosystem, struct osv_ecosystem *out);

struct osv_stats {
	unsigned long documents;    /* OSV records read */
	unsigned long emitted;      /* lucid records emitted */
	unsigned long foreign;      /* affected[] entries of ecosystems we do not index */
	unsigned long unusable;     /* records or affected[] entries missing what matching needs */
	unsigned long withdrawn;    /* records with "withdrawn" set: nothing emitted */
	unsigned long not_affected; /* ranges that affect no version (introduced 0, fixed 0) */
	unsigned long notices; /* Ubuntu USN-* records skipped (the CVE records say the same) */
};

struct osv_options {
	bool ubuntu_notices; /* also match Ubuntu's USN-* records (default: only UBUNTU-CVE-*) */
};

/*
 * Parse one OSV record (JSON text, len bytes) and emit a record per affected range of each
 * package in an ecosystem we index; records carry document (may be NULL). Canonical publishes
 * each fix twice, as a per-CVE record (UBUNTU-CVE-*) and in a notice (USN-*): notices are
 * skipped (counted) unless opts->ubuntu_notices, so a finding is not reported twice under two
 * names. opts may be NULL (defaults).
 * \return 0 (also when nothing applied: see stats), LUCID_EPARSE with a reason in err for text
 *         that is not a JSON object, or the sink's error.
 */
int osv_parse_record(const char *json, size_t len, const char *document,
                     const struct osv_options *opts, const struct lucid_vuln_sink *out,
                     struct osv_stats *stats, char *err, size_t errlen);

#endif
