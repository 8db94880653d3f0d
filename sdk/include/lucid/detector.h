/**
 * \file lucid/detector.h
 * Namespace detectors (LUCID_KIND_DETECTOR): find the operating system of a layer.
 */
#ifndef LUCID_DETECTOR_H
#define LUCID_DETECTOR_H

#include "host.h"
#include "layer.h"
#include "record.h"

LUCID_BEGIN_DECLS

struct lucid_detector_ops {
	uint32_t size;
	/**
	 * Paths this detector reads, NULL-terminated, relative; a trailing '/' declares a whole
	 * directory. Only declared paths leave the layer tarball.
	 */
	const char *const *required_paths;
	/**
	 * [any-thread] Emit at most one namespace for \p layer.
	 * \return 0 emitted, LUCID_NOT_FOUND nothing here, < 0 error.
	 */
	int (*detect)(void *self, const struct lucid_ctx *ctx, const struct lucid_layer *layer,
	              const struct lucid_namespace_sink *out);
};

LUCID_END_DECLS

#endif
