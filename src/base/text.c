#include "base/text.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s (at most len bytes), or 0 if it is malformed. */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t need;
	unsigned int cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000))
		return 0;
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return need;
}

bool text_utf8_valid(const char *s, size_t len, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t count = 0;

	while (len > 0) {
		size_t n = utf8_sequence_length(p, len);

		if (n == 0)
			return false;
		p += n;
		len -= n;
		count++;
	}
	if (chars)
		*chars = count;
	return true;
}

bool text_email_plausible(const char *s)
{
	const char *at = strchr(s, '@');
	const char *dot;

	if (!at || at == s || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7F)
			return false;
	dot = strrchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] != '\0';
}

bool text_token_valid(const char *s, size_t max)
{
	size_t len = strlen(s);

	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7E)
			return false;
	return true;
}

void text_sha256_hex(const char *s, size_t len, char out[TEXT_SHA256_HEX_SIZE])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, len, md);
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

uint64_t text_fingerprint(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The first ten characters are YYYY-MM-DD, a real day of the calendar. */
static bool date_prefix_valid(const char *s)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	return m != 2 || d < 29 || leap_year(y);
}

bool text_date_valid(const char *s)
{
	return date_prefix_valid(s) && s[10] == '\0';
}

/* THH:MM[:SS[.fraction]] then nothing, Z, or ±HH:MM. */
static bool time_valid(const char *s)
{
	int h, min, sec = 0;

	if ((*s != 'T' && *s != ' ') || !digits(s + 1, 2, &h) || s[3] != ':' ||
	    !digits(s + 4, 2, &min) || h > 23 || min > 59)
		return false;
	s += 6;
	if (*s == ':') {
		if (!digits(s + 1, 2, &sec) || sec > 60)
			return false;
		s += 3;
		if (*s == '.') {
			do
				s++;
			while (*s >= '0' && *s <= '9');
		}
	}
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		if (!digits(s + 1, 2, &h) || s[3] != ':' || !digits(s + 4, 2, &min) || h > 14 ||
		    min > 59)
			return false;
		s += 6;
	}
	return *s == '\0';
}

bool text_datetime_valid(const char *s)
{
	size_t len = strlen(s);

	return len >= 10 && len <= 40 && date_prefix_valid(s) && (len == 10 || time_valid(s + 10));
}
