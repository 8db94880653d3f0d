/* Pure helpers of the rpm plugin: source rpm file names, the NDB database container. */
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

/* NEVRA parts; empty strings for absent parts. */
struct rpm_nevra {
	char name[256], epoch[16], version[256], release[256], arch[32];
};

/*
 * Parse "name-[epoch:]version-release[.arch]" (any leading part may be absent: "1:2.0-1",
 * "2.0-1.x86_64"). The arch is recognised only from rpm's architecture names, so the ".fc39"
 * of a release is not taken for one. Returns false when there is no version-release.
 */
bool rpm_parse_nevra(const char *in, struct rpm_nevra *out);

/*
 * Walk an NDB rpm database (Packages.db, SUSE): a 32-byte header ("RpmP", version 0, slot page
 * count), slot pages of 16-byte slots ("Slot", package index, block offset, block count), and
 * for each used slot a blob at 16 * block offset: a 16-byte blob header ("BlbS", package index,
 * checksum, length) followed by the package's header blob. librpm has no NDB backend in
 * Debian's build, so this container reader is ours; the header blobs it yields are parsed by
 * librpm. Every offset and length is checked against the buffer.
 * Calls cb(user, blob, len) for each package; returns 0, LUCID_EPARSE (err says why), or cb's
 * first non-zero result.
 */
int rpm_ndb_blobs(const unsigned char *data, size_t len,
                  int (*cb)(void *user, const unsigned char *blob, size_t n), void *user, char *err,
                  size_t errlen);

#endif
