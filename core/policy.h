/*
 * What a CI pipeline decides about findings: ignore rules with reasons and expiry dates
 * (.lucidignore.yaml), OpenVEX statements (not_affected / fixed), and the filters and the gate
 * of `lucid scan` (--severity, --only-fixed, --fail-on).
 */
#ifndef CORE_POLICY_H
#define CORE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "registry.h"

struct ignore_rule {
	char *id, *package, *namespace_name, *reason;
	char *versions;     /* "< 2.28, >= 2.0": every condition must hold; NULL: any version */
	char *expires;      /* "YYYY-MM-DD" as written, or NULL */
	int64_t expires_at; /* unix seconds of the end of that day (UTC), or 0 */
	unsigned line;      /* where the rule starts in the file */
};

struct vex_statement {
	char *vulnerability; /* "CVE-2016-20013" */
	char **products;     /* purls */
	size_t nproducts;
	char *status;        /* not_affected, fixed, affected, under_investigation */
	char *justification; /* "VEX not_affected: component_not_present": what a report says */
};

struct policy {
	struct ignore_rule *rules;
	size_t nrules;
	struct vex_statement *vex;
	size_t nvex;
	struct arena a;
};

/*
 * Load ignore rules from a YAML file: {ignore: [{id, package, versions, namespace, reason,
 * expires}]}. Every rule needs a reason and at least one of id, package, namespace.
 * \return 0, or < 0 with a message naming the file and line.
 */
int policy_load_ignore(struct policy *p, const char *path, struct err *e);
/* Load an OpenVEX document (v0.2.0, and the older string forms). \return 0 or < 0. */
int policy_load_vex(struct policy *p, const char *path, struct err *e);
void policy_free(struct policy *p);

/*
 * Mark findings of v suppressed (match.suppressed = the reason) by the first rule or VEX
 * statement that covers them, as of time now; rules past their date no longer apply and are
 * warned about once each. Returns the number of findings suppressed.
 */
size_t policy_apply(const struct policy *p, const struct registry *reg, struct vuln_report *v,
                    int64_t now);

/* "critical", "High", ... -> enum lucid_severity; -1 for anything else. */
int severity_parse(const char *s);

#endif
