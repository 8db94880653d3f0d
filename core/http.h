/* The host's HTTP service (libcurl) and local-file loader behind lucid_host::http. */
#ifndef CORE_HTTP_H
#define CORE_HTTP_H

#include <lucid/host.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* Default cap of a response body. */
#define HTTP_DEFAULT_MAX_BYTES  (8ull * 1024 * 1024 * 1024)
#define HTTP_DEFAULT_TIMEOUT_MS (300u * 1000)

int http_request(const struct lucid_http_request *req, struct lucid_http_response *resp,
                 struct err *e);
void http_release(struct lucid_http_response *resp);
/* Why reading the body failed (corrupt compression), or NULL. */
const char *http_body_error(const struct lucid_http_response *resp);

/*
 * A raw GET for the core's own clients (layer blobs, registries): request headers given as
 * "Name: value" lines; the body is spooled, undecoded, to an unlinked temporary file whose fd
 * is returned positioned at 0. Any HTTP status is a success here (the caller decides); network
 * errors, timeouts and bodies over max_bytes are errors. Redirects are followed (5 at most;
 * request headers are not sent to another host).
 */
struct http_fetch {
	const char *url;
	const char *const *headers; /* "Name: value" */
	size_t nheaders;
	uint64_t max_bytes;  /* 0: HTTP_DEFAULT_MAX_BYTES */
	uint32_t timeout_ms; /* 0: HTTP_DEFAULT_TIMEOUT_MS */
	bool head;           /* HEAD instead of GET */
	/* results (owned; http_fetch_free) */
	long status;
	int fd; /* -1 when none */
	uint64_t size;
	char *content_type, *www_authenticate, *docker_digest, *location;
};
int http_fetch(struct http_fetch *f, struct err *e);
void http_fetch_free(struct http_fetch *f);

#endif
