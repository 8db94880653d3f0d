#include "notifier.h"

#include <errno.h>
#include <jansson.h>
#include <lucid/error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "matcher.h"

#define BUCKETS 65536

/* One (manifest, package, vulnerability) found: the package as the reverse index holds it. */
struct hit {
	struct hit *next_in_manifest;
	const struct vuln_rec *v;
	char *installed, *package;
	bool by_source;
};

struct affected {
	struct affected *next; /* hash chain */
	char *digest;
	struct hit *hits;
	size_t nhits;
	struct affected *order; /* insertion order */
};

struct compute {
	const struct registry *reg;
	struct store *st;
	struct arena *a;
	struct affected **table;
	struct affected *first, *last;
	size_t manifests;
	/* the record being evaluated, and the removed records it may merely replace */
	const struct vuln_rec *v;
	struct vuln_rec **removed;
	size_t nremoved;
	int memo;          /* the verdict on the current run */
	char *run_version; /* its installed version, copied at its first hit */
	size_t hits;
	int bad_versions;
};

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)(h % BUCKETS);
}

static struct affected *manifest(struct compute *c, const char *digest)
{
	/* a sha256 digest is its own hash: 4 of its hex digits pick the bucket */
	size_t b = 0;
	if (strlen(digest) > 11)
		for (int i = 7; i < 11; i++)
			b = b << 4 | (size_t)(digest[i] <= '9' ? digest[i] - '0'
			                                       : (digest[i] | 32) - 'a' + 10);
	else
		b = hash_str(digest);
	b %= BUCKETS;
	for (struct affected *m = c->table[b]; m; m = m->next)
		if (!strcmp(m->digest, digest))
			return m;
	struct affected *m = arena_alloc(c->a, sizeof *m);
	m->digest = arena_strdup(c->a, digest);
	m->next = c->table[b];
	c->table[b] = m;
	if (c->last)
		c->last->order = m;
	else
		c->first = m;
	c->last = m;
	c->manifests++;
	return m;
}

/* Does v (or, when it only replaces a removed record that already applied, not) newly affect
 * the package the reverse-index entry describes? */
static int evaluate(struct compute *c, const struct pkg_rec *p, bool by_source,
                    const char *installed)
{
	int r = match_applies(c->reg, p, c->v, by_source, installed);
	if (r == LUCID_EVERSION)
		c->bad_versions++;
	if (r <= 0)
		return 0;
	for (size_t i = 0; i < c->nremoved; i++) {
		const struct vuln_rec *old = c->removed[i];
		if (!strcmp(old->id, c->v->id) && !strcmp(old->ns, c->v->ns) &&
		    !strcmp(old->package, c->v->package) &&
		    match_applies(c->reg, p, old, by_source, installed) == 1)
			return 0; /* a changed record of a vulnerability it already had */
	}
	return 1;
}

static int on_entry(void *user, const struct rev_entry *e)
{
	struct compute *c = user;
	if (!e->version) {
		/* an entry too long for the index: evaluate against the stored report */
		struct arena ra = {0};
		struct index_report rep;
		if (store_get_report(c->st, e->digest, &ra, &rep) == 0)
			for (size_t i = 0; i < rep.npkgs; i++) {
				const char *installed;
				const struct pkg_rec *p = &rep.pkgs[i];
				if (match_package(c->reg, p, c->v, &installed) != 1)
					continue;
				bool by_src =
				        p->source_name && !strcmp(p->source_name, c->v->package);
				if (evaluate(c, p, by_src, installed)) {
					struct affected *m = manifest(c, e->digest);
					struct hit *h = arena_alloc(c->a, sizeof *h);
					*h = (struct hit){m->hits, c->v,
					                  arena_strdup(c->a, installed),
					                  arena_strdup(c->a, p->name), by_src};
					m->hits = h;
					m->nhits++;
				}
			}
		arena_free(&ra);
		return 0;
	}
	/* entries holding the package alike are one run: judged once, skipped whole if not */
	if (e->new_run) {
		c->run_version = NULL;
		struct pkg_rec p = {.name = (char *)c->v->package,
		                    .version = (char *)e->version,
		                    .arch = (char *)e->arch,
		                    .version_format = (char *)e->version_format,
		                    .module = (char *)e->module};
		c->memo = evaluate(c, &p, e->by_source, e->version);
	}
	if (!c->memo)
		return STORE_SKIP_RUN;
	struct affected *m = manifest(c, e->digest);
	if (m->hits && m->hits->v == c->v)
		return 0;    /* by its binary and its source name: once */
	if (!c->run_version) /* one copy per run, shared by its hits */
		c->run_version = arena_strdup(c->a, e->version);
	struct hit *h = arena_alloc(c->a, sizeof *h);
	*h = (struct hit){m->hits, c->v, c->run_version, (char *)c->v->package, e->by_source};
	m->hits = h;
	m->nhits++;
	c->hits++;
	return 0;
}

#define FIND_THREADS 2

struct worker {
	struct compute c;
	struct arena arena;
	struct vuln_rec **recs;
	size_t n;
	int rc;
};

static void *find_worker(void *arg)
{
	struct worker *w = arg;
	for (size_t i = 0; w->rc == 0 && i < w->n; i++) {
		w->c.v = w->recs[i];
		if (w->c.v->state == LUCID_STATE_NOT_AFFECTED)
			continue;
		w->rc = store_manifests_for(w->c.st, w->c.v->ns, w->c.v->package, on_entry, &w->c);
	}
	return NULL;
}

/* Add what another worker found to c (its hits stay in that worker's arena). */
static void merge_into(struct compute *c, struct compute *o)
{
	for (struct affected *m = o->first; m; m = m->order) {
		size_t before = c->manifests;
		struct affected *into = manifest(c, m->digest);
		if (c->manifests == before || into->hits) {
			/* append m's hits to into's */
			struct hit *last = m->hits;
			while (last && last->next_in_manifest)
				last = last->next_in_manifest;
			if (last) {
				last->next_in_manifest = into->hits;
				into->hits = m->hits;
			}
		} else {
			into->hits = m->hits;
		}
		into->nhits += m->nhits;
	}
	c->hits += o->hits;
	c->bad_versions += o->bad_versions;
}

struct diff_collect {
	struct arena *a;
	struct vuln_rec **added, **removed;
	size_t nadded, nremoved, cadded, cremoved;
};

static int on_diff(void *user, bool added, struct vuln_rec *v)
{
	struct diff_collect *d = user;
	struct vuln_rec ***list = added ? &d->added : &d->removed;
	size_t *n = added ? &d->nadded : &d->nremoved, *cap = added ? &d->cadded : &d->cremoved;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*list = xrealloc(*list, *cap * sizeof **list);
	}
	(*list)[(*n)++] = v;
	return 0;
}

static json_t *summary(const struct hit *h)
{
	const struct vuln_rec *v = h->v;
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(v->id));
	json_object_set_new(o, "fixed_in_version", json_string(v->fixed_in ? v->fixed_in : ""));
	json_object_set_new(o, "links", json_string(v->links ? v->links : ""));
	json_object_set_new(o, "description", json_string(v->description ? v->description : ""));
	json_object_set_new(o, "normalized_severity", json_string(severity_name(v->severity)));
	json_object_set_new(o, "state", json_string(state_name(v->state)));
	json_object_set_new(o, "package",
	                    json_pack("{s:s, s:s, s:s}", "name", h->package, "version",
	                              h->installed, "kind", h->by_source ? "source" : "binary"));
	json_object_set_new(o, "distribution", json_pack("{s:s}", "namespace", v->ns));
	if (v->advisory)
		json_object_set_new(o, "advisory", json_string(v->advisory));
	return o;
}

static char *entry_json(size_t n, const char *digest, json_t *vuln, json_t *list)
{
	char id[32];
	snprintf(id, sizeof id, "%zu", n);
	json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "manifest", digest, "reason",
	                      "added", "vulnerability", vuln);
	if (list)
		json_object_set_new(o, "vulnerabilities", list);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

int notify_operation(const struct registry *reg, struct store *st, uint64_t seq,
                     const struct notifier_config *cfg, struct notify_result *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	struct arena a = {0};
	struct update_op op;
	if (store_get_op(st, seq, &a, &op) != 0) {
		arena_free(&a);
		return err_set(e, -ENOENT, "no update operation %llu", (unsigned long long)seq);
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct diff_collect d = {&a, NULL, NULL, 0, 0, 0, 0};
	int rc = store_op_diff(st, seq, &a, on_diff, &d);
	/* the added records are split between worker threads, each with its own read
	 * transactions and tables, merged afterwards */
	struct worker w[FIND_THREADS];
	size_t nw = d.nadded >= 64 ? FIND_THREADS : 1;
	pthread_t tid[FIND_THREADS];
	bool started[FIND_THREADS] = {0};
	for (size_t k = 0; k < nw; k++) {
		memset(&w[k], 0, sizeof w[k]);
		w[k].c = (struct compute){.reg = reg,
		                          .st = st,
		                          .a = &w[k].arena,
		                          .removed = d.removed,
		                          .nremoved = d.nremoved};
		w[k].c.table = arena_alloc(&w[k].arena, BUCKETS * sizeof *w[k].c.table);
		w[k].recs = d.added + k * d.nadded / nw;
		w[k].n = (k + 1) * d.nadded / nw - k * d.nadded / nw;
		if (rc == 0 && k > 0)
			started[k] = pthread_create(&tid[k], NULL, find_worker, &w[k]) == 0;
	}
	if (rc == 0)
		find_worker(&w[0]);
	for (size_t k = 1; k < nw; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else if (rc == 0)
			find_worker(&w[k]);
	}
	struct compute c = w[0].c;
	for (size_t k = 0; k < nw; k++)
		if (w[k].rc < 0 && rc == 0)
			rc = w[k].rc;
	for (size_t k = 1; k < nw; k++)
		merge_into(&c, &w[k].c);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	host_logf(LUCID_LOG_DEBUG, "update %llu of %s: %zu records added, %zu removed",
	          (unsigned long long)seq, op.feed, d.nadded, d.nremoved);
	out->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	out->manifests = c.manifests;
	out->hits = c.hits;
	if (c.bad_versions)
		host_logf(LUCID_LOG_WARN, "notifications: %d version comparisons failed",
		          c.bad_versions);
	if (rc == 0 && c.manifests && !cfg->find_only) {
		/* one entry per manifest (its most severe new vulnerability first), or per pair */
		char **entries = NULL;
		size_t n = 0, cap = 0;
		for (struct affected *m = c.first; m; m = m->order) {
			const struct hit *worst = m->hits;
			for (const struct hit *h = m->hits; h; h = h->next_in_manifest)
				if (h->v->severity > worst->v->severity)
					worst = h;
			if (cfg->per_vulnerability) {
				for (const struct hit *h = m->hits; h; h = h->next_in_manifest) {
					if (n == cap)
						entries = xrealloc(entries,
						                   (cap = cap ? cap * 2 : 64) *
						                           sizeof *entries);
					entries[n] = entry_json(n + 1, m->digest, summary(h), NULL);
					n++;
				}
			} else {
				json_t *list = json_array();
				for (const struct hit *h = m->hits; h; h = h->next_in_manifest)
					json_array_append_new(list, summary(h));
				if (n == cap)
					entries = xrealloc(entries, (cap = cap ? cap * 2 : 64) *
					                                    sizeof *entries);
				entries[n] = entry_json(n + 1, m->digest, summary(worst), list);
				n++;
			}
		}
		char seed[600], d64[72];
		snprintf(seed, sizeof seed, "%s|%llu|%lld|%lld", op.feed, (unsigned long long)seq,
		         (long long)op.time, (long long)time(NULL));
		sha256_digest(seed, strlen(seed), d64);
		snprintf(out->id, sizeof out->id, "%.32s", d64 + 7);
		struct notification note = {out->id, op.feed, seq, (int64_t)time(NULL), n};
		rc = store_put_notification(st, &note, (const char *const *)entries, n, cfg->sinks,
		                            cfg->nsinks, e);
		out->entries = n;
		for (size_t i = 0; i < n; i++)
			free(entries[i]);
		free(entries);
		if (rc == 0)
			host_logf(LUCID_LOG_INFO,
			          "notification %s: update %llu of %s newly affects %zu manifests "
			          "(%zu entries; found in %.3f s)",
			          out->id, (unsigned long long)seq, op.feed, c.manifests, n,
			          out->seconds);
	}
	for (size_t k = 0; k < nw; k++)
		arena_free(&w[k].arena);
	free(d.added);
	free(d.removed);
	arena_free(&a);
	return rc;
}

/* ---- delivery ---- */

char *notify_webhook_body(const struct notifier_config *cfg, const char *id)
{
	const char *base = cfg->callback ? cfg->callback : "";
	size_t bl = strlen(base);
	char *cb = NULL;
	if (asprintf(&cb, "%s%s%s", base, bl && base[bl - 1] != '/' ? "/" : "", id) < 0)
		abort();
	json_t *o = json_pack("{s:s, s:s}", "notification_id", id, "callback", cb);
	free(cb);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

struct due {
	struct delivery *d;
	size_t n, cap;
	int64_t now;
};

static int on_delivery(void *user, const struct delivery *d)
{
	struct due *u = user;
	if (d->state != DELIVERY_PENDING || d->next_attempt > u->now)
		return 0;
	if (u->n == u->cap)
		u->d = xrealloc(u->d, (u->cap = u->cap ? u->cap * 2 : 16) * sizeof *u->d);
	u->d[u->n++] = *d;
	return 0;
}

struct sink_round {
	const struct registry *reg;
	struct store *st;
	const struct notifier_config *cfg;
	int64_t now;
	const char *sink;
	struct delivery *d; /* this sink's due deliveries */
	size_t n;
	int delivered, rc;
	struct err e;
};

/* One sink's due deliveries, in its own thread: a slow or hanging sink holds up only itself. */
static void *deliver_to_sink(void *arg)
{
	struct sink_round *r = arg;
	unsigned base = r->cfg->retry_base_s ? r->cfg->retry_base_s : 30;
	unsigned maxi = r->cfg->retry_max_s ? r->cfg->retry_max_s : 3600;
	unsigned maxage = r->cfg->max_age_s ? r->cfg->max_age_s : 86400;
	const struct component *sink = registry_find(r->reg, LUCID_KIND_NOTIFIER, r->sink);
	for (size_t i = 0; i < r->n; i++) {
		struct delivery d = r->d[i];
		char why[300] = "";
		int rc;
		if (!sink) {
			rc = -ENOENT;
			snprintf(why, sizeof why, "no notifier sink named '%s' is loaded", d.sink);
		} else {
			char *body = notify_webhook_body(r->cfg, d.id);
			struct err fe = {0};
			struct lucid_ctx ctx;
			struct call call;
			call_ctx_init(&ctx, &call, r->reg, sink->plugin, &fe);
			rc = sink->ops.notifier.deliver(sink->plugin->self, &ctx, d.id, body,
			                                strlen(body));
			free(body);
			if (rc < 0)
				snprintf(why, sizeof why, "%s",
				         fe.msg[0] ? fe.msg : lucid_strerror(rc));
		}
		d.attempts++;
		d.last_error = why[0] ? why : NULL;
		if (rc >= 0) {
			d.state = DELIVERY_DONE;
			r->delivered++;
			host_logf(LUCID_LOG_INFO, "notification %s delivered through %s", d.id,
			          d.sink);
		} else {
			unsigned shift = d.attempts < 20 ? d.attempts - 1 : 19;
			uint64_t wait = (uint64_t)base << shift;
			d.next_attempt = r->now + (int64_t)(wait < maxi ? wait : maxi);
			if (rc != LUCID_ERETRY || r->now - d.created >= (int64_t)maxage)
				d.state = DELIVERY_FAILED;
			host_logf(LUCID_LOG_WARN, "notification %s through %s: %s (%s)", d.id,
			          d.sink, why,
			          d.state == DELIVERY_FAILED ? "given up" : "will retry");
		}
		struct err pe = {0};
		if (store_put_delivery(r->st, &d, &pe) < 0 && r->rc == 0)
			r->rc = err_set(&r->e, pe.code, "%s", pe.msg);
	}
	return NULL;
}

int notify_deliver_due(const struct registry *reg, struct store *st,
                       const struct notifier_config *cfg, int64_t now, struct err *e)
{
	struct arena a = {0};
	struct due u = {NULL, 0, 0, now};
	int rc = store_list_deliveries(st, &a, on_delivery, &u);
	/* group by sink */
	struct sink_round *rounds = NULL;
	size_t nr = 0;
	for (size_t i = 0; rc >= 0 && i < u.n; i++) {
		size_t k;
		for (k = 0; k < nr && strcmp(rounds[k].sink, u.d[i].sink) != 0; k++)
			;
		if (k == nr) {
			rounds = xrealloc(rounds, (nr + 1) * sizeof *rounds);
			rounds[nr++] = (struct sink_round){reg,  st, cfg, now, u.d[i].sink,
			                                   NULL, 0,  0,   0,   {0}};
		}
		rounds[k].d = xrealloc(rounds[k].d, (rounds[k].n + 1) * sizeof *rounds[k].d);
		rounds[k].d[rounds[k].n++] = u.d[i];
	}
	pthread_t *threads = xcalloc(nr ? nr : 1, sizeof *threads);
	bool *started = xcalloc(nr ? nr : 1, sizeof *started);
	for (size_t k = 0; k < nr; k++)
		started[k] = pthread_create(&threads[k], NULL, deliver_to_sink, &rounds[k]) == 0;
	int delivered = 0;
	for (size_t k = 0; k < nr; k++) {
		if (started[k])
			pthread_join(threads[k], NULL);
		else
			deliver_to_sink(&rounds[k]);
		delivered += rounds[k].delivered;
		if (rounds[k].rc < 0 && rc >= 0) {
			rc = rounds[k].rc;
			*e = rounds[k].e;
		}
		free(rounds[k].d);
	}
	free(threads);
	free(started);
	free(rounds);
	free(u.d);
	arena_free(&a);
	return rc < 0 ? rc : delivered;
}
