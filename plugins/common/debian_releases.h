/*
 * Debian release codenames and their version ids, shared by the os-release detector and the
 * Debian feed fetcher. To support a new release, add a line (keep the list sorted by version).
 */
#ifndef LUCID_PLUGINS_DEBIAN_RELEASES_H
#define LUCID_PLUGINS_DEBIAN_RELEASES_H

#include <string.h>

struct debian_release {
	const char *codename, *version_id;
};

static const struct debian_release debian_releases[] = {
        {"buzz", "1.1"},     {"rex", "1.2"},    {"bo", "1.3"},    {"hamm", "2.0"},
        {"slink", "2.1"},    {"potato", "2.2"}, {"woody", "3.0"}, {"sarge", "3.1"},
        {"etch", "4"},       {"lenny", "5"},    {"squeeze", "6"}, {"wheezy", "7"},
        {"jessie", "8"},     {"stretch", "9"},  {"buster", "10"}, {"bullseye", "11"},
        {"bookworm", "12"},  {"trixie", "13"},  {"forky", "14"},  {"duke", "15"},
        {"sid", "unstable"},
};

/* The version id of a codename ("bookworm" -> "12"), or NULL if unknown. */
static inline const char *debian_version_of(const char *codename, size_t len)
{
	for (size_t i = 0; i < sizeof debian_releases / sizeof debian_releases[0]; i++)
		if (strlen(debian_releases[i].codename) == len &&
		    memcmp(debian_releases[i].codename, codename, len) == 0)
			return debian_releases[i].version_id;
	return NULL;
}

#endif
