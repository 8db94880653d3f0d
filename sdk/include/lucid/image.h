/**
 * \file lucid/image.h
 * Image format handlers: turn an image container (a `docker save` archive, an OCI layout, ...)
 * into an ordered list of layers. The host owns all byte access: the handler reads metadata
 * files through struct lucid_image and names the layer blobs; the host streams, hashes and walks
 * them.
 */
#ifndef LUCID_IMAGE_H
#define LUCID_IMAGE_H

#include "defs.h"
#include "host.h"

LUCID_BEGIN_DECLS

/**
 * An image container opened by the host: a directory or an archive. Member paths are relative,
 * '/'-separated, without "./".
 * Ownership: host. Valid until the callback it was passed to returns.
 */
struct lucid_image {
	uint32_t size;
	const char *location; /**< what the user named (for messages) */
	/**
	 * Read a whole (small) member. Symbolic and hard links inside the container are followed.
	 * \param digest when not NULL ("sha256:<hex>"), the host verifies the member's content
	 * \param max    the largest size accepted; 0 = the host's metadata cap
	 * \param data   receives a borrowed pointer valid until the callback returns
	 * \return 0, LUCID_NOT_FOUND, LUCID_ELIMIT (larger than \p max or the host's metadata cap),
	 *         LUCID_EINTEGRITY (content does not match \p digest)
	 */
	int (*read)(const struct lucid_image *img, const char *path, const char *digest, size_t max,
	            const uint8_t **data, size_t *len);
	/** \return 0 if \p path exists (after links), else LUCID_NOT_FOUND. \p size may be NULL. */
	int (*stat)(const struct lucid_image *img, const char *path, uint64_t *size);
	void *priv; /**< host-private */
};

/** Which hash a layer's digest was taken over. Values are ABI. */
enum lucid_digest_of {
	LUCID_DIGEST_OF_BLOB = 0, /**< the member's bytes as stored (OCI blob digest) */
	LUCID_DIGEST_OF_TAR = 1   /**< the uncompressed tar stream (a diff_id) */
};

/** One layer, bottom first. All strings borrowed for the emit() call. */
struct lucid_image_layer {
	uint32_t size;
	const char *member;     /**< member path of the blob in the container; 1.4: "" when the
	                             container (an archive) is itself the layer's tar (appc ACI) */
	const char *digest;     /**< "sha256:<hex>"; the host verifies it and caches by it. 1.4:
	                             may be NULL when member is "": the host hashes the container */
	int32_t digest_of;      /**< enum lucid_digest_of */
	const char *diff_id;    /**< "sha256:<hex>" of the uncompressed tar, or NULL */
	const char *media_type; /**< or NULL */
	/* 1.4 */
	const char *root; /**< the directory of the layer's tar that holds its filesystem
	                       ("rootfs" in an ACI): other entries are ignored and paths are
	                       taken relative to it; NULL: the tar's root */
};

/** The image chosen from the container. All strings borrowed for the call. */
struct lucid_image_manifest {
	uint32_t size;
	const char *digest;   /**< manifest digest, "sha256:<hex>"; required, except (1.4) NULL
	                           when the only layer is the container itself: the host uses the
	                           container's digest */
	const char *ref;      /**< the reference that selected it (tag, ref.name), or NULL */
	const char *config;   /**< config digest (the image ID), or NULL */
	const char *platform; /**< "linux/amd64", or NULL if unknown */
};

/** Where a format handler reports the manifest and then its layers, bottom first. */
struct lucid_manifest_sink {
	uint32_t size;
	void *priv;
	int (*manifest)(void *priv, const struct lucid_image_manifest *m);
	int (*layer)(void *priv, const struct lucid_image_layer *layer);
};

/** Options of one resolve() call. */
struct lucid_image_request {
	uint32_t size;
	const char *ref;      /**< image in a multi-image container (tag or ref.name), or NULL */
	const char *platform; /**< "os/arch[/variant]"; NULL means linux/amd64 */
};

/** Operations of an image format handler (LUCID_KIND_FORMAT). */
struct lucid_format_ops {
	uint32_t size;
	/**
	 * [any-thread] Is this container in my format? Must only stat/read small metadata.
	 * \return 0 yes, LUCID_NOT_FOUND no, < 0 error.
	 */
	int (*probe)(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img);
	/**
	 * [any-thread] Pick one image per \p req and report its manifest and layers.
	 * When \p req->ref is NULL and the container holds several images, return LUCID_NOT_FOUND
	 * with an error text that lists the available refs.
	 * \return 0; LUCID_NOT_FOUND (no image for the ref or platform; the host reports it as an
	 *         input error); or < 0 (LUCID_EPARSE for malformed metadata).
	 */
	int (*resolve)(void *self, const struct lucid_ctx *ctx, const struct lucid_image *img,
	               const struct lucid_image_request *req,
	               const struct lucid_manifest_sink *out);
};

LUCID_END_DECLS

#endif
