#include "policy.h"

#include <errno.h>
#include <jansson.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yaml.h>

#define POLICY_FILE_MAX (16u * 1024 * 1024)

int severity_parse(const char *s)
{
	static const char *const names[] = {"unknown", "negligible", "low",
	                                    "medium",  "high",       "critical"};
	for (int i = 0; s && i < 6; i++)
		if (!strcasecmp(s, names[i]))
			return i;
	return -1;
}

static char *read_small(const char *path, size_t *len, struct err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_set(e, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > POLICY_FILE_MAX) {
			fclose(f);
			buf_free(&b);
			err_set(e, LUCID_ELIMIT, "%s: larger than %u bytes", path, POLICY_FILE_MAX);
			return NULL;
		}
		buf_add(&b, chunk, n);
	}
	fclose(f);
	buf_add(&b, NULL, 0);
	*len = b.len;
	return b.data;
}

/* ---- ignore rules ---- */

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* "2026-12-31" -> the end of that day, UTC; 0 if it is not such a date. */
static int64_t end_of_day(const char *s)
{
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || s[n] ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) + 86400 - 1;
}

static int rule_from(struct policy *p, yaml_document_t *doc, yaml_node_t *n, const char *path,
                     struct err *e)
{
	unsigned line = (unsigned)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return err_set(e, LUCID_EPARSE, "%s:%u: an ignore rule is a mapping", path, line);
	struct ignore_rule r = {.line = line};
	for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top;
	     q++) {
		const char *k = scalar(yaml_document_get_node(doc, q->key));
		const char *v = scalar(yaml_document_get_node(doc, q->value));
		char **slot = !k                            ? NULL
		              : !strcmp(k, "id")            ? &r.id
		              : !strcmp(k, "vulnerability") ? &r.id
		              : !strcmp(k, "package")       ? &r.package
		              : !strcmp(k, "namespace")     ? &r.namespace_name
		              : !strcmp(k, "reason")        ? &r.reason
		              : !strcmp(k, "versions")      ? &r.versions
		              : !strcmp(k, "expires")       ? &r.expires
		                                            : NULL;
		if (!slot)
			return err_set(e, LUCID_EPARSE,
			               "%s:%u: unknown key '%s' in an ignore rule "
			               "(id, package, versions, namespace, reason, "
			               "expires)",
			               path, line, k ? k : "?");
		if (!v || !*v)
			return err_set(e, LUCID_EPARSE, "%s:%u: '%s' needs a value", path, line, k);
		*slot = arena_strdup(&p->a, v);
	}
	if (!r.reason)
		return err_set(e, LUCID_EPARSE, "%s:%u: an ignore rule needs a reason", path, line);
	if (!r.id && !r.package && !r.namespace_name)
		return err_set(e, LUCID_EPARSE,
		               "%s:%u: an ignore rule names an id, a package or a namespace", path,
		               line);
	if (r.versions && !r.package)
		return err_set(e, LUCID_EPARSE, "%s:%u: versions need a package", path, line);
	if (r.expires && !(r.expires_at = end_of_day(r.expires)))
		return err_set(e, LUCID_EPARSE,
		               "%s:%u: expires must be a date YYYY-MM-DD, not '%s'", path, line,
		               r.expires);
	p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof *p->rules);
	p->rules[p->nrules++] = r;
	return 0;
}

int policy_load_ignore(struct policy *p, const char *path, struct err *e)
{
	size_t len;
	char *text = read_small(path, &len, e);
	if (!text)
		return e->code;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	int rc = 0;
	if (!yaml_parser_load(&parser, &doc)) {
		rc = err_set(e, LUCID_EPARSE, "%s:%zu: %s", path, parser.problem_mark.line + 1,
		             parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		free(text);
		return rc;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	yaml_node_t *list = NULL;
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
		     q < root->data.mapping.pairs.top; q++) {
			const char *k = scalar(yaml_document_get_node(&doc, q->key));
			if (k && !strcmp(k, "ignore"))
				list = yaml_document_get_node(&doc, q->value);
			else
				rc = err_set(e, LUCID_EPARSE,
				             "%s: unknown key '%s' (the file holds "
				             "'ignore:', a list of rules)",
				             path, k ? k : "?");
		}
	} else if (root) {
		rc = err_set(e, LUCID_EPARSE, "%s: expected 'ignore:' and a list of rules", path);
	}
	if (rc == 0 && list && list->type != YAML_SEQUENCE_NODE)
		rc = err_set(e, LUCID_EPARSE, "%s: 'ignore' must be a list of rules", path);
	for (yaml_node_item_t *it = list && rc == 0 ? list->data.sequence.items.start : NULL;
	     it && it < list->data.sequence.items.top && rc == 0; it++)
		rc = rule_from(p, &doc, yaml_document_get_node(&doc, *it), path, e);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	return rc;
}

/* ---- OpenVEX ---- */

static const char *jstr(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int policy_load_vex(struct policy *p, const char *path, struct err *e)
{
	size_t len;
	char *text = read_small(path, &len, e);
	if (!text)
		return e->code;
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	free(text);
	const json_t *stmts = json_object_get(root, "statements");
	if (!root || !json_is_array(stmts)) {
		json_decref(root);
		return err_set(e, LUCID_EPARSE, "%s: not an OpenVEX document: %s", path,
		               root ? "no statements" : je.text);
	}
	size_t i;
	const json_t *s;
	int rc = 0;
	json_array_foreach (stmts, i, s) {
		const json_t *vul = json_object_get(s, "vulnerability");
		const char *name = json_is_string(vul) ? json_string_value(vul) : jstr(vul, "name");
		const char *status = jstr(s, "status");
		if (!name || !status) {
			rc = err_set(e, LUCID_EPARSE,
			             "%s: statement %zu lacks a vulnerability name or a "
			             "status",
			             path, i + 1);
			break;
		}
		struct vex_statement v = {arena_strdup(&p->a, name), NULL, 0,
		                          arena_strdup(&p->a, status), NULL};
		const char *why = jstr(s, "justification");
		if (!why)
			why = jstr(s, "impact_statement");
		/* what the report says of a finding the statement suppresses */
		v.justification = why ? arena_printf(&p->a, "VEX %s: %s", status, why)
		                      : arena_printf(&p->a, "VEX %s", status);
		size_t k;
		const json_t *prod;
		const json_t *products = json_object_get(s, "products");
		v.products =
		        arena_alloc(&p->a, (json_array_size(products) + 1) * sizeof *v.products);
		json_array_foreach (products, k, prod) {
			const char *id =
			        json_is_string(prod) ? json_string_value(prod) : jstr(prod, "@id");
			if (id)
				v.products[v.nproducts++] = arena_strdup(&p->a, id);
		}
		p->vex = xrealloc(p->vex, (p->nvex + 1) * sizeof *p->vex);
		p->vex[p->nvex++] = v;
	}
	json_decref(root);
	return rc;
}

void policy_free(struct policy *p)
{
	free(p->rules);
	free(p->vex);
	arena_free(&p->a);
	memset(p, 0, sizeof *p);
}

/* ---- applying ---- */

/* Is id the record's id or one of its aliases? */
static bool names_vuln(const struct vuln_rec *v, const char *id)
{
	if (!strcmp(v->id, id))
		return true;
	size_t n = strlen(id);
	for (const char *a = v->aliases; a && (a = strstr(a, id)); a += n)
		if ((a == v->aliases || a[-1] == ' ') && (a[n] == 0 || a[n] == ' '))
			return true;
	return false;
}

/* Every condition of "< 2.28, >= 2.0" holds for version under the package's comparator. */
static bool versions_hold(const struct registry *reg, const struct pkg_rec *pkg, const char *spec)
{
	const struct component *c = registry_comparator(reg, pkg->version_format);
	if (!c)
		return false;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *save = NULL, *cond = strtok_r(buf, ",", &save); cond;
	     cond = strtok_r(NULL, ",", &save)) {
		while (*cond == ' ')
			cond++;
		size_t op = strspn(cond, "<>=!");
		char *ver = cond + op;
		while (*ver == ' ')
			ver++;
		char *end = ver + strlen(ver);
		while (end > ver && end[-1] == ' ')
			*--end = 0;
		int cmp;
		if (!*ver ||
		    c->ops.comparator.compare(c->plugin->self, pkg->version, ver, &cmp) < 0)
			return false;
		bool ok = !strncmp(cond, "<=", 2)   ? cmp <= 0
		          : !strncmp(cond, ">=", 2) ? cmp >= 0
		          : !strncmp(cond, "!=", 2) ? cmp != 0
		          : cond[0] == '<'          ? cmp < 0
		          : cond[0] == '>'          ? cmp > 0
		                                    : cmp == 0; /* "=", "==" or none */
		if (!ok)
			return false;
	}
	return true;
}

static bool rule_covers(const struct ignore_rule *r, const struct registry *reg,
                        const struct match *m)
{
	if (r->id && !names_vuln(m->vuln, r->id))
		return false;
	if (r->package && strcmp(r->package, m->pkg->name) != 0 &&
	    !(m->pkg->source_name && !strcmp(r->package, m->pkg->source_name)))
		return false;
	if (r->namespace_name && strcmp(r->namespace_name, m->vuln->ns) != 0)
		return false;
	return !r->versions || versions_hold(reg, m->pkg, r->versions);
}

/* purl "pkg:deb/ubuntu/glibc@2.27-3ubuntu1?arch=source&distro=bionic": name and version. */
static bool purl_covers(const char *purl, const struct match *m)
{
	if (strncmp(purl, "pkg:", 4) != 0)
		return false;
	const char *name = strrchr(purl, '/');
	if (!name)
		return false;
	name++;
	size_t nl = strcspn(name, "@?#");
	const struct pkg_rec *p = m->pkg;
	bool by_name = strlen(p->name) == nl && !strncmp(p->name, name, nl);
	bool by_source = p->source_name && strlen(p->source_name) == nl &&
	                 !strncmp(p->source_name, name, nl);
	if (!by_name && !by_source)
		return false;
	if (name[nl] != '@')
		return true; /* every version */
	const char *ver = name + nl + 1;
	size_t vl = strcspn(ver, "?#");
	char want[256];
	/* purl versions are percent-encoded ("1%3A2.0" for "1:2.0") */
	size_t k = 0;
	for (size_t i = 0; i < vl && k + 1 < sizeof want; i++) {
		unsigned x;
		if (ver[i] == '%' && i + 2 < vl + 1 && sscanf(ver + i + 1, "%2x", &x) == 1) {
			want[k++] = (char)x;
			i += 2;
		} else {
			want[k++] = ver[i];
		}
	}
	want[k] = 0;
	const char *have = by_name             ? p->version
	                   : p->source_version ? p->source_version
	                                       : p->version;
	return !strcmp(want, have) || !strcmp(want, p->version);
}

size_t policy_apply(const struct policy *p, const struct registry *reg, struct vuln_report *v,
                    int64_t now)
{
	size_t suppressed = 0;
	bool *warned = xcalloc(p->nrules ? p->nrules : 1, sizeof *warned);
	for (size_t i = 0; i < v->n; i++) {
		struct match *m = &v->m[i];
		for (size_t k = 0; k < p->nrules && !m->suppressed; k++) {
			const struct ignore_rule *r = &p->rules[k];
			if (!rule_covers(r, reg, m))
				continue;
			if (r->expires_at && now > r->expires_at) {
				if (!warned[k])
					host_logf(
					        LUCID_LOG_WARN,
					        "ignore rule of line %u (%s) expired on %s: it no "
					        "longer applies",
					        r->line, r->reason, r->expires);
				warned[k] = true;
				continue;
			}
			m->suppressed = r->reason;
		}
		for (size_t k = 0; k < p->nvex && !m->suppressed; k++) {
			const struct vex_statement *s = &p->vex[k];
			if ((strcmp(s->status, "not_affected") != 0 &&
			     strcmp(s->status, "fixed") != 0) ||
			    !names_vuln(m->vuln, s->vulnerability))
				continue;
			for (size_t j = 0; j < s->nproducts && !m->suppressed; j++)
				if (purl_covers(s->products[j], m))
					m->suppressed = s->justification;
		}
		suppressed += m->suppressed != NULL;
	}
	free(warned);
	return suppressed;
}
