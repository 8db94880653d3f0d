/*
 * Notifications without rescanning: from an update operation's diff, find the indexed
 * manifests whose packages the added records affect (through the (namespace, package)
 * reverse index and the stored reports: no layer is fetched or walked), store one
 * notification for the operation, and deliver it through the notifier sink plugins with
 * retries. See README.md, "Notifications".
 */
#ifndef CORE_NOTIFIER_H
#define CORE_NOTIFIER_H

#include <stdbool.h>

#include "registry.h"
#include "store.h"

struct notifier_config {
	bool per_vulnerability;   /* one entry per manifest and vulnerability, not per manifest */
	const char *const *sinks; /* notifier component names that deliver */
	size_t nsinks;
	unsigned retry_base_s; /* first retry after this many seconds (doubling); 0 = 30 */
	unsigned retry_max_s;  /* at most this long between attempts; 0 = 3600 */
	unsigned max_age_s;    /* give up after this long; 0 = 86400 */
	const char *callback;  /* base URL of GET /notifier/api/v1/notification/ for webhooks */
	bool find_only;        /* find the affected manifests, store no notification */
};

struct notify_result {
	char id[40];      /* the notification's id, "" when nothing was affected */
	size_t manifests; /* manifests affected */
	size_t hits;      /* (manifest, record) pairs found */
	size_t entries;   /* entries stored */
	double seconds;   /* time to find the affected manifests */
};

/* Find what operation op affected and store its notification (with a delivery per sink). */
int notify_operation(const struct registry *reg, struct store *st, uint64_t op,
                     const struct notifier_config *cfg, struct notify_result *out, struct err *e);

/*
 * One delivery round: every pending delivery whose time has come is offered to its sink
 * once. Returns the number delivered; failures are recorded with their next attempt time.
 */
int notify_deliver_due(const struct registry *reg, struct store *st,
                       const struct notifier_config *cfg, int64_t now, struct err *e);

/* The webhook body for notification id: {"notification_id", "callback"}. Caller frees. */
char *notify_webhook_body(const struct notifier_config *cfg, const char *id);

#endif
