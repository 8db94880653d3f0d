/**
 * \file lucid/defs.h
 * Portability macros shared by every SDK header.
 */
#ifndef LUCID_DEFS_H
#define LUCID_DEFS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
/** Marks the one symbol a plugin exports. */
#define LUCID_EXPORT __attribute__((visibility("default")))
/** printf-style format checking. */
#define LUCID_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define LUCID_EXPORT
#define LUCID_PRINTF(fmt, args)
#endif

#ifdef __cplusplus
#define LUCID_BEGIN_DECLS extern "C" {
#define LUCID_END_DECLS   }
#else
#define LUCID_BEGIN_DECLS
#define LUCID_END_DECLS
#endif

/**
 * True when the size-prefixed struct \p p is large enough to contain member \p m of \p type.
 * Use it before reading any member that was appended after the minor version you target.
 */
#define LUCID_HAS(p, type, m)                                                                      \
	((p) != NULL && (p)->size >= offsetof(type, m) + sizeof(((type *)0)->m))

#endif
