#include "rpm_parse.h"

#include <lucid/error.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NDB_PAGE           4096
#define NDB_SLOT           16
#define NDB_BLOCK          16
#define NDB_MAX_SLOT_PAGES 2048

static bool known_arch(const char *a, size_t n)
{
	static const char *const arches[] = {
	        "noarch",  "x86_64",  "i386",   "i486",    "i586",    "i686",  "athlon",
	        "aarch64", "armv7hl", "armv7l", "armv6hl", "ppc64le", "ppc64", "ppc",
	        "s390x",   "s390",    "riscv",  "riscv64", "src",     "nosrc", "ia64"};
	for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
		if (strlen(arches[i]) == n && !memcmp(arches[i], a, n))
			return true;
	return false;
}

static bool copy_part(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		return false;
	memcpy(dst, src, n);
	dst[n] = 0;
	return true;
}

bool rpm_parse_nevra(const char *in, struct rpm_nevra *out)
{
	memset(out, 0, sizeof *out);
	if (!in)
		return false;
	size_t len = strlen(in);
	/* .arch */
	const char *dot = strrchr(in, '.');
	if (dot && known_arch(dot + 1, len - (size_t)(dot + 1 - in))) {
		if (!copy_part(out->arch, sizeof out->arch, dot + 1, len - (size_t)(dot + 1 - in)))
			return false;
		len = (size_t)(dot - in);
	}
	/* -release */
	const char *rel = NULL;
	for (size_t i = len; i-- > 0;)
		if (in[i] == '-') {
			rel = in + i;
			break;
		}
	if (!rel || (size_t)(rel + 1 - in) >= len)
		return false;
	if (!copy_part(out->release, sizeof out->release, rel + 1, len - (size_t)(rel + 1 - in)))
		return false;
	/* [name-][epoch:]version */
	const char *start = in;
	for (const char *p = rel; p-- > in;)
		if (*p == '-') {
			start = p + 1;
			if (!copy_part(out->name, sizeof out->name, in, (size_t)(p - in)))
				return false;
			break;
		}
	const char *colon = memchr(start, ':', (size_t)(rel - start));
	if (colon) {
		if (colon == start || strspn(start, "0123456789") != (size_t)(colon - start) ||
		    !copy_part(out->epoch, sizeof out->epoch, start, (size_t)(colon - start)))
			return false;
		start = colon + 1;
	}
	if (start == rel)
		return false;
	return copy_part(out->version, sizeof out->version, start, (size_t)(rel - start));
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int ndb_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return LUCID_EPARSE;
}

int rpm_ndb_blobs(const unsigned char *data, size_t len,
                  int (*cb)(void *user, const unsigned char *blob, size_t n), void *user, char *err,
                  size_t errlen)
{
	if (len < 32 || memcmp(data, "RpmP", 4) != 0)
		return ndb_fail(err, errlen, "not an NDB rpm database (no RpmP header)");
	uint32_t version = le32(data + 4), npages = le32(data + 12);
	if (version != 0)
		return ndb_fail(err, errlen, "NDB version %u is not supported", version);
	if (npages == 0 || npages > NDB_MAX_SLOT_PAGES || (uint64_t)npages * NDB_PAGE > len)
		return ndb_fail(err, errlen, "NDB slot page count %u does not fit the file",
		                npages);
	size_t nslots = (size_t)npages * NDB_PAGE / NDB_SLOT;
	/* the header takes the place of the first two slots */
	for (size_t i = 2; i < nslots; i++) {
		const unsigned char *slot = data + i * NDB_SLOT;
		if (memcmp(slot, "Slot", 4) != 0)
			return ndb_fail(err, errlen, "NDB slot %zu: bad magic", i);
		uint32_t pkg = le32(slot + 4), blk = le32(slot + 8), blkcnt = le32(slot + 12);
		if (pkg == 0)
			continue; /* free slot */
		uint64_t off = (uint64_t)blk * NDB_BLOCK, room = (uint64_t)blkcnt * NDB_BLOCK;
		if (off < (uint64_t)npages * NDB_PAGE || off + 16 > len || room < 16 ||
		    off + room > len)
			return ndb_fail(err, errlen, "NDB package %u: blob outside the file", pkg);
		const unsigned char *blob = data + off;
		if (memcmp(blob, "BlbS", 4) != 0 || le32(blob + 4) != pkg)
			return ndb_fail(err, errlen, "NDB package %u: bad blob header", pkg);
		uint32_t n = le32(blob + 12);
		if ((uint64_t)n + 16 > room)
			return ndb_fail(err, errlen, "NDB package %u: blob longer than its blocks",
			                pkg);
		int rc = cb(user, blob + 16, n);
		if (rc)
			return rc;
	}
	return 0;
}

bool rpm_split_srpm(const char *srpm, char *name, size_t namesz, char *vr, size_t vrsz)
{
	if (!srpm)
		return false;
	size_t n = strlen(srpm);
	static const char *const suffixes[] = {".src.rpm", ".nosrc.rpm"};
	size_t base = 0;
	for (size_t i = 0; i < 2; i++) {
		size_t s = strlen(suffixes[i]);
		if (n > s && !strcmp(srpm + n - s, suffixes[i])) {
			base = n - s;
			break;
		}
	}
	if (!base)
		return false;
	/* NAME-VERSION-RELEASE: the last two hyphens separate release and version */
	const char *rel = NULL, *ver = NULL;
	for (size_t i = base; i-- > 0;) {
		if (srpm[i] != '-')
			continue;
		if (!rel) {
			rel = srpm + i;
		} else {
			ver = srpm + i;
			break;
		}
	}
	if (!ver || ver == srpm || rel == ver + 1 || rel + 1 == srpm + base)
		return false;
	size_t nl = (size_t)(ver - srpm), vl = base - nl - 1;
	if (nl >= namesz || vl >= vrsz)
		return false;
	memcpy(name, srpm, nl);
	name[nl] = 0;
	memcpy(vr, ver + 1, vl);
	vr[vl] = 0;
	return true;
}
