#include "rhel_vex_parse.h"

#include <jansson.h>
#include <lucid/error.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rpm_parse.h"

#define MAX_BRANCH_DEPTH 12

int vex_severity(const char *s)
{
	if (!s)
		return LUCID_SEVERITY_UNKNOWN;
	if (!strcasecmp(s, "low"))
		return LUCID_SEVERITY_LOW;
	if (!strcasecmp(s, "moderate"))
		return LUCID_SEVERITY_MEDIUM;
	if (!strcasecmp(s, "important"))
		return LUCID_SEVERITY_HIGH;
	if (!strcasecmp(s, "critical"))
		return LUCID_SEVERITY_CRITICAL;
	return LUCID_SEVERITY_UNKNOWN;
}

/* product_id -> product_identification_helper, from every branch (bounded depth). */
static void collect_products(json_t *node, json_t *map, int depth)
{
	if (depth > MAX_BRANCH_DEPTH)
		return;
	json_t *branches = json_object_get(node, "branches");
	size_t i;
	json_t *b;
	json_array_foreach (branches, i, b) {
		json_t *p = json_object_get(b, "product");
		const char *id = json_string_value(json_object_get(p, "product_id"));
		json_t *helper = json_object_get(p, "product_identification_helper");
		if (id && json_is_object(helper))
			json_object_set(map, id, helper);
		collect_products(b, map, depth + 1);
	}
}

/* cpe:/o:redhat:enterprise_linux:9::baseos -> rhel:9 */
static bool cpe_namespace(const char *cpe, char *out, size_t n)
{
	if (!cpe)
		return false;
	const char *p = NULL;
	if (!strncmp(cpe, "cpe:/o:redhat:enterprise_linux:", 31) ||
	    !strncmp(cpe, "cpe:/a:redhat:enterprise_linux:", 31))
		p = cpe + 31;
	if (!p)
		return false;
	size_t k = strspn(p, "0123456789");
	if (!k || (p[k] != ':' && p[k] != 0 && p[k] != '.'))
		return false;
	snprintf(out, n, "rhel:%.*s", (int)k, p);
	return true;
}

struct component {
	char name[256], evr[512], arch[32], module[256];
};

static void qualifier(const char *q, const char *key, char *out, size_t n)
{
	out[0] = 0;
	size_t kl = strlen(key);
	for (const char *p = q; p && *p;) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t v = strcspn(p + kl + 1, "&#");
			if (v < n) {
				memcpy(out, p + kl + 1, v);
				out[v] = 0;
			}
			return;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
}

/* pkg:rpm/redhat/NAME[@VERSION-RELEASE][?arch=..&epoch=..&rpmmod=name:stream:...] */
static bool from_purl(const char *purl, struct component *c)
{
	if (!purl || strncmp(purl, "pkg:rpm/", 8) != 0)
		return false;
	const char *name = strchr(purl + 8, '/');
	if (!name)
		return false;
	name++;
	size_t nl = strcspn(name, "@?#");
	if (!nl || nl >= sizeof c->name)
		return false;
	memcpy(c->name, name, nl);
	c->name[nl] = 0;
	const char *q = strchr(name, '?');
	char epoch[32], mod[256];
	qualifier(q ? q + 1 : NULL, "arch", c->arch, sizeof c->arch);
	qualifier(q ? q + 1 : NULL, "epoch", epoch, sizeof epoch);
	qualifier(q ? q + 1 : NULL, "rpmmod", mod, sizeof mod);
	c->evr[0] = 0;
	if (name[nl] == '@') {
		size_t vl = strcspn(name + nl + 1, "?#");
		snprintf(c->evr, sizeof c->evr, "%s%s%.*s", epoch[0] ? epoch : "0", ":", (int)vl,
		         name + nl + 1);
	}
	/* rpmmod=nodejs:18:8090020230810:a75119d5 -> "nodejs:18" */
	c->module[0] = 0;
	if (mod[0] && !strchr(mod, ':'))
		return false; /* a module without a stream cannot be matched: not a usable purl */
	if (mod[0]) {
		const char *c1 = strchr(mod, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		snprintf(c->module, sizeof c->module, "%.*s",
		         (int)(c2 ? c2 - mod : (long)strlen(mod)), mod);
	}
	return true;
}

/* The component product id itself: "curl-0:7.76.1-26.el9_3.2.x86_64", "curl", "curl.src" */
static void from_id(const char *id, struct component *c)
{
	struct rpm_nevra n;
	memset(c, 0, sizeof *c);
	if (rpm_parse_nevra(id, &n) && n.name[0]) {
		snprintf(c->name, sizeof c->name, "%s", n.name);
		snprintf(c->evr, sizeof c->evr, "%s:%s-%s", n.epoch[0] ? n.epoch : "0", n.version,
		         n.release);
		snprintf(c->arch, sizeof c->arch, "%s", n.arch);
		return;
	}
	size_t l = strlen(id);
	if (l > 4 && !strcmp(id + l - 4, ".src")) {
		snprintf(c->name, sizeof c->name, "%.*s", (int)(l - 4), id);
		strcpy(c->arch, "src");
	} else {
		snprintf(c->name, sizeof c->name, "%s", id);
	}
}

struct vuln_ctx {
	int (*emit)(void *user, const struct lucid_vuln *v);
	void *user;
	struct vex_stats *st;
	json_t *products, *rels, *severity_of, *advisory_of, *wontfix;
	const char *cve, *description, *links, *default_severity;
};

static int emit_status(struct vuln_ctx *x, const char *full_id, int state)
{
	json_t *rel = json_object_get(x->rels, full_id);
	if (!rel)
		return 0;
	const char *comp_id = json_string_value(json_object_get(rel, "product_reference"));
	const char *prod_id =
	        json_string_value(json_object_get(rel, "relates_to_product_reference"));
	if (!comp_id || !prod_id)
		return 0;
	char ns[32];
	json_t *prod = json_object_get(x->products, prod_id);
	if (!cpe_namespace(json_string_value(json_object_get(prod, "cpe")), ns, sizeof ns)) {
		x->st->other_products++;
		return 0;
	}
	struct component c;
	json_t *comp = json_object_get(x->products, comp_id);
	const char *purl = json_string_value(json_object_get(comp, "purl"));
	if (purl && !from_purl(purl, &c)) {
		x->st->bad_purls++;
		return 0;
	}
	if (!purl)
		from_id(comp_id, &c);
	if (!c.name[0])
		return 0;
	if (state == LUCID_STATE_FIXED && !c.evr[0])
		return 0; /* a fix without a version says nothing to compare */
	if (state == LUCID_STATE_UNFIXED && json_object_get(x->wontfix, full_id))
		state = LUCID_STATE_WONT_FIX;
	const char *sev = json_string_value(json_object_get(x->severity_of, full_id));
	if (!sev)
		sev = x->default_severity;
	struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
	v.id = x->cve;
	v.namespace_name = ns;
	v.package = c.name;
	v.version_format = "rpm";
	v.fixed_in = state == LUCID_STATE_FIXED ? c.evr : NULL;
	v.state = state;
	v.severity = vex_severity(sev);
	v.vendor_severity = sev;
	v.description = x->description;
	v.links = x->links;
	v.advisory = json_string_value(json_object_get(x->advisory_of, full_id));
	bool src = !strcmp(c.arch, "src");
	v.package_kind = src ? LUCID_PACKAGE_SOURCE : LUCID_PACKAGE_BINARY;
	v.arch = (!c.arch[0] || src || !strcmp(c.arch, "noarch")) ? NULL : c.arch;
	v.module = c.module[0] ? c.module : NULL;
	if (state == LUCID_STATE_NOT_AFFECTED)
		x->st->not_affected++;
	x->st->records++;
	return x->emit(x->user, &v);
}

/* Map each product id of a list-bearing entry to a string value. */
static void map_ids(json_t *ids, json_t *map, const char *value)
{
	size_t i;
	json_t *id;
	json_array_foreach (ids, i, id)
		if (json_is_string(id) && value)
			json_object_set_new(map, json_string_value(id), json_string(value));
}

static int parse_vulnerability(struct vuln_ctx *x, json_t *v)
{
	x->cve = json_string_value(json_object_get(v, "cve"));
	if (!x->cve || !*x->cve)
		return 0;
	x->description = NULL;
	size_t i;
	json_t *e;
	json_array_foreach (json_object_get(v, "notes"), i, e) {
		const char *cat = json_string_value(json_object_get(e, "category"));
		if (!x->description && cat && !strcmp(cat, "description"))
			x->description = json_string_value(json_object_get(e, "text"));
	}
	char links[1024] = "";
	json_array_foreach (json_object_get(v, "references"), i, e) {
		const char *cat = json_string_value(json_object_get(e, "category"));
		const char *url = json_string_value(json_object_get(e, "url"));
		if (cat && url && !strcmp(cat, "self") &&
		    strlen(links) + strlen(url) + 2 < sizeof links)
			snprintf(links + strlen(links), sizeof links - strlen(links), "%s%s",
			         links[0] ? " " : "", url);
	}
	x->links = links[0] ? links : NULL;
	x->severity_of = json_object();
	x->advisory_of = json_object();
	x->wontfix = json_object();
	json_array_foreach (json_object_get(v, "threats"), i, e) {
		const char *cat = json_string_value(json_object_get(e, "category"));
		if (cat && !strcmp(cat, "impact"))
			map_ids(json_object_get(e, "product_ids"), x->severity_of,
			        json_string_value(json_object_get(e, "details")));
	}
	json_array_foreach (json_object_get(v, "remediations"), i, e) {
		const char *cat = json_string_value(json_object_get(e, "category"));
		const char *url = json_string_value(json_object_get(e, "url"));
		const char *details = json_string_value(json_object_get(e, "details"));
		if (!cat)
			continue;
		if (!strcmp(cat, "vendor_fix") && url) {
			const char *slash = strrchr(url, '/');
			map_ids(json_object_get(e, "product_ids"), x->advisory_of,
			        slash ? slash + 1 : url);
		} else if (!strcmp(cat, "no_fix_planned")) {
			map_ids(json_object_get(e, "product_ids"), x->wontfix,
			        details ? details : "Will not fix");
		}
	}
	static const struct {
		const char *key;
		int state;
	} statuses[] = {{"fixed", LUCID_STATE_FIXED},
	                {"known_affected", LUCID_STATE_UNFIXED},
	                {"known_not_affected", LUCID_STATE_NOT_AFFECTED}};
	json_t *ps = json_object_get(v, "product_status");
	int rc = 0;
	for (size_t s = 0; rc == 0 && s < sizeof statuses / sizeof statuses[0]; s++) {
		json_t *id;
		json_array_foreach (json_object_get(ps, statuses[s].key), i, id) {
			if (json_is_string(id) &&
			    (rc = emit_status(x, json_string_value(id), statuses[s].state)))
				break;
		}
	}
	json_decref(x->severity_of);
	json_decref(x->advisory_of);
	json_decref(x->wontfix);
	return rc;
}

int vex_parse_document(const char *data, size_t len,
                       int (*emit)(void *user, const struct lucid_vuln *v), void *user,
                       struct vex_stats *stats, char *err, size_t errlen)
{
	struct vex_stats local = {0};
	struct vex_stats *st = stats ? stats : &local;
	json_error_t je;
	json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		snprintf(err, errlen, "VEX: invalid JSON at line %d: %s", je.line, je.text);
		return LUCID_EPARSE;
	}
	json_t *document = json_object_get(doc, "document");
	const char *status =
	        json_string_value(json_object_get(json_object_get(document, "tracking"), "status"));
	if (status && strcmp(status, "deleted") == 0) {
		/* Red Hat withdrew the CVE: the document stands, with no records */
		st->documents++;
		st->deleted++;
		json_decref(doc);
		return 0;
	}
	const char *category = json_string_value(json_object_get(document, "category"));
	json_t *tree = json_object_get(doc, "product_tree");
	if (!category || strcmp(category, "csaf_vex") != 0 || !json_is_object(tree)) {
		snprintf(err, errlen, "not a CSAF VEX document (document.category is '%s')",
		         category ? category : "missing");
		json_decref(doc);
		return LUCID_EPARSE;
	}
	st->documents++;
	struct vuln_ctx x = {.emit = emit, .user = user, .st = st};
	x.products = json_object();
	x.rels = json_object();
	collect_products(tree, x.products, 0);
	size_t i;
	json_t *r;
	json_array_foreach (json_object_get(tree, "relationships"), i, r) {
		const char *id = json_string_value(
		        json_object_get(json_object_get(r, "full_product_name"), "product_id"));
		if (id)
			json_object_set(x.rels, id, r);
	}
	x.default_severity = json_string_value(
	        json_object_get(json_object_get(document, "aggregate_severity"), "text"));
	int rc = 0;
	json_t *v;
	json_array_foreach (json_object_get(doc, "vulnerabilities"), i, v) {
		if ((rc = parse_vulnerability(&x, v)))
			break;
	}
	json_decref(x.products);
	json_decref(x.rels);
	json_decref(doc);
	return rc;
}

/* ---- changes.csv / deletions.csv ---- */

static int digits(const char *s, size_t len, size_t at, size_t n)
{
	if (at + n > len)
		return -1;
	int v = 0;
	for (size_t i = at; i < at + n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

long long vex_parse_time(const char *s, size_t len)
{
	int y = digits(s, len, 0, 4), mo = digits(s, len, 5, 2), d = digits(s, len, 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || s[4] != '-' || s[7] != '-')
		return -1;
	long long t = days_from_civil(y, mo, d) * 86400;
	if (len == 10)
		return t;
	if (s[10] != 'T' && s[10] != ' ')
		return -1;
	int h = digits(s, len, 11, 2), mi = digits(s, len, 14, 2), se = digits(s, len, 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	t += h * 3600 + mi * 60 + se;
	size_t i = 19;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (i == len)
		return t; /* no zone: UTC */
	if (s[i] == 'Z' && i + 1 == len)
		return t;
	if ((s[i] == '+' || s[i] == '-') && i + 6 == len && s[i + 3] == ':') {
		int oh = digits(s, len, i + 1, 2), om = digits(s, len, i + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		long long off = oh * 3600 + om * 60;
		return s[i] == '+' ? t - off : t + off;
	}
	return -1;
}

/* The next comma-separated field of line from *at, without its quotes. */
static bool csv_field(const char *line, size_t len, size_t *at, const char **f, size_t *flen)
{
	size_t i = *at;
	if (i > len)
		return false;
	if (i < len && line[i] == '"') {
		const char *end = memchr(line + i + 1, '"', len - i - 1);
		if (!end)
			return false;
		*f = line + i + 1;
		*flen = (size_t)(end - *f);
		i = (size_t)(end - line) + 1;
	} else {
		const char *end = memchr(line + i, ',', len - i);
		size_t e = end ? (size_t)(end - line) : len;
		*f = line + i;
		*flen = e - i;
		i = e;
	}
	if (i < len && line[i] != ',')
		return false;
	*at = i + 1;
	return true;
}

int vex_change_row(const char *line, size_t len, const char **path, size_t *plen, long long *when)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	size_t at = 0, tlen;
	const char *t;
	if (!csv_field(line, len, &at, path, plen) || !csv_field(line, len, &at, &t, &tlen) ||
	    at <= len)
		return LUCID_EPARSE;
	if (*plen == 0 || *plen > 256 || (*path)[0] == '/')
		return LUCID_EPARSE;
	for (size_t i = 0; i < *plen; i++) {
		char c = (*path)[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '/'))
			return LUCID_EPARSE;
		if (c == '.' && i + 1 < *plen && (*path)[i + 1] == '.')
			return LUCID_EPARSE;
	}
	*when = vex_parse_time(t, tlen);
	return *when < 0 ? LUCID_EPARSE : 0;
}
