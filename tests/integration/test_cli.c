/*
 * The lucid program as a user runs it: the main job, exit codes, and one clear line on stderr
 * for every kind of bad input.
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
static char db[4200];

static void setup(void)
{
	tmp = make_tmpdir();
	snprintf(db, sizeof db, "%s/db", tmp);
}

static void teardown(void)
{
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 600);

static const char *in_tmp(const char *name)
{
	static char buf[8][4096];
	static unsigned k;
	char *b = buf[k++ % 8];
	snprintf(b, 4096, "%s/%s", tmp, name);
	return b;
}

/*
 * Serve directory dir on 127.0.0.1 at a free port (tests/support.c serve_dir); returns the
 * port, or 0 when python3 is missing. Stop it with stop_server(dir).
 */
static int start_server(const char *dir)
{
	if (sh("command -v python3 >/dev/null") != 0)
		return 0;
	int pid;
	int port = serve_dir(dir, &pid);
	cr_assert_eq(sh("echo %d > '%s.pid'", pid, dir), 0);
	return port;
}

static void stop_server(const char *dir)
{
	sh("kill $(cat '%s.pid') 2>/dev/null", dir);
}

#define LUCID_INTO(res, ...)                                                                       \
	do {                                                                                       \
		const char *argv_[] = {lucid_path(), "--db", db, __VA_ARGS__, NULL};               \
		run_free(res);                                                                     \
		run_cmd(argv_, res);                                                               \
	} while (0)

#define LUCID(...)                                                                                 \
	do {                                                                                       \
		const char *argv_[] = {lucid_path(), "--db", db, __VA_ARGS__, NULL};               \
		run_free(&r);                                                                      \
		run_cmd(argv_, &r);                                                                \
	} while (0)

/* Exit status 2 and exactly one line on stderr, containing what. */
static void expect_input_error(const struct run_result *r, const char *what)
{
	cr_assert_eq(r->status, 2, "exit status %d, stderr: %s", r->status, r->err);
	cr_assert_not_null(strstr(r->err, what), "stderr lacks '%s': %s", what, r->err);
	cr_assert_eq(strchr(r->err, '\n'), r->err + strlen(r->err) - 1, "more than one line: %s",
	             r->err);
	cr_assert(strncmp(r->err, "lucid: ", 7) == 0, "%s", r->err);
}

Test(cli, usage_errors)
{
	struct run_result r = {0};
	const char *argv[] = {lucid_path(), NULL};
	run_cmd(argv, &r);
	cr_assert_eq(r.status, 2);
	LUCID("frobnicate");
	cr_assert_eq(r.status, 2);
	LUCID("scan");
	expect_input_error(&r, "exactly one IMAGE");
	LUCID("scan", "--format", "xml", data_path("images/debian-7-wheezy.layer.tar.gz"));
	expect_input_error(&r, "unknown format 'xml'");
	LUCID("update", "--feed", "=x");
	expect_input_error(&r, "NAME=SOURCE");
	run_free(&r);
}

Test(cli, main_job_offline)
{
	struct run_result r = {0};
	char dsa[4096], dla[4096];
	snprintf(dsa, sizeof dsa, "debian=%s", data_path("feeds/debian/DSA-list.gz"));
	snprintf(dla, sizeof dla, "debian=%s", data_path("feeds/debian/DLA-list.gz"));
	LUCID("update", "--feed", dsa, "--feed", dla);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "2 updated, 0 unchanged, 0 failed"), "%s", r.err);
	LUCID("update", "--feed", dsa, "--feed", dla);
	cr_assert_not_null(strstr(r.err, "0 updated, 2 unchanged, 0 failed"), "%s", r.err);

	LUCID("scan", "--format", "json", data_path("images/debian-7-wheezy.layer.tar.gz"));
	cr_assert_eq(r.status, 0, "%s", r.err);
	json_error_t je;
	json_t *rep = json_loads(r.out, 0, &je);
	cr_assert_not_null(rep, "invalid JSON: %s", je.text);
	json_t *dist = json_object_get(rep, "distribution");
	cr_assert_str_eq(json_string_value(json_object_get(dist, "namespace")), "debian:7");
	cr_assert_str_eq(json_string_value(json_object_get(dist, "id")), "debian");
	cr_assert_str_eq(json_string_value(json_object_get(dist, "version_id")), "7");
	cr_assert_eq(json_array_size(json_object_get(rep, "packages")), 80);
	const char *layer = json_string_value(
	        json_object_get(json_array_get(json_object_get(rep, "layers"), 0), "digest"));
	cr_assert(layer && !strncmp(layer, "sha256:", 7));
	size_t i;
	json_t *v;
	bool bash = false;
	json_array_foreach (json_object_get(rep, "vulnerabilities"), i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *pkg = json_string_value(json_object_get(v, "package"));
		if (!strcmp(id, "CVE-2016-7543") && !strcmp(pkg, "bash")) {
			bash = true;
			cr_assert_str_eq(json_string_value(json_object_get(v, "installed_version")),
			                 "4.2+dfsg-0.1+deb7u3");
			cr_assert_str_eq(json_string_value(json_object_get(v, "fixed_in")),
			                 "4.2+dfsg-0.1+deb7u4");
			cr_assert_str_eq(json_string_value(json_object_get(v, "state")), "fixed");
			cr_assert_str_eq(json_string_value(json_object_get(v, "layer")), layer);
			cr_assert_str_eq(json_string_value(json_object_get(v, "advisory")),
			                 "DLA-680-1");
			cr_assert(json_is_string(json_object_get(v, "severity")));
			cr_assert(json_array_size(json_object_get(v, "links")) >= 1);
		}
	}
	cr_assert(bash, "bash 4.2+dfsg-0.1+deb7u3 must be reported for CVE-2016-7543");
	json_decref(rep);

	LUCID("scan", data_path("images/debian-7-wheezy.layer.tar.gz"));
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "VULNERABILITY"));
	cr_assert_not_null(strstr(r.out, "CVE-2016-7543"));
	run_free(&r);
}

Test(cli, bad_images)
{
	struct run_result r = {0};
	LUCID("scan", "/nonexistent/image.tar");
	expect_input_error(&r, "/nonexistent/image.tar: No such file or directory");

	/* a gzip header followed by garbage */
	FILE *f = fopen(in_tmp("corrupt.tar.gz"), "w");
	fputs("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not deflate data at all......", f);
	fclose(f);
	LUCID("scan", in_tmp("corrupt.tar.gz"));
	expect_input_error(&r, "corrupt.tar.gz");

	/* a layer cut short */
	cr_assert_eq(sh("gzip -dc '%s' | head -c 30000 > '%s'",
	                data_path("images/debian-7-wheezy.layer.tar.gz"), in_tmp("short.tar")),
	             0);
	LUCID("scan", in_tmp("short.tar"));
	expect_input_error(&r, "short.tar");

	/* not an archive at all */
	f = fopen(in_tmp("notes.txt"), "w");
	fputs("just some text\n", f);
	fclose(f);
	LUCID("scan", in_tmp("notes.txt"));
	expect_input_error(&r, "notes.txt");
	run_free(&r);
}

Test(cli, broken_image_metadata)
{
	const char *gz = shared_path("images/debian-bookworm-layered.docker.tar.gz");
	const char *oci = shared_path("images/debian-bookworm.oci.tar");
	if (!gz || !oci)
		cr_skip_test("../shared/images is not here (CI has it)");
	struct run_result r = {0};
	/* manifest.json naming a layer that is not there */
	cr_assert_eq(sh("mkdir -p '%s' && gzip -dc '%s' | tar -x -C '%s' && cd '%s' && "
	                "sed -i 's/958d61fca314/000000000000/' manifest.json",
	                in_tmp("docker"), gz, in_tmp("docker"), in_tmp("docker")),
	             0);
	LUCID("scan", in_tmp("docker"));
	expect_input_error(&r, "is not in the image");

	/* a layer blob whose content does not match its digest (another valid layer's bytes) */
	const char *blobs = "blobs/sha256/";
	const char *small = "b10f6beff32d10d694001d0c95f0d5d90da8947fabc9fa627801e3ab40c2c460";
	const char *other = "a8ff1e842a3adb5269b4b60690a87d336395b683fa71d20e78daa27ebbe80781";
	cr_assert_eq(sh("mkdir -p '%s' && tar -xf '%s' -C '%s' && cd '%s/%s' && chmod u+w %s && "
	                "cp %s %s",
	                in_tmp("oci"), oci, in_tmp("oci"), in_tmp("oci"), blobs, small, other,
	                small),
	             0);
	char ref[4200];
	snprintf(ref, sizeof ref, "%s:layered", in_tmp("oci"));
	LUCID("scan", ref);
	expect_input_error(&r, "digest mismatch");
	/* a corrupt blob: one byte changed inside the compressed stream */
	cr_assert_eq(
	        sh("cd '%s/%s' && printf 'X' | dd of=%s bs=1 seek=600 conv=notrunc 2>/dev/null",
	           in_tmp("oci"), blobs, other),
	        0);
	LUCID("--no-cache", "scan", ref);
	cr_assert_eq(r.status, 2, "%s", r.err);

	/* several images and no ref: the error lists them */
	LUCID("scan", oci);
	expect_input_error(&r, "base, layered");
	snprintf(ref, sizeof ref, "%s:nosuchref", oci);
	LUCID("scan", ref);
	expect_input_error(&r, "no image named 'nosuchref'");
	run_free(&r);
}

Test(cli, bad_database_and_feeds)
{
	struct run_result r = {0};
	FILE *f = fopen(in_tmp("afile"), "w");
	fputs("x", f);
	fclose(f);
	const char *argv[] = {lucid_path(),
	                      "--db",
	                      in_tmp("afile"),
	                      "scan",
	                      data_path("images/debian-7-wheezy.layer.tar.gz"),
	                      NULL};
	run_cmd(argv, &r);
	expect_input_error(&r, "afile");

	char feed[4300];
	snprintf(feed, sizeof feed, "debian=%s", data_path("images/debian-7-wheezy.layer.tar.gz"));
	LUCID("update", "--feed", feed);
	expect_input_error(&r, "not a Debian security feed");
	LUCID("update", "--feed", "nosuchfetcher=/etc/hostname");
	expect_input_error(&r, "no feed fetcher named 'nosuchfetcher'");
	LUCID("update", "--feed", "debian=/nonexistent/feed");
	expect_input_error(&r, "/nonexistent/feed");
	run_free(&r);
}

static size_t count_vulns(struct run_result *r)
{
	json_t *rep = json_loads(r->out, 0, NULL);
	cr_assert_not_null(rep, "%s", r->err);
	size_t n = json_array_size(json_object_get(rep, "vulnerabilities"));
	json_decref(rep);
	return n;
}

Test(cli, a_truncated_feed_never_replaces_good_data)
{
	struct run_result r = {0};
	cr_assert_eq(
	        sh("gzip -dc '%s' > '%s'", data_path("feeds/debian/DLA-list.gz"), in_tmp("feed")),
	        0);
	char feed[4300];
	snprintf(feed, sizeof feed, "debian=%s", in_tmp("feed"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	LUCID("scan", "--format", "json", data_path("images/debian-7-wheezy.layer.tar.gz"));
	size_t before = count_vulns(&r);
	cr_assert_gt(before, 0);
	/* the same feed again, cut off mid-file, as a failed download would leave it */
	cr_assert_eq(sh("gzip -dc '%s' | head -c 200000 > '%s'",
	                data_path("feeds/debian/DLA-list.gz"), in_tmp("feed")),
	             0);
	LUCID("update", "--feed", feed);
	expect_input_error(&r, "truncated");
	LUCID("scan", "--format", "json", data_path("images/debian-7-wheezy.layer.tar.gz"));
	cr_assert_eq(count_vulns(&r), before, "the failed update changed the stored data");
	run_free(&r);
}

Test(cli, conditional_get_over_http)
{
	struct run_result r = {0};
	cr_assert_eq(sh("mkdir '%s' && cp '%s' '%s'", in_tmp("www"),
	                data_path("feeds/debian/DSA-list.gz"), in_tmp("www/DSA.gz")),
	             0);
	int port = start_server(in_tmp("www"));
	if (!port)
		cr_skip_test("python3 is needed to serve the feed");
	char feed[256];
	snprintf(feed, sizeof feed, "debian=http://127.0.0.1:%d/DSA.gz", port);
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 updated"), "%s", r.err);
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 unchanged"), "%s", r.err);
	char missing[256];
	snprintf(missing, sizeof missing, "debian=http://127.0.0.1:%d/missing.json", port);
	LUCID("update", "--feed", missing);
	expect_input_error(&r, "HTTP status 404");
	stop_server(in_tmp("www"));
	run_free(&r);
}

Test(cli, plugin_of_the_wrong_abi)
{
	struct run_result r = {0};
	setenv("LUCID_PLUGIN_PATH", LUCID_BUILD_ROOT "/tests/abi/fixtures", 1);
	LUCID("plugins");
	unsetenv("LUCID_PLUGIN_PATH");
	expect_input_error(&r, "lucid-bad_magic.so: bad magic");
	LUCID("plugins");
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "format:oci@1"));
	cr_assert_not_null(strstr(r.out, "comparator:dpkg@1"));
	run_free(&r);
}

/*
 * Matching rules, on the real bookworm image with a constructed tracker-JSON feed (the ids
 * are CVE-TEST-*: these are test vectors, not advisories).
 */
Test(cli, matching_rules)
{
	const char *oci = shared_path("images/debian-bookworm.oci.tar");
	if (!oci)
		cr_skip_test("../shared/images is not here (CI has it)");
	FILE *f = fopen(in_tmp("vectors.json"), "w");
	fputs("{\"bash\": {"
	      "\"CVE-TEST-1\": {\"releases\": {\"bookworm\": {\"status\": \"resolved\", "
	      "\"fixed_version\": \"5.2.15-3\", \"urgency\": \"high\"}}},"
	      "\"CVE-TEST-2\": {\"releases\": {\"bookworm\": {\"status\": \"resolved\", "
	      "\"fixed_version\": \"5.2.15-2\", \"urgency\": \"low\"}}},"
	      "\"CVE-TEST-3\": {\"releases\": {\"bookworm\": {\"status\": \"open\", "
	      "\"urgency\": \"unimportant\"}}},"
	      "\"CVE-TEST-4\": {\"releases\": {\"bookworm\": {\"status\": \"resolved\", "
	      "\"fixed_version\": \"0\", \"urgency\": \"high\"}}}},"
	      "\"openssl\": {\"CVE-TEST-5\": {\"releases\": {\"bookworm\": {\"status\": "
	      "\"resolved\", \"fixed_version\": \"3.0.99-1\", \"urgency\": \"medium\"}}}}}\n",
	      f);
	fclose(f);
	struct run_result r = {0};
	char feed[4300], image[4300];
	snprintf(feed, sizeof feed, "debian=%s", in_tmp("vectors.json"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(image, sizeof image, "%s:layered", oci);
	LUCID("scan", "--format", "json", image);
	cr_assert_eq(r.status, 0, "%s", r.err);
	json_t *rep = json_loads(r.out, 0, NULL);
	cr_assert_not_null(rep);
	struct buf seen = {0};
	buf_add(&seen, NULL, 0);
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(rep, "vulnerabilities"), i, v) {
		const char *fixed = json_string_value(json_object_get(v, "fixed_in"));
		buf_addf(&seen, "%s %s %s %s %s %s\n", json_string_value(json_object_get(v, "id")),
		         json_string_value(json_object_get(v, "package")),
		         json_string_value(json_object_get(v, "installed_version")),
		         fixed ? fixed : "null", json_string_value(json_object_get(v, "state")),
		         json_string_value(json_object_get(v, "severity")));
	}
	/* bash 5.2.15-2+b13 is a binNMU of source 5.2.15-2: the source version is compared */
	cr_assert_not_null(strstr(seen.data, "CVE-TEST-1 bash 5.2.15-2 5.2.15-3 fixed High\n"),
	                   "%s", seen.data);
	cr_assert_null(strstr(seen.data, "CVE-TEST-2"), "fixed in the installed source version");
	cr_assert_not_null(strstr(seen.data, "CVE-TEST-3 bash 5.2.15-2 null unfixed Negligible\n"),
	                   "%s", seen.data);
	cr_assert_null(strstr(seen.data, "CVE-TEST-4"), "not-affected is never reported");
	/* libssl3 is built from openssl: matched by source name */
	cr_assert_not_null(strstr(seen.data, "CVE-TEST-5 libssl3 "), "%s", seen.data);
	cr_assert_not_null(strstr(seen.data, "CVE-TEST-5 openssl "), "%s", seen.data);
	buf_free(&seen);
	json_decref(rep);
	run_free(&r);
}

static size_t count_packages(struct run_result *r)
{
	json_t *rep = json_loads(r->out, 0, NULL);
	cr_assert_not_null(rep, "%s", r->err);
	size_t n = json_array_size(json_object_get(rep, "packages"));
	json_decref(rep);
	return n;
}

Test(cli, configuration_file)
{
	struct run_result r = {0};
	FILE *f = fopen(in_tmp("lucid.yaml"), "w");
	fprintf(f,
	        "# where the data lives\n"
	        "db: %s/cfg-db\n"
	        "max_file_size: 16M\n"
	        "feeds:\n"
	        "  debian:\n"
	        "    - %s\n",
	        tmp, data_path("feeds/debian/DLA-list.gz"));
	fclose(f);
	const char *update[] = {lucid_path(), "--config", in_tmp("lucid.yaml"), "update", NULL};
	run_cmd(update, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 updated"), "%s", r.err);
	const char *scan[] = {lucid_path(),
	                      "scan",
	                      "--format",
	                      "json",
	                      "--config",
	                      in_tmp("lucid.yaml"),
	                      data_path("images/debian-7-wheezy.layer.tar.gz"),
	                      NULL};
	run_free(&r);
	run_cmd(scan, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_gt(count_vulns(&r), 0, "the configured database was not used");

	f = fopen(in_tmp("bad.yaml"), "w");
	fputs("db: /tmp/x\nfedds:\n  debian: x\n", f);
	fclose(f);
	const char *bad[] = {lucid_path(), "--config", in_tmp("bad.yaml"), "plugins", NULL};
	run_free(&r);
	run_cmd(bad, &r);
	expect_input_error(&r, "bad.yaml:2: unknown key 'fedds'");
	f = fopen(in_tmp("bad2.yaml"), "w");
	fputs("max_file_size: lots\n", f);
	fclose(f);
	const char *bad2[] = {lucid_path(), "--config", in_tmp("bad2.yaml"), "plugins", NULL};
	run_free(&r);
	run_cmd(bad2, &r);
	expect_input_error(&r, "bad2.yaml:1: max_file_size must be a size");
	/* a key given twice is a mistake to report, not a value to drop (found by fuzzing) */
	const struct {
		const char *text, *want;
	} more[] = {
	        {"db: /tmp/a\ndb: /tmp/b\n", "bad3.yaml:2: duplicate key 'db'"},
	        {"serve:\n  listen: 1.2.3.4:5\n  listen: :6\n",
	         "bad3.yaml:3: duplicate key 'serve.listen'"},
	        {"serve:\n  index_concurrency: 0\n",
	         "bad3.yaml:2: serve.index_concurrency must be a number from 1 to 1024"},
	        {"serve:\n  auth:\n    tokn: x\n", "bad3.yaml:3: unknown key 'serve.auth.tokn'"},
	        {"serve:\n  layer_roots: [relative/dir]\n",
	         "bad3.yaml:2: serve.layer_roots entries must be absolute paths"},
	        {"notifier:\n  feed_interval:\n    debian: soon\n",
	         "bad3.yaml:3: notifier.feed_interval entries are fetcher: seconds"},
	        {"notifier:\n  mode: sometimes\n",
	         "bad3.yaml:2: notifier.mode must be per-manifest or per-vulnerability"},
	        {"notifier:\n  sinks: webhook\n",
	         "bad3.yaml:2: notifier.sinks must be a list of notifier names"},
	};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		f = fopen(in_tmp("bad3.yaml"), "w");
		fputs(more[i].text, f);
		fclose(f);
		const char *bad3[] = {lucid_path(), "--config", in_tmp("bad3.yaml"), "plugins",
		                      NULL};
		run_free(&r);
		run_cmd(bad3, &r);
		expect_input_error(&r, more[i].want);
	}
	run_free(&r);
}

/*
 * A multi-platform image index, assembled from the real bookworm blobs: "base" stands in as
 * linux/arm64/v8, "layered" as linux/amd64.
 */
Test(cli, platform_selection)
{
	const char *oci = shared_path("images/debian-bookworm.oci.tar");
	if (!oci)
		cr_skip_test("../shared/images is not here (CI has it)");
	const char *dir = in_tmp("multi");
	cr_assert_eq(
	        sh("mkdir -p '%s' && cd '%s' && tar -xf '%s' && "
	           "printf '%%s' "
	           "'{\"schemaVersion\":2,\"mediaType\":\"application/"
	           "vnd.oci.image.index.v1+json\","
	           "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	           "\"digest\":\"sha256:"
	           "26517e23b678a83246b4e82099102df78c4616329cc27fea994d7e284e25e31d\","
	           "\"size\":350,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
	           "\"variant\":\"v8\"}},"
	           "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	           "\"digest\":\"sha256:"
	           "32c0ae401e47f25b11c406c112f84c4c1fc51cb16ba21d638c471f3bf3cd4976\","
	           "\"size\":821,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}' > "
	           "idx && "
	           "h=$(sha256sum idx | cut -c1-64) && mv idx blobs/sha256/$h && "
	           "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
	           "\"application/"
	           "vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s,"
	           "\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}}]}' $h "
	           "$(stat -c %%s blobs/sha256/$h) > index.json",
	           dir, dir, oci),
	        0);
	struct run_result r = {0};
	char image[4200];
	snprintf(image, sizeof image, "%s:multi", dir);
	LUCID("scan", "--format", "json", image);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_packages(&r), 107, "linux/amd64 is the default");
	LUCID("scan", "--format", "json", "--platform", "linux/arm64", image);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(count_packages(&r), 88);
	LUCID("scan", "--platform", "linux/s390x", image);
	expect_input_error(&r, "no image for platform linux/s390x (the index has: linux/arm64/v8, "
	                       "linux/amd64)");
	run_free(&r);
}

Test(cli, database_schema_and_layer_cache)
{
	struct run_result r = {0};
	LUCID("-v", "scan", data_path("images/debian-7-wheezy.layer.tar.gz"));
	cr_assert_eq(r.status, 0, "%s", r.err);
	if (shared_path("images/debian-bookworm.oci.tar")) {
		char base[4200], layered[4200];
		snprintf(base, sizeof base, "%s:base",
		         shared_path("images/debian-bookworm.oci.tar"));
		snprintf(layered, sizeof layered, "%s:layered",
		         shared_path("images/debian-bookworm.oci.tar"));
		LUCID("-v", "scan", base);
		cr_assert_eq(r.status, 0, "%s", r.err);
		LUCID("-v", "scan", layered);
		cr_assert_not_null(strstr(r.err,
		                          "layer sha256:f808d362beb9cd9d38fcf6c02a8c195f2d6f18fa"
		                          "7e2e7af43f1130dc3c0d8312: cached, not walked"),
		                   "%s", r.err);
		cr_assert_not_null(strstr(r.err,
		                          "layer sha256:87e50ea37acf391f1ea0518cd4017ff663f3f6"
		                          "0d0f5286b868648a914da566ba: walked"),
		                   "%s", r.err);
	}
	if (sh("command -v mdb_load >/dev/null") != 0)
		cr_skip_test("mdb_load (lmdb-utils) is needed to forge other schemas");
	/* schema 1 (feeds stored under their URL): the vulnerability data is dropped with a
	 * warning, the layer cache kept */
	char feed[4200];
	snprintf(feed, sizeof feed, "debian=%s", data_path("feeds/debian/DLA-list.gz"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(sh("printf 'schema\\n1\\n' | mdb_load -T -s meta '%s'", db), 0);
	LUCID("-v", "scan", "--format", "json", data_path("images/debian-7-wheezy.layer.tar.gz"));
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "upgraded from schema 1 to 2; its vulnerability data was "
	                                 "in the old layout and was dropped: run `lucid update`"),
	                   "%s", r.err);
	cr_assert_eq(count_vulns(&r), 0);
	if (shared_path("images/debian-bookworm.oci.tar")) {
		char base[4200];
		snprintf(base, sizeof base, "%s:base",
		         shared_path("images/debian-bookworm.oci.tar"));
		LUCID("-v", "scan", base);
		cr_assert_not_null(strstr(r.err, "cached, not walked"), "%s", r.err);
	}
	LUCID("-v", "scan", data_path("images/debian-7-wheezy.layer.tar.gz"));
	cr_assert_null(strstr(r.err, "upgraded"), "migrated twice: %s", r.err);
	/* a database written by a newer lucid is refused, not misread */
	cr_assert_eq(sh("printf 'schema\\n99\\n' | mdb_load -T -s meta '%s'", db), 0);
	LUCID("scan", data_path("images/debian-7-wheezy.layer.tar.gz"));
	expect_input_error(&r, "has schema version 99; this lucid understands up to 2");
	run_free(&r);
}

/* "package id" lines of a JSON report, sorted. */
static char *vuln_pairs(struct run_result *r)
{
	json_t *rep = json_loads(r->out, 0, NULL);
	cr_assert_not_null(rep, "%s", r->err);
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(rep, "vulnerabilities"), i, v)
		buf_addf(&b, "%s %s %s\n", json_string_value(json_object_get(v, "package")),
		         json_string_value(json_object_get(v, "id")),
		         json_string_value(json_object_get(v, "fixed_in")));
	json_decref(rep);
	return b.data;
}

static void load_secdb(struct run_result *r, const char *release)
{
	char main_feed[4200], community[4200];
	snprintf(main_feed, sizeof main_feed, "alpine=%s%s/main.yaml",
	         data_path("feeds/alpine/secdb/"), release);
	snprintf(community, sizeof community, "alpine=%s%s/community.yaml",
	         data_path("feeds/alpine/secdb/"), release);
	LUCID_INTO(r, "update", "--feed", main_feed, "--feed", community);
	cr_assert_eq(r->status, 0, "%s", r->err);
}

/*
 * Alpine 3.7 (a real installed DB) against the real v3.7 secdb. Expected by reading the feed:
 * musl and musl-utils 1.1.18-r2 (origin musl) < 1.1.18-r4, fixed for CVE-2019-14697 (the
 * 1.1.15-r4 fix is older than what is installed); libressl2.6-libcrypto and -libssl 2.6.3-r0
 * (origin libressl) < 2.6.5-r0 for CVE-2018-0732 and CVE-2018-0495; busybox 1.27.2-r7 is past
 * its 1.27.2-r4 fix. Nothing else installed has a secfixes entry.
 */
Test(cli, alpine_3_7_against_its_secdb)
{
	struct run_result r = {0};
	load_secdb(&r, "v3.7");
	LUCID("scan", "--format", "json", data_path("apk/alpine-3.7"));
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *got = vuln_pairs(&r);
	cr_assert_str_eq(got, "libressl2.6-libcrypto CVE-2018-0495 2.6.5-r0\n"
	                      "libressl2.6-libcrypto CVE-2018-0732 2.6.5-r0\n"
	                      "libressl2.6-libssl CVE-2018-0495 2.6.5-r0\n"
	                      "libressl2.6-libssl CVE-2018-0732 2.6.5-r0\n"
	                      "musl CVE-2019-14697 1.1.18-r4\n"
	                      "musl-utils CVE-2019-14697 1.1.18-r4\n");
	free(got);
	run_free(&r);
}

/*
 * The real alpine:3.10 docker archive against the real v3.10 secdb: its openssl (1.1.1d-r2),
 * musl (1.1.22-r3) and busybox (1.30.1-r3) are at or past every fix the feed lists, and no
 * other installed origin has an entry, so the feed implies no vulnerability at all; the
 * packages still have to be all there, with their origins.
 */
Test(cli, alpine_3_10_image_against_its_secdb)
{
	const char *image =
	        shared_path("testdata/layers/images/trivy-alpine-310.docker-save.tar.gz");
	if (!image)
		cr_skip_test("../shared/testdata is not here (CI has it)");
	struct run_result r = {0};
	load_secdb(&r, "v3.10");
	LUCID("scan", "--format", "json", image);
	cr_assert_eq(r.status, 0, "%s", r.err);
	json_t *rep = json_loads(r.out, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "distribution"),
	                                                   "namespace")),
	                 "alpine:v3.10");
	cr_assert_eq(json_array_size(json_object_get(rep, "packages")), 14);
	cr_assert_eq(json_array_size(json_object_get(rep, "vulnerabilities")), 0);
	size_t i;
	json_t *p;
	bool libssl = false;
	json_array_foreach (json_object_get(rep, "packages"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "name")), "libssl1.1")) {
			libssl = true;
			cr_assert_str_eq(json_string_value(json_object_get(p, "source")),
			                 "openssl");
			cr_assert_str_eq(json_string_value(json_object_get(p, "version")),
			                 "1.1.1d-r2");
		}
	cr_assert(libssl);
	json_decref(rep);
	run_free(&r);
}

/* lucid update --feed alpine walks a secdb site: here the real v3.3-v3.11 files on loopback. */
Test(cli, alpine_upstream_discovery)
{
	struct run_result r = {0};
	cr_assert_eq(sh("cp -r '%s' '%s'", data_path("feeds/alpine/secdb"), in_tmp("site")), 0);
	int port = start_server(in_tmp("site"));
	if (!port)
		cr_skip_test("python3 is needed to serve the site");
	FILE *f = fopen(in_tmp("alpine.yaml"), "w");
	fprintf(f, "plugins:\n  alpine:\n    url: http://127.0.0.1:%d/\n", port);
	fclose(f);
	const char *argv[] = {lucid_path(), "--db",   db,       "--config", in_tmp("alpine.yaml"),
	                      "update",     "--feed", "alpine", NULL};
	run_cmd(argv, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* v3.3-v3.10 have main and community, v3.11 only community */
	cr_assert_not_null(strstr(r.err, "17 updated, 0 unchanged, 0 failed"), "%s", r.err);
	run_free(&r);
	run_cmd(argv, &r);
	cr_assert_not_null(strstr(r.err, "0 updated, 17 unchanged, 0 failed"), "%s", r.err);
	LUCID("scan", "--format", "json", data_path("apk/alpine-3.7"));
	char *got = vuln_pairs(&r);
	cr_assert_not_null(strstr(got, "musl CVE-2019-14697 1.1.18-r4\n"), "%s", got);
	free(got);
	stop_server(in_tmp("site"));
	run_free(&r);
}

/*
 * The RHEL 9 image against Red Hat's real VEX document for CVE-2023-38545 (curl). Expected by
 * reading the document: curl-minimal and libcurl-minimal 0:7.76.1-23.el9_2.1 (x86_64) are
 * below the RHEL 9 fixes 0:7.76.1-23.el9_2.4 (9.2 stream) and 0:7.76.1-26.el9_3.2 (9.3); the
 * nearest, 23.el9_2.4, is reported, with Red Hat's impact Important (High). Nothing else
 * installed is named.
 */
Test(cli, rhel_9_against_red_hat_vex)
{
	const char *image = shared_path("images/rhel9-synthetic-9.2.oci.tar");
	if (!image)
		cr_skip_test("../shared/images is not here (CI has it)");
	struct run_result r = {0};
	char feed[4200], ref[4200];
	snprintf(feed, sizeof feed, "rhel-vex=%s", data_path("feeds/rhel/cve-2023-38545.json"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* the archive form too: a zstd tar of five real documents */
	snprintf(feed, sizeof feed, "rhel-vex=%s",
	         data_path("feeds/rhel/csaf_vex_2023-10-31.tar.zst"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(ref, sizeof ref, "%s:9.2", image);
	LUCID("scan", "--format", "json", ref);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *got = vuln_pairs(&r);
	cr_assert_str_eq(got, "curl-minimal CVE-2023-38545 0:7.76.1-23.el9_2.4\n"
	                      "libcurl-minimal CVE-2023-38545 0:7.76.1-23.el9_2.4\n");
	free(got);
	json_t *rep = json_loads(r.out, 0, NULL);
	json_t *v = json_array_get(json_object_get(rep, "vulnerabilities"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(v, "severity")), "High");
	cr_assert_str_eq(json_string_value(json_object_get(v, "vendor_severity")), "Important");
	json_decref(rep);
	run_free(&r);
}

/* The record count lucid -v reports for a feed's last full or incremental load. */
static unsigned long records_in_all(const char *err)
{
	const char *p = NULL, *q = err;
	while ((q = strstr(q, " in all")) != NULL)
		p = q++;
	cr_assert_not_null(p, "%s", err);
	while (p > err && p[-1] != ' ')
		p--;
	return strtoul(p, NULL, 10);
}

static void append_row(const char *file, const char *path, const char *when)
{
	cr_assert_eq(sh("printf '\"%%s\",\"%%s\"\\n' '%s' '%s' >> '%s'", path, when, file), 0);
}

static void expect_curl(struct run_result *r, const char *image, bool vulnerable)
{
	LUCID_INTO(r, "scan", "--format", "json", image);
	cr_assert_eq(r->status, 0, "%s", r->err);
	char *got = vuln_pairs(r);
	cr_assert_str_eq(got, vulnerable ? "curl-minimal CVE-2023-38545 0:7.76.1-23.el9_2.4\n"
	                                   "libcurl-minimal CVE-2023-38545 0:7.76.1-23.el9_2.4\n"
	                                 : "");
	free(got);
}

/*
 * Red Hat's VEX site on loopback: archive_latest.txt names the real five-document archive of
 * 2023-10-31; changes.csv and deletions.csv list documents changed or deleted since. Each
 * step's expectation follows from the data: the archive names nothing installed in the RHEL 9
 * image, and the real CVE-2023-38545 document makes its curl-minimal and libcurl-minimal
 * vulnerable (see rhel_9_against_red_hat_vex).
 */
Test(cli, rhel_vex_incremental_updates)
{
	const char *oci = shared_path("images/rhel9-synthetic-9.2.oci.tar");
	if (!oci)
		cr_skip_test("../shared/images is not here (CI has it)");
	char image[4200];
	snprintf(image, sizeof image, "%s:9.2", oci);
	char site[4200];
	snprintf(site, sizeof site, "%s", in_tmp("vex"));
	const char *curl_doc = data_path("feeds/rhel/cve-2023-38545.json");
	cr_assert_eq(sh("mkdir -p '%s/2023' && cp '%s' '%s/' && cp '%s' '%s/2023/' && "
	                "echo csaf_vex_2023-10-31.tar.zst > '%s/archive_latest.txt' && "
	                ": > '%s/changes.csv' && : > '%s/deletions.csv'",
	                site, data_path("feeds/rhel/csaf_vex_2023-10-31.tar.zst"), site, curl_doc,
	                site, site, site, site),
	             0);
	char changes[4200], deletions[4200];
	snprintf(changes, sizeof changes, "%s/changes.csv", site);
	snprintf(deletions, sizeof deletions, "%s/deletions.csv", site);
	/* older than the archive: already in it, never fetched (the file is not served) */
	append_row(changes, "2023/cve-2023-0051.json", "2023-10-12T17:37:00+00:00");
	append_row(changes, "2023/cve-2023-38545.json", "2023-11-02T10:00:00+00:00");
	append_row(deletions, "2023/cve-2023-0049.json", "2023-11-03T00:00:00+00:00");
	int port = start_server(site);
	if (!port)
		cr_skip_test("python3 is needed to serve the site");
	FILE *f = fopen(in_tmp("vex.yaml"), "w");
	fprintf(f, "plugins:\n  rhel:\n    url: http://127.0.0.1:%d/\n", port);
	fclose(f);
	struct run_result r = {0};
#define UPDATE() LUCID("--config", in_tmp("vex.yaml"), "-v", "update", "--feed", "rhel-vex")

	/* 1. the archive, then the new document and the deletion on top */
	UPDATE();
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 documents changed, 1 deleted upstream"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "1 updated"), "%s", r.err);
	unsigned long all = records_in_all(r.err);
	expect_curl(&r, image, true);
	/* 2. nothing new: no document is fetched again (it is no longer served) */
	cr_assert_eq(sh("rm '%s/2023/cve-2023-38545.json'", site), 0);
	UPDATE();
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "0 updated, 1 unchanged"), "%s", r.err);
	/* 3. Red Hat deletes the document: its records go */
	append_row(deletions, "2023/cve-2023-38545.json", "2023-11-04T00:00:00+00:00");
	UPDATE();
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_lt(records_in_all(r.err), all);
	expect_curl(&r, image, false);
	/* 4. ... and publishes it again later: the newest event wins */
	cr_assert_eq(sh("cp '%s' '%s/2023/'", curl_doc, site), 0);
	append_row(changes, "2023/cve-2023-38545.json", "2023-11-05T00:00:00+00:00");
	UPDATE();
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(records_in_all(r.err), all);
	expect_curl(&r, image, true);
	/* 5. the document withdrawn in place (claircore's real "deleted" document) */
	cr_assert_eq(sh("cp '%s' '%s/2023/cve-2023-38545.json'",
	                data_path("feeds/rhel/delete_CVE-2023-0030.json"), site),
	             0);
	append_row(changes, "2023/cve-2023-38545.json", "2023-11-06T00:00:00+00:00");
	UPDATE();
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect_curl(&r, image, false);
	/* 6. one change fails: none of the batch is stored, and the next run retries it */
	cr_assert_eq(sh("cp '%s' '%s/2023/'", curl_doc, site), 0);
	append_row(changes, "2023/cve-2023-38545.json", "2023-11-07T00:00:00+00:00");
	append_row(changes, "2023/cve-2023-99999.json", "2023-11-07T00:00:01+00:00");
	LUCID("--config", in_tmp("vex.yaml"), "update", "--feed", "rhel-vex");
	expect_input_error(&r, "changed document 2023/cve-2023-99999.json, no change stored");
	cr_assert_not_null(strstr(r.err, "HTTP status 404"), "%s", r.err);
	expect_curl(&r, image, false);
	LUCID("--config", in_tmp("vex.yaml"), "update", "--feed", "rhel-vex");
	cr_assert_eq(r.status, 2, "%s", r.err);
	/* 7. a new archive (only the curl document, from the real one) replaces the old whole;
	 * the rows older than its date are not applied */
	cr_assert_eq(sh("cd '%s' && tar cf - 2023/cve-2023-38545.json | zstd -q > "
	                "csaf_vex_2023-11-10.tar.zst && echo csaf_vex_2023-11-10.tar.zst > "
	                "archive_latest.txt",
	                site),
	             0);
	UPDATE();
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "feed rhel-vex:vex-archive: "), "%s", r.err);
	unsigned long n1 = strtoul(strstr(r.err, "feed rhel-vex:vex-archive: ") + 27, NULL, 10);
	expect_curl(&r, image, true);
	/* its record count is that of the curl document alone: the old archive's are gone */
	const char *alone[] = {lucid_path(), "--db",   in_tmp("db2"), "-v",
	                       "update",     "--feed", NULL,          NULL};
	char one[4200];
	snprintf(one, sizeof one, "rhel-vex=%s", curl_doc);
	alone[6] = one;
	struct run_result r2 = {0};
	run_cmd(alone, &r2);
	cr_assert_eq(r2.status, 0, "%s", r2.err);
	const char *c2 = strstr(r2.err, " records\n");
	cr_assert_not_null(c2, "%s", r2.err);
	while (c2 > r2.err && c2[-1] != ' ')
		c2--;
	cr_assert_eq(n1, strtoul(c2, NULL, 10), "%s\n%s", r.err, r2.err);
	run_free(&r2);
	/* 8. a listing in another shape is an error naming the file and line */
	cr_assert_eq(sh("echo 'this is not, a listing' >> '%s'", deletions), 0);
	append_row(deletions, "2023/cve-2023-38545.json", "2023-11-12T00:00:00+00:00");
	LUCID("--config", in_tmp("vex.yaml"), "update", "--feed", "rhel-vex");
	expect_input_error(&r, "deletions.csv:3: not a \"path\",\"time\" row");
	expect_curl(&r, image, true);
#undef UPDATE
	stop_server(site);
	run_free(&r);
}

/*
 * CentOS Linux is matched against Red Hat's data (Clair v4 reports nothing for CentOS). The
 * image is a test construct, not a real CentOS: the RHEL 9 image's files with its os-release
 * replaced by one naming CentOS Linux 9 (no such release exists; the namespace mapping is what
 * is under test). As CentOS Stream, ahead of RHEL, the same files match nothing.
 */
Test(cli, centos_matched_against_rhel_data)
{
	const char *docker = shared_path("images/rhel9-synthetic-9.2.docker.tar");
	if (!docker)
		cr_skip_test("../shared/images is not here (CI has it)");
	char root[4200];
	snprintf(root, sizeof root, "%s", in_tmp("root"));
	cr_assert_eq(
	        sh("mkdir -p '%s/x' '%s/etc' && cd '%s/x' && tar xf '%s' && for l in $(python3 "
	           "-c 'import json; print(\" \".join(json.load(open(\"manifest.json\"))[0]"
	           "[\"Layers\"]))'); do tar xf \"$l\" -C '%s'; done && rm -rf '%s/x' && "
	           "rm -f '%s/etc/os-release' '%s/usr/lib/os-release'",
	           root, root, root, docker, root, root, root, root),
	        0);
	struct run_result r = {0};
	char feed[4200];
	snprintf(feed, sizeof feed, "rhel-vex=%s", data_path("feeds/rhel/cve-2023-38545.json"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(sh("printf 'NAME=\"CentOS Linux\"\\nVERSION_ID=\"9\"\\nID=\"centos\"\\n"
	                "ID_LIKE=\"rhel fedora\"\\nPRETTY_NAME=\"CentOS Linux 9\"\\n' > "
	                "'%s/etc/os-release'",
	                root),
	             0);
	expect_curl(&r, root, true);
	json_t *rep = json_loads(r.out, 0, NULL);
	json_t *d = json_object_get(rep, "distribution");
	cr_assert_str_eq(json_string_value(json_object_get(d, "namespace")), "centos:9");
	cr_assert_str_eq(json_string_value(json_object_get(d, "based_on")), "rhel:9");
	json_decref(rep);
	LUCID("scan", root);
	cr_assert_not_null(strstr(r.out, "(centos:9, matched against rhel:9 data too)"), "%s",
	                   r.out);
	cr_assert_eq(sh("sed -i 's/CentOS Linux/CentOS Stream/' '%s/etc/os-release'", root), 0);
	expect_curl(&r, root, false);
	run_free(&r);
}

/*
 * A real Ubuntu 18.04 dpkg database with its release files, as one layer, against Canonical's
 * OSV record for CVE-2016-20013. For 18.04 the record lists glibc (in the Pro stream: the only
 * statement Canonical makes for bionic's glibc), sssd, syslinux, syslinux-legacy, dietlibc and
 * zabbix, none fixed. Of those sources only glibc is installed, as libc6 and libc-bin at
 * 2.27-3ubuntu1: exactly two findings, unfixed, at Ubuntu's priority "negligible".
 */
Test(cli, ubuntu_18_04_against_canonical_osv)
{
	const char *root = in_tmp("bionic"), *layer = in_tmp("bionic.layer.tar");
	cr_assert_eq(sh("mkdir -p '%s' && cp -r '%s' '%s' '%s' && tar -C '%s' -cf '%s' .", root,
	                data_path("dpkg/ubuntu-18.04/var"),
	                data_path("os-release/claircore/ubuntu-18.04/etc"), root, root, layer),
	             0);
	struct run_result r = {0};
	char feed[4200];
	snprintf(feed, sizeof feed, "osv=%s", data_path("feeds/ubuntu/UBUNTU-CVE-2016-20013.json"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	LUCID("scan", "--format", "json", layer);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *got = vuln_pairs(&r);
	cr_assert_str_eq(got, "libc-bin UBUNTU-CVE-2016-20013 (null)\n"
	                      "libc6 UBUNTU-CVE-2016-20013 (null)\n");
	free(got);
	json_t *rep = json_loads(r.out, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(rep, "distribution"),
	                                                   "namespace")),
	                 "ubuntu:18.04");
	json_t *v = json_array_get(json_object_get(rep, "vulnerabilities"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(v, "state")), "unfixed");
	cr_assert_str_eq(json_string_value(json_object_get(v, "severity")), "Negligible");
	cr_assert_str_eq(json_string_value(json_object_get(v, "feed_package")), "glibc");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(v, "aliases"), 0)),
	                 "CVE-2016-20013");
	cr_assert(json_is_null(json_object_get(v, "enrichments")));
	json_decref(rep);
	/* the same as a root filesystem directory */
	LUCID("scan", root);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "vulnerabilities: 2 (Critical 0, High 0, Medium 0, Low 0, "
	                                 "Negligible 2, Unknown 0)"),
	                   "%s", r.out);
	run_free(&r);
}

/* An OSV source may be a directory, a zip (osv.dev's all.zip) or one record; bad ones fail. */
Test(cli, osv_sources)
{
	struct run_result r = {0};
	char feed[4200];
	snprintf(feed, sizeof feed, "osv=%s", data_path("feeds/osv/chainguard"));
	LUCID("-v", "update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "3 OSV records (0 withdrawn): 10 lucid records"), "%s",
	                   r.err);
	snprintf(feed, sizeof feed, "osv=%s",
	         data_path("feeds/osv/osv.dev-python-all.excerpt.zip"));
	LUCID("-v", "update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, ": 0 lucid records; skipped "), "%s", r.err);
	/* a zip cut short, and a file in no OSV form */
	cr_assert_eq(sh("head -c 3000 '%s' > '%s'",
	                data_path("feeds/osv/osv.dev-python-all.excerpt.zip"), in_tmp("cut.zip")),
	             0);
	snprintf(feed, sizeof feed, "osv=%s", in_tmp("cut.zip"));
	LUCID("update", "--feed", feed);
	expect_input_error(&r, "nothing stored");
	snprintf(feed, sizeof feed, "osv=%s", data_path("feeds/enrichers/epss.excerpt.csv"));
	LUCID("update", "--feed", feed);
	expect_input_error(&r, "not an OSV record");
	run_free(&r);
}

/*
 * An appc ACI built from the real Debian 7 layer: the same 80 packages and the same findings as
 * the layer itself; an ACI for another platform, or with a broken manifest, is an input error.
 */
Test(cli, appc_aci_images)
{
	const char *layer = data_path("images/debian-7-wheezy.layer.tar.gz");
	struct run_result r = {0};
	char feed[4200];
	snprintf(feed, sizeof feed, "debian=%s", data_path("feeds/debian/DSA-list.gz"));
	LUCID("update", "--feed", feed);
	cr_assert_eq(r.status, 0, "%s", r.err);
	LUCID("scan", "--format", "json", layer);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *want = vuln_pairs(&r);
	make_aci(layer, "wheezy", "amd64", in_tmp("wheezy.aci"));
	LUCID("scan", "--format", "json", in_tmp("wheezy.aci"));
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *got = vuln_pairs(&r);
	cr_assert_str_eq(got, want);
	cr_assert_gt(strlen(got), 100);
	json_t *rep = json_loads(r.out, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(rep, "format")), "aci");
	cr_assert_eq(json_array_size(json_object_get(rep, "packages")), 80);
	cr_assert_str_eq(
	        json_string_value(json_object_get(json_object_get(rep, "manifest"), "ref")),
	        "example.com/wheezy:7");
	json_decref(rep);
	free(got);
	free(want);
	make_aci(layer, "wheezy", "arm64", in_tmp("arm.aci"));
	LUCID("scan", in_tmp("arm.aci"));
	expect_input_error(&r, "the ACI is for linux/arm64, not linux/amd64");
	cr_assert_eq(sh("mkdir -p '%s/bad/rootfs' && echo '{\"acKind\": \"ImageManifest\"' > "
	                "'%s/bad/manifest' && tar -C '%s/bad' -cf '%s' manifest rootfs",
	                tmp, tmp, tmp, in_tmp("bad.aci")),
	             0);
	LUCID("scan", in_tmp("bad.aci"));
	expect_input_error(&r, "manifest: invalid JSON");
	run_free(&r);
}

/* A configured setting no plugin reads is a typo until proven otherwise: say so. */
Test(cli, unknown_plugin_settings_are_warned_about)
{
	const char *cfg = in_tmp("lucid.yaml");
	cr_assert_eq(sh("printf 'plugins:\\n  debian:\\n    urll: https://mirror/\\n    url: "
	                "https://mirror/\\n  nosuch:\\n    x: y\\n' > '%s'",
	                cfg),
	             0);
	struct run_result r = {0};
	LUCID("--config", cfg, "plugins");
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "plugins.debian.urll: the plugin has no such setting "
	                                 "(it reads: url)"),
	                   "%s", r.err);
	cr_assert_not_null(strstr(r.err, "plugins.nosuch.x: no plugin 'nosuch' is loaded"), "%s",
	                   r.err);
	cr_assert_null(strstr(r.err, "plugins.debian.url:"), "%s", r.err);
	run_free(&r);
}

/* lucid plugins --check: the loader's verdict on one file, and what it exports. */
Test(cli, plugins_check)
{
	struct run_result r = {0};
	const char *fx = LUCID_BUILD_ROOT "/tests/abi/fixtures/";
	char good[4200], path[4200];
	snprintf(good, sizeof good, "%s", LUCID_BUILD_ROOT "/plugins/lucid-webhook.so");
	LUCID("plugins", "--check", good);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, ": ok\n  plugin webhook "), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  notifier webhook, version 1\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "  setting plugins.webhook.url: "), "%s", r.out);
	snprintf(path, sizeof path, "%slucid-minor_too_new.so", fx);
	LUCID("plugins", "--check", path);
	expect_input_error(&r, "(upgrade lucid)");
	snprintf(path, sizeof path, "%slucid-no_entry.so", fx);
	LUCID("plugins", "--check", path);
	expect_input_error(&r, "does not export lucid_plugin_entry");
	LUCID("plugins", "--check", data_path("feeds/enrichers/epss.excerpt.csv"));
	expect_input_error(&r, "not a 64-bit little-endian ELF shared object");
	/* built without hiding its other symbols: the descriptor leaks */
	snprintf(path, sizeof path, "%s/lucid-hello.so", tmp);
	cr_assert_eq(sh("cc -std=c17 -fPIC -shared -I'%s/sdk/include' -o '%s' "
	                "'%s/examples/hello-detector/hello.c'",
	                LUCID_SOURCE_ROOT, path, LUCID_SOURCE_ROOT),
	             0);
	LUCID("plugins", "--check", path);
	expect_input_error(&r, "exports more than lucid_plugin_entry: lucid_plugin_hello");
	run_free(&r);
}
