/* What a plugin file exports, read from its ELF dynamic symbol table without loading it. */
#ifndef CORE_ELFCHECK_H
#define CORE_ELFCHECK_H

#include <stdbool.h>

#include "util.h"

/*
 * Call cb for every symbol path (a 64-bit little-endian ELF shared object) defines and
 * exports with default or protected visibility. Every offset is bounds-checked: the file may
 * be anything. \return 0, LUCID_EPARSE (not such a file), -errno, or cb's error.
 */
int elf_exported_symbols(const char *path, int (*cb)(void *user, const char *name), void *user,
                         struct err *e);

#endif
