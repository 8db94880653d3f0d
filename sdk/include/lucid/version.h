/**
 * \file lucid/version.h
 * ABI version of the lucid plugin SDK.
 *
 * Policy (PLUGINS.md, "Versioning"):
 *  - appending a field to a size-prefixed struct, a slot to a vtable or a value to an enum bumps
 * MINOR;
 *  - removing, reordering or retyping anything bumps MAJOR.
 * A host accepts a plugin iff the plugin's major equals the host's and the plugin's minor is not
 * newer than the host's.
 *
 * Changelog:
 *  - 1.0  initial ABI: plugin descriptor, host vtable, layer view, image source, records and
 *         sinks, image format handler, namespace detector, feature lister, version comparator,
 *         feed fetcher, notifier sink.
 *  - 1.1  lucid_package.module (modular rpm streams); lucid_vuln.package_kind (records naming
 *         binary packages), lucid_vuln.arch and lucid_vuln.module (constraints);
 *         enum lucid_package_kind; LUCID_STATE_NOT_AFFECTED.
 *  - 1.2  incremental feeds: lucid_vuln.document, lucid_fetcher_ops.changes,
 *         struct lucid_feed_change and struct lucid_change_sink; lucid_namespace.based_on.
 *  - 1.3  ranges and aliases: lucid_vuln.introduced, .last_affected, .aliases; CVE
 *         enrichments: struct lucid_enrichment, enum lucid_enrichment_part,
 *         lucid_vuln_sink.enrich.
 *  - 1.4  image formats whose container is the layer: lucid_image_layer.root, member "" and a
 *         NULL digest (appc ACI); lucid_plugin.config_keys.
 */
#ifndef LUCID_VERSION_H
#define LUCID_VERSION_H

/** Major ABI version of these headers. */
#define LUCID_ABI_MAJOR 1
/** Minor ABI version of these headers. */
#define LUCID_ABI_MINOR 4

/**
 * The oldest host minor version this plugin needs. A plugin that uses nothing newer than 1.0 may
 * define this to 0 before including the SDK to keep loading on 1.0 hosts after a rebuild against
 * newer headers. Defaults to the headers' minor version.
 */
#ifndef LUCID_TARGET_ABI_MINOR
#define LUCID_TARGET_ABI_MINOR LUCID_ABI_MINOR
#endif

/** SDK release string, for humans. */
#define LUCID_SDK_VERSION "1.4.0"

#endif
