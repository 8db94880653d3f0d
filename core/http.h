/* The host's HTTP service (libcurl) and local-file loader behind lucid_host::http. */
#ifndef CORE_HTTP_H
#define CORE_HTTP_H

#include <lucid/host.h>

#include "util.h"

/* Default cap of a response body. */
#define HTTP_DEFAULT_MAX_BYTES  (8ull * 1024 * 1024 * 1024)
#define HTTP_DEFAULT_TIMEOUT_MS (300u * 1000)

int http_request(const struct lucid_http_request *req, struct lucid_http_response *resp,
                 struct err *e);
void http_release(struct lucid_http_response *resp);
/* Why reading the body failed (corrupt compression), or NULL. */
const char *http_body_error(const struct lucid_http_response *resp);

#endif
