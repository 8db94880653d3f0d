/* Pure helpers of the rpm plugin: source rpm file names. */
#ifndef RPM_PARSE_H
#define RPM_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Split a SOURCERPM value ("openssl-3.0.7-16.el9_2.src.rpm") into the source package name
 * ("openssl") and its version-release ("3.0.7-16.el9_2"). Returns false when it is not of the
 * NAME-VERSION-RELEASE.(no)src.rpm form.
 */
bool rpm_split_srpm(const char *srpm, char *name, size_t namesz, char *vr, size_t vrsz);

#endif
