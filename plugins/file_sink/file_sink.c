/*
 * Notifier sink "file": append each notification's announcement as one JSON line to a file
 * (plugins.file_sink.path; "-" is standard output), for scripts. A line is written with one
 * write(2) on an O_APPEND descriptor, so concurrent writers never interleave within a line.
 */
#include <errno.h>
#include <fcntl.h>
#include <lucid/lucid-sdk.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int file_deliver(void *self, const struct lucid_ctx *ctx, const char *id, const char *json,
                        size_t len)
{
	(void)self;
	(void)id;
	const char *path = ctx->host->config(ctx, "path");
	if (!path || !*path) {
		lucid_set_error(ctx, "plugins.file_sink.path is not set");
		return -EINVAL;
	}
	int fd = strcmp(path, "-") == 0
	                 ? 1
	                 : open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		lucid_set_error(ctx, "%s: %s", path, strerror(errno));
		return LUCID_ERETRY;
	}
	char *line = malloc(len + 1);
	int rc = 0;
	if (!line) {
		rc = -ENOMEM;
	} else {
		memcpy(line, json, len);
		line[len] = '\n';
		ssize_t w = write(fd, line, len + 1);
		if (w != (ssize_t)(len + 1)) {
			lucid_set_error(ctx, "%s: %s", path,
			                w < 0 ? strerror(errno) : "short write");
			rc = LUCID_ERETRY;
		}
		free(line);
	}
	if (fd != 1)
		close(fd);
	return rc;
}

static const struct lucid_notifier_ops file_ops = {
        .size = sizeof(struct lucid_notifier_ops),
        .deliver = file_deliver,
};

static const struct lucid_component file_sink = {
        .size = sizeof(struct lucid_component),
        .kind = LUCID_KIND_NOTIFIER,
        .name = "file",
        .version = "1",
        .ops = &file_ops,
};

static const struct lucid_component *const file_components[] = {&file_sink, NULL};

static const struct lucid_config_key file_sink_config_keys[] = {
        {"path", "the JSON-lines file notifications are appended to"},
        {NULL, NULL},
};

LUCID_PLUGIN_DEFINE(file_sink, .version = "1.0.0",
                    .description = "notifier sink: JSON lines to a file or standard output",
                    .license = "Apache-2.0", .components = file_components,
                    .config_keys = file_sink_config_keys)