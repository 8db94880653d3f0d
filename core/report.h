/* Report encoders: JSON (jansson) and a plain-text table. */
#ifndef CORE_REPORT_H
#define CORE_REPORT_H

#include <stdio.h>

#include "model.h"

/* Returns a malloc'd JSON document (caller frees). */
char *report_json(const struct index_report *r, const struct vuln_report *v);
void report_table(FILE *f, const struct index_report *r, const struct vuln_report *v);

#endif
