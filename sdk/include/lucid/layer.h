/**
 * \file lucid/layer.h
 * A read-only view of one image layer, limited to the paths that plugins declared in their
 * required_paths. Paths are relative to the layer root, without a leading '/' or "./".
 */
#ifndef LUCID_LAYER_H
#define LUCID_LAYER_H

#include "defs.h"

LUCID_BEGIN_DECLS

/** Ownership: host. Valid until the callback it was passed to returns. */
struct lucid_layer {
	uint32_t size;
	const char *digest; /**< "sha256:<hex>" of the layer as the manifest names it */
	/**
	 * Read a whole file of this layer. Symbolic links inside the layer are followed.
	 * \param max   the largest size the caller accepts; 0 = the host's per-file cap
	 * \param data  receives a borrowed pointer, valid until the callback returns
	 * \return 0, LUCID_NOT_FOUND (absent from this layer or not declared), LUCID_ELIMIT (larger
	 *         than \p max or than the host's cap), or < 0.
	 */
	int (*read)(const struct lucid_layer *layer, const char *path, size_t max,
	            const uint8_t **data, size_t *len);
	/**
	 * Call \p cb for every regular file of this layer whose path starts with \p prefix, in
	 * lexical order. A non-zero return from \p cb stops the walk and is returned.
	 */
	int (*each)(const struct lucid_layer *layer, const char *prefix,
	            int (*cb)(void *user, const char *path, uint64_t size), void *user);
	void *priv; /**< host-private */
};

LUCID_END_DECLS

#endif
