/*
 * lucid serve as Clair's clients drive it, over loopback: a real layer served by a loopback
 * blob server (tests/integration/layer_server.py), the real Debian security lists, and every
 * kind of bad input a client or a layer server can produce.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static char *tmp;
static char db[4200];
static pid_t server_pid, blobs_pid;
static int port, blob_port;
static char layer_digest[80];
static const char *const PSK = "c2VjcmV0LWtleS1mb3ItdGVzdHM="; /* "secret-key-for-tests" */

static const char *in_tmp(const char *name)
{
	static char buf[8][4096];
	static unsigned k;
	char *b = buf[k++ % 8];
	snprintf(b, 4096, "%s/%s", tmp, name);
	return b;
}

static int wait_for_file(const char *path, const char *needle, char *out, size_t outlen)
{
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			size_t n = fread(out, 1, outlen - 1, f);
			out[n] = 0;
			fclose(f);
			if (!needle || strstr(out, needle))
				return 0;
		}
		usleep(50 * 1000);
	}
	return -1;
}

/* Start `lucid serve` with the YAML config text (may be NULL). */
static void start_server(const char *config)
{
	const char *cfg = in_tmp("serve.yaml");
	FILE *f = fopen(cfg, "w");
	fputs(config ? config : "", f);
	fclose(f);
	char log[4200];
	snprintf(log, sizeof log, "%s", in_tmp("serve.log"));
	server_pid = fork();
	cr_assert_neq(server_pid, -1);
	if (server_pid == 0) {
		FILE *e = freopen(log, "w", stderr);
		(void)e;
		execl(lucid_path(), lucid_path(), "--db", db, "--config", cfg, "serve", "--listen",
		      "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	char text[8192];
	cr_assert_eq(wait_for_file(log, "listening on", text, sizeof text), 0,
	             "lucid serve did not start: %s", text);
	port = atoi(strrchr(strstr(text, "listening on"), ':') + 1);
	cr_assert_gt(port, 0);
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		int st;
		waitpid(server_pid, &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "lucid serve ended badly (%d)",
		          st);
		server_pid = 0;
	}
}

static void setup(void)
{
	tmp = make_tmpdir();
	snprintf(db, sizeof db, "%s/db", tmp);
	/* lucid's private temp dirs inside this one: what a kill -9 leaves is removed with it */
	cr_assert_eq(setenv("TMPDIR", tmp, 1), 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cr_assert_eq(sh("mkdir '%s/blobs' && cp '%s' '%s/blobs/wheezy'", tmp,
	                data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
	             0);
	char sum[8192];
	cr_assert_eq(sh("sha256sum '%s/blobs/wheezy' | cut -c1-64 > '%s/sum'", tmp, tmp), 0);
	cr_assert_eq(wait_for_file(in_tmp("sum"), NULL, sum, sizeof sum), 0);
	snprintf(layer_digest, sizeof layer_digest, "sha256:%.64s", sum);
	char script[4200], dir[4200], portfile[4200];
	snprintf(script, sizeof script, "%s", data_path("../integration/layer_server.py"));
	snprintf(dir, sizeof dir, "%s", in_tmp("blobs"));
	snprintf(portfile, sizeof portfile, "%s", in_tmp("blob.port"));
	blobs_pid = fork();
	cr_assert_neq(blobs_pid, -1);
	if (blobs_pid == 0) {
		/* its webhook receiver is "down" (503) for the first two posts */
		execlp("python3", "python3", script, dir, portfile, "2", (char *)NULL);
		_exit(127);
	}
	char p[64];
	cr_assert_eq(wait_for_file(portfile, NULL, p, sizeof p), 0, "blob server did not start");
	blob_port = atoi(p);
}

static void teardown(void)
{
	if (server_pid > 0)
		kill(server_pid, SIGKILL);
	if (blobs_pid > 0)
		kill(blobs_pid, SIGKILL);
	waitpid(-1, NULL, 0);
	sh("rm -rf '%s'", tmp);
	free(tmp);
	curl_global_cleanup();
}

TestSuite(api, .init = setup, .fini = teardown, .timeout = 300);

struct resp {
	long status;
	struct buf body;
	struct buf headers;
	json_t *json;
};

static size_t on_data(char *p, size_t sz, size_t n, void *u)
{
	buf_add(u, p, sz * n);
	return sz * n;
}

static void resp_free(struct resp *r)
{
	buf_free(&r->body);
	buf_free(&r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof *r);
}

/* One request; extra headers NULL-terminated. */
static struct resp call(const char *method, const char *path, const char *body,
                        const char *const *headers)
{
	struct resp r = {0};
	buf_add(&r.body, NULL, 0);
	buf_add(&r.headers, NULL, 0);
	CURL *c = curl_easy_init();
	char url[4400];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	struct curl_slist *h = NULL;
	for (size_t i = 0; headers && headers[i]; i++)
		h = curl_slist_append(h, headers[i]);
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	CURLcode cc = curl_easy_perform(c);
	cr_assert_eq(cc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(cc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	r.json = json_loadb(r.body.data, r.body.len, 0, NULL);
	return r;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The answer is an error with this status and code, and the server still serves. */
static void expect_error(struct resp *r, long status, const char *code, const char *what)
{
	cr_assert_eq(r->status, status, "status %ld (want %ld): %s", r->status, status,
	             r->body.data);
	cr_assert(json_is_object(r->json), "not JSON: %s", r->body.data);
	cr_assert_str_eq(jstr(r->json, "code"), code, "%s", r->body.data);
	cr_assert(jstr(r->json, "message") && jstr(r->json, "message")[0]);
	if (what)
		cr_assert_not_null(strstr(jstr(r->json, "message"), what), "%s", r->body.data);
	struct resp h = call("GET", "/healthz", NULL, NULL);
	cr_assert_eq(h.status, 200, "the server stopped serving after %s", r->body.data);
	resp_free(&h);
	resp_free(r);
}

static char *manifest_json(const char *hash, const char *layer_hash, const char *uri)
{
	char *s;
	cr_assert(asprintf(&s,
	                   "{\"hash\":\"%s\",\"layers\":[{\"hash\":\"%s\",\"uri\":\"%s\","
	                   "\"headers\":{\"Authorization\":[\"Bearer registry-token\"]}}]}",
	                   hash, layer_hash, uri) > 0);
	return s;
}

static const char *MANIFEST =
        "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

static void load_debian_lists(void)
{
	char f1[4200], f2[4200];
	snprintf(f1, sizeof f1, "debian=%s", data_path("feeds/debian/DSA-list.gz"));
	snprintf(f2, sizeof f2, "debian=%s", data_path("feeds/debian/DLA-list.gz"));
	const char *argv[] = {lucid_path(), "--db", db, "update", "--feed", f1, "--feed", f2, NULL};
	struct run_result rr = {0};
	run_cmd(argv, &rr);
	cr_assert_eq(rr.status, 0, "%s", rr.err);
	run_free(&rr);
}

static bool header_has(const struct resp *r, const char *line)
{
	return strcasestr(r->headers.data, line) != NULL;
}

/*
 * The Debian 7 layer (80 packages) indexed through the API and matched against the real
 * DSA/DLA lists: the same findings `lucid scan` gives (see the cli tests), in Clair's shapes.
 * bash 4.2+dfsg-0.1+deb7u3 is fixed by DLA-680-1 in 4.2+dfsg-0.1+deb7u4 (CVE-2016-7543).
 */
Test(api, index_and_match_a_real_layer)
{
	load_debian_lists();
	start_server(NULL);
	char uri[256];
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	char *m = manifest_json(MANIFEST, layer_digest, uri);
	struct resp r = call("POST", "/indexer/api/v1/index_report", m, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	cr_assert_str_eq(jstr(r.json, "manifest_hash"), MANIFEST);
	cr_assert_str_eq(jstr(r.json, "state"), "IndexFinished");
	cr_assert_eq(json_object_size(json_object_get(r.json, "packages")), 80);
	json_t *env =
	        json_array_get(json_object_get(json_object_get(r.json, "environments"), "1"), 0);
	cr_assert_str_eq(jstr(env, "introduced_in"), layer_digest);
	cr_assert_str_eq(jstr(env, "package_db"), "var/lib/dpkg/status");
	cr_assert(header_has(&r, "Location: /indexer/api/v1/index_report/sha256:2d71"));
	cr_assert(header_has(&r, "ETag: \""));
	const char *etag = strcasestr(r.headers.data, "ETag: ") + 6;
	char state[80];
	snprintf(state, sizeof state, "%.34s", etag);
	resp_free(&r);

	/* stored: GET answers it, with the same ETag; If-None-Match answers 304 */
	char path[300];
	snprintf(path, sizeof path, "/indexer/api/v1/index_report/%s", MANIFEST);
	r = call("GET", path, NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(json_object_size(json_object_get(r.json, "packages")), 80);
	resp_free(&r);
	char inm[200];
	snprintf(inm, sizeof inm, "If-None-Match: %s", state);
	const char *h304[] = {inm, NULL};
	r = call("GET", path, NULL, h304);
	cr_assert_eq(r.status, 304, "%s", r.body.data);
	resp_free(&r);
	/* indexing it again under the same state is refused with 412 ... */
	r = call("POST", "/indexer/api/v1/index_report", m, h304);
	cr_assert_eq(r.status, 412, "%s", r.body.data);
	resp_free(&r);
	/* ... and without the precondition the layer is not fetched again */
	cr_assert_eq(sh("rm '%s/blobs/wheezy'", tmp), 0);
	r = call("POST", "/indexer/api/v1/index_report", m, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	r = call("GET", "/metrics", NULL, NULL);
	cr_assert_not_null(strstr(r.body.data, "lucid_layers_fetched_total 1\n"), "%s",
	                   r.body.data);
	cr_assert_not_null(strstr(r.body.data, "lucid_layer_cache_hits_total 1\n"));
	cr_assert_not_null(strstr(r.body.data, "lucid_index_duration_seconds_count 2\n"));
	cr_assert_not_null(strstr(r.body.data, "lucid_feed_age_seconds{feed=\"debian:"));
	cr_assert_not_null(strstr(r.body.data, "lucid_http_requests_total{route=\"index_report\","
	                                       "method=\"POST\",code=\"412\"} 1"));
	resp_free(&r);
	r = call("GET", "/indexer/api/v1/index_state", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(strncmp(state + 1, jstr(r.json, "state"), 32), 0);
	resp_free(&r);

	/* the vulnerability report */
	snprintf(path, sizeof path, "/matcher/api/v1/vulnerability_report/%s", MANIFEST);
	r = call("GET", path, NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	json_t *vulns = json_object_get(r.json, "vulnerabilities");
	cr_assert_gt(json_object_size(vulns), 10);
	const char *id;
	json_t *v;
	bool bash = false;
	json_object_foreach (vulns, id, v) {
		if (!strcmp(jstr(v, "name"), "CVE-2016-7543")) {
			bash = true;
			cr_assert_str_eq(jstr(v, "fixed_in_version"), "4.2+dfsg-0.1+deb7u4");
			cr_assert_str_eq(jstr(json_object_get(v, "package"), "name"), "bash");
			/* and the package it hits lists it */
			bool listed = false;
			const char *pid;
			json_t *list;
			json_object_foreach (json_object_get(r.json, "package_vulnerabilities"),
			                     pid, list) {
				json_t *pkg =
				        json_object_get(json_object_get(r.json, "packages"), pid);
				size_t i;
				json_t *x;
				json_array_foreach (list, i, x)
					listed |= !strcmp(json_string_value(x), id) &&
					          !strcmp(jstr(pkg, "name"), "bash");
			}
			cr_assert(listed);
		}
	}
	cr_assert(bash, "%.2000s", r.body.data);
	cr_assert(json_is_object(json_object_get(r.json, "enrichments")));
	resp_free(&r);

	/* delete: gone from both routes */
	snprintf(path, sizeof path, "/indexer/api/v1/index_report/%s", MANIFEST);
	r = call("DELETE", path, NULL, NULL);
	cr_assert_eq(r.status, 204, "%s", r.body.data);
	resp_free(&r);
	r = call("GET", path, NULL, NULL);
	expect_error(&r, 404, "not-found", MANIFEST);
	snprintf(path, sizeof path, "/matcher/api/v1/vulnerability_report/%s", MANIFEST);
	r = call("GET", path, NULL, NULL);
	expect_error(&r, 404, "not-found", "index it first");
	free(m);
	stop_server();
}

Test(api, bad_requests_and_bad_layers)
{
	start_server("serve:\n  max_body: 4K\n  layer_timeout: 2\n");
	char uri[256];
	struct resp r;
	const char *post = "/indexer/api/v1/index_report";
	r = call("POST", post, "{\"hash\": \"sha256:", NULL);
	expect_error(&r, 400, "bad-request", "invalid JSON");
	r = call("POST", post, "[1, 2]", NULL);
	expect_error(&r, 400, "bad-request", "must be a JSON object");
	r = call("POST", post, "{\"hash\": 5, \"layers\": []}", NULL);
	expect_error(&r, 400, "bad-request", "manifest.hash must be a string");
	r = call("POST", post, "{\"hash\": \"sha256:abc\", \"layers\": []}", NULL);
	expect_error(&r, 400, "bad-request", "not a sha256 digest");
	char *m = manifest_json(MANIFEST, layer_digest, "x");
	char *nolayers;
	cr_assert(asprintf(&nolayers, "{\"hash\": \"%s\"}", MANIFEST) > 0);
	r = call("POST", post, nolayers, NULL);
	expect_error(&r, 400, "bad-request", "manifest.layers must be a non-empty array");
	char *nouri;
	cr_assert(asprintf(&nouri, "{\"hash\": \"%s\", \"layers\": [{\"hash\": \"%s\"}]}", MANIFEST,
	                   layer_digest) > 0);
	r = call("POST", post, nouri, NULL);
	expect_error(&r, 400, "bad-request", "manifest.layers[0].uri is missing");
	char *inject;
	cr_assert(asprintf(&inject,
	                   "{\"hash\": \"%s\", \"layers\": [{\"hash\": \"%s\", \"uri\": \"x\", "
	                   "\"headers\": {\"X-A\": [\"a\\r\\nHost: evil\"]}}]}",
	                   MANIFEST, layer_digest) > 0);
	r = call("POST", post, inject, NULL);
	expect_error(&r, 400, "bad-request", "without line breaks");
	/* a body over serve.max_body (4K) */
	char big[6000];
	memset(big, ' ', sizeof big - 1);
	big[sizeof big - 1] = 0;
	big[0] = '{';
	big[sizeof big - 2] = '}';
	r = call("POST", post, big, NULL);
	expect_error(&r, 413, "too-large", "larger than 4096 bytes");
	/* the layer's bytes are not what the manifest says */
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	char *wrong = manifest_json(
	        MANIFEST, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
	        uri);
	r = call("POST", post, wrong, NULL);
	expect_error(&r, 422, "unprocessable", "digest mismatch");
	/* the layer server fails in each way */
	const struct {
		const char *path;
		long status;
		const char *code, *what;
	} fails[] = {
	        {"/blobs/missing", 422, "unprocessable", "HTTP status 404"},
	        {"/status/500", 502, "bad-gateway", "HTTP status 500"},
	        {"/status/403", 422, "unprocessable", "HTTP status 403"},
	        {"/slow/10", 504, "gateway-timeout", "timed out"},
	};
	for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
		snprintf(uri, sizeof uri, "http://127.0.0.1:%d%s", blob_port, fails[i].path);
		char *x = manifest_json(MANIFEST, layer_digest, uri);
		r = call("POST", post, x, NULL);
		expect_error(&r, fails[i].status, fails[i].code, fails[i].what);
		free(x);
	}
	/* a redirect is followed */
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/redirect/wheezy", blob_port);
	char *redir = manifest_json(MANIFEST, layer_digest, uri);
	r = call("POST", post, redir, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	/* a local path is refused unless under serve.layer_roots */
	char *local = manifest_json(
	        MANIFEST, "sha256:3333333333333333333333333333333333333333333333333333333333333333",
	        in_tmp("blobs/wheezy"));
	r = call("POST", post, local, NULL);
	expect_error(&r, 400, "bad-request", "layer roots");
	/* unknown digests, routes and methods */
	r = call("GET", "/indexer/api/v1/index_report/sha256:nothex", NULL, NULL);
	expect_error(&r, 400, "bad-request", "not a sha256 digest");
	r = call("GET",
	         "/matcher/api/v1/vulnerability_report/"
	         "sha256:1111111111111111111111111111111111111111111111111111111111111111",
	         NULL, NULL);
	expect_error(&r, 404, "not-found", NULL);
	r = call("PUT", post, "{}", NULL);
	expect_error(&r, 405, "method-not-allowed", "allowed: POST, DELETE");
	r = call("GET", "/indexer/api/v2/nothing", NULL, NULL);
	expect_error(&r, 404, "not-found", "no route");
	r = call("DELETE", post, "[\"not a digest\"]", NULL);
	expect_error(&r, 400, "bad-request", "sha256 digest");
	free(m);
	free(nolayers);
	free(nouri);
	free(inject);
	free(wrong);
	free(redir);
	free(local);
	stop_server();
}

struct slow_post {
	char *body;
	long status;
};

static void *post_slow(void *u)
{
	struct slow_post *p = u;
	struct resp r = call("POST", "/indexer/api/v1/index_report", p->body, NULL);
	p->status = r.status;
	resp_free(&r);
	return NULL;
}

/* Index requests beyond serve.index_concurrency are refused with 429; reads still answer. */
Test(api, index_concurrency_limit)
{
	start_server("serve:\n  index_concurrency: 1\n  layer_timeout: 4\n");
	char uri[256];
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/slow/8", blob_port);
	struct slow_post p = {manifest_json(MANIFEST, layer_digest, uri), 0};
	pthread_t t;
	pthread_create(&t, NULL, post_slow, &p);
	/* the first request holds the only slot while its layer stalls (4 s, then 504) */
	usleep(700 * 1000);
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	char *second = manifest_json(MANIFEST, layer_digest, uri);
	struct resp r = call("POST", "/indexer/api/v1/index_report", second, NULL);
	cr_assert(header_has(&r, "Retry-After: 1"));
	expect_error(&r, 429, "too-many-requests", "1 index requests are running");
	r = call("GET", "/indexer/api/v1/index_state", NULL, NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	pthread_join(t, NULL);
	cr_assert_eq(p.status, 504, "the slow request ended with %ld", p.status);
	/* the slot is free again */
	r = call("POST", "/indexer/api/v1/index_report", second, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	r = call("GET", "/metrics", NULL, NULL);
	cr_assert_not_null(strstr(r.body.data, "lucid_index_rejected_total 1\n"));
	resp_free(&r);
	free(p.body);
	free(second);
	stop_server();
}

/*
 * Two clients post decompression bombs over and over (a 1 GiB file of zeros in 1 MiB of
 * gzip) while a third indexes a real layer and reads reports: every bomb is refused with a
 * clear 4xx, every other request is answered as usual, and the server's peak memory stays
 * bounded (the bomb is refused as it streams, never held).
 */
struct bomb_poster {
	const char *body;
	int posts, refused;
	char last[512];
};

static void *post_bombs(void *u)
{
	struct bomb_poster *p = u;
	for (int i = 0; i < p->posts; i++) {
		struct resp r = call("POST", "/indexer/api/v1/index_report", p->body, NULL);
		if (r.status >= 400 && r.status < 500 && r.json &&
		    strstr(jstr(r.json, "message") ? jstr(r.json, "message") : "",
		           "a decompression bomb"))
			p->refused++;
		snprintf(p->last, sizeof p->last, "%ld %s", r.status, r.body.data);
		resp_free(&r);
	}
	return NULL;
}

Test(api, bombs_are_refused_while_others_are_served)
{
	char bomb_digest[72], uri[256];
	make_gzip_bomb(in_tmp("blobs/bomb"), 1);
	sha256_of_file(in_tmp("blobs/bomb"), bomb_digest);
	load_debian_lists();
	start_server("serve:\n  index_concurrency: 3\n");
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/bomb", blob_port);
	char *bomb =
	        manifest_json("sha256:"
	                      "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0",
	                      bomb_digest, uri);
	struct bomb_poster posters[2] = {{bomb, 8, 0, ""}, {bomb, 8, 0, ""}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, post_bombs, &posters[i]);
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	char *good = manifest_json(MANIFEST, layer_digest, uri);
	for (int i = 0; i < 8; i++) {
		struct resp r = call("POST", "/indexer/api/v1/index_report", good, NULL);
		if (r.status == 429) { /* both bomb posts and this one's previous turn: again */
			resp_free(&r);
			usleep(50 * 1000);
			continue;
		}
		cr_assert_eq(r.status, 201, "%s", r.body.data);
		resp_free(&r);
		char path[200];
		snprintf(path, sizeof path, "/matcher/api/v1/vulnerability_report/%s", MANIFEST);
		r = call("GET", path, NULL, NULL);
		cr_assert_eq(r.status, 200, "%s", r.body.data);
		cr_assert_not_null(strstr(r.body.data, "CVE-2016-7543"));
		resp_free(&r);
		r = call("GET", "/healthz", NULL, NULL);
		cr_assert_eq(r.status, 200);
		resp_free(&r);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(posters[i].refused, posters[i].posts,
		             "%d of %d bombs refused; the last answer: %s", posters[i].refused,
		             posters[i].posts, posters[i].last);
	}
	char path[64], status[8192];
	snprintf(path, sizeof path, "/proc/%d/status", (int)server_pid);
	cr_assert_eq(wait_for_file(path, "VmHWM:", status, sizeof status), 0);
	long hwm_kib = atol(strstr(status, "VmHWM:") + 6);
	if (!LUCID_SANITIZED)
		cr_assert_lt(hwm_kib, 256 * 1024, "the server's peak RSS was %ld KiB", hwm_kib);
	free(bomb);
	free(good);
	stop_server();
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
	unsigned char tmp64[1024];
	int len = EVP_EncodeBlock(tmp64, in, (int)n);
	size_t j = 0;
	for (int i = 0; i < len; i++) {
		char c = (char)tmp64[i];
		if (c == '=')
			break;
		out[j++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	out[j] = 0;
}

/* An HS256 JWT over header and payload JSON, signed with key. */
static char *jwt(const char *header, const char *payload, const char *key)
{
	char h[512], p[512], sig[128];
	b64url((const unsigned char *)header, strlen(header), h);
	b64url((const unsigned char *)payload, strlen(payload), p);
	char *signing;
	cr_assert(asprintf(&signing, "%s.%s", h, p) > 0);
	unsigned char mac[32];
	unsigned int maclen;
	HMAC(EVP_sha256(), key, (int)strlen(key), (unsigned char *)signing, strlen(signing), mac,
	     &maclen);
	b64url(mac, maclen, sig);
	char *out;
	cr_assert(asprintf(&out, "Authorization: Bearer %s.%s", signing, sig) > 0);
	free(signing);
	return out;
}

Test(api, authentication)
{
	char cfg[512];
	snprintf(cfg, sizeof cfg,
	         "serve:\n  auth:\n    token: static-token-1\n    psk: %s\n    issuer: quay\n",
	         PSK);
	start_server(cfg);
	struct resp r = call("GET", "/healthz", NULL, NULL);
	cr_assert_eq(r.status, 200, "healthz needs no auth");
	resp_free(&r);
	r = call("GET", "/indexer/api/v1/index_state", NULL, NULL);
	cr_assert(header_has(&r, "WWW-Authenticate: Bearer"));
	expect_error(&r, 401, "unauthorized", NULL);
	const char *tok[] = {"Authorization: Bearer static-token-1", NULL};
	r = call("GET", "/indexer/api/v1/index_state", NULL, tok);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	const char *badtok[] = {"Authorization: Bearer static-token-2", NULL};
	r = call("GET", "/metrics", NULL, badtok);
	expect_error(&r, 401, "unauthorized", NULL);
	char payload[256];
	long now = (long)time(NULL);
	const char *hs = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	snprintf(payload, sizeof payload, "{\"iss\":\"quay\",\"exp\":%ld}", now + 300);
	char *good = jwt(hs, payload, "secret-key-for-tests");
	char *wrongkey = jwt(hs, payload, "another-key");
	char *none = jwt("{\"alg\":\"none\"}", payload, "secret-key-for-tests");
	snprintf(payload, sizeof payload, "{\"iss\":\"quay\",\"exp\":%ld}", now - 10);
	char *expired = jwt(hs, payload, "secret-key-for-tests");
	snprintf(payload, sizeof payload, "{\"iss\":\"someone\",\"exp\":%ld}", now + 300);
	char *issuer = jwt(hs, payload, "secret-key-for-tests");
	const char *h1[] = {good, NULL};
	r = call("GET", "/v1/namespaces", NULL, h1);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	resp_free(&r);
	const char *bad[] = {wrongkey, none, expired, issuer};
	for (size_t i = 0; i < 4; i++) {
		const char *h[] = {bad[i], NULL};
		r = call("GET", "/v1/namespaces", NULL, h);
		expect_error(&r, 401, "unauthorized", NULL);
	}
	free(good);
	free(wrongkey);
	free(none);
	free(expired);
	free(issuer);
	stop_server();
}

/* Every route the OpenAPI document lists answers (no "no route", no 405 for its method). */
Test(api, openapi_routes_all_answer)
{
	start_server(NULL);
	struct resp doc = call("GET", "/openapi.json", NULL, NULL);
	cr_assert_eq(doc.status, 200);
	cr_assert_str_eq(jstr(doc.json, "openapi"), "3.0.3");
	const char *path;
	json_t *item;
	size_t routes = 0;
	json_object_foreach (json_object_get(doc.json, "paths"), path, item) {
		const char *method;
		json_t *op;
		json_object_foreach (item, method, op) {
			if (!strcmp(method, "parameters"))
				continue;
			char p[600], m[16];
			snprintf(p, sizeof p, "%s", path);
			char *brace = strchr(p, '{');
			if (brace) {
				char rest[600];
				snprintf(rest, sizeof rest, "%s", strchr(brace, '}') + 1);
				snprintf(brace, sizeof p - (size_t)(brace - p), "%s%s",
				         strstr(path, "{digest}")
				                 ? "sha256:2222222222222222222222222222222222222222"
				                   "222222222222222222222222"
				                 : "no-such-thing",
				         rest);
			}
			size_t k;
			for (k = 0; method[k] && k < sizeof m - 1; k++)
				m[k] = (char)(method[k] - 32);
			m[k] = 0;
			struct resp r = call(m, p, !strcmp(m, "GET") ? NULL : "{}", NULL);
			cr_assert_neq(r.status, 405, "%s %s: %s", m, p, r.body.data);
			cr_assert(!(r.status == 404 && r.json &&
			            strstr(jstr(r.json, "message"), "no route")),
			          "%s %s is documented but not routed", m, p);
			cr_assert(r.status == 304 || r.json || !strcmp(p, "/metrics"),
			          "%s %s: not JSON: %s", m, p, r.body.data);
			resp_free(&r);
			routes++;
		}
	}
	cr_assert_geq(routes, 16, "%zu routes documented", routes);
	resp_free(&doc);
	stop_server();
}

/* The Clair v1 layer API: post a layer, read its features and vulnerabilities, delete it. */
Test(api, clair_v1_layers)
{
	load_debian_lists();
	char cfg[4400];
	snprintf(cfg, sizeof cfg, "serve:\n  layer_roots: [%s]\n", in_tmp("blobs"));
	start_server(cfg);
	char body[4400];
	snprintf(body, sizeof body,
	         "{\"Layer\": {\"Name\": \"wheezy-base\", \"Path\": "
	         "\"http://127.0.0.1:%d/blobs/wheezy\", \"Headers\": {\"Authorization\": "
	         "\"Basic eDp5\"}, \"Format\": \"Docker\"}}",
	         blob_port);
	struct resp r = call("POST", "/v1/layers", body, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	json_t *l = json_object_get(r.json, "Layer");
	cr_assert_str_eq(jstr(l, "Name"), "wheezy-base");
	cr_assert_str_eq(jstr(l, "NamespaceName"), "debian:7");
	resp_free(&r);
	/* a child layer: the same bytes from a local path under layer_roots */
	snprintf(body, sizeof body,
	         "{\"Layer\": {\"Name\": \"wheezy-child\", \"Path\": \"%s\", \"ParentName\": "
	         "\"wheezy-base\"}}",
	         in_tmp("blobs/wheezy"));
	r = call("POST", "/v1/layers", body, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	r = call("GET", "/v1/layers/wheezy-child?features&vulnerabilities", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	l = json_object_get(r.json, "Layer");
	cr_assert_str_eq(jstr(l, "ParentName"), "wheezy-base");
	json_t *features = json_object_get(l, "Features");
	cr_assert_eq(json_array_size(features), 80);
	bool bash = false;
	size_t i;
	json_t *f;
	json_array_foreach (features, i, f) {
		if (strcmp(jstr(f, "Name"), "bash") != 0)
			continue;
		cr_assert_str_eq(jstr(f, "VersionFormat"), "dpkg");
		size_t k;
		json_t *v;
		json_array_foreach (json_object_get(f, "Vulnerabilities"), k, v)
			bash |= !strcmp(jstr(v, "Name"), "CVE-2016-7543") &&
			        !strcmp(jstr(v, "FixedBy"), "4.2+dfsg-0.1+deb7u4");
	}
	cr_assert(bash, "%.1000s", r.body.data);
	resp_free(&r);
	r = call("GET", "/v1/layers/wheezy-child", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_null(json_object_get(json_object_get(r.json, "Layer"), "Features"));
	resp_free(&r);
	r = call("GET", "/v1/namespaces", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(
	        strstr(r.body.data, "{\"Name\":\"debian:7\",\"VersionFormat\":\"dpkg\"}"), "%s",
	        r.body.data);
	resp_free(&r);
	/* an ACI (Format "ACI"): the same Debian 7 files under rootfs/ */
	make_aci(data_path("images/debian-7-wheezy.layer.tar.gz"), "wheezy", "amd64",
	         in_tmp("blobs/wheezy.aci"));
	snprintf(body, sizeof body,
	         "{\"Layer\": {\"Name\": \"wheezy-aci\", \"Path\": \"%s\", \"Format\": "
	         "\"ACI\"}}",
	         in_tmp("blobs/wheezy.aci"));
	r = call("POST", "/v1/layers", body, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	r = call("GET", "/v1/layers/wheezy-aci?features", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	l = json_object_get(r.json, "Layer");
	cr_assert_str_eq(jstr(l, "NamespaceName"), "debian:7");
	cr_assert_eq(json_array_size(json_object_get(l, "Features")), 80);
	resp_free(&r);
	/* errors, in Clair v1's shape too */
	snprintf(body, sizeof body,
	         "{\"Layer\": {\"Name\": \"orphan\", \"Path\": \"%s\", \"ParentName\": \"nope\"}}",
	         in_tmp("blobs/wheezy"));
	r = call("POST", "/v1/layers", body, NULL);
	cr_assert_not_null(json_object_get(json_object_get(r.json, "Error"), "Message"));
	expect_error(&r, 400, "bad-request", "unknown parent layer 'nope'");
	r = call("POST", "/v1/layers", "{\"Layer\": {\"Name\": \"x\", \"Path\": \"/etc/passwd\"}}",
	         NULL);
	expect_error(&r, 400, "bad-request", "layer roots");
	r = call("POST", "/v1/layers", "{\"Layer\": {\"Name\": \"x\"}}", NULL);
	expect_error(&r, 400, "bad-request", "Layer.Path is missing");
	/* deleting the base deletes its child */
	r = call("DELETE", "/v1/layers/wheezy-base", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "Deleted")), 2);
	resp_free(&r);
	r = call("GET", "/v1/layers/wheezy-child", NULL, NULL);
	expect_error(&r, 404, "not-found", "wheezy-child");
	stop_server();
}

/*
 * Vulnerability reports are served from a cache, but never stale: loading a feed while the
 * server runs changes the next answer; deleting the report makes it 404.
 */
Test(api, report_cache_follows_the_data)
{
	start_server(NULL);
	char uri[256], path[300];
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	char *m = manifest_json(MANIFEST, layer_digest, uri);
	struct resp r = call("POST", "/indexer/api/v1/index_report", m, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	snprintf(path, sizeof path, "/matcher/api/v1/vulnerability_report/%s", MANIFEST);
	for (int i = 0; i < 2; i++) {
		r = call("GET", path, NULL, NULL);
		cr_assert_eq(r.status, 200);
		cr_assert_eq(json_object_size(json_object_get(r.json, "vulnerabilities")), 0,
		             "no feed is loaded yet");
		resp_free(&r);
	}
	r = call("GET", "/metrics", NULL, NULL);
	cr_assert_not_null(strstr(r.body.data, "lucid_report_cache_hits_total 1\n"), "%s",
	                   r.body.data);
	resp_free(&r);
	load_debian_lists(); /* a second process writes the database the server reads */
	r = call("GET", path, NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_assert_gt(json_object_size(json_object_get(r.json, "vulnerabilities")), 10,
	             "the cached answer outlived a feed update");
	resp_free(&r);
	char del[300];
	snprintf(del, sizeof del, "/indexer/api/v1/index_report/%s", MANIFEST);
	r = call("DELETE", del, NULL, NULL);
	cr_assert_eq(r.status, 204);
	resp_free(&r);
	r = call("GET", path, NULL, NULL);
	expect_error(&r, 404, "not-found", NULL);
	free(m);
	stop_server();
}

/*
 * Write the DLA list whole to TMP/dla-full and its older part to TMP/dla-feed (path in feed),
 * and load the older part: the feed the servers of the notification tests then watch.
 */
static void load_older_dla(char *feed, size_t n)
{
	char full[4200];
	snprintf(feed, n, "%s", in_tmp("dla-feed"));
	snprintf(full, sizeof full, "%s/dla-full", tmp);
	write_dla_versions(full, feed);
	char src[4300];
	snprintf(src, sizeof src, "debian=%s", feed);
	const char *upd[] = {lucid_path(), "--db", db, "update", "--feed", src, NULL};
	struct run_result rr = {0};
	run_cmd(upd, &rr);
	cr_assert_eq(rr.status, 0, "%s", rr.err);
	run_free(&rr);
}

/* The distinct vulnerability names of a report (JSON text of either shape), one per line. */
static char *vuln_names(const char *json)
{
	json_t *r = json_loads(json, 0, NULL);
	cr_assert_not_null(r, "%.300s", json);
	json_t *vs = json_object_get(r, "vulnerabilities");
	json_t *set = json_object();
	const char *k;
	json_t *v;
	size_t i;
	if (json_is_object(vs))
		json_object_foreach (vs, k, v)
			json_object_set_new(set, json_string_value(json_object_get(v, "name")),
			                    json_true());
	else /* a scan's findings carry "id", a notification's summaries "name" */
		json_array_foreach (vs, i, v) {
			json_t *name = json_object_get(v, "name");
			json_object_set_new(
			        set, json_string_value(name ? name : json_object_get(v, "id")),
			        json_true());
		}
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	const char **names = calloc(json_object_size(set) + 1, sizeof *names);
	size_t n = 0;
	json_object_foreach (set, k, v)
		names[n++] = k;
	for (size_t a = 0; a < n; a++) /* sorted */
		for (size_t c = a + 1; c < n; c++)
			if (strcmp(names[c], names[a]) < 0) {
				const char *t = names[a];
				names[a] = names[c];
				names[c] = t;
			}
	for (size_t a = 0; a < n; a++)
		buf_addf(&b, "%s\n", names[a]);
	free(names);
	json_decref(set);
	json_decref(r);
	return b.data;
}

/* Lines of after that are not in before (both sorted, newline-terminated). */
static char *added_lines(const char *before, const char *after)
{
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	for (const char *p = after; *p;) {
		const char *nl = strchr(p, '\n');
		char line[300];
		snprintf(line, sizeof line, "\n%.*s\n", (int)(nl - p), p);
		if (!strstr(before, line + 1) ||
		    (strstr(before, line + 1) != before && !strstr(before, line)))
			buf_addf(&b, "%.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
	return b.data;
}

static char *scan_names(const char *image)
{
	const char *argv[] = {lucid_path(), "--db", db, "scan", "--format", "json", image, NULL};
	struct run_result rr = {0};
	run_cmd(argv, &rr);
	cr_assert_eq(rr.status, 0, "%s", rr.err);
	char *names = vuln_names(rr.out);
	run_free(&rr);
	return names;
}

/*
 * The heart of Clair's promise: a feed update names the already-indexed images it affects,
 * without rescanning, and the notification reaches its receivers. An older slice of the real
 * DLA list (up to DLA-899) is loaded; the Debian 7 layer is indexed twice (through the API as
 * a manifest, and scanned as a file) and the Debian 11 image once; then the server's updater
 * finds the full list. The expected set is computed from the data: the manifests whose
 * findings grew (a full rescan, done here only as the oracle), with exactly the new names.
 * The webhook receiver is down for its first two posts.
 */
Test(api, notifications_without_rescanning)
{
	char feed[4200];
	load_older_dla(feed, sizeof feed);
	struct run_result rr = {0};
	run_free(&rr);
	char cfg[8000];
	snprintf(cfg, sizeof cfg,
	         "feeds:\n  debian: %s\nnotifier:\n  interval: 1\n  retry_base: 1\n  retry_max: 2\n"
	         "  sinks: [webhook, file]\nplugins:\n  webhook:\n    url: "
	         "http://127.0.0.1:%d/hook\n"
	         "  file_sink:\n    path: %s/notes.jsonl\n",
	         feed, blob_port, tmp);
	start_server(cfg);
	char uri[256];
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	char *m = manifest_json(MANIFEST, layer_digest, uri);
	struct resp r = call("POST", "/indexer/api/v1/index_report", m, NULL);
	cr_assert_eq(r.status, 201, "%s", r.body.data);
	resp_free(&r);
	char vpath[300];
	snprintf(vpath, sizeof vpath, "/matcher/api/v1/vulnerability_report/%s", MANIFEST);
	r = call("GET", vpath, NULL, NULL);
	char *before_api = vuln_names(r.body.data);
	resp_free(&r);
	char *before_file = scan_names(data_path("images/debian-7-wheezy.layer.tar.gz"));
	const char *bullseye = shared_path("images/debian-bullseye-base.oci.tar");
	char *before_bullseye = bullseye ? scan_names(bullseye) : NULL;

	/* upstream publishes the newer advisories */
	cr_assert_eq(sh("cp '%s/dla-full' '%s.new' && mv '%s.new' '%s'", tmp, feed, feed, feed), 0);
	char hook[4200];
	snprintf(hook, sizeof hook, "%s/hook.log", in_tmp("blobs"));
	bool got = false;
	for (int i = 0; i < 300 && !got; i++) {
		usleep(100 * 1000);
		got = sh("grep -q '^200 ' '%s' 2>/dev/null", hook) == 0;
	}
	cr_assert(got, "the webhook was never delivered: %s",
	          sh("cat '%s' >&2; cat '%s' >&2", hook, in_tmp("serve.log")) ? "" : "");
	/* twice refused (503), then delivered; every post names the same notification */
	cr_assert_eq(sh("test $(grep -c '^503 ' '%s') = 2 && test $(cut -d' ' -f2 '%s' | sort -u | "
	                "wc -l) = 1",
	                hook, hook),
	             0);
	size_t len;
	char *log = slurp(hook, &len);
	char id[64];
	cr_assert_eq(sscanf(strstr(log, "200 "), "200 %63s", id), 1);
	json_t *post = json_loads(strchr(strstr(log, "200 ") + 4, ' ') + 1, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(post, "notification_id")), id);
	cr_assert_not_null(strstr(json_string_value(json_object_get(post, "callback")), id));
	json_decref(post);
	free(log);
	/* the file sink has it too */
	cr_assert_eq(sh("grep -q '\"notification_id\":\"%s\"' '%s/notes.jsonl'", id, tmp), 0);

	/* the oracle: what a full rescan now finds that it did not before */
	r = call("GET", vpath, NULL, NULL);
	char *after_api = vuln_names(r.body.data);
	resp_free(&r);
	char *after_file = scan_names(data_path("images/debian-7-wheezy.layer.tar.gz"));
	char *new_api = added_lines(before_api, after_api);
	char *new_file = added_lines(before_file, after_file);
	cr_assert_neq(new_api[0], 0, "the slice was meant to leave wheezy findings out");
	if (bullseye) {
		char *after_bullseye = scan_names(bullseye);
		cr_assert_str_eq(after_bullseye, before_bullseye);
		free(after_bullseye);
	}
	/* the notification: exactly those manifests, with exactly those names */
	char npath[300];
	snprintf(npath, sizeof npath, "/notifier/api/v1/notification/%s", id);
	r = call("GET", npath, NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	json_t *entries = json_object_get(r.json, "notifications");
	cr_assert_eq(json_array_size(entries), 2, "%s", r.body.data);
	char file_digest[80];
	{
		char *fd_ = NULL;
		cr_assert_eq(sh("sha256sum '%s' | cut -c1-64 > '%s/fsum'",
		                data_path("images/debian-7-wheezy.layer.tar.gz"), tmp),
		             0);
		fd_ = slurp(in_tmp("fsum"), &len);
		snprintf(file_digest, sizeof file_digest, "sha256:%.64s", fd_);
		free(fd_);
	}
	size_t i;
	json_t *e;
	json_array_foreach (entries, i, e) {
		const char *man = json_string_value(json_object_get(e, "manifest"));
		cr_assert_str_eq(json_string_value(json_object_get(e, "reason")), "added");
		bool is_api = !strcmp(man, MANIFEST), is_file = !strcmp(man, file_digest);
		cr_assert(is_api || is_file, "unexpected manifest %s", man);
		char *txt = json_dumps(e, 0);
		char *names = vuln_names(txt);
		free(txt);
		cr_assert_str_eq(names, is_api ? new_api : new_file);
		free(names);
		/* the most severe first: its name is one of them */
		const char *worst = json_string_value(
		        json_object_get(json_object_get(e, "vulnerability"), "name"));
		char w[300];
		snprintf(w, sizeof w, "%s\n", worst);
		cr_assert_not_null(strstr(new_api, w));
	}
	resp_free(&r);
	/* paging */
	snprintf(npath, sizeof npath, "/notifier/api/v1/notification/%s?page_size=1", id);
	r = call("GET", npath, NULL, NULL);
	cr_assert_eq(json_array_size(json_object_get(r.json, "notifications")), 1);
	const char *next =
	        json_string_value(json_object_get(json_object_get(r.json, "page"), "next"));
	cr_assert_not_null(next);
	char p2[400];
	snprintf(p2, sizeof p2, "/notifier/api/v1/notification/%s?page_size=1&next=%s", id, next);
	resp_free(&r);
	r = call("GET", p2, NULL, NULL);
	cr_assert_eq(json_array_size(json_object_get(r.json, "notifications")), 1);
	cr_assert_null(json_object_get(json_object_get(r.json, "page"), "next"));
	resp_free(&r);
	/* the update operations behind it */
	r = call("GET", "/matcher/api/v1/internal/update_operation?latest=true", NULL, NULL);
	cr_assert_eq(r.status, 200);
	char fid[4300];
	snprintf(fid, sizeof fid, "debian:%s", feed);
	json_t *ops = json_object_get(r.json, fid);
	cr_assert_eq(json_array_size(ops), 1, "%s", r.body.data);
	const char *ref = json_string_value(json_object_get(json_array_get(ops, 0), "ref"));
	char dpath[300];
	snprintf(dpath, sizeof dpath, "/matcher/api/v1/internal/update_diff?cur=%s", ref);
	resp_free(&r);
	r = call("GET", dpath, NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body.data);
	cr_assert_gt(json_array_size(json_object_get(r.json, "added")), 1000);
	cr_assert_eq(json_array_size(json_object_get(r.json, "removed")), 0);
	resp_free(&r);
	/* acknowledged: gone */
	snprintf(npath, sizeof npath, "/notifier/api/v1/notification/%s", id);
	r = call("DELETE", npath, NULL, NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	r = call("GET", npath, NULL, NULL);
	expect_error(&r, 404, "not-found", NULL);
	free(before_api);
	free(after_api);
	free(before_file);
	free(after_file);
	free(before_bullseye);
	free(new_api);
	free(new_file);
	free(m);
	stop_server();
}

/* A sink that hangs holds up neither the other sinks nor the API. */
Test(api, a_hanging_sink_blocks_nothing_else)
{
	char feed[4200];
	load_older_dla(feed, sizeof feed);
	struct run_result rr = {0};
	const char *scan[] = {
	        lucid_path(), "--db", db, "scan", data_path("images/debian-7-wheezy.layer.tar.gz"),
	        NULL};
	run_cmd(scan, &rr);
	cr_assert_eq(rr.status, 0, "%s", rr.err);
	run_free(&rr);
	char cfg[8000];
	snprintf(cfg, sizeof cfg,
	         "feeds:\n  debian: %s\nnotifier:\n  interval: 1\n  sinks: [webhook, file]\n"
	         "plugins:\n  webhook:\n    url: http://127.0.0.1:%d/hanghook\n    timeout: 50\n"
	         "  file_sink:\n    path: %s/notes.jsonl\n",
	         feed, blob_port, tmp);
	start_server(cfg);
	cr_assert_eq(sh("cp '%s/dla-full' '%s.new' && mv '%s.new' '%s'", tmp, feed, feed, feed), 0);
	bool got = false;
	for (int i = 0; i < 100 && !got; i++) {
		usleep(100 * 1000);
		got = sh("test -s '%s/notes.jsonl'", tmp) == 0;
	}
	cr_assert(got, "the file sink waited for the hanging webhook");
	/* the webhook is still hanging (60 s, well past this point); the API answers */
	struct resp r = call("GET", "/indexer/api/v1/index_state", NULL, NULL);
	cr_assert_eq(r.status, 200);
	resp_free(&r);
	cr_assert_eq(sh("test $(wc -l < '%s/notes.jsonl') = 1", tmp), 0);
	/* (a graceful stop would wait for the hung POST's timeout: end it here) */
	if (server_pid > 0)
		kill(server_pid, SIGKILL);
	server_pid = 0;
}
