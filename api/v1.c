#include "v1.h"

#include <errno.h>
#include <lucid/error.h>
#include <stdio.h>
#include <string.h>

#include "clair_json.h"
#include "matcher.h"

#define MAX_CHAIN 1000

static void v1_error(struct v1_answer *out, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void v1_error(struct v1_answer *out, int status, const char *code, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	out->status = status;
	out->json = json_pack("{s:{s:s}, s:s, s:s}", "Error", "Message", msg, "code", code,
	                      "message", msg);
}

static void post_layer(const struct v1_ctx *c, const char *body, size_t len, struct v1_answer *out)
{
	struct arena a = {0};
	struct v1_layer_request rq;
	char err[600];
	if (clair_parse_v1_layer(body, len, &a, &rq, err, sizeof err) < 0) {
		v1_error(out, 400, "bad-request", "%s", err);
		goto done;
	}
	char *pd, *pp;
	if (rq.parent && store_get_v1_layer(c->st, rq.parent, &a, &pd, &pp) != 0) {
		v1_error(out, 400, "bad-request", "unknown parent layer '%s': post it first",
		         rq.parent);
		goto done;
	}
	/* an ACI (Clair v1's Format "ACI") keeps its filesystem under rootfs/ */
	struct remote_layer l = {NULL, rq.path, rq.headers, rq.nheaders,
	                         rq.format && !strcmp(rq.format, "ACI") ? "rootfs" : NULL};
	char digest[72];
	struct layer_result *res;
	struct err e = {0};
	int rc = index_remote_layer(c->reg, c->st, &l, c->file_cap, &c->policy, &a, digest, &res,
	                            &e);
	if (rc == 0)
		rc = store_put_v1_layer(c->st, rq.name, digest, rq.parent, &e);
	if (rc < 0) {
		const char *msg = e.msg[0] ? e.msg : lucid_strerror(rc);
		int status = rc == LUCID_EPARSE || rc == LUCID_EINTEGRITY || rc == -EREMOTEIO ? 422
		             : rc == LUCID_ELIMIT                                             ? 413
		             : rc == LUCID_ERETRY                                             ? 502
		             : rc == -ETIMEDOUT                                               ? 504
		             : rc == -EACCES || rc == -ENOENT                                 ? 400
		                                                                              : 500;
		v1_error(out, status, status == 500 ? "internal-error" : "bad-request", "%s", msg);
		goto done;
	}
	json_t *l1 = json_pack("{s:s, s:i, s:s}", "Name", rq.name, "IndexedByVersion", 3, "Digest",
	                       digest);
	if (rq.parent)
		json_object_set_new(l1, "ParentName", json_string(rq.parent));
	if (res->ns)
		json_object_set_new(l1, "NamespaceName", json_string(res->ns->name));
	out->status = 201;
	out->json = json_pack("{s:o}", "Layer", l1);
done:
	arena_free(&a);
}

static void get_layer(const struct v1_ctx *c, const char *name, bool features, bool vulns,
                      struct v1_answer *out)
{
	struct arena a = {0};
	char *digest, *parent;
	if (store_get_v1_layer(c->st, name, &a, &digest, &parent) != 0) {
		v1_error(out, 404, "not-found", "no layer named '%s'", name);
		arena_free(&a);
		return;
	}
	/* the chain from this layer down to its base, then bottom-up */
	const char *chain[MAX_CHAIN];
	size_t n = 0;
	chain[n++] = digest;
	const char *top_parent = parent;
	char *cur = parent;
	while (cur) {
		if (n == MAX_CHAIN) {
			v1_error(out, 422, "unprocessable",
			         "layer '%s': parent chain longer than %d", name, MAX_CHAIN);
			arena_free(&a);
			return;
		}
		char *d, *p;
		if (store_get_v1_layer(c->st, cur, &a, &d, &p) != 0) {
			v1_error(out, 422, "unprocessable",
			         "layer '%s': its ancestor '%s' was deleted", name, cur);
			arena_free(&a);
			return;
		}
		chain[n++] = d;
		cur = p;
	}
	struct index_report rep = {0};
	rep.nlayers = n;
	rep.layers = arena_alloc(&a, n * sizeof *rep.layers);
	char *set = index_scanner_set(c->reg, c->file_cap);
	for (size_t i = 0; i < n; i++) {
		struct layer_info *li = &rep.layers[i];
		li->digest = (char *)chain[n - 1 - i];
		if (store_get_layer(c->st, li->digest, set, &a, &li->res) != 0) {
			v1_error(out, 409, "conflict",
			         "layer %s was indexed by other scanner versions: post it again",
			         li->digest);
			free(set);
			arena_free(&a);
			return;
		}
		li->cached = true;
	}
	free(set);
	index_finish(c->reg, &rep, c->file_cap, &a);
	struct vuln_report vr = {0};
	struct err e = {0};
	if (vulns && match_report(c->reg, c->st, &rep, &a, &vr, &e) < 0) {
		v1_error(out, 500, "internal-error", "%s", e.msg);
		arena_free(&a);
		return;
	}
	out->status = 200;
	out->json = clair_v1_layer(name, top_parent, &rep, &vr, features, vulns);
	free(vr.m);
	arena_free(&a);
}

static int on_namespace(void *user, const char *ns, const char *fmt)
{
	json_array_append_new(user,
	                      json_pack("{s:s, s:s}", "Name", ns, "VersionFormat", fmt ? fmt : ""));
	return 0;
}

void v1_handle(const struct v1_ctx *c, const char *method, const char *url, const char *body,
               size_t len, bool features, bool vulnerabilities, struct v1_answer *out)
{
	memset(out, 0, sizeof *out);
	if (!strcmp(url, "/v1/namespaces")) {
		if (strcmp(method, "GET") != 0) {
			out->allow = "GET";
			v1_error(out, 405, "method-not-allowed", "%s is not allowed here", method);
			return;
		}
		json_t *list = json_array();
		store_list_namespaces(c->st, on_namespace, list);
		out->status = 200;
		out->json = json_pack("{s:o}", "Namespaces", list);
		return;
	}
	if (!strcmp(url, "/v1/layers")) {
		if (strcmp(method, "POST") != 0) {
			out->allow = "POST";
			v1_error(out, 405, "method-not-allowed", "%s is not allowed here", method);
			return;
		}
		post_layer(c, body, len, out);
		return;
	}
	const char *name = url + strlen("/v1/layers/");
	if (!*name || strchr(name, '/')) {
		v1_error(out, 404, "not-found", "no route %s %s", method, url);
		return;
	}
	if (!strcmp(method, "GET")) {
		get_layer(c, name, features, vulnerabilities, out);
	} else if (!strcmp(method, "DELETE")) {
		struct err e = {0};
		size_t n;
		int rc = store_delete_v1_layer(c->st, name, &n, &e);
		if (rc == LUCID_NOT_FOUND)
			v1_error(out, 404, "not-found", "no layer named '%s'", name);
		else if (rc < 0)
			v1_error(out, 500, "internal-error", "%s", e.msg);
		else
			out->status = 200, out->json = json_pack("{s:i}", "Deleted", (int)n);
	} else {
		out->allow = "GET, DELETE";
		v1_error(out, 405, "method-not-allowed", "%s is not allowed here", method);
	}
}
