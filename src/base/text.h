#ifndef DMR_BASE_TEXT_H
#define DMR_BASE_TEXT_H

/*
 * Text checks shared by every front door. Input is untrusted bytes; nothing here allocates.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, nothing above
 * U+10FFFF) and holds no NUL byte. *chars receives the number of code points when non-NULL.
 */
bool text_utf8_valid(const char *s, size_t len, size_t *chars);

/* A plausible e-mail address: one '@', a non-empty local part, a dotted domain, no spaces. */
bool text_email_plausible(const char *s);

/* True when every byte is printable ASCII (0x21-0x7E) and 1 <= len <= max. */
bool text_token_valid(const char *s, size_t max);

/* FNV-1a 64: a cheap, stable fingerprint of bytes (ETags); not collision-resistant. */
uint64_t text_fingerprint(const char *s, size_t len);

#define TEXT_SHA256_HEX_SIZE 65 /* 64 hexadecimal digits and the NUL */

/* The SHA-256 of bytes in lower-case hexadecimal (OpenSSL), where a forged collision matters. */
void text_sha256_hex(const char *s, size_t len, char out[TEXT_SHA256_HEX_SIZE]);

/* YYYY-MM-DD, a real day of the calendar. */
bool text_date_valid(const char *s);

/* An ISO 8601 date, or date-time THH:MM[:SS[.fraction]] with nothing, Z or ±HH:MM after it. */
bool text_datetime_valid(const char *s);

#endif
