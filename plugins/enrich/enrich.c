/*
 * CVE enrichment fetchers: "nvd" (CVSS v3.x/v4.0 base scores and vectors from NVD's yearly
 * JSON 2.0 feeds, or any CVE API 2.0 page), "epss" (FIRST's exploit prediction scores) and
 * "kev" (CISA's Known Exploited Vulnerabilities catalog). They emit enrichments keyed by CVE,
 * which the host attaches to findings when it reports (lucid_vuln_sink::enrich, SDK 1.3).
 * Settings: plugins.enrich.nvd_url (the base of the yearly feeds), .nvd_first_year,
 * .epss_url, .kev_url (mirrors).
 */
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enrich_parse.h"

#define NVD_BASE       "https://nvd.nist.gov/feeds/json/cve/2.0/"
#define NVD_FIRST_YEAR 2002
#define EPSS_URL       "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
#define KEV_URL                                                                                    \
	"https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
#define KEV_MAX (64u * 1024 * 1024)

static const char *setting(const struct lucid_ctx *ctx, const char *key, const char *dflt)
{
	const char *v = ctx->host->config(ctx, key);
	return v && *v ? v : dflt;
}

static int nvd_feeds(void *self, const struct lucid_ctx *ctx,
                     int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *base = setting(ctx, "nvd_url", NVD_BASE);
	int first = atoi(setting(ctx, "nvd_first_year", "2002"));
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	int last = tm.tm_year + 1900;
	if (first < 1999 || first > last)
		first = NVD_FIRST_YEAR;
	bool slash = base[strlen(base) - 1] == '/';
	for (int y = first; y <= last; y++) {
		char id[32], url[4096];
		snprintf(id, sizeof id, "nvdcve-2.0-%d", y);
		snprintf(url, sizeof url, "%s%s%s.json.gz", base, slash ? "" : "/", id);
		struct lucid_feed f = {sizeof f, id, url};
		int rc = cb(user, &f);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int one_feed(const struct lucid_ctx *ctx, const char *key, const char *dflt, const char *id,
                    int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	struct lucid_feed f = {sizeof f, id, setting(ctx, key, dflt)};
	return cb(user, &f);
}

static int epss_feeds(void *self, const struct lucid_ctx *ctx,
                      int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	return one_feed(ctx, "epss_url", EPSS_URL, "epss_scores-current", cb, user);
}

static int kev_feeds(void *self, const struct lucid_ctx *ctx,
                     int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	return one_feed(ctx, "kev_url", KEV_URL, "known_exploited_vulnerabilities", cb, user);
}

/* Common checks and reporting around the three parsers. */
static int run(const struct lucid_ctx *ctx, const char *what, int rc, const struct enrich_stats *st,
               const char *err)
{
	if (rc < 0) {
		lucid_set_error(ctx, "%s: %s", what, err[0] ? err : "the host refused a record");
		return rc;
	}
	if (!strcmp(what, "NVD"))
		lucid_log(ctx, LUCID_LOG_INFO,
		          "NVD: %lu CVEs, %lu with CVSS; %lu v3 scores differ from their vector's, "
		          "%lu vectors unparsable",
		          st->entries, st->emitted, st->score_mismatch, st->bad_vector);
	else
		lucid_log(ctx, LUCID_LOG_INFO, "%s: %lu entries, %lu enrichments", what,
		          st->entries, st->emitted);
	if (st->score_mismatch)
		lucid_log(ctx, LUCID_LOG_WARN,
		          "NVD: %lu stated CVSS v3 base scores differ from the score their vector "
		          "gives; the stated score is kept",
		          st->score_mismatch);
	return 0;
}

static bool sink_can_enrich(const struct lucid_ctx *ctx, const struct lucid_vuln_sink *out)
{
	if (LUCID_HAS(out, struct lucid_vuln_sink, enrich) && out->enrich)
		return true;
	lucid_set_error(ctx, "this host does not store enrichments (it predates SDK 1.3)");
	return false;
}

static int parse_with(const struct lucid_ctx *ctx, const struct lucid_reader *body,
                      const struct lucid_vuln_sink *out, const char *what, enrich_parser parser)
{
	if (!sink_can_enrich(ctx, out))
		return LUCID_EABI;
	struct enrich_stats st = {0};
	char err[256] = "";
	return run(ctx, what, parser(body, out, &st, err, sizeof err), &st, err);
}

#define PARSE_FEED(fn, what, parser)                                                               \
	static int fn(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,      \
	              const struct lucid_reader *body, const struct lucid_vuln_sink *out)          \
	{                                                                                          \
		(void)self;                                                                        \
		(void)feed;                                                                        \
		return parse_with(ctx, body, out, what, parser);                                   \
	}

PARSE_FEED(nvd_parse_feed, "NVD", nvd_parse)
PARSE_FEED(epss_parse_feed, "EPSS", epss_parse)
PARSE_FEED(kev_parse_feed, "KEV", kev_parse)

#define FETCHER(var, nm, feeds_fn, parse_fn)                                                       \
	static const struct lucid_fetcher_ops var##_ops = {                                        \
	        .size = sizeof(struct lucid_fetcher_ops),                                          \
	        .feeds = feeds_fn,                                                                 \
	        .parse = parse_fn,                                                                 \
	};                                                                                         \
	static const struct lucid_component var = {                                                \
	        .size = sizeof(struct lucid_component),                                            \
	        .kind = LUCID_KIND_FETCHER,                                                        \
	        .name = nm,                                                                        \
	        .version = "1",                                                                    \
	        .ops = &var##_ops,                                                                 \
	}

FETCHER(nvd_fetcher, "nvd", nvd_feeds, nvd_parse_feed);
FETCHER(epss_fetcher, "epss", epss_feeds, epss_parse_feed);
FETCHER(kev_fetcher, "kev", kev_feeds, kev_parse_feed);

static const struct lucid_component *const enrich_components[] = {&nvd_fetcher, &epss_fetcher,
                                                                  &kev_fetcher, NULL};

static const struct lucid_config_key enrich_config_keys[] = {
        {"nvd_url", "a mirror of https://nvd.nist.gov/feeds/json/cve/2.0/"},
        {"nvd_first_year", "the first NVD yearly feed fetched (default 2002)"},
        {"epss_url", "a mirror of the EPSS CSV"},
        {"kev_url", "a mirror of the CISA KEV catalog"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(enrich, .version = "1.0.0",
                    .description = "CVE enrichments: NVD CVSS scores, FIRST EPSS, CISA KEV",
                    .license = "Apache-2.0", .components = enrich_components,
                    .config_keys = enrich_config_keys)