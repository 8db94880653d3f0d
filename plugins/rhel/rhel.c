/*
 * Red Hat VEX fetcher ("rhel-vex"). Upstream: archive_latest.txt names the current archive
 * (a zstd tar of every CSAF VEX document), which is loaded whole when it changes; then
 * changes.csv and deletions.csv beside it list the documents changed or deleted since, which
 * are applied one document at a time (lucid_fetcher_ops::changes). A single VEX document or a
 * tar of them can be named with --feed rhel-vex=FILE_OR_URL. Documents are read one at a time
 * from the (host-decompressed) stream. Settings: plugins.rhel.url (a mirror of the VEX base),
 * plugins.rhel.deltas ("false": load archives only).
 */
#include <errno.h>
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc_archive.h"
#include "rhel_vex_parse.h"

#define VEX_BASE "https://security.access.redhat.com/data/csaf/v2/vex/"
#define DOC_MAX  (256u * 1024 * 1024)

static int rhel_feeds(void *self, const struct lucid_ctx *ctx,
                      int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *base = ctx->host->config(ctx, "url");
	if (!base)
		base = VEX_BASE;
	char url[2048];
	snprintf(url, sizeof url, "%s%sarchive_latest.txt", base,
	         base[0] && base[strlen(base) - 1] == '/' ? "" : "/");
	struct lucid_http_request req = {.size = sizeof req, .url = url, .max_bytes = 4096};
	struct lucid_http_response resp = {.size = sizeof resp};
	int rc = ctx->host->http(ctx, &req, &resp);
	if (rc < 0)
		return rc;
	char name[512];
	int64_t n = resp.body.read(resp.body.priv, name, sizeof name - 1);
	ctx->host->http_release(ctx, &resp);
	if (n <= 0) {
		lucid_set_error(ctx, "%s is empty", url);
		return LUCID_EPARSE;
	}
	name[n] = 0;
	name[strcspn(name, "\r\n ")] = 0;
	if (!name[0] || strchr(name, '/') || strstr(name, "..")) {
		lucid_set_error(ctx, "%s does not name an archive", url);
		return LUCID_EPARSE;
	}
	snprintf(url, sizeof url, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", name);
	/* one stable id: a new archive replaces the old one's records */
	struct lucid_feed f = {sizeof f, "vex-archive", url};
	return cb(user, &f);
}

/* Tags each record with the archive member it came from (the key deltas replace by). */
struct doc_sink {
	const struct lucid_vuln_sink *out;
	const char *document;
};

static int doc_emit(void *u, const struct lucid_vuln *v)
{
	struct doc_sink *d = u;
	struct lucid_vuln c = LUCID_RECORD_INIT(lucid_vuln);
	memcpy(&c, v, v->size < sizeof c ? v->size : sizeof c);
	c.size = sizeof c;
	c.document = d->document;
	return d->out->emit(d->out->priv, &c);
}

struct vex_feed {
	const struct lucid_ctx *ctx;
	const struct lucid_vuln_sink *out;
	struct vex_stats st;
};

static int on_vex_document(void *user, const char *name, const char *doc, size_t len)
{
	struct vex_feed *f = user;
	struct doc_sink ds = {f->out, name};
	char err[512] = "";
	int rc = vex_parse_document(doc, len, doc_emit, &ds, &f->st, err, sizeof err);
	if (rc == LUCID_EPARSE)
		lucid_set_error(f->ctx, "%s: %s", name ? name : "VEX document", err);
	return rc;
}

static int rhel_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                      const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	struct vex_feed f = {ctx, out, {0}};
	int rc = doc_archive_each(ctx, body, ".json", DOC_MAX, on_vex_document, &f);
	if (rc == 0 && f.st.documents == 0) {
		lucid_set_error(ctx, "no CSAF VEX document in the feed");
		rc = LUCID_EPARSE;
	}
	if (rc == 0)
		lucid_log(ctx, LUCID_LOG_INFO,
		          "%zu documents (%zu withdrawn), %zu records (%zu not affected), %zu "
		          "entries for other products",
		          f.st.documents, f.st.deleted, f.st.records, f.st.not_affected,
		          f.st.other_products);
	return rc;
}

/* ---- incremental updates: changes.csv and deletions.csv beside the archive ---- */

struct event {
	char *path;
	long long when;
	bool deleted;
};

struct events {
	struct event *v;
	size_t n, cap;
	long long newest;
};

static int by_path_then_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return (x->when > y->when) - (x->when < y->when);
}

/* Read one CSV listing through the host; keep the rows newer than since. */
static int read_listing(const struct lucid_ctx *ctx, const char *base, const char *name,
                        long long since, bool deleted, struct events *ev)
{
	char url[4096];
	snprintf(url, sizeof url, "%s%s", base, name);
	struct lucid_http_request req = {.size = sizeof req, .url = url};
	struct lucid_http_response resp = {.size = sizeof resp};
	int rc = ctx->host->http(ctx, &req, &resp);
	if (rc < 0)
		return rc;
	char *line = malloc(8192), buf[65536];
	size_t ll = 0, lineno = 0;
	bool overlong = false;
	int64_t n;
	if (!line) {
		ctx->host->http_release(ctx, &resp);
		return -12;
	}
	while (rc == 0 && (n = resp.body.read(resp.body.priv, buf, sizeof buf)) > 0) {
		for (int64_t i = 0; i < n && rc == 0; i++) {
			if (buf[i] != '\n') {
				if (ll < 8191)
					line[ll++] = buf[i];
				else
					overlong = true;
				continue;
			}
			lineno++;
			const char *path;
			size_t plen;
			long long when;
			if (ll == 0 && !overlong)
				continue;
			if (overlong || vex_change_row(line, ll, &path, &plen, &when) != 0) {
				line[ll < 80 ? ll : 80] = 0;
				lucid_set_error(ctx, "%s:%zu: not a \"path\",\"time\" row: %s", url,
				                lineno, line);
				rc = LUCID_EPARSE;
				break;
			}
			ll = 0;
			if (when <= since)
				continue;
			if (ev->n == ev->cap) {
				size_t cap = ev->cap ? ev->cap * 2 : 256;
				struct event *nv = realloc(ev->v, cap * sizeof *nv);
				if (!nv) {
					rc = -12;
					break;
				}
				ev->v = nv;
				ev->cap = cap;
			}
			char *p = strndup(path, plen);
			if (!p) {
				rc = -12;
				break;
			}
			ev->v[ev->n++] = (struct event){p, when, deleted};
			if (when > ev->newest)
				ev->newest = when;
		}
	}
	if (rc == 0 && n < 0) {
		lucid_set_error(ctx, "%s: reading failed", url);
		rc = -5;
	}
	if (rc == 0 && ll > 0) {
		lucid_set_error(ctx, "%s: truncated (the last row has no newline)", url);
		rc = LUCID_EPARSE;
	}
	free(line);
	ctx->host->http_release(ctx, &resp);
	return rc;
}

/* "…/csaf_vex_2023-10-31.tar.zst" -> the archive's date; -1 for any other name. */
static long long archive_date(const char *url)
{
	const char *b = strrchr(url, '/');
	b = b ? b + 1 : url;
	if (strncmp(b, "csaf_vex_", 9) != 0 || strlen(b) < 19 || strncmp(b + 19, ".tar", 4) != 0)
		return -1;
	return vex_parse_time(b + 9, 10);
}

static int rhel_changes(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                        const char *cursor, const struct lucid_change_sink *out)
{
	(void)self;
	const char *deltas = ctx->host->config(ctx, "deltas");
	if (deltas && strcmp(deltas, "false") == 0)
		return 0;
	long long since = archive_date(feed->url);
	if (!feed->id) {
		lucid_log(ctx, LUCID_LOG_DEBUG, "%s was named by the user: loaded as it is",
		          feed->url);
		return 0;
	}
	if (since < 0) {
		lucid_log(ctx, LUCID_LOG_DEBUG, "%s is not a VEX archive: no incremental updates",
		          feed->url);
		return 0;
	}
	if (cursor) {
		char *end;
		long long c = strtoll(cursor, &end, 10);
		if (*end || c < 0) {
			lucid_set_error(ctx, "stored cursor '%s' is not a time", cursor);
			return LUCID_EPARSE;
		}
		if (c > since)
			since = c;
	}
	const char *slash = strrchr(feed->url, '/');
	size_t blen = slash ? (size_t)(slash - feed->url) + 1 : 0;
	char base[4096];
	if (blen >= sizeof base)
		return LUCID_ELIMIT;
	memcpy(base, feed->url, blen);
	base[blen] = 0;
	struct events ev = {NULL, 0, 0, since};
	int rc = read_listing(ctx, base, "changes.csv", since, false, &ev);
	if (rc == 0)
		rc = read_listing(ctx, base, "deletions.csv", since, true, &ev);
	if (rc == 0 && ev.n)
		qsort(ev.v, ev.n, sizeof *ev.v, by_path_then_time);
	/* per document, the newest event wins: changed (fetch it again) or deleted */
	for (size_t i = 0; rc == 0 && i < ev.n; i++) {
		if (i + 1 < ev.n && strcmp(ev.v[i].path, ev.v[i + 1].path) == 0)
			continue;
		char url[8192];
		snprintf(url, sizeof url, "%s%s", base, ev.v[i].path);
		struct lucid_feed_change c = {sizeof c, ev.v[i].path, ev.v[i].deleted ? NULL : url};
		rc = out->emit(out->priv, &c);
	}
	if (rc == 0) {
		char cur[32];
		snprintf(cur, sizeof cur, "%lld", ev.newest);
		rc = out->set_cursor(out->priv, cur);
	}
	for (size_t i = 0; i < ev.n; i++)
		free(ev.v[i].path);
	free(ev.v);
	return rc;
}

static const struct lucid_fetcher_ops rhel_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = rhel_feeds,
        .parse = rhel_parse,
        .changes = rhel_changes,
};

static const struct lucid_component rhel_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "rhel-vex",
        .version = "2",
        .ops = &rhel_ops,
};

static const struct lucid_component *const rhel_components[] = {&rhel_fetcher, NULL};

static const struct lucid_config_key rhel_config_keys[] = {
        {"url", "a mirror of the Red Hat VEX base"},
        {"deltas", "\"false\": load archives only, no incremental updates"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(rhel, .version = "1.1.0",
                    .description = "Red Hat CSAF VEX (documents and the VEX archive)",
                    .license = "Apache-2.0", .components = rhel_components,
                    .config_keys = rhel_config_keys)