/**
 * \file lucid/fetcher.h
 * Feed fetchers (LUCID_KIND_FETCHER): where vulnerability data comes from.
 * The host downloads (conditional GET through lucid_host::http), stores the validator and, when
 * the content changed, calls parse() on it and replaces the feed's records in one transaction.
 * parse() is pure (no network, no clock): it is the fuzz target.
 */
#ifndef LUCID_FETCHER_H
#define LUCID_FETCHER_H

#include "host.h"
#include "record.h"

LUCID_BEGIN_DECLS

/** One feed. Strings borrowed for the call. */
struct lucid_feed {
	uint32_t size;
	const char *id;  /**< stable id under which the host stores the feed's state */
	const char *url; /**< http(s) URL, file:// URL or local path */
};

struct lucid_fetcher_ops {
	uint32_t size;
	/**
	 * [serialized] Report the default (upstream) feeds, used when the user names none.
	 * \return 0 or < 0.
	 */
	int (*feeds)(void *self, const struct lucid_ctx *ctx,
	             int (*cb)(void *user, const struct lucid_feed *feed), void *user);
	/**
	 * [any-thread] Parse a downloaded feed. The format is recognised by content.
	 * \return 0, LUCID_EPARSE (in none of the known formats, or truncated), or < 0.
	 *         On error the host discards everything emitted during this call.
	 */
	int (*parse)(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
	             const struct lucid_reader *body, const struct lucid_vuln_sink *out);
};

LUCID_END_DECLS

#endif
