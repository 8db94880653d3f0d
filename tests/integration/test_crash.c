/*
 * kill -9 at the worst moments: in the middle of a feed update's write, while images are
 * indexed, while `lucid serve` answers a loopback load, and while a notification is being
 * delivered. The database must open afterwards with either the old or
 * the new feed data (never a mix), and every notification must reach an idempotent receiver
 * (one that keeps the first copy of each id).
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
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

static void setup(void)
{
	tmp = make_tmpdir();
	snprintf(db, sizeof db, "%s/db", tmp);
	/* lucid's private temp dirs inside this one: what a kill -9 leaves is removed with it */
	cr_assert_eq(setenv("TMPDIR", tmp, 1), 0);
}

static void teardown(void)
{
	sh("pkill -9 -f 'layer_server.py %s' 2>/dev/null", tmp);
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

TestSuite(crash, .init = setup, .fini = teardown, .timeout = 600);

/* Findings of the Debian 7 layer under the current data, as one string. */
static char *findings(void)
{
	const char *argv[] = {lucid_path(),
	                      "--db",
	                      db,
	                      "scan",
	                      "--format",
	                      "json",
	                      data_path("images/debian-7-wheezy.layer.tar.gz"),
	                      NULL};
	struct run_result r = {0};
	run_cmd(argv, &r);
	cr_assert_eq(r.status, 0, "the database did not survive: %s", r.err);
	json_t *rep = json_loads(r.out, 0, NULL);
	struct buf b = {0};
	buf_add(&b, NULL, 0);
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(rep, "vulnerabilities"), i, v)
		buf_addf(&b, "%s %s\n", json_string_value(json_object_get(v, "package")),
		         json_string_value(json_object_get(v, "id")));
	json_decref(rep);
	run_free(&r);
	return b.data;
}

/* Load the bundled Debian list tests/data/<fixture> into the database (test fails if not). */
static void load_debian_feed(const char *fixture)
{
	char src[4300];
	snprintf(src, sizeof src, "debian=%s", data_path(fixture));
	const char *upd[] = {lucid_path(), "--db", db, "update", "--feed", src, NULL};
	struct run_result r = {0};
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_free(&r);
}

static pid_t spawn(const char *const *argv, const char *log)
{
	pid_t pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		if (log && !freopen(log, "w", stderr))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/*
 * The feed alternates between two real versions (the DLA list up to DLA-899, and whole);
 * each `lucid update` is killed after a random delay, often inside its write transaction.
 * Whatever the moment, a scan afterwards sees exactly one of the two versions' findings.
 */
Test(crash, kill_during_feed_updates)
{
	char feed[4200];
	snprintf(feed, sizeof feed, "%s/dla-feed", tmp);
	{
		char full[4200], older[4200];
		snprintf(full, sizeof full, "%s/full", tmp);
		snprintf(older, sizeof older, "%s/old", tmp);
		write_dla_versions(full, older);
	}
	char src[4300];
	snprintf(src, sizeof src, "debian=%s", feed);
	const char *upd[] = {lucid_path(), "--db", db, "update", "--feed", src, NULL};
	/* the two answers a scan may give */
	cr_assert_eq(sh("cp '%s/old' '%s'", tmp, feed), 0);
	struct run_result r = {0};
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *with_old = findings();
	cr_assert_eq(sh("cp '%s/full' '%s'", tmp, feed), 0);
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *with_full = findings();
	cr_assert_str_neq(with_old, with_full);
	/* time one whole update, to kill within it */
	struct timespec t0, t1;
	cr_assert_eq(sh("cp '%s/old' '%s'", tmp, feed), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_cmd(upd, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long span_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	srand(12345);
	int killed = 0;
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(sh("cp '%s/%s' '%s'", tmp, i % 2 ? "old" : "full", feed), 0);
		pid_t pid = spawn(upd, "/dev/null");
		usleep((useconds_t)(rand() % (span_us + 1)));
		killed += kill(pid, SIGKILL) == 0;
		int st;
		waitpid(pid, &st, 0);
		char *now = findings();
		cr_assert(!strcmp(now, with_old) || !strcmp(now, with_full),
		          "after kill %d the data is neither version:\n%s", i, now);
		free(now);
	}
	cr_assert_gt(killed, 0);
	/* and the next update completes normally */
	cr_assert_eq(sh("cp '%s/full' '%s'", tmp, feed), 0);
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *end = findings();
	cr_assert_str_eq(end, with_full);
	free(end);
	free(with_old);
	free(with_full);
	run_free(&r);
}

/*
 * kill -9 while images are indexed (the layer cache and the report are being written), 50
 * times at random moments: the database always opens, and the next scan of each image gives
 * the same report as an undisturbed one.
 */
Test(crash, kill_during_indexing)
{
	load_debian_feed("feeds/debian/DSA-list.gz");
	struct run_result r = {0};
	char *want = findings();
	const char *big = shared_path("images/debian-bookworm-layered.docker.tar.gz");
	/* (data_path and shared_path share rotating buffers: keep a copy) */
	char *image = xstrdup(big ? big : data_path("images/debian-7-wheezy.layer.tar.gz"));
	const char *scan[] = {lucid_path(), "--db", db, "scan", "--no-cache", image, NULL};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_cmd(scan, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(r.status, 0, "%s", r.err);
	char *clean = xstrdup(r.out);
	long span_us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	srand(4242);
	for (int i = 0; i < 50; i++) {
		pid_t pid = spawn(scan, "/dev/null");
		usleep((useconds_t)(rand() % (span_us + 1)));
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		char *now = findings();
		cr_assert_str_eq(now, want, "after kill %d the wheezy findings changed", i);
		free(now);
	}
	run_cmd(scan, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, clean);
	free(clean);
	free(want);
	free(image);
	run_free(&r);
}

static int start_blob_server(void)
{
	char script[4200], portfile[4200], dir[4200];
	snprintf(script, sizeof script, "%s", data_path("../integration/layer_server.py"));
	snprintf(dir, sizeof dir, "%s/www", tmp);
	snprintf(portfile, sizeof portfile, "%s/www.port", tmp);
	cr_assert_eq(sh("mkdir -p '%s'", dir), 0);
	pid_t pid = fork();
	if (pid == 0) {
		execlp("python3", "python3", script, dir, portfile, "0", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		if (access(portfile, R_OK) == 0)
			return read_port(tmp, "www.port");
		usleep(50 * 1000);
	}
	cr_assert_fail("the blob server did not start");
	return 0;
}

static void wait_for(const char *what, const char *fmt, const char *arg)
{
	for (int i = 0; i < 300; i++) {
		if (sh(fmt, arg) == 0)
			return;
		usleep(100 * 1000);
	}
	cr_assert_fail("timed out waiting for %s", what);
}

/*
 * A notification is pending for a webhook whose receiver answers 2 s late; the server is
 * killed while the receiver holds the request. After a restart the delivery is made again:
 * the receiver, keeping the first copy of each id, has it exactly once, and the server marks
 * it delivered (no further posts).
 */
Test(crash, kill_during_delivery)
{
	int port = start_blob_server();
	char feed[4200];
	snprintf(feed, sizeof feed, "%s/dla-feed", tmp);
	{
		char full[4200];
		snprintf(full, sizeof full, "%s/full", tmp);
		write_dla_versions(full, feed);
	}
	char cfg[4400];
	snprintf(cfg, sizeof cfg, "%s/serve.yaml", tmp);
	FILE *f = fopen(cfg, "w");
	fprintf(f,
	        "notifier:\n  sinks: [webhook]\n  retry_base: 1\n  retry_max: 1\nplugins:\n"
	        "  webhook:\n    url: http://127.0.0.1:%d/slowhook\n    timeout: 30\n",
	        port);
	fclose(f);
	char src[4300];
	snprintf(src, sizeof src, "debian=%s", feed);
	struct run_result r = {0};
	const char *upd[] = {lucid_path(), "--db",   db,  "--config", cfg,
	                     "update",     "--feed", src, NULL};
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	const char *scan[] = {
	        lucid_path(), "--db", db, "scan", data_path("images/debian-7-wheezy.layer.tar.gz"),
	        NULL};
	run_cmd(scan, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* the newer advisories arrive; lucid update stores the notification, then delivers it:
	 * killed while the receiver holds the request */
	cr_assert_eq(sh("cp '%s/full' '%s'", tmp, feed), 0);
	char hook[4200];
	snprintf(hook, sizeof hook, "%s/www/hook.log", tmp);
	pid_t pid = spawn(upd, "/dev/null");
	wait_for("the first delivery attempt", "grep -q '^received ' '%s' 2>/dev/null", hook);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFSIGNALED(st), "lucid update was done before it could be killed");
	/* restart: the server's delivery loop finds the pending delivery and makes it again */
	char log[4200];
	snprintf(log, sizeof log, "%s/serve.log", tmp);
	const char *serve[] = {lucid_path(), "--db",        db,  "--config", cfg, "serve",
	                       "--listen",   "127.0.0.1:0", NULL};
	pid = spawn(serve, log);
	wait_for("the second delivery", "test $(grep -c '^received ' '%s') -ge 2", hook);
	wait_for("its answer", "test $(grep -c '^200 ' '%s') -ge 2", hook);
	sleep(3); /* the server recorded it: no third post */
	cr_assert_eq(sh("test $(grep -c '^received ' '%s') = 2", hook), 0);
	/* the idempotent receiver: one notification, whatever the number of posts */
	cr_assert_eq(sh("test $(grep '^received ' '%s' | sort -u | wc -l) = 1", hook), 0,
	             "different notifications were posted");
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* the feed data is whole: the newest version's findings */
	char *now = findings();
	cr_assert_not_null(strstr(now, "DLA-1371-1"), "%s", now);
	free(now);
	run_free(&r);
}

static size_t buf_write_cb(char *p, size_t sz, size_t n, void *u)
{
	buf_add(u, p, sz * n);
	return sz * n;
}

/* One request to the server on port; the HTTP status, or -1 when it did not answer. */
static long http_call(int port, const char *method, const char *path, const char *body,
                      struct buf *out)
{
	CURL *c = curl_easy_init();
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	struct curl_slist *h = curl_slist_append(NULL, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	FILE *sink = out ? NULL : fopen("/dev/null", "w");
	if (out) {
		buf_add(out, NULL, 0);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write_cb);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	} else {
		curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	}
	long status = -1;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (sink)
		fclose(sink);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* Start `lucid serve` on a free loopback port; its port. */
static int start_serve(pid_t *pid)
{
	char log[4200], text[8192];
	snprintf(log, sizeof log, "%s/serve.log", tmp);
	unlink(log);
	const char *serve[] = {lucid_path(), "--db", db, "serve", "--listen", "127.0.0.1:0", NULL};
	*pid = spawn(serve, log);
	for (int i = 0; i < 300; i++) {
		FILE *f = fopen(log, "r");
		size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
		if (f)
			fclose(f);
		text[n] = 0;
		const char *at = strstr(text, "listening on");
		if (at && strchr(at, '\n'))
			return atoi(strrchr(at, ':') + 1);
		usleep(20 * 1000);
	}
	cr_assert_fail("lucid serve did not start: %s", text);
	return 0;
}

#define MAX_ACCEPTED 4096

/* A client indexing manifest after manifest (the same real layer, new manifest digests). */
struct indexing_client {
	int port;
	const char *layer_uri, *layer_digest;
	unsigned serial;                 /* the next manifest's number, across restarts */
	unsigned accepted[MAX_ACCEPTED]; /* the numbers answered 201 */
	size_t naccepted;
};

static void manifest_digest(unsigned n, char out[80])
{
	snprintf(out, 80, "sha256:%064x", n);
}

static void *index_until_killed(void *u)
{
	struct indexing_client *ic = u;
	while (ic->naccepted < MAX_ACCEPTED) {
		char digest[80], body[1024];
		manifest_digest(ic->serial, digest);
		snprintf(body, sizeof body,
		         "{\"hash\":\"%s\",\"layers\":[{\"hash\":\"%s\",\"uri\":\"%s\"}]}", digest,
		         ic->layer_digest, ic->layer_uri);
		long st = http_call(ic->port, "POST", "/indexer/api/v1/index_report", body, NULL);
		if (st < 0)
			return NULL; /* the server is gone */
		cr_assert(st == 201 || st == 429, "index answered %ld", st);
		if (st == 201)
			ic->accepted[ic->naccepted++] = ic->serial;
		ic->serial++;
	}
	return NULL;
}

/*
 * lucid serve under a loopback load (wrk reading vulnerability reports on 8 connections)
 * while a client indexes new manifests, killed with SIGKILL at a random moment, 50 times:
 * every restart opens the database, and every manifest ever answered 201 still has its
 * index report and the findings of an undisturbed scan.
 */
Test(crash, kill_serve_under_load)
{
	if (sh("command -v wrk >/dev/null") != 0)
		cr_skip_test("wrk is not installed (tools/install-deps installs it)");
	int blob_port = start_blob_server();
	cr_assert_eq(sh("cp '%s' '%s/www/wheezy'", data_path("images/debian-7-wheezy.layer.tar.gz"),
	                tmp),
	             0);
	char layer_digest[72], uri[256], blob[4400];
	snprintf(blob, sizeof blob, "%s/www/wheezy", tmp);
	sha256_of_file(blob, layer_digest);
	snprintf(uri, sizeof uri, "http://127.0.0.1:%d/blobs/wheezy", blob_port);
	load_debian_feed("feeds/debian/DLA-list.gz");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct indexing_client *ic = calloc(1, sizeof *ic);
	ic->layer_uri = uri;
	ic->layer_digest = layer_digest;
	/* the first manifest, undisturbed: its report is what every later one must give */
	pid_t server;
	ic->port = start_serve(&server);
	char first[80], path[256];
	manifest_digest(0, first);
	struct buf want = {0};
	char body[1024];
	snprintf(body, sizeof body,
	         "{\"hash\":\"%s\",\"layers\":[{\"hash\":\"%s\",\"uri\":\"%s\"}]}", first,
	         layer_digest, uri);
	cr_assert_eq(http_call(ic->port, "POST", "/indexer/api/v1/index_report", body, NULL), 201);
	ic->serial = 1;
	snprintf(path, sizeof path, "/matcher/api/v1/vulnerability_report/%s", first);
	cr_assert_eq(http_call(ic->port, "GET", path, NULL, &want), 200);
	cr_assert_not_null(strstr(want.data, "CVE-2016-7543"), "%.300s", want.data);
	srand(9090);
	for (int round = 0; round < 50; round++) {
		if (round > 0)
			ic->port = start_serve(&server);
		char target[512];
		snprintf(target, sizeof target, "http://127.0.0.1:%d%s", ic->port, path);
		pid_t wrk = fork();
		cr_assert_neq(wrk, -1);
		if (wrk == 0) {
			if (!freopen("/dev/null", "w", stdout) ||
			    !freopen("/dev/null", "w", stderr))
				_exit(126);
			execlp("wrk", "wrk", "-t2", "-c8", "-d60s", target, (char *)NULL);
			_exit(127);
		}
		pthread_t t;
		pthread_create(&t, NULL, index_until_killed, ic);
		usleep((useconds_t)(100000 + rand() % 500000));
		kill(server, SIGKILL);
		int st;
		waitpid(server, &st, 0);
		cr_assert(WIFSIGNALED(st), "round %d: lucid serve ended by itself (%d)", round, st);
		pthread_join(t, NULL);
		kill(wrk, SIGKILL);
		waitpid(wrk, &st, 0);
	}
	cr_assert_gt(ic->naccepted, 50, "only %zu manifests were indexed under load",
	             ic->naccepted);
	fprintf(stderr, "crash: %zu manifests indexed under load across 50 kills\n", ic->naccepted);
	/* after the last kill: every manifest ever accepted is there, with the same findings */
	ic->port = start_serve(&server);
	for (size_t i = 0; i < ic->naccepted; i++) {
		char digest[80];
		manifest_digest(ic->accepted[i], digest);
		snprintf(path, sizeof path, "/matcher/api/v1/vulnerability_report/%s", digest);
		struct buf got = {0};
		long status = http_call(ic->port, "GET", path, NULL, &got);
		cr_assert_eq(status, 200, "manifest %u, accepted before a kill, is lost (%ld)",
		             ic->accepted[i], status);
		/* the reports differ only in the manifest digest they name */
		json_t *a = json_loads(want.data, 0, NULL), *b = json_loads(got.data, 0, NULL);
		cr_assert(a && b);
		json_object_del(a, "manifest_hash");
		json_object_del(b, "manifest_hash");
		cr_assert(json_equal(a, b), "manifest %u's report changed", ic->accepted[i]);
		json_decref(a);
		json_decref(b);
		buf_free(&got);
	}
	kill(server, SIGTERM);
	int st;
	waitpid(server, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	buf_free(&want);
	free(ic);
	curl_global_cleanup();
}
