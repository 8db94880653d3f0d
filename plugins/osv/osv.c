/*
 * Generic OSV fetcher ("osv"): vulnerability records in the OSV schema, for the distributions
 * lucid indexes. A source is one record, a zip (osv.dev's <Ecosystem>/all.zip), a tar, or a
 * local directory of records (which the host reads as a tar), from a path or a URL.
 * Ecosystems map to namespaces through osv_ecosystem_map(); records of other ecosystems are
 * counted and skipped. The upstream feeds are osv.dev's all.zip of each distribution that has
 * no fetcher of its own: Ubuntu, AlmaLinux, Rocky Linux, Chainguard and Wolfi (Debian's and
 * Alpine's OSV exports are there too: name them with --feed osv=URL, or list them in
 * plugins.osv.ecosystems). Settings: plugins.osv.url (a mirror of the bucket),
 * plugins.osv.ecosystems (comma-separated directory names, replacing the default list),
 * plugins.osv.ubuntu_notices ("true": also match Ubuntu's USN-* records).
 */
#include <lucid/lucid-sdk.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc_archive.h"
#include "osv_parse.h"

#define OSV_BUCKET       "https://osv-vulnerabilities.storage.googleapis.com/"
#define OSV_ECOSYSTEMS   "Ubuntu,AlmaLinux,Rocky Linux,Chainguard,Wolfi"
#define OSV_RECORD_MAX   (64u * 1024 * 1024)
#define OSV_ECOSYSTEM_NM 64

static int osv_feeds(void *self, const struct lucid_ctx *ctx,
                     int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *base = ctx->host->config(ctx, "url");
	const char *list = ctx->host->config(ctx, "ecosystems");
	if (!base || !*base)
		base = OSV_BUCKET;
	if (!list || !*list)
		list = OSV_ECOSYSTEMS;
	bool slash = base[strlen(base) - 1] == '/';
	for (const char *p = list;;) {
		const char *end = strchr(p, ',');
		const char *w = p;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n && *w == ' ')
			w++, n--;
		while (n && w[n - 1] == ' ')
			n--;
		if (n && n < OSV_ECOSYSTEM_NM) {
			char id[OSV_ECOSYSTEM_NM], path[3 * OSV_ECOSYSTEM_NM], url[4096];
			snprintf(id, sizeof id, "%.*s", (int)n, w);
			/* the bucket's directory names hold spaces ("Rocky Linux") */
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				if (w[i] == ' ') {
					memcpy(path + k, "%20", 3);
					k += 3;
				} else {
					path[k++] = w[i];
				}
			}
			path[k] = 0;
			snprintf(url, sizeof url, "%s%s%s/all.zip", base, slash ? "" : "/", path);
			struct lucid_feed f = {sizeof f, id, url};
			int rc = cb(user, &f);
			if (rc < 0)
				return rc;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

struct osv_feed {
	const struct lucid_ctx *ctx;
	const struct lucid_vuln_sink *out;
	struct osv_options opts;
	struct osv_stats st;
};

static int on_record(void *user, const char *name, const char *doc, size_t len)
{
	struct osv_feed *f = user;
	char err[256] = "";
	int rc = osv_parse_record(doc, len, name, &f->opts, f->out, &f->st, err, sizeof err);
	if (rc == LUCID_EPARSE)
		lucid_set_error(f->ctx, "%s: %s", name ? name : "OSV record", err);
	return rc;
}

static int osv_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                     const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	struct osv_feed f = {ctx, out, {0}, {0}};
	const char *usn = ctx->host->config(ctx, "ubuntu_notices");
	f.opts.ubuntu_notices = usn && !strcmp(usn, "true");
	int rc = doc_archive_each(ctx, body, ".json", OSV_RECORD_MAX, on_record, &f);
	if (rc == 0 && f.st.documents == 0) {
		lucid_set_error(ctx, "no OSV record in the feed");
		rc = LUCID_EPARSE;
	}
	if (rc == 0)
		lucid_log(
		        ctx, LUCID_LOG_INFO,
		        "%lu OSV records (%lu withdrawn): %lu lucid records; skipped %lu affected "
		        "entries of ecosystems lucid does not index, %lu ranges affecting no "
		        "version, %lu unusable entries",
		        f.st.documents, f.st.withdrawn, f.st.emitted, f.st.foreign,
		        f.st.not_affected, f.st.unusable);
	return rc;
}

static const struct lucid_fetcher_ops osv_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = osv_feeds,
        .parse = osv_parse,
};

static const struct lucid_component osv_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "osv",
        .version = "1",
        .ops = &osv_ops,
};

static const struct lucid_component *const osv_components[] = {&osv_fetcher, NULL};

static const struct lucid_config_key osv_config_keys[] = {
        {"url", "a mirror of the osv.dev bucket"},
        {"ecosystems", "comma-separated osv.dev directories fetched upstream"},
        {"ubuntu_notices", "\"true\": also match Ubuntu USN records"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(osv, .version = "1.0.0",
                    .description = "OSV-format vulnerability records (osv.dev, Canonical, "
                                   "AlmaLinux, Rocky, Chainguard, Wolfi)",
                    .license = "Apache-2.0", .components = osv_components,
                    .config_keys = osv_config_keys)