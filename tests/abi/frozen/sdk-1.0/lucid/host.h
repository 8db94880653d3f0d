/**
 * \file lucid/host.h
 * What the host offers a plugin: the per-call context and the host-services vtable.
 * Plugins never call core symbols; they reach the host only through these pointers.
 */
#ifndef LUCID_HOST_H
#define LUCID_HOST_H

#include "defs.h"

LUCID_BEGIN_DECLS

struct lucid_host;

/** Log levels for lucid_host::log. Values are ABI. */
enum lucid_log_level {
	LUCID_LOG_ERROR = 0,
	LUCID_LOG_WARN = 1,
	LUCID_LOG_INFO = 2,
	LUCID_LOG_DEBUG = 3
};

/**
 * Per-call context.
 * Ownership: host. Valid only until the callback it was passed to returns.
 */
struct lucid_ctx {
	uint32_t size;                 /**< sizeof(struct lucid_ctx) as built by the host */
	const struct lucid_host *host; /**< the host-services vtable; never NULL */
	void *priv;                    /**< host-private; plugins must not touch it */
};

/**
 * A pull stream.
 * Ownership: host. Valid until the callback it was passed to returns.
 */
struct lucid_reader {
	uint32_t size;
	void *priv;
	/**
	 * Read up to \p len bytes into \p buf.
	 * \return the number of bytes read (> 0), 0 at end of stream, or < 0 on error.
	 */
	int64_t (*read)(void *priv, void *buf, size_t len);
};

/**
 * An HTTP request made through lucid_host::http. All pointers are borrowed for the call.
 * Besides http(s) URLs the host accepts local file paths and file:// URLs, so that feeds can be
 * loaded from disk with the same code path (their validator is the content's sha256).
 */
struct lucid_http_request {
	uint32_t size;
	const char *method;            /**< NULL means "GET" */
	const char *url;               /**< http://, https://, file:// or a path */
	const char *if_none_match;     /**< ETag from the last run, or NULL */
	const char *if_modified_since; /**< Last-Modified from the last run, or NULL */
	const char *content_type;      /**< for POST, or NULL */
	const void *body;              /**< for POST, or NULL */
	size_t body_len;
	uint64_t max_bytes;  /**< 0 = host default cap; a larger body fails with LUCID_ELIMIT */
	uint32_t timeout_ms; /**< 0 = host default */
};

/**
 * The answer to lucid_host::http.
 * Ownership: every field is host-owned until lucid_host::http_release is called on it.
 */
struct lucid_http_response {
	uint32_t size;
	int status;                /**< 200, 304, ...; 200 for a local file */
	const char *etag;          /**< or NULL */
	const char *last_modified; /**< or NULL */
	const char *validator; /**< a stable fingerprint of the body (ETag, else content sha256) */
	struct lucid_reader body; /**< the whole body, already received and size-checked */
	void *priv;
};

/**
 * Host services. Members appended after 1.0 must be checked with LUCID_HOST_CAN() first.
 * Ownership: host, for the plugin's whole lifetime.
 */
struct lucid_host {
	uint32_t size;
	uint16_t abi_major, abi_minor; /**< the host's ABI version */
	const char *version;           /**< the host program's version string */
	/** [any-thread] Log a message attributed to the calling plugin. */
	void (*log)(const struct lucid_ctx *ctx, int level, const char *fmt, ...)
	        LUCID_PRINTF(3, 4);
	/**
	 * [any-thread] Describe the error about to be returned. The text is copied; the last call
	 * before the callback returns wins.
	 */
	void (*set_error)(const struct lucid_ctx *ctx, const char *fmt, ...) LUCID_PRINTF(2, 3);
	/**
	 * [any-thread] Look up a configuration value for the calling plugin.
	 * \return a borrowed string valid until the callback returns, or NULL if unset.
	 */
	const char *(*config)(const struct lucid_ctx *ctx, const char *key);
	/**
	 * [serialized] Perform an HTTP request (or read a local file) with the host's TLS, proxy,
	 * redirect, size and time limits. Conditional requests answer status 304 with an empty
	 * body. \return 0 and a filled \p resp (release it with http_release), or < 0 with the
	 * error set.
	 */
	int (*http)(const struct lucid_ctx *ctx, const struct lucid_http_request *req,
	            struct lucid_http_response *resp);
	/** Release what http() put into \p resp. */
	void (*http_release)(const struct lucid_ctx *ctx, struct lucid_http_response *resp);
	/** [any-thread] Non-zero when the current operation should stop soon (LUCID_ECANCELLED). */
	int (*cancelled)(const struct lucid_ctx *ctx);
	/* 1.1+: append here */
};

/** True when the host provides vtable member \p fn. */
#define LUCID_HOST_CAN(h, fn) (LUCID_HAS(h, struct lucid_host, fn) && (h)->fn != NULL)
/** Log through the context's host. */
#define lucid_log(ctx, lvl, ...) ((ctx)->host->log((ctx), (lvl), __VA_ARGS__))
/** Set the error detail through the context's host. */
#define lucid_set_error(ctx, ...) ((ctx)->host->set_error((ctx), __VA_ARGS__))

LUCID_END_DECLS

#endif
