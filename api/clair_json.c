#include "clair_json.h"

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
	if (out->format && strcmp(out->format, "Docker") != 0 && strcmp(out->format, "OCI") != 0) {
		rc = fail(err, errlen, LUCID_EPARSE,
		          "Layer.Format '%.40s' is not supported (Docker or OCI)", out->format);
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

static json_t *distribution(const struct ns_rec *ns)
{
	json_t *d = json_object();
	json_object_set_new(d, "id", json_string("1"));
	json_object_set_new(d, "did", str_or_empty(ns->id));
	json_object_set_new(d, "name", str_or_empty(ns->pretty_name));
	json_object_set_new(d, "version", str_or_empty(ns->version_id));
	json_object_set_new(d, "version_code_name", json_string(""));
	json_object_set_new(d, "version_id", str_or_empty(ns->version_id));
	json_object_set_new(d, "arch", json_string(""));
	json_object_set_new(d, "cpe", json_string(""));
	json_object_set_new(d, "pretty_name", str_or_empty(ns->pretty_name));
	/* lucid's own */
	json_object_set_new(d, "namespace", json_string(ns->name));
	if (ns->based_on)
		json_object_set_new(d, "based_on", json_string(ns->based_on));
	return d;
}

/* Package i has id "2i+1", its source "2i+2": ids are document-local, as in Clair. */
static json_t *package(const struct pkg_rec *p, size_t i)
{
	char id[32], sid[32];
	snprintf(id, sizeof id, "%zu", 2 * i + 1);
	snprintf(sid, sizeof sid, "%zu", 2 * i + 2);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "version", json_string(p->version));
	json_object_set_new(o, "kind", json_string("binary"));
	json_object_set_new(o, "arch", str_or_empty(p->arch));
	json_object_set_new(o, "normalized_version", json_string(""));
	json_object_set_new(o, "cpe", json_string(""));
	if (p->module)
		json_object_set_new(o, "module", json_string(p->module));
	json_t *src = json_object();
	json_object_set_new(src, "id", json_string(sid));
	json_object_set_new(src, "name", json_string(p->source_name ? p->source_name : p->name));
	json_object_set_new(src, "version",
	                    json_string(p->source_version ? p->source_version : p->version));
	json_object_set_new(src, "kind", json_string("source"));
	json_object_set_new(src, "normalized_version", json_string(""));
	json_object_set_new(src, "cpe", json_string(""));
	json_object_set_new(o, "source", src);
	return o;
}

json_t *clair_index_report(const struct index_report *r)
{
	json_t *root = json_object();
	json_object_set_new(root, "manifest_hash", str_or_empty(r->manifest_digest));
	json_object_set_new(root, "state", json_string("IndexFinished"));
	json_object_set_new(root, "success", json_true());
	json_object_set_new(root, "err", json_string(""));
	json_t *pkgs = json_object(), *envs = json_object(), *dists = json_object();
	for (size_t i = 0; i < r->npkgs; i++) {
		const struct pkg_rec *p = &r->pkgs[i];
		json_t *o = package(p, i);
		const char *id = json_string_value(json_object_get(o, "id"));
		json_t *env = json_object();
		json_object_set_new(env, "package_db", str_or_empty(p->db_path));
		json_object_set_new(
		        env, "introduced_in",
		        str_or_empty(p->layer < r->nlayers ? r->layers[p->layer].digest : NULL));
		json_object_set_new(env, "distribution_id", json_string(r->ns ? "1" : ""));
		json_object_set_new(env, "repository_ids", json_null());
		json_t *arr = json_array();
		json_array_append_new(arr, env);
		json_object_set_new(envs, id, arr);
		json_object_set_new(pkgs, id, o);
	}
	if (r->ns)
		json_object_set_new(dists, "1", distribution(r->ns));
	json_object_set_new(root, "packages", pkgs);
	json_object_set_new(root, "distributions", dists);
	json_object_set_new(root, "repository", json_object());
	json_object_set_new(root, "environments", envs);
	return root;
}

static json_t *rfc3339(int64_t t)
{
	if (t <= 0)
		return json_string("0001-01-01T00:00:00Z");
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char b[32];
	strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(b);
}

static json_t *vulnerability(const struct vuln_rec *v, const struct ns_rec *ns, const char *id)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "updater", str_or_empty(v->feed));
	json_object_set_new(o, "name", json_string(v->id));
	json_object_set_new(o, "description", str_or_empty(v->description));
	json_object_set_new(o, "issued", rfc3339(v->published));
	json_object_set_new(o, "links", str_or_empty(v->links));
	json_object_set_new(
	        o, "severity",
	        json_string(v->vendor_severity ? v->vendor_severity : severity_name(v->severity)));
	json_object_set_new(o, "normalized_severity", json_string(severity_name(v->severity)));
	json_t *p = json_object();
	json_object_set_new(p, "id", json_string(""));
	json_object_set_new(p, "name", json_string(v->package));
	json_object_set_new(p, "version", json_string(""));
	json_object_set_new(
	        p, "kind",
	        json_string(v->package_kind == LUCID_PACKAGE_BINARY ? "binary" : "source"));
	if (v->module)
		json_object_set_new(p, "module", json_string(v->module));
	json_object_set_new(o, "package", p);
	json_t *d = distribution(ns);
	json_object_set_new(d, "namespace", json_string(v->ns));
	json_object_set_new(o, "distribution", d);
	json_object_set_new(o, "repository", json_null());
	json_object_set_new(o, "fixed_in_version", str_or_empty(v->fixed_in));
	json_object_set_new(o, "arch_op", json_string(v->arch ? "pattern match" : ""));
	/* lucid's own */
	json_object_set_new(o, "state", json_string(state_name(v->state)));
	if (v->advisory)
		json_object_set_new(o, "advisory", json_string(v->advisory));
	if (v->arch)
		json_object_set_new(o, "arch", json_string(v->arch));
	return o;
}

json_t *clair_vulnerability_report(const struct index_report *r, const struct vuln_report *v)
{
	json_t *root = clair_index_report(r);
	json_t *vulns = json_object(), *pv = json_object(), *seen = json_object();
	for (size_t i = 0; v && i < v->n; i++) {
		const struct match *m = &v->m[i];
		const struct vuln_rec *x = m->vuln;
		/* one entry per distinct record, however many packages it hits */
		char k[2048];
		snprintf(k, sizeof k, "%s|%s|%s|%s|%s|%d|%s", x->feed ? x->feed : "", x->id, x->ns,
		         x->package, x->fixed_in ? x->fixed_in : "", x->state,
		         x->module ? x->module : "");
		json_t *have = json_object_get(seen, k);
		char id[32];
		if (have) {
			snprintf(id, sizeof id, "%s", json_string_value(have));
		} else {
			snprintf(id, sizeof id, "%zu", json_object_size(seen) + 1);
			json_object_set_new(seen, k, json_string(id));
			json_object_set_new(vulns, id, vulnerability(x, r->ns, id));
		}
		char pid[32];
		snprintf(pid, sizeof pid, "%zu", (size_t)(m->pkg - r->pkgs) * 2 + 1);
		json_t *list = json_object_get(pv, pid);
		if (!list) {
			list = json_array();
			json_object_set_new(pv, pid, list);
		}
		bool dup = false;
		size_t j;
		json_t *e;
		json_array_foreach (list, j, e)
			dup |= strcmp(json_string_value(e), id) == 0;
		if (!dup)
			json_array_append_new(list, json_string(id));
	}
	json_decref(seen);
	json_object_set_new(root, "vulnerabilities", vulns);
	json_object_set_new(root, "package_vulnerabilities", pv);
	json_object_set_new(root, "enrichments", json_object());
	return root;
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
