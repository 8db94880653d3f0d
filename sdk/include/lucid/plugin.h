/**
 * \file lucid/plugin.h
 * The plugin descriptor: the one thing a plugin exports.
 *
 * A plugin is a shared object exporting exactly one symbol, lucid_plugin_entry(), which returns a
 * pointer to a static const struct lucid_plugin. Use LUCID_PLUGIN_DEFINE to write both.
 */
#ifndef LUCID_PLUGIN_H
#define LUCID_PLUGIN_H

#include "defs.h"
#include "host.h"
#include "version.h"

LUCID_BEGIN_DECLS

/** "LUCD": the first four bytes of every descriptor. */
#define LUCID_PLUGIN_MAGIC 0x4c554344u
/** Name of the exported entry symbol. */
#define LUCID_PLUGIN_ENTRY "lucid_plugin_entry"

/** Component kinds. Values are ABI: append only. A host skips kinds it does not know. */
enum lucid_kind {
	LUCID_KIND_FORMAT = 1,     /**< struct lucid_format_ops (image.h) */
	LUCID_KIND_DETECTOR = 2,   /**< struct lucid_detector_ops (detector.h) */
	LUCID_KIND_LISTER = 3,     /**< struct lucid_lister_ops (lister.h) */
	LUCID_KIND_COMPARATOR = 4, /**< struct lucid_comparator_ops (comparator.h) */
	LUCID_KIND_FETCHER = 5,    /**< struct lucid_fetcher_ops (fetcher.h) */
	LUCID_KIND_NOTIFIER = 6    /**< struct lucid_notifier_ops (notifier.h) */
};

/** One thing a plugin provides. Ownership: plugin (static const), until dlclose. */
struct lucid_component {
	uint32_t size;    /**< sizeof(struct lucid_component) */
	uint32_t kind;    /**< enum lucid_kind */
	const char *name; /**< unique per kind, [a-z0-9._-]+, e.g. "dpkg" */
	const char
	        *version; /**< behaviour version; stored with results, a change forces a rescan */
	const void *ops;  /**< struct lucid_<kind>_ops *, itself size-prefixed */
};

/** One setting a plugin reads (1.4). Ownership: plugin (static const). */
struct lucid_config_key {
	const char *key;         /**< e.g. "url"; NULL ends the array */
	const char *description; /**< one line, e.g. "a mirror of the upstream feed" */
};

/**
 * The plugin descriptor. The first four fields never move.
 * Ownership: plugin (static const), until dlclose.
 */
struct lucid_plugin {
	uint32_t magic;                /**< LUCID_PLUGIN_MAGIC */
	uint16_t abi_major, abi_minor; /**< LUCID_ABI_MAJOR, LUCID_TARGET_ABI_MINOR */
	uint32_t size;                 /**< sizeof(struct lucid_plugin) as built */
	uint32_t flags;                /**< reserved, 0 */
	const char *name;    /**< [a-z0-9_]+, equal to <name> in the file name lucid-<name>.so */
	const char *version; /**< the plugin's release, e.g. "1.0.0" */
	const char *description; /**< one line */
	const char *license;     /**< SPDX identifier */
	/**
	 * [init] Optional. Create the plugin's state. \return 0, or < 0 after lucid_set_error().
	 * \p self receives a pointer passed back to every callback; the plugin owns it.
	 */
	int (*init)(const struct lucid_ctx *ctx, void **self);
	/** [init] Optional. Free what init made; called once per successful init. */
	void (*fini)(void *self);
	/** NULL-terminated array of components. */
	const struct lucid_component *const *components;
	/* 1.4 */
	/**
	 * NULL-terminated array of the settings the plugin reads through lucid_host::config
	 * (plugins.<name>.<key> in the configuration), or NULL. The host warns about a configured
	 * key the plugin does not declare (a typo would otherwise be silently ignored), and
	 * `lucid plugins --check` lists them.
	 */
	const struct lucid_config_key *config_keys;
	/* 1.5+: append here */
};

/** The descriptor size of SDK 1.0: the smallest a host accepts. */
#define LUCID_PLUGIN_SIZE_1_0 (offsetof(struct lucid_plugin, components) + sizeof(void *))

/** Type of lucid_plugin_entry(). */
typedef const struct lucid_plugin *(*lucid_plugin_entry_fn)(void);

/**
 * Define the descriptor lucid_plugin_<id> and the exported entry function. \p id must be the
 * plugin's name. Further designated initializers (.version, .components, ...) follow.
 */
#define LUCID_PLUGIN_DEFINE(id, ...)                                                               \
	const struct lucid_plugin lucid_plugin_##id = {.magic = LUCID_PLUGIN_MAGIC,                \
	                                               .abi_major = LUCID_ABI_MAJOR,               \
	                                               .abi_minor = LUCID_TARGET_ABI_MINOR,        \
	                                               .size = sizeof(struct lucid_plugin),        \
	                                               .name = #id,                                \
	                                               __VA_ARGS__};                               \
	LUCID_PLUGIN_EXPORT_ENTRY_(id)

#ifdef LUCID_PLUGIN_STATIC
#define LUCID_PLUGIN_EXPORT_ENTRY_(id)
#else
#define LUCID_PLUGIN_EXPORT_ENTRY_(id)                                                             \
	LUCID_EXPORT const struct lucid_plugin *lucid_plugin_entry(void);                          \
	LUCID_EXPORT const struct lucid_plugin *lucid_plugin_entry(void)                           \
	{                                                                                          \
		return &lucid_plugin_##id;                                                         \
	}
#endif

LUCID_END_DECLS

#endif
