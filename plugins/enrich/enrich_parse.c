#include "enrich_parse.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cvss.h"

#define CVE_DOC_MAX   (16u * 1024 * 1024) /* one NVD CVE object */
#define NESTING_MAX   4096
#define EPSS_LINE_MAX 512

/* A growable byte buffer (these parsers are plugins: no core helpers). */
struct bytes {
	char *p;
	size_t n, cap;
};

static int bytes_add(struct bytes *b, const char *p, size_t n, size_t max)
{
	if (b->n + n > max)
		return LUCID_ELIMIT;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- NVD ---- */

/* The metric to use from one cvssMetricV3x/V40 list: NVD's own ("Primary") first. */
static const json_t *pick_metric(const json_t *list)
{
	const json_t *first = NULL, *m;
	size_t i;
	json_array_foreach (list, i, m) {
		const json_t *data = json_object_get(m, "cvssData");
		if (!str_of(data, "vectorString") ||
		    !json_is_number(json_object_get(data, "baseScore")))
			continue;
		const char *type = str_of(m, "type");
		if (type && !strcmp(type, "Primary"))
			return m;
		if (!first)
			first = m;
	}
	return first;
}

static bool is_primary(const json_t *m)
{
	const char *type = m ? str_of(m, "type") : NULL;
	return type && !strcmp(type, "Primary");
}

static int nvd_cve(const json_t *cve, const struct lucid_vuln_sink *out, struct enrich_stats *st)
{
	const char *id = str_of(cve, "id"), *status = str_of(cve, "vulnStatus");
	st->entries++;
	if (!id || strncmp(id, "CVE-", 4) != 0 || (status && !strcmp(status, "Rejected"))) {
		st->without_metric++;
		return 0;
	}
	const json_t *metrics = json_object_get(cve, "metrics");
	const json_t *v31 = pick_metric(json_object_get(metrics, "cvssMetricV31"));
	const json_t *v30 = pick_metric(json_object_get(metrics, "cvssMetricV30"));
	const json_t *v40 = pick_metric(json_object_get(metrics, "cvssMetricV40"));
	/* NVD's own v3.0 analysis over a third party's v3.1 one */
	const json_t *v3 = v31 && (is_primary(v31) || !is_primary(v30)) ? v31 : v30;
	struct lucid_enrichment en = LUCID_RECORD_INIT(lucid_enrichment);
	en.cve = id;
	if (v3) {
		const json_t *d = json_object_get(v3, "cvssData");
		en.cvss3_vector = str_of(d, "vectorString");
		en.cvss3_score = json_number_value(json_object_get(d, "baseScore"));
		en.parts |= LUCID_ENRICH_CVSS3;
		struct cvss3 c;
		char why[128];
		if (cvss3_parse(en.cvss3_vector, strlen(en.cvss3_vector), &c, why, sizeof why) != 0)
			st->bad_vector++;
		else if (fabs(c.base - en.cvss3_score) > 0.05)
			st->score_mismatch++;
	}
	if (v40) {
		const json_t *d = json_object_get(v40, "cvssData");
		en.cvss4_vector = str_of(d, "vectorString");
		en.cvss4_score = json_number_value(json_object_get(d, "baseScore"));
		en.parts |= LUCID_ENRICH_CVSS4;
	}
	if (!en.parts) {
		st->without_metric++;
		return 0;
	}
	st->emitted++;
	return out->enrich(out->priv, &en);
}

/*
 * A byte scanner over the document that finds the top-level "vulnerabilities" array and cuts
 * out each of its elements for jansson, tracking only strings and nesting.
 */
struct nvd_scan {
	int depth;
	bool in_string, escape;
	int key_state;    /* 1: just read the string "vulnerabilities" at depth 1; 2: and ':' */
	struct bytes key; /* the string being read at depth 1 */
	bool in_array, seen_array, capturing, top_seen;
	struct bytes elem;
};

static int nvd_element(struct nvd_scan *s, const struct lucid_vuln_sink *out,
                       struct enrich_stats *st, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *e = json_loadb(s->elem.p, s->elem.n, 0, &jerr);
	s->elem.n = 0;
	if (!e) {
		snprintf(err, errlen, "a CVE entry is not JSON: %s", jerr.text);
		return LUCID_EPARSE;
	}
	int rc = 0;
	const json_t *cve = json_object_get(e, "cve");
	if (json_is_object(cve))
		rc = nvd_cve(cve, out, st);
	json_decref(e);
	return rc;
}

static int nvd_byte(struct nvd_scan *s, char c, const struct lucid_vuln_sink *out,
                    struct enrich_stats *st, char *err, size_t errlen)
{
	int rc;
	if (s->capturing && (rc = bytes_add(&s->elem, &c, 1, CVE_DOC_MAX)) < 0) {
		snprintf(err, errlen, "a CVE entry is larger than %u bytes", CVE_DOC_MAX);
		return rc;
	}
	if (s->in_string) {
		if (s->escape)
			s->escape = false;
		else if (c == '\\')
			s->escape = true;
		else if (c == '"') {
			s->in_string = false;
			if (s->depth == 1)
				s->key_state =
				        s->key.n == 15 && !memcmp(s->key.p, "vulnerabilities", 15);
			return 0;
		}
		if (s->depth == 1 && s->key.n < 32)
			return bytes_add(&s->key, &c, 1, 32);
		return 0;
	}
	if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
		return 0;
	if (!s->top_seen) {
		if (c != '{') {
			snprintf(err, errlen, "not an NVD CVE API 2.0 document (no JSON object)");
			return LUCID_EPARSE;
		}
		s->top_seen = true;
	}
	int key_state = s->key_state;
	s->key_state = 0;
	switch (c) {
	case '"':
		s->in_string = true;
		s->key.n = 0;
		break;
	case ':': s->key_state = key_state == 1 ? 2 : 0; break;
	case '{':
	case '[':
		if (c == '[' && s->depth == 1 && key_state == 2 && !s->seen_array)
			s->in_array = s->seen_array = true;
		if (s->in_array && s->depth == 2 && c == '{' && !s->capturing) {
			s->capturing = true;
			s->elem.n = 0;
			if ((rc = bytes_add(&s->elem, &c, 1, CVE_DOC_MAX)) < 0)
				return rc;
		}
		if (++s->depth > NESTING_MAX) {
			snprintf(err, errlen, "JSON nested deeper than %d", NESTING_MAX);
			return LUCID_EPARSE;
		}
		break;
	case '}':
	case ']':
		if (--s->depth < 0) {
			snprintf(err, errlen, "unbalanced JSON");
			return LUCID_EPARSE;
		}
		if (s->capturing && s->depth == 2 && c == '}') {
			s->capturing = false;
			return nvd_element(s, out, st, err, errlen);
		}
		if (s->in_array && s->depth == 1)
			s->in_array = false;
		break;
	default: break;
	}
	return 0;
}

int nvd_parse(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
              struct enrich_stats *stats, char *err, size_t errlen)
{
	struct nvd_scan s = {0};
	char buf[65536];
	int rc = 0;
	int64_t n;
	while (rc == 0 && (n = body->read(body->priv, buf, sizeof buf)) > 0)
		for (int64_t i = 0; rc == 0 && i < n; i++)
			rc = nvd_byte(&s, buf[i], out, stats, err, errlen);
	if (rc == 0 && n < 0) {
		rc = (int)n;
		snprintf(err, errlen, "reading the feed failed");
	}
	if (rc == 0 && (s.depth != 0 || s.in_string || !s.top_seen)) {
		snprintf(err, errlen, "truncated NVD document");
		rc = LUCID_EPARSE;
	}
	if (rc == 0 && !s.seen_array) {
		snprintf(err, errlen, "not an NVD CVE API 2.0 document (no \"vulnerabilities\")");
		rc = LUCID_EPARSE;
	}
	free(s.key.p);
	free(s.elem.p);
	return rc;
}

/* ---- EPSS ---- */

static bool parse_unit(const char *s, const char *end, double *out)
{
	if (s == end || end - s > 32)
		return false;
	char tmp[40];
	memcpy(tmp, s, (size_t)(end - s));
	tmp[end - s] = 0;
	char *e;
	errno = 0;
	double d = strtod(tmp, &e);
	if (errno || *e || !(d >= 0.0 && d <= 1.0))
		return false;
	*out = d;
	return true;
}

static int epss_line(char *line, size_t len, unsigned long lineno, char *date, bool *header,
                     const struct lucid_vuln_sink *out, struct enrich_stats *st, char *err,
                     size_t errlen)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = 0;
	if (!len)
		return 0;
	if (line[0] == '#') {
		/* "#model_version:v2023.03.01,score_date:2024-10-25T00:00:00+0000" */
		const char *d = strstr(line, "score_date:");
		if (d && strlen(d + 11) >= 10)
			snprintf(date, 11, "%s", d + 11);
		return 0;
	}
	if (!*header) {
		if (strcmp(line, "cve,epss,percentile") != 0) {
			snprintf(err, errlen,
			         "not an EPSS CSV (line %lu is not \"cve,epss,percentile\")",
			         lineno);
			return LUCID_EPARSE;
		}
		*header = true;
		return 0;
	}
	char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
	double epss, pct;
	if (!c1 || !c2 || strchr(c2 + 1, ',') || strncmp(line, "CVE-", 4) != 0 || c1 - line > 64 ||
	    !parse_unit(c1 + 1, c2, &epss) || !parse_unit(c2 + 1, line + len, &pct)) {
		snprintf(err, errlen, "EPSS CSV line %lu is not \"CVE-id,probability,percentile\"",
		         lineno);
		return LUCID_EPARSE;
	}
	*c1 = 0;
	struct lucid_enrichment en = LUCID_RECORD_INIT(lucid_enrichment);
	en.cve = line;
	en.parts = LUCID_ENRICH_EPSS;
	en.epss = epss;
	en.epss_percentile = pct;
	en.epss_date = date[0] ? date : NULL;
	st->entries++;
	st->emitted++;
	return out->enrich(out->priv, &en);
}

int epss_parse(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
               struct enrich_stats *stats, char *err, size_t errlen)
{
	char buf[65536], line[EPSS_LINE_MAX + 1], date[11] = "";
	size_t ll = 0;
	unsigned long lineno = 1;
	bool header = false, overlong = false;
	int rc = 0;
	int64_t n;
	while (rc == 0 && (n = body->read(body->priv, buf, sizeof buf)) > 0) {
		for (int64_t i = 0; rc == 0 && i < n; i++) {
			char c = buf[i];
			if (c == '\n') {
				line[ll] = 0;
				if (overlong) {
					snprintf(err, errlen, "EPSS CSV line %lu is too long",
					         lineno);
					rc = LUCID_EPARSE;
				} else {
					rc = epss_line(line, ll, lineno, date, &header, out, stats,
					               err, errlen);
				}
				ll = 0;
				overlong = false;
				lineno++;
			} else if (c == 0) {
				snprintf(err, errlen, "EPSS CSV line %lu holds a NUL byte", lineno);
				rc = LUCID_EPARSE;
			} else if (ll < EPSS_LINE_MAX) {
				line[ll++] = c;
			} else {
				overlong = true;
			}
		}
	}
	if (rc == 0 && n < 0) {
		rc = (int)n;
		snprintf(err, errlen, "reading the feed failed");
	}
	if (rc == 0 && ll) {
		line[ll] = 0;
		rc = overlong ? LUCID_EPARSE
		              : epss_line(line, ll, lineno, date, &header, out, stats, err, errlen);
	}
	if (rc == 0 && !header) {
		snprintf(err, errlen, "not an EPSS CSV (no \"cve,epss,percentile\" header)");
		rc = LUCID_EPARSE;
	}
	return rc;
}

/* ---- CISA KEV ---- */

int kev_parse(const struct lucid_reader *body, const struct lucid_vuln_sink *out,
              struct enrich_stats *stats, char *err, size_t errlen)
{
	struct bytes b = {0};
	char buf[65536];
	int64_t n;
	int rc = 0;
	while (rc == 0 && (n = body->read(body->priv, buf, sizeof buf)) > 0)
		rc = bytes_add(&b, buf, (size_t)n, KEV_MAX);
	if (rc == 0 && n < 0)
		rc = (int)n;
	if (rc < 0) {
		snprintf(err, errlen,
		         rc == LUCID_ELIMIT ? "the catalog is larger than the limit"
		                            : "reading the feed failed");
		free(b.p);
		return rc;
	}
	json_error_t jerr;
	json_t *root = b.p ? json_loadb(b.p, b.n, 0, &jerr) : NULL;
	free(b.p);
	const json_t *list = json_object_get(root, "vulnerabilities");
	if (!root || !json_is_array(list) || !str_of(root, "catalogVersion")) {
		snprintf(err, errlen, "not a CISA KEV catalog: %s",
		         !root ? (b.n ? jerr.text : "empty")
		               : "no catalogVersion and vulnerabilities");
		json_decref(root);
		return LUCID_EPARSE;
	}
	size_t i;
	const json_t *e;
	json_array_foreach (list, i, e) {
		stats->entries++;
		const char *cve = str_of(e, "cveID"), *added = str_of(e, "dateAdded");
		if (!cve || strncmp(cve, "CVE-", 4) != 0 || !added || !*added)
			continue;
		struct lucid_enrichment en = LUCID_RECORD_INIT(lucid_enrichment);
		en.cve = cve;
		en.parts = LUCID_ENRICH_KEV;
		en.kev_added = added;
		en.kev_due = str_of(e, "dueDate");
		en.kev_ransomware = str_of(e, "knownRansomwareCampaignUse");
		stats->emitted++;
		if ((rc = out->enrich(out->priv, &en)) < 0)
			break;
	}
	json_decref(root);
	return rc;
}
