/*
 * OVAL fetchers: Oracle Linux (ELSA, one file for every release), VMware Photon (PHSA, one
 * file per release) and Ubuntu ("ubuntu-oval": Canonical's CVE OVAL, one file per release,
 * dpkginfo tests naming binary packages). Settings: plugins.oval.oracle_url,
 * plugins.oval.photon_url (a prefix: photon<N>.xml is appended), plugins.oval.ubuntu_url (a
 * prefix: com.ubuntu.<codename>.cve.oval.xml.bz2 is appended).
 */
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oval_parse.h"

#define ORACLE_URL "https://linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2"
#define PHOTON_URL "https://packages.vmware.com/photon/photon_oval_definitions/com.vmware.phsa-"
#define UBUNTU_URL "https://security-metadata.canonical.com/oval/"
#define FEED_MAX   (2048ull * 1024 * 1024)

static int oracle_feeds(void *self, const struct lucid_ctx *ctx,
                        int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *url = ctx->host->config(ctx, "oracle_url");
	struct lucid_feed f = {sizeof f, "oracle-elsa", url ? url : ORACLE_URL};
	return cb(user, &f);
}

static int photon_feeds(void *self, const struct lucid_ctx *ctx,
                        int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *prefix = ctx->host->config(ctx, "photon_url");
	int rc = 0;
	for (int v = 1; v <= 5 && rc == 0; v++) {
		char url[2048], id[32];
		snprintf(url, sizeof url, "%sphoton%d.xml", prefix ? prefix : PHOTON_URL, v);
		snprintf(id, sizeof id, "photon-%d", v);
		struct lucid_feed f = {sizeof f, id, url};
		rc = cb(user, &f);
	}
	return rc;
}

/* Canonical's supported and ESM releases, codename -> the CVE OVAL file's name */
static const char *const ubuntu_codenames[] = {"trusty", "xenial",   "bionic", "focal",    "jammy",
                                               "noble",  "oracular", "plucky", "questing", NULL};

static int ubuntu_feeds(void *self, const struct lucid_ctx *ctx,
                        int (*cb)(void *user, const struct lucid_feed *feed), void *user)
{
	(void)self;
	const char *base = ctx->host->config(ctx, "ubuntu_url");
	int rc = 0;
	for (size_t i = 0; ubuntu_codenames[i] && rc == 0; i++) {
		char url[2048], id[48];
		snprintf(url, sizeof url, "%scom.ubuntu.%s.cve.oval.xml.bz2",
		         base && *base ? base : UBUNTU_URL, ubuntu_codenames[i]);
		snprintf(id, sizeof id, "ubuntu-%s", ubuntu_codenames[i]);
		struct lucid_feed f = {sizeof f, id, url};
		rc = cb(user, &f);
	}
	return rc;
}

static int parse(enum oval_vendor vendor, const struct lucid_ctx *ctx,
                 const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	size_t cap = 1 << 20, len = 0;
	char *data = malloc(cap);
	if (!data)
		return -12;
	for (;;) {
		if (len == cap) {
			char *n = cap < FEED_MAX ? realloc(data, cap * 2) : NULL;
			if (!n) {
				free(data);
				lucid_set_error(ctx, "OVAL document too large");
				return LUCID_ELIMIT;
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
	struct oval_stats st;
	int rc = oval_parse(vendor, data, len, out->emit, out->priv, &st, err, sizeof err);
	free(data);
	if (rc == LUCID_EPARSE || rc == LUCID_ELIMIT)
		lucid_set_error(ctx, "%s", err);
	else if (rc == 0)
		lucid_log(ctx, LUCID_LOG_INFO,
		          "%zu definitions, %zu records (%zu from criterion comments), %zu for "
		          "platforms not recognised",
		          st.definitions, st.records, st.from_comments, st.unknown_platforms);
	return rc;
}

static int oracle_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                        const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	return parse(OVAL_ORACLE, ctx, body, out);
}

static int photon_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                        const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	return parse(OVAL_PHOTON, ctx, body, out);
}

static int ubuntu_parse(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
                        const struct lucid_reader *body, const struct lucid_vuln_sink *out)
{
	(void)self;
	(void)feed;
	return parse(OVAL_UBUNTU, ctx, body, out);
}

static const struct lucid_fetcher_ops ubuntu_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = ubuntu_feeds,
        .parse = ubuntu_parse,
};

static const struct lucid_component ubuntu_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "ubuntu-oval",
        .version = "1",
        .ops = &ubuntu_ops,
};

static const struct lucid_fetcher_ops oracle_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = oracle_feeds,
        .parse = oracle_parse,
};

static const struct lucid_fetcher_ops photon_ops = {
        .size = sizeof(struct lucid_fetcher_ops),
        .feeds = photon_feeds,
        .parse = photon_parse,
};

static const struct lucid_component oracle_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "oracle",
        .version = "1",
        .ops = &oracle_ops,
};

static const struct lucid_component photon_fetcher = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_FETCHER,
        .name = "photon",
        .version = "1",
        .ops = &photon_ops,
};

static const struct lucid_component *const oval_components[] = {&oracle_fetcher, &photon_fetcher,
                                                                &ubuntu_fetcher, NULL};

static const struct lucid_config_key oval_config_keys[] = {
        {"oracle_url", "a mirror of the Oracle ELSA OVAL file"},
        {"photon_url", "a prefix for photon<N>.xml"},
        {"ubuntu_url", "a prefix for com.ubuntu.<codename>.cve.oval.xml.bz2"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(oval, .version = "1.0.0",
                    .description = "Oracle Linux, Photon and Ubuntu OVAL (libxml2, streaming)",
                    .license = "Apache-2.0", .components = oval_components,
                    .config_keys = oval_config_keys)