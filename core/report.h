/* Report encoders: JSON (jansson) and a plain-text table. */
#ifndef CORE_REPORT_H
#define CORE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

/* Returns a malloc'd JSON document (caller frees). */
char *report_json(const struct index_report *r, const struct vuln_report *v);
/* The merged enrichments of one finding as a JSON object ({"cve", "cvss3", "cvss4", "epss",
 * "known_exploited"}), or JSON null when none is known. New reference. */
struct json_t;
struct json_t *report_enrichment_json(const struct match *m);
void report_table(FILE *f, const struct index_report *r, const struct vuln_report *v);

struct table_opts {
	bool colour;             /* ANSI colours per severity (a TTY, and NO_COLOR unset) */
	size_t suppressed_total; /* findings hidden by ignore rules or VEX, for the summary */
};
/* The table grouped by severity, with a summary line (counts, fixable share). */
void report_table_ex(FILE *f, const struct index_report *r, const struct vuln_report *v,
                     const struct table_opts *o);

#endif
