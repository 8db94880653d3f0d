/*
 * The amqp notifier sink against a real RabbitMQ broker on loopback (started by
 * tests/integration/rabbitmq-up): a notification about the real DLA list is published,
 * persistent and confirmed, to a durable queue, and read back with amqp-get.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

static char *tmp;
static char db[4200];
static int port;

static void setup(void)
{
	tmp = make_tmpdir();
	snprintf(db, sizeof db, "%s/db", tmp);
}

static void teardown(void)
{
	if (port)
		sh("pkill -9 -f 'lucidtest%d@localhost' 2>/dev/null", port);
	sh("rm -rf '%s'", tmp);
	free(tmp);
}

TestSuite(amqp, .init = setup, .fini = teardown, .timeout = 600);

Test(amqp, notifications_published_to_rabbitmq)
{
	if (sh("command -v amqp-get >/dev/null && test -x /usr/lib/rabbitmq/bin/rabbitmq-server") !=
	    0)
		cr_skip_test(
		        "needs rabbitmq-server and amqp-tools (tools/install-deps installs them)");
	int rc = sh("'%s' '%s/broker'", data_path("../integration/rabbitmq-up"), tmp);
	if (rc == 77 * 256 || rc == 77)
		cr_skip_test("rabbitmq-server is not installed");
	cr_assert_eq(rc, 0, "the broker did not start (see %s/broker/broker.log)", tmp);
	port = read_port(tmp, "broker/amqp.port");
	char feed[4200];
	snprintf(feed, sizeof feed, "%s/dla-feed", tmp);
	{
		char full[4200];
		snprintf(full, sizeof full, "%s/full", tmp);
		write_dla_versions(full, feed);
	}
	char cfg[4200];
	snprintf(cfg, sizeof cfg, "%s/amqp.yaml", tmp);
	FILE *f = fopen(cfg, "w");
	fprintf(f,
	        "notifier:\n  sinks: [amqp]\n  callback: http://lucid.example/notifier/api/v1/"
	        "notification/\nplugins:\n  amqp:\n    url: amqp://guest:guest@127.0.0.1:%d\n"
	        "    queue: lucid-notifications\n",
	        port);
	fclose(f);
	char src[4300];
	snprintf(src, sizeof src, "debian=%s", feed);
	const char *upd[] = {lucid_path(), "--db",   db,  "--config", cfg,
	                     "update",     "--feed", src, NULL};
	const char *scan[] = {
	        lucid_path(), "--db", db, "scan", data_path("images/debian-7-wheezy.layer.tar.gz"),
	        NULL};
	struct run_result r = {0};
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	run_cmd(scan, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(sh("cp '%s/full' '%s'", tmp, feed), 0);
	const char *updv[] = {lucid_path(), "--db",   db,       "--config", cfg,
	                      "-v",         "update", "--feed", src,        NULL};
	run_cmd(updv, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "delivered through amqp"), "%s", r.err);
	const char *n = strstr(r.err, "lucid: notification ");
	cr_assert_not_null(n, "%s", r.err);
	char id[64];
	cr_assert_eq(sscanf(n, "lucid: notification %63[0-9a-f]", id), 1);
	/* read it back from the durable queue */
	char out[4200];
	snprintf(out, sizeof out, "%s/msg", tmp);
	cr_assert_eq(sh("amqp-get --url=amqp://guest:guest@127.0.0.1:%d -q lucid-notifications > "
	                "'%s'",
	                port, out),
	             0, "no message in the queue");
	size_t len;
	char *msg = slurp(out, &len);
	json_t *j = json_loads(msg, 0, NULL);
	cr_assert_not_null(j, "%s", msg);
	cr_assert_str_eq(json_string_value(json_object_get(j, "notification_id")), id);
	char want[300];
	snprintf(want, sizeof want, "http://lucid.example/notifier/api/v1/notification/%s", id);
	cr_assert_str_eq(json_string_value(json_object_get(j, "callback")), want);
	json_decref(j);
	free(msg);
	/* delivered once: the queue is empty now, and another round sends nothing */
	run_cmd(upd, &r);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_neq(sh("amqp-get --url=amqp://guest:guest@127.0.0.1:%d -q lucid-notifications "
	                 ">/dev/null 2>&1",
	                 port),
	              0, "a second message was published");
	run_free(&r);
}
