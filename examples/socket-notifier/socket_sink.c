/*
 * A notifier sink ("unix-socket") that sends each notification's announcement, one JSON
 * line, to a Unix stream socket (plugins.socket_sink.path) — e.g. a local agent that forwards
 * to a chat system — or, with path "syslog", to syslog(3) at LOG_NOTICE.
 * A socket nobody listens on is a transient failure: LUCID_ERETRY makes the host back off and
 * try again; delivery is at-least-once, so the receiver must be idempotent on the id.
 */
#include <errno.h>
#include <lucid/lucid-sdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int sock_deliver(void *self, const struct lucid_ctx *ctx, const char *id, const char *json,
                        size_t len)
{
	(void)self;
	const char *path = ctx->host->config(ctx, "path");
	if (!path || !*path) {
		lucid_set_error(ctx, "plugins.socket_sink.path is not set");
		return -EINVAL;
	}
	if (!strcmp(path, "syslog")) {
		syslog(LOG_NOTICE, "lucid notification %s: %.*s", id, (int)len, json);
		return 0;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		lucid_set_error(ctx, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		lucid_set_error(ctx, "socket: %s", strerror(errno));
		return LUCID_ERETRY;
	}
	int rc = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		lucid_set_error(ctx, "%s: %s", path, strerror(errno));
		rc = LUCID_ERETRY;
	} else if (send_all(fd, json, len) != 0 || send_all(fd, "\n", 1) != 0) {
		lucid_set_error(ctx, "%s: %s", path, strerror(errno));
		rc = LUCID_ERETRY;
	}
	close(fd);
	return rc;
}

static const struct lucid_notifier_ops ops = {
        .size = sizeof(struct lucid_notifier_ops),
        .deliver = sock_deliver,
};
static const struct lucid_component sink = {.size = sizeof(struct lucid_component),
                                            .kind = LUCID_KIND_NOTIFIER,
                                            .name = "unix-socket",
                                            .version = "1",
                                            .ops = &ops};
static const struct lucid_component *const components[] = {&sink, NULL};
static const struct lucid_config_key keys[] = {
        {"path", "the Unix stream socket to write to, or \"syslog\""}, {NULL, NULL}};

LUCID_PLUGIN_DEFINE(socket_sink, .version = "1.0.0",
                    .description = "example: notifications to a Unix socket or syslog",
                    .license = "Apache-2.0", .components = components, .config_keys = keys)
