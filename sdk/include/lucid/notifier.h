/**
 * \file lucid/notifier.h
 * Notifier sinks (LUCID_KIND_NOTIFIER): deliver notifications about newly affected images.
 */
#ifndef LUCID_NOTIFIER_H
#define LUCID_NOTIFIER_H

#include "host.h"

LUCID_BEGIN_DECLS

struct lucid_notifier_ops {
	uint32_t size;
	/**
	 * [serialized] Deliver one notification. \p json is UTF-8, \p len bytes, not
	 * NUL-terminated. \p id is stable across retries, so sinks must be idempotent on it.
	 * \return 0 delivered, LUCID_ERETRY transient (the host backs off), other < 0 permanent.
	 */
	int (*deliver)(void *self, const struct lucid_ctx *ctx, const char *id, const char *json,
	               size_t len);
};

LUCID_END_DECLS

#endif
