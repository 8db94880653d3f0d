/*
 * The HTTP API (libmicrohttpd): Clair v4-shaped indexer and matcher routes, the Clair v1 layer
 * API, health, metrics and an OpenAPI description. Route handlers call core; core never calls
 * here. See README.md, "The HTTP API".
 */
#ifndef API_API_H
#define API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "store.h"
#include "util.h"

struct api_config {
	const char *listen;             /* "HOST:PORT", "[v6]:PORT" or ":PORT"; port 0 = any */
	size_t max_body;                /* largest request body; 0 = 1 MiB */
	unsigned index_concurrency;     /* index requests at once, beyond: 429; 0 = 2 */
	unsigned max_connections;       /* 0 = 256 */
	uint32_t layer_timeout_ms;      /* one layer download; 0 = 300 s */
	uint64_t max_layer_bytes;       /* 0 = 8 GiB */
	const char *const *layer_roots; /* directories local layer paths may be read from */
	size_t nlayer_roots;
	size_t file_cap; /* the walker's per-file cap (max_file_size); 0 = default */
	/* vulnerability reports kept ready to send (each checked against the store's
	 * generations); API_REPORT_CACHE_DEFAULT = 256, 0 = none */
	size_t report_cache;
	/* auth: with either set, every route but /healthz needs "Authorization: Bearer ..." */
	const char *auth_token;  /* a static token */
	const char *auth_psk;    /* base64 key of HS256 JWTs */
	const char *auth_issuer; /* the "iss" a JWT must carry, or NULL */
};

#define API_REPORT_CACHE_DEFAULT ((size_t)-1)

struct api_server;

/* Start serving in background threads. */
int api_start(const struct registry *reg, struct store *st, const struct api_config *cfg,
              struct api_server **out, struct err *e);
/* The port actually bound (useful with port 0). */
unsigned api_port(const struct api_server *s);
/* Stop accepting, finish the requests in flight, free. */
void api_stop(struct api_server *s);

/* Verify an HS256 JWT against a base64 key (and issuer, when not NULL) at time now. */
bool api_jwt_valid(const char *token, const char *psk_b64, const char *issuer, int64_t now);

#endif
