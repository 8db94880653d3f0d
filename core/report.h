/* Report encoders: JSON (jansson) and a plain-text table. */
#ifndef CORE_REPORT_H
#define CORE_REPORT_H

#include <stdio.h>

#include "model.h"

/* Returns a malloc'd JSON document (caller frees). */
char *report_json(const struct index_report *r, const struct vuln_report *v);
/* The merged enrichments of one finding as a JSON object ({"cve", "cvss3", "cvss4", "epss",
 * "known_exploited"}), or JSON null when none is known. New reference. */
struct json_t;
struct json_t *report_enrichment_json(const struct match *m);
void report_table(FILE *f, const struct index_report *r, const struct vuln_report *v);

#endif
