#include "config.h"

#include <errno.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CONFIG_MAX_BYTES (1024 * 1024)

bool parse_size(const char *s, size_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	unsigned long long mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024ull, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024ull * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v == 0 || v > (unsigned long long)SIZE_MAX / mul)
		return false;
	*out = (size_t)(v * mul);
	return true;
}

static int fail(struct err *e, const char *name, yaml_node_t *n, const char *fmt, const char *arg)
{
	char msg[600];
	snprintf(msg, sizeof msg, fmt, arg);
	return err_set(e, -EINVAL, "%s:%zu: %s", name, n ? n->start_mark.line + 1 : 0, msg);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A key that already appeared earlier in the same mapping: an error, not "last one wins". */
static bool duplicate_key(yaml_document_t *doc, yaml_node_t *map, yaml_node_pair_t *at)
{
	const char *key = scalar(yaml_document_get_node(doc, at->key));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; key && p < at; p++) {
		const char *k = scalar(yaml_document_get_node(doc, p->key));
		if (k && strcmp(k, key) == 0)
			return true;
	}
	return false;
}

static int parse_feeds(yaml_document_t *doc, yaml_node_t *n, const char *name, struct config *c,
                       struct err *e)
{
	/* feeds: { fetcher: source | [source, ...] } */
	if (n->type != YAML_MAPPING_NODE)
		return fail(e, name, n, "%s must be a mapping of fetcher name to sources", "feeds");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *fetcher = scalar(k);
		if (!fetcher)
			return fail(e, name, k, "%s: a fetcher name must be a string", "feeds");
		yaml_node_item_t *items = NULL, *end = NULL;
		yaml_node_item_t one = p->value;
		if (v->type == YAML_SEQUENCE_NODE) {
			items = v->data.sequence.items.start;
			end = v->data.sequence.items.top;
		} else {
			items = &one;
			end = &one + 1;
		}
		for (; items < end; items++) {
			yaml_node_t *s = yaml_document_get_node(doc, *items);
			if (!scalar(s) || !*scalar(s))
				return fail(e, name, s, "feeds.%s: a source must be a URL or path",
				            fetcher);
			c->feeds = xrealloc(c->feeds, (c->nfeeds + 1) * sizeof *c->feeds);
			/* "upstream": the fetcher's own upstream feeds */
			const char *src = strcmp(scalar(s), "upstream") == 0 ? NULL : scalar(s);
			c->feeds[c->nfeeds++] =
			        (struct feed_source){xstrdup(fetcher), src ? xstrdup(src) : NULL};
		}
	}
	return 0;
}

static int parse_plugins(yaml_document_t *doc, yaml_node_t *n, const char *name, struct config *c,
                         struct err *e)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(e, name, n, "%s must be a mapping of plugin name to settings",
		            "plugins");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		if (!scalar(k) || v->type != YAML_MAPPING_NODE)
			return fail(e, name, k, "%s: each plugin takes a mapping of settings",
			            "plugins");
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
		     q < v->data.mapping.pairs.top; q++) {
			const char *key = scalar(yaml_document_get_node(doc, q->key));
			const char *val = scalar(yaml_document_get_node(doc, q->value));
			if (!key || !val)
				return fail(e, name, yaml_document_get_node(doc, q->key),
				            "plugins.%s: settings are key: value strings",
				            scalar(k));
			c->pset = xrealloc(c->pset, (c->npset + 3) * sizeof *c->pset);
			c->pset[c->npset++] = xstrdup(scalar(k));
			c->pset[c->npset++] = xstrdup(key);
			c->pset[c->npset++] = xstrdup(val);
		}
	}
	return 0;
}

static int parse_uint(yaml_node_t *v, unsigned max, unsigned *out)
{
	const char *s = scalar(v);
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (errno || *end || n == 0 || n > max || s[0] == '-')
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int parse_auth(yaml_document_t *doc, yaml_node_t *n, const char *name,
                      struct serve_config *sc, struct err *e)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(e, name, n, "%s must be a mapping (token, psk, issuer)", "serve.auth");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k), *val = scalar(v);
		char **slot = !key                     ? NULL
		              : !strcmp(key, "token")  ? &sc->auth_token
		              : !strcmp(key, "psk")    ? &sc->auth_psk
		              : !strcmp(key, "issuer") ? &sc->auth_issuer
		                                       : NULL;
		if (!slot)
			return fail(e, name, k, "unknown key 'serve.auth.%s'", key ? key : "?");
		if (!val || !*val)
			return fail(e, name, v, "serve.auth.%s must be a non-empty string", key);
		free(*slot);
		*slot = xstrdup(val);
	}
	return 0;
}

static int parse_serve(yaml_document_t *doc, yaml_node_t *n, const char *name,
                       struct serve_config *sc, struct err *e)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(e, name, n, "%s must be a mapping", "serve");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k);
		int rc = 0;
		if (!key) {
			rc = fail(e, name, k, "%s", "keys must be strings");
		} else if (duplicate_key(doc, n, p)) {
			rc = fail(e, name, k, "duplicate key 'serve.%s'", key);
		} else if (!strcmp(key, "listen")) {
			if (!scalar(v) || !strchr(scalar(v), ':'))
				rc = fail(e, name, v, "%s must be HOST:PORT", "serve.listen");
			else
				free(sc->listen), sc->listen = xstrdup(scalar(v));
		} else if (!strcmp(key, "max_body")) {
			if (!parse_size(scalar(v), &sc->max_body))
				rc = fail(e, name, v, "%s must be a size such as 1M",
				          "serve.max_body");
		} else if (!strcmp(key, "max_layer_size")) {
			if (!parse_size(scalar(v), &sc->max_layer_size))
				rc = fail(e, name, v, "%s must be a size such as 8G",
				          "serve.max_layer_size");
		} else if (!strcmp(key, "index_concurrency")) {
			if (parse_uint(v, 1024, &sc->index_concurrency) < 0)
				rc = fail(e, name, v, "%s must be a number from 1 to 1024",
				          "serve.index_concurrency");
		} else if (!strcmp(key, "max_connections")) {
			if (parse_uint(v, 65536, &sc->max_connections) < 0)
				rc = fail(e, name, v, "%s must be a number from 1 to 65536",
				          "serve.max_connections");
		} else if (!strcmp(key, "report_cache")) {
			const char *x = scalar(v);
			if (x && !strcmp(x, "0"))
				sc->report_cache = 0, sc->report_cache_set = true;
			else if (parse_uint(v, 1u << 20, &sc->report_cache) < 0)
				rc = fail(e, name, v,
				          "%s must be a number of reports, 0 to 1048576",
				          "serve.report_cache");
			else
				sc->report_cache_set = true;
		} else if (!strcmp(key, "layer_timeout")) {
			if (parse_uint(v, 86400, &sc->layer_timeout_s) < 0)
				rc = fail(e, name, v, "%s must be seconds, 1 to 86400",
				          "serve.layer_timeout");
		} else if (!strcmp(key, "layer_roots")) {
			if (v->type != YAML_SEQUENCE_NODE) {
				rc = fail(e, name, v, "%s must be a list of directories",
				          "serve.layer_roots");
			} else {
				for (yaml_node_item_t *it = v->data.sequence.items.start;
				     rc == 0 && it < v->data.sequence.items.top; it++) {
					const char *d = scalar(yaml_document_get_node(doc, *it));
					if (!d || d[0] != '/') {
						rc = fail(e, name, v,
						          "%s entries must be absolute paths",
						          "serve.layer_roots");
						break;
					}
					sc->layer_roots =
					        xrealloc(sc->layer_roots,
					                 (sc->nlayer_roots + 1) * sizeof(char *));
					sc->layer_roots[sc->nlayer_roots++] = xstrdup(d);
				}
			}
		} else if (!strcmp(key, "auth")) {
			rc = parse_auth(doc, v, name, sc, e);
		} else {
			rc = fail(e, name, k, "unknown key 'serve.%s'", key);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_notifier(yaml_document_t *doc, yaml_node_t *n, const char *name,
                          struct notify_config *nc, struct err *e)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(e, name, n, "%s must be a mapping", "notifier");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k), *val = scalar(v);
		int rc = 0;
		unsigned *num = !key                         ? NULL
		                : !strcmp(key, "retry_base") ? &nc->retry_base_s
		                : !strcmp(key, "retry_max")  ? &nc->retry_max_s
		                : !strcmp(key, "max_age")    ? &nc->max_age_s
		                : !strcmp(key, "retention")  ? &nc->retention
		                : !strcmp(key, "interval")   ? &nc->interval_s
		                                             : NULL;
		if (!key) {
			rc = fail(e, name, k, "%s", "keys must be strings");
		} else if (duplicate_key(doc, n, p)) {
			rc = fail(e, name, k, "duplicate key 'notifier.%s'", key);
		} else if (num) {
			if (parse_uint(v, 10u * 365 * 86400, num) < 0)
				rc = fail(e, name, v, "notifier.%s must be a positive number", key);
		} else if (!strcmp(key, "feed_interval")) {
			if (v->type != YAML_MAPPING_NODE) {
				rc = fail(e, name, v, "%s must map fetcher names to seconds",
				          "notifier.feed_interval");
			} else {
				for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
				     rc == 0 && q < v->data.mapping.pairs.top; q++) {
					yaml_node_t *fk = yaml_document_get_node(doc, q->key);
					unsigned secs;
					if (!scalar(fk) ||
					    parse_uint(yaml_document_get_node(doc, q->value),
					               10u * 365 * 86400, &secs) < 0) {
						rc = fail(e, name, fk,
						          "%s entries are fetcher: seconds",
						          "notifier.feed_interval");
						break;
					}
					size_t at = nc->nintervals++;
					nc->interval_fetchers =
					        xrealloc(nc->interval_fetchers,
					                 nc->nintervals * sizeof(char *));
					nc->interval_values =
					        xrealloc(nc->interval_values,
					                 nc->nintervals * sizeof(unsigned));
					nc->interval_fetchers[at] = xstrdup(scalar(fk));
					nc->interval_values[at] = secs;
				}
			}
		} else if (!strcmp(key, "mode")) {
			if (val && !strcmp(val, "per-manifest"))
				nc->per_vulnerability = false;
			else if (val && !strcmp(val, "per-vulnerability"))
				nc->per_vulnerability = true;
			else
				rc = fail(e, name, v,
				          "%s must be per-manifest or per-vulnerability",
				          "notifier.mode");
		} else if (!strcmp(key, "callback")) {
			if (!val || !*val)
				rc = fail(e, name, v, "%s must be a URL", "notifier.callback");
			else
				free(nc->callback), nc->callback = xstrdup(val);
		} else if (!strcmp(key, "sinks")) {
			if (v->type != YAML_SEQUENCE_NODE) {
				rc = fail(e, name, v, "%s must be a list of notifier names",
				          "notifier.sinks");
			} else {
				for (yaml_node_item_t *it = v->data.sequence.items.start;
				     rc == 0 && it < v->data.sequence.items.top; it++) {
					const char *sname =
					        scalar(yaml_document_get_node(doc, *it));
					if (!sname || !*sname) {
						rc = fail(e, name, v, "%s entries must be names",
						          "notifier.sinks");
						break;
					}
					nc->sinks = xrealloc(nc->sinks,
					                     (nc->nsinks + 1) * sizeof(char *));
					nc->sinks[nc->nsinks++] = xstrdup(sname);
				}
			}
		} else {
			rc = fail(e, name, k, "unknown key 'notifier.%s'", key);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int config_parse(const char *name, const char *text, size_t len, struct config *c, struct err *e)
{
	memset(c, 0, sizeof *c);
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return err_set(e, -ENOMEM, "%s: cannot initialise the YAML parser", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		int rc = err_set(e, -EINVAL, "%s:%zu: %s", name, parser.problem_mark.line + 1,
		                 parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return rc;
	}
	int rc = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root)
		goto done; /* an empty file is an empty configuration */
	if (root->type != YAML_MAPPING_NODE) {
		rc = fail(e, name, root, "%s", "the configuration must be a mapping");
		goto done;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     rc == 0 && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		const char *key = scalar(k);
		if (!key) {
			rc = fail(e, name, k, "%s", "keys must be strings");
		} else if (duplicate_key(&doc, root, p)) {
			rc = fail(e, name, k, "duplicate key '%s'", key);
		} else if (strcmp(key, "db") == 0) {
			if (!scalar(v) || !*scalar(v))
				rc = fail(e, name, v, "%s must be a path", "db");
			else
				c->db = xstrdup(scalar(v));
		} else if (strcmp(key, "ignore_file") == 0) {
			if (!scalar(v) || !*scalar(v))
				rc = fail(e, name, v, "%s must be a path", "ignore_file");
			else
				c->ignore_file = xstrdup(scalar(v));
		} else if (strcmp(key, "max_file_size") == 0) {
			if (!parse_size(scalar(v), &c->max_file_size))
				rc = fail(e, name, v, "%s must be a size such as 64M",
				          "max_file_size");
		} else if (strcmp(key, "feeds") == 0) {
			rc = parse_feeds(&doc, v, name, c, e);
		} else if (strcmp(key, "plugins") == 0) {
			rc = parse_plugins(&doc, v, name, c, e);
		} else if (strcmp(key, "serve") == 0) {
			rc = parse_serve(&doc, v, name, &c->serve, e);
		} else if (strcmp(key, "notifier") == 0) {
			rc = parse_notifier(&doc, v, name, &c->notifier, e);
		} else if (strcmp(key, "plugin_path") == 0) {
			if (v->type != YAML_SEQUENCE_NODE) {
				rc = fail(e, name, v, "%s must be a list of directories",
				          "plugin_path");
				continue;
			}
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				const char *d = scalar(yaml_document_get_node(&doc, *it));
				if (!d) {
					rc = fail(e, name, v, "%s entries must be paths",
					          "plugin_path");
					break;
				}
				c->plugin_dirs = xrealloc(c->plugin_dirs,
				                          (c->nplugin_dirs + 1) * sizeof(char *));
				c->plugin_dirs[c->nplugin_dirs++] = xstrdup(d);
			}
		} else {
			rc = fail(e, name, k, "unknown key '%s'", key);
		}
	}
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc < 0)
		config_free(c);
	return rc;
}

int config_load(const char *path, struct config *c, struct err *e)
{
	char *text;
	size_t len;
	int rc = file_read_all(path, CONFIG_MAX_BYTES, &text, &len, e);
	if (rc < 0) {
		memset(c, 0, sizeof *c);
		return rc == LUCID_ELIMIT ? rc
		                          : err_set(e, rc, "config %s: %s", path, strerror(-rc));
	}
	rc = config_parse(path, text, len, c, e);
	free(text);
	return rc;
}

void config_apply(const struct config *c, struct registry *r)
{
	for (size_t i = 0; i + 2 < c->npset; i += 3)
		registry_set_config(r, c->pset[i], c->pset[i + 1], c->pset[i + 2]);
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->notifier.nsinks; i++)
		free(c->notifier.sinks[i]);
	free(c->notifier.sinks);
	free(c->notifier.callback);
	for (size_t i = 0; i < c->notifier.nintervals; i++)
		free(c->notifier.interval_fetchers[i]);
	free(c->notifier.interval_fetchers);
	free(c->notifier.interval_values);
	free(c->serve.listen);
	for (size_t i = 0; i < c->serve.nlayer_roots; i++)
		free(c->serve.layer_roots[i]);
	free(c->serve.layer_roots);
	free(c->serve.auth_token);
	free(c->serve.auth_psk);
	free(c->serve.auth_issuer);
	free(c->db);
	free(c->ignore_file);
	for (size_t i = 0; i < c->nfeeds; i++) {
		free((char *)c->feeds[i].fetcher);
		free((char *)c->feeds[i].url);
	}
	free(c->feeds);
	for (size_t i = 0; i < c->nplugin_dirs; i++)
		free(c->plugin_dirs[i]);
	free(c->plugin_dirs);
	for (size_t i = 0; i < c->npset; i++)
		free(c->pset[i]);
	free(c->pset);
	memset(c, 0, sizeof *c);
}
