/* The plugin registry: loading (dlopen + ABI checks), lookup by kind and name, host services. */
#ifndef CORE_REGISTRY_H
#define CORE_REGISTRY_H

#include <lucid/lucid-sdk.h>
#include <stdbool.h>

#include "util.h"

/* A component with its ops copied into a zeroed, full-size local (fields past ops->size = 0). */
struct component {
	struct plugin *plugin;
	uint32_t kind;
	const char *name, *version;
	union {
		struct lucid_format_ops format;
		struct lucid_detector_ops detector;
		struct lucid_lister_ops lister;
		struct lucid_comparator_ops comparator;
		struct lucid_fetcher_ops fetcher;
		struct lucid_notifier_ops notifier;
	} ops;
};

struct plugin {
	char *path;
	void *dl;
	struct lucid_plugin desc; /* copied, fields past its size zeroed */
	void *self;
	bool initialised;
};

struct config_entry {
	char *plugin, *key, *value;
};

struct registry {
	struct plugin **plugins;
	size_t nplugins;
	struct component *comps;
	size_t ncomps;
	struct config_entry *config;
	size_t nconfig;
};

/* Load one plugin file. Errors: -ENOENT (dlopen), -ENOSYS (no entry), LUCID_EABI, -EEXIST
 * (duplicate name), -EINVAL (invalid descriptor), or the plugin's init result. */
int registry_load_file(struct registry *r, const char *path, struct err *e);
/* Register plugins linked into the executable (a NULL-terminated list of descriptors), with
 * the same checks as files; their path reads "builtin:<name>". */
int registry_load_builtin(struct registry *r, const struct lucid_plugin *const *list,
                          struct err *e);
/* Load every lucid-*.so in dir and its immediate subdirectories (sorted). Stops at the first error.
 */
int registry_load_dir(struct registry *r, const char *dir, struct err *e);
/* Load from LUCID_PLUGIN_PATH, then the build tree next to the executable, else the install dir. */
int registry_load_default(struct registry *r, struct err *e);
void registry_set_config(struct registry *r, const char *plugin, const char *key,
                         const char *value);
/* Warn about configured plugin settings no loaded plugin declares (SDK 1.4 config_keys);
 * returns how many warnings. */
int registry_check_config(const struct registry *r);
const struct component *registry_find(const struct registry *r, uint32_t kind, const char *name);
/* The comparator for a version format, or NULL. */
const struct component *registry_comparator(const struct registry *r, const char *format);
void registry_free(struct registry *r);
const char *kind_name(uint32_t kind);

/* Per-call context: error slot and attribution. Build with call_ctx_init(). */
struct call {
	const struct registry *reg;
	const struct plugin *plugin;
	struct err *err;
	bool error_set;
};
void call_ctx_init(struct lucid_ctx *ctx, struct call *call, const struct registry *r,
                   const struct plugin *p, struct err *e);
/* After a plugin returned rc < 0: make sure e holds a message naming the plugin. */
int call_fail(struct call *call, int rc, const char *what);

/* Global verbosity for the host log (LUCID_LOG_*). */
extern int host_log_level;
void host_logf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
