/**
 * \file lucid/testkit.h
 * Unit-testing a plugin without lucid: a host that implements struct lucid_host in memory, a
 * layer built from files you add, a reader over a buffer, and sinks that collect what the
 * plugin emits as text lines you can compare. Link with `pkg-config --libs lucid-testkit`.
 *
 * The testkit host logs to a buffer (and to stderr when LUCID_TESTKIT_VERBOSE is set), answers
 * settings from lucid_testkit_set(), serves lucid_host::http from local files only (a remote
 * URL fails: tests do not reach the network) and is never cancelled. It is single-threaded:
 * one testkit per thread.
 *
 * Ownership: everything lucid_testkit_*_new() returns is the caller's, freed with the matching
 * _free(); every pointer a getter returns is borrowed from its testkit object and valid until
 * that object is freed or changed.
 */
#ifndef LUCID_TESTKIT_H
#define LUCID_TESTKIT_H

#include "lucid-sdk.h"

LUCID_BEGIN_DECLS

/** A fake host with its collecting sinks. */
struct lucid_testkit;

/** \return a new testkit, or NULL when out of memory. */
struct lucid_testkit *lucid_testkit_new(void);
void lucid_testkit_free(struct lucid_testkit *tk);

/** Set a plugin setting (what plugins.<name>.<key> would be); \p value NULL unsets. \return 0 or -ENOMEM. */
int lucid_testkit_set(struct lucid_testkit *tk, const char *key, const char *value);

/** The context to pass to every plugin callback. */
const struct lucid_ctx *lucid_testkit_ctx(struct lucid_testkit *tk);

/** The text of the last lucid_set_error() call ("" if none). */
const char *lucid_testkit_error(const struct lucid_testkit *tk);
/** Everything the plugin logged, one "LEVEL: message" line each. */
const char *lucid_testkit_log(const struct lucid_testkit *tk);

/**
 * Sinks that record every emitted record as one line of text, in order:
 *   "namespace NAME id=ID version_id=V format=F based_on=B"
 *   "package NAME VERSION source=S source_version=SV arch=A format=F db=PATH"
 *   "vuln ID NAMESPACE PACKAGE state=fixed|unfixed|... fixed=V severity=N"
 *   "enrichment CVE parts=N"
 * (absent fields print as "-"). Each sink's emit returns 0.
 */
const struct lucid_namespace_sink *lucid_testkit_namespace_sink(struct lucid_testkit *tk);
const struct lucid_package_sink *lucid_testkit_package_sink(struct lucid_testkit *tk);
const struct lucid_vuln_sink *lucid_testkit_vuln_sink(struct lucid_testkit *tk);
/** The recorded lines ("" if none), and how many there are. */
const char *lucid_testkit_records(const struct lucid_testkit *tk);
size_t lucid_testkit_count(const struct lucid_testkit *tk);
/** Forget the recorded lines, the log and the error. */
void lucid_testkit_clear(struct lucid_testkit *tk);

/**
 * A reader over \p len bytes at \p data (borrowed: keep them alive while reading), handing
 * out at most \p chunk bytes per read (0: no limit; small values test a parser's buffering).
 * Valid until the next call of this function on \p tk.
 */
const struct lucid_reader *lucid_testkit_reader(struct lucid_testkit *tk, const void *data,
                                                size_t len, size_t chunk);

/** An in-memory layer: the files you add, read through struct lucid_layer. */
struct lucid_testkit_layer;

/** \return a new, empty layer with digest \p digest (copied; NULL: a fixed dummy), or NULL. */
struct lucid_testkit_layer *lucid_testkit_layer_new(const char *digest);
void lucid_testkit_layer_free(struct lucid_testkit_layer *l);
/** Add (or replace) a file at relative path \p path with a copy of \p data. \return 0, -ENOMEM. */
int lucid_testkit_layer_add(struct lucid_testkit_layer *l, const char *path, const void *data,
                            size_t len);
/** Add a file with the contents of the local file \p file. \return 0 or -errno. */
int lucid_testkit_layer_add_file(struct lucid_testkit_layer *l, const char *path, const char *file);
/** The layer view to pass to detect()/list(). read() and each() behave as lucid's do. */
const struct lucid_layer *lucid_testkit_layer_view(struct lucid_testkit_layer *l);

/**
 * Load a plugin file and run its init() with \p tk's context.
 * \return 0 and the plugin's descriptor and state (pass \p *self to every callback; release
 *         with lucid_testkit_unload), or < 0 with the reason in lucid_testkit_error().
 */
int lucid_testkit_load(struct lucid_testkit *tk, const char *path,
                       const struct lucid_plugin **plugin, void **self);
/** Run the plugin's fini() on \p self (the file stays mapped until the process ends). */
void lucid_testkit_unload(const struct lucid_plugin *plugin, void *self);
/** The ops of the component of \p kind named \p name (NULL: the first of that kind), or NULL. */
const void *lucid_testkit_component(const struct lucid_plugin *plugin, uint32_t kind,
                                    const char *name);

LUCID_END_DECLS

#endif
