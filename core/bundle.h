/*
 * Air-gapped sites: the vulnerability data (every feed, its fingerprint, its records and
 * enrichments) as one gzip'd tar: lucid-bundle.json (format, schema, lucid version, feeds and
 * their ages), data.mdb (an LMDB environment) and SHA256SUMS over both.
 */
#ifndef CORE_BUNDLE_H
#define CORE_BUNDLE_H

#include "store.h"

/* Write st's vulnerability data to path (atomically: path.partial, then renamed). */
int bundle_export(struct store *st, const char *path, const char *version, struct err *e);
/*
 * Load a bundle from a path or an http(s) URL: extract (only the three members, capped),
 * verify the checksums, refuse another schema, then replace st's vulnerability data in one
 * transaction. Nothing changes on any error.
 */
int bundle_import(struct store *st, const char *source, struct err *e);

#endif
