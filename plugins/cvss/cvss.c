#include "cvss.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* CVSS 3.1 Roundup (appendix A): the smallest one-decimal number >= x, robust to floating
 * point error by working in integers. */
static double roundup31(double x)
{
	long long i = llround(x * 100000.0);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* CVSS 3.0: ceil to one decimal */
static double roundup30(double x)
{
	return ceil(x * 10.0 - 1e-9) / 10.0;
}

struct metric {
	const char *name;
	const char *values; /* accepted value letters */
};

static const struct metric base_metrics[8] = {
        {"AV", "NALP"}, {"AC", "LH"}, {"PR", "NLH"}, {"UI", "NR"},
        {"S", "UC"},    {"C", "HLN"}, {"I", "HLN"},  {"A", "HLN"},
};

/* temporal and environmental metrics: allowed, not scored here */
static const char *const other_metrics[] = {"E",   "RL",  "RC",  "CR", "IR", "AR", "MAV",
                                            "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"};

static int fail(char *err, size_t errlen, const char *what, const char *at, size_t n)
{
	snprintf(err, errlen, "%s: '%.*s'", what, (int)(n > 40 ? 40 : n), at);
	return -1;
}

int cvss3_parse(const char *v, size_t len, struct cvss3 *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (len < 9 || (strncmp(v, "CVSS:3.0/", 9) != 0 && strncmp(v, "CVSS:3.1/", 9) != 0))
		return fail(err, errlen, "not a CVSS v3.0/v3.1 vector", v, len);
	out->minor = v[7] - '0';
	char val[8] = {0};
	const char *p = v + 9, *end = v + len;
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		const char *colon = memchr(p, ':', n);
		if (!colon || colon == p || colon + 1 >= p + n)
			return fail(err, errlen, "malformed metric", p, n);
		size_t kn = (size_t)(colon - p), vn = n - kn - 1;
		int k = -1;
		for (int i = 0; i < 8; i++)
			if (strlen(base_metrics[i].name) == kn &&
			    !strncmp(p, base_metrics[i].name, kn))
				k = i;
		if (k >= 0) {
			if (vn != 1 || !strchr(base_metrics[k].values, colon[1]) || colon[1] == 0)
				return fail(err, errlen, "invalid value", p, n);
			if (val[k])
				return fail(err, errlen, "metric given twice", p, n);
			val[k] = colon[1];
		} else {
			int known = 0;
			for (size_t i = 0; i < sizeof other_metrics / sizeof other_metrics[0]; i++)
				if (strlen(other_metrics[i]) == kn &&
				    !strncmp(p, other_metrics[i], kn))
					known = 1;
			if (!known)
				return fail(err, errlen, "unknown metric", p, n);
		}
		p += n + (slash ? 1 : 0);
		if (slash && p == end)
			return fail(err, errlen, "trailing '/'", v, len);
	}
	for (int i = 0; i < 8; i++)
		if (!val[i])
			return fail(err, errlen, "missing base metric", base_metrics[i].name,
			            strlen(base_metrics[i].name));
	int changed = val[4] == 'C';
	double av = val[0] == 'N' ? 0.85 : val[0] == 'A' ? 0.62 : val[0] == 'L' ? 0.55 : 0.2;
	double ac = val[1] == 'L' ? 0.77 : 0.44;
	double pr = val[2] == 'N'   ? 0.85
	            : val[2] == 'L' ? (changed ? 0.68 : 0.62)
	                            : (changed ? 0.5 : 0.27);
	double ui = val[3] == 'N' ? 0.85 : 0.62;
	double cia[3];
	for (int i = 0; i < 3; i++)
		cia[i] = val[5 + i] == 'H' ? 0.56 : val[5 + i] == 'L' ? 0.22 : 0;
	double iss = 1 - (1 - cia[0]) * (1 - cia[1]) * (1 - cia[2]);
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double expl = 8.22 * av * ac * pr * ui;
	double (*roundup)(double) = out->minor == 1 ? roundup31 : roundup30;
	double base = 0;
	if (impact > 0) {
		double sum = changed ? 1.08 * (impact + expl) : impact + expl;
		base = roundup(sum < 10 ? sum : 10);
	}
	out->base = base;
	out->impact = impact;
	out->exploitability = expl;
	out->severity = base == 0    ? "None"
	                : base < 4.0 ? "Low"
	                : base < 7.0 ? "Medium"
	                : base < 9.0 ? "High"
	                             : "Critical";
	return 0;
}
