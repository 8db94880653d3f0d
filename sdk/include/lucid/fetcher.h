/**
 * \file lucid/fetcher.h
 * Feed fetchers (LUCID_KIND_FETCHER): where vulnerability data comes from.
 * The host downloads (conditional GET through lucid_host::http), stores the validator and, when
 * the content changed, calls parse() on it and replaces the feed's records in one transaction.
 * parse() is pure (no network, no clock): it is the fuzz target. A fetcher whose upstream
 * publishes deltas (1.2) also implements changes(), and the host applies them per document.
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

/**
 * One upstream document that changed since the last incremental update (1.2). Strings borrowed
 * for the call to lucid_change_sink::emit.
 */
struct lucid_feed_change {
	uint32_t size;
	const char *document; /**< the key its records carry in lucid_vuln::document; required */
	const char *url;      /**< where its new version is (http(s), file:// or a path); NULL:
	                           the document was deleted upstream */
};

/** Where lucid_fetcher_ops::changes reports (1.2). Ownership: host; valid during the call. */
struct lucid_change_sink {
	uint32_t size;
	void *priv;
	/** Queue one change; the host copies it. \return 0, or < 0 to make the plugin stop. */
	int (*emit)(void *priv, const struct lucid_feed_change *change);
	/**
	 * Set the cursor the host stores once every queued change is applied, and passes to the
	 * next call. Copied. \return 0 or < 0.
	 */
	int (*set_cursor)(void *priv, const char *cursor);
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
	/* 1.2 */
	/**
	 * [serialized] Optional: incremental updates on top of a feed whose records carry
	 * lucid_vuln::document. Called after the feed itself is current (just parsed, or
	 * unchanged). \p feed's id is the one feeds() reported for it, or NULL when the user
	 * named the source (which a fetcher may then take as it is). \p cursor is what the last successful call set, or NULL right after the
	 * feed was parsed whole. Report each document that changed or was deleted since (the host
	 * fetches it, calls parse() on it alone and replaces that document's records; a deleted
	 * document's records are removed), then set the new cursor. The host applies all changes
	 * in one transaction, or none: the cursor only moves when every change was applied.
	 * \return 0 or < 0.
	 */
	int (*changes)(void *self, const struct lucid_ctx *ctx, const struct lucid_feed *feed,
	               const char *cursor, const struct lucid_change_sink *out);
};

LUCID_END_DECLS

#endif
