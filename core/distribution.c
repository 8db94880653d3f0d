#include "distribution.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <lucid/error.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"

#define MANIFEST_MAX (4u * 1024 * 1024)
#define PREFIX       "registry://"

static const char *const ACCEPT = "Accept: application/vnd.oci.image.index.v1+json, "
                                  "application/vnd.docker.distribution.manifest.list.v2+json, "
                                  "application/vnd.oci.image.manifest.v1+json, "
                                  "application/vnd.docker.distribution.manifest.v2+json";

bool distribution_is_ref(const char *s)
{
	return str_has_prefix(s, PREFIX);
}

static bool repo_ok(const char *s)
{
	if (!*s || *s == '/' || s[strlen(s) - 1] == '/')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("._-/", *s)))
			return false;
	return true;
}

static bool tag_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-", *s)))
			return false;
	return true;
}

int distribution_parse_ref(const char *s, struct image_ref *out, struct err *e)
{
	memset(out, 0, sizeof *out);
	if (!distribution_is_ref(s))
		return err_set(e, -EINVAL, "%s: not a registry:// reference", s);
	const char *p = s + strlen(PREFIX);
	const char *slash = strchr(p, '/');
	if (!slash || slash == p)
		return err_set(e, -EINVAL, "%s: expected registry://HOST[:PORT]/REPO[:TAG|@DIGEST]",
		               s);
	out->host = strndup(p, (size_t)(slash - p));
	char *rest = xstrdup(slash + 1);
	char *at = strchr(rest, '@');
	if (at) {
		*at = 0;
		out->digest = xstrdup(at + 1);
	}
	char *colon = strrchr(rest, ':');
	if (colon) {
		*colon = 0;
		out->tag = xstrdup(colon + 1);
	}
	out->repo = rest;
	int rc = 0;
	if (!out->host[0] || strpbrk(out->host, " /?#@"))
		rc = err_set(e, -EINVAL, "%s: invalid registry host", s);
	else if (!repo_ok(out->repo))
		rc = err_set(e, -EINVAL, "%s: invalid repository name '%s'", s, out->repo);
	else if (out->tag && !tag_ok(out->tag))
		rc = err_set(e, -EINVAL, "%s: invalid tag '%s'", s, out->tag);
	else if (out->digest && !digest_valid(out->digest))
		rc = err_set(e, -EINVAL, "%s: '%s' is not a sha256 digest", s, out->digest);
	if (rc < 0) {
		distribution_ref_free(out);
		return rc;
	}
	if (!out->tag && !out->digest)
		out->tag = xstrdup("latest");
	/* Docker Hub's short names */
	if (!strcmp(out->host, "docker.io") || !strcmp(out->host, "index.docker.io")) {
		free(out->host);
		out->host = xstrdup("registry-1.docker.io");
		if (!strchr(out->repo, '/')) {
			char *r = NULL;
			if (asprintf(&r, "library/%s", out->repo) < 0)
				abort();
			free(out->repo);
			out->repo = r;
		}
	}
	const char *h = out->host;
	out->plain_http = str_has_prefix(h, "localhost") || str_has_prefix(h, "127.") ||
	                  str_has_prefix(h, "[::1]");
	return 0;
}

void distribution_ref_free(struct image_ref *r)
{
	free(r->host);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof *r);
}

bool distribution_parse_challenge(const char *h, struct auth_challenge *out)
{
	memset(out, 0, sizeof *out);
	while (*h == ' ')
		h++;
	size_t n = strcspn(h, " ");
	if (n == 0 || n >= sizeof out->scheme)
		return false;
	memcpy(out->scheme, h, n);
	h += n;
	/* key="value" pairs separated by commas; values may hold commas */
	while (*h) {
		while (*h == ' ' || *h == ',')
			h++;
		const char *eq = strchr(h, '=');
		if (!eq)
			break;
		char key[32];
		size_t kn = (size_t)(eq - h);
		if (kn == 0 || kn >= sizeof key)
			return false;
		memcpy(key, h, kn);
		key[kn] = 0;
		h = eq + 1;
		char val[1024];
		size_t vn = 0;
		if (*h == '"') {
			h++;
			while (*h && *h != '"') {
				if (*h == '\\' && h[1])
					h++;
				if (vn + 1 < sizeof val)
					val[vn++] = *h;
				h++;
			}
			if (*h != '"')
				return false;
			h++;
		} else {
			while (*h && *h != ',' && vn + 1 < sizeof val)
				val[vn++] = *h++;
		}
		val[vn] = 0;
		char *slot = !strcasecmp(key, "realm")     ? out->realm
		             : !strcasecmp(key, "service") ? out->service
		             : !strcasecmp(key, "scope")   ? out->scope
		                                           : NULL;
		size_t cap = !strcasecmp(key, "realm")     ? sizeof out->realm
		             : !strcasecmp(key, "service") ? sizeof out->service
		                                           : sizeof out->scope;
		if (slot)
			snprintf(slot, cap, "%s", val);
	}
	return true;
}

int distribution_credentials(const char *host, char **userpass, struct err *e)
{
	*userpass = NULL;
	char path[4096];
	const char *dir = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");
	if (dir && *dir)
		snprintf(path, sizeof path, "%s/config.json", dir);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.docker/config.json", home);
	else
		return LUCID_NOT_FOUND;
	if (access(path, R_OK) != 0)
		return LUCID_NOT_FOUND;
	char *text;
	size_t len;
	int rc = file_read_all(path, 1u << 20, &text, &len, e);
	if (rc < 0)
		return rc;
	json_error_t je;
	json_t *cfg = json_loadb(text, len, 0, &je);
	free(text);
	if (!cfg)
		return err_set(e, LUCID_EPARSE, "%s: invalid JSON at line %d: %s", path, je.line,
		               je.text);
	json_t *auths = json_object_get(cfg, "auths");
	char alt[600];
	snprintf(alt, sizeof alt, "https://%s", host);
	json_t *entry = json_object_get(auths, host);
	if (!entry)
		entry = json_object_get(auths, alt);
	if (!entry && !strcmp(host, "registry-1.docker.io"))
		entry = json_object_get(auths, "https://index.docker.io/v1/");
	rc = LUCID_NOT_FOUND;
	const char *b64 = json_string_value(json_object_get(entry, "auth"));
	const char *user = json_string_value(json_object_get(entry, "username"));
	const char *pass = json_string_value(json_object_get(entry, "password"));
	if (b64 && *b64) {
		size_t n = strlen(b64);
		unsigned char *out = xmalloc(n + 4);
		int got = n % 4 == 0 && n < 4096
		                  ? EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n)
		                  : -1;
		if (got > 0) {
			while (got > 0 && n > 0 && b64[--n] == '=')
				got--;
			out[got] = 0;
			if (memchr(out, ':', (size_t)got)) {
				*userpass = (char *)out;
				out = NULL;
				rc = 0;
			}
		}
		free(out);
		if (rc != 0)
			rc = err_set(e, LUCID_EPARSE,
			             "%s: the auth entry for %s is not base64 user:password", path,
			             host);
	} else if (user && pass) {
		if (asprintf(userpass, "%s:%s", user, pass) < 0)
			abort();
		rc = 0;
	}
	json_decref(cfg);
	return rc;
}

/* ---- talking to a registry ---- */

struct session {
	const struct image_ref *ref;
	char base[600];           /* "https://host" */
	char *userpass;           /* or NULL */
	char authorization[8192]; /* "Authorization: ..." once known, or "" */
};

static int read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct buf b = {0};
	char tmp[65536];
	ssize_t n;
	while ((n = read(fd, tmp, sizeof tmp)) > 0) {
		if (b.len + (size_t)n > max) {
			buf_free(&b);
			return LUCID_ELIMIT;
		}
		buf_add(&b, tmp, (size_t)n);
	}
	if (n < 0) {
		buf_free(&b);
		return -errno;
	}
	buf_add(&b, NULL, 0);
	*out = b.data;
	*len = b.len;
	return 0;
}

static char *basic_header(const char *userpass)
{
	size_t n = strlen(userpass);
	unsigned char *enc = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock(enc, (const unsigned char *)userpass, (int)n);
	char *h = NULL;
	if (asprintf(&h, "Authorization: Basic %s", enc) < 0)
		abort();
	free(enc);
	return h;
}

/* Answer a 401's challenge: fetch a token (Bearer) or use the credentials (Basic). */
static int authenticate(struct session *s, const char *challenge, struct err *e)
{
	struct auth_challenge ch;
	if (!challenge || !distribution_parse_challenge(challenge, &ch))
		return err_set(e, -EACCES,
		               "%s: authentication required, without a usable challenge", s->base);
	if (!strcasecmp(ch.scheme, "Basic")) {
		if (!s->userpass)
			return err_set(
			        e, -EACCES,
			        "%s: the registry wants a login: add it to ~/.docker/config.json",
			        s->ref->host);
		char *h = basic_header(s->userpass);
		snprintf(s->authorization, sizeof s->authorization, "%s", h);
		free(h);
		return 0;
	}
	if (strcasecmp(ch.scheme, "Bearer") != 0 || !ch.realm[0])
		return err_set(e, -EACCES, "%s: unsupported authentication '%s'", s->base,
		               ch.scheme);
	if (!str_has_prefix(ch.realm, "https://") && !str_has_prefix(ch.realm, "http://"))
		return err_set(e, -EACCES, "%s: token realm '%s' is not an http(s) URL", s->base,
		               ch.realm);
	CURL *c = curl_easy_init();
	char *svc = curl_easy_escape(c, ch.service, 0);
	char scope[700];
	if (!ch.scope[0])
		snprintf(scope, sizeof scope, "repository:%s:pull", s->ref->repo);
	else
		snprintf(scope, sizeof scope, "%s", ch.scope);
	char *sc = curl_easy_escape(c, scope, 0);
	char url[2600];
	snprintf(url, sizeof url, "%s%sservice=%s&scope=%s", ch.realm,
	         strchr(ch.realm, '?') ? "&" : "?", svc ? svc : "", sc ? sc : "");
	curl_free(svc);
	curl_free(sc);
	curl_easy_cleanup(c);
	char *basic = s->userpass ? basic_header(s->userpass) : NULL;
	const char *hdrs[] = {basic};
	struct http_fetch f = {.url = url,
	                       .headers = hdrs,
	                       .nheaders = basic ? 1 : 0,
	                       .max_bytes = 1u << 20,
	                       .timeout_ms = 60000};
	int rc = http_fetch(&f, e);
	free(basic);
	char *body = NULL;
	size_t len = 0;
	if (rc == 0 && f.status != 200)
		rc = err_set(e, f.status == 401 || f.status == 403 ? -EACCES : -EREMOTEIO,
		             "token service %s answered HTTP status %ld%s", ch.realm, f.status,
		             f.status == 401 ? " (wrong or missing credentials)" : "");
	if (rc == 0)
		rc = read_fd(f.fd, 1u << 20, &body, &len);
	http_fetch_free(&f);
	if (rc < 0) {
		free(body);
		return rc;
	}
	json_t *j = json_loadb(body, len, 0, NULL);
	free(body);
	const char *tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (!tok || !*tok || strlen(tok) > sizeof s->authorization - 32 || strpbrk(tok, "\r\n")) {
		json_decref(j);
		return err_set(e, LUCID_EPARSE, "token service %s gave no usable token", ch.realm);
	}
	snprintf(s->authorization, sizeof s->authorization, "Authorization: Bearer %s", tok);
	json_decref(j);
	return 0;
}

/* GET a manifest by tag or digest; returns the body, its media type and digest. */
static int get_manifest(struct session *s, const char *reference, char **body, size_t *len,
                        char **media_type, char digest[72], struct err *e)
{
	char url[1400];
	snprintf(url, sizeof url, "%s/v2/%s/manifests/%s", s->base, s->ref->repo, reference);
	for (int attempt = 0; attempt < 2; attempt++) {
		const char *hdrs[2] = {ACCEPT, s->authorization};
		struct http_fetch f = {.url = url,
		                       .headers = hdrs,
		                       .nheaders = s->authorization[0] ? 2 : 1,
		                       .max_bytes = MANIFEST_MAX,
		                       .timeout_ms = 60000};
		int rc = http_fetch(&f, e);
		if (rc < 0) {
			http_fetch_free(&f);
			return rc;
		}
		if (f.status == 401 && attempt == 0) {
			rc = authenticate(s, f.www_authenticate, e);
			http_fetch_free(&f);
			if (rc < 0)
				return rc;
			continue;
		}
		if (f.status != 200) {
			long st = f.status;
			http_fetch_free(&f);
			return err_set(e,
			               st == 404                ? -ENOENT
			               : st == 401 || st == 403 ? -EACCES
			               : st >= 500              ? LUCID_ERETRY
			                                        : -EREMOTEIO,
			               "%s/%s:%s: the registry answered HTTP status %ld%s",
			               s->ref->host, s->ref->repo, reference, st,
			               st == 404 ? " (no such repository, tag or digest)" : "");
		}
		rc = read_fd(f.fd, MANIFEST_MAX, body, len);
		*media_type = f.content_type ? xstrdup(f.content_type) : NULL;
		http_fetch_free(&f);
		if (rc < 0)
			return err_set(e, rc, "%s: reading the manifest failed", url);
		sha256_digest(*body, *len, digest);
		if (digest_valid(reference) && strcmp(reference, digest) != 0)
			return err_set(e, LUCID_EINTEGRITY,
			               "%s: the manifest's digest is %s, not the %s asked for", url,
			               digest, reference);
		return 0;
	}
	return err_set(e, -EACCES, "%s: still unauthorized after authenticating", url);
}

static bool is_index(const char *media_type, json_t *doc)
{
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));
	if (!mt)
		mt = media_type;
	if (mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list")))
		return true;
	return json_is_array(json_object_get(doc, "manifests")) && !json_object_get(doc, "layers");
}

/* The digest of the index entry for platform "os/arch[/variant]". */
static const char *pick_platform(json_t *index, const char *platform, char *err, size_t errlen)
{
	char os[64] = "linux", arch[64] = "amd64", variant[64] = "";
	if (platform && sscanf(platform, "%63[^/]/%63[^/]/%63s", os, arch, variant) < 2) {
		snprintf(err, errlen, "--platform '%s': expected OS/ARCH[/VARIANT]", platform);
		return NULL;
	}
	size_t i;
	json_t *m;
	struct buf have = {0};
	json_array_foreach (json_object_get(index, "manifests"), i, m) {
		json_t *p = json_object_get(m, "platform");
		const char *mo = json_string_value(json_object_get(p, "os"));
		const char *ma = json_string_value(json_object_get(p, "architecture"));
		const char *mv = json_string_value(json_object_get(p, "variant"));
		if (mo && ma)
			buf_addf(&have, "%s%s/%s%s%s", have.len ? ", " : "", mo, ma, mv ? "/" : "",
			         mv ? mv : "");
		if (mo && ma && !strcmp(mo, os) && !strcmp(ma, arch) &&
		    (!variant[0] || (mv && !strcmp(mv, variant)))) {
			buf_free(&have);
			return json_string_value(json_object_get(m, "digest"));
		}
	}
	snprintf(err, errlen, "no image for %s/%s%s%s in the index (it has: %s)", os, arch,
	         variant[0] ? "/" : "", variant, have.data ? have.data : "none");
	buf_free(&have);
	return NULL;
}

int index_registry(const struct registry *reg, struct store *st, const char *location,
                   const struct index_opts *o, struct arena *a, struct index_report *out,
                   struct err *e)
{
	struct image_ref ref;
	int rc = distribution_parse_ref(location, &ref, e);
	if (rc < 0)
		return rc;
	struct session s = {.ref = &ref};
	snprintf(s.base, sizeof s.base, "%s://%s", ref.plain_http ? "http" : "https", ref.host);
	rc = distribution_credentials(ref.host, &s.userpass, e);
	if (rc < 0)
		goto out;
	char *body = NULL, *mt = NULL;
	size_t len;
	char digest[72];
	rc = get_manifest(&s, ref.digest ? ref.digest : ref.tag, &body, &len, &mt, digest, e);
	if (rc < 0)
		goto out;
	json_t *doc = json_loadb(body, len, 0, NULL);
	if (doc && is_index(mt, doc)) {
		char why[600];
		const char *pick = pick_platform(doc, o->platform, why, sizeof why);
		if (!pick || !digest_valid(pick)) {
			rc = err_set(e, -ENOENT, "%s: %s", location,
			             pick ? "bad index entry" : why);
			json_decref(doc);
			free(body);
			free(mt);
			goto out;
		}
		char want[80];
		snprintf(want, sizeof want, "%s", pick);
		json_decref(doc);
		free(body);
		free(mt);
		body = mt = NULL;
		rc = get_manifest(&s, want, &body, &len, &mt, digest, e);
		if (rc < 0)
			goto out;
		doc = json_loadb(body, len, 0, NULL);
	}
	json_t *layers = json_object_get(doc, "layers");
	if (!doc || !json_is_array(layers) || json_array_size(layers) == 0) {
		rc = err_set(e, LUCID_EPARSE, "%s: the manifest (%s) lists no layers", location,
		             mt ? mt : "unknown type");
		json_decref(doc);
		free(body);
		free(mt);
		goto out;
	}
	size_t n = json_array_size(layers);
	struct remote_layer *ls = arena_alloc(a, n * sizeof *ls);
	const char **auth = NULL;
	if (s.authorization[0]) {
		auth = arena_alloc(a, sizeof *auth);
		auth[0] = arena_strdup(a, s.authorization);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *d =
		        json_string_value(json_object_get(json_array_get(layers, i), "digest"));
		if (!d || !digest_valid(d)) {
			rc = err_set(e, LUCID_EPARSE, "%s: layer %zu has no valid digest", location,
			             i);
			break;
		}
		ls[i].digest = arena_strdup(a, d);
		ls[i].uri = arena_printf(a, "%s/v2/%s/blobs/%s", s.base, ref.repo, d);
		ls[i].headers = auth;
		ls[i].nheaders = auth ? 1 : 0;
	}
	const char *config =
	        json_string_value(json_object_get(json_object_get(doc, "config"), "digest"));
	char *cfg = config ? arena_strdup(a, config) : NULL;
	json_decref(doc);
	free(body);
	free(mt);
	if (rc < 0)
		goto out;
	struct remote_manifest m = {digest, ls, n};
	struct fetch_policy p = {0};
	rc = index_manifest(reg, st, &m, o, &p, a, out, e);
	if (rc == 0) {
		out->format = arena_strdup(a, "registry");
		out->source = arena_strdup(a, location);
		out->ref = ref.digest ? arena_printf(a, "%s@%s", ref.repo, ref.digest)
		                      : arena_printf(a, "%s:%s", ref.repo, ref.tag);
		out->config = cfg;
		if (st)
			rc = store_put_report(st, out, e);
	}
out:
	free(s.userpass);
	distribution_ref_free(&ref);
	return rc;
}
