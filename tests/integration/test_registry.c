/*
 * `lucid scan registry://...` against a real registry: Debian's docker-registry on loopback
 * with token auth (tests/integration/registry-up, token_server.py), the bookworm "layered"
 * image pushed into it with skopeo. The oracle is the image's own digests and package list in
 * ../shared/images.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char *tmp;
static char db[4200], ref[4200], cfgdir[4200];
static int port;

static void setup(void)
{
	tmp = make_tmpdir();
	snprintf(db, sizeof db, "%s/db", tmp);
}

static void teardown(void)
{
	sh("for p in $(cat '%s/reg/pids' 2>/dev/null); do kill $p 2>/dev/null; done", tmp);
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

TestSuite(registry, .init = setup, .fini = teardown, .timeout = 600);

/* Start the registry with the image in it; false (test skipped) without the tools. */
static bool registry_up(void)
{
	const char *oci = shared_path("images/debian-bookworm.oci.tar");
	if (!oci || sh("command -v docker-registry skopeo openssl python3 >/dev/null") != 0)
		return false;
	cr_assert_eq(sh("'%s' '%s/reg' 'oci-archive:%s:layered' debian:layered",
	                data_path("../integration/registry-up"), tmp, oci),
	             0, "the registry did not come up");
	port = read_port(tmp, "reg/registry.port");
	snprintf(ref, sizeof ref, "registry://127.0.0.1:%d/debian:layered", port);
	snprintf(cfgdir, sizeof cfgdir, "%s/docker", tmp);
	cr_assert_eq(sh("mkdir -p '%s' && printf '{\"auths\": {\"127.0.0.1:%d\": {\"auth\": "
	                "\"%%s\"}}}' $(printf tester:s3cret | base64) > '%s/config.json'",
	                cfgdir, port, cfgdir),
	             0);
	return true;
}

static void lucid(struct run_result *r, const char *docker_config, const char *a1, const char *a2,
                  const char *a3, const char *a4)
{
	setenv("DOCKER_CONFIG", docker_config, 1);
	const char *argv[] = {lucid_path(), "--db", db, a1, a2, a3, a4, NULL};
	run_free(r);
	run_cmd(argv, r);
	unsetenv("DOCKER_CONFIG");
}

static char *oracle_line(const char *file, const char *prefix)
{
	size_t len;
	char *text = slurp(shared_path(file), &len);
	char *line = strstr(text, prefix);
	cr_assert_not_null(line, "%s has no '%s'", file, prefix);
	char *out = strndup(line + strlen(prefix), strcspn(line + strlen(prefix), " \t\n"));
	free(text);
	return out;
}

Test(registry, pull_with_token_auth_and_docker_credentials)
{
	if (!registry_up())
		cr_skip_test(
		        "needs docker-registry, skopeo (tools/install-deps) and ../shared/images");
	struct run_result r = {0};
	lucid(&r, cfgdir, "scan", "--format", "json", ref);
	cr_assert_eq(r.status, 0, "%s", r.err);
	json_t *rep = json_loads(r.out, 0, NULL);
	cr_assert_not_null(rep, "%s", r.err);
	cr_assert_str_eq(json_string_value(json_object_get(rep, "format")), "registry");
	json_t *man = json_object_get(rep, "manifest");
	/* skopeo pushed the layout's manifest as it is: the same digest */
	char *want = oracle_line("images/debian-bookworm-layered.digests.txt", "manifest ");
	cr_assert_str_eq(json_string_value(json_object_get(man, "digest")), want);
	free(want);
	cr_assert_str_eq(json_string_value(json_object_get(man, "ref")), "debian:layered");
	cr_assert_eq(json_array_size(json_object_get(rep, "layers")), 4);
	/* the packages are what dpkg-query says the image holds */
	size_t len;
	char *expected = slurp(shared_path("images/debian-bookworm-layered.expected.tsv"), &len);
	size_t lines = 0;
	for (char *p = expected; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(json_array_size(json_object_get(rep, "packages")), lines);
	size_t i;
	json_t *p;
	json_array_foreach (json_object_get(rep, "packages"), i, p) {
		char line[600];
		snprintf(line, sizeof line, "\n%s\t%s\t",
		         json_string_value(json_object_get(p, "name")),
		         json_string_value(json_object_get(p, "version")));
		cr_assert(strstr(expected, line + 1) == expected || strstr(expected, line),
		          "%s is not in the oracle", line + 1);
	}
	free(expected);
	char digest[100];
	snprintf(digest, sizeof digest, "%s", json_string_value(json_object_get(man, "digest")));
	json_decref(rep);

	/* again: every layer is known, none is fetched */
	lucid(&r, cfgdir, "-v", "scan", ref, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	size_t cached = 0;
	for (const char *q = r.err; (q = strstr(q, "cached, not fetched")); q++)
		cached++;
	cr_assert_eq(cached, 4, "%s", r.err);

	/* by digest */
	char byd[4400];
	snprintf(byd, sizeof byd, "registry://127.0.0.1:%d/debian@%s", port, digest);
	lucid(&r, cfgdir, "scan", "--format", "json", byd);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
}

Test(registry, errors)
{
	if (!registry_up())
		cr_skip_test(
		        "needs docker-registry, skopeo (tools/install-deps) and ../shared/images");
	struct run_result r = {0};
	char nowhere[4200];
	snprintf(nowhere, sizeof nowhere, "%s/no-docker-config", tmp);
	lucid(&r, nowhere, "scan", ref, NULL, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "wrong or missing credentials"), "%s", r.err);
	char other[4400];
	snprintf(other, sizeof other, "registry://127.0.0.1:%d/debian:no-such-tag", port);
	lucid(&r, cfgdir, "scan", other, NULL, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "HTTP status 404 (no such repository, tag or digest)"),
	                   "%s", r.err);
	snprintf(other, sizeof other,
	         "registry://127.0.0.1:%d/debian@sha256:"
	         "0000000000000000000000000000000000000000000000000000000000000000",
	         port);
	lucid(&r, cfgdir, "scan", other, NULL, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	const char *bad[] = {"registry://", "registry://host-only", "registry://h/UPPER:tag",
	                     "registry://h/repo:bad tag", "registry://h/repo@sha256:12"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		lucid(&r, cfgdir, "scan", bad[i], NULL, NULL);
		cr_assert_eq(r.status, 2, "%s: %s", bad[i], r.err);
		cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "%s", r.err);
	}
	/* a registry that is not there */
	lucid(&r, cfgdir, "scan", "registry://127.0.0.1:1/debian:layered", NULL, NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	run_free(&r);
}
