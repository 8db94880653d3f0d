/**
 * \file lucid/error.h
 * Result codes. Every SDK callback returns an int:
 *  - 0 (LUCID_OK) success;
 *  - > 0 a non-error outcome (LUCID_NOT_FOUND, LUCID_UNCHANGED);
 *  - < 0 an error: either a negated errno value or one of the LUCID_E* codes below, which lie
 *    beneath every errno value. Detail goes through lucid_set_error().
 * Values are ABI: never renumbered, new ones are appended.
 */
#ifndef LUCID_ERROR_H
#define LUCID_ERROR_H

#include <string.h>

#include "defs.h"

LUCID_BEGIN_DECLS

enum lucid_status {
	LUCID_OK = 0,
	/** Nothing applicable here (no package database in this layer, not this plugin's format).
	 */
	LUCID_NOT_FOUND = 1,
	/** A feed did not change since the stored fingerprint (HTTP 304 or same content). */
	LUCID_UNCHANGED = 2,
	/** Malformed input. */
	LUCID_EPARSE = -20001,
	/** A version string that the comparator cannot parse. */
	LUCID_EVERSION = -20002,
	/** A transient failure: the host may retry later. */
	LUCID_ERETRY = -20003,
	/** Input exceeded a size or count cap. */
	LUCID_ELIMIT = -20004,
	/** A plugin descriptor was rejected by the host (ABI mismatch). */
	LUCID_EABI = -20005,
	/** The operation was cancelled through lucid_host::cancelled. */
	LUCID_ECANCELLED = -20006,
	/** Content failed an integrity check (digest mismatch). */
	LUCID_EINTEGRITY = -20007,
	/** Highest-numbered (lowest) code of this SDK version. Append new codes below it. */
	LUCID_ELAST = LUCID_EINTEGRITY
};

/**
 * A static English description of \p rc: an SDK status or a negated errno value.
 * \return a string with static storage; never NULL.
 */
static inline const char *lucid_strerror(int rc)
{
	switch (rc) {
	case LUCID_OK: return "success";
	case LUCID_NOT_FOUND: return "not found";
	case LUCID_UNCHANGED: return "unchanged";
	case LUCID_EPARSE: return "malformed input";
	case LUCID_EVERSION: return "invalid version string";
	case LUCID_ERETRY: return "transient failure, retry later";
	case LUCID_ELIMIT: return "size or count limit exceeded";
	case LUCID_EABI: return "plugin ABI rejected";
	case LUCID_ECANCELLED: return "cancelled";
	case LUCID_EINTEGRITY: return "integrity check failed";
	default: break;
	}
	if (rc < 0 && rc > -4096)
		return strerror(-rc);
	return "unknown error";
}

LUCID_END_DECLS

#endif
