/*
 * CVSS v3.0 / v3.1 base scores computed from the vector string (FIRST's specification,
 * section 7 and appendix A), for the enrichment fetchers: lucid checks every score a feed
 * states against the one its vector gives. Pure; no allocation.
 */
#ifndef LUCID_CVSS_H
#define LUCID_CVSS_H

#include <stddef.h>

struct cvss3 {
	int minor;   /* 0 or 1: "CVSS:3.0" or "CVSS:3.1" */
	double base; /* base score, 0.0 to 10.0, rounded up to one decimal as the spec says */
	double impact, exploitability; /* the subscores (unrounded) */
	const char *severity;          /* "None", "Low", "Medium", "High", "Critical" */
};

/*
 * Parse "CVSS:3.x/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" (temporal and environmental metrics
 * may follow and are ignored) and compute its base score. Every base metric must appear
 * exactly once with a valid value. \return 0, or -1 with a reason in err.
 */
int cvss3_parse(const char *vector, size_t len, struct cvss3 *out, char *err, size_t errlen);

#endif
