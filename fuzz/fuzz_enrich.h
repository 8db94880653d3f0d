/* The body of the three enrichment fuzz targets: ENRICH_PARSER names the parser. Every
 * enrichment emitted is well-formed. */
#include <lucid/record.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enrich_parse.h"

#ifndef ENRICH_PARSER
#error define ENRICH_PARSER before including fuzz_enrich.h
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t n, off;
};

static int64_t mem_read(void *priv, void *dst, size_t len)
{
	struct mem *m = priv;
	size_t k = m->n - m->off;
	if (k > len)
		k = len;
	if (k > 4096)
		k = 4096;
	memcpy(dst, m->p + m->off, k);
	m->off += k;
	return (int64_t)k;
}

static int check(void *u, const struct lucid_enrichment *en)
{
	(void)u;
	if (!en->cve || strncmp(en->cve, "CVE-", 4) != 0 || !en->parts ||
	    ((en->parts & LUCID_ENRICH_CVSS3) && !en->cvss3_vector) ||
	    ((en->parts & LUCID_ENRICH_EPSS) && !(en->epss >= 0 && en->epss <= 1)) ||
	    ((en->parts & LUCID_ENRICH_KEV) && (!en->kev_added || !en->kev_added[0])))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct enrich_stats st = {0};
	struct mem m = {data, size, 0};
	struct lucid_reader r = {sizeof r, &m, mem_read};
	struct lucid_vuln_sink sink = {sizeof sink, NULL, NULL, check};
	ENRICH_PARSER(&r, &sink, &st, err, sizeof err);
	return 0;
}
