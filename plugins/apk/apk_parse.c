#include "apk_parse.h"

#include <lucid/error.h>
#include <stdbool.h>
#include <string.h>

#include "apk_version.h"

#define FIELD_MAX 512

struct record {
	char name[FIELD_MAX], version[FIELD_MAX], arch[FIELD_MAX], origin[FIELD_MAX],
	        commit[FIELD_MAX];
	bool any; /* saw at least one field */
};

static void set(char *dst, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == ' '))
		n--;
	if (n >= FIELD_MAX)
		n = FIELD_MAX - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static int finish(struct record *r, int (*cb)(void *user, const struct apk_pkg *p), void *user,
                  struct apk_stats *st)
{
	if (!r->any)
		return 0;
	st->records++;
	if (!r->name[0] || !r->version[0] || !apkv_valid(r->version)) {
		st->skipped++;
		return 0;
	}
	struct apk_pkg p = {r->name, r->version, r->arch[0] ? r->arch : NULL,
	                    r->origin[0] ? r->origin : NULL, r->commit[0] ? r->commit : NULL};
	st->packages++;
	return cb(user, &p);
}

int apk_parse_installed(const char *data, size_t len,
                        int (*cb)(void *user, const struct apk_pkg *p), void *user,
                        struct apk_stats *stats)
{
	struct apk_stats local = {0};
	struct apk_stats *st = stats ? stats : &local;
	memset(st, 0, sizeof *st);
	if (memchr(data, 0, len))
		return LUCID_EPARSE;
	struct record r;
	memset(&r, 0, sizeof r);
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		if (n == 0 || (n == 1 && p[0] == '\r')) {
			int rc = finish(&r, cb, user, st);
			if (rc)
				return rc;
			memset(&r, 0, sizeof r);
		} else if (n >= 2 && p[1] == ':') {
			const char *v = p + 2;
			size_t vn = n - 2;
			switch (p[0]) {
			case 'P': set(r.name, v, vn); break;
			case 'V': set(r.version, v, vn); break;
			case 'A': set(r.arch, v, vn); break;
			case 'o': set(r.origin, v, vn); break;
			case 'c': set(r.commit, v, vn); break;
			default: break;
			}
			r.any = true;
		}
		/* lines that are not "X:value" carry nothing apk itself would read */
		p = nl ? nl + 1 : end;
	}
	int rc = finish(&r, cb, user, st);
	if (rc)
		return rc;
	return st->records ? 0 : LUCID_NOT_FOUND;
}
