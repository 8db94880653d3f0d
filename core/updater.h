/* Running feed fetchers into the store: conditional download, parse, one transaction per feed. */
#ifndef CORE_UPDATER_H
#define CORE_UPDATER_H

#include <stdbool.h>

#include "registry.h"
#include "store.h"

struct feed_source {
	const char *fetcher; /* component name, e.g. "debian" */
	const char *url; /* http(s) URL, file:// URL or path; NULL: the fetcher's upstream feeds */
};

struct update_result {
	size_t updated, unchanged, failed;
	uint64_t records;
	uint64_t *ops; /* the update operations committed (malloc'd; zero-initialise, free) */
	size_t nops;
};

/*
 * Update the named feeds (a NULL url: that fetcher's upstream feeds), or every fetcher's
 * upstream feeds when n == 0. Each feed commits or
 * rolls back on its own; a failure is reported through e (the first one) and counted, and the
 * remaining feeds still run. Returns 0 if every feed succeeded, else the first error code.
 */
int update_feeds(const struct registry *reg, struct store *st, const struct feed_source *src,
                 size_t n, bool force, struct update_result *res, struct err *e);

/*
 * Update one feed of fetcher, stored under "fetcher:key" (key NULL: the url): download it and
 * replace its records when it changed, then apply its incremental changes when the fetcher
 * has a changes() op. *outcome is 0 (records changed) or LUCID_UNCHANGED.
 */
int update_one(const struct registry *reg, struct store *st, const struct component *fetcher,
               const char *key, const char *url, bool force, int *outcome,
               struct update_result *res, struct err *e);

#endif
