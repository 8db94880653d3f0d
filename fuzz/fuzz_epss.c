/* FIRST EPSS CSV parser. */
#define ENRICH_PARSER epss_parse
#include "fuzz_enrich.h"
