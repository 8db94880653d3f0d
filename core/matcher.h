/* Matching an index report against the stored vulnerabilities. */
#ifndef CORE_MATCHER_H
#define CORE_MATCHER_H

#include "model.h"
#include "registry.h"
#include "store.h"

/*
 * Does record v apply to package pkg, looked up by its source name (by_source) or binary
 * name, comparing version installed? 1 yes, 0 no, LUCID_EVERSION unparsable version.
 */
int match_applies(const struct registry *reg, const struct pkg_rec *pkg, const struct vuln_rec *v,
                  bool by_source, const char *installed);
/* Whether v applies to p by whichever of p's names v names; *installed: the version compared. */
int match_package(const struct registry *reg, const struct pkg_rec *p, const struct vuln_rec *v,
                  const char **installed);

/* Fills out with every (package, vulnerability) pair that applies, sorted. */
int match_report(const struct registry *reg, struct store *st, const struct index_report *rep,
                 struct arena *a, struct vuln_report *out, struct err *e);

#endif
