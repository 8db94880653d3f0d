/* Matching an index report against the stored vulnerabilities. */
#ifndef CORE_MATCHER_H
#define CORE_MATCHER_H

#include "model.h"
#include "registry.h"
#include "store.h"

/* Fills out with every (package, vulnerability) pair that applies, sorted. */
int match_report(const struct registry *reg, struct store *st, const struct index_report *rep,
                 struct arena *a, struct vuln_report *out, struct err *e);

#endif
