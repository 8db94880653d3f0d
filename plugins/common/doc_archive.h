/*
 * Feeds that are many small documents: one document, or a tar or zip of them (the host hands
 * a local directory over as a tar). Reads the host-decompressed body as a stream, one member
 * at a time, so a multi-gigabyte archive never sits in memory. Shared by the fetchers that
 * take such feeds (rhel-vex, osv).
 */
#ifndef LUCID_DOC_ARCHIVE_H
#define LUCID_DOC_ARCHIVE_H

#include <lucid/lucid-sdk.h>
#include <stddef.h>

/*
 * Called once per document: name is its member path ("2023/cve-2023-1234.json"), or NULL when
 * the body is a single document; doc is NUL-terminated, valid during the call.
 * \return 0 to go on, or < 0 to stop (returned by doc_archive_each).
 */
typedef int (*doc_archive_fn)(void *user, const char *name, const char *doc, size_t len);

/*
 * Call fn for every regular member whose name ends in suffix (".json"), in archive order, or
 * once for a body that is no archive. Members larger than max fail with LUCID_ELIMIT.
 * \return 0, LUCID_EPARSE (corrupt archive), LUCID_ELIMIT, or fn's error; every failure but
 *         fn's sets the error message through ctx.
 */
int doc_archive_each(const struct lucid_ctx *ctx, const struct lucid_reader *body,
                     const char *suffix, size_t max, doc_archive_fn fn, void *user);

#endif
