#include "alpine_parse.h"

#include <jansson.h>
#include <lucid/error.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "../apk/apk_version.h"

#define LINK "https://security.alpinelinux.org/vuln/"

struct ctx {
	int (*emit)(void *user, const struct lucid_vuln *v);
	void *user;
	struct alpine_stats *st;
	char ns[64];
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return LUCID_EPARSE;
}

/* "v3.10" or "edge" */
static bool valid_release(const char *s)
{
	if (!strcmp(s, "edge"))
		return true;
	if (s[0] != 'v' || !(s[1] >= '0' && s[1] <= '9'))
		return false;
	const char *dot = strchr(s, '.');
	return dot && strspn(s + 1, "0123456789.") == strlen(s + 1) && dot[1] >= '0' &&
	       dot[1] <= '9' && strlen(s) < 16;
}

static int set_namespace(struct ctx *c, const char *distroversion)
{
	if (!distroversion || !valid_release(distroversion))
		return fail(c, "secdb: distroversion '%s' is not vX.Y or edge",
		            distroversion ? distroversion : "(missing)");
	snprintf(c->ns, sizeof c->ns, "alpine:%s", distroversion);
	return 0;
}

/*
 * An identifier: letters, then one or more "-part"s, with a digit somewhere (CVE-2019-1,
 * GHSA-xxxx-yyyy-zzzz, XSA-200, wnpa-sec-2017-18).
 */
static bool identifier(const char *s, size_t n)
{
	size_t letters = 0;
	while (letters < n && ((s[letters] >= 'A' && s[letters] <= 'Z') ||
	                       (s[letters] >= 'a' && s[letters] <= 'z')))
		letters++;
	if (letters == 0 || letters >= n || s[letters] != '-' || s[n - 1] == '-' || n > 64)
		return false;
	bool digit = false;
	for (size_t i = letters; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			digit = true;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-') ||
		         (c == '-' && s[i - 1] == '-'))
			return false;
	}
	return digit;
}

/*
 * The identifier an entry names. Entries are written by hand: "CVE-2019-5060 TALOS-2019-0844"
 * (the first id; the rest are aliases), "CVE 2018-16859" and "CVE_2019-2426" (typos for
 * CVE-...), "CVE-2019-19451.patch", "CVE-????-?????  XSA-284" (no CVE yet: the next id).
 */
static bool entry_id(const char *entry, char *id, size_t idsz)
{
	char norm[256];
	snprintf(norm, sizeof norm, "%s", entry);
	if ((!strncmp(norm, "CVE ", 4) || !strncmp(norm, "CVE_", 4)) && norm[4] >= '0' &&
	    norm[4] <= '9')
		norm[3] = '-';
	const char *p = norm;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *t = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - t);
		if (n > 6 && !memcmp(t + n - 6, ".patch", 6))
			n -= 6;
		if (n && identifier(t, n) && n < idsz) {
			memcpy(id, t, n);
			id[n] = 0;
			return true;
		}
	}
	return false;
}

/* One "FIXED: [entries]" pair. */
static int emit_entry(struct ctx *c, const char *pkg, const char *fixed, const char *entry)
{
	if (!strcmp(fixed, "0")) {
		c->st->not_affected++;
		return 0;
	}
	if (!apkv_valid(fixed)) {
		c->st->bad_versions++;
		return 0;
	}
	char id[65], links[128];
	if (!entry_id(entry, id, sizeof id)) {
		c->st->bad_ids++;
		return 0;
	}
	if (c->st->records >= ALPINE_MAX_RECORDS)
		return fail(c, "secdb: more than %d records", ALPINE_MAX_RECORDS);
	snprintf(links, sizeof links, LINK "%s", id);
	struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
	v.id = id;
	v.namespace_name = c->ns;
	v.package = pkg;
	v.version_format = "apk";
	v.fixed_in = fixed;
	v.state = LUCID_STATE_FIXED;
	v.severity = LUCID_SEVERITY_UNKNOWN;
	v.links = links;
	c->st->records++;
	return c->emit(c->user, &v);
}

/* ---- JSON ---- */

static int parse_json(struct ctx *c, const char *data, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (!root)
		return fail(c, "secdb JSON: line %d: %s", je.line, je.text);
	int rc = 0;
	json_t *pkgs = json_object_get(root, "packages");
	if (!json_is_object(root) || !json_is_array(pkgs)) {
		rc = fail(c, "secdb JSON: no packages array");
		goto out;
	}
	if ((rc = set_namespace(c, json_string_value(json_object_get(root, "distroversion")))))
		goto out;
	size_t i;
	json_t *e;
	json_array_foreach (pkgs, i, e) {
		json_t *pkg = json_object_get(e, "pkg");
		const char *name = json_string_value(json_object_get(pkg, "name"));
		json_t *fixes = json_object_get(pkg, "secfixes");
		if (!name || !*name)
			continue;
		c->st->packages++;
		if (!json_is_object(fixes))
			continue;
		const char *fixed;
		json_t *ids;
		json_object_foreach (fixes, fixed, ids) {
			size_t k;
			json_t *id;
			if (json_is_string(ids)) {
				rc = emit_entry(c, name, fixed, json_string_value(ids));
			} else {
				json_array_foreach (ids, k, id) {
					if (json_is_string(id) &&
					    (rc = emit_entry(c, name, fixed,
					                     json_string_value(id))))
						break;
				}
			}
			if (rc)
				goto out;
		}
	}
out:
	json_decref(root);
	return rc;
}

/* ---- YAML (libyaml document API; aliases are node references, bounded by the record cap) ---- */

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(d, p->key));
		if (k && !strcmp(k, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static int yaml_fixes(struct ctx *c, yaml_document_t *d, const char *name, yaml_node_t *fixes)
{
	for (yaml_node_pair_t *p = fixes->data.mapping.pairs.start;
	     p < fixes->data.mapping.pairs.top; p++) {
		const char *fixed = scalar(yaml_document_get_node(d, p->key));
		yaml_node_t *ids = yaml_document_get_node(d, p->value);
		if (!fixed || !ids)
			continue;
		int rc = 0;
		if (ids->type == YAML_SCALAR_NODE) {
			/* "1.2-r0:" with nothing under it lists no vulnerability */
			if (*scalar(ids))
				rc = emit_entry(c, name, fixed, scalar(ids));
		} else if (ids->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = ids->data.sequence.items.start;
			     rc == 0 && it < ids->data.sequence.items.top; it++) {
				const char *id = scalar(yaml_document_get_node(d, *it));
				if (id)
					rc = emit_entry(c, name, fixed, id);
			}
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_yaml(struct ctx *c, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return -12;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		int rc = fail(c, "secdb YAML: line %zu: %s", parser.problem_mark.line + 1,
		              parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return rc;
	}
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *pkgs = map_get(&doc, root, "packages");
	if (!pkgs || pkgs->type != YAML_SEQUENCE_NODE) {
		/* an empty list may be written "packages:" with no value */
		if (pkgs && scalar(pkgs) && !*scalar(pkgs)) {
			rc = set_namespace(c, scalar(map_get(&doc, root, "distroversion")));
			goto out;
		}
		rc = fail(c, "secdb YAML: no packages list");
		goto out;
	}
	if ((rc = set_namespace(c, scalar(map_get(&doc, root, "distroversion")))))
		goto out;
	for (yaml_node_item_t *it = pkgs->data.sequence.items.start;
	     rc == 0 && it < pkgs->data.sequence.items.top; it++) {
		yaml_node_t *pkg = map_get(&doc, yaml_document_get_node(&doc, *it), "pkg");
		const char *name = scalar(map_get(&doc, pkg, "name"));
		yaml_node_t *fixes = map_get(&doc, pkg, "secfixes");
		if (!name || !*name)
			continue;
		c->st->packages++;
		if (fixes && fixes->type == YAML_MAPPING_NODE)
			rc = yaml_fixes(c, &doc, name, fixes);
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int alpine_parse(const char *data, size_t len, int (*emit)(void *user, const struct lucid_vuln *v),
                 void *user, struct alpine_stats *stats, char *err, size_t errlen)
{
	struct alpine_stats local;
	struct ctx c = {emit, user, stats ? stats : &local, "", err, errlen};
	memset(c.st, 0, sizeof *c.st);
	if (memchr(data, 0, len))
		return fail(&c, "binary data: not an Alpine secdb document");
	size_t i = 0;
	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (i < len && data[i] == '{')
		return parse_json(&c, data, len);
	/* the YAML form starts with a document marker or a top-level key */
	bool yaml = (len - i >= 3 && !memcmp(data + i, "---", 3)) ||
	            (len - i >= 14 && !memcmp(data + i, "distroversion:", 14));
	if (yaml)
		return parse_yaml(&c, data, len);
	return fail(&c, "not an Alpine secdb document (neither its JSON nor its YAML form)");
}

int alpine_listing_links(const char *html, size_t len,
                         int (*cb)(void *user, const char *href, size_t n), void *user)
{
	const char *p = html, *end = html + len;
	while (p < end) {
		const char *h = memmem(p, (size_t)(end - p), "href=\"", 6);
		if (!h)
			break;
		h += 6;
		const char *q = memchr(h, '"', (size_t)(end - h));
		if (!q)
			break;
		int rc = cb(user, h, (size_t)(q - h));
		if (rc)
			return rc;
		p = q + 1;
	}
	return 0;
}
