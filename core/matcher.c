#include "matcher.h"

#include <errno.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>

const char *severity_name(int32_t s)
{
	static const char *names[] = {"Unknown", "Negligible", "Low", "Medium", "High", "Critical"};
	return s >= 0 && s <= 5 ? names[s] : "Unknown";
}

const char *state_name(int32_t s)
{
	static const char *names[] = {"fixed",        "unfixed",  "end-of-life",
	                              "undetermined", "wont-fix", "not-affected"};
	return s >= 0 && s <= 5 ? names[s] : "unknown";
}

struct match_ctx {
	const struct registry *reg;
	const struct pkg_rec *pkg;
	const char *installed;
	bool by_source; /* this lookup used the source name (and it differs from the name) */
	struct arena *a;
	struct vuln_report *out;
	size_t cap;
	int bad_versions;
};

/* An earlier match of this package for the same vulnerability, or NULL. */
static struct match *already(const struct vuln_report *r, const struct pkg_rec *p, const char *id)
{
	for (size_t i = r->n; i-- > 0;) {
		if (r->m[i].pkg != p)
			break; /* matches of one package are contiguous */
		if (strcmp(r->m[i].vuln->id, id) == 0)
			return &r->m[i];
	}
	return NULL;
}

/* arch: "x86_64|aarch64" (an OVAL pattern of alternatives); noarch packages match any */
static bool arch_matches(const char *list, const char *arch)
{
	if (!arch || !strcmp(arch, "noarch"))
		return true;
	size_t n = strlen(arch);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, arch, n))
			return true;
		p += len + (e ? 1 : 0);
	}
	return false;
}

/* module "name:stream": the package's label starts with it ("nodejs:18:8090020230810:..."") */
static bool module_matches(const char *want, const char *have)
{
	size_t n = strlen(want);
	return have && !strncmp(have, want, n) && (have[n] == 0 || have[n] == ':');
}

int match_applies(const struct registry *reg, const struct pkg_rec *pkg, const struct vuln_rec *v,
                  bool by_source, const char *installed)
{
	if (!v->version_format || !pkg->version_format ||
	    strcmp(v->version_format, pkg->version_format) != 0)
		return 0;
	if (v->state == LUCID_STATE_NOT_AFFECTED)
		return 0;
	/* records naming binary packages (rpm advisories) match by the binary name only */
	if (v->package_kind == LUCID_PACKAGE_BINARY && by_source)
		return 0;
	if (v->arch && !arch_matches(v->arch, pkg->arch))
		return 0;
	if (v->module ? !module_matches(v->module, pkg->module)
	              : (pkg->module && v->package_kind == LUCID_PACKAGE_BINARY))
		return 0; /* modular packages are covered by their stream's records only */
	if (v->state != LUCID_STATE_FIXED && !v->introduced && !v->last_affected)
		return 1;
	const struct component *c = registry_comparator(reg, v->version_format);
	if (!c)
		return 0;
	int cmp;
	/* the range [introduced, fixed_in) or [introduced, last_affected] */
	if (v->state == LUCID_STATE_FIXED) {
		if (!v->fixed_in)
			return 0;
		if (c->ops.comparator.compare(c->plugin->self, installed, v->fixed_in, &cmp) < 0)
			return LUCID_EVERSION;
		if (cmp >= 0)
			return 0;
	}
	if (v->last_affected) {
		if (c->ops.comparator.compare(c->plugin->self, installed, v->last_affected, &cmp) <
		    0)
			return LUCID_EVERSION;
		if (cmp > 0)
			return 0;
	}
	if (v->introduced) {
		if (c->ops.comparator.compare(c->plugin->self, installed, v->introduced, &cmp) < 0)
			return LUCID_EVERSION;
		if (cmp < 0)
			return 0;
	}
	return 1;
}

int match_package(const struct registry *reg, const struct pkg_rec *p, const struct vuln_rec *v,
                  const char **installed)
{
	/* as the matcher looks records up: by source name with the source version, and by
	 * binary name with the binary version */
	if (p->source_name && strcmp(v->package, p->source_name) == 0) {
		*installed = p->source_version ? p->source_version : p->version;
		int r = match_applies(reg, p, v, true, *installed);
		if (r != 0)
			return r;
	}
	if (strcmp(v->package, p->name) == 0) {
		*installed = p->version;
		return match_applies(reg, p, v, false, *installed);
	}
	return 0;
}

static int on_vuln(void *user, struct vuln_rec *v)
{
	struct match_ctx *m = user;
	int applies = match_applies(m->reg, m->pkg, v, m->by_source, m->installed);
	if (applies == LUCID_EVERSION)
		m->bad_versions++;
	if (applies <= 0)
		return 0;
	struct match *prev = already(m->out, m->pkg, v->id);
	if (prev) {
		/* several records apply (release streams, feeds): report the nearest fix */
		const struct component *c = registry_comparator(m->reg, v->version_format);
		int cmp;
		if (v->state == LUCID_STATE_FIXED && prev->vuln->state == LUCID_STATE_FIXED && c &&
		    c->ops.comparator.compare(c->plugin->self, v->fixed_in, prev->vuln->fixed_in,
		                              &cmp) == 0 &&
		    cmp < 0)
			prev->vuln = v;
		return 0;
	}
	if (m->out->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->out->m = xrealloc(m->out->m, m->cap * sizeof *m->out->m);
	}
	m->out->m[m->out->n++] = (struct match){m->pkg, v, m->installed, NULL, NULL, NULL};
	return 0;
}

/* The CVE a record is about: its id, else the first CVE among its aliases; NULL if none. */
static const char *cve_of(const struct vuln_rec *v, struct arena *a)
{
	if (!strncmp(v->id, "CVE-", 4))
		return v->id;
	for (const char *p = v->aliases; p && *p;) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > 4 && !strncmp(p, "CVE-", 4))
			return arena_strndup(a, p, n);
		p += n;
	}
	return NULL;
}

struct enrich_merge {
	struct arena *a;
	struct enrich_rec *into;
};

/* Each part from the first feed (in feed-id order) that states it. */
static int merge_enrichment(void *user, struct enrich_rec *en)
{
	struct enrich_merge *m = user;
	if (!m->into) {
		m->into = arena_alloc(m->a, sizeof *m->into);
		memset(m->into, 0, sizeof *m->into);
		m->into->cve = en->cve;
	}
	struct enrich_rec *t = m->into;
	uint32_t fresh = en->parts & ~t->parts;
	if (fresh & LUCID_ENRICH_CVSS3) {
		t->cvss3_vector = en->cvss3_vector;
		t->cvss3_score = en->cvss3_score;
	}
	if (fresh & LUCID_ENRICH_CVSS4) {
		t->cvss4_vector = en->cvss4_vector;
		t->cvss4_score = en->cvss4_score;
	}
	if (fresh & LUCID_ENRICH_EPSS) {
		t->epss = en->epss;
		t->epss_percentile = en->epss_percentile;
		t->epss_date = en->epss_date;
	}
	if (fresh & LUCID_ENRICH_KEV) {
		t->kev_added = en->kev_added;
		t->kev_due = en->kev_due;
		t->kev_ransomware = en->kev_ransomware;
	}
	t->parts |= fresh;
	return 0;
}

/* Attach what the enrichment feeds (NVD, EPSS, KEV) state about m's CVE; none is fine. */
static void attach_enrichments(struct store_reader *r, struct arena *a, struct match *m)
{
	m->cve = cve_of(m->vuln, a);
	m->enrich = NULL;
	if (!m->cve)
		return;
	struct enrich_merge mm = {a, NULL};
	store_enrichments_for(r, m->cve, a, merge_enrichment, &mm);
	m->enrich = mm.into;
}

static int cmp_match(const void *x, const void *y)
{
	const struct match *a = x, *b = y;
	int c = strcmp(a->pkg->name, b->pkg->name);
	if (c)
		return c;
	if (a->vuln->severity != b->vuln->severity)
		return b->vuln->severity - a->vuln->severity;
	return strcmp(a->vuln->id, b->vuln->id);
}

int match_report(const struct registry *reg, struct store *st, const struct index_report *rep,
                 struct arena *a, struct vuln_report *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!rep->ns)
		return 0;
	struct store_reader *r;
	int rc = store_reader_begin(st, &r, e);
	if (rc < 0)
		return rc;
	struct match_ctx m = {.reg = reg, .a = a, .out = out};
	for (size_t i = 0; i < rep->npkgs; i++) {
		const struct pkg_rec *p = &rep->pkgs[i];
		m.pkg = p;
		/* feeds that name source packages state source versions: a binNMU's "+bN" must
		 * neither hide nor invent a fix */
		m.installed = p->source_version ? p->source_version : p->version;
		m.by_source = p->source_name != NULL;
		for (int k = 0; k < 2; k++) {
			/* the image's own namespace, then the one it is based on (CentOS: RHEL) */
			const char *ns = k == 0 ? rep->ns->name : rep->ns->based_on;
			if (!ns)
				continue;
			m.installed = p->source_version ? p->source_version : p->version;
			m.by_source = p->source_name != NULL;
			store_vulns_for(r, ns, p->source_name ? p->source_name : p->name, a,
			                on_vuln, &m);
			if (p->source_name) {
				m.installed = p->version;
				m.by_source = false;
				store_vulns_for(r, ns, p->name, a, on_vuln, &m);
			}
		}
	}
	for (size_t i = 0; i < out->n; i++)
		attach_enrichments(r, a, &out->m[i]);
	store_reader_end(r);
	if (m.bad_versions)
		host_logf(LUCID_LOG_WARN, "%d version comparisons failed (unparsable versions)",
		          m.bad_versions);
	if (out->n)
		qsort(out->m, out->n, sizeof *out->m, cmp_match);
	return 0;
}
