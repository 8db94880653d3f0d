/* NVD CVE API 2.0 stream parser. */
#define ENRICH_PARSER nvd_parse
#include "fuzz_enrich.h"
