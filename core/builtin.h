/* Plugins linked into the executable by a vendor build (-Dstatic_plugins); NULL-terminated. */
#ifndef CORE_BUILTIN_H
#define CORE_BUILTIN_H

#include <lucid/plugin.h>

extern const struct lucid_plugin *const lucid_builtin_plugins[];

#endif
