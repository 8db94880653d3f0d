/*
 * Alpine package versions, ordered as apk-tools orders them:
 *   digits{.digits}[letter]{_suffix[digits]}[~hexhash][-rN]
 * Pre-release suffixes (_alpha _beta _pre _rc) sort before the bare release, post-release ones
 * (_cvs _svn _git _hg _p) after it; a digit group with a leading zero compares as a string.
 */
#ifndef APK_VERSION_H
#define APK_VERSION_H

#include <stdbool.h>

/* True when v is a well-formed apk version. */
bool apkv_valid(const char *v);
/*
 * Compare a and b: < 0, 0, > 0. Defined for any strings (malformed tails compare as apk-tools
 * does). With fuzzy, a matches b when b is a prefix of a at a token boundary ("3.6.1" ~ "3.6").
 */
int apkv_compare(const char *a, const char *b, bool fuzzy);

#endif
