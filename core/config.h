/* The YAML configuration file (libyaml). Every key is documented in README.md. */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include "registry.h"
#include "updater.h"
#include "util.h"

struct config {
	char *db;
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
