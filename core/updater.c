#include "updater.h"

#include "http.h"

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
	s->emitted++;
	return store_feed_add(s->txn, &v, s->e);
}

int update_one(const struct registry *reg, struct store *st, const struct component *fetcher,
               const char *url, bool force, int *outcome, struct err *e)
{
	struct arena a = {0};
	char id[4200];
	snprintf(id, sizeof id, "%s:%s", fetcher->name, url);
	struct feed_state old;
	bool have_old = store_get_feed(st, id, &a, &old) == 0;
	struct lucid_ctx ctx;
	struct call call;
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	struct lucid_http_request req = {.size = sizeof req, .url = url};
	if (have_old && !force) {
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
	                         .updated = (int64_t)time(NULL)};
	if (resp.status == 304 ||
	    (!force && have_old && old.validator && strcmp(old.validator, resp.validator) == 0)) {
		now.count = have_old ? old.count : 0;
		if (resp.status == 304)
			now.validator = old.validator;
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
	struct vuln_sink_ctx sc = {txn, e, 0};
	struct lucid_vuln_sink sink = {sizeof sink, &sc, vuln_emit};
	struct lucid_feed feed = {sizeof feed, id, url};
	call_ctx_init(&ctx, &call, reg, fetcher->plugin, e);
	rc = fetcher->ops.fetcher.parse(fetcher->plugin->self, &ctx, &feed, &resp.body, &sink);
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
		host_logf(LUCID_LOG_INFO, "feed %s: %llu records", id,
		          (unsigned long long)now.count);
	}
	ctx.host->http_release(&ctx, &resp);
	arena_free(&a);
	*outcome = rc < 0 ? rc : 0;
	return rc;
}

struct default_feeds {
	char **urls;
	size_t n;
};

static int on_default_feed(void *user, const struct lucid_feed *f)
{
	struct default_feeds *d = user;
	if (!f || !f->url)
		return -EINVAL;
	d->urls = xrealloc(d->urls, (d->n + 1) * sizeof *d->urls);
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
static void update_defaults(const struct registry *reg, struct store *st,
			    const struct component *c, bool force, struct update_result *res,
			    int *first, struct err *e)
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
			int r2 = update_one(reg, st, c, d.urls[k], force, &outcome, &fe2);
			tally(res, r2, outcome, first, e, &fe2);
		}
		free(d.urls[k]);
	}
	free(d.urls);
}

int update_feeds(const struct registry *reg, struct store *st, const struct feed_source *src,
		 size_t n, bool force, struct update_result *res, struct err *e)
{
	memset(res, 0, sizeof *res);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		const struct component *c = registry_find(reg, LUCID_KIND_FETCHER, src[i].fetcher);
		struct err fe = {0};
		int outcome = 0, rc;
		if (!c) {
			rc = err_set(&fe, -ENOENT, "no feed fetcher named '%s' (see `lucid plugins`)",
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
			rc = update_one(reg, st, c, src[i].url, force, &outcome, &fe);
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
