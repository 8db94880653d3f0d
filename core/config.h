/* The YAML configuration file (libyaml). Every key is documented in README.md. */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include "registry.h"
#include "updater.h"
#include "util.h"

/* The serve: section (lucid serve). Zero means the server's default. */
struct serve_config {
	char *listen;
	size_t max_body;
	unsigned index_concurrency, max_connections;
	unsigned layer_timeout_s;
	bool report_cache_set;
	unsigned report_cache;
	size_t max_layer_size;
	char **layer_roots;
	size_t nlayer_roots;
	char *auth_token, *auth_psk, *auth_issuer;
};

/* The notifier: section. */
struct notify_config {
	bool per_vulnerability;
	char **sinks;
	size_t nsinks;
	unsigned retry_base_s, retry_max_s, max_age_s, retention;
	char *callback;
	unsigned interval_s;      /* lucid serve: how often to run the fetchers; 0 = 6 h */
	char **interval_fetchers; /* per-fetcher overrides of interval_s */
	unsigned *interval_values;
	size_t nintervals;
};

struct config {
	struct notify_config notifier;
	struct serve_config serve;
	char *db;
	char *ignore_file; /* scan's ignore rules when --ignore-file is not given */
	size_t max_file_size;
	struct feed_source *feeds; /* strings owned by the config */
	size_t nfeeds;
	char **plugin_dirs;
	size_t nplugin_dirs;
	/* plugin settings: applied to a registry with config_apply */
	char **pset; /* triples: plugin, key, value */
	size_t npset;
};

/* Parse path. Unknown keys and wrong types are errors naming the line. */
int config_load(const char *path, struct config *c, struct err *e);
/* Parse YAML text (for tests and fuzzing); name is used in messages. */
int config_parse(const char *name, const char *text, size_t len, struct config *c, struct err *e);
void config_apply(const struct config *c, struct registry *r);
void config_free(struct config *c);
/* Parse "64M", "1G", "4096" into bytes; false if invalid. */
bool parse_size(const char *s, size_t *out);

#endif
