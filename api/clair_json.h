/*
 * Clair-shaped JSON: the v4 IndexReport and VulnerabilityReport lucid answers with, the v4
 * Manifest and v1 Layer requests it accepts. Pure (no I/O); the request parsers are fuzzed.
 * Differences from Clair are listed in README.md ("The HTTP API").
 */
#ifndef API_CLAIR_JSON_H
#define API_CLAIR_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "indexer.h"
#include "model.h"

/* Limits of a request. */
#define CLAIR_MAX_LAYERS  1000
#define CLAIR_MAX_HEADERS 64
#define CLAIR_MAX_STRING  8192

/*
 * Parse a v4 Manifest {"hash", "layers": [{"hash", "uri", "headers": {name: [value, ...]}}]}
 * into m (strings in a). Header names and values are checked (no CR, LF or NUL; names are
 * tokens). \return 0, or LUCID_EPARSE / LUCID_ELIMIT with a message naming the field in err.
 */
int clair_parse_manifest(const char *body, size_t len, struct arena *a, struct remote_manifest *m,
                         char *err, size_t errlen);

/* A v1 layer request {"Layer": {"Name", "Path", "Headers": {name: value}, "ParentName",
 * "Format"}}. */
struct v1_layer_request {
	const char *name, *path, *parent, *format;
	const char *const *headers; /* "Name: value" */
	size_t nheaders;
};
int clair_parse_v1_layer(const char *body, size_t len, struct arena *a,
                         struct v1_layer_request *out, char *err, size_t errlen);

/* Parse a JSON array of digests (bulk delete). */
int clair_parse_digest_list(const char *body, size_t len, struct arena *a, const char ***out,
                            size_t *n, char *err, size_t errlen);

/* The v4 IndexReport of r, as compact JSON (caller frees; *len its length). */
char *clair_index_report(const struct index_report *r, size_t *len);
/* The v4 VulnerabilityReport: the IndexReport plus vulnerabilities and
 * package_vulnerabilities (caller frees). */
char *clair_vulnerability_report(const struct index_report *r, const struct vuln_report *v,
                                 size_t *len);
/* A v1 {"Layer": {...}} answer for the layer named name whose chain coalesced into r. */
json_t *clair_v1_layer(const char *name, const char *parent, const struct index_report *r,
                       const struct vuln_report *v, int features, int vulnerabilities);

#endif
