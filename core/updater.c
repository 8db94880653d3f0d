#include "updater.h"

#include "http.h"
#include "progress.h"

#include <errno.h>
#include <lucid/error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vuln_sink_ctx {
	struct feed_txn *txn;
	struct err *e;
	uint64_t emitted;
	const char *document; /* set while parsing one changed document: its records' key */
};

static int vuln_emit(void *priv, const struct lucid_vuln *in)
{
	struct vuln_sink_ctx *s = priv;
	struct lucid_vuln v = {0};
	if (!in)
		return -EINVAL;
	memcpy(&v, in, in->size < sizeof v ? in->size : sizeof v);
	if (!v.id || !*v.id || !v.namespace_name || !*v.namespace_name || !v.package ||
	    !*v.package || !v.version_format)
		return -EINVAL;
	if (v.state == LUCID_STATE_FIXED && (!v.fixed_in || !*v.fixed_in))
		return -EINVAL;
	if (v.package_kind != LUCID_PACKAGE_BINARY)
		v.package_kind = LUCID_PACKAGE_SOURCE;
	if (v.severity < LUCID_SEVERITY_UNKNOWN || v.severity > LUCID_SEVERITY_CRITICAL)
		v.severity = LUCID_SEVERITY_UNKNOWN;
	if (s->document)
		v.document = s->document;
	if (v.introduced && (!*v.introduced || !strcmp(v.introduced, "0")))
		v.introduced = NULL;
	if (v.last_affected && !*v.last_affected)
		v.last_affected = NULL;
	if (v.aliases && !*v.aliases)
		v.aliases = NULL;
	s->emitted++;
	return store_feed_add(s->txn, &v, s->e);
}

static bool in_range(double v, double lo, double hi)
{
	return v >= lo && v <= hi; /* false for NaN */
}

static int enrich_emit(void *priv, const struct lucid_enrichment *in)
{
	struct vuln_sink_ctx *s = priv;
	struct lucid_enrichment en = {0};
	if (!in)
		return -EINVAL;
	memcpy(&en, in, in->size < sizeof en ? in->size : sizeof en);
	if (!en.cve || !*en.cve || strlen(en.cve) > 200)
		return -EINVAL;
	/* a part whose values are absent or out of range is not stated */
	if (!en.cvss3_vector || !in_range(en.cvss3_score, 0, 10))
		en.parts &= ~(uint32_t)LUCID_ENRICH_CVSS3;
	if (!en.cvss4_vector || !in_range(en.cvss4_score, 0, 10))
		en.parts &= ~(uint32_t)LUCID_ENRICH_CVSS4;
	if (!in_range(en.epss, 0, 1) || !in_range(en.epss_percentile, 0, 1))
		en.parts &= ~(uint32_t)LUCID_ENRICH_EPSS;
	if (!en.kev_added || !*en.kev_added)
		en.parts &= ~(uint32_t)LUCID_ENRICH_KEV;
	en.parts &= LUCID_ENRICH_CVSS3 | LUCID_ENRICH_CVSS4 | LUCID_ENRICH_EPSS | LUCID_ENRICH_KEV;
	if (!en.parts)
		return 0;
	s->emitted++;
	return store_feed_enrich(s->txn, &en, s->e);
}

/* ---- incremental updates (fetchers with a changes() op) ---- */

struct change {
	char *document, *url; /* url NULL: deleted */
};

struct change_list {
	struct change *v;
	size_t n;
	char *cursor;
	bool cursor_set;
};

static int change_emit(void *priv, const struct lucid_feed_change *in)
{
	struct change_list *l = priv;
	struct lucid_feed_change c = {0};
	if (!in)
		return -EINVAL;
	memcpy(&c, in, in->size < sizeof c ? in->size : sizeof c);
	if (!c.document || !*c.document || (c.url && !*c.url))
		return -EINVAL;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n].document = xstrdup(c.document);
	l->v[l->n].url = c.url ? xstrdup(c.url) : NULL;
	l->n++;
	return 0;
}

static int change_set_cursor(void *priv, const char *cursor)
{
	struct change_list *l = priv;
	free(l->cursor);
	l->cursor = cursor ? xstrdup(cursor) : NULL;
	l->cursor_set = true;
	return 0;
}

static void change_list_free(struct change_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].document);
		free(l->v[i].url);
	}
	free(l->v);
	free(l->cursor);
}

/* Fetch and parse one changed document into txn, its records keyed by the document. */
static int apply_change(const struct registry *reg, const struct component *fetcher,
                        struct feed_txn *txn, const char *id, const struct change *c,
                        uint64_t *records, struct err *e)
{
	struct lucid_ctx ctx;
	struct call call;
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	int rc = store_feed_drop_document(txn, c->document, e);
	if (rc < 0 || !c->url)
		return rc;
	struct lucid_http_request req = {.size = sizeof req, .url = c->url};
	struct lucid_http_response resp = {.size = sizeof resp};
	if ((rc = ctx.host->http(&ctx, &req, &resp)) < 0)
		return rc;
	struct vuln_sink_ctx sc = {txn, e, 0, c->document};
	struct lucid_vuln_sink sink = {sizeof sink, &sc, vuln_emit, enrich_emit};
	struct lucid_feed feed = {sizeof feed, id, c->url};
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	rc = fetcher->ops.fetcher.parse(fetcher->plugin->self, &ctx, &feed, &resp.body, &sink);
	if (rc < 0) {
		const char *why = http_body_error(&resp);
		if (why) {
			snprintf(e->msg, sizeof e->msg, "%s", why);
			call.error_set = true;
		}
		call_fail(&call, rc, "parsing it");
	}
	*records += sc.emitted;
	ctx.host->http_release(&ctx, &resp);
	return rc;
}

/*
 * Ask the fetcher what changed since the stored cursor and apply it in one transaction.
 * The fetcher sees the feed's own key (NULL for a source the user named). *changed is set
 * when records changed.
 */
static void record_op(struct update_result *res, uint64_t op)
{
	if (!res || !op)
		return;
	res->ops = xrealloc(res->ops, (res->nops + 1) * sizeof *res->ops);
	res->ops[res->nops++] = op;
}

static int apply_changes(const struct registry *reg, struct store *st,
                         const struct component *fetcher, const char *id, const char *key,
                         const char *url, bool *changed, struct update_result *res, struct err *e)
{
	struct arena a = {0};
	struct feed_state cur;
	if (store_get_feed(st, id, &a, &cur) != 0) {
		arena_free(&a);
		return 0; /* the feed itself never loaded: nothing to build on */
	}
	struct change_list l = {0};
	struct lucid_change_sink sink = {sizeof sink, &l, change_emit, change_set_cursor};
	struct lucid_feed feed = {sizeof feed, key, url};
	struct lucid_ctx ctx;
	struct call call;
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	int rc =
	        fetcher->ops.fetcher.changes(fetcher->plugin->self, &ctx, &feed, cur.cursor, &sink);
	if (rc < 0) {
		char what[4300];
		snprintf(what, sizeof what, "feed %s (%s): finding its changes, none stored",
		         fetcher->name, url);
		call_fail(&call, rc, what);
		goto out;
	}
	bool moved = l.cursor_set && !(l.cursor && cur.cursor && strcmp(l.cursor, cur.cursor) == 0);
	if (l.n == 0 && !moved)
		goto out;
	struct feed_state now = cur;
	now.cursor = l.cursor_set ? l.cursor : cur.cursor;
	now.updated = (int64_t)time(NULL);
	struct feed_txn *txn;
	if ((rc = store_feed_delta_begin(st, id, cur.count, &txn, e)) < 0)
		goto out;
	size_t deleted = 0;
	uint64_t records = 0;
	for (size_t i = 0; i < l.n && rc >= 0; i++) {
		rc = apply_change(reg, fetcher, txn, id, &l.v[i], &records, e);
		if (rc < 0)
			err_prefix(e, "feed %s: changed document %s, no change stored",
			           fetcher->name, l.v[i].document);
		deleted += !l.v[i].url;
	}
	if (rc < 0) {
		store_feed_abort(txn);
		goto out;
	}
	if ((rc = store_feed_commit(txn, &now, e)) < 0)
		goto out;
	record_op(res, now.last_op);
	*changed = l.n > 0;
	if (l.n)
		host_logf(LUCID_LOG_INFO,
		          "feed %s: %zu documents changed, %zu deleted upstream; %llu records from "
		          "them, %llu in all",
		          id, l.n - deleted, deleted, (unsigned long long)records,
		          (unsigned long long)now.count);
out:
	change_list_free(&l);
	arena_free(&a);
	return rc < 0 ? rc : 0;
}

/* Download and parse one feed (stored under fetcher:key) whole, unless it is unchanged. */
static int update_whole(const struct registry *reg, struct store *st,
                        const struct component *fetcher, const char *id, const char *url,
                        bool force, int *outcome, struct update_result *res, struct err *e)
{
	struct arena a = {0};
	struct feed_state old;
	bool have_old = store_get_feed(st, id, &a, &old) == 0;
	struct lucid_ctx ctx;
	struct call call;
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	struct lucid_http_request req = {.size = sizeof req, .url = url};
	/* validators belong to the URL they came from: a feed whose URL moved (a new archive)
	 * is fetched unconditionally */
	bool same_url = have_old && old.url && strcmp(old.url, url) == 0;
	if (same_url && !force) {
		req.if_none_match = old.etag;
		req.if_modified_since = old.last_modified;
	}
	struct lucid_http_response resp = {.size = sizeof resp};
	int rc = ctx.host->http(&ctx, &req, &resp);
	if (rc < 0) {
		err_prefix(e, "feed %s", fetcher->name);
		arena_free(&a);
		return rc;
	}
	struct feed_state now = {.etag = resp.etag,
	                         .last_modified = resp.last_modified,
	                         .validator = resp.validator,
	                         .updated = (int64_t)time(NULL),
	                         .url = url};
	if (resp.status == 304 ||
	    (!force && have_old && old.validator && strcmp(old.validator, resp.validator) == 0)) {
		now.count = have_old ? old.count : 0;
		now.cursor = have_old ? old.cursor : NULL;
		if (resp.status == 304) {
			now.validator = old.validator;
			if (!now.etag)
				now.etag = old.etag;
			if (!now.last_modified)
				now.last_modified = old.last_modified;
		}
		rc = store_feed_touch(st, id, &now, e);
		ctx.host->http_release(&ctx, &resp);
		arena_free(&a);
		*outcome = LUCID_UNCHANGED;
		return rc;
	}
	struct feed_txn *txn;
	if ((rc = store_feed_begin(st, id, &txn, e)) < 0) {
		ctx.host->http_release(&ctx, &resp);
		arena_free(&a);
		return rc;
	}
	struct vuln_sink_ctx sc = {txn, e, 0, NULL};
	struct lucid_vuln_sink sink = {sizeof sink, &sc, vuln_emit, enrich_emit};
	struct lucid_feed feed = {sizeof feed, id, url};
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	char task[96];
	snprintf(task, sizeof task, "parsing %.80s", id);
	progress_begin(task);
	rc = fetcher->ops.fetcher.parse(fetcher->plugin->self, &ctx, &feed, &resp.body, &sink);
	progress_end();
	if (rc < 0) {
		store_feed_abort(txn);
		const char *why = http_body_error(&resp);
		if (why) {
			snprintf(e->msg, sizeof e->msg, "%s", why);
			call.error_set = true;
		}
		char what[4300];
		snprintf(what, sizeof what, "feed %s (%s), nothing stored", fetcher->name, url);
		call_fail(&call, rc, what);
	} else {
		rc = store_feed_commit(txn, &now, e);
		if (rc == 0)
			record_op(res, now.last_op);
		host_logf(LUCID_LOG_INFO, "feed %s: %llu records", id,
		          (unsigned long long)now.count);
	}
	ctx.host->http_release(&ctx, &resp);
	arena_free(&a);
	*outcome = rc < 0 ? rc : 0;
	return rc;
}

int update_one(const struct registry *reg, struct store *st, const struct component *fetcher,
               const char *key, const char *url, bool force, int *outcome,
               struct update_result *res, struct err *e)
{
	char id[4200];
	snprintf(id, sizeof id, "%s:%s", fetcher->name, key ? key : url);
	int rc = update_whole(reg, st, fetcher, id, url, force, outcome, res, e);
	if (rc < 0 || !fetcher->ops.fetcher.changes)
		return rc;
	bool changed = false;
	rc = apply_changes(reg, st, fetcher, id, key, url, &changed, res, e);
	if (rc == 0 && changed)
		*outcome = 0;
	return rc;
}

struct default_feeds {
	char **keys, **urls;
	size_t n;
};

static int on_default_feed(void *user, const struct lucid_feed *f)
{
	struct default_feeds *d = user;
	if (!f || !f->url || !*f->url)
		return -EINVAL;
	d->keys = xrealloc(d->keys, (d->n + 1) * sizeof *d->keys);
	d->urls = xrealloc(d->urls, (d->n + 1) * sizeof *d->urls);
	/* a stable id keeps a feed one feed when its URL moves (a new archive name) */
	d->keys[d->n] = xstrdup(f->id && *f->id ? f->id : f->url);
	d->urls[d->n++] = xstrdup(f->url);
	return 0;
}

static void tally(struct update_result *res, int rc, int outcome, int *first, struct err *e,
                  struct err *fe)
{
	if (rc < 0) {
		res->failed++;
		if (*first == 0) {
			*first = rc;
			*e = *fe;
		}
		fprintf(stderr, "lucid: %s\n", fe->msg);
	} else if (outcome == LUCID_UNCHANGED) {
		res->unchanged++;
	} else {
		res->updated++;
	}
}

/* Ask fetcher c for its upstream feeds and update each. */
static void update_defaults(const struct registry *reg, struct store *st, const struct component *c,
                            bool force, struct update_result *res, int *first, struct err *e)
{
	struct default_feeds d = {NULL, 0};
	struct lucid_ctx ctx;
	struct call call;
	struct err fe = {0};
	call_ctx_init(&ctx, &call, reg, c->plugin, &fe);
	int rc = c->ops.fetcher.feeds(c->plugin->self, &ctx, on_default_feed, &d);
	if (rc < 0) {
		char what[256];
		snprintf(what, sizeof what, "feed %s: finding the upstream feeds", c->name);
		call_fail(&call, rc, what);
		tally(res, rc, 0, first, e, &fe);
	}
	for (size_t k = 0; k < d.n; k++) {
		int outcome = 0;
		if (rc >= 0) {
			struct err fe2 = {0};
			int r2 = update_one(reg, st, c, d.keys[k], d.urls[k], force, &outcome, res,
			                    &fe2);
			tally(res, r2, outcome, first, e, &fe2);
		}
		free(d.keys[k]);
		free(d.urls[k]);
	}
	free(d.keys);
	free(d.urls);
}

int update_feeds(const struct registry *reg, struct store *st, const struct feed_source *src,
                 size_t n, bool force, struct update_result *res, struct err *e)
{
	free(res->ops);
	memset(res, 0, sizeof *res);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		const struct component *c = registry_find(reg, LUCID_KIND_FETCHER, src[i].fetcher);
		struct err fe = {0};
		int outcome = 0, rc;
		if (!c) {
			rc = err_set(&fe, -ENOENT,
			             "no feed fetcher named '%s' (see `lucid plugins`)",
			             src[i].fetcher);
		} else if (!src[i].url) {
			if (!c->ops.fetcher.feeds) {
				rc = err_set(&fe, -EINVAL,
				             "feed %s has no upstream feeds: name a source "
				             "(--feed %s=URL_OR_FILE)",
				             c->name, c->name);
			} else {
				update_defaults(reg, st, c, force, res, &first, e);
				continue;
			}
		} else {
			rc = update_one(reg, st, c, NULL, src[i].url, force, &outcome, res, &fe);
		}
		tally(res, rc, outcome, &first, e, &fe);
	}
	if (n)
		return first;
	for (size_t i = 0; i < reg->ncomps; i++) {
		const struct component *c = &reg->comps[i];
		if (c->kind == LUCID_KIND_FETCHER && c->ops.fetcher.feeds)
			update_defaults(reg, st, c, force, res, &first, e);
	}
	return first;
}
