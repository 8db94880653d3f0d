#include "report.h"

#include <jansson.h>
#include <lucid/record.h>
#include <stdbool.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *layer_digest(const struct index_report *r, uint32_t layer)
{
	return layer < r->nlayers ? r->layers[layer].digest : NULL;
}

static json_t *links_array(const char *links)
{
	json_t *arr = json_array();
	if (!links)
		return arr;
	const char *p = links;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n)
			json_array_append_new(arr, json_stringn(p, n));
		p += n;
	}
	return arr;
}

json_t *report_enrichment_json(const struct match *m)
{
	const struct enrich_rec *en = m->enrich;
	if (!en)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "cve", json_string(en->cve));
	if (en->parts & LUCID_ENRICH_CVSS3) {
		json_t *c = json_object();
		json_object_set_new(c, "vector", json_string(en->cvss3_vector));
		json_object_set_new(c, "base_score", json_real(en->cvss3_score));
		json_object_set_new(o, "cvss3", c);
	}
	if (en->parts & LUCID_ENRICH_CVSS4) {
		json_t *c = json_object();
		json_object_set_new(c, "vector", json_string(en->cvss4_vector));
		json_object_set_new(c, "base_score", json_real(en->cvss4_score));
		json_object_set_new(o, "cvss4", c);
	}
	if (en->parts & LUCID_ENRICH_EPSS) {
		json_t *c = json_object();
		json_object_set_new(c, "probability", json_real(en->epss));
		json_object_set_new(c, "percentile", json_real(en->epss_percentile));
		json_object_set_new(c, "date", str_or_null(en->epss_date));
		json_object_set_new(o, "epss", c);
	}
	if (en->parts & LUCID_ENRICH_KEV) {
		json_t *c = json_object();
		json_object_set_new(c, "date_added", str_or_null(en->kev_added));
		json_object_set_new(c, "due_date", str_or_null(en->kev_due));
		json_object_set_new(c, "ransomware", str_or_null(en->kev_ransomware));
		json_object_set_new(o, "known_exploited", c);
	}
	return o;
}

char *report_json(const struct index_report *r, const struct vuln_report *v)
{
	json_t *root = json_object();
	json_object_set_new(root, "source", str_or_null(r->source));
	json_object_set_new(root, "format", str_or_null(r->format));
	json_t *man = json_object();
	json_object_set_new(man, "digest", str_or_null(r->manifest_digest));
	json_object_set_new(man, "ref", str_or_null(r->ref));
	json_object_set_new(man, "config", str_or_null(r->config));
	json_object_set_new(root, "manifest", man);
	json_t *layers = json_array();
	for (size_t i = 0; i < r->nlayers; i++) {
		json_t *l = json_object();
		json_object_set_new(l, "digest", str_or_null(r->layers[i].digest));
		json_object_set_new(l, "diff_id", str_or_null(r->layers[i].diff_id));
		json_object_set_new(l, "cached", json_boolean(r->layers[i].cached));
		json_array_append_new(layers, l);
	}
	json_object_set_new(root, "layers", layers);
	if (r->ns) {
		json_t *d = json_object();
		json_object_set_new(d, "id", str_or_null(r->ns->id));
		json_object_set_new(d, "version_id", str_or_null(r->ns->version_id));
		json_object_set_new(d, "namespace", str_or_null(r->ns->name));
		json_object_set_new(d, "pretty_name", str_or_null(r->ns->pretty_name));
		json_object_set_new(d, "based_on", str_or_null(r->ns->based_on));
		json_object_set_new(root, "distribution", d);
	} else {
		json_object_set_new(root, "distribution", json_null());
	}
	json_t *pkgs = json_array();
	for (size_t i = 0; i < r->npkgs; i++) {
		const struct pkg_rec *p = &r->pkgs[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(p->name));
		json_object_set_new(o, "version", json_string(p->version));
		json_object_set_new(o, "arch", str_or_null(p->arch));
		json_object_set_new(o, "source",
		                    json_string(p->source_name ? p->source_name : p->name));
		json_object_set_new(
		        o, "source_version",
		        json_string(p->source_version ? p->source_version : p->version));
		json_object_set_new(o, "version_format", str_or_null(p->version_format));
		json_object_set_new(o, "db_path", str_or_null(p->db_path));
		if (p->module)
			json_object_set_new(o, "module", json_string(p->module));
		json_object_set_new(o, "layer", str_or_null(layer_digest(r, p->layer)));
		json_array_append_new(pkgs, o);
	}
	json_object_set_new(root, "packages", pkgs);
	json_t *vulns = json_array();
	for (size_t i = 0; v && i < v->n; i++) {
		const struct match *m = &v->m[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(m->vuln->id));
		json_object_set_new(o, "package", json_string(m->pkg->name));
		json_object_set_new(o, "package_version", json_string(m->pkg->version));
		json_object_set_new(o, "feed_package", str_or_null(m->vuln->package));
		json_object_set_new(o, "installed_version", json_string(m->installed));
		json_object_set_new(o, "fixed_in", str_or_null(m->vuln->fixed_in));
		json_object_set_new(o, "state", json_string(state_name(m->vuln->state)));
		json_object_set_new(o, "severity", json_string(severity_name(m->vuln->severity)));
		json_object_set_new(o, "vendor_severity", str_or_null(m->vuln->vendor_severity));
		json_object_set_new(o, "advisory", str_or_null(m->vuln->advisory));
		json_object_set_new(o, "layer", str_or_null(layer_digest(r, m->pkg->layer)));
		json_object_set_new(o, "links", links_array(m->vuln->links));
		json_object_set_new(o, "aliases", links_array(m->vuln->aliases));
		json_object_set_new(o, "description", str_or_null(m->vuln->description));
		json_object_set_new(o, "feed", str_or_null(m->vuln->feed));
		json_object_set_new(o, "enrichments", report_enrichment_json(m));
		json_object_set_new(o, "suppressed", str_or_null(m->suppressed));
		json_array_append_new(vulns, o);
	}
	json_object_set_new(root, "vulnerabilities", vulns);
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

static const char *short_digest(const char *d, char out[24])
{
	if (!d)
		return "-";
	const char *hex = strchr(d, ':');
	snprintf(out, 24, "%.12s", hex ? hex + 1 : d);
	return out;
}

static int by_severity(const void *x, const void *y)
{
	const struct match *a = x, *b = y;
	if (a->vuln->severity != b->vuln->severity)
		return b->vuln->severity - a->vuln->severity;
	int c = strcmp(a->pkg->name, b->pkg->name);
	return c ? c : strcmp(a->vuln->id, b->vuln->id);
}

/* ANSI colours per severity (Unknown, Negligible, Low, Medium, High, Critical). */
static const char *const sev_colour[] = {"\033[37m", "\033[37m",   "\033[34m",
                                         "\033[33m", "\033[1;31m", "\033[1;35m"};
#define RESET "\033[0m"

void report_table(FILE *f, const struct index_report *r, const struct vuln_report *v)
{
	struct table_opts o = {0};
	report_table_ex(f, r, v, &o);
}

void report_table_ex(FILE *f, const struct index_report *r, const struct vuln_report *v,
                     const struct table_opts *o)
{
	fprintf(f, "image:    %s (%s, manifest %s)\n", r->source ? r->source : "-",
	        r->format ? r->format : "-", r->manifest_digest ? r->manifest_digest : "-");
	if (r->ns && r->ns->based_on)
		fprintf(f, "os:       %s (%s, matched against %s data too)\n",
		        r->ns->pretty_name ? r->ns->pretty_name : r->ns->name, r->ns->name,
		        r->ns->based_on);
	else if (r->ns)
		fprintf(f, "os:       %s (%s)\n",
		        r->ns->pretty_name ? r->ns->pretty_name : r->ns->name, r->ns->name);
	else
		fprintf(f, "os:       not detected\n");
	size_t counts[6] = {0}, fixable = 0, shown = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->m[i].suppressed)
			continue;
		int32_t s = v->m[i].vuln->severity;
		counts[s >= 0 && s <= 5 ? s : 0]++;
		fixable += v->m[i].vuln->state == LUCID_STATE_FIXED;
		shown++;
	}
	fprintf(f, "packages: %zu in %zu layer%s\n", r->npkgs, r->nlayers,
	        r->nlayers == 1 ? "" : "s");
	fprintf(f,
	        "vulnerabilities: %zu (Critical %zu, High %zu, Medium %zu, Low %zu, Negligible "
	        "%zu, Unknown %zu)",
	        shown, counts[5], counts[4], counts[3], counts[2], counts[1], counts[0]);
	if (shown)
		fprintf(f, "; %zu (%.0f%%) could be fixed by updating", fixable,
		        100.0 * (double)fixable / (double)shown);
	if (o->suppressed_total)
		fprintf(f, "; %zu suppressed", o->suppressed_total);
	fputs("\n\n", f);
	if (!v->n)
		return;
	/* grouped by severity, most severe first */
	struct match *rows = xmalloc(v->n * sizeof *rows);
	memcpy(rows, v->m, v->n * sizeof *rows);
	qsort(rows, v->n, sizeof *rows, by_severity);
	bool enriched = false;
	for (size_t i = 0; i < v->n; i++)
		enriched |= rows[i].enrich != NULL;
	size_t w[5] = {7, 9, 13, 8, 8};
	for (size_t i = 0; i < v->n; i++) {
		const struct match *m = &rows[i];
		const char *fixed =
		        m->vuln->fixed_in ? m->vuln->fixed_in : state_name(m->vuln->state);
		size_t l[5] = {strlen(m->pkg->name), strlen(m->pkg->version), strlen(m->vuln->id),
		               strlen(severity_name(m->vuln->severity)), strlen(fixed)};
		for (int k = 0; k < 5; k++)
			if (l[k] > w[k])
				w[k] = l[k];
	}
	fprintf(f, "%-*s  %-*s  %-*s  %-*s  %-*s  ", (int)w[0], "PACKAGE", (int)w[1], "INSTALLED",
	        (int)w[2], "VULNERABILITY", (int)w[3], "SEVERITY", (int)w[4], "FIXED IN");
	if (enriched)
		fprintf(f, "%-4s  %-6s  %-3s  ", "CVSS", "EPSS", "KEV");
	fprintf(f, "LAYER\n");
	for (size_t i = 0; i < v->n; i++) {
		const struct match *m = &rows[i];
		char sd[24];
		const char *fixed =
		        m->vuln->fixed_in ? m->vuln->fixed_in : state_name(m->vuln->state);
		int32_t s =
		        m->vuln->severity >= 0 && m->vuln->severity <= 5 ? m->vuln->severity : 0;
		fprintf(f, "%-*s  %-*s  %-*s  ", (int)w[0], m->pkg->name, (int)w[1],
		        m->pkg->version, (int)w[2], m->vuln->id);
		if (o->colour)
			fprintf(f, "%s%-*s%s  ", sev_colour[s], (int)w[3], severity_name(s), RESET);
		else
			fprintf(f, "%-*s  ", (int)w[3], severity_name(s));
		fprintf(f, "%-*s  ", (int)w[4], fixed);
		if (enriched) {
			const struct enrich_rec *en = m->enrich;
			uint32_t parts = en ? en->parts : 0;
			char cvss[16] = "-", epss[16] = "-";
			if (parts & LUCID_ENRICH_CVSS3)
				snprintf(cvss, sizeof cvss, "%.1f", en->cvss3_score);
			else if (parts & LUCID_ENRICH_CVSS4)
				snprintf(cvss, sizeof cvss, "%.1f", en->cvss4_score);
			if (parts & LUCID_ENRICH_EPSS)
				snprintf(epss, sizeof epss, "%.2f%%", en->epss * 100.0);
			fprintf(f, "%-4s  %-6s  %-3s  ", cvss, epss,
			        parts & LUCID_ENRICH_KEV ? "yes" : "-");
		}
		fprintf(f, "%u:%s", m->pkg->layer + 1,
		        short_digest(layer_digest(r, m->pkg->layer), sd));
		if (m->suppressed)
			fprintf(f, "  (suppressed: %s)", m->suppressed);
		fputc('\n', f);
	}
	free(rows);
}
