/* CVSS v3 base scores from vectors, checked against the scores real feeds state. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cvss.h"
#include "support.h"

struct pairs {
	size_t checked;
	char first_bad[300];
};

/* Every object with a CVSS v3 "vectorString" and a "baseScore" (NVD's and CSAF's shape). */
static void walk(json_t *o, struct pairs *p)
{
	if (json_is_object(o)) {
		const char *vs = json_string_value(json_object_get(o, "vectorString"));
		json_t *bs = json_object_get(o, "baseScore");
		if (vs && !strncmp(vs, "CVSS:3", 6) && json_is_number(bs)) {
			struct cvss3 c;
			char err[200];
			cr_assert_eq(cvss3_parse(vs, strlen(vs), &c, err, sizeof err), 0, "%s: %s",
			             vs, err);
			if (fabs(c.base - json_number_value(bs)) > 1e-9 && !p->first_bad[0])
				snprintf(p->first_bad, sizeof p->first_bad,
				         "%s: computed %.1f, stated %.1f", vs, c.base,
				         json_number_value(bs));
			const char *sev = json_string_value(json_object_get(o, "baseSeverity"));
			if (sev)
				cr_assert_eq(strcasecmp(sev, c.severity), 0, "%s: %s vs %s", vs,
				             sev, c.severity);
			p->checked++;
		}
		const char *k;
		json_t *v;
		json_object_foreach (o, k, v)
			walk(v, p);
	} else if (json_is_array(o)) {
		size_t i;
		json_t *v;
		json_array_foreach (o, i, v)
			walk(v, p);
	}
}

static size_t check_file(const char *path)
{
	json_t *doc = json_load_file(path, 0, NULL);
	cr_assert_not_null(doc, "%s", path);
	struct pairs p = {0};
	walk(doc, &p);
	json_decref(doc);
	cr_assert_eq(p.first_bad[0], 0, "%s: %s", path, p.first_bad);
	return p.checked;
}

Test(cvss, every_vector_in_the_fixtures)
{
	size_t n = check_file(data_path("feeds/enrichers/nvd-cve-api-2.0.excerpt.json"));
	n += check_file(data_path("feeds/rhel/cve-2023-38545.json"));
	cr_assert_geq(n, 4, "only %zu vectors", n);
	size_t bundled = n;
	/* Red Hat's CSAF advisories and VEX documents in ../shared */
	const char *more[] = {"testdata/feeds/rhel/csaf-advisories/rhsa-2023_3821.json",
	                      "testdata/feeds/rhel/csaf-advisories/rhsa-2023_7025.json",
	                      "testdata/feeds/rhel/csaf-advisories/rhsa-2024_0811.json",
	                      "testdata/feeds/rhel/csaf-advisories/rhsa-2024_6163.json",
	                      "testdata/feeds/rhel/csaf-advisories/rhsa-2024_9371.json",
	                      "testdata/feeds/rhel/csaf-advisories/rhsa-2025_23414.json",
	                      "testdata/feeds/rhel/csaf-advisories/claircore-cve-2024-22047.json",
	                      "testdata/feeds/rhel/csaf-advisories/claircore-cve-2021-0084.json",
	                      "testdata/feeds/rhel/vex/cve-2022-38752.json",
	                      "testdata/feeds/rhel/vex/cve-2023-42670.json"};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
		const char *p = shared_path(more[i]);
		if (p && access(p, R_OK) == 0)
			n += check_file(p);
	}
	if (shared_path("testdata/PROVENANCE.md"))
		cr_assert_geq(n - bundled, 15, "only %zu vectors in ../shared", n - bundled);
	cr_log_info("%zu CVSS v3 vectors checked", n);
}

Test(cvss, specification_edges)
{
	const struct {
		const char *v;
		double score;
		const char *sev;
	} ok[] = {
	        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical"},
	        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "Critical"},
	        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "None"},
	        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "High"},
	        /* temporal metrics are allowed and do not change the base score */
	        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:P/RL:O/RC:C", 7.5, "High"},
	        /* order does not matter */
	        {"CVSS:3.0/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:N/A:N", 7.5, "High"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		struct cvss3 c;
		char err[200];
		cr_assert_eq(cvss3_parse(ok[i].v, strlen(ok[i].v), &c, err, sizeof err), 0,
		             "%s: %s", ok[i].v, err);
		cr_assert_float_eq(c.base, ok[i].score, 1e-9, "%s: %.1f", ok[i].v, c.base);
		cr_assert_str_eq(c.severity, ok[i].sev);
	}
	const char *bad[] = {"",
	                     "CVSS:2.0/AV:N",
	                     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
	                     "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	                     "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	                     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
	                     "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
	                     "CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	                     "CVSS:3.1/AV"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct cvss3 c;
		char err[200] = "";
		cr_assert_eq(cvss3_parse(bad[i], strlen(bad[i]), &c, err, sizeof err), -1, "%s",
		             bad[i]);
		cr_assert_neq(err[0], 0);
	}
}
