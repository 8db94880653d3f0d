#include "elfcheck.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <lucid/error.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A range [off, off + n) inside a file of size len, checked without overflow. */
static bool in_file(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

int elf_exported_symbols(const char *path, int (*cb)(void *user, const char *name), void *user,
                         struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return err_set(e, LUCID_EPARSE, "%s: not an ELF shared object", path);
	}
	uint64_t len = (uint64_t)st.st_size;
	const uint8_t *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return err_set(e, -errno, "%s: %s", path, strerror(errno));
	int rc = 0;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_type != ET_DYN ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), len)) {
		rc = err_set(e, LUCID_EPARSE, "%s: not a 64-bit little-endian ELF shared object",
		             path);
		goto out;
	}
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
	bool found = false;
	for (unsigned i = 0; i < eh->e_shnum && rc == 0; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		found = true;
		if (sh[i].sh_entsize != sizeof(Elf64_Sym) || sh[i].sh_link >= eh->e_shnum ||
		    !in_file(sh[i].sh_offset, sh[i].sh_size, len)) {
			rc = err_set(e, LUCID_EPARSE, "%s: corrupt dynamic symbol table", path);
			break;
		}
		const Elf64_Shdr *strs = &sh[sh[i].sh_link];
		if (!in_file(strs->sh_offset, strs->sh_size, len) || strs->sh_size == 0 ||
		    m[strs->sh_offset + strs->sh_size - 1] != 0) {
			rc = err_set(e, LUCID_EPARSE, "%s: corrupt dynamic string table", path);
			break;
		}
		const Elf64_Sym *sym = (const Elf64_Sym *)(m + sh[i].sh_offset);
		size_t n = sh[i].sh_size / sizeof *sym;
		for (size_t k = 0; k < n && rc == 0; k++) {
			unsigned bind = ELF64_ST_BIND(sym[k].st_info);
			unsigned vis = ELF64_ST_VISIBILITY(sym[k].st_other);
			if (sym[k].st_shndx == SHN_UNDEF ||
			    (bind != STB_GLOBAL && bind != STB_WEAK) ||
			    (vis != STV_DEFAULT && vis != STV_PROTECTED) ||
			    sym[k].st_name >= strs->sh_size)
				continue;
			rc = cb(user, (const char *)m + strs->sh_offset + sym[k].st_name);
		}
	}
	if (rc == 0 && !found)
		rc = err_set(e, LUCID_EPARSE, "%s: no dynamic symbol table: not a shared object",
		             path);
out:
	munmap((void *)m, len);
	return rc;
}
