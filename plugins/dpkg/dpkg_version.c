#include "dpkg_version.h"

#include <errno.h>
#include <limits.h>
#include <lucid/error.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VERSION 1024

struct dver {
	long epoch;
	char buf[MAX_VERSION + 1];
	const char *upstream, *revision;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Returns 0, or LUCID_EVERSION for a hard error; *soft is set for dpkg's warnings. */
static int parse(const char *in, struct dver *v, bool *soft)
{
	*soft = false;
	if (!in)
		return LUCID_EVERSION;
	while (is_space(*in))
		in++;
	size_t n = strlen(in);
	while (n && is_space(in[n - 1]))
		n--;
	if (n == 0 || n > MAX_VERSION)
		return LUCID_EVERSION;
	memcpy(v->buf, in, n);
	v->buf[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (is_space(v->buf[i]))
			return LUCID_EVERSION;
	char *s = v->buf;
	char *colon = strchr(s, ':');
	v->epoch = 0;
	if (colon) {
		char *end;
		errno = 0;
		long e = strtol(s, &end, 10);
		if (end == s || end != colon || e < 0 || e > INT_MAX || errno == ERANGE)
			return LUCID_EVERSION;
		if (!colon[1])
			return LUCID_EVERSION;
		v->epoch = e;
		s = colon + 1;
	}
	char *hyphen = strrchr(s, '-');
	if (hyphen) {
		*hyphen++ = 0;
		if (!*hyphen)
			return LUCID_EVERSION;
	}
	v->upstream = s;
	v->revision = hyphen ? hyphen : "";
	if (!*s)
		return LUCID_EVERSION;
	if (!is_digit(*s))
		*soft = true;
	for (const char *p = s; *p; p++)
		if (!is_digit(*p) && !is_alpha(*p) && !strchr(".-+~:", *p))
			*soft = true;
	for (const char *p = v->revision; *p; p++)
		if (!is_digit(*p) && !is_alpha(*p) && !strchr(".+~", *p))
			*soft = true;
	return 0;
}

static int order(char c)
{
	if (is_digit(c))
		return 0;
	if (is_alpha(c))
		return (unsigned char)c;
	if (c == '~')
		return -1;
	if (c)
		return (unsigned char)c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;
		while ((*a && !is_digit(*a)) || (*b && !is_digit(*b))) {
			int ac = order(*a), bc = order(*b);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (is_digit(*a) && is_digit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (is_digit(*a))
			return 1;
		if (is_digit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

int dpkg_version_compare(const char *a, const char *b, int *cmp)
{
	struct dver va, vb;
	bool soft;
	if (parse(a, &va, &soft) < 0 || parse(b, &vb, &soft) < 0)
		return LUCID_EVERSION;
	if (va.epoch != vb.epoch) {
		*cmp = va.epoch < vb.epoch ? -1 : 1;
		return 0;
	}
	int r = verrevcmp(va.upstream, vb.upstream);
	if (!r)
		r = verrevcmp(va.revision, vb.revision);
	*cmp = r < 0 ? -1 : r > 0 ? 1 : 0;
	return 0;
}

int dpkg_version_validate(const char *v)
{
	struct dver d;
	bool soft;
	if (parse(v, &d, &soft) < 0 || soft)
		return LUCID_EVERSION;
	return 0;
}
