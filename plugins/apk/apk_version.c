#include "apk_version.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Token kinds, in the order they may follow each other. */
enum tok {
	T_FIRST_DIGITS,
	T_DIGITS,
	T_LETTER,
	T_SUFFIX,
	T_SUFFIX_NUMBER,
	T_HASH,
	T_REVISION,
	T_END,
	T_BAD,
};

/* Suffix ranks: pre-releases below NONE (the bare release), post-releases above. */
enum { S_BAD = -1, S_ALPHA, S_BETA, S_PRE, S_RC, S_NONE, S_CVS, S_SVN, S_GIT, S_HG, S_P };

struct token {
	enum tok kind;
	int suffix;
	uint64_t number;
	const char *text; /* the token's characters, for string comparison */
	size_t len;
};

struct cursor {
	const char *p;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int suffix_rank(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int rank;
	} known[] = {{"alpha", S_ALPHA}, {"beta", S_BETA}, {"pre", S_PRE},
	             {"rc", S_RC},       {"cvs", S_CVS},   {"svn", S_SVN},
	             {"git", S_GIT},     {"hg", S_HG},     {"p", S_P}};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i].name) == n && memcmp(known[i].name, s, n) == 0)
			return known[i].rank;
	return S_BAD;
}

/* Read a run of digits into t (value saturates; empty makes the token bad). */
static void read_digits(struct token *t, struct cursor *c)
{
	t->text = c->p;
	t->number = 0;
	while (is_digit(*c->p)) {
		uint64_t d = (uint64_t)(*c->p - '0');
		t->number = t->number > (UINT64_MAX - d) / 10 ? UINT64_MAX : t->number * 10 + d;
		c->p++;
	}
	t->len = (size_t)(c->p - t->text);
	if (t->len == 0)
		t->kind = T_BAD;
}

static void first(struct token *t, struct cursor *c)
{
	t->kind = T_FIRST_DIGITS;
	read_digits(t, c);
}

/* Advance t to the next token; the kind that may come next depends on the previous one. */
static void next(struct token *t, struct cursor *c)
{
	char ch = *c->p;
	if (ch == 0) {
		t->kind = T_END;
		return;
	}
	if (is_lower(ch)) {
		if (t->kind > T_DIGITS)
			goto bad;
		t->kind = T_LETTER;
		t->text = c->p++;
		t->len = 1;
		return;
	}
	if (ch == '.' || is_digit(ch)) {
		if (ch == '.') {
			if (t->kind > T_DIGITS)
				goto bad;
			c->p++;
		}
		if (t->kind == T_FIRST_DIGITS || t->kind == T_DIGITS)
			t->kind = T_DIGITS;
		else if (t->kind == T_SUFFIX && ch != '.')
			t->kind = T_SUFFIX_NUMBER;
		else
			goto bad;
		read_digits(t, c);
		return;
	}
	if (ch == '_') {
		if (t->kind > T_SUFFIX_NUMBER)
			goto bad;
		c->p++;
		t->text = c->p;
		while (is_lower(*c->p))
			c->p++;
		t->len = (size_t)(c->p - t->text);
		t->suffix = suffix_rank(t->text, t->len);
		if (t->suffix == S_BAD)
			goto bad;
		t->kind = T_SUFFIX;
		return;
	}
	if (ch == '~') {
		if (t->kind >= T_HASH)
			goto bad;
		c->p++;
		t->text = c->p;
		while (is_hex(*c->p))
			c->p++;
		t->len = (size_t)(c->p - t->text);
		if (t->len == 0)
			goto bad;
		t->kind = T_HASH;
		return;
	}
	if (ch == '-') {
		if (t->kind >= T_REVISION || c->p[1] != 'r')
			goto bad;
		c->p += 2;
		t->kind = T_REVISION;
		read_digits(t, c);
		return;
	}
bad:
	t->kind = T_BAD;
}

static int string_order(const struct token *a, const struct token *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->text, b->text, n);
	if (r)
		return r < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Compare two tokens of the same kind. */
static int token_order(const struct token *a, const struct token *b)
{
	uint64_t x, y;
	switch (a->kind) {
	case T_DIGITS:
		/* a leading zero makes the group a string (as Gentoo's rules): 1.05 < 1.1 */
		if (a->text[0] == '0' || b->text[0] == '0')
			return string_order(a, b);
		/* fallthrough */
	case T_FIRST_DIGITS:
	case T_SUFFIX_NUMBER:
	case T_REVISION:
		x = a->number;
		y = b->number;
		break;
	case T_LETTER:
		x = (unsigned char)a->text[0];
		y = (unsigned char)b->text[0];
		break;
	case T_SUFFIX:
		x = (uint64_t)a->suffix;
		y = (uint64_t)b->suffix;
		break;
	default: return string_order(a, b);
	}
	return x < y ? -1 : x > y ? 1 : 0;
}

bool apkv_valid(const char *v)
{
	if (!v)
		return false;
	struct cursor c = {v};
	struct token t = {0};
	for (first(&t, &c); t.kind < T_END; next(&t, &c))
		;
	return t.kind == T_END;
}

int apkv_compare(const char *a, const char *b, bool fuzzy)
{
	struct cursor ca = {a ? a : ""}, cb = {b ? b : ""};
	struct token ta = {0}, tb = {0};
	first(&ta, &ca);
	first(&tb, &cb);
	while (ta.kind == tb.kind && ta.kind < T_END) {
		int r = token_order(&ta, &tb);
		if (r)
			return r;
		next(&ta, &ca);
		next(&tb, &cb);
	}
	if (ta.kind == tb.kind)
		return 0;
	if (fuzzy && tb.kind == T_END)
		return 0;
	/* equal so far: the longer one is newer, unless what follows is a pre-release suffix */
	if (ta.kind == T_SUFFIX && ta.suffix < S_NONE)
		return -1;
	if (tb.kind == T_SUFFIX && tb.suffix < S_NONE)
		return 1;
	return ta.kind > tb.kind ? -1 : 1;
}
