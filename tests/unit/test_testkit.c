/*
 * The plugin testkit (lucid/testkit.h) as a plugin author uses it: load a real plugin file, hand
 * its callbacks an in-memory layer or a buffer through the fake host, compare what they emit.
 */
#include <criterion/criterion.h>
#include <lucid/testkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static struct lucid_testkit *tk;

static void setup(void)
{
	tk = lucid_testkit_new();
	cr_assert_not_null(tk);
}

static void teardown(void)
{
	lucid_testkit_free(tk);
}

TestSuite(testkit, .init = setup, .fini = teardown);

static const struct lucid_plugin *load(const char *name, void **self)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/plugins/lucid-%s.so", LUCID_BUILD_ROOT, name);
	const struct lucid_plugin *p;
	cr_assert_eq(lucid_testkit_load(tk, path, &p, self), 0, "%s", lucid_testkit_error(tk));
	return p;
}

/* The os-release detector and the dpkg lister on a layer holding Ubuntu 18.04's real files. */
Test(testkit, detector_and_lister_on_an_in_memory_layer)
{
	void *self;
	struct lucid_testkit_layer *l = lucid_testkit_layer_new(NULL);
	cr_assert_eq(
	        lucid_testkit_layer_add_file(l, "var/lib/dpkg/status",
	                                     data_path("dpkg/ubuntu-18.04/var/lib/dpkg/status")),
	        0);
	cr_assert_eq(lucid_testkit_layer_add_file(
	                     l, "etc/lsb-release",
	                     data_path("os-release/claircore/ubuntu-18.04/etc/lsb-release")),
	             0);
	const struct lucid_plugin *osr = load("osrelease", &self);
	const struct lucid_detector_ops *det =
	        lucid_testkit_component(osr, LUCID_KIND_DETECTOR, "os-release");
	cr_assert_not_null(det);
	cr_assert_eq(det->detect(self, lucid_testkit_ctx(tk), lucid_testkit_layer_view(l),
	                         lucid_testkit_namespace_sink(tk)),
	             0, "%s", lucid_testkit_error(tk));
	cr_assert_str_eq(
	        lucid_testkit_records(tk),
	        "namespace ubuntu:18.04 id=ubuntu version_id=18.04 format=dpkg based_on=-\n");
	lucid_testkit_unload(osr, self);
	lucid_testkit_clear(tk);
	const struct lucid_plugin *dpkg = load("dpkg", &self);
	const struct lucid_lister_ops *lister =
	        lucid_testkit_component(dpkg, LUCID_KIND_LISTER, NULL);
	cr_assert_eq(lister->list(self, lucid_testkit_ctx(tk), lucid_testkit_layer_view(l),
	                          lucid_testkit_package_sink(tk)),
	             0, "%s", lucid_testkit_error(tk));
	cr_assert_eq(lucid_testkit_count(tk), 90);
	cr_assert_not_null(
	        strstr(lucid_testkit_records(tk),
	               "package libc6 2.27-3ubuntu1 source=glibc source_version=2.27-3ubuntu1 "
	               "arch=amd64 format=dpkg db=var/lib/dpkg/status\n"),
	        "%.500s", lucid_testkit_records(tk));
	lucid_testkit_unload(dpkg, self);
	lucid_testkit_layer_free(l);
}

/* A fetcher's parse() on a buffer, a setting, and a file served by the fake host's http. */
Test(testkit, fetcher_parse_settings_and_http)
{
	void *self;
	const struct lucid_plugin *p = load("enrich", &self);
	const struct lucid_fetcher_ops *kev = lucid_testkit_component(p, LUCID_KIND_FETCHER, "kev");
	cr_assert_not_null(kev);
	size_t len;
	char *data = slurp(data_path("feeds/enrichers/cisa-kev.excerpt.json"), &len);
	struct lucid_feed feed = {sizeof feed, "kev", "test"};
	cr_assert_eq(kev->parse(self, lucid_testkit_ctx(tk), &feed,
	                        lucid_testkit_reader(tk, data, len, 17),
	                        lucid_testkit_vuln_sink(tk)),
	             0, "%s", lucid_testkit_error(tk));
	cr_assert_str_eq(lucid_testkit_records(tk), "enrichment CVE-2017-3066 parts=8\n"
	                                            "enrichment CVE-2021-44228 parts=8\n");
	/* a truncated catalog: an error with a reason */
	cr_assert_lt(kev->parse(self, lucid_testkit_ctx(tk), &feed,
	                        lucid_testkit_reader(tk, data, len / 2, 0),
	                        lucid_testkit_vuln_sink(tk)),
	             0);
	cr_assert_not_null(strstr(lucid_testkit_error(tk), "not a CISA KEV catalog"), "%s",
	                   lucid_testkit_error(tk));
	free(data);
	/* settings reach feeds(); http serves local files, never the network */
	cr_assert_eq(lucid_testkit_set(tk, "kev_url", "file:///nowhere"), 0);
	const struct lucid_ctx *ctx = lucid_testkit_ctx(tk);
	cr_assert_str_eq(ctx->host->config(ctx, "kev_url"), "file:///nowhere");
	struct lucid_http_request req = {.size = sizeof req,
	                                 .url = data_path("feeds/enrichers/epss.excerpt.csv")};
	struct lucid_http_response resp = {.size = sizeof resp};
	cr_assert_eq(ctx->host->http(ctx, &req, &resp), 0);
	char buf[32];
	cr_assert_eq(resp.body.read(resp.body.priv, buf, 6), 6);
	cr_assert_eq(memcmp(buf, "#model", 6), 0);
	ctx->host->http_release(ctx, &resp);
	req.url = "https://nvd.nist.gov/";
	cr_assert_lt(ctx->host->http(ctx, &req, &resp), 0);
	cr_assert_not_null(strstr(lucid_testkit_error(tk), "local files only"));
	lucid_testkit_unload(p, self);
}
