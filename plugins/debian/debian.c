/* Debian feed fetcher: the security tracker's JSON and its DSA/DLA advisory lists. */
#include <lucid/lucid-sdk.h>
#include <stdlib.h>
#include <string.h>

#include "debian_parse.h"

#define TRACKER_JSON "https://security-tracker.debian.org/tracker/data/json"
/* The whole feed is read into memory before parsing; the tracker JSON is about 80 MB. */
#define FEED_MAX (1024ull * 1024 * 1024)

static int debian_feeds(void *self, const struct lucid_ctx *ctx,
                        int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *url = ctx->host->config(ctx, "url"); /* a mirror of the tracker JSON */
	struct lucid_feed f = {sizeof f, "debian-tracker", url ? url : TRACKER_JSON};
	return cb(user, &f);
}

static int debian_feed_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                             const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	size_t cap = 1 << 20, len = 0;
	char *data = malloc(cap);
	if (!data)
		return -12;
	for (;;) {
		if (len == cap) {
			if (cap >= FEED_MAX) {
				free(data);
				lucid_set_error(ctx, "feed larger than %llu bytes", FEED_MAX);
				return LUCID_ELIMIT;
			}
			char *n = realloc(data, cap * 2);
			if (!n) {
				free(data);
				return -12;
			}
			data = n;
			cap *= 2;
		}
		int64_t r = body->read(body->priv, data + len, cap - len);
		if (r < 0) {
			free(data);
			return (int)r;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	char err[512] = "";
	struct debian_stats st;
	int rc = debian_parse(data, len, out->emit, out->priv, &st, err, sizeof err);
	free(data);
	if (rc == LUCID_EPARSE)
		lucid_set_error(ctx, "%s", err);
	else if (rc == 0)
		lucid_log(ctx, LUCID_LOG_INFO,
		          "%zu records, %zu advisories, %zu not-affected, %zu for unknown releases",
		          st.records, st.advisories, st.not_affected, st.unknown_release);
	return rc;
}

static const struct lucid_fetcher_ops debian_fetcher_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = debian_feeds,
        .parse = debian_feed_parse,
};

static const struct lucid_component debian_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "debian",
        .version = "1",
        .ops = &debian_fetcher_ops,
};

static const struct lucid_component *const debian_components[] = {&debian_fetcher, NULL};

static const struct lucid_config_key debian_config_keys[] = {
        {"url", "a mirror of the security tracker JSON"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(debian, .version = "1.0.0",
                    .description = "Debian security tracker JSON and DSA/DLA lists",
                    .license = "Apache-2.0", .components = debian_components,
                    .config_keys = debian_config_keys)