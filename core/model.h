/* In-memory records of the core: namespaces, packages, layer results, index reports. */
#ifndef CORE_MODEL_H
#define CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct ns_rec {
	char *name, *id, *version_id, *version_format, *pretty_name;
	char *based_on; /* a namespace whose vulnerability data also applies, or NULL */
};

struct pkg_rec {
	char *name, *version, *source_name, *source_version, *arch, *version_format, *db_path;
	char *module;   /* modular rpm stream, or NULL */
	uint32_t layer; /* index of the layer that introduced it */
};

/* What detectors and listers found in one layer. All strings live in an arena. */
struct layer_result {
	struct ns_rec *ns; /* NULL if none detected */
	struct pkg_rec *pkgs;
	size_t npkgs, cap;
	char **whiteouts; /* relevant whiteouts, "dir/" for opaque directories */
	size_t nwh;
};

struct layer_info {
	char *digest;
	char *diff_id;
	bool cached;
	struct layer_result *res;
};

struct index_report {
	char *manifest_digest;
	char *ref;
	char *config;
	char *source; /* what the user named */
	char *format; /* "docker-archive", "oci", "rootfs", "layer" */
	struct layer_info *layers;
	size_t nlayers;
	struct ns_rec *ns;
	struct pkg_rec *pkgs;
	size_t npkgs;
	char *state;     /* the index state it was made under (a digest of the scanner set) */
	int64_t indexed; /* unix seconds, when it was stored */
};

/* A vulnerability record as stored (strings in an arena). */
struct vuln_rec {
	char *feed, *id, *ns, *package, *version_format, *fixed_in, *vendor_severity, *description,
	        *links, *advisory;
	int32_t state, severity;
	int64_t published;
	int32_t package_kind; /* enum lucid_package_kind */
	char *arch, *module;  /* constraints, or NULL */
	char *document;       /* the upstream document, or NULL */
	char *introduced;     /* first affected version, or NULL (every version) */
	char *last_affected;  /* last affected version (inclusive), or NULL */
	char *aliases;        /* space-separated other ids, or NULL */
};

/* What one feed states about one CVE (struct lucid_enrichment as stored). */
struct enrich_rec {
	char *feed, *cve;
	uint32_t parts; /* enum lucid_enrichment_part */
	char *cvss3_vector, *cvss4_vector;
	double cvss3_score, cvss4_score, epss, epss_percentile;
	char *epss_date, *kev_added, *kev_due, *kev_ransomware;
};

/* A match: package pkg is affected by vuln. */
struct match {
	const struct pkg_rec *pkg;
	struct vuln_rec *vuln;
	const char *installed;     /* the version compared (binary or source) */
	const char *cve;           /* the CVE its enrichments are looked up by, or NULL */
	struct enrich_rec *enrich; /* what the enrichment feeds state about cve, merged; NULL */
	const char *suppressed;    /* why an ignore rule or VEX statement hides it, or NULL */
};

struct vuln_report {
	struct match *m;
	size_t n;
};

const char *severity_name(int32_t s);
const char *state_name(int32_t s);

#endif
