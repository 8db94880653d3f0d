#include "oval_parse.h"

#include <ctype.h>
#include <libxml/xmlreader.h>
#include <lucid/error.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 20000000

/* ---- a small arena and growable arrays ---- */

struct block {
	struct block *next;
	size_t used, cap;
	char data[];
};

struct pool {
	struct block *head;
	bool oom;
};

static char *pool_strdup(struct pool *p, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	struct block *b = p->head;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		b = malloc(sizeof *b + cap);
		if (!b) {
			p->oom = true;
			return NULL;
		}
		b->cap = cap;
		b->used = 0;
		b->next = p->head;
		p->head = b;
	}
	char *r = b->data + b->used;
	memcpy(r, s, n);
	b->used += n;
	return r;
}

static void pool_free(struct pool *p)
{
	while (p->head) {
		struct block *n = p->head->next;
		free(p->head);
		p->head = n;
	}
}

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	if (n >= MAX_ITEMS)
		return false;
	size_t c = *cap ? *cap * 2 : 64;
	void *nv = realloc(*v, c * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = c;
	return true;
}

#define PUSH(vec)                                                                                  \
	(grow((void **)&(vec).v, &(vec).cap, (vec).n, sizeof *(vec).v) ? &(vec).v[(vec).n++] : NULL)

struct criterion {
	char *test_ref, *comment;
	char *release; /* "7" from an enclosing "Oracle Linux 7 is installed", or NULL */
};

#define MAX_DEPTH 32

struct definition {
	char *id, *title, *severity, *advisory, *links;
	char *platforms[4];
	size_t nplatforms;
	size_t first_cve, ncves;  /* into cves */
	size_t first_crit, ncrit; /* into criteria */
};

struct idpair {
	char *id, *a, *b; /* test: object_ref, state_ref; object: name; state: evr, arch */
};

struct tables {
	struct pool pool;
	VEC(struct definition) defs;
	VEC(char *) cves;
	VEC(struct criterion) crits;
	VEC(struct idpair) tests, objects, states, variables;
};

static void tables_free(struct tables *t)
{
	free(t->defs.v);
	free(t->cves.v);
	free(t->crits.v);
	free(t->tests.v);
	free(t->objects.v);
	free(t->states.v);
	free(t->variables.v);
	pool_free(&t->pool);
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(((const struct idpair *)a)->id, ((const struct idpair *)b)->id);
}

static const struct idpair *lookup(const struct idpair *v, size_t n, const char *id)
{
	if (!id || !n)
		return NULL;
	struct idpair key = {(char *)id, NULL, NULL};
	return bsearch(&key, v, n, sizeof *v, cmp_pair);
}

/* ---- pass 1: the reader ---- */

static char *attr(xmlTextReaderPtr r, const char *name, struct pool *p)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	char *s = v ? pool_strdup(p, (const char *)v) : NULL;
	xmlFree(v);
	return s;
}

/* The text content of the current element, trimmed. */
static char *text(xmlTextReaderPtr r, struct pool *p)
{
	xmlChar *v = xmlTextReaderReadString(r);
	if (!v)
		return NULL;
	char *s = (char *)v;
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	char *out = pool_strdup(p, s);
	xmlFree(v);
	return out;
}

/* "Oracle Linux 7 is installed", "Photon OS 3 is installed" -> "7", "3" */
static char *installed_release(const char *comment, struct pool *p)
{
	static const char tail[] = " is installed";
	if (!comment)
		return NULL;
	size_t n = strlen(comment), tl = sizeof tail - 1;
	if (n <= tl || strcmp(comment + n - tl, tail) != 0)
		return NULL;
	size_t end = n - tl, start = end;
	while (start > 0 &&
	       (isdigit((unsigned char)comment[start - 1]) || comment[start - 1] == '.'))
		start--;
	if (start == end || start == 0 || comment[start - 1] != ' ')
		return NULL;
	char buf[32];
	if (end - start >= sizeof buf)
		return NULL;
	memcpy(buf, comment + start, end - start);
	buf[end - start] = 0;
	return pool_strdup(p, buf);
}

static void append_link(struct tables *t, struct definition *d, const char *url)
{
	if (!url || !*url)
		return;
	char buf[4096];
	snprintf(buf, sizeof buf, "%s%s%s", d->links ? d->links : "", d->links ? " " : "", url);
	d->links = pool_strdup(&t->pool, buf);
}

static bool has_cve(const struct tables *t, const struct definition *d, const char *id)
{
	for (size_t k = 0; k < d->ncves; k++)
		if (t->cves.v[d->first_cve + k] && !strcmp(t->cves.v[d->first_cve + k], id))
			return true;
	return false;
}

static int read_tables(const char *data, size_t len, struct tables *t, char *err, size_t errlen)
{
	xmlTextReaderPtr r =
	        xmlReaderForMemory(data, (int)len, NULL, NULL,
	                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!r) {
		snprintf(err, errlen, "OVAL: cannot create an XML reader");
		return LUCID_EPARSE;
	}
	struct definition *def = NULL;
	struct idpair *cur = NULL; /* the test/object/state being read */
	int kind = 0;              /* 1 test, 2 object, 3 state */
	bool root_seen = false;
	/* the release an "... N is installed" criterion names, per criteria nesting level */
	char *release_at[MAX_DEPTH] = {0};
	int depth = 0;
	int rc;
	while ((rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *name = (const char *)xmlTextReaderConstLocalName(r);
		if (!name)
			continue;
		if (type == XML_READER_TYPE_END_ELEMENT && !strcmp(name, "criteria")) {
			if (depth > 0 && --depth < MAX_DEPTH)
				release_at[depth] = NULL;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!strcmp(name, "criteria") && !xmlTextReaderIsEmptyElement(r)) {
			if (depth < MAX_DEPTH)
				release_at[depth] = NULL;
			depth++;
			continue;
		}
		if (!root_seen) {
			root_seen = true;
			if (strcmp(name, "oval_definitions") != 0) {
				snprintf(err, errlen, "not an OVAL document (root element <%s>)",
				         name);
				xmlFreeTextReader(r);
				return LUCID_EPARSE;
			}
			continue;
		}
		if (!strcmp(name, "definition")) {
			def = PUSH(t->defs);
			if (!def)
				goto oom;
			memset(def, 0, sizeof *def);
			def->id = attr(r, "id", &t->pool);
			def->first_cve = t->cves.n;
			def->first_crit = t->crits.n;
			kind = 0;
		} else if (def && !strcmp(name, "title")) {
			def->title = text(r, &t->pool);
		} else if (def && !strcmp(name, "platform")) {
			if (def->nplatforms < 4)
				def->platforms[def->nplatforms++] = text(r, &t->pool);
		} else if (def && !strcmp(name, "severity")) {
			def->severity = text(r, &t->pool);
		} else if (def && !strcmp(name, "reference")) {
			char *src = attr(r, "source", &t->pool), *ref = attr(r, "ref_id", &t->pool);
			if (src && ref &&
			    !strcasecmp(src, "elsa")) /* Photon's PHSA refs are internal ids */
				def->advisory = ref;
			if (src && ref && !strcmp(src, "CVE") && !strncmp(ref, "CVE-", 4) &&
			    !has_cve(t, def, ref)) { /* Ubuntu: the CVE a definition is about */
				char **c = PUSH(t->cves);
				if (!c)
					goto oom;
				*c = ref;
				def->ncves++;
			}
			append_link(t, def, attr(r, "ref_url", &t->pool));
		} else if (def && !strcmp(name, "cve")) {
			char *cve = text(r, &t->pool);
			if (cve && has_cve(t, def, cve))
				continue;
			char **c = PUSH(t->cves);
			if (!c)
				goto oom;
			*c = cve;
			def->ncves++;
		} else if (def && !strcmp(name, "criterion")) {
			struct criterion *c = PUSH(t->crits);
			if (!c)
				goto oom;
			c->test_ref = attr(r, "test_ref", &t->pool);
			c->comment = attr(r, "comment", &t->pool);
			c->release = NULL;
			int top = depth < MAX_DEPTH ? depth : MAX_DEPTH;
			char *rel = installed_release(c->comment, &t->pool);
			if (rel && top > 0)
				release_at[top - 1] = rel;
			for (int k = top - 1; !rel && k >= 0; k--)
				if (release_at[k]) {
					c->release = release_at[k];
					break;
				}
			def->ncrit++;
		} else if (!strcmp(name, "tests") || !strcmp(name, "objects") ||
		           !strcmp(name, "states")) {
			def = NULL;
		} else if (!strcmp(name, "constant_variable")) {
			/* Ubuntu: the binary packages an object names through var_ref */
			cur = PUSH(t->variables);
			if (!cur)
				goto oom;
			*cur = (struct idpair){attr(r, "id", &t->pool), NULL, NULL};
			kind = 4;
			if (!cur->id) {
				t->variables.n--;
				cur = NULL;
			}
		} else if (cur && kind == 4 && !strcmp(name, "value")) {
			char *v = text(r, &t->pool);
			if (v && *v && !strchr(v, ' ')) {
				size_t have = cur->a ? strlen(cur->a) : 0;
				if (have + strlen(v) < 8192) {
					char buf[8192];
					snprintf(buf, sizeof buf, "%s%s%s", cur->a ? cur->a : "",
					         have ? " " : "", v);
					cur->a = pool_strdup(&t->pool, buf);
				}
			}
		} else if (!strcmp(name, "rpminfo_test") || !strcmp(name, "dpkginfo_test")) {
			cur = PUSH(t->tests);
			if (!cur)
				goto oom;
			*cur = (struct idpair){attr(r, "id", &t->pool), NULL, NULL};
			kind = 1;
			if (!cur->id) { /* nothing can refer to it */
				t->tests.n--;
				cur = NULL;
			}
		} else if (!strcmp(name, "rpminfo_object") || !strcmp(name, "dpkginfo_object")) {
			cur = PUSH(t->objects);
			if (!cur)
				goto oom;
			*cur = (struct idpair){attr(r, "id", &t->pool), NULL, NULL};
			kind = 2;
			if (!cur->id) { /* nothing can refer to it */
				t->objects.n--;
				cur = NULL;
			}
		} else if (!strcmp(name, "rpminfo_state") || !strcmp(name, "dpkginfo_state")) {
			cur = PUSH(t->states);
			if (!cur)
				goto oom;
			*cur = (struct idpair){attr(r, "id", &t->pool), NULL, NULL};
			kind = 3;
			if (!cur->id) { /* nothing can refer to it */
				t->states.n--;
				cur = NULL;
			}
		} else if (cur && kind == 1 && !strcmp(name, "object")) {
			cur->a = attr(r, "object_ref", &t->pool);
		} else if (cur && kind == 1 && !strcmp(name, "state")) {
			cur->b = attr(r, "state_ref", &t->pool);
		} else if (cur && kind == 2 && !strcmp(name, "name")) {
			char *var = attr(r, "var_ref", &t->pool);
			if (var)
				cur->b = var; /* resolved against the variables in pass 2 */
			else
				cur->a = text(r, &t->pool);
		} else if (cur && kind == 3 && !strcmp(name, "evr")) {
			char *op = attr(r, "operation", &t->pool);
			if (op && !strcmp(op, "less than"))
				cur->a = text(r, &t->pool);
		} else if (cur && kind == 3 && !strcmp(name, "arch")) {
			cur->b = text(r, &t->pool);
		}
		if (t->pool.oom)
			goto oom;
	}
	if (rc < 0 || !root_seen) {
		const xmlError *e = xmlGetLastError();
		snprintf(err, errlen, "OVAL: malformed or truncated XML%s%s",
		         e && e->message ? ": " : "", e && e->message ? e->message : "");
		size_t n = strlen(err);
		while (n && (err[n - 1] == '\n'))
			err[--n] = 0;
		xmlFreeTextReader(r);
		return LUCID_EPARSE;
	}
	xmlFreeTextReader(r);
	return 0;
oom:
	xmlFreeTextReader(r);
	snprintf(err, errlen, "OVAL: out of memory or more than %d items", MAX_ITEMS);
	return LUCID_ELIMIT;
}

/* ---- pass 2: resolve ---- */

int oval_severity(const char *s)
{
	if (!s)
		return LUCID_SEVERITY_UNKNOWN;
	if (!strcasecmp(s, "low"))
		return LUCID_SEVERITY_LOW;
	if (!strcasecmp(s, "moderate") || !strcasecmp(s, "medium"))
		return LUCID_SEVERITY_MEDIUM;
	if (!strcasecmp(s, "negligible"))
		return LUCID_SEVERITY_NEGLIGIBLE;
	if (!strcasecmp(s, "high"))
		return LUCID_SEVERITY_HIGH;
	if (!strcasecmp(s, "important"))
		return LUCID_SEVERITY_HIGH;
	if (!strcasecmp(s, "critical"))
		return LUCID_SEVERITY_CRITICAL;
	return LUCID_SEVERITY_UNKNOWN;
}

/* A release number -> namespace: "8" -> "ol:8"; "3" -> "photon:3.0" */
static void release_namespace(enum oval_vendor v, const char *rel, char *out, size_t n)
{
	if (v == OVAL_ORACLE)
		snprintf(out, n, "ol:%s", rel);
	else
		snprintf(out, n, "photon:%s%s", rel, strchr(rel, '.') ? "" : ".0");
}

/* "Oracle Linux 8" -> "ol:8"; "Photon 3" -> "photon:3.0"; "Ubuntu 22.04 LTS" -> "ubuntu:22.04" */
static bool platform_namespace(enum oval_vendor v, const char *platform, char *out, size_t n)
{
	const char *prefix = v == OVAL_ORACLE   ? "Oracle Linux "
	                     : v == OVAL_UBUNTU ? "Ubuntu "
	                                        : "Photon ";
	size_t pl = strlen(prefix);
	if (!platform || strncmp(platform, prefix, pl) != 0)
		return false;
	const char *ver = platform + pl;
	size_t vn = strspn(ver, "0123456789.");
	if (v == OVAL_UBUNTU) {
		if (!vn || (ver[vn] && strcmp(ver + vn, " LTS") != 0))
			return false;
		snprintf(out, n, "ubuntu:%.*s", (int)vn, ver);
		return true;
	}
	if (!vn || ver[vn])
		return false;
	if (v == OVAL_ORACLE)
		snprintf(out, n, "ol:%.*s", (int)vn, ver);
	else
		snprintf(out, n, "photon:%.*s%s", (int)vn, ver, memchr(ver, '.', vn) ? "" : ".0");
	return true;
}

/* "sudo is earlier than 0:1.8.23-4.0.1.el7" */
static bool from_comment(const char *c, char *name, size_t nn, char *evr, size_t en)
{
	static const char mid[] = " is earlier than ";
	const char *m = c ? strstr(c, mid) : NULL;
	if (!m || m == c || (size_t)(m - c) >= nn)
		return false;
	const char *e = m + sizeof mid - 1;
	if (!*e || strchr(e, ' ') || strlen(e) >= en)
		return false;
	memcpy(name, c, (size_t)(m - c));
	name[m - c] = 0;
	strcpy(evr, e);
	return true;
}

/* The advisory id from the title: "ELSA-2019-4821:  sudo ..." or "PHSA-2020:00001 sqlite ..." */
static void advisory_from_title(const char *title, char *out, size_t n)
{
	out[0] = 0;
	if (!title)
		return;
	size_t k = strcspn(title, " ");
	if (k && title[k - 1] == ':' &&
	    (!strncmp(title, "ELSA-", 5) || !strncmp(title, "PHSA-", 5)))
		k--;
	if (k < n && (!strncmp(title, "ELSA-", 5) || !strncmp(title, "PHSA-", 5)))
		snprintf(out, n, "%.*s", (int)k, title);
}

/* An evr that is zero ("0", "0:0"): Ubuntu's "no fix released". */
static bool zero_evr(const char *evr)
{
	return !strcmp(evr, "0") || !strcmp(evr, "0:0");
}

struct ubuntu_emit {
	int (*emit)(void *user, const struct lucid_vuln *v);
	void *user;
	const struct definition *d;
	const char *ns, *advisory;
	char *const *cves;
	size_t ncves;
	struct oval_stats *st;
};

/* Ubuntu's tests name binary packages (a space-separated list from a variable): one record
 * per binary package and CVE; fixed NULL: not fixed. */
static int emit_names(const struct ubuntu_emit *u, const char *names, const char *fixed)
{
	int rc = 0;
	for (const char *p = names; rc == 0 && *p;) {
		size_t n = strcspn(p, " ");
		char pkg[256];
		if (n && n < sizeof pkg) {
			memcpy(pkg, p, n);
			pkg[n] = 0;
			for (size_t k = 0; rc == 0 && k < u->ncves; k++) {
				struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
				v.id = u->cves[k];
				v.namespace_name = u->ns;
				v.package = pkg;
				v.version_format = "dpkg";
				v.fixed_in = fixed;
				v.state = fixed ? LUCID_STATE_FIXED : LUCID_STATE_UNFIXED;
				v.severity = oval_severity(u->d->severity);
				v.vendor_severity = u->d->severity;
				v.description = u->d->title;
				v.links = u->d->links;
				v.advisory = u->advisory;
				v.package_kind = LUCID_PACKAGE_BINARY;
				u->st->records++;
				rc = u->emit(u->user, &v);
			}
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return rc;
}

int oval_parse(enum oval_vendor vendor, const char *data, size_t len,
               int (*emit)(void *user, const struct lucid_vuln *v), void *user,
               struct oval_stats *stats, char *err, size_t errlen)
{
	struct oval_stats local = {0};
	struct oval_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	if (len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "OVAL: document larger than 2 GiB");
		return LUCID_ELIMIT;
	}
	struct tables t;
	memset(&t, 0, sizeof t);
	int rc = read_tables(data, len, &t, err, errlen);
	if (rc) {
		tables_free(&t);
		return rc;
	}
	if (t.tests.n)
		qsort(t.tests.v, t.tests.n, sizeof *t.tests.v, cmp_pair);
	if (t.objects.n)
		qsort(t.objects.v, t.objects.n, sizeof *t.objects.v, cmp_pair);
	if (t.states.n)
		qsort(t.states.v, t.states.n, sizeof *t.states.v, cmp_pair);
	if (t.variables.n)
		qsort(t.variables.v, t.variables.n, sizeof *t.variables.v, cmp_pair);
	for (size_t i = 0; rc == 0 && i < t.defs.n; i++) {
		const struct definition *d = &t.defs.v[i];
		st->definitions++;
		char adv[64];
		advisory_from_title(d->title, adv, sizeof adv);
		const char *advisory = d->advisory ? d->advisory : adv[0] ? adv : NULL;
		for (size_t p = 0; rc == 0 && p < d->nplatforms; p++) {
			char ns[64];
			if (!platform_namespace(vendor, d->platforms[p], ns, sizeof ns)) {
				st->unknown_platforms++;
				continue;
			}
			for (size_t c = 0; rc == 0 && c < d->ncrit; c++) {
				const struct criterion *cr = &t.crits.v[d->first_crit + c];
				/* a criterion under "... N is installed" belongs to release N only
				 */
				char crit_ns[64];
				if (cr->release) {
					release_namespace(vendor, cr->release, crit_ns,
					                  sizeof crit_ns);
					if (strcmp(crit_ns, ns) != 0)
						continue;
				}
				char name[8192], evr[256];
				const char *arch = NULL;
				bool unfixed = false;
				const struct idpair *test =
				        lookup(t.tests.v, t.tests.n, cr->test_ref);
				if (test) {
					const struct idpair *obj =
					        lookup(t.objects.v, t.objects.n, test->a);
					const struct idpair *ste =
					        lookup(t.states.v, t.states.n, test->b);
					const char *names = obj ? obj->a : NULL;
					if (obj && !names && obj->b) {
						const struct idpair *var = lookup(
						        t.variables.v, t.variables.n, obj->b);
						names = var ? var->a : NULL;
					}
					if (!names)
						continue;
					if (vendor == OVAL_UBUNTU &&
					    (!test->b || (ste && ste->a && zero_evr(ste->a)))) {
						/* Ubuntu: no state, or "less than 0", is "not fixed
						 * yet": every version is affected */
						unfixed = true;
						evr[0] = 0;
					} else if (!ste || !ste->a) {
						continue; /* not a version test (signature, release)
						           */
					} else {
						snprintf(evr, sizeof evr, "%s", ste->a);
						arch = ste->b;
					}
					snprintf(name, sizeof name, "%s", names);
				} else if (from_comment(cr->comment, name, sizeof name, evr,
				                        sizeof evr)) {
					st->from_comments++;
				} else {
					continue;
				}
				if (vendor == OVAL_UBUNTU) {
					rc = emit_names(
					        &(struct ubuntu_emit){emit, user, d, ns, advisory,
					                              t.cves.v + d->first_cve,
					                              d->ncves, st},
					        name, unfixed ? NULL : evr);
					continue;
				}
				size_t ncves = d->ncves ? d->ncves : 1;
				for (size_t k = 0; rc == 0 && k < ncves; k++) {
					const char *id =
					        d->ncves ? t.cves.v[d->first_cve + k] : advisory;
					if (!id || !*id)
						continue;
					struct lucid_vuln v = LUCID_RECORD_INIT(lucid_vuln);
					v.id = id;
					v.namespace_name = ns;
					v.package = name;
					v.version_format = "rpm";
					v.fixed_in = evr;
					v.state = LUCID_STATE_FIXED;
					v.severity = oval_severity(d->severity);
					v.vendor_severity = d->severity;
					v.description = d->title;
					v.links = d->links;
					v.advisory = advisory;
					v.package_kind = LUCID_PACKAGE_BINARY;
					v.arch = arch;
					st->records++;
					rc = emit(user, &v);
				}
			}
		}
	}
	tables_free(&t);
	if (rc == 0 && st->definitions == 0) {
		snprintf(err, errlen, "OVAL: no definitions");
		return LUCID_EPARSE;
	}
	return rc;
}
