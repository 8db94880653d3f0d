/**
 * \file lucid/lister.h
 * Feature listers (LUCID_KIND_LISTER): list the packages a layer's package database holds.
 * A lister sees one layer at a time; the host coalesces layers (newest database wins, whiteouts
 * delete) and records which layer introduced each package.
 */
#ifndef LUCID_LISTER_H
#define LUCID_LISTER_H

#include "host.h"
#include "layer.h"
#include "record.h"

LUCID_BEGIN_DECLS

struct lucid_lister_ops {
	uint32_t size;
	/** As lucid_detector_ops::required_paths. */
	const char *const *required_paths;
	/**
	 * [any-thread] Emit every installed package of every database found in \p layer. Each
	 * package's db_path names its database file; all packages of one database must be emitted
	 * (the host replaces a database's whole package set with the newest layer's).
	 * \return 0, LUCID_NOT_FOUND no database here, < 0 error (LUCID_EPARSE: corrupt database).
	 */
	int (*list)(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
	            const struct lucid_package_sink *out);
};

LUCID_END_DECLS

#endif
