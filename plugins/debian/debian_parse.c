#include "debian_parse.h"

#include <jansson.h>
#include <lucid/error.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/debian_releases.h"

#define TRACKER        "https://security-tracker.debian.org/tracker/"
#define MAX_JSON_DEPTH 64
#define MAX_LINE       65536

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return LUCID_EPARSE;
}

int debian_severity(const char *urgency)
{
	if (!urgency)
		return LUCID_SEVERITY_UNKNOWN;
	size_t n = strcspn(urgency, "* ");
	if (n == 11 && !strncmp(urgency, "unimportant", n))
		return LUCID_SEVERITY_NEGLIGIBLE;
	if (n == 3 && !strncmp(urgency, "low", n))
		return LUCID_SEVERITY_LOW;
	if (n == 6 && !strncmp(urgency, "medium", n))
		return LUCID_SEVERITY_MEDIUM;
	if (n == 4 && !strncmp(urgency, "high", n))
		return LUCID_SEVERITY_HIGH;
	return LUCID_SEVERITY_UNKNOWN;
}

static const char *namespace_of(const char *codename, size_t len, char *buf, size_t n)
{
	const char *v = debian_version_of(codename, len);
	if (!v)
		return NULL;
	snprintf(buf, n, "debian:%s", v);
	return buf;
}

/* ---------------- tracker JSON ---------------- */

/* Length of the JSON value starting at p (bounded by end), without recursion; 0 if malformed. */
static size_t value_extent(const char *p, const char *end)
{
	const char *s = p;
	if (p >= end)
		return 0;
	if (*p == '"') {
		for (p++; p < end; p++) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				return (size_t)(p + 1 - s);
		}
		return 0;
	}
	if (*p == '{' || *p == '[') {
		int depth = 0;
		for (; p < end; p++) {
			if (*p == '"') {
				size_t n = value_extent(p, end); /* strings do not nest */
				if (!n)
					return 0;
				p += n - 1;
			} else if (*p == '{' || *p == '[') {
				if (++depth > MAX_JSON_DEPTH)
					return 0;
			} else if (*p == '}' || *p == ']') {
				if (--depth == 0)
					return (size_t)(p + 1 - s);
			}
		}
		return 0;
	}
	while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
	       *p != '\r' && *p != '\t')
		p++;
	return (size_t)(p - s);
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

struct jctx {
	int (*emit)(void *user, const struct lucid_vuln *v);
	void *user;
	struct debian_stats *st;
};

static int emit_release(struct jctx *j, const char *pkg, const char *cve, const char *desc,
                        const char *codename, json_t *rel)
{
	char nsbuf[64];
	const char *ns = namespace_of(codename, strlen(codename), nsbuf, sizeof nsbuf);
	if (!ns) {
		j->st->unknown_release++;
		return 0;
	}
	const char *status = json_string_value(json_object_get(rel, "status"));
	const char *fixed = json_string_value(json_object_get(rel, "fixed_version"));
	const char *urgency = json_string_value(json_object_get(rel, "urgency"));
	const char *nodsa = json_string_value(json_object_get(rel, "nodsa_reason"));
	struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
	if (status && !strcmp(status, "resolved")) {
		if (!fixed || !*fixed)
			return 0; /* resolved without a version: nothing to compare */
		if (!strcmp(fixed, "0")) {
			j->st->not_affected++;
			return 0;
		}
		v.state = LUCID_STATE_FIXED;
		v.fixed_in = fixed;
	} else if (status && !strcmp(status, "undetermined")) {
		v.state = LUCID_STATE_UNDETERMINED;
	} else if (status && !strcmp(status, "open")) {
		v.state = urgency && !strcmp(urgency, "end-of-life") ? LUCID_STATE_END_OF_LIFE
		          : nodsa && !strcmp(nodsa, "ignored")       ? LUCID_STATE_WONT_FIX
		                                                     : LUCID_STATE_UNFIXED;
	} else {
		return 0; /* a status this parser does not know says nothing it can use */
	}
	char links[512];
	snprintf(links, sizeof links, TRACKER "%s", cve);
	v.id = cve;
	v.namespace_name = ns;
	v.package = pkg;
	v.version_format = "dpkg";
	v.severity = debian_severity(urgency);
	v.vendor_severity = urgency;
	v.description = desc;
	v.links = links;
	j->st->records++;
	return j->emit(j->user, &v);
}

static int parse_package(struct jctx *j, const char *pkg, json_t *cves, char *err, size_t errlen)
{
	if (!json_is_object(cves))
		return fail(err, errlen, "tracker JSON: package %s: expected an object", pkg);
	const char *cve;
	json_t *entry;
	json_object_foreach (cves, cve, entry) {
		if (!json_is_object(entry) || !*cve || !*pkg)
			continue; /* nothing to name a record by */
		const char *desc = json_string_value(json_object_get(entry, "description"));
		json_t *releases = json_object_get(entry, "releases");
		if (!json_is_object(releases))
			continue; /* e.g. "releases": [] for packages no release ships */
		const char *codename;
		json_t *rel;
		json_object_foreach (releases, codename, rel) {
			if (!json_is_object(rel))
				continue;
			int rc = emit_release(j, pkg, cve, desc, codename, rel);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int parse_json(const char *data, size_t len, struct jctx *j, char *err, size_t errlen)
{
	const char *p = data, *end = data + len;
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return fail(err, errlen, "tracker JSON: expected an object");
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end
		               ? 0
		               : fail(err, errlen, "tracker JSON: trailing data");
	for (;;) {
		size_t kn = value_extent(p, end);
		if (!kn || *p != '"')
			return fail(err, errlen, "tracker JSON: truncated or malformed at byte %zu",
			            (size_t)(p - data));
		const char *key = p;
		p = skip_ws(p + kn, end);
		if (p >= end || *p != ':')
			return fail(err, errlen, "tracker JSON: expected ':' at byte %zu",
			            (size_t)(p - data));
		p = skip_ws(p + 1, end);
		size_t vn = value_extent(p, end);
		if (!vn)
			return fail(err, errlen, "tracker JSON: truncated or malformed at byte %zu",
			            (size_t)(p - data));
		/* decode this one member: {"key": value} */
		size_t chunk = (size_t)(p + vn - key);
		json_error_t je;
		char *buf = malloc(chunk + 3);
		if (!buf)
			return -12; /* -ENOMEM */
		buf[0] = '{';
		memcpy(buf + 1, key, chunk);
		buf[chunk + 1] = '}';
		buf[chunk + 2] = 0;
		json_t *obj = json_loadb(buf, chunk + 2, 0, &je);
		free(buf);
		if (!obj)
			return fail(err, errlen, "tracker JSON: near byte %zu: %s",
			            (size_t)(key - data), je.text);
		const char *pkg;
		json_t *cves;
		int rc = 0;
		json_object_foreach (obj, pkg, cves)
			rc = parse_package(j, pkg, cves, err, errlen);
		json_decref(obj);
		if (rc)
			return rc;
		p = skip_ws(p + vn, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}') {
			if (skip_ws(p + 1, end) != end)
				return fail(err, errlen,
				            "tracker JSON: trailing data after the object");
			return 0;
		}
		return fail(err, errlen, "tracker JSON: truncated or malformed at byte %zu",
		            (size_t)(p - data));
	}
}

/* ---------------- DSA / DLA lists ---------------- */

struct advisory {
	char id[64];
	char title[512];
	int64_t published;
	char cves[64][32];
	size_t ncves;
};

static int64_t parse_date(const char *s, size_t n)
{
	/* "29 Mar 2023" */
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char tmp[32];
	if (n >= sizeof tmp)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	int d, y;
	char mon[4];
	if (sscanf(tmp, "%2d %3s %4d", &d, mon, &y) != 3)
		return 0;
	const char *m = strstr(months, mon);
	if (!m || strlen(mon) != 3 || (m - months) % 3)
		return 0;
	struct tm tm = {.tm_mday = d, .tm_mon = (int)(m - months) / 3, .tm_year = y - 1900};
	return (int64_t)timegm(&tm);
}

static bool parse_header(const char *line, size_t n, struct advisory *a)
{
	/* [dd Mon yyyy] ID package - title */
	const char *close = memchr(line, ']', n);
	if (line[0] != '[' || !close)
		return false;
	const char *p = close + 1, *end = line + n;
	while (p < end && *p == ' ')
		p++;
	const char *id = p;
	while (p < end && *p != ' ')
		p++;
	size_t idn = (size_t)(p - id);
	if (idn < 5 || idn >= sizeof a->id ||
	    (strncmp(id, "DSA-", 4) != 0 && strncmp(id, "DLA-", 4) != 0))
		return false;
	memset(a, 0, sizeof *a);
	memcpy(a->id, id, idn);
	a->published = parse_date(line + 1, (size_t)(close - line - 1));
	while (p < end && *p == ' ')
		p++;
	size_t tn = (size_t)(end - p);
	if (tn >= sizeof a->title)
		tn = sizeof a->title - 1;
	memcpy(a->title, p, tn);
	return true;
}

static void parse_cves(const char *p, const char *end, struct advisory *a)
{
	while (p < end && a->ncves < sizeof a->cves / sizeof a->cves[0]) {
		while (p < end && (*p == ' ' || *p == '{' || *p == '}'))
			p++;
		const char *s = p;
		while (p < end && *p != ' ' && *p != '}')
			p++;
		size_t n = (size_t)(p - s);
		if (n > 4 && n < sizeof a->cves[0] && !strncmp(s, "CVE-", 4)) {
			memcpy(a->cves[a->ncves], s, n);
			a->cves[a->ncves][n] = 0;
			a->ncves++;
		}
	}
}

static int emit_list_entry(struct jctx *j, const struct advisory *a, const char *ns,
                           const char *pkg, const char *fixed, int state, const char *urgency)
{
	char links[256];
	size_t n = a->ncves ? a->ncves : 1;
	for (size_t i = 0; i < n; i++) {
		const char *id = a->ncves ? a->cves[i] : a->id;
		struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
		if (a->ncves)
			snprintf(links, sizeof links, TRACKER "%s " TRACKER "%s", id, a->id);
		else
			snprintf(links, sizeof links, TRACKER "%s", id);
		v.id = id;
		v.namespace_name = ns;
		v.package = pkg;
		v.version_format = "dpkg";
		v.fixed_in = fixed;
		v.state = state;
		v.severity = debian_severity(urgency);
		v.vendor_severity = urgency;
		v.description = a->title[0] ? a->title : NULL;
		v.links = links;
		v.advisory = a->id;
		v.published = a->published;
		j->st->records++;
		int rc = j->emit(j->user, &v);
		if (rc)
			return rc;
	}
	return 0;
}

/* "\t[codename] - package version (notes)" or "... <state> (reason)" */
static int parse_release_line(struct jctx *j, const struct advisory *a, const char *p,
                              const char *end, size_t lineno, char *err, size_t errlen)
{
	const char *close = memchr(p, ']', (size_t)(end - p));
	if (!close)
		return fail(err, errlen, "advisory list line %zu: malformed release line", lineno);
	const char *codename = p + 1;
	size_t cn = (size_t)(close - codename);
	p = close + 1;
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '-')
		return fail(err, errlen, "advisory list line %zu: expected '- package'", lineno);
	p++;
	char tok[3][256];
	size_t nt = 0;
	const char *rest = end;
	while (nt < 2) {
		while (p < end && *p == ' ')
			p++;
		const char *s = p;
		while (p < end && *p != ' ')
			p++;
		size_t n = (size_t)(p - s);
		if (!n)
			break;
		if (n >= sizeof tok[0])
			return fail(err, errlen, "advisory list line %zu: field too long", lineno);
		memcpy(tok[nt], s, n);
		tok[nt][n] = 0;
		nt++;
		rest = p;
	}
	if (nt < 2)
		return fail(err, errlen, "advisory list line %zu: expected a package and a version",
		            lineno);
	char nsbuf[64];
	const char *ns = namespace_of(codename, cn, nsbuf, sizeof nsbuf);
	if (!ns) {
		j->st->unknown_release++;
		return 0;
	}
	/* urgency inside the trailing notes: "(bug #1; medium)" */
	char urgency[16] = "";
	const char *words[] = {"unimportant", "low", "medium", "high"};
	for (size_t i = 0; i < 4; i++) {
		const char *w = rest;
		size_t wn = strlen(words[i]);
		while ((w = memmem(w, (size_t)(end - w), words[i], wn))) {
			bool left = w > rest && (w[-1] == '(' || w[-1] == ' ' || w[-1] == ';');
			bool right = w + wn < end && (w[wn] == ')' || w[wn] == ';' || w[wn] == ' ');
			if (left && right) {
				snprintf(urgency, sizeof urgency, "%s", words[i]);
				break;
			}
			w += wn;
		}
	}
	const char *pkg = tok[0], *ver = tok[1];
	if (ver[0] == '<') {
		if (!strcmp(ver, "<not-affected>")) {
			j->st->not_affected++;
			return 0;
		}
		int state = !strcmp(ver, "<unfixed>")       ? LUCID_STATE_UNFIXED
		            : !strcmp(ver, "<end-of-life>") ? LUCID_STATE_END_OF_LIFE
		            : !strcmp(ver, "<ignored>")     ? LUCID_STATE_WONT_FIX
		            : !strcmp(ver, "<postponed>")   ? LUCID_STATE_UNFIXED
		                                            : -1;
		if (state < 0)
			return fail(err, errlen, "advisory list line %zu: unknown state %s", lineno,
			            ver);
		return emit_list_entry(j, a, ns, pkg, NULL, state, urgency[0] ? urgency : NULL);
	}
	return emit_list_entry(j, a, ns, pkg, ver, LUCID_STATE_FIXED, urgency[0] ? urgency : NULL);
}

static int parse_list(const char *data, size_t len, struct jctx *j, char *err, size_t errlen)
{
	if (len == 0 || data[len - 1] != '\n')
		return fail(err, errlen, "advisory list: truncated (no final newline)");
	struct advisory a;
	bool in_adv = false;
	size_t lineno = 0;
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		lineno++;
		if ((size_t)(eol - p) > MAX_LINE)
			return fail(err, errlen, "advisory list line %zu: longer than %d bytes",
			            lineno, MAX_LINE);
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		bool indented = q > p;
		if (q == eol) {
			/* blank */
		} else if (!indented) {
			if (!parse_header(p, (size_t)(eol - p), &a)) {
				int shown = eol - p > 60 ? 60 : (int)(eol - p);
				return fail(err, errlen,
				            "advisory list line %zu: not a DSA/DLA header: %.*s",
				            lineno, shown, p);
			}
			in_adv = true;
			j->st->advisories++;
		} else if (!in_adv) {
			return fail(err, errlen,
			            "advisory list line %zu: entry before any advisory", lineno);
		} else if (*q == '{') {
			parse_cves(q, eol, &a);
		} else if (*q == '[') {
			int rc = parse_release_line(j, &a, q, eol, lineno, err, errlen);
			if (rc)
				return rc;
		}
		/* NOTE: lines and other annotations carry nothing to match on */
		p = nl ? nl + 1 : end;
	}
	if (!j->st->advisories)
		return fail(err, errlen, "advisory list: no advisories");
	return 0;
}

int debian_parse(const char *data, size_t len, int (*emit)(void *user, const struct lucid_vuln *v),
                 void *user, struct debian_stats *stats, char *err, size_t errlen)
{
	struct debian_stats local = {0};
	struct jctx j = {emit, user, stats ? stats : &local};
	memset(j.st, 0, sizeof *j.st);
	if (memchr(data, 0, len))
		return fail(err, errlen, "binary data: not a Debian security feed");
	const char *p = skip_ws(data, data + len);
	if (p < data + len && *p == '{')
		return parse_json(data, len, &j, err, errlen);
	if (p < data + len && *p == '[')
		return parse_list(data, len, &j, err, errlen);
	return fail(err, errlen,
	            "not a Debian security feed (neither the tracker JSON nor a DSA/DLA list)");
}
