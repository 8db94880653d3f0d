#include "rpm_parse.h"

#include <string.h>

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
