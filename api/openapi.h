/* The OpenAPI 3 description of every route (api/openapi.json, embedded at build time). */
#ifndef API_OPENAPI_H
#define API_OPENAPI_H

extern const char api_openapi_json[];

#endif
