/**
 * \file lucid/record.h
 * Records that plugins emit, and the host-owned sinks they go to.
 * Plugins fill a record (on the stack is fine) and pass it to a sink's emit(); the host copies
 * every string before emit() returns, so no heap object ever changes owner.
 * All strings are UTF-8, NUL-terminated; NULL means "absent".
 */
#ifndef LUCID_RECORD_H
#define LUCID_RECORD_H

#include "defs.h"

LUCID_BEGIN_DECLS

/** Normalized severities. Values are ABI. */
enum lucid_severity {
	LUCID_SEVERITY_UNKNOWN = 0,
	LUCID_SEVERITY_NEGLIGIBLE = 1,
	LUCID_SEVERITY_LOW = 2,
	LUCID_SEVERITY_MEDIUM = 3,
	LUCID_SEVERITY_HIGH = 4,
	LUCID_SEVERITY_CRITICAL = 5
};

/** What a vulnerability record's package names (1.1). Values are ABI. */
enum lucid_package_kind {
	LUCID_PACKAGE_SOURCE = 0, /**< a source package (Debian, Alpine origins): matched by the
	                               installed package's source name, or its name */
	LUCID_PACKAGE_BINARY = 1  /**< a binary package (rpm advisories): matched by name only */
};

/** Fix states of a vulnerability record. Values are ABI. */
enum lucid_vuln_state {
	LUCID_STATE_FIXED = 0,        /**< fixed_in names the first fixed version */
	LUCID_STATE_UNFIXED = 1,      /**< open: every version is affected, no fix yet */
	LUCID_STATE_END_OF_LIFE = 2,  /**< the distribution will not fix it in this release */
	LUCID_STATE_UNDETERMINED = 3, /**< the vendor has not decided; treated as affected */
	LUCID_STATE_WONT_FIX = 4,     /**< the vendor decided not to fix it (ignored/postponed) */
	LUCID_STATE_NOT_AFFECTED =
	        5 /**< 1.1: the vendor states it does not apply; never reported */
};

/** An operating-system namespace, e.g. name "debian:12". */
struct lucid_namespace {
	uint32_t size;
	const char *name;           /**< "<id>:<version_id>", e.g. "debian:12"; required */
	const char *id;             /**< os-release ID, e.g. "debian" */
	const char *version_id;     /**< os-release VERSION_ID, e.g. "12" */
	const char *version_format; /**< comparator for this namespace's packages, e.g. "dpkg" */
	const char *pretty_name;    /**< os-release PRETTY_NAME */
	/* 1.2 */
	const char *based_on; /**< a namespace whose vulnerability data also applies to this one
	                           (a rebuild of another distribution: "rhel:7" for "centos:7"),
	                           or NULL */
};

/** An installed package (a "feature" in Clair's words). */
struct lucid_package {
	uint32_t size;
	const char *name;           /**< binary package name; required */
	const char *version;        /**< installed version; required */
	const char *source_name;    /**< source package name; NULL when equal to name */
	const char *source_version; /**< source version; NULL when equal to version */
	const char *arch;           /**< e.g. "amd64", "all" */
	const char *version_format; /**< e.g. "dpkg"; required */
	const char *db_path; /**< the package database it came from, e.g. "var/lib/dpkg/status" */
	/* 1.1 */
	const char
	        *module; /**< modular rpm stream "name:stream" (RPMTAG_MODULARITYLABEL), or NULL */
};

/**
 * A vulnerability as a feed states it for one package in one namespace.
 * Feeds that name source packages set package to the source name.
 */
struct lucid_vuln {
	uint32_t size;
	const char *id;              /**< "CVE-2023-1234", "DSA-5380-1"; required */
	const char *namespace_name;  /**< "debian:11"; required */
	const char *package;         /**< the package name the feed names; required */
	const char *version_format;  /**< the comparator for fixed_in, e.g. "dpkg"; required */
	const char *fixed_in;        /**< first fixed version; NULL unless state is FIXED */
	int32_t state;               /**< enum lucid_vuln_state */
	int32_t severity;            /**< enum lucid_severity */
	const char *vendor_severity; /**< the feed's own severity string, e.g. "high**" */
	const char *description;     /**< one paragraph, or NULL */
	const char *links;           /**< space-separated URLs, or NULL */
	const char *advisory;        /**< the advisory that announced the fix, e.g. "DSA-5380-1" */
	int64_t published;           /**< unix seconds, 0 if unknown */
	/* 1.1 */
	int32_t package_kind; /**< enum lucid_package_kind */
	const char *arch;     /**< architectures it applies to, "x86_64|aarch64"; NULL: all */
	const char *module;   /**< modular stream "name:stream" it applies to, or NULL */
	/* 1.2 */
	const char *document; /**< the upstream document the record comes from (e.g.
	                           "2023/cve-2023-38545.json"), or NULL. Records of one document
	                           are replaced together by an incremental update
	                           (lucid_fetcher_ops::changes). */
	/* 1.3 */
	const char *introduced;    /**< the first affected version; NULL or "0": every version
	                                before the fix (or last_affected) is affected */
	const char *last_affected; /**< the last affected version, inclusive, for a range that
	                                ends without a fix (OSV "last_affected"); or NULL */
	const char *aliases;       /**< space-separated other ids of the same vulnerability
	                                ("CVE-2016-20013" for "UBUNTU-CVE-2016-20013"), or NULL;
	                                enrichments are looked up by id and by these */
};

/** Which parts of a struct lucid_enrichment are set (1.3). Values are ABI. */
enum lucid_enrichment_part {
	LUCID_ENRICH_CVSS3 = 1u << 0, /**< cvss3_vector and cvss3_score */
	LUCID_ENRICH_CVSS4 = 1u << 1, /**< cvss4_vector and cvss4_score */
	LUCID_ENRICH_EPSS = 1u << 2,  /**< epss, epss_percentile, epss_date */
	LUCID_ENRICH_KEV = 1u << 3    /**< kev_added, kev_due, kev_ransomware */
};

/**
 * What a source states about one CVE, independent of any distribution (1.3): NVD's CVSS
 * scores, FIRST's EPSS probability, CISA's Known Exploited Vulnerabilities catalog. The host
 * stores it once, keyed by the CVE, and attaches it to every finding of that CVE when it
 * reports; it is never copied into vulnerability records.
 */
struct lucid_enrichment {
	uint32_t size;
	const char *cve;          /**< "CVE-2021-44228"; required */
	uint32_t parts;           /**< enum lucid_enrichment_part: which fields below are set */
	const char *cvss3_vector; /**< "CVSS:3.1/AV:N/AC:L/..." */
	double cvss3_score;       /**< the base score the source states, 0.0-10.0 */
	const char *cvss4_vector; /**< "CVSS:4.0/AV:N/..." */
	double cvss4_score;       /**< 0.0-10.0 */
	double epss;              /**< probability of exploitation in the next 30 days, 0-1 */
	double epss_percentile;   /**< 0-1 */
	const char *epss_date;    /**< the model's score date "2023-12-25", or NULL */
	const char *kev_added;    /**< the date CISA added it "2021-12-10" */
	const char *kev_due;      /**< CISA's remediation due date, or NULL */
	const char
	        *kev_ransomware; /**< "Known" or "Unknown" use in ransomware campaigns, or NULL */
};

/** A zero-initialised record of type \p T with its size set. */
#define LUCID_RECORD_INIT(T) ((struct T){.size = sizeof(struct T)})

/** Where a detector puts the namespace it found. Ownership: host; valid during the callback. */
struct lucid_namespace_sink {
	uint32_t size;
	void *priv;
	/** Copy \p ns into the host. \return 0, or < 0 to make the plugin stop. */
	int (*emit)(void *priv, const struct lucid_namespace *ns);
};

/** Where a lister puts packages. Ownership: host; valid during the callback. */
struct lucid_package_sink {
	uint32_t size;
	void *priv;
	/** Copy \p pkg into the host. \return 0, or < 0 (e.g. LUCID_ELIMIT) to make the plugin
	 * stop. */
	int (*emit)(void *priv, const struct lucid_package *pkg);
};

/** Where a fetcher's parser puts vulnerabilities. Ownership: host; valid during the callback. */
struct lucid_vuln_sink {
	uint32_t size;
	void *priv;
	/** Copy \p v into the host. \return 0, or < 0 to make the plugin stop. */
	int (*emit)(void *priv, const struct lucid_vuln *v);
	/* 1.3 */
	/**
	 * Copy one CVE's enrichment into the host; it replaces what this feed stated about that
	 * CVE before. A host older than 1.3 has no such slot: check with
	 * LUCID_HAS(sink, struct lucid_vuln_sink, enrich) and fail with LUCID_EABI.
	 * \return 0, or < 0 to make the plugin stop.
	 */
	int (*enrich)(void *priv, const struct lucid_enrichment *en);
};

LUCID_END_DECLS

#endif
