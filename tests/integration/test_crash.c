/*
 * kill -9 at the worst moments: in the middle of a feed update's write, and while a
 * notification is being delivered. The database must open afterwards with either the old or
 * the new feed data (never a mix), and every notification must reach an idempotent receiver
 * (one that keeps the first copy of each id).
 */
#include <criterion/criterion.h>
#include <jansson.h>
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
	char src[4300];
	snprintf(src, sizeof src, "debian=%s", data_path("feeds/debian/DSA-list.gz"));
	const char *upd[] = {lucid_path(), "--db", db, "update", "--feed", src, NULL};
	struct run_result r = {0};
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
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
