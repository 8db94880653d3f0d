/*
 * Alpine feed fetcher: the secdb (https://secdb.alpinelinux.org/). The upstream feeds are
 * discovered from the site's directory listings: every vX.Y/ and edge/ directory, and in each
 * its main and community documents (JSON, else YAML). Setting: plugins.alpine.url (a mirror).
 */
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alpine_parse.h"

#define SECDB       "https://secdb.alpinelinux.org/"
#define LISTING_MAX (4u * 1024 * 1024)
#define FEED_MAX    (512ull * 1024 * 1024)

/* Read a whole body into a malloc'd, NUL-terminated buffer. */
static int slurp(const struct lucid_reader *r, uint64_t max, char **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap + 1);
	if (!b)
		return -12;
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				free(b);
				return LUCID_ELIMIT;
			}
			char *nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				free(b);
				return -12;
			}
			b = nb;
			cap *= 2;
		}
		int64_t got = r->read(r->priv, b + n, cap - n);
		if (got < 0) {
			free(b);
			return (int)got;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

static int get(const struct lucid_ctx *ctx, const char *url, char **body, size_t *len)
{
	struct lucid_http_request req = {.size = sizeof req, .url = url, .max_bytes = LISTING_MAX};
	struct lucid_http_response resp = {.size = sizeof resp};
	int rc = ctx->host->http(ctx, &req, &resp);
	if (rc < 0)
		return rc;
	rc = slurp(&resp.body, LISTING_MAX, body, len);
	ctx->host->http_release(ctx, &resp);
	return rc;
}

struct names {
	char **v;
	size_t n;
};

static void names_add(struct names *s, const char *p, size_t n)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (!v)
		return;
	s->v = v;
	s->v[s->n] = strndup(p, n);
	if (s->v[s->n])
		s->n++;
}

static void names_free(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* "v3.10/" or "edge/" */
static int on_release_link(void *user, const char *h, size_t n)
{
	if (n >= 2 && h[n - 1] == '/' &&
	    ((n == 5 && !memcmp(h, "edge", 4)) ||
	     (h[0] == 'v' && n < 16 && strspn(h + 1, "0123456789.") == n - 2 && memchr(h, '.', n))))
		names_add(user, h, n);
	return 0;
}

static int on_file_link(void *user, const char *h, size_t n)
{
	static const char *const files[] = {"main.json", "community.json", "main.yaml",
	                                    "community.yaml"};
	for (size_t i = 0; i < 4; i++)
		if (n == strlen(files[i]) && !memcmp(h, files[i], n))
			names_add(user, h, n);
	return 0;
}

static bool has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

static int alpine_feeds(void *self, const struct lucid_ctx *ctx,
                        int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *base = ctx->host->config(ctx, "url");
	if (!base)
		base = SECDB;
	bool slash = base[0] && base[strlen(base) - 1] == '/';
	char *listing;
	size_t len;
	int rc = get(ctx, base, &listing, &len);
	if (rc < 0)
		return rc;
	struct names releases = {0};
	alpine_listing_links(listing, len, on_release_link, &releases);
	free(listing);
	if (!releases.n) {
		lucid_set_error(ctx, "%s lists no vX.Y/ or edge/ release directories", base);
		names_free(&releases);
		return LUCID_EPARSE;
	}
	for (size_t i = 0; i < releases.n && rc == 0; i++) {
		char dir[2048];
		snprintf(dir, sizeof dir, "%s%s%s", base, slash ? "" : "/", releases.v[i]);
		if ((rc = get(ctx, dir, &listing, &len)) < 0)
			break;
		struct names files = {0};
		alpine_listing_links(listing, len, on_file_link, &files);
		free(listing);
		/* one document per repository: JSON where published, else the YAML form */
		const char *repos[] = {"main", "community"};
		for (size_t r = 0; r < 2 && rc == 0; r++) {
			char json[64], yaml[64], url[2200], id[2200];
			snprintf(json, sizeof json, "%s.json", repos[r]);
			snprintf(yaml, sizeof yaml, "%s.yaml", repos[r]);
			const char *file = has(&files, json)   ? json
			                   : has(&files, yaml) ? yaml
			                                       : NULL;
			if (!file)
				continue;
			snprintf(url, sizeof url, "%s%s", dir, file);
			snprintf(id, sizeof id, "alpine-%.*s-%s", (int)strlen(releases.v[i]) - 1,
			         releases.v[i], repos[r]);
			struct lucid_feed f = {sizeof f, id, url};
			rc = cb(user, &f);
		}
		names_free(&files);
	}
	names_free(&releases);
	return rc;
}

static int alpine_feed_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                             const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	char *data;
	size_t len;
	int rc = slurp(body, FEED_MAX, &data, &len);
	if (rc == LUCID_ELIMIT)
		lucid_set_error(ctx, "secdb document larger than %llu bytes", FEED_MAX);
	if (rc < 0)
		return rc;
	char err[512] = "";
	struct alpine_stats st;
	rc = alpine_parse(data, len, out->emit, out->priv, &st, err, sizeof err);
	free(data);
	if (rc == LUCID_EPARSE)
		lucid_set_error(ctx, "%s", err);
	else if (rc == 0)
		lucid_log(ctx, LUCID_LOG_INFO,
		          "%zu packages, %zu records, %zu not-affected, %zu invalid fixed versions",
		          st.packages, st.records, st.not_affected, st.bad_versions);
	return rc;
}

static const struct lucid_fetcher_ops alpine_fetcher_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = alpine_feeds,
        .parse = alpine_feed_parse,
};

static const struct lucid_component alpine_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "alpine",
        .version = "1",
        .ops = &alpine_fetcher_ops,
};

static const struct lucid_component *const alpine_components[] = {&alpine_fetcher, NULL};

static const struct lucid_config_key alpine_config_keys[] = {
        {"url", "a mirror of https://secdb.alpinelinux.org/"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(alpine, .version = "1.0.0",
                    .description = "Alpine secdb (JSON and YAML), releases discovered upstream",
                    .license = "Apache-2.0", .components = alpine_components,
                    .config_keys = alpine_config_keys)