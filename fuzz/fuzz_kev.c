/* CISA KEV catalog parser. */
#define ENRICH_PARSER kev_parse
#include "fuzz_enrich.h"
