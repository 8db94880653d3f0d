/*
 * Pulling images from registries: the OCI distribution API (/v2/), with the token flow
 * (WWW-Authenticate: Bearer realm=...) or Basic auth, credentials from the Docker client's
 * config.json. Layers are not downloaded here: their blob URLs go to index_manifest, which
 * skips the ones already indexed.
 */
#ifndef CORE_DISTRIBUTION_H
#define CORE_DISTRIBUTION_H

#include <stdbool.h>

#include "indexer.h"

/* registry://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST] */
struct image_ref {
	char *host;      /* as named ("docker.io" is reached as registry-1.docker.io) */
	char *repo;      /* "library/debian" */
	char *tag;       /* or NULL */
	char *digest;    /* or NULL */
	bool plain_http; /* loopback registries are spoken to over http, as Docker does */
};

bool distribution_is_ref(const char *s);
int distribution_parse_ref(const char *s, struct image_ref *out, struct err *e);
void distribution_ref_free(struct image_ref *r);

/* Parse a WWW-Authenticate challenge: scheme ("Bearer"/"Basic") and realm/service/scope. */
struct auth_challenge {
	char scheme[16];
	char realm[1024], service[256], scope[512];
};
bool distribution_parse_challenge(const char *header, struct auth_challenge *out);

/*
 * The Docker credentials for host ("user:password" in *userpass, malloc'd) from
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json; LUCID_NOT_FOUND when there are none.
 */
int distribution_credentials(const char *host, char **userpass, struct err *e);

/* Resolve the image (platform per o->platform), then index it. */
int index_registry(const struct registry *reg, struct store *st, const char *ref,
                   const struct index_opts *o, struct arena *a, struct index_report *out,
                   struct err *e);

#endif
