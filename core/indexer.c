#include "indexer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gunzip.h"
#include "http.h"
#include "image.h"

#define MAX_PACKAGES_PER_LAYER 1000000
#define MAX_LAYERS             1000

char *index_split_ref(const char *location, char **ref)
{
	struct stat st;
	*ref = NULL;
	if (stat(location, &st) == 0)
		return xstrdup(location);
	const char *colon = strrchr(location, ':');
	if (colon && colon != location && !strchr(colon, '/')) {
		char *path = xstrdup(location);
		path[colon - location] = 0;
		if (stat(path, &st) == 0) {
			*ref = xstrdup(colon + 1);
			return path;
		}
		free(path);
	}
	return xstrdup(location);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *index_scanner_set(const struct registry *r, size_t file_cap)
{
	char **parts = xcalloc(r->ncomps + 1, sizeof *parts);
	size_t n = 0;
	for (size_t i = 0; i < r->ncomps; i++) {
		const struct component *c = &r->comps[i];
		if (c->kind != LUCID_KIND_DETECTOR && c->kind != LUCID_KIND_LISTER)
			continue;
		struct buf b = {0};
		buf_addf(&b, "%s:%s@%s", kind_name(c->kind), c->name, c->version);
		parts[n++] = b.data;
	}
	qsort(parts, n, sizeof *parts, cmp_str);
	struct buf b = {0};
	buf_addf(&b, "walker@1;cap=%zu", file_cap ? file_cap : (size_t)WALKER_DEFAULT_FILE_CAP);
	for (size_t i = 0; i < n; i++) {
		buf_addf(&b, ";%s", parts[i]);
		free(parts[i]);
	}
	free(parts);
	return b.data;
}

char *index_state(const struct registry *r, size_t file_cap)
{
	char *set = index_scanner_set(r, file_cap);
	char d[72];
	sha256_digest(set, strlen(set), d);
	free(set);
	char *out = xmalloc(33);
	memcpy(out, d + 7, 32);
	out[32] = 0;
	return out;
}

static void wanted_paths(const struct registry *r, struct pathset *want)
{
	for (size_t i = 0; i < r->ncomps; i++) {
		const struct component *c = &r->comps[i];
		const char *const *paths =
		        c->kind == LUCID_KIND_DETECTOR ? c->ops.detector.required_paths
		        : c->kind == LUCID_KIND_LISTER ? c->ops.lister.required_paths
		                                       : NULL;
		for (; paths && *paths; paths++) {
			char norm[4096];
			size_t n = strlen(*paths);
			if (!path_normalize(*paths, norm, sizeof norm) || !norm[0])
				continue;
			if (n && (*paths)[n - 1] == '/')
				strncat(norm, "/", sizeof norm - strlen(norm) - 1);
			pathset_add(want, norm);
		}
	}
}

/* ---- running detectors and listers on one layer ---- */

struct layer_sink {
	struct arena *a;
	struct layer_result *res;
	const char *err_what;
};

static int ns_emit(void *priv, const struct lucid_namespace *ns)
{
	struct layer_sink *s = priv;
	if (!ns || !ns->name || !*ns->name)
		return -EINVAL;
	if (s->res->ns)
		return 0; /* the first detector to speak wins */
	struct lucid_namespace n = {0};
	memcpy(&n, ns, ns->size < sizeof n ? ns->size : sizeof n);
	struct ns_rec *r = arena_alloc(s->a, sizeof *r);
	r->name = arena_strdup(s->a, n.name);
	r->id = arena_strdup(s->a, n.id);
	r->version_id = arena_strdup(s->a, n.version_id);
	r->version_format = arena_strdup(s->a, n.version_format);
	r->pretty_name = arena_strdup(s->a, n.pretty_name);
	r->based_on = n.based_on && *n.based_on && strcmp(n.based_on, n.name) != 0
	                      ? arena_strdup(s->a, n.based_on)
	                      : NULL;
	s->res->ns = r;
	return 0;
}

static int pkg_emit(void *priv, const struct lucid_package *pkg)
{
	struct layer_sink *s = priv;
	struct lucid_package p = {0};
	if (!pkg)
		return -EINVAL;
	memcpy(&p, pkg, pkg->size < sizeof p ? pkg->size : sizeof p);
	if (!p.name || !*p.name || !p.version || !*p.version || !p.version_format)
		return -EINVAL;
	struct layer_result *r = s->res;
	if (r->npkgs >= MAX_PACKAGES_PER_LAYER)
		return LUCID_ELIMIT;
	if (r->npkgs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct pkg_rec *n = arena_alloc(s->a, cap * sizeof *n);
		if (r->npkgs)
			memcpy(n, r->pkgs, r->npkgs * sizeof *n);
		r->pkgs = n;
		r->cap = cap;
	}
	struct pkg_rec *x = &r->pkgs[r->npkgs++];
	x->name = arena_strdup(s->a, p.name);
	x->version = arena_strdup(s->a, p.version);
	bool same_src = !p.source_name || strcmp(p.source_name, p.name) == 0;
	x->source_name = same_src ? NULL : arena_strdup(s->a, p.source_name);
	bool same_ver = !p.source_version || strcmp(p.source_version, p.version) == 0;
	x->source_version = same_ver ? NULL : arena_strdup(s->a, p.source_version);
	x->arch = arena_strdup(s->a, p.arch);
	x->version_format = arena_strdup(s->a, p.version_format);
	x->db_path = arena_strdup(s->a, p.db_path ? p.db_path : "");
	x->module = p.module && *p.module ? arena_strdup(s->a, p.module) : NULL;
	return 0;
}

static int analyse_layer(const struct registry *reg, const struct layer_view *v, const char *digest,
                         struct arena *a, struct layer_result **out, struct err *e)
{
	struct layer_result *res = arena_alloc(a, sizeof *res);
	struct layer_sink sink = {a, res, NULL};
	struct lucid_layer layer;
	view_as_layer(v, digest, &layer);
	struct lucid_namespace_sink nss = {sizeof nss, &sink, ns_emit};
	struct lucid_package_sink pks = {sizeof pks, &sink, pkg_emit};
	for (size_t i = 0; i < reg->ncomps; i++) {
		const struct component *c = &reg->comps[i];
		struct lucid_ctx ctx;
		struct call call;
		int rc;
		if (c->kind == LUCID_KIND_DETECTOR) {
			call_ctx_init(&ctx, &call, reg, c->plugin, e);
			rc = c->ops.detector.detect(c->plugin->self, &ctx, &layer, &nss);
		} else if (c->kind == LUCID_KIND_LISTER) {
			call_ctx_init(&ctx, &call, reg, c->plugin, e);
			rc = c->ops.lister.list(c->plugin->self, &ctx, &layer, &pks);
		} else {
			continue;
		}
		if (rc < 0) {
			char what[256];
			snprintf(what, sizeof what, "layer %.80s: %s %s", digest,
			         kind_name(c->kind), c->name);
			return call_fail(&call, rc, what);
		}
	}
	res->nwh = v->nwh;
	res->whiteouts = arena_alloc(a, (v->nwh ? v->nwh : 1) * sizeof(char *));
	for (size_t i = 0; i < v->nwh; i++)
		res->whiteouts[i] = arena_strdup(a, v->whiteouts[i]);
	*out = res;
	return 0;
}

/* ---- format handlers ---- */

struct manifest_collect {
	struct arena *a;
	struct index_report *rep;
	struct layer_job *jobs;
	size_t njobs;
	bool manifest_seen;
	char why[128]; /* what the sinks refused, when they did */
};

static int on_manifest(void *priv, const struct lucid_image_manifest *m)
{
	struct manifest_collect *mc = priv;
	struct lucid_image_manifest x = {0};
	memcpy(&x, m, m->size < sizeof x ? m->size : sizeof x);
	if (x.digest && !digest_valid(x.digest))
		return LUCID_EPARSE; /* NULL: the container's own digest (checked after resolve) */
	mc->rep->manifest_digest = arena_strdup(mc->a, x.digest);
	mc->manifest_seen = true;
	mc->rep->ref = arena_strdup(mc->a, x.ref);
	mc->rep->config = arena_strdup(mc->a, x.config);
	return 0;
}

static int on_layer(void *priv, const struct lucid_image_layer *l)
{
	struct manifest_collect *mc = priv;
	struct lucid_image_layer x = {0};
	memcpy(&x, l, l->size < sizeof x ? l->size : sizeof x);
	/* member "": the container is the layer, and its digest may be left to the host */
	if (!x.member ||
	    (x.member[0] ? !digest_valid(x.digest) : x.digest && !digest_valid(x.digest)))
		return LUCID_EPARSE;
	char root[256];
	if (x.root && (!path_normalize(x.root, root, sizeof root) || !root[0]))
		return LUCID_EPARSE;
	if (mc->njobs >= MAX_LAYERS) {
		snprintf(mc->why, sizeof mc->why, "the image has more than %d layers", MAX_LAYERS);
		return LUCID_ELIMIT;
	}
	mc->jobs = xrealloc(mc->jobs, (mc->njobs + 1) * sizeof *mc->jobs);
	mc->jobs[mc->njobs++] =
	        (struct layer_job){.member = arena_strdup(mc->a, x.member),
	                           .root = x.root ? arena_strdup(mc->a, root) : NULL,
	                           .digest = arena_strdup(mc->a, x.digest),
	                           .digest_of = x.digest_of};
	struct index_report *r = mc->rep;
	struct layer_info *li = arena_alloc(mc->a, (r->nlayers + 1) * sizeof *li);
	if (r->nlayers)
		memcpy(li, r->layers, r->nlayers * sizeof *li);
	li[r->nlayers].digest = arena_strdup(mc->a, x.digest);
	li[r->nlayers].diff_id = arena_strdup(mc->a, x.diff_id);
	r->layers = li;
	r->nlayers++;
	return 0;
}

struct walk_ctx {
	const struct registry *reg;
	struct store *st;
	const char *scanner_set;
	struct arena *a;
	struct index_report *rep;
	struct layer_job *jobs;
};

static int on_layer_walked(void *user, struct layer_job *job, struct layer_view *v,
                           const char *digest, struct err *e)
{
	struct walk_ctx *w = user;
	size_t idx = (size_t)(job - w->jobs);
	struct layer_result *res;
	int rc = analyse_layer(w->reg, v, digest, w->a, &res, e);
	if (rc < 0)
		return rc;
	w->rep->layers[idx].res = res;
	host_logf(LUCID_LOG_INFO, "layer %s: walked, %zu packages, namespace %s", digest,
	          res->npkgs, res->ns ? res->ns->name : "none");
	if (w->st)
		return store_put_layer(w->st, job->digest, w->scanner_set, res, e);
	return 0;
}

/*
 * A layer that is the container itself (member "") is only possible for an archive holding
 * one layer; the host hashes the container and uses that digest for the layer and, when the
 * handler named none, the manifest.
 */
static int container_layer_digests(const char *path, const struct image_source *src,
                                   struct manifest_collect *mc, struct err *e)
{
	bool whole = false;
	for (size_t i = 0; i < mc->njobs; i++)
		whole |= !mc->jobs[i].member[0];
	if (!whole) {
		if (!mc->rep->manifest_digest)
			return err_set(e, LUCID_EPARSE,
			               "%s: the format handler reported no manifest "
			               "digest",
			               path);
		return 0;
	}
	if (src->kind == SOURCE_DIR || mc->njobs != 1)
		return err_set(e, LUCID_EPARSE,
		               "%s: a layer that is the container itself must be the only layer of "
		               "an archive",
		               path);
	char digest[72];
	int rc = file_sha256(path, digest, e);
	if (rc < 0)
		return rc;
	if (mc->jobs[0].digest && strcmp(mc->jobs[0].digest, digest) != 0)
		return err_set(e, LUCID_EINTEGRITY,
		               "%s: digest mismatch: the handler says %s, the "
		               "content is %s",
		               path, mc->jobs[0].digest, digest);
	mc->jobs[0].digest = arena_strdup(mc->a, digest);
	mc->rep->layers[0].digest = arena_strdup(mc->a, digest);
	if (!mc->rep->manifest_digest)
		mc->rep->manifest_digest = arena_strdup(mc->a, digest);
	return 0;
}

/* ---- coalescing ---- */

static bool whiteout_deletes(const char *wh, const char *path)
{
	size_t n = strlen(wh);
	if (n && wh[n - 1] == '/')
		return strncmp(path, wh, n) == 0;
	return strncmp(path, wh, n) == 0 && (path[n] == 0 || path[n] == '/');
}

struct db_state {
	const char *path;
	struct pkg_rec *pkgs;
	size_t n;
	bool live;
};

static bool same_pkg(const struct pkg_rec *a, const struct pkg_rec *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->version, b->version) == 0 &&
	       strcmp(a->arch ? a->arch : "", b->arch ? b->arch : "") == 0;
}

static int cmp_pkg(const void *x, const void *y)
{
	const struct pkg_rec *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	c = strcmp(a->arch ? a->arch : "", b->arch ? b->arch : "");
	return c ? c : strcmp(a->version, b->version);
}

void index_coalesce(struct index_report *out, struct arena *a)
{
	struct db_state *dbs = NULL;
	size_t ndbs = 0;
	out->ns = NULL;
	for (size_t l = 0; l < out->nlayers; l++) {
		const struct layer_result *r = out->layers[l].res;
		if (!r)
			continue;
		if (r->ns)
			out->ns = r->ns;
		for (size_t w = 0; w < r->nwh; w++)
			for (size_t d = 0; d < ndbs; d++)
				if (dbs[d].live && whiteout_deletes(r->whiteouts[w], dbs[d].path))
					dbs[d].live = false;
		/* group this layer's packages by database */
		for (size_t i = 0; i < r->npkgs; i++) {
			const char *path = r->pkgs[i].db_path;
			bool first = true;
			for (size_t j = 0; j < i; j++)
				if (strcmp(r->pkgs[j].db_path, path) == 0) {
					first = false;
					break;
				}
			if (!first)
				continue;
			struct db_state *prev = NULL;
			for (size_t d = 0; d < ndbs; d++)
				if (strcmp(dbs[d].path, path) == 0)
					prev = &dbs[d];
			size_t cnt = 0;
			for (size_t j = i; j < r->npkgs; j++)
				cnt += strcmp(r->pkgs[j].db_path, path) == 0;
			struct pkg_rec *set = arena_alloc(a, cnt * sizeof *set);
			size_t k = 0;
			for (size_t j = i; j < r->npkgs; j++) {
				if (strcmp(r->pkgs[j].db_path, path) != 0)
					continue;
				set[k] = r->pkgs[j];
				set[k].layer = (uint32_t)l;
				for (size_t q = 0; prev && prev->live && q < prev->n; q++)
					if (same_pkg(&prev->pkgs[q], &set[k])) {
						set[k].layer = prev->pkgs[q].layer;
						break;
					}
				k++;
			}
			if (!prev) {
				dbs = xrealloc(dbs, (ndbs + 1) * sizeof *dbs);
				prev = &dbs[ndbs++];
				prev->path = path;
			}
			prev->pkgs = set;
			prev->n = cnt;
			prev->live = true;
		}
	}
	size_t total = 0;
	for (size_t d = 0; d < ndbs; d++)
		total += dbs[d].live ? dbs[d].n : 0;
	out->pkgs = arena_alloc(a, (total ? total : 1) * sizeof *out->pkgs);
	out->npkgs = 0;
	for (size_t d = 0; d < ndbs; d++)
		for (size_t i = 0; dbs[d].live && i < dbs[d].n; i++)
			out->pkgs[out->npkgs++] = dbs[d].pkgs[i];
	qsort(out->pkgs, out->npkgs, sizeof *out->pkgs, cmp_pkg);
	free(dbs);
}

/* ---- the whole thing ---- */

static int probe_format(const struct registry *reg, struct image_source *src,
                        const struct component **fmt, struct err *e)
{
	*fmt = NULL;
	for (size_t i = 0; i < reg->ncomps; i++) {
		const struct component *c = &reg->comps[i];
		if (c->kind != LUCID_KIND_FORMAT)
			continue;
		struct lucid_ctx ctx;
		struct call call;
		call_ctx_init(&ctx, &call, reg, c->plugin, e);
		int rc = c->ops.format.probe(c->plugin->self, &ctx, &src->img);
		if (rc < 0)
			return call_fail(&call, rc, src->path);
		if (rc == 0) {
			*fmt = c;
			return 0;
		}
	}
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp((*(const struct view_entry *const *)a)->path,
	              (*(const struct view_entry *const *)b)->path);
}

/* A digest for content that has none of its own (a root filesystem): hash of what was kept. */
static void view_digest(const struct layer_view *v, char out[72])
{
	const struct view_entry **sorted = xcalloc(v->n ? v->n : 1, sizeof *sorted);
	for (size_t i = 0; i < v->n; i++)
		sorted[i] = &v->e[i];
	qsort(sorted, v->n, sizeof *sorted, cmp_entry);
	struct sha256 *h = sha256_new();
	for (size_t i = 0; i < v->n; i++) {
		char hdr[64];
		int n = snprintf(hdr, sizeof hdr, "%d:%zu:", sorted[i]->type, sorted[i]->len);
		sha256_update(h, sorted[i]->path, strlen(sorted[i]->path) + 1);
		sha256_update(h, hdr, (size_t)n);
		if (sorted[i]->type != VIEW_TOO_BIG && sorted[i]->data)
			sha256_update(h, sorted[i]->data, sorted[i]->len);
	}
	sha256_final(h, out);
	free(sorted);
}

static int single_layer(const struct registry *reg, struct index_report *out, struct arena *a,
                        struct layer_view *v, const char *digest, const char *format, struct err *e)
{
	out->format = arena_strdup(a, format);
	out->manifest_digest = arena_strdup(a, digest);
	out->nlayers = 1;
	out->layers = arena_alloc(a, sizeof *out->layers);
	out->layers[0].digest = arena_strdup(a, digest);
	return analyse_layer(reg, v, digest, a, &out->layers[0].res, e);
}

/* ---- manifests of remote layers ---- */

static int open_local_layer(const char *uri, const struct fetch_policy *p, struct err *e)
{
	const char *path = str_has_prefix(uri, "file://") ? uri + 7 : uri;
	char real[PATH_MAX];
	if (!realpath(path, real))
		return err_set(e, -errno, "layer %s: %s", uri, strerror(errno));
	for (size_t i = 0; i < p->nfile_roots; i++) {
		char root[PATH_MAX];
		if (!realpath(p->file_roots[i], root))
			continue;
		size_t n = strlen(root);
		if (strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == 0 || n == 1)) {
			int fd = open(real, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return err_set(e, -errno, "layer %s: %s", uri, strerror(errno));
			return fd;
		}
	}
	return err_set(e, -EACCES,
	               "layer %s: local paths are only read under the configured layer roots", uri);
}

/* Fetch one layer blob into a file descriptor (a spooled download or a local file). */
static int fetch_layer(const struct remote_layer *l, const struct fetch_policy *p,
                       struct http_fetch *f, struct err *e)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	if (!str_has_prefix(l->uri, "http://") && !str_has_prefix(l->uri, "https://"))
		return open_local_layer(l->uri, p, e);
	f->url = l->uri;
	f->headers = l->headers;
	f->nheaders = l->nheaders;
	f->max_bytes = p->max_layer_bytes;
	f->timeout_ms = p->timeout_ms;
	int rc = http_fetch(f, e);
	if (rc < 0) {
		err_prefix(e, "layer %s", l->digest);
		return rc;
	}
	if (f->status < 200 || f->status > 299)
		return err_set(e, f->status >= 500 || f->status == 429 ? LUCID_ERETRY : -EREMOTEIO,
		               "layer %s: %s answered HTTP status %ld", l->digest, l->uri,
		               f->status);
	int fd = f->fd;
	f->fd = -1; /* the caller owns it now */
	return fd;
}

int index_remote_layer(const struct registry *reg, struct store *st, const struct remote_layer *l,
                       size_t file_cap, const struct fetch_policy *p, struct arena *a,
                       char digest[72], struct layer_result **out, struct err *e)
{
	struct pathset want = {0};
	wanted_paths(reg, &want);
	struct http_fetch f;
	struct remote_layer named = *l;
	if (!named.digest)
		named.digest = named.uri;
	int fd = fetch_layer(&named, p, &f, e);
	http_fetch_free(&f);
	int rc = fd < 0 ? fd : 0;
	struct layer_view v = {0};
	snprintf(v.root, sizeof v.root, "%s", l->root ? l->root : "");
	if (rc == 0) {
		rc = image_walk_fd(fd, named.digest, l->digest, &want, file_cap, &v, digest, e);
		close(fd);
	}
	if (rc == 0)
		rc = analyse_layer(reg, &v, digest, a, out, e);
	view_free(&v);
	if (rc == 0 && st) {
		char *scanner_set = index_scanner_set(reg, file_cap);
		rc = store_put_layer(st, digest, scanner_set, *out, e);
		free(scanner_set);
	}
	pathset_free(&want);
	return rc;
}

void index_finish(const struct registry *reg, struct index_report *out, size_t file_cap,
                  struct arena *a)
{
	index_coalesce(out, a);
	char *state = index_state(reg, file_cap);
	out->state = arena_strdup(a, state);
	free(state);
}

int index_manifest(const struct registry *reg, struct store *st, const struct remote_manifest *m,
                   const struct index_opts *o, const struct fetch_policy *p, struct arena *a,
                   struct index_report *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!digest_valid(m->digest))
		return err_set(e, LUCID_EPARSE, "manifest hash '%s' is not a sha256 digest",
		               m->digest ? m->digest : "");
	if (m->nlayers == 0)
		return err_set(e, LUCID_EPARSE, "manifest %s has no layers", m->digest);
	if (m->nlayers > MAX_LAYERS)
		return err_set(e, LUCID_ELIMIT, "manifest %s has more than %d layers", m->digest,
		               MAX_LAYERS);
	out->manifest_digest = arena_strdup(a, m->digest);
	out->source = arena_strdup(a, m->digest);
	out->format = arena_strdup(a, "manifest");
	out->nlayers = m->nlayers;
	out->layers = arena_alloc(a, m->nlayers * sizeof *out->layers);
	struct pathset want = {0};
	wanted_paths(reg, &want);
	char *scanner_set = index_scanner_set(reg, o->file_cap);
	int rc = 0;
	for (size_t i = 0; i < m->nlayers && rc == 0; i++) {
		const struct remote_layer *l = &m->layers[i];
		if (!digest_valid(l->digest)) {
			rc = err_set(e, LUCID_EPARSE, "layer %zu: hash '%s' is not a sha256 digest",
			             i, l->digest ? l->digest : "");
			break;
		}
		out->layers[i].digest = arena_strdup(a, l->digest);
		struct layer_result *res;
		if (!o->no_cache && st &&
		    store_get_layer(st, l->digest, scanner_set, a, &res) == 0) {
			out->layers[i].res = res;
			out->layers[i].cached = true;
			host_logf(LUCID_LOG_INFO, "layer %s: cached, not fetched", l->digest);
			continue;
		}
		/* the same blob twice in one manifest (empty layers) is walked once */
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			if (out->layers[j].res && strcmp(m->layers[j].digest, l->digest) == 0) {
				out->layers[i].res = out->layers[j].res;
				dup = true;
			}
		if (dup)
			continue;
		if (!l->uri || !*l->uri) {
			rc = err_set(e, LUCID_EPARSE, "layer %s has no uri", l->digest);
			break;
		}
		struct http_fetch f;
		int fd = fetch_layer(l, p, &f, e);
		http_fetch_free(&f);
		if (fd < 0) {
			rc = fd;
			break;
		}
		struct layer_view v = {0};
		char digest[72];
		rc = image_walk_fd(fd, l->digest, l->digest, &want, o->file_cap, &v, digest, e);
		close(fd);
		if (rc == 0)
			rc = analyse_layer(reg, &v, l->digest, a, &res, e);
		view_free(&v);
		if (rc < 0)
			break;
		out->layers[i].res = res;
		host_logf(LUCID_LOG_INFO,
		          "layer %s: fetched and walked, %zu packages, namespace %s", l->digest,
		          res->npkgs, res->ns ? res->ns->name : "none");
		if (st)
			rc = store_put_layer(st, l->digest, scanner_set, res, e);
	}
	if (rc == 0) {
		index_finish(reg, out, o->file_cap, a);
		if (st)
			rc = store_put_report(st, out, e);
	}
	free(scanner_set);
	pathset_free(&want);
	return rc;
}

int index_image(const struct registry *reg, struct store *st, const char *location,
                const struct index_opts *o, struct arena *a, struct index_report *out,
                struct err *e)
{
	memset(out, 0, sizeof *out);
	char *ref = NULL;
	char *path = index_split_ref(location, &ref);
	if (o->ref) {
		free(ref);
		ref = xstrdup(o->ref);
	}
	out->source = arena_strdup(a, location);
	struct pathset want = {0};
	wanted_paths(reg, &want);
	char *scanner_set = index_scanner_set(reg, o->file_cap);
	struct image_source src;
	struct layer_job *jobs = NULL;
	int rc = image_source_open(&src, path, &want, o->file_cap, e);
	if (rc < 0)
		goto out;
	const struct component *fmt;
	if ((rc = probe_format(reg, &src, &fmt, e)) < 0)
		goto out;
	if (!fmt) {
		if (ref) {
			rc = err_set(e, -EINVAL,
			             "%s: a reference (:%s) was given, but this is not "
			             "an image archive or layout",
			             path, ref);
			goto out;
		}
		if (src.kind == SOURCE_DIR) {
			struct layer_view v = {.file_cap = o->file_cap};
			char digest[72];
			rc = rootfs_view(path, &want, o->file_cap, &v, e);
			if (rc == 0) {
				view_digest(&v, digest);
				rc = single_layer(reg, out, a, &v, digest, "rootfs", e);
			}
			view_free(&v);
		} else {
			char digest[72];
			rc = file_sha256(path, digest, e);
			if (rc == 0)
				rc = single_layer(reg, out, a, &src.as_layer, digest, "layer", e);
		}
		if (rc == 0)
			host_logf(LUCID_LOG_INFO, "%s: read as a %s", path, out->format);
		goto coalesce;
	}
	out->format = arena_strdup(a, fmt->name);
	struct manifest_collect mc = {.a = a, .rep = out};
	struct lucid_manifest_sink sink = {sizeof sink, &mc, on_manifest, on_layer};
	struct lucid_image_request req = {sizeof req, ref, o->platform};
	{
		struct lucid_ctx ctx;
		struct call call;
		call_ctx_init(&ctx, &call, reg, fmt->plugin, e);
		rc = fmt->ops.format.resolve(fmt->plugin->self, &ctx, &src.img, &req, &sink);
		jobs = mc.jobs;
		if (rc == LUCID_NOT_FOUND)
			rc = -ENOENT; /* no such ref or platform: an input error */
		if (rc < 0) {
			if (mc.why[0])
				snprintf(e->msg, sizeof e->msg, "%s", mc.why);
			else if (!call.error_set)
				snprintf(e->msg, sizeof e->msg, "%s", lucid_strerror(rc));
			err_prefix(e, "%s", path);
			e->code = rc;
			goto out;
		}
		if (!mc.manifest_seen) {
			rc = err_set(e, LUCID_EPARSE, "%s: the %s handler reported no manifest",
			             path, fmt->name);
			goto out;
		}
		if ((rc = container_layer_digests(path, &src, &mc, e)) < 0)
			goto out;
	}
	/* cached layers first; the rest are walked in one pass over the container */
	for (size_t i = 0; i < mc.njobs; i++) {
		struct layer_result *res;
		if (!o->no_cache && st &&
		    store_get_layer(st, jobs[i].digest, scanner_set, a, &res) == 0) {
			out->layers[i].res = res;
			out->layers[i].cached = true;
			jobs[i].done = true;
			host_logf(LUCID_LOG_INFO, "layer %s: cached, not walked", jobs[i].digest);
		}
	}
	struct walk_ctx wc = {reg, st, scanner_set, a, out, jobs};
	rc = image_walk_layers(&src, jobs, mc.njobs, &want, o->file_cap, on_layer_walked, &wc, e);
	if (rc < 0)
		goto out;
	if (src.parallel_walks || src.parallel_retries)
		host_logf(LUCID_LOG_INFO,
		          "%zu layers walked in parallel on %u threads, %zu redone serially "
		          "(gzip: %s)",
		          src.parallel_walks, src.threads_used, src.parallel_retries,
		          gunzip_engine());
coalesce:
	if (rc == 0) {
		index_finish(reg, out, o->file_cap, a);
		if (st)
			rc = store_put_report(st, out, e);
	}
out:
	free(jobs);
	if (src.path || rc == 0)
		image_source_close(&src);
	free(scanner_set);
	pathset_free(&want);
	free(path);
	free(ref);
	return rc;
}
