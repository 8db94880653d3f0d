/* The lucid plugin testkit (lucid/testkit.h): a fake host, an in-memory layer, recording sinks. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <lucid/testkit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A growable NUL-terminated text. */
struct text {
	char *p;
	size_t n, cap;
};

static int text_vadd(struct text *t, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int need = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (need < 0)
		return -EINVAL;
	if (t->n + (size_t)need + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->n + (size_t)need + 1)
			cap *= 2;
		char *q = realloc(t->p, cap);
		if (!q)
			return -ENOMEM;
		t->p = q;
		t->cap = cap;
	}
	vsnprintf(t->p + t->n, (size_t)need + 1, fmt, ap);
	t->n += (size_t)need;
	return 0;
}

static int text_add(struct text *t, const char *fmt, ...) LUCID_PRINTF(2, 3);
static int text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = text_vadd(t, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *text_str(const struct text *t)
{
	return t->p ? t->p : "";
}

struct setting {
	char *key, *value;
};

struct mem_reader {
	const unsigned char *p;
	size_t n, off, chunk;
};

struct lucid_testkit {
	struct lucid_host host;
	struct lucid_ctx ctx;
	struct setting *settings;
	size_t nsettings;
	struct text log, records;
	char error[1024];
	size_t count;
	struct lucid_namespace_sink ns_sink;
	struct lucid_package_sink pkg_sink;
	struct lucid_vuln_sink vuln_sink;
	struct mem_reader mem;
	struct lucid_reader reader;
};

static struct lucid_testkit *kit(const struct lucid_ctx *ctx)
{
	return ctx->priv;
}

static void tk_log(const struct lucid_ctx *ctx, int level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	struct lucid_testkit *tk = kit(ctx);
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *lvl = level >= 0 && level <= 3 ? names[level] : "?";
	text_add(&tk->log, "%s: %s\n", lvl, msg);
	if (getenv("LUCID_TESTKIT_VERBOSE"))
		fprintf(stderr, "testkit: %s: %s\n", lvl, msg);
}

static void tk_set_error(const struct lucid_ctx *ctx, const char *fmt, ...)
{
	struct lucid_testkit *tk = kit(ctx);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tk->error, sizeof tk->error, fmt, ap);
	va_end(ap);
}

static const char *tk_config(const struct lucid_ctx *ctx, const char *key)
{
	struct lucid_testkit *tk = kit(ctx);
	for (size_t i = 0; key && i < tk->nsettings; i++)
		if (!strcmp(tk->settings[i].key, key))
			return tk->settings[i].value;
	return NULL;
}

static int64_t mem_read(void *priv, void *buf, size_t len)
{
	struct mem_reader *m = priv;
	size_t k = m->n - m->off;
	if (k > len)
		k = len;
	if (m->chunk && k > m->chunk)
		k = m->chunk;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (int64_t)k;
}

/* What an http response owns: the file's bytes and the reader over them. */
struct response {
	struct mem_reader mem;
	unsigned char *data;
};

static int read_file(const char *path, unsigned char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	unsigned char *b = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	ssize_t r = 0;
	while (b && n < (size_t)st.st_size && (r = read(fd, b + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (!b || r < 0) {
		free(b);
		return b ? -EIO : -ENOMEM;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

static int tk_http(const struct lucid_ctx *ctx, const struct lucid_http_request *req,
                   struct lucid_http_response *resp)
{
	const char *url = req->url ? req->url : "";
	if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) {
		tk_set_error(ctx, "%s: the testkit host serves local files only", url);
		return -ENETUNREACH;
	}
	const char *path = !strncmp(url, "file://", 7) ? url + 7 : url;
	struct response *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	size_t len;
	int rc = read_file(path, &r->data, &len);
	if (rc < 0) {
		tk_set_error(ctx, "%s: %s", path, strerror(-rc));
		free(r);
		return rc;
	}
	if (req->max_bytes && len > req->max_bytes) {
		tk_set_error(ctx, "%s: larger than %llu bytes", path,
		             (unsigned long long)req->max_bytes);
		free(r->data);
		free(r);
		return LUCID_ELIMIT;
	}
	r->mem = (struct mem_reader){r->data, len, 0, 0};
	uint32_t size = resp->size;
	memset(resp, 0, size < sizeof *resp ? size : sizeof *resp);
	resp->size = size;
	resp->status = 200;
	resp->validator = "testkit";
	resp->body = (struct lucid_reader){sizeof resp->body, &r->mem, mem_read};
	resp->priv = r;
	return 0;
}

static void tk_http_release(const struct lucid_ctx *ctx, struct lucid_http_response *resp)
{
	(void)ctx;
	struct response *r = resp->priv;
	if (r) {
		free(r->data);
		free(r);
	}
	resp->priv = NULL;
}

static int tk_cancelled(const struct lucid_ctx *ctx)
{
	(void)ctx;
	return 0;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static int on_namespace(void *priv, const struct lucid_namespace *in)
{
	struct lucid_testkit *tk = priv;
	struct lucid_namespace ns = {0};
	memcpy(&ns, in, in->size < sizeof ns ? in->size : sizeof ns);
	tk->count++;
	return text_add(&tk->records, "namespace %s id=%s version_id=%s format=%s based_on=%s\n",
	                or_dash(ns.name), or_dash(ns.id), or_dash(ns.version_id),
	                or_dash(ns.version_format), or_dash(ns.based_on));
}

static int on_package(void *priv, const struct lucid_package *in)
{
	struct lucid_testkit *tk = priv;
	struct lucid_package p = {0};
	memcpy(&p, in, in->size < sizeof p ? in->size : sizeof p);
	tk->count++;
	return text_add(&tk->records,
	                "package %s %s source=%s source_version=%s arch=%s format=%s db=%s\n",
	                or_dash(p.name), or_dash(p.version), or_dash(p.source_name),
	                or_dash(p.source_version), or_dash(p.arch), or_dash(p.version_format),
	                or_dash(p.db_path));
}

static int on_vuln(void *priv, const struct lucid_vuln *in)
{
	static const char *const states[] = {"fixed",        "unfixed",  "end-of-life",
	                                     "undetermined", "wont-fix", "not-affected"};
	struct lucid_testkit *tk = priv;
	struct lucid_vuln v = {0};
	memcpy(&v, in, in->size < sizeof v ? in->size : sizeof v);
	tk->count++;
	return text_add(&tk->records, "vuln %s %s %s state=%s fixed=%s severity=%d\n",
	                or_dash(v.id), or_dash(v.namespace_name), or_dash(v.package),
	                v.state >= 0 && v.state <= 5 ? states[v.state] : "?", or_dash(v.fixed_in),
	                v.severity);
}

static int on_enrichment(void *priv, const struct lucid_enrichment *in)
{
	struct lucid_testkit *tk = priv;
	struct lucid_enrichment en = {0};
	memcpy(&en, in, in->size < sizeof en ? in->size : sizeof en);
	tk->count++;
	return text_add(&tk->records, "enrichment %s parts=%u\n", or_dash(en.cve), en.parts);
}

struct lucid_testkit *lucid_testkit_new(void)
{
	struct lucid_testkit *tk = calloc(1, sizeof *tk);
	if (!tk)
		return NULL;
	tk->host = (struct lucid_host){.size = sizeof tk->host,
	                               .abi_major = LUCID_ABI_MAJOR,
	                               .abi_minor = LUCID_ABI_MINOR,
	                               .version = "testkit " LUCID_SDK_VERSION,
	                               .log = tk_log,
	                               .set_error = tk_set_error,
	                               .config = tk_config,
	                               .http = tk_http,
	                               .http_release = tk_http_release,
	                               .cancelled = tk_cancelled};
	tk->ctx = (struct lucid_ctx){sizeof tk->ctx, &tk->host, tk};
	tk->ns_sink = (struct lucid_namespace_sink){sizeof tk->ns_sink, tk, on_namespace};
	tk->pkg_sink = (struct lucid_package_sink){sizeof tk->pkg_sink, tk, on_package};
	tk->vuln_sink = (struct lucid_vuln_sink){sizeof tk->vuln_sink, tk, on_vuln, on_enrichment};
	return tk;
}

void lucid_testkit_free(struct lucid_testkit *tk)
{
	if (!tk)
		return;
	for (size_t i = 0; i < tk->nsettings; i++) {
		free(tk->settings[i].key);
		free(tk->settings[i].value);
	}
	free(tk->settings);
	free(tk->log.p);
	free(tk->records.p);
	free(tk);
}

int lucid_testkit_set(struct lucid_testkit *tk, const char *key, const char *value)
{
	for (size_t i = 0; i < tk->nsettings; i++)
		if (!strcmp(tk->settings[i].key, key)) {
			char *v = value ? strdup(value) : NULL;
			if (value && !v)
				return -ENOMEM;
			free(tk->settings[i].value);
			tk->settings[i].value = v;
			return 0;
		}
	struct setting *s = realloc(tk->settings, (tk->nsettings + 1) * sizeof *s);
	if (!s)
		return -ENOMEM;
	tk->settings = s;
	s[tk->nsettings].key = strdup(key);
	s[tk->nsettings].value = value ? strdup(value) : NULL;
	if (!s[tk->nsettings].key || (value && !s[tk->nsettings].value)) {
		free(s[tk->nsettings].key);
		free(s[tk->nsettings].value);
		return -ENOMEM;
	}
	tk->nsettings++;
	return 0;
}

const struct lucid_ctx *lucid_testkit_ctx(struct lucid_testkit *tk)
{
	return &tk->ctx;
}

const char *lucid_testkit_error(const struct lucid_testkit *tk)
{
	return tk->error;
}

const char *lucid_testkit_log(const struct lucid_testkit *tk)
{
	return text_str(&tk->log);
}

const struct lucid_namespace_sink *lucid_testkit_namespace_sink(struct lucid_testkit *tk)
{
	return &tk->ns_sink;
}

const struct lucid_package_sink *lucid_testkit_package_sink(struct lucid_testkit *tk)
{
	return &tk->pkg_sink;
}

const struct lucid_vuln_sink *lucid_testkit_vuln_sink(struct lucid_testkit *tk)
{
	return &tk->vuln_sink;
}

const char *lucid_testkit_records(const struct lucid_testkit *tk)
{
	return text_str(&tk->records);
}

size_t lucid_testkit_count(const struct lucid_testkit *tk)
{
	return tk->count;
}

void lucid_testkit_clear(struct lucid_testkit *tk)
{
	tk->records.n = tk->log.n = 0;
	if (tk->records.p)
		tk->records.p[0] = 0;
	if (tk->log.p)
		tk->log.p[0] = 0;
	tk->error[0] = 0;
	tk->count = 0;
}

const struct lucid_reader *lucid_testkit_reader(struct lucid_testkit *tk, const void *data,
                                                size_t len, size_t chunk)
{
	tk->mem = (struct mem_reader){data, len, 0, chunk};
	tk->reader = (struct lucid_reader){sizeof tk->reader, &tk->mem, mem_read};
	return &tk->reader;
}

/* ---- layers ---- */

struct file {
	char *path;
	unsigned char *data;
	size_t len;
};

struct lucid_testkit_layer {
	struct lucid_layer view;
	char digest[80];
	struct file *files;
	size_t n;
};

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->path, ((const struct file *)b)->path);
}

static int layer_read(const struct lucid_layer *layer, const char *path, size_t max,
                      const uint8_t **data, size_t *len)
{
	const struct lucid_testkit_layer *l = layer->priv;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->files[i].path, path)) {
			if (max && l->files[i].len > max)
				return LUCID_ELIMIT;
			*data = l->files[i].data;
			*len = l->files[i].len;
			return 0;
		}
	return LUCID_NOT_FOUND;
}

static int layer_each(const struct lucid_layer *layer, const char *prefix,
                      int (*cb)(void *user, const char *path, uint64_t size), void *user)
{
	struct lucid_testkit_layer *l = layer->priv;
	if (l->n)
		qsort(l->files, l->n, sizeof *l->files, cmp_file);
	size_t pl = prefix ? strlen(prefix) : 0;
	for (size_t i = 0; i < l->n; i++) {
		if (pl && strncmp(l->files[i].path, prefix, pl) != 0)
			continue;
		int rc = cb(user, l->files[i].path, l->files[i].len);
		if (rc)
			return rc;
	}
	return 0;
}

struct lucid_testkit_layer *lucid_testkit_layer_new(const char *digest)
{
	struct lucid_testkit_layer *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	snprintf(
	        l->digest, sizeof l->digest, "%s",
	        digest ? digest
	               : "sha256:0000000000000000000000000000000000000000000000000000000000000000");
	l->view = (struct lucid_layer){sizeof l->view, l->digest, layer_read, layer_each, l};
	return l;
}

void lucid_testkit_layer_free(struct lucid_testkit_layer *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->files[i].path);
		free(l->files[i].data);
	}
	free(l->files);
	free(l);
}

int lucid_testkit_layer_add(struct lucid_testkit_layer *l, const char *path, const void *data,
                            size_t len)
{
	unsigned char *copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	copy[len] = 0;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->files[i].path, path)) {
			free(l->files[i].data);
			l->files[i].data = copy;
			l->files[i].len = len;
			return 0;
		}
	struct file *f = realloc(l->files, (l->n + 1) * sizeof *f);
	char *p = strdup(path);
	if (!f || !p) {
		free(copy);
		free(p);
		if (f)
			l->files = f;
		return -ENOMEM;
	}
	l->files = f;
	f[l->n++] = (struct file){p, copy, len};
	return 0;
}

int lucid_testkit_layer_add_file(struct lucid_testkit_layer *l, const char *path, const char *file)
{
	unsigned char *data;
	size_t len;
	int rc = read_file(file, &data, &len);
	if (rc < 0)
		return rc;
	rc = lucid_testkit_layer_add(l, path, data, len);
	free(data);
	return rc;
}

const struct lucid_layer *lucid_testkit_layer_view(struct lucid_testkit_layer *l)
{
	return &l->view;
}

/* ---- plugins ---- */

int lucid_testkit_load(struct lucid_testkit *tk, const char *path,
                       const struct lucid_plugin **plugin, void **self)
{
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		snprintf(tk->error, sizeof tk->error, "%s: %s", path, dlerror());
		return -ENOENT;
	}
	lucid_plugin_entry_fn entry;
	*(void **)&entry = dlsym(dl, LUCID_PLUGIN_ENTRY);
	const struct lucid_plugin *p = entry ? entry() : NULL;
	if (!p || p->magic != LUCID_PLUGIN_MAGIC || p->abi_major != LUCID_ABI_MAJOR ||
	    p->abi_minor > LUCID_ABI_MINOR) {
		snprintf(tk->error, sizeof tk->error,
		         "%s: no lucid plugin of SDK ABI %d.x (<= %d.%d) in this file", path,
		         LUCID_ABI_MAJOR, LUCID_ABI_MAJOR, LUCID_ABI_MINOR);
		dlclose(dl);
		return LUCID_EABI;
	}
	*self = NULL;
	if (p->init) {
		int rc = p->init(&tk->ctx, self);
		if (rc < 0)
			return rc;
	}
	*plugin = p;
	return 0;
}

void lucid_testkit_unload(const struct lucid_plugin *plugin, void *self)
{
	if (plugin && plugin->fini)
		plugin->fini(self);
}

const void *lucid_testkit_component(const struct lucid_plugin *plugin, uint32_t kind,
                                    const char *name)
{
	for (size_t i = 0; plugin && plugin->components && plugin->components[i]; i++) {
		const struct lucid_component *c = plugin->components[i];
		if (c->kind == kind && (!name || (c->name && !strcmp(c->name, name))))
			return c->ops;
	}
	return NULL;
}
