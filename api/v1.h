/* The Clair v1 layer API (POST/GET/DELETE /v1/layers, GET /v1/namespaces) for old clients. */
#ifndef API_V1_H
#define API_V1_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "indexer.h"
#include "registry.h"
#include "store.h"

struct v1_ctx {
	const struct registry *reg;
	struct store *st;
	size_t file_cap;
	struct fetch_policy policy;
};

struct v1_answer {
	int status;
	json_t *json;      /* the body (new reference) */
	const char *allow; /* for 405 */
};

/* Answer one request under /v1/. Errors are {"Error": {"Message": ...}} as Clair v1 wrote
 * them, with lucid's "code" and "message" beside. */
void v1_handle(const struct v1_ctx *c, const char *method, const char *url, const char *body,
               size_t len, bool features, bool vulnerabilities, struct v1_answer *out);

#endif
