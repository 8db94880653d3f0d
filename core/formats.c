#include "formats.h"

#include <errno.h>
#include <jansson.h>
#include <lucid/error.h>
#include <lucid/record.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared ---- */

static int64_t report_time(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		long long t = strtoll(sde, &end, 10);
		if (!*end && t >= 0)
			return (int64_t)t;
	}
	return (int64_t)time(NULL);
}

static void rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A UUID-shaped identifier derived from the manifest digest (stable for the same image). */
static void uuid_of(const char *digest, const char *salt, char out[40])
{
	char hex[72];
	char in[300];
	snprintf(in, sizeof in, "%s|%s", salt, digest ? digest : "");
	sha256_digest(in, strlen(in), hex);
	const char *h = hex + 7; /* after "sha256:" */
	snprintf(out, 40, "%.8s-%.4s-5%.3s-a%.3s-%.12s", h, h + 8, h + 13, h + 17, h + 20);
}

static const char *purl_type(const char *format)
{
	if (!format)
		return "generic";
	if (!strcmp(format, "dpkg"))
		return "deb";
	if (!strcmp(format, "apk"))
		return "apk";
	if (!strcmp(format, "rpm"))
		return "rpm";
	return "generic";
}

/* Percent-encode everything but unreserved characters (the purl spec's rule). */
static void purl_escape(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == '~')
			buf_addc(b, (char)c);
		else
			buf_addf(b, "%%%02X", c);
	}
}

char *purl_of(const struct index_report *r, const struct pkg_rec *p)
{
	struct buf b = {0};
	buf_addf(&b, "pkg:%s/", purl_type(p->version_format));
	purl_escape(&b, r->ns && r->ns->id ? r->ns->id : "unknown");
	buf_addc(&b, '/');
	purl_escape(&b, p->name);
	buf_addc(&b, '@');
	purl_escape(&b, p->version);
	char sep = '?';
	if (p->arch) {
		buf_addf(&b, "%carch=", sep);
		purl_escape(&b, p->arch);
		sep = '&';
	}
	if (r->ns && r->ns->id && r->ns->version_id) {
		buf_addf(&b, "%cdistro=", sep);
		purl_escape(&b, r->ns->id);
		buf_addc(&b, '-');
		purl_escape(&b, r->ns->version_id);
	}
	buf_add(&b, NULL, 0);
	return b.data;
}

static const char *image_name(const struct index_report *r)
{
	return r->ref ? r->ref : r->source ? r->source : r->manifest_digest;
}

static int dump(FILE *f, json_t *doc)
{
	int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : -EIO;
	json_decref(doc);
	if (rc == 0 && fputc('\n', f) == EOF)
		rc = -EIO;
	return rc;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A short title: the description's first sentence, at most 120 bytes. */
static void title_of(const struct vuln_rec *v, char out[128])
{
	const char *d = v->description ? v->description : "";
	size_t n = strcspn(d, "\n");
	const char *dot = strstr(d, ". ");
	if (dot && (size_t)(dot - d) < n)
		n = (size_t)(dot - d) + 1;
	if (n > 120)
		n = 120;
	while (n && (d[n] & 0xC0) == 0x80)
		n--; /* not in the middle of a UTF-8 character */
	snprintf(out, 128, "%.*s", (int)n, d);
}

/* Severity as GitHub's security-severity: the CVSS score when known, else a typical one. */
static double security_severity(const struct match *m)
{
	if (m->enrich && (m->enrich->parts & LUCID_ENRICH_CVSS3))
		return m->enrich->cvss3_score;
	static const double typical[] = {0, 1.0, 3.0, 5.5, 8.0, 9.5};
	int32_t s = m->vuln->severity;
	return s >= 0 && s <= 5 ? typical[s] : 0;
}

/* ---- SARIF 2.1.0 ---- */

static const char *sarif_level(int32_t sev)
{
	return sev >= LUCID_SEVERITY_HIGH     ? "error"
	       : sev == LUCID_SEVERITY_MEDIUM ? "warning"
	                                      : "note";
}

int format_sarif(FILE *f, const struct index_report *r, const struct vuln_report *v,
                 const struct format_opts *o)
{
	json_t *rules = json_array(), *results = json_array();
	const char *image = image_name(r);
	/* one rule per vulnerability id, in first-seen order */
	const char **ids = xcalloc(v->n ? v->n : 1, sizeof *ids);
	size_t nids = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct match *m = &v->m[i];
		size_t k = 0;
		while (k < nids && strcmp(ids[k], m->vuln->id) != 0)
			k++;
		if (k == nids) {
			ids[nids++] = m->vuln->id;
			char title[128];
			title_of(m->vuln, title);
			json_t *rule = json_object();
			json_object_set_new(rule, "id", json_string(m->vuln->id));
			json_object_set_new(rule, "name", json_string("OsPackageVulnerability"));
			json_t *sd = json_object();
			json_object_set_new(sd, "text",
			                    json_string(title[0] ? title : m->vuln->id));
			json_object_set_new(rule, "shortDescription", sd);
			json_t *fd = json_object();
			json_object_set_new(fd, "text",
			                    json_string(m->vuln->description ? m->vuln->description
			                                                     : m->vuln->id));
			json_object_set_new(rule, "fullDescription", fd);
			const char *link = m->vuln->links;
			if (link && *link) {
				char uri[1024];
				snprintf(uri, sizeof uri, "%.*s", (int)strcspn(link, " "), link);
				json_object_set_new(rule, "helpUri", json_string(uri));
			}
			json_t *cfg = json_object();
			json_object_set_new(cfg, "level",
			                    json_string(sarif_level(m->vuln->severity)));
			json_object_set_new(rule, "defaultConfiguration", cfg);
			json_t *props = json_object();
			char sev[16];
			snprintf(sev, sizeof sev, "%.1f", security_severity(m));
			json_object_set_new(props, "security-severity", json_string(sev));
			json_t *tags = json_array();
			json_array_append_new(tags, json_string("vulnerability"));
			json_array_append_new(tags, json_string("security"));
			json_array_append_new(tags, json_string(severity_name(m->vuln->severity)));
			json_object_set_new(props, "tags", tags);
			json_object_set_new(rule, "properties", props);
			json_array_append_new(rules, rule);
		}
		char msg[2048];
		snprintf(msg, sizeof msg,
		         "Package: %s\nInstalled Version: %s\nVulnerability: %s\nSeverity: %s\n"
		         "Fixed Version: %s\nLayer: %s",
		         m->pkg->name, m->pkg->version, m->vuln->id,
		         severity_name(m->vuln->severity),
		         m->vuln->fixed_in ? m->vuln->fixed_in : state_name(m->vuln->state),
		         m->pkg->layer < r->nlayers ? r->layers[m->pkg->layer].digest : "-");
		json_t *res = json_object();
		json_object_set_new(res, "ruleId", json_string(m->vuln->id));
		json_object_set_new(res, "ruleIndex", json_integer((json_int_t)k));
		json_object_set_new(res, "level", json_string(sarif_level(m->vuln->severity)));
		json_t *message = json_object();
		json_object_set_new(message, "text", json_string(msg));
		json_object_set_new(res, "message", message);
		json_t *art = json_object();
		json_object_set_new(art, "uri",
		                    json_string(m->pkg->db_path ? m->pkg->db_path : image));
		json_t *region = json_object();
		json_object_set_new(region, "startLine", json_integer(1));
		json_t *phys = json_object();
		json_object_set_new(phys, "artifactLocation", art);
		json_object_set_new(phys, "region", region);
		json_t *loc = json_object();
		json_object_set_new(loc, "physicalLocation", phys);
		json_t *logical = json_array(), *lg = json_object();
		json_object_set_new(lg, "fullyQualifiedName", json_string(image));
		json_object_set_new(lg, "kind", json_string("module"));
		json_array_append_new(logical, lg);
		json_object_set_new(loc, "logicalLocations", logical);
		json_t *locs = json_array();
		json_array_append_new(locs, loc);
		json_object_set_new(res, "locations", locs);
		if (m->suppressed) {
			json_t *sup = json_array(), *s = json_object();
			json_object_set_new(s, "kind", json_string("external"));
			json_object_set_new(s, "justification", json_string(m->suppressed));
			json_array_append_new(sup, s);
			json_object_set_new(res, "suppressions", sup);
		}
		json_array_append_new(results, res);
	}
	free(ids);
	json_t *driver = json_object();
	json_object_set_new(driver, "name", json_string("lucid"));
	json_object_set_new(driver, "version", json_string(o->tool_version));
	json_object_set_new(driver, "informationUri",
	                    json_string("https://github.com/lucid-scanner/lucid"));
	json_object_set_new(driver, "rules", rules);
	json_t *tool = json_object();
	json_object_set_new(tool, "driver", driver);
	json_t *run = json_object();
	json_object_set_new(run, "tool", tool);
	json_object_set_new(run, "results", results);
	json_t *props = json_object();
	json_object_set_new(props, "imageName", json_string(image));
	json_object_set_new(props, "manifestDigest", str_or_null(r->manifest_digest));
	json_object_set_new(props, "namespace", str_or_null(r->ns ? r->ns->name : NULL));
	json_object_set_new(run, "properties", props);
	json_t *runs = json_array();
	json_array_append_new(runs, run);
	json_t *doc = json_object();
	json_object_set_new(doc, "$schema",
	                    json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(doc, "version", json_string("2.1.0"));
	json_object_set_new(doc, "runs", runs);
	return dump(f, doc);
}

/* ---- CycloneDX 1.5 ---- */

static const char *cdx_severity(int32_t sev)
{
	static const char *const names[] = {"unknown", "info", "low", "medium", "high", "critical"};
	return sev >= 0 && sev <= 5 ? names[sev] : "unknown";
}

static json_t *property(const char *name, const char *value)
{
	json_t *p = json_object();
	json_object_set_new(p, "name", json_string(name));
	json_object_set_new(p, "value", json_string(value));
	return p;
}

int format_cyclonedx(FILE *f, const struct index_report *r, const struct vuln_report *v,
                     const struct format_opts *o)
{
	char uuid[40], when[32];
	uuid_of(r->manifest_digest, "cyclonedx", uuid);
	rfc3339(report_time(), when);
	json_t *doc = json_object();
	json_object_set_new(doc, "$schema",
	                    json_string("http://cyclonedx.org/schema/bom-1.5.schema.json"));
	json_object_set_new(doc, "bomFormat", json_string("CycloneDX"));
	json_object_set_new(doc, "specVersion", json_string("1.5"));
	char serial[64];
	snprintf(serial, sizeof serial, "urn:uuid:%s", uuid);
	json_object_set_new(doc, "serialNumber", json_string(serial));
	json_object_set_new(doc, "version", json_integer(1));
	json_t *meta = json_object();
	json_object_set_new(meta, "timestamp", json_string(when));
	json_t *tool = json_object();
	json_object_set_new(tool, "type", json_string("application"));
	json_object_set_new(tool, "name", json_string("lucid"));
	json_object_set_new(tool, "version", json_string(o->tool_version));
	json_t *toolcomps = json_array();
	json_array_append_new(toolcomps, tool);
	json_t *tools = json_object();
	json_object_set_new(tools, "components", toolcomps);
	json_object_set_new(meta, "tools", tools);
	json_t *image = json_object();
	json_object_set_new(image, "bom-ref", json_string("image"));
	json_object_set_new(image, "type", json_string("container"));
	json_object_set_new(image, "name", json_string(image_name(r)));
	if (r->manifest_digest)
		json_object_set_new(image, "version", json_string(r->manifest_digest));
	json_object_set_new(meta, "component", image);
	json_object_set_new(doc, "metadata", meta);

	json_t *comps = json_array(), *deps = json_array();
	json_t *image_deps = json_array();
	if (r->ns) {
		json_t *os = json_object();
		json_object_set_new(os, "bom-ref", json_string("os"));
		json_object_set_new(os, "type", json_string("operating-system"));
		json_object_set_new(os, "name", json_string(r->ns->id ? r->ns->id : r->ns->name));
		if (r->ns->version_id)
			json_object_set_new(os, "version", json_string(r->ns->version_id));
		if (r->ns->pretty_name)
			json_object_set_new(os, "description", json_string(r->ns->pretty_name));
		json_array_append_new(comps, os);
		json_array_append_new(image_deps, json_string("os"));
	}
	for (size_t i = 0; i < r->npkgs; i++) {
		const struct pkg_rec *p = &r->pkgs[i];
		char ref[32];
		snprintf(ref, sizeof ref, "pkg-%zu", i + 1);
		char *purl = purl_of(r, p);
		json_t *c = json_object();
		json_object_set_new(c, "bom-ref", json_string(ref));
		json_object_set_new(c, "type", json_string("library"));
		json_object_set_new(c, "name", json_string(p->name));
		json_object_set_new(c, "version", json_string(p->version));
		json_object_set_new(c, "purl", json_string(purl));
		free(purl);
		json_t *props = json_array();
		if (p->source_name)
			json_array_append_new(props, property("lucid:source_name", p->source_name));
		if (p->source_version)
			json_array_append_new(props,
			                      property("lucid:source_version", p->source_version));
		if (p->db_path)
			json_array_append_new(props, property("lucid:db_path", p->db_path));
		if (p->layer < r->nlayers && r->layers[p->layer].digest)
			json_array_append_new(props,
			                      property("lucid:layer", r->layers[p->layer].digest));
		json_object_set_new(c, "properties", props);
		json_array_append_new(comps, c);
		json_array_append_new(image_deps, json_string(ref));
	}
	json_t *d = json_object();
	json_object_set_new(d, "ref", json_string("image"));
	json_object_set_new(d, "dependsOn", image_deps);
	json_array_append_new(deps, d);
	json_object_set_new(doc, "components", comps);
	json_object_set_new(doc, "dependencies", deps);
	if (o->sbom_only)
		return dump(f, doc);

	json_t *vulns = json_array();
	for (size_t i = 0; v && i < v->n; i++) {
		const struct match *m = &v->m[i];
		char ref[32], vref[48];
		snprintf(ref, sizeof ref, "pkg-%zu", (size_t)(m->pkg - r->pkgs) + 1);
		snprintf(vref, sizeof vref, "vuln-%zu", i + 1);
		json_t *x = json_object();
		json_object_set_new(x, "bom-ref", json_string(vref));
		json_object_set_new(x, "id", json_string(m->vuln->id));
		json_t *src = json_object();
		json_object_set_new(src, "name",
		                    json_string(m->vuln->feed ? m->vuln->feed : "lucid"));
		json_object_set_new(x, "source", src);
		json_t *ratings = json_array(), *rt = json_object();
		json_object_set_new(rt, "severity", json_string(cdx_severity(m->vuln->severity)));
		json_object_set_new(rt, "method", json_string("other"));
		json_array_append_new(ratings, rt);
		if (m->enrich && (m->enrich->parts & LUCID_ENRICH_CVSS3)) {
			json_t *c = json_object();
			json_object_set_new(c, "score", json_real(m->enrich->cvss3_score));
			json_object_set_new(
			        c, "method",
			        json_string(strncmp(m->enrich->cvss3_vector, "CVSS:3.1", 8)
			                            ? "CVSSv3"
			                            : "CVSSv31"));
			json_object_set_new(c, "vector", json_string(m->enrich->cvss3_vector));
			json_array_append_new(ratings, c);
		}
		json_object_set_new(x, "ratings", ratings);
		if (m->vuln->description)
			json_object_set_new(x, "description", json_string(m->vuln->description));
		if (m->vuln->fixed_in) {
			char rec[600];
			snprintf(rec, sizeof rec, "Upgrade %s to %s", m->pkg->name,
			         m->vuln->fixed_in);
			json_object_set_new(x, "recommendation", json_string(rec));
		}
		json_t *adv = json_array();
		for (const char *l = m->vuln->links; l && *l;) {
			size_t n = strcspn(l, " ");
			if (n) {
				json_t *a = json_object();
				json_object_set_new(a, "url", json_stringn(l, n));
				json_array_append_new(adv, a);
			}
			l += n + (l[n] == ' ');
		}
		json_object_set_new(x, "advisories", adv);
		if (m->vuln->published > 0) {
			char pub[32];
			rfc3339(m->vuln->published, pub);
			json_object_set_new(x, "published", json_string(pub));
		}
		if (m->suppressed) {
			json_t *an = json_object();
			json_object_set_new(an, "state", json_string("not_affected"));
			json_object_set_new(an, "detail", json_string(m->suppressed));
			json_object_set_new(x, "analysis", an);
		}
		json_t *affects = json_array(), *af = json_object();
		json_object_set_new(af, "ref", json_string(ref));
		json_array_append_new(affects, af);
		json_object_set_new(x, "affects", affects);
		json_t *props = json_array();
		json_array_append_new(props, property("lucid:state", state_name(m->vuln->state)));
		json_array_append_new(props, property("lucid:installed_version", m->installed));
		if (m->enrich && (m->enrich->parts & LUCID_ENRICH_EPSS)) {
			char e[32];
			snprintf(e, sizeof e, "%.5f", m->enrich->epss);
			json_array_append_new(props, property("lucid:epss", e));
		}
		if (m->enrich && (m->enrich->parts & LUCID_ENRICH_KEV))
			json_array_append_new(
			        props, property("lucid:kev_date_added", m->enrich->kev_added));
		json_object_set_new(x, "properties", props);
		json_array_append_new(vulns, x);
	}
	json_object_set_new(doc, "vulnerabilities", vulns);
	return dump(f, doc);
}

/* ---- SPDX 2.3 ---- */

int format_spdx(FILE *f, const struct index_report *r, const struct format_opts *o)
{
	char uuid[40], when[32];
	uuid_of(r->manifest_digest, "spdx", uuid);
	rfc3339(report_time(), when);
	json_t *doc = json_object();
	json_object_set_new(doc, "spdxVersion", json_string("SPDX-2.3"));
	json_object_set_new(doc, "dataLicense", json_string("CC0-1.0"));
	json_object_set_new(doc, "SPDXID", json_string("SPDXRef-DOCUMENT"));
	json_object_set_new(doc, "name", json_string(image_name(r)));
	char ns[128];
	snprintf(ns, sizeof ns, "https://lucid.invalid/spdx/%s", uuid);
	json_object_set_new(doc, "documentNamespace", json_string(ns));
	json_t *ci = json_object(), *creators = json_array();
	char creator[96];
	snprintf(creator, sizeof creator, "Tool: lucid-%s", o->tool_version);
	json_array_append_new(creators, json_string(creator));
	json_object_set_new(ci, "creators", creators);
	json_object_set_new(ci, "created", json_string(when));
	json_object_set_new(doc, "creationInfo", ci);
	json_t *pkgs = json_array(), *rels = json_array();
	json_t *img = json_object();
	json_object_set_new(img, "SPDXID", json_string("SPDXRef-Image"));
	json_object_set_new(img, "name", json_string(image_name(r)));
	if (r->manifest_digest)
		json_object_set_new(img, "versionInfo", json_string(r->manifest_digest));
	json_object_set_new(img, "downloadLocation", json_string("NOASSERTION"));
	json_object_set_new(img, "primaryPackagePurpose", json_string("CONTAINER"));
	json_array_append_new(pkgs, img);
	json_t *desc = json_object();
	json_object_set_new(desc, "spdxElementId", json_string("SPDXRef-DOCUMENT"));
	json_object_set_new(desc, "relationshipType", json_string("DESCRIBES"));
	json_object_set_new(desc, "relatedSpdxElement", json_string("SPDXRef-Image"));
	json_array_append_new(rels, desc);
	for (size_t i = 0; i < r->npkgs; i++) {
		const struct pkg_rec *p = &r->pkgs[i];
		char id[48];
		snprintf(id, sizeof id, "SPDXRef-Package-%zu", i + 1);
		char *purl = purl_of(r, p);
		json_t *x = json_object();
		json_object_set_new(x, "SPDXID", json_string(id));
		json_object_set_new(x, "name", json_string(p->name));
		json_object_set_new(x, "versionInfo", json_string(p->version));
		json_object_set_new(x, "downloadLocation", json_string("NOASSERTION"));
		json_object_set_new(x, "filesAnalyzed", json_false());
		if (p->source_name) {
			char sn[600];
			snprintf(sn, sizeof sn, "source package %s %s", p->source_name,
			         p->source_version ? p->source_version : p->version);
			json_object_set_new(x, "sourceInfo", json_string(sn));
		}
		json_t *refs = json_array(), *ref = json_object();
		json_object_set_new(ref, "referenceCategory", json_string("PACKAGE-MANAGER"));
		json_object_set_new(ref, "referenceType", json_string("purl"));
		json_object_set_new(ref, "referenceLocator", json_string(purl));
		json_array_append_new(refs, ref);
		json_object_set_new(x, "externalRefs", refs);
		free(purl);
		json_array_append_new(pkgs, x);
		json_t *rel = json_object();
		json_object_set_new(rel, "spdxElementId", json_string("SPDXRef-Image"));
		json_object_set_new(rel, "relationshipType", json_string("CONTAINS"));
		json_object_set_new(rel, "relatedSpdxElement", json_string(id));
		json_array_append_new(rels, rel);
	}
	json_object_set_new(doc, "packages", pkgs);
	json_object_set_new(doc, "relationships", rels);
	return dump(f, doc);
}

/* ---- JUnit ---- */

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 && c != '\n' && c != '\t')
			fputc(' ', f); /* not allowed in XML 1.0 */
		else
			fputc(c, f);
	}
}

int format_junit(FILE *f, const struct index_report *r, const struct vuln_report *v,
                 const struct format_opts *o)
{
	(void)o;
	size_t failures = 0, skipped = 0;
	for (size_t i = 0; i < v->n; i++)
		v->m[i].suppressed ? skipped++ : failures++;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
	fputs("  <testsuite name=\"", f);
	xml_escape(f, image_name(r));
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\">\n", v->n,
	        failures, skipped);
	for (size_t i = 0; i < v->n; i++) {
		const struct match *m = &v->m[i];
		fputs("    <testcase classname=\"", f);
		xml_escape(f, m->pkg->name);
		fputs("\" name=\"[", f);
		xml_escape(f, severity_name(m->vuln->severity));
		fputs("] ", f);
		xml_escape(f, m->vuln->id);
		fputs("\">\n", f);
		if (m->suppressed) {
			fputs("      <skipped message=\"", f);
			xml_escape(f, m->suppressed);
			fputs("\"/>\n", f);
		} else {
			char title[128];
			title_of(m->vuln, title);
			fputs("      <failure message=\"", f);
			xml_escape(f, title[0] ? title : m->vuln->id);
			fputs("\" type=\"", f);
			xml_escape(f, severity_name(m->vuln->severity));
			fputs("\">", f);
			fprintf(f, "%s %s is affected by %s; fixed in: ", m->pkg->name,
			        m->pkg->version, m->vuln->id);
			xml_escape(f, m->vuln->fixed_in ? m->vuln->fixed_in
			                                : state_name(m->vuln->state));
			fputs("</failure>\n", f);
		}
		fputs("    </testcase>\n", f);
	}
	fputs("  </testsuite>\n</testsuites>\n", f);
	return ferror(f) ? -EIO : 0;
}

/* ---- templates ---- */

static const char *field(const struct index_report *r, const struct vuln_report *v,
                         const struct match *m, const char *name, size_t n, char tmp[128])
{
#define IS(s) (n == sizeof s - 1 && !strncmp(name, s, n))
	if (IS("Image"))
		return image_name(r);
	if (IS("Namespace"))
		return r->ns ? r->ns->name : "";
	if (IS("Total")) {
		snprintf(tmp, 128, "%zu", v->n);
		return tmp;
	}
	if (!m)
		return NULL;
	if (IS("ID"))
		return m->vuln->id;
	if (IS("Package"))
		return m->pkg->name;
	if (IS("Installed"))
		return m->pkg->version;
	if (IS("FixedIn"))
		return m->vuln->fixed_in ? m->vuln->fixed_in : "";
	if (IS("Severity"))
		return severity_name(m->vuln->severity);
	if (IS("State"))
		return state_name(m->vuln->state);
	if (IS("Layer"))
		return m->pkg->layer < r->nlayers ? r->layers[m->pkg->layer].digest : "";
	if (IS("Suppressed"))
		return m->suppressed ? m->suppressed : "";
	if (IS("Title")) {
		title_of(m->vuln, tmp);
		return tmp;
	}
	return NULL;
#undef IS
}

/* Expand text[0..len) for finding m (NULL outside a range). */
static int expand(FILE *f, const char *text, size_t len, const struct index_report *r,
                  const struct vuln_report *v, const struct match *m, struct err *e)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *open = strstr(p, "{{");
		if (!open || open >= end) {
			fwrite(p, 1, (size_t)(end - p), f);
			break;
		}
		fwrite(p, 1, (size_t)(open - p), f);
		const char *close = strstr(open, "}}");
		if (!close || close >= end)
			return err_set(e, -EINVAL, "template: '{{' without '}}'");
		const char *name = open + 2;
		while (*name == ' ')
			name++;
		size_t n = (size_t)(close - name);
		while (n && name[n - 1] == ' ')
			n--;
		if (n < 2 || name[0] != '.')
			return err_set(e, -EINVAL, "template: unknown action {{%.*s}}", (int)n,
			               name);
		char tmp[128];
		const char *val = field(r, v, m, name + 1, n - 1, tmp);
		if (!val)
			return err_set(e, -EINVAL, "template: unknown field {{%.*s}}%s", (int)n,
			               name, m ? "" : " (finding fields only inside {{range .}})");
		fputs(val, f);
		p = close + 2;
	}
	return 0;
}

int format_template(FILE *f, const struct index_report *r, const struct vuln_report *v,
                    const struct format_opts *o, struct err *e)
{
	const char *t = o->template_text ? o->template_text : "";
	const char *range = strstr(t, "{{range .}}");
	if (!range)
		return expand(f, t, strlen(t), r, v, NULL, e);
	const char *body = range + strlen("{{range .}}");
	const char *endr = strstr(body, "{{end}}");
	if (!endr)
		return err_set(e, -EINVAL, "template: {{range .}} without {{end}}");
	int rc = expand(f, t, (size_t)(range - t), r, v, NULL, e);
	for (size_t i = 0; rc == 0 && i < v->n; i++)
		rc = expand(f, body, (size_t)(endr - body), r, v, &v->m[i], e);
	const char *tail = endr + strlen("{{end}}");
	if (rc == 0)
		rc = expand(f, tail, strlen(tail), r, v, NULL, e);
	return rc;
}
