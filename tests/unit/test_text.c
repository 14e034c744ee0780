#include <string.h>

#include "base/text.h"
#include "tap.h"

static int valid(const char *s, size_t len)
{
	return text_utf8_valid(s, len, NULL);
}

int main(void)
{
	size_t chars = 0;

	ok(valid("", 0), "empty text is valid");
	ok(text_utf8_valid("Objets abandonnés", strlen("Objets abandonnés"), &chars) && chars == 17,
	   "accented text is valid and counted in characters");
	ok(text_utf8_valid("\xF0\x9F\x97\x91", 4, &chars) && chars == 1, "a 4-byte emoji is one character");
	ok(!valid("\xff\xfe", 2), "bytes that never start UTF-8 are refused");
	ok(!valid("\xC0\xAF", 2), "an overlong '/' is refused");
	ok(!valid("\xE0\x80\xAF", 3), "an overlong 3-byte sequence is refused");
	ok(!valid("\xED\xA0\x80", 3), "a UTF-16 surrogate is refused");
	ok(!valid("\xF4\x90\x80\x80", 4), "a code point above U+10FFFF is refused");
	ok(!valid("\xC3", 1), "a truncated sequence is refused");
	ok(!valid("a\0b", 3), "a NUL byte is refused");
	ok(!valid("\xC3\x28", 2), "a bad continuation byte is refused");

	ok(text_email_plausible("marie.curie@example.org"), "a plain address is plausible");
	ok(!text_email_plausible("marie.curie"), "no @ is refused");
	ok(!text_email_plausible("@example.org"), "an empty local part is refused");
	ok(!text_email_plausible("a@b@example.org"), "two @ are refused");
	ok(!text_email_plausible("a@example"), "a domain without a dot is refused");
	ok(!text_email_plausible("a b@example.org"), "a space is refused");
	ok(!text_email_plausible("a@example."), "a trailing dot is refused");

	ok(text_token_valid("3f2a-retry-1", 200), "a printable key is valid");
	ok(!text_token_valid("", 200), "an empty key is refused");
	ok(!text_token_valid("with space", 200), "a space in a key is refused");
	ok(!text_token_valid("abc", 2), "a key over the limit is refused");

	ok(text_date_valid("2026-12-02"), "a date is valid");
	ok(text_date_valid("2028-02-29"), "29 February of a leap year is valid");
	ok(!text_date_valid("2026-02-29"), "29 February of another year is refused");
	ok(!text_date_valid("2100-02-29"), "2100 is not a leap year");
	ok(text_date_valid("2000-02-29"), "2000 is a leap year");
	ok(!text_date_valid("2026-13-01"), "month 13 is refused");
	ok(!text_date_valid("2026-04-31"), "31 April is refused");
	ok(!text_date_valid("2026-12-02T10:00:00Z"), "a date-time is not a date");
	ok(!text_date_valid("2026-12-2"), "a one-digit day is refused");
	ok(!text_date_valid("2026-12"), "a month alone is refused");
	ok(!text_date_valid(""), "an empty date is refused");

	ok(text_datetime_valid("2026-12-02"), "a date is a valid date-time");
	ok(text_datetime_valid("2026-12-02T10:00:00.123456Z"), "microseconds and Z are valid");
	ok(text_datetime_valid("2026-12-02T10:00+01:00"), "an offset without seconds is valid");
	ok(!text_datetime_valid("2026-12-02T24:00:00Z"), "hour 24 is refused");
	ok(!text_datetime_valid("2026-12-02T10:00:00Zjunk"), "text after the zone is refused");
	ok(!text_datetime_valid("2026-12-02X10:00"), "another separator is refused");
	return tap_done();
}
