/*
 * Unit test of the socket sink with lucid's testkit: a listening socket receives exactly the
 * line delivered; with nobody listening the delivery is a transient failure (LUCID_ERETRY).
 */
#include <lucid/testkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *so = argc > 1 ? argv[1] : "./lucid-socket_sink.so";
	struct lucid_testkit *tk = lucid_testkit_new();
	const struct lucid_plugin *p;
	void *self;
	if (lucid_testkit_load(tk, so, &p, &self) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", so, lucid_testkit_error(tk));
		return 1;
	}
	const struct lucid_notifier_ops *n = lucid_testkit_component(p, LUCID_KIND_NOTIFIER, NULL);
	char path[] = "/tmp/lucid-sock-test-XXXXXX";
	int tmp = mkstemp(path);
	close(tmp);
	unlink(path);
	lucid_testkit_set(tk, "path", path);
	const char msg[] = "{\"notification_id\":\"n1\",\"callback\":\"http://x/n1\"}";
	int fails = 0;
	if (n->deliver(self, lucid_testkit_ctx(tk), "n1", msg, sizeof msg - 1) != LUCID_ERETRY) {
		fprintf(stderr, "FAIL: delivery without a listener was not a transient failure\n");
		fails++;
	}
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (bind(srv, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(srv, 1) != 0) {
		perror("bind");
		return 1;
	}
	int rc = n->deliver(self, lucid_testkit_ctx(tk), "n1", msg, sizeof msg - 1);
	char got[256] = "";
	int c = accept(srv, NULL, NULL);
	ssize_t r = c >= 0 ? read(c, got, sizeof got - 1) : -1;
	if (rc != 0 || r != (ssize_t)sizeof msg || strncmp(got, msg, sizeof msg - 1) != 0 ||
	    got[sizeof msg - 1] != '\n') {
		fprintf(stderr, "FAIL: rc %d, received %zd bytes: %s\n", rc, r, got);
		fails++;
	}
	close(c);
	close(srv);
	unlink(path);
	lucid_testkit_unload(p, self);
	lucid_testkit_free(tk);
	printf("%s\n", fails ? "socket-notifier: FAILED" : "socket-notifier: ok");
	return fails != 0;
}
