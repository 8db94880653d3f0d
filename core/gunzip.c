#include "gunzip.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LUCID_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#define GUNZIP_OUT_SIZE (256u * 1024)

enum gunzip_mode {
	MODE_UNKNOWN, /* nothing read yet */
	MODE_PLAIN,   /* not gzip (or no ISA-L): raw bytes pass through */
	MODE_GZIP,    /* inflating here */
	MODE_END,
};

struct gunzip {
	gunzip_pull_fn pull;
	void *user;
	enum gunzip_mode mode;
	uint64_t expanded;
	/* raw bytes pulled but not yet handed to the inflater (after a member's end) */
	const uint8_t *pending;
	size_t npending;
	uint8_t probe[64]; /* the first bytes, when the first pulls give fewer than three */
#ifdef LUCID_HAVE_ISAL
	bool starved; /* the last inflate call stopped for want of input */
	struct inflate_state st;
	uint8_t join[64]; /* the start of a following member, when it straddles two pulls */
	uint8_t out[GUNZIP_OUT_SIZE];
#endif
};

struct gunzip *gunzip_new(gunzip_pull_fn pull, void *user)
{
	struct gunzip *g = xcalloc(1, sizeof *g);
	g->pull = pull;
	g->user = user;
	return g;
}

void gunzip_free(struct gunzip *g)
{
	free(g);
}

bool gunzip_active(const struct gunzip *g)
{
	return g->mode == MODE_GZIP || (g->mode == MODE_END && g->expanded > 0);
}

bool gunzip_plain(const struct gunzip *g)
{
	return g->mode == MODE_PLAIN && g->npending == 0;
}

uint64_t gunzip_expanded(const struct gunzip *g)
{
	return g->expanded;
}

const char *gunzip_engine(void)
{
#ifdef LUCID_HAVE_ISAL
	return "isa-l";
#else
	return "zlib (libarchive)";
#endif
}

/* The next raw bytes: what is pending first, then the pull. */
static ssize_t take_raw(struct gunzip *g, const uint8_t **p, char *why, size_t why_size)
{
	if (g->npending) {
		*p = g->pending;
		ssize_t n = (ssize_t)g->npending;
		g->npending = 0;
		return n;
	}
	return g->pull(g->user, p, why, why_size);
}

#ifdef LUCID_HAVE_ISAL
static bool gzip_magic(const uint8_t *p)
{
	return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

static void start_member(struct gunzip *g, const uint8_t *in, size_t n)
{
	isal_inflate_init(&g->st);
	g->st.crc_flag = ISAL_GZIP; /* parse the header, verify CRC-32 and length */
	g->st.next_in = (uint8_t *)in;
	g->st.avail_in = (uint32_t)n;
	g->starved = false;
}

static const char *isal_reason(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM: return "CRC-32 mismatch: the data is damaged";
	case ISAL_NEED_DICT: return "the stream needs a preset dictionary";
	default: return "undecodable data";
	}
}

/*
 * A member just ended: does another start right after it? 1 (started), 0 (the stream ends;
 * trailing bytes that are not a member are ignored), -1 (the pull failed).
 */
static int next_member(struct gunzip *g, char *why, size_t why_size)
{
	const uint8_t *in = g->st.next_in;
	size_t k = g->st.avail_in;
	if (k < 3) { /* gather three bytes to look at, across pulls */
		memmove(g->join, in, k);
		while (k < 3) {
			const uint8_t *p;
			ssize_t n = take_raw(g, &p, why, why_size);
			if (n < 0)
				return -1;
			if (n == 0)
				break;
			size_t m = (size_t)n < sizeof g->join - k ? (size_t)n : sizeof g->join - k;
			memcpy(g->join + k, p, m);
			k += m;
			g->pending = p + m;
			g->npending = (size_t)n - m;
		}
		in = g->join;
	}
	if (k < 3 || !gzip_magic(in))
		return 0;
	start_member(g, in, k);
	return 1;
}

static ssize_t inflate_some(struct gunzip *g, const void **out, char *why, size_t why_size)
{
	for (;;) {
		if (g->st.avail_in == 0 && g->starved) {
			const uint8_t *p;
			ssize_t n = take_raw(g, &p, why, why_size);
			if (n < 0)
				return -1;
			if (n == 0) {
				snprintf(why, why_size,
				         "gzip: unexpected end of compressed data (a truncated "
				         "layer?)");
				return -1;
			}
			g->st.next_in = (uint8_t *)p;
			g->st.avail_in = (uint32_t)n;
		}
		uint32_t in_before = g->st.avail_in;
		g->st.next_out = g->out;
		g->st.avail_out = GUNZIP_OUT_SIZE;
		int r = isal_inflate(&g->st);
		if (r != ISAL_DECOMP_OK) {
			snprintf(why, why_size, "gzip: %s", isal_reason(r));
			return -1;
		}
		size_t made = GUNZIP_OUT_SIZE - g->st.avail_out;
		g->expanded += made;
		bool finished = g->st.block_state == ISAL_BLOCK_FINISH;
		g->starved = !finished && g->st.avail_out > 0;
		if (!finished && made == 0 && in_before > 0 && g->st.avail_in == in_before) {
			snprintf(why, why_size, "gzip: the decoder made no progress");
			return -1;
		}
		if (finished) {
			int nx = next_member(g, why, why_size);
			if (nx < 0)
				return -1;
			if (nx == 0)
				g->mode = MODE_END;
		}
		if (made > 0) {
			*out = g->out;
			return (ssize_t)made;
		}
		if (g->mode == MODE_END)
			return 0;
	}
}
#endif

ssize_t gunzip_read(struct gunzip *g, const void **out, char *why, size_t why_size)
{
	const uint8_t *p;
	ssize_t n;
	switch (g->mode) {
	case MODE_END: return 0;
	case MODE_UNKNOWN:
		n = take_raw(g, &p, why, why_size);
		if (n < 0) {
			g->mode = MODE_END;
			return -1;
		}
		if (n > 0 && n < 3) { /* gather three bytes to look at */
			size_t k = (size_t)n;
			memcpy(g->probe, p, k);
			while (k < 3) {
				const uint8_t *q;
				ssize_t m = take_raw(g, &q, why, why_size);
				if (m < 0) {
					g->mode = MODE_END;
					return -1;
				}
				if (m == 0)
					break;
				size_t c = (size_t)m < sizeof g->probe - k ? (size_t)m
				                                           : sizeof g->probe - k;
				memcpy(g->probe + k, q, c);
				k += c;
				g->pending = q + c;
				g->npending = (size_t)m - c;
			}
			p = g->probe;
			n = (ssize_t)k;
		}
		if (n == 0) {
			g->mode = MODE_END;
			return 0;
		}
#ifdef LUCID_HAVE_ISAL
		if (n >= 3 && gzip_magic(p)) {
			g->mode = MODE_GZIP;
			start_member(g, p, (size_t)n);
			return inflate_some(g, out, why, why_size);
		}
#endif
		g->mode = MODE_PLAIN;
		*out = p;
		return n;
	case MODE_PLAIN:
		n = take_raw(g, &p, why, why_size);
		if (n <= 0) {
			g->mode = MODE_END;
			return n < 0 ? -1 : 0;
		}
		*out = p;
		return n;
	case MODE_GZIP:
#ifdef LUCID_HAVE_ISAL
		return inflate_some(g, out, why, why_size);
#endif
		break;
	}
	snprintf(why, why_size, "gzip: internal state error");
	return -1;
}
