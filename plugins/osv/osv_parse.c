#include "osv_parse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cvss.h"

#define DESCRIPTION_MAX 4096
#define LINKS_MAX       16
#define ALIASES_MAX     1024

/* A version or release token: short, and only characters a namespace name may hold. */
static bool release_token(const char *s, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void set_ns(struct osv_ecosystem *out, const char *id, const char *ver, size_t n)
{
	snprintf(out->ns, sizeof out->ns, "%s:%.*s", id, (int)n, ver);
}

bool osv_ecosystem_map(const char *eco, struct osv_ecosystem *out)
{
	memset(out, 0, sizeof *out);
	out->package_kind = LUCID_PACKAGE_SOURCE;
	if (!eco)
		return false;
	const char *rest;
	if (!strncmp(eco, "Ubuntu:", 7)) {
		/* "Ubuntu:22.04:LTS", "Ubuntu:24.10", "Ubuntu:Pro:18.04:LTS"; the Pro streams
		 * (ESM) state what applies to the same release's installed packages; the FIPS
		 * streams ("Ubuntu:Pro:FIPS-updates:20.04:LTS") are other packages */
		rest = eco + 7;
		if (!strncmp(rest, "Pro:", 4))
			rest += 4;
		if (!strncmp(rest, "FIPS", 4))
			return false;
		const char *end = strchr(rest, ':');
		size_t n = end ? (size_t)(end - rest) : strlen(rest);
		if (!release_token(rest, n) || rest[0] < '0' || rest[0] > '9' ||
		    (end && strcmp(end, ":LTS") != 0))
			return false;
		set_ns(out, "ubuntu", rest, n);
		out->version_format = "dpkg";
		out->zero_fixed_is_unfixed = true;
		out->publisher = "Ubuntu";
		return true;
	}
	static const struct {
		const char *prefix, *id, *format;
		int32_t kind;
	} versioned[] = {
	        {"Debian:", "debian", "dpkg", LUCID_PACKAGE_SOURCE},
	        {"Alpine:", "alpine", "apk", LUCID_PACKAGE_SOURCE},
	        {"AlmaLinux:", "almalinux", "rpm", LUCID_PACKAGE_BINARY},
	        {"Rocky Linux:", "rocky", "rpm", LUCID_PACKAGE_BINARY},
	};
	for (size_t i = 0; i < sizeof versioned / sizeof versioned[0]; i++) {
		size_t pl = strlen(versioned[i].prefix);
		if (strncmp(eco, versioned[i].prefix, pl) != 0)
			continue;
		rest = eco + pl;
		if (!release_token(rest, strlen(rest)))
			return false;
		set_ns(out, versioned[i].id, rest, strlen(rest));
		out->version_format = versioned[i].format;
		out->package_kind = versioned[i].kind;
		return true;
	}
	/* rolling distributions: one namespace each */
	if (!strcmp(eco, "Chainguard") || !strcmp(eco, "Wolfi")) {
		snprintf(out->ns, sizeof out->ns, "%s:rolling",
		         eco[0] == 'C' ? "chainguard" : "wolfi");
		out->version_format = "apk";
		return true;
	}
	return false;
}

static const char *str_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int32_t severity_word(const char *s)
{
	static const struct {
		const char *word;
		int32_t sev;
	} words[] = {{"negligible", LUCID_SEVERITY_NEGLIGIBLE},
	             {"low", LUCID_SEVERITY_LOW},
	             {"medium", LUCID_SEVERITY_MEDIUM},
	             {"moderate", LUCID_SEVERITY_MEDIUM},
	             {"high", LUCID_SEVERITY_HIGH},
	             {"important", LUCID_SEVERITY_HIGH},
	             {"critical", LUCID_SEVERITY_CRITICAL}};
	for (size_t i = 0; s && i < sizeof words / sizeof words[0]; i++)
		if (!strcasecmp(s, words[i].word))
			return words[i].sev;
	return LUCID_SEVERITY_UNKNOWN;
}

static int32_t severity_of_score(double score)
{
	if (score >= 9.0)
		return LUCID_SEVERITY_CRITICAL;
	if (score >= 7.0)
		return LUCID_SEVERITY_HIGH;
	if (score >= 4.0)
		return LUCID_SEVERITY_MEDIUM;
	if (score > 0.0)
		return LUCID_SEVERITY_LOW;
	return LUCID_SEVERITY_NEGLIGIBLE;
}

struct severity {
	int32_t level;
	char text[160];
};

/*
 * The severity: the publisher's own word (severity[] of the publisher's type, e.g. "Ubuntu"),
 * else the base score of a CVSS v3 vector (computed; v4 vectors are kept as text only), else
 * database_specific.severity.
 */
static void pick_severity(const json_t *list, const json_t *dbs, const char *publisher,
                          struct severity *out)
{
	size_t i;
	const json_t *s;
	int32_t cvss_level = -1;
	char cvss_text[160] = "";
	json_array_foreach (list, i, s) {
		const char *type = str_of(s, "type"), *score = str_of(s, "score");
		if (!type || !score)
			continue;
		if (publisher && !strcmp(type, publisher) && severity_word(score)) {
			out->level = severity_word(score);
			snprintf(out->text, sizeof out->text, "%s", score);
			return;
		}
		if (!strcmp(type, "CVSS_V3") && cvss_level < 0) {
			struct cvss3 c;
			char why[128];
			if (cvss3_parse(score, strlen(score), &c, why, sizeof why) == 0) {
				cvss_level = severity_of_score(c.base);
				snprintf(cvss_text, sizeof cvss_text, "%s", score);
			}
		} else if (!cvss_text[0] &&
		           (!strcmp(type, "CVSS_V4") || !strcmp(type, "CVSS_V2"))) {
			snprintf(cvss_text, sizeof cvss_text, "%s", score);
		}
	}
	if (cvss_level >= 0) {
		out->level = cvss_level;
		snprintf(out->text, sizeof out->text, "%s", cvss_text);
		return;
	}
	const char *word = str_of(dbs, "severity");
	if (word && severity_word(word)) {
		out->level = severity_word(word);
		snprintf(out->text, sizeof out->text, "%s", word);
		return;
	}
	out->level = LUCID_SEVERITY_UNKNOWN;
	snprintf(out->text, sizeof out->text, "%s", cvss_text);
}

/* RFC 3339 "2022-02-19T05:15:00Z" (fraction and offset allowed) to unix seconds; 0 if not. */
static int64_t parse_time(const char *s)
{
	struct tm tm = {0};
	int n = 0;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return 0;
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	int64_t t = (int64_t)timegm(&tm);
	const char *p = s + n;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	int oh, om;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		t += (*p == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	return t;
}

/* Append word to a space-separated list in buf (cap bytes), unless it is there or no room. */
static void add_word(char *buf, size_t cap, const char *w)
{
	size_t wl = strlen(w), bl = strlen(buf);
	if (!wl || strchr(w, ' '))
		return;
	for (const char *p = buf; (p = strstr(p, w));) {
		if ((p == buf || p[-1] == ' ') && (p[wl] == 0 || p[wl] == ' '))
			return;
		p += wl;
	}
	if (bl + wl + 2 > cap)
		return;
	if (bl)
		buf[bl++] = ' ';
	memcpy(buf + bl, w, wl + 1);
}

/* Cut s to at most max bytes on a UTF-8 character boundary. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = 0;
}

struct emitter {
	const struct lucid_vuln_sink *out;
	struct lucid_vuln v; /* the fields shared by every range of the record */
	struct osv_stats *stats;
};

static int emit_range(struct emitter *em, const char *introduced, const char *fixed,
                      const char *last_affected)
{
	struct lucid_vuln v = em->v;
	v.introduced = introduced && strcmp(introduced, "0") != 0 ? introduced : NULL;
	v.fixed_in = NULL;
	v.last_affected = last_affected;
	v.state = LUCID_STATE_UNFIXED;
	if (fixed) {
		v.state = LUCID_STATE_FIXED;
		v.fixed_in = fixed;
	}
	em->stats->emitted++;
	return em->out->emit(em->out->priv, &v);
}

/* One ECOSYSTEM range: events in order, each introduced opening an interval that the next
 * fixed or last_affected closes; an interval still open at the end has no fix. */
static int walk_events(struct emitter *em, const json_t *events, bool zero_unfixed)
{
	const char *open = NULL;
	bool is_open = false;
	size_t i;
	const json_t *ev;
	int rc = 0;
	json_array_foreach (events, i, ev) {
		const char *intro = str_of(ev, "introduced"), *fixed = str_of(ev, "fixed"),
		           *last = str_of(ev, "last_affected");
		if (intro && *intro) {
			if (is_open && (rc = emit_range(em, open, NULL, NULL)) < 0)
				return rc;
			open = intro;
			is_open = true;
		} else if (fixed && *fixed && is_open) {
			is_open = false;
			if (!strcmp(fixed, "0")) {
				/* "fixed 0": per OSV no version is affected; Ubuntu writes it for
				 * "no fix released yet" */
				if (zero_unfixed)
					rc = emit_range(em, open, NULL, NULL);
				else
					em->stats->not_affected++;
			} else {
				rc = emit_range(em, open, fixed, NULL);
			}
		} else if (last && *last && is_open) {
			is_open = false;
			rc = emit_range(em, open, NULL, last);
		}
		if (rc < 0)
			return rc;
	}
	return is_open ? emit_range(em, open, NULL, NULL) : 0;
}

static int parse_affected(struct emitter *em, const json_t *aff, const json_t *record_severity)
{
	const json_t *pkg = json_object_get(aff, "package");
	struct osv_ecosystem eco;
	if (!osv_ecosystem_map(str_of(pkg, "ecosystem"), &eco)) {
		em->stats->foreign++;
		return 0;
	}
	const char *name = str_of(pkg, "name");
	if (!name || !*name || strlen(name) > 256) {
		em->stats->unusable++;
		return 0;
	}
	em->v.namespace_name = eco.ns;
	em->v.package = name;
	em->v.version_format = eco.version_format;
	em->v.package_kind = eco.package_kind;
	struct severity sev;
	const json_t *own = json_object_get(aff, "severity");
	pick_severity(json_array_size(own) ? own : record_severity,
	              json_object_get(aff, "database_specific"), eco.publisher, &sev);
	em->v.severity = sev.level;
	em->v.vendor_severity = sev.text[0] ? sev.text : NULL;

	unsigned long before = em->stats->emitted + em->stats->not_affected;
	bool ranged = false;
	size_t i;
	const json_t *r;
	int rc = 0;
	json_array_foreach (json_object_get(aff, "ranges"), i, r) {
		const char *type = str_of(r, "type");
		if (!type || strcmp(type, "ECOSYSTEM") != 0)
			continue; /* SEMVER and GIT ranges say nothing about distribution packages */
		ranged = true;
		if ((rc = walk_events(em, json_object_get(r, "events"),
		                      eco.zero_fixed_is_unfixed)) < 0)
			return rc;
	}
	/* versions[] enumerates affected versions; it only decides when no range does */
	const json_t *ver;
	if (!ranged)
		json_array_foreach (json_object_get(aff, "versions"), i, ver) {
			if (!json_is_string(ver) || !*json_string_value(ver))
				continue;
			const char *x = json_string_value(ver);
			if ((rc = emit_range(em, x, NULL, x)) < 0)
				return rc;
		}
	if (em->stats->emitted + em->stats->not_affected == before)
		em->stats->unusable++;
	return 0;
}

int osv_parse_record(const char *json, size_t len, const char *document,
                     const struct osv_options *opts, const struct lucid_vuln_sink *out,
                     struct osv_stats *stats, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
	if (!root || !json_is_object(root)) {
		snprintf(err, errlen, "not an OSV record: %s",
		         root ? "the document is not a JSON object" : jerr.text);
		json_decref(root);
		return LUCID_EPARSE;
	}
	stats->documents++;
	const char *id = str_of(root, "id");
	if (!id || !*id || strlen(id) > 200) {
		stats->unusable++;
		json_decref(root);
		return 0;
	}
	if (str_of(root, "withdrawn")) {
		stats->withdrawn++;
		json_decref(root);
		return 0;
	}
	if (!strncmp(id, "USN-", 4) && !(opts && opts->ubuntu_notices)) {
		stats->notices++;
		json_decref(root);
		return 0;
	}
	char aliases[ALIASES_MAX] = "", links[LINKS_MAX * 256 + 1] = "";
	static const char *const alias_keys[] = {"aliases", "upstream"};
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		const json_t *a;
		json_array_foreach (json_object_get(root, alias_keys[k]), i, a) {
			if (json_is_string(a) && strcmp(json_string_value(a), id) != 0)
				add_word(aliases, sizeof aliases, json_string_value(a));
		}
	}
	size_t i, nlinks = 0;
	const json_t *ref;
	json_array_foreach (json_object_get(root, "references"), i, ref) {
		const char *url = str_of(ref, "url");
		if (url && strlen(url) < 255 && nlinks < LINKS_MAX &&
		    (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))) {
			add_word(links, sizeof links, url);
			nlinks++;
		}
	}
	const char *summary = str_of(root, "summary"), *details = str_of(root, "details");
	char *description = NULL;
	const char *text = summary && *summary ? summary : details;
	if (text && *text) {
		description = strdup(text);
		if (description)
			cut_utf8(description, DESCRIPTION_MAX);
	}
	struct emitter em = {.out = out, .stats = stats};
	em.v = LUCID_RECORD_INIT(lucid_vuln);
	em.v.id = id;
	em.v.advisory = id;
	em.v.description = description;
	em.v.links = links[0] ? links : NULL;
	em.v.aliases = aliases[0] ? aliases : NULL;
	em.v.published = parse_time(str_of(root, "published"));
	em.v.document = document;
	int rc = 0;
	const json_t *aff;
	json_array_foreach (json_object_get(root, "affected"), i, aff) {
		if ((rc = parse_affected(&em, aff, json_object_get(root, "severity"))) < 0)
			break;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: the host refused a record", id);
	free(description);
	json_decref(root);
	return rc;
}
