/**
 * \file lucid/comparator.h
 * Version comparators (LUCID_KIND_COMPARATOR): one per version format ("dpkg", "rpm", "apk").
 * The matcher calls them on its hot path: pure functions, no context, no allocation required.
 */
#ifndef LUCID_COMPARATOR_H
#define LUCID_COMPARATOR_H

#include "defs.h"

LUCID_BEGIN_DECLS

struct lucid_comparator_ops {
	uint32_t size;
	/** The version format this comparator implements, e.g. "dpkg". */
	const char *version_format;
	/** [any-thread] \return 0 if \p version is well-formed, else LUCID_EVERSION. */
	int (*validate)(void *self, const char *version);
	/**
	 * [any-thread] Compare two versions; must be a total order.
	 * \param cmp receives < 0, 0 or > 0 as \p a sorts before, equal to or after \p b
	 * \return 0, or LUCID_EVERSION if either does not parse.
	 */
	int (*compare)(void *self, const char *a, const char *b, int *cmp);
};

LUCID_END_DECLS

#endif
