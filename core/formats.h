/*
 * Report formats for CI systems and SBOM tools: SARIF 2.1.0, CycloneDX 1.5 JSON, SPDX 2.3
 * JSON, JUnit XML and a small text template language. Each writes to a FILE and is
 * deterministic: timestamps come from SOURCE_DATE_EPOCH when it is set, identifiers from the
 * manifest digest.
 */
#ifndef CORE_FORMATS_H
#define CORE_FORMATS_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

struct format_opts {
	bool sbom_only; /* packages alone, no vulnerabilities */
	const char *tool_version;
	const char *template_text; /* --format template: the template's text */
};

/* "pkg:deb/debian/bash@4.2%2Bdfsg-0.1?arch=amd64&distro=debian-7" for p; caller frees. */
char *purl_of(const struct index_report *r, const struct pkg_rec *p);

int format_sarif(FILE *f, const struct index_report *r, const struct vuln_report *v,
                 const struct format_opts *o);
int format_cyclonedx(FILE *f, const struct index_report *r, const struct vuln_report *v,
                     const struct format_opts *o);
int format_spdx(FILE *f, const struct index_report *r, const struct format_opts *o);
int format_junit(FILE *f, const struct index_report *r, const struct vuln_report *v,
                 const struct format_opts *o);
/*
 * The template language: text, with {{.Image}}, {{.Namespace}}, {{.Total}} anywhere, and
 * {{range .}}...{{end}} repeated per finding with {{.ID}}, {{.Package}}, {{.Installed}},
 * {{.FixedIn}}, {{.Severity}}, {{.State}}, {{.Layer}}, {{.Title}}, {{.Suppressed}} inside.
 * \return 0, or -EINVAL with a message in e for an unknown field or an unclosed range.
 */
int format_template(FILE *f, const struct index_report *r, const struct vuln_report *v,
                    const struct format_opts *o, struct err *e);

#endif
