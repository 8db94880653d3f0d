#include "registry.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"

#ifndef LUCID_PLUGINDIR
#define LUCID_PLUGINDIR "/usr/local/lib/lucid/plugins"
#endif

int host_log_level = LUCID_LOG_WARN;

static const char *level_names[] = {"error", "warning", "info", "debug"};

void host_logf(int level, const char *fmt, ...)
{
	if (level > host_log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "lucid: %s: ", level_names[level < 0 ? 0 : level > 3 ? 3 : level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case LUCID_KIND_FORMAT: return "format";
	case LUCID_KIND_DETECTOR: return "detector";
	case LUCID_KIND_LISTER: return "lister";
	case LUCID_KIND_COMPARATOR: return "comparator";
	case LUCID_KIND_FETCHER: return "fetcher";
	case LUCID_KIND_NOTIFIER: return "notifier";
	default: return "unknown";
	}
}

/* ---- host services ---- */

static void host_log(const struct lucid_ctx *ctx, int level, const char *fmt, ...)
{
	if (level > host_log_level)
		return;
	const struct call *c = ctx->priv;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "lucid: %s: [%s] ",
	        level_names[level < 0   ? 0
	                    : level > 3 ? 3
	                                : level],
	        c && c->plugin ? c->plugin->desc.name : "host");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void host_set_error(const struct lucid_ctx *ctx, const char *fmt, ...)
{
	struct call *c = ctx->priv;
	if (!c || !c->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
	va_end(ap);
	c->error_set = true;
}

static const char *host_config(const struct lucid_ctx *ctx, const char *key)
{
	const struct call *c = ctx->priv;
	if (!c || !c->reg || !c->plugin || !key)
		return NULL;
	for (size_t i = 0; i < c->reg->nconfig; i++) {
		const struct config_entry *ce = &c->reg->config[i];
		if (strcmp(ce->plugin, c->plugin->desc.name) == 0 && strcmp(ce->key, key) == 0)
			return ce->value;
	}
	return NULL;
}

static int host_http(const struct lucid_ctx *ctx, const struct lucid_http_request *req,
                     struct lucid_http_response *resp)
{
	struct call *c = ctx->priv;
	struct err tmp = {0};
	int rc = http_request(req, resp, c && c->err ? c->err : &tmp);
	if (rc < 0 && c)
		c->error_set = true;
	return rc;
}

static void host_http_release(const struct lucid_ctx *ctx, struct lucid_http_response *resp)
{
	(void)ctx;
	http_release(resp);
}

static int host_cancelled(const struct lucid_ctx *ctx)
{
	(void)ctx;
	return 0;
}

static const struct lucid_host host_vtable = {
        .size = sizeof(struct lucid_host),
        .abi_major = LUCID_ABI_MAJOR,
        .abi_minor = LUCID_ABI_MINOR,
        .version = LUCID_VERSION,
        .log = host_log,
        .set_error = host_set_error,
        .config = host_config,
        .http = host_http,
        .http_release = host_http_release,
        .cancelled = host_cancelled,
};

void call_ctx_init(struct lucid_ctx *ctx, struct call *call, const struct registry *r,
                   const struct plugin *p, struct err *e)
{
	call->reg = r;
	call->plugin = p;
	call->err = e;
	call->error_set = false;
	if (e)
		e->msg[0] = 0;
	ctx->size = sizeof *ctx;
	ctx->host = &host_vtable;
	ctx->priv = call;
}

int call_fail(struct call *call, int rc, const char *what)
{
	if (!call->err)
		return rc;
	call->err->code = rc;
	if (!call->error_set || !call->err->msg[0])
		snprintf(call->err->msg, sizeof call->err->msg, "%s", lucid_strerror(rc));
	err_prefix(call->err, "%s", what);
	return rc;
}

/* ---- loading ---- */

static bool valid_name(const char *s, const char *extra)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      strchr(extra, *s)))
			return false;
	return true;
}

static size_t ops_min_size(uint32_t kind)
{
	switch (kind) {
	case LUCID_KIND_FORMAT: return sizeof(struct lucid_format_ops);
	case LUCID_KIND_DETECTOR: return sizeof(struct lucid_detector_ops);
	case LUCID_KIND_LISTER: return sizeof(struct lucid_lister_ops);
	case LUCID_KIND_COMPARATOR: return sizeof(struct lucid_comparator_ops);
	case LUCID_KIND_FETCHER: return offsetof(struct lucid_fetcher_ops, changes); /* 1.0 */
	case LUCID_KIND_NOTIFIER: return sizeof(struct lucid_notifier_ops);
	default: return 0;
	}
}

/* The mandatory callbacks of each kind; returns the name of a missing one or NULL. */
static const char *missing_member(const struct component *c)
{
	switch (c->kind) {
	case LUCID_KIND_FORMAT:
		return !c->ops.format.probe ? "probe" : !c->ops.format.resolve ? "resolve" : NULL;
	case LUCID_KIND_DETECTOR:
		return !c->ops.detector.detect           ? "detect"
		       : !c->ops.detector.required_paths ? "required_paths"
		                                         : NULL;
	case LUCID_KIND_LISTER:
		return !c->ops.lister.list             ? "list"
		       : !c->ops.lister.required_paths ? "required_paths"
		                                       : NULL;
	case LUCID_KIND_COMPARATOR:
		return !c->ops.comparator.compare          ? "compare"
		       : !c->ops.comparator.version_format ? "version_format"
		                                           : NULL;
	case LUCID_KIND_FETCHER: return !c->ops.fetcher.parse ? "parse" : NULL;
	case LUCID_KIND_NOTIFIER: return !c->ops.notifier.deliver ? "deliver" : NULL;
	default: return NULL;
	}
}

static void plugin_free(struct plugin *p)
{
	if (!p)
		return;
	if (p->initialised && p->desc.fini)
		p->desc.fini(p->self);
	if (p->dl)
		dlclose(p->dl);
	free(p->path);
	free(p);
}

static int load_descriptor(struct registry *r, const char *path, void *dl,
                           const struct lucid_plugin *d, bool builtin, struct err *e);

int registry_load_file(struct registry *r, const char *path, struct err *e)
{
	dlerror();
	/* NODELETE: plugins stay mapped after dlclose, so leak reports can name their frames */
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!dl)
		return err_set(e, -ENOENT, "%s: cannot load: %s", path, dlerror());
	lucid_plugin_entry_fn entry;
	*(void **)&entry = dlsym(dl, LUCID_PLUGIN_ENTRY);
	if (!entry) {
		dlclose(dl);
		return err_set(e, -ENOSYS, "%s: no %s symbol: not a lucid plugin", path,
		               LUCID_PLUGIN_ENTRY);
	}
	return load_descriptor(r, path, dl, entry(), false, e);
}

int registry_load_builtin(struct registry *r, const struct lucid_plugin *const *list, struct err *e)
{
	for (size_t i = 0; list && list[i]; i++) {
		char path[300];
		snprintf(path, sizeof path, "builtin:%s", list[i]->name ? list[i]->name : "?");
		int rc = load_descriptor(r, path, NULL, list[i], true, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Validate descriptor d (from dl, or linked in) and add its plugin to r. */
static int load_descriptor(struct registry *r, const char *path, void *dl,
                           const struct lucid_plugin *d, bool builtin, struct err *e)
{
	int rc;
	if (!d) {
		rc = err_set(e, LUCID_EABI, "%s: %s() returned NULL", path, LUCID_PLUGIN_ENTRY);
		goto error_dl;
	}
	if (d->magic != LUCID_PLUGIN_MAGIC) {
		rc = err_set(
		        e, LUCID_EABI,
		        "%s: bad magic 0x%08x (expected 0x%08x): not a lucid plugin descriptor",
		        path, d->magic, LUCID_PLUGIN_MAGIC);
		goto error_dl;
	}
	if (d->abi_major != LUCID_ABI_MAJOR) {
		rc = err_set(
		        e, LUCID_EABI,
		        "%s: built for SDK ABI %u.%u, this host offers %d.%d (the major version "
		        "must match)",
		        path, d->abi_major, d->abi_minor, LUCID_ABI_MAJOR, LUCID_ABI_MINOR);
		goto error_dl;
	}
	if (d->abi_minor > LUCID_ABI_MINOR) {
		rc = err_set(e, LUCID_EABI,
		             "%s: needs SDK ABI %u.%u, this host offers only %d.%d (upgrade lucid)",
		             path, d->abi_major, d->abi_minor, LUCID_ABI_MAJOR, LUCID_ABI_MINOR);
		goto error_dl;
	}
	if (d->size < LUCID_PLUGIN_SIZE_1_0) {
		rc = err_set(e, LUCID_EABI,
		             "%s: descriptor is %u bytes, smaller than the SDK 1.0 descriptor (%zu "
		             "bytes)",
		             path, d->size, (size_t)LUCID_PLUGIN_SIZE_1_0);
		goto error_dl;
	}
	struct plugin *p = xcalloc(1, sizeof *p);
	memcpy(&p->desc, d, d->size < sizeof p->desc ? d->size : sizeof p->desc);
	p->dl = dl;
	p->path = xstrdup(path);
	dl = NULL;

	if (!valid_name(p->desc.name, "")) {
		rc = err_set(e, -EINVAL, "%s: invalid plugin name (must be [a-z0-9_]+)", path);
		goto error_plugin;
	}
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char want[256];
	snprintf(want, sizeof want, "lucid-%s.so", p->desc.name);
	if (!builtin && strcmp(base, want) != 0) {
		rc = err_set(e, -EINVAL, "%s: plugin '%s' must be in a file named %s", path,
		             p->desc.name, want);
		goto error_plugin;
	}
	for (size_t i = 0; i < r->nplugins; i++)
		if (strcmp(r->plugins[i]->desc.name, p->desc.name) == 0) {
			rc = err_set(e, -EEXIST, "%s: plugin '%s' is already loaded from %s", path,
			             p->desc.name, r->plugins[i]->path);
			goto error_plugin;
		}
	if (!p->desc.version || !*p->desc.version) {
		rc = err_set(e, -EINVAL, "%s: plugin '%s' has no version", path, p->desc.name);
		goto error_plugin;
	}
	if (!p->desc.components) {
		rc = err_set(e, -EINVAL, "%s: plugin '%s' has no components", path, p->desc.name);
		goto error_plugin;
	}

	/* Validate components before init so a bad descriptor never runs code. */
	size_t ncomp = 0;
	while (p->desc.components[ncomp])
		ncomp++;
	struct component *comps = xcalloc(ncomp ? ncomp : 1, sizeof *comps);
	size_t kept = 0;
	for (size_t i = 0; i < ncomp; i++) {
		const struct lucid_component *lc = p->desc.components[i];
		if (lc->size < sizeof(struct lucid_component)) {
			rc = err_set(e, LUCID_EABI,
			             "%s: component %zu is %u bytes, smaller than 1.0", path, i,
			             lc->size);
			goto error_comps;
		}
		size_t min = ops_min_size(lc->kind);
		if (min == 0) {
			host_logf(LUCID_LOG_WARN, "%s: skipping component '%s' of unknown kind %u",
			          path, lc->name ? lc->name : "?", lc->kind);
			continue;
		}
		if (!valid_name(lc->name, ".-") || !lc->version || !*lc->version) {
			rc = err_set(e, -EINVAL, "%s: component %zu has no valid name or version",
			             path, i);
			goto error_comps;
		}
		const uint32_t *ops_size = lc->ops;
		if (!ops_size || *ops_size < min) {
			rc = err_set(
			        e, LUCID_EABI,
			        "%s: %s '%s': ops are %u bytes, smaller than the SDK 1.0 ops (%zu)",
			        path, kind_name(lc->kind), lc->name, ops_size ? *ops_size : 0, min);
			goto error_comps;
		}
		struct component *c = &comps[kept];
		c->plugin = p;
		c->kind = lc->kind;
		c->name = lc->name;
		c->version = lc->version;
		memcpy(&c->ops, lc->ops, *ops_size < sizeof c->ops ? *ops_size : sizeof c->ops);
		const char *miss = missing_member(c);
		if (miss) {
			rc = err_set(e, -EINVAL, "%s: %s '%s' lacks the mandatory member %s", path,
			             kind_name(c->kind), c->name, miss);
			goto error_comps;
		}
		if (registry_find(r, c->kind, c->name)) {
			rc = err_set(e, -EEXIST, "%s: a %s named '%s' is already loaded", path,
			             kind_name(c->kind), c->name);
			goto error_comps;
		}
		kept++;
	}

	if (p->desc.init) {
		struct lucid_ctx ctx;
		struct call call;
		struct err ie = {0};
		call_ctx_init(&ctx, &call, r, p, &ie);
		rc = p->desc.init(&ctx, &p->self);
		if (rc < 0) {
			err_set(e, rc, "%s: plugin '%s' failed to initialise: %s", path,
			        p->desc.name, ie.msg[0] ? ie.msg : lucid_strerror(rc));
			goto error_comps;
		}
	}
	p->initialised = true;

	r->plugins = xrealloc(r->plugins, (r->nplugins + 1) * sizeof *r->plugins);
	r->plugins[r->nplugins++] = p;
	r->comps = xrealloc(r->comps, (r->ncomps + kept + 1) * sizeof *r->comps);
	/* components point at their plugin; plugin pointers are stable */
	memcpy(r->comps + r->ncomps, comps, kept * sizeof *comps);
	r->ncomps += kept;
	free(comps);
	return 0;

error_comps:
	free(comps);
error_plugin:
	plugin_free(p);
	return rc;
error_dl:
	if (dl)
		dlclose(dl);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect lucid-*.so files in dir and one level of subdirectories. */
static void collect(const char *dir, int depth, char ***out, size_t *n)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
			continue;
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth == 0)
			collect(path, 1, out, n);
		else if (S_ISREG(st.st_mode) && str_has_prefix(de->d_name, "lucid-") &&
		         str_has_suffix(de->d_name, ".so")) {
			*out = xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = xstrdup(path);
		}
	}
	closedir(d);
}

int registry_load_dir(struct registry *r, const char *dir, struct err *e)
{
	char **files = NULL;
	size_t n = 0;
	collect(dir, 0, &files, &n);
	if (n)
		qsort(files, n, sizeof *files, cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = registry_load_file(r, files[i], e);
		free(files[i]);
	}
	free(files);
	return rc;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int registry_load_default(struct registry *r, struct err *e)
{
	int rc;
	const char *env = getenv("LUCID_PLUGIN_PATH");
	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL;
		for (char *tok = strtok_r(copy, ":", &save); tok;
		     tok = strtok_r(NULL, ":", &save)) {
			if ((rc = registry_load_dir(r, tok, e)) < 0) {
				free(copy);
				return rc;
			}
		}
		free(copy);
	}
	/* Running from the build tree: plugins are built in <builddir>/plugins next to core/. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			static const char *const rel[] = {"plugins", "../plugins"};
			for (size_t i = 0; i < 2; i++) {
				char build[PATH_MAX + 64];
				snprintf(build, sizeof build, "%s/%s/.lucid-build-tree", exe,
				         rel[i]);
				if (access(build, F_OK) == 0) {
					snprintf(build, sizeof build, "%s/%s", exe, rel[i]);
					return registry_load_dir(r, build, e);
				}
			}
		}
	}
	if (is_dir(LUCID_PLUGINDIR))
		return registry_load_dir(r, LUCID_PLUGINDIR, e);
	return 0;
}

void registry_set_config(struct registry *r, const char *plugin, const char *key, const char *value)
{
	r->config = xrealloc(r->config, (r->nconfig + 1) * sizeof *r->config);
	r->config[r->nconfig++] =
	        (struct config_entry){xstrdup(plugin), xstrdup(key), xstrdup(value)};
}

static const struct plugin *plugin_named(const struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->nplugins; i++)
		if (!strcmp(r->plugins[i]->desc.name, name))
			return r->plugins[i];
	return NULL;
}

int registry_check_config(const struct registry *r)
{
	int warnings = 0;
	for (size_t i = 0; i < r->nconfig; i++) {
		const struct config_entry *c = &r->config[i];
		const struct plugin *p = plugin_named(r, c->plugin);
		if (!p) {
			host_logf(LUCID_LOG_WARN, "plugins.%s.%s: no plugin '%s' is loaded",
			          c->plugin, c->key, c->plugin);
			warnings++;
			continue;
		}
		const struct lucid_config_key *k = p->desc.config_keys;
		if (!k)
			continue; /* a plugin older than 1.4, or one that declares nothing */
		bool known = false;
		struct buf list = {0};
		for (; k->key; k++) {
			known |= !strcmp(k->key, c->key);
			buf_addf(&list, "%s%s", list.len ? ", " : "", k->key);
		}
		if (!known) {
			host_logf(LUCID_LOG_WARN,
			          "plugins.%s.%s: the plugin has no such setting (it reads: %s)",
			          c->plugin, c->key, list.len ? list.data : "none");
			warnings++;
		}
		buf_free(&list);
	}
	return warnings;
}

const struct component *registry_find(const struct registry *r, uint32_t kind, const char *name)
{
	for (size_t i = 0; i < r->ncomps; i++)
		if (r->comps[i].kind == kind && strcmp(r->comps[i].name, name) == 0)
			return &r->comps[i];
	return NULL;
}

const struct component *registry_comparator(const struct registry *r, const char *format)
{
	if (!format)
		return NULL;
	for (size_t i = 0; i < r->ncomps; i++)
		if (r->comps[i].kind == LUCID_KIND_COMPARATOR &&
		    strcmp(r->comps[i].ops.comparator.version_format, format) == 0)
			return &r->comps[i];
	return NULL;
}

void registry_free(struct registry *r)
{
	for (size_t i = r->nplugins; i-- > 0;)
		plugin_free(r->plugins[i]);
	free(r->plugins);
	free(r->comps);
	for (size_t i = 0; i < r->nconfig; i++) {
		free(r->config[i].plugin);
		free(r->config[i].key);
		free(r->config[i].value);
	}
	free(r->config);
	memset(r, 0, sizeof *r);
}
