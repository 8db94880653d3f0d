#include "clair_json.h"

#include "json_writer.h"

#include <lucid/error.h>
#include <lucid/record.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- requests ---- */

static int fail(char *err, size_t errlen, int rc, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return rc;
}

static json_t *load(const char *body, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		snprintf(err, errlen, "invalid JSON at line %d, column %d: %s", je.line, je.column,
		         je.text);
	return root;
}

/* A bounded string member of o: 0 and *out set (NULL if absent and optional), or EPARSE. */
static int get_string(json_t *o, const char *key, bool required, struct arena *a, const char **out,
                      const char *where, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s.%s is missing", where, key);
		return LUCID_EPARSE;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s.%s must be a string", where, key);
		return LUCID_EPARSE;
	}
	size_t n = json_string_length(v);
	if (n > CLAIR_MAX_STRING || memchr(json_string_value(v), 0, n)) {
		snprintf(err, errlen, "%s.%s is too long or holds a NUL", where, key);
		return LUCID_EPARSE;
	}
	*out = arena_strndup(a, json_string_value(v), n);
	return 0;
}

static bool header_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
			return false;
	return true;
}

static bool header_value_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == 0)
			return false;
	return n <= CLAIR_MAX_STRING;
}

/* Add "name: value" to a growing list. */
static int add_header(struct arena *a, const char ***list, size_t *n, const char *name,
                      json_t *value, const char *where, char *err, size_t errlen)
{
	if (!header_name_ok(name))
		return fail(err, errlen, LUCID_EPARSE, "%s: invalid header name", where);
	if (!json_is_string(value) ||
	    !header_value_ok(json_string_value(value), json_string_length(value)))
		return fail(err, errlen, LUCID_EPARSE,
		            "%s: header values must be strings without line breaks", where);
	if (*n >= CLAIR_MAX_HEADERS)
		return fail(err, errlen, LUCID_ELIMIT, "%s: too many headers", where);
	const char **nl = arena_alloc(a, (*n + 1) * sizeof *nl);
	if (*n)
		memcpy(nl, *list, *n * sizeof *nl);
	nl[*n] = arena_printf(a, "%s: %s", name, json_string_value(value));
	*list = nl;
	(*n)++;
	return 0;
}

int clair_parse_manifest(const char *body, size_t len, struct arena *a, struct remote_manifest *m,
                         char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	json_t *root = load(body, len, err, errlen);
	if (!root)
		return LUCID_EPARSE;
	int rc = 0;
	if (!json_is_object(root)) {
		rc = fail(err, errlen, LUCID_EPARSE, "%s", "the manifest must be a JSON object");
		goto out;
	}
	if ((rc = get_string(root, "hash", true, a, &m->digest, "manifest", err, errlen)) < 0)
		goto out;
	if (!digest_valid(m->digest)) {
		rc = fail(err, errlen, LUCID_EPARSE,
		          "manifest.hash '%.100s' is not a sha256 digest", m->digest);
		goto out;
	}
	json_t *layers = json_object_get(root, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0) {
		rc = fail(err, errlen, LUCID_EPARSE, "%s",
		          "manifest.layers must be a non-empty array");
		goto out;
	}
	if (json_array_size(layers) > CLAIR_MAX_LAYERS) {
		rc = fail(err, errlen, LUCID_ELIMIT, "%s", "manifest.layers: too many layers");
		goto out;
	}
	size_t n = json_array_size(layers);
	struct remote_layer *ls = arena_alloc(a, n * sizeof *ls);
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *l = json_array_get(layers, i);
		char where[48];
		snprintf(where, sizeof where, "manifest.layers[%zu]", i);
		if (!json_is_object(l)) {
			rc = fail(err, errlen, LUCID_EPARSE, "%s must be an object", where);
			break;
		}
		if ((rc = get_string(l, "hash", true, a, &ls[i].digest, where, err, errlen)) < 0 ||
		    (rc = get_string(l, "uri", true, a, &ls[i].uri, where, err, errlen)) < 0)
			break;
		if (!digest_valid(ls[i].digest)) {
			snprintf(err, errlen, "%s.hash '%.100s' is not a sha256 digest", where,
			         ls[i].digest);
			rc = LUCID_EPARSE;
			break;
		}
		json_t *h = json_object_get(l, "headers");
		if (h && !json_is_null(h) && !json_is_object(h)) {
			rc = fail(err, errlen, LUCID_EPARSE,
			          "%s.headers must be an object of name to list of values", where);
			break;
		}
		const char *name;
		json_t *vals;
		const char **list = NULL;
		size_t nh = 0;
		json_object_foreach (h, name, vals) {
			if (json_is_string(vals)) {
				rc = add_header(a, &list, &nh, name, vals, where, err, errlen);
			} else if (json_is_array(vals)) {
				size_t k;
				json_t *v;
				json_array_foreach (vals, k, v) {
					if ((rc = add_header(a, &list, &nh, name, v, where, err,
					                     errlen)) < 0)
						break;
				}
			} else {
				rc = fail(err, errlen, LUCID_EPARSE,
				          "%s.headers values must be lists of strings", where);
			}
			if (rc < 0)
				break;
		}
		ls[i].headers = list;
		ls[i].nheaders = nh;
	}
	m->layers = ls;
	m->nlayers = n;
out:
	json_decref(root);
	return rc;
}

int clair_parse_v1_layer(const char *body, size_t len, struct arena *a,
                         struct v1_layer_request *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	json_t *root = load(body, len, err, errlen);
	if (!root)
		return LUCID_EPARSE;
	int rc = 0;
	json_t *l = json_object_get(root, "Layer");
	if (!json_is_object(l)) {
		rc = fail(err, errlen, LUCID_EPARSE, "%s", "the body must be {\"Layer\": {...}}");
		goto out;
	}
	if ((rc = get_string(l, "Name", true, a, &out->name, "Layer", err, errlen)) < 0 ||
	    (rc = get_string(l, "Path", true, a, &out->path, "Layer", err, errlen)) < 0 ||
	    (rc = get_string(l, "ParentName", false, a, &out->parent, "Layer", err, errlen)) < 0 ||
	    (rc = get_string(l, "Format", false, a, &out->format, "Layer", err, errlen)) < 0)
		goto out;
	if (!out->name[0] || strlen(out->name) > 512 || strchr(out->name, '/')) {
		rc = fail(err, errlen, LUCID_EPARSE, "%s",
		          "Layer.Name must be 1 to 512 characters, without '/'");
		goto out;
	}
	if (out->parent && !out->parent[0])
		out->parent = NULL;
	if (out->format && strcmp(out->format, "Docker") != 0 && strcmp(out->format, "OCI") != 0 &&
	    strcmp(out->format, "ACI") != 0) {
		rc = fail(err, errlen, LUCID_EPARSE,
		          "Layer.Format '%.40s' is not supported (Docker, OCI or ACI)",
		          out->format);
		goto out;
	}
	json_t *h = json_object_get(l, "Headers");
	if (h && !json_is_null(h) && !json_is_object(h)) {
		rc = fail(err, errlen, LUCID_EPARSE, "%s", "Layer.Headers must be an object");
		goto out;
	}
	const char *name;
	json_t *v;
	const char **list = NULL;
	size_t nh = 0;
	json_object_foreach (h, name, v) {
		if ((rc = add_header(a, &list, &nh, name, v, "Layer.Headers", err, errlen)) < 0)
			break;
	}
	out->headers = list;
	out->nheaders = nh;
out:
	json_decref(root);
	return rc;
}

int clair_parse_digest_list(const char *body, size_t len, struct arena *a, const char ***out,
                            size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	json_t *root = load(body, len, err, errlen);
	if (!root)
		return LUCID_EPARSE;
	int rc = 0;
	if (!json_is_array(root) || json_array_size(root) > 10000) {
		rc = fail(err, errlen, LUCID_EPARSE, "%s",
		          "the body must be an array of at most 10000 digests");
		goto out;
	}
	const char **list = arena_alloc(a, (json_array_size(root) + 1) * sizeof *list);
	size_t i;
	json_t *v;
	json_array_foreach (root, i, v) {
		if (!json_is_string(v) || !digest_valid(json_string_value(v))) {
			rc = fail(err, errlen, LUCID_EPARSE, "%s",
			          "every entry must be a sha256 digest string");
			goto out;
		}
		list[i] = arena_strdup(a, json_string_value(v));
	}
	*out = list;
	*n = json_array_size(root);
out:
	json_decref(root);
	return rc;
}

/* ---- answers ---- */

static json_t *str_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

/* ---- the v4 reports, written straight into a buffer ---- */

static void w_distribution(struct jw *w, const struct ns_rec *ns, const char *namespace_name)
{
	jw_object(w);
	jw_key(w, "id");
	jw_string(w, "1");
	jw_key(w, "did");
	jw_string_or_empty(w, ns->id);
	jw_key(w, "name");
	jw_string_or_empty(w, ns->pretty_name);
	jw_key(w, "version");
	jw_string_or_empty(w, ns->version_id);
	jw_key(w, "version_code_name");
	jw_string(w, "");
	jw_key(w, "version_id");
	jw_string_or_empty(w, ns->version_id);
	jw_key(w, "arch");
	jw_string(w, "");
	jw_key(w, "cpe");
	jw_string(w, "");
	jw_key(w, "pretty_name");
	jw_string_or_empty(w, ns->pretty_name);
	/* lucid's own */
	jw_key(w, "namespace");
	jw_string(w, namespace_name);
	if (ns->based_on) {
		jw_key(w, "based_on");
		jw_string(w, ns->based_on);
	}
	jw_end_object(w);
}

/* Package i has id "2i+1", its source "2i+2": ids are document-local, as in Clair. */
static void w_package(struct jw *w, const struct pkg_rec *p, size_t i)
{
	char id[32], sid[32];
	snprintf(id, sizeof id, "%zu", 2 * i + 1);
	snprintf(sid, sizeof sid, "%zu", 2 * i + 2);
	jw_object(w);
	jw_key(w, "id");
	jw_string(w, id);
	jw_key(w, "name");
	jw_string(w, p->name);
	jw_key(w, "version");
	jw_string(w, p->version);
	jw_key(w, "kind");
	jw_string(w, "binary");
	jw_key(w, "arch");
	jw_string_or_empty(w, p->arch);
	jw_key(w, "normalized_version");
	jw_string(w, "");
	jw_key(w, "cpe");
	jw_string(w, "");
	if (p->module) {
		jw_key(w, "module");
		jw_string(w, p->module);
	}
	jw_key(w, "source");
	jw_object(w);
	jw_key(w, "id");
	jw_string(w, sid);
	jw_key(w, "name");
	jw_string(w, p->source_name ? p->source_name : p->name);
	jw_key(w, "version");
	jw_string(w, p->source_version ? p->source_version : p->version);
	jw_key(w, "kind");
	jw_string(w, "source");
	jw_key(w, "normalized_version");
	jw_string(w, "");
	jw_key(w, "cpe");
	jw_string(w, "");
	jw_end_object(w);
	jw_end_object(w);
}

/* The IndexReport's members, inside an object the caller opened. */
static void w_index_members(struct jw *w, const struct index_report *r)
{
	jw_key(w, "manifest_hash");
	jw_string_or_empty(w, r->manifest_digest);
	jw_key(w, "state");
	jw_string(w, "IndexFinished");
	jw_key(w, "success");
	jw_bool(w, true);
	jw_key(w, "err");
	jw_string(w, "");
	jw_key(w, "packages");
	jw_object(w);
	for (size_t i = 0; i < r->npkgs; i++) {
		char id[32];
		snprintf(id, sizeof id, "%zu", 2 * i + 1);
		jw_key(w, id);
		w_package(w, &r->pkgs[i], i);
	}
	jw_end_object(w);
	jw_key(w, "distributions");
	jw_object(w);
	if (r->ns) {
		jw_key(w, "1");
		w_distribution(w, r->ns, r->ns->name);
	}
	jw_end_object(w);
	jw_key(w, "repository");
	jw_object(w);
	jw_end_object(w);
	jw_key(w, "environments");
	jw_object(w);
	for (size_t i = 0; i < r->npkgs; i++) {
		const struct pkg_rec *p = &r->pkgs[i];
		char id[32];
		snprintf(id, sizeof id, "%zu", 2 * i + 1);
		jw_key(w, id);
		jw_array(w);
		jw_object(w);
		jw_key(w, "package_db");
		jw_string_or_empty(w, p->db_path);
		jw_key(w, "introduced_in");
		jw_string_or_empty(w, p->layer < r->nlayers ? r->layers[p->layer].digest : NULL);
		jw_key(w, "distribution_id");
		jw_string(w, r->ns ? "1" : "");
		jw_key(w, "repository_ids");
		jw_null(w);
		jw_end_object(w);
		jw_end_array(w);
	}
	jw_end_object(w);
}

char *clair_index_report(const struct index_report *r, size_t *len)
{
	struct jw w = {0};
	jw_object(&w);
	w_index_members(&w, r);
	jw_end_object(&w);
	return jw_finish(&w, len);
}

static void w_rfc3339(struct jw *w, int64_t t)
{
	if (t <= 0) {
		jw_string(w, "0001-01-01T00:00:00Z");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char b[32];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_string(w, b);
}

static void w_vulnerability(struct jw *w, const struct vuln_rec *v, const struct ns_rec *ns,
                            const char *id)
{
	jw_object(w);
	jw_key(w, "id");
	jw_string(w, id);
	jw_key(w, "updater");
	jw_string_or_empty(w, v->feed);
	jw_key(w, "name");
	jw_string(w, v->id);
	jw_key(w, "description");
	jw_string_or_empty(w, v->description);
	jw_key(w, "issued");
	w_rfc3339(w, v->published);
	jw_key(w, "links");
	jw_string_or_empty(w, v->links);
	jw_key(w, "severity");
	jw_string(w, v->vendor_severity ? v->vendor_severity : severity_name(v->severity));
	jw_key(w, "normalized_severity");
	jw_string(w, severity_name(v->severity));
	jw_key(w, "package");
	jw_object(w);
	jw_key(w, "id");
	jw_string(w, "");
	jw_key(w, "name");
	jw_string(w, v->package);
	jw_key(w, "version");
	jw_string(w, "");
	jw_key(w, "kind");
	jw_string(w, v->package_kind == LUCID_PACKAGE_BINARY ? "binary" : "source");
	if (v->module) {
		jw_key(w, "module");
		jw_string(w, v->module);
	}
	jw_end_object(w);
	jw_key(w, "distribution");
	w_distribution(w, ns, v->ns);
	jw_key(w, "repository");
	jw_null(w);
	jw_key(w, "fixed_in_version");
	jw_string_or_empty(w, v->fixed_in);
	jw_key(w, "arch_op");
	jw_string(w, v->arch ? "pattern match" : "");
	/* lucid's own */
	jw_key(w, "state");
	jw_string(w, state_name(v->state));
	if (v->advisory) {
		jw_key(w, "advisory");
		jw_string(w, v->advisory);
	}
	if (v->arch) {
		jw_key(w, "arch");
		jw_string(w, v->arch);
	}
	jw_end_object(w);
}

/* Distinct vulnerability records: a chained hash set of their identities. */
struct vuln_id {
	struct vuln_id *next;
	const char *key;
	size_t id;
};

static size_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

/* Whether any of the distinct vulnerabilities has the enrichment part. */
static bool any_part(const struct match **m, size_t n, uint32_t part)
{
	for (size_t k = 0; k < n; k++)
		if (m[k]->enrich && (m[k]->enrich->parts & part))
			return true;
	return false;
}

/*
 * Clair's enrichment layout: per enricher, a media-type key whose value is a one-element
 * array of {vulnerability id: [record]}.
 */
static void w_enrichments(struct jw *w, const struct match **m, size_t n)
{
	static const struct {
		uint32_t part;
		const char *type;
	} kinds[] = {
	        {LUCID_ENRICH_CVSS3 | LUCID_ENRICH_CVSS4,
	         "message/vnd.clair.map.vulnerability; enricher=clair.cvss "
	         "schema=https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema"},
	        {LUCID_ENRICH_EPSS, "message/vnd.clair.map.vulnerability; enricher=clair.epss "
	                            "schema=none"},
	        {LUCID_ENRICH_KEV, "message/vnd.clair.map.vulnerability; enricher=clair.kev "
	                           "schema=none"},
	};
	jw_object(w);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		if (!any_part(m, n, kinds[k].part))
			continue;
		jw_key(w, kinds[k].type);
		jw_array(w);
		jw_object(w);
		for (size_t i = 0; i < n; i++) {
			const struct enrich_rec *en = m[i]->enrich;
			if (!en || !(en->parts & kinds[k].part))
				continue;
			char id[32];
			snprintf(id, sizeof id, "%zu", i + 1);
			jw_key(w, id);
			jw_array(w);
			for (int v4 = 0; v4 < 2 && k == 0; v4++) {
				if (!(en->parts & (v4 ? LUCID_ENRICH_CVSS4 : LUCID_ENRICH_CVSS3)))
					continue;
				const char *vec = v4 ? en->cvss4_vector : en->cvss3_vector;
				jw_object(w);
				jw_key(w, "version");
				jw_stringn(w, vec + 5, strcspn(vec + 5, "/"));
				jw_key(w, "vectorString");
				jw_string(w, vec);
				jw_key(w, "baseScore");
				jw_double(w, v4 ? en->cvss4_score : en->cvss3_score);
				jw_end_object(w);
			}
			if (k == 1) {
				jw_object(w);
				jw_key(w, "cve");
				jw_string(w, en->cve);
				jw_key(w, "epss");
				jw_double(w, en->epss);
				jw_key(w, "percentile");
				jw_double(w, en->epss_percentile);
				jw_key(w, "date");
				jw_string(w, en->epss_date);
				jw_end_object(w);
			} else if (k == 2) {
				jw_object(w);
				jw_key(w, "cve");
				jw_string(w, en->cve);
				jw_key(w, "date_added");
				jw_string(w, en->kev_added);
				jw_key(w, "due_date");
				jw_string(w, en->kev_due);
				jw_key(w, "known_ransomware_campaign_use");
				jw_string(w, en->kev_ransomware);
				jw_end_object(w);
			}
			jw_end_array(w);
		}
		jw_end_object(w);
		jw_end_array(w);
	}
	jw_end_object(w);
}

char *clair_vulnerability_report(const struct index_report *r, const struct vuln_report *v,
                                 size_t *len)
{
	struct arena a = {0};
	size_t n = v ? v->n : 0, nb = n * 2 + 1, distinct = 0;
	struct vuln_id **table = arena_alloc(&a, nb * sizeof *table);
	size_t *ids = arena_alloc(&a, (n ? n : 1) * sizeof *ids); /* match -> vulnerability id */
	const struct vuln_rec **first = arena_alloc(&a, (n ? n : 1) * sizeof *first);
	const struct match **first_match = arena_alloc(&a, (n ? n : 1) * sizeof *first_match);
	for (size_t i = 0; i < n; i++) {
		const struct vuln_rec *x = v->m[i].vuln;
		char *key = arena_printf(&a, "%s|%s|%s|%s|%s|%d|%s", x->feed ? x->feed : "", x->id,
		                         x->ns, x->package, x->fixed_in ? x->fixed_in : "",
		                         x->state, x->module ? x->module : "");
		size_t b = fnv(key) % nb;
		struct vuln_id *e = table[b];
		while (e && strcmp(e->key, key) != 0)
			e = e->next;
		if (!e) {
			e = arena_alloc(&a, sizeof *e);
			e->key = key;
			e->id = ++distinct;
			e->next = table[b];
			table[b] = e;
			first[distinct - 1] = x;
			first_match[distinct - 1] = &v->m[i];
		}
		ids[i] = e->id;
	}
	struct jw w = {0};
	jw_object(&w);
	w_index_members(&w, r);
	jw_key(&w, "vulnerabilities");
	jw_object(&w);
	for (size_t k = 0; k < distinct; k++) {
		char id[32];
		snprintf(id, sizeof id, "%zu", k + 1);
		jw_key(&w, id);
		w_vulnerability(&w, first[k], r->ns, id);
	}
	jw_end_object(&w);
	/* per package, its distinct vulnerability ids in match order */
	jw_key(&w, "package_vulnerabilities");
	jw_object(&w);
	bool *listed = arena_alloc(&a, (distinct ? distinct : 1) * sizeof *listed);
	for (size_t p = 0; p < r->npkgs; p++) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			if (v->m[i].pkg != &r->pkgs[p] || listed[ids[i] - 1])
				continue;
			if (!any) {
				char pid[32];
				snprintf(pid, sizeof pid, "%zu", 2 * p + 1);
				jw_key(&w, pid);
				jw_array(&w);
				any = true;
			}
			char id[32];
			snprintf(id, sizeof id, "%zu", ids[i]);
			jw_string(&w, id);
			listed[ids[i] - 1] = true;
		}
		if (any) {
			jw_end_array(&w);
			for (size_t i = 0; i < n; i++)
				if (v->m[i].pkg == &r->pkgs[p])
					listed[ids[i] - 1] = false;
		}
	}
	jw_end_object(&w);
	jw_key(&w, "enrichments");
	w_enrichments(&w, first_match, distinct);
	jw_end_object(&w);
	arena_free(&a);
	return jw_finish(&w, len);
}

json_t *clair_v1_layer(const char *name, const char *parent, const struct index_report *r,
                       const struct vuln_report *v, int features, int vulnerabilities)
{
	json_t *l = json_object();
	json_object_set_new(l, "Name", json_string(name));
	json_object_set_new(l, "NamespaceName", str_or_empty(r->ns ? r->ns->name : NULL));
	if (parent)
		json_object_set_new(l, "ParentName", json_string(parent));
	json_object_set_new(l, "IndexedByVersion", json_integer(3));
	if (features || vulnerabilities) {
		json_t *fs = json_array();
		for (size_t i = 0; i < r->npkgs; i++) {
			const struct pkg_rec *p = &r->pkgs[i];
			json_t *f = json_object();
			json_object_set_new(f, "Name", json_string(p->name));
			json_object_set_new(f, "NamespaceName",
			                    str_or_empty(r->ns ? r->ns->name : NULL));
			json_object_set_new(f, "VersionFormat", str_or_empty(p->version_format));
			json_object_set_new(f, "Version", json_string(p->version));
			json_object_set_new(f, "AddedBy",
			                    str_or_empty(p->layer < r->nlayers
			                                         ? r->layers[p->layer].digest
			                                         : NULL));
			if (vulnerabilities) {
				json_t *vs = json_array();
				for (size_t k = 0; v && k < v->n; k++) {
					if (v->m[k].pkg != p)
						continue;
					const struct vuln_rec *x = v->m[k].vuln;
					json_t *o = json_object();
					json_object_set_new(o, "Name", json_string(x->id));
					json_object_set_new(o, "NamespaceName", json_string(x->ns));
					json_object_set_new(o, "Description",
					                    str_or_empty(x->description));
					const char *sp = x->links ? strchr(x->links, ' ') : NULL;
					json_object_set_new(
					        o, "Link",
					        x->links ? json_stringn(x->links,
					                                sp ? (size_t)(sp - x->links)
					                                   : strlen(x->links))
					                 : json_string(""));
					json_object_set_new(
					        o, "Severity",
					        json_string(severity_name(x->severity)));
					if (x->fixed_in)
						json_object_set_new(o, "FixedBy",
						                    json_string(x->fixed_in));
					json_array_append_new(vs, o);
				}
				if (json_array_size(vs))
					json_object_set_new(f, "Vulnerabilities", vs);
				else
					json_decref(vs);
			}
			json_array_append_new(fs, f);
		}
		json_object_set_new(l, "Features", fs);
	}
	json_t *root = json_object();
	json_object_set_new(root, "Layer", l);
	return root;
}
