/*
 * Parsers of the three CVE enrichment formats: NVD's CVE API 2.0 JSON (also its yearly JSON
 * 2.0 feeds), FIRST's EPSS CSV and CISA's Known Exploited Vulnerabilities catalog. Pure: the
 * input comes through a lucid_reader, records go to a lucid_vuln_sink's enrich(). The fuzz
 * targets and the unit tests call them directly.
 */
#ifndef LUCID_ENRICH_PARSE_H
#define LUCID_ENRICH_PARSE_H

#include <lucid/lucid-sdk.h>
#include <stddef.h>

struct enrich_stats {
	unsigned long entries;        /* CVEs (NVD), rows (EPSS), catalog entries (KEV) read */
	unsigned long emitted;        /* enrichments emitted */
	unsigned long without_metric; /* NVD: CVEs without a CVSS v3/v4 metric, or rejected */
	unsigned long score_mismatch; /* NVD: stated v3 base scores that differ from the vector's */
	unsigned long bad_vector;     /* NVD: v3 vectors that do not parse (kept as stated) */
};

/*
 * NVD CVE API 2.0 ({"vulnerabilities": [{"cve": {...}}, ...]}), read as a stream: one CVE
 * in memory at a time, so a yearly feed of hundreds of megabytes costs a few kilobytes. Per
 * CVE: the CVSS v3 metric NVD itself states ("Primary"), else the first other; v3.1 before
 * v3.0; and the v4.0 metric likewise. Every v3 score is recomputed from its vector and
 * mismatches are counted (the stated score is kept: it is the source's word).
 * \return 0, LUCID_EPARSE with a reason in err (not such a document, or truncated), or the
 *         sink's / reader's error.
 */
int nvd_parse(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
              struct enrich_stats *stats, char *err, size_t errlen);

/*
 * FIRST EPSS CSV: an optional "#model_version:...,score_date:..." line, the header
 * "cve,epss,percentile", then one row per CVE. \return as nvd_parse (a malformed row fails
 * the whole file, naming its line).
 */
int epss_parse(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
               struct enrich_stats *stats, char *err, size_t errlen);

/*
 * CISA KEV catalog JSON ({"catalogVersion", "vulnerabilities": [{"cveID", "dateAdded",
 * "dueDate", "knownRansomwareCampaignUse", ...}]}), at most KEV_MAX bytes (the catalog is
 * ~1 MB). \return as nvd_parse.
 */
#define KEV_MAX (64u * 1024 * 1024)
int kev_parse(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
              struct enrich_stats *stats, char *err, size_t errlen);

/* The three parsers have one signature. */
typedef int (*enrich_parser)(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
                             struct enrich_stats *stats, char *err, size_t errlen);

#endif
