#include "dpkg_parse.h"

#include <lucid/error.h>
#include <string.h>

#include "dpkg_version.h"

#define FIELD_MAX 512

struct para {
	char name[FIELD_MAX], version[FIELD_MAX], arch[FIELD_MAX], source[FIELD_MAX],
	        status[FIELD_MAX];
	bool has_name, has_version, has_arch, has_source, has_status;
};

bool dpkg_status_installed(const char *status)
{
	/* "want flag state": the package's files are present when state is one of these */
	const char *p = status;
	for (int word = 0; word < 2 && p; word++) {
		p = strchr(p, ' ');
		while (p && *p == ' ')
			p++;
	}
	if (!p)
		return false;
	return strcmp(p, "installed") == 0;
}

static void copy_value(char *dst, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if (n >= FIELD_MAX)
		n = FIELD_MAX - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static bool field_is(const char *line, size_t keylen, const char *key)
{
	size_t n = strlen(key);
	if (keylen != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = line[i], b = key[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

static int finish(struct para *p, bool status_optional,
                  int (*cb)(void *user, const struct dpkg_pkg *pkg), void *user,
                  struct dpkg_stats *st, bool *any)
{
	if (!p->has_name)
		return 0;
	*any = true;
	st->paragraphs++;
	if (p->has_status ? !dpkg_status_installed(p->status) : !status_optional) {
		st->not_installed++;
		return 0;
	}
	if (!p->has_version || !p->version[0]) {
		st->skipped_no_version++;
		return 0;
	}
	if (dpkg_version_validate(p->version) < 0) {
		st->skipped_bad_version++;
		return 0;
	}
	struct dpkg_pkg pkg = {.name = p->name,
	                       .version = p->version,
	                       .arch = p->has_arch ? p->arch : NULL,
	                       .status = p->has_status ? p->status : NULL};
	char srcname[FIELD_MAX], srcver[FIELD_MAX];
	if (p->has_source && p->source[0]) {
		/* "name" or "name (version)" */
		const char *paren = strchr(p->source, '(');
		size_t n = paren ? (size_t)(paren - p->source) : strlen(p->source);
		copy_value(srcname, p->source, n);
		if (srcname[0])
			pkg.source = srcname;
		if (paren) {
			const char *close = strchr(paren, ')');
			if (close) {
				copy_value(srcver, paren + 1, (size_t)(close - paren - 1));
				if (srcver[0] && dpkg_version_validate(srcver) == 0)
					pkg.source_version = srcver;
			}
		}
	}
	st->installed++;
	return cb(user, &pkg);
}

/* vcpkg's installed/vcpkg/status looks like dpkg's but has fields dpkg never writes. */
static bool looks_like_vcpkg(const char *data, size_t len)
{
	static const char *const marks[] = {"Abi:", "Port-Version:", "Feature:"};
	const char *end = data + len, *line = data;
	while (line < end) {
		for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
			size_t n = strlen(marks[i]);
			if ((size_t)(end - line) >= n && memcmp(line, marks[i], n) == 0)
				return true;
		}
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		line = nl ? nl + 1 : end;
	}
	return false;
}

int dpkg_parse_status(const char *data, size_t len, bool status_optional,
                      int (*cb)(void *user, const struct dpkg_pkg *pkg), void *user,
                      struct dpkg_stats *stats)
{
	struct dpkg_stats local = {0};
	struct dpkg_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	if (memchr(data, 0, len))
		return LUCID_EPARSE;
	struct para p;
	memset(&p, 0, sizeof p);
	if (looks_like_vcpkg(data, len))
		return LUCID_NOT_FOUND;
	bool any = false;
	const char *end = data + len, *line = data;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - line);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0) {
			int rc = finish(&p, status_optional, cb, user, st, &any);
			if (rc)
				return rc;
			memset(&p, 0, sizeof p);
		} else if (line[0] != ' ' && line[0] != '\t') {
			const char *colon = memchr(line, ':', n);
			if (colon) {
				size_t k = (size_t)(colon - line);
				const char *v = colon + 1;
				size_t vn = n - k - 1;
				if (field_is(line, k, "Package")) {
					copy_value(p.name, v, vn);
					p.has_name = p.name[0] != 0;
				} else if (field_is(line, k, "Version")) {
					copy_value(p.version, v, vn);
					p.has_version = true;
				} else if (field_is(line, k, "Architecture")) {
					copy_value(p.arch, v, vn);
					p.has_arch = true;
				} else if (field_is(line, k, "Source")) {
					copy_value(p.source, v, vn);
					p.has_source = true;
				} else if (field_is(line, k, "Status")) {
					copy_value(p.status, v, vn);
					p.has_status = true;
				}
			}
			/* a line without a colon is a broken continuation: ignored, as dpkg-query
			 * ignores what it cannot use */
		}
		line = nl ? nl + 1 : end;
	}
	int rc = finish(&p, status_optional, cb, user, st, &any);
	if (rc)
		return rc;
	return any ? 0 : LUCID_NOT_FOUND;
}
