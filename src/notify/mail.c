#include "notify/mail.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"

/*
 * RFC 2047 "B" encoding of a UTF-8 header value, in words of at most 36 bytes of text, so
 * that a header line stays under 78 characters.
 */
static void put_encoded_word(struct buf *b, const char *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s);

	for (size_t start = 0; start < len;) {
		size_t n = len - start > 36 ? 36 : len - start;

		/* A word never splits a UTF-8 character. */
		while (start + n < len && ((unsigned char)s[start + n] & 0xC0) == 0x80)
			n--;
		buf_puts(b, start ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		for (size_t i = 0; i < n; i += 3) {
			unsigned v = (unsigned char)s[start + i] << 16;
			char out[4];

			v |= i + 1 < n ? (unsigned char)s[start + i + 1] << 8 : 0;
			v |= i + 2 < n ? (unsigned char)s[start + i + 2] : 0;
			out[0] = b64[(v >> 18) & 63];
			out[1] = b64[(v >> 12) & 63];
			out[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
			out[3] = i + 2 < n ? b64[v & 63] : '=';
			buf_append(b, out, 4);
		}
		buf_puts(b, "?=");
		start += n;
	}
}

/* Quoted-printable (RFC 2045): lines of at most 76 characters, CRLF line ends. */
static void put_quoted_printable(struct buf *b, const char *s)
{
	int column = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char hex[4];
		bool end_of_line = s[1] == '\n' || s[1] == '\0';

		if (c == '\n') {
			buf_puts(b, "\r\n");
			column = 0;
			continue;
		}
		if (column >= 72) {
			buf_puts(b, "=\r\n");
			column = 0;
		}
		if ((c >= 33 && c <= 126 && c != '=' && !(c == '.' && column == 0)) ||
		    (c == ' ' && !end_of_line)) {
			buf_append(b, (const char *)&c, 1);
			column++;
		} else {
			snprintf(hex, sizeof hex, "=%02X", c);
			buf_append(b, hex, 3);
			column += 3;
		}
	}
	if (column)
		buf_puts(b, "\r\n");
}

/* The address alone, from "Name <address>" or a bare address. */
static void address_of(const char *from, char *out, size_t size)
{
	const char *lt = strrchr(from, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;

	if (lt && gt)
		snprintf(out, size, "%.*s", (int)(gt - lt - 1), lt + 1);
	else
		snprintf(out, size, "%s", from);
}

static void put_from(struct buf *b, const char *from)
{
	const char *lt = strrchr(from, '<');
	char name[256];

	if (!lt || lt == from) {
		buf_puts(b, from);
		return;
	}
	snprintf(name, sizeof name, "%.*s", (int)(lt - from), from);
	name[strcspn(name, "\r\n")] = '\0';
	while (strlen(name) && name[strlen(name) - 1] == ' ')
		name[strlen(name) - 1] = '\0';
	put_encoded_word(b, name);
	buf_puts(b, " ");
	buf_puts(b, lt);
}

char *mail_compose(const char *from, const char *to, const char *message_id,
		   const struct message_text *text, const char *unsubscribe_url)
{
	struct buf b = {0};
	char date[64], from_addr[256];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	address_of(from, from_addr, sizeof from_addr);
	buf_puts(&b, "Date: ");
	buf_puts(&b, date);
	buf_puts(&b, "\r\nFrom: ");
	put_from(&b, from);
	buf_puts(&b, "\r\nTo: <");
	buf_puts(&b, to);
	buf_puts(&b, ">\r\nMessage-ID: <");
	buf_puts(&b, message_id);
	buf_puts(&b, "@");
	buf_puts(&b, strchr(from_addr, '@') ? strchr(from_addr, '@') + 1 : "dansmarue");
	buf_puts(&b, ">\r\nSubject: ");
	put_encoded_word(&b, text->subject);
	if (unsubscribe_url) {
		/* RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe. */
		buf_puts(&b, "\r\nList-Unsubscribe: <");
		buf_puts(&b, unsubscribe_url);
		buf_puts(&b, ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click");
	}
	buf_puts(&b, "\r\nMIME-Version: 1.0\r\n"
		  "Content-Type: text/plain; charset=UTF-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n"
		  "Auto-Submitted: auto-generated\r\n\r\n");
	put_quoted_printable(&b, text->body);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

struct upload {
	const char *data;
	size_t left;
};

static size_t read_message(char *dest, size_t size, size_t nmemb, void *userp)
{
	struct upload *u = userp;
	size_t n = size * nmemb < u->left ? size * nmemb : u->left;

	memcpy(dest, u->data, n);
	u->data += n;
	u->left -= n;
	return n;
}

/* Addresses were checked when stored; one that could break the SMTP dialogue is refused. */
static bool address_safe(const char *to)
{
	for (const unsigned char *p = (const unsigned char *)to; *p; p++)
		if (*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
			return false;
	return *to != '\0';
}

bool mail_send(const struct notify_config *cfg, const char *to, const char *message_id,
	       const struct message_text *text, const char *unsubscribe_url,
	       struct dmr_error *err)
{
	char from_addr[256], error[CURL_ERROR_SIZE] = "";
	struct curl_slist *rcpt = NULL;
	struct upload u;
	char *message;
	CURL *curl;
	CURLcode rc;

	if (!address_safe(to))
		return dmr_fail(err, "smtp", NULL, "unusable recipient address");
	message = mail_compose(cfg->smtp_from, to, message_id, text, unsubscribe_url);
	curl = curl_easy_init();
	rcpt = curl_slist_append(NULL, to);
	if (!message || !curl || !rcpt) {
		free(message);
		curl_easy_cleanup(curl);
		curl_slist_free_all(rcpt);
		return dmr_fail(err, "smtp", NULL, "out of memory");
	}
	address_of(cfg->smtp_from, from_addr, sizeof from_addr);
	u = (struct upload){message, strlen(message)};
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp_url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from_addr);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	/*
	 * With credentials, TLS or nothing: over smtp:// a man in the middle who strips the
	 * relay's STARTTLS would otherwise read the password (unless told, DMR_SMTP_INSECURE).
	 */
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
			 (long)(cfg->smtp_user && !cfg->smtp_insecure ? CURLUSESSL_ALL
								      : CURLUSESSL_TRY));
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
	if (cfg->smtp_user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->smtp_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->smtp_password);
	}
	rc = curl_easy_perform(curl);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
	free(message);
	if (rc != CURLE_OK)
		return dmr_fail(err, "smtp", NULL, "%s", error[0] ? error : curl_easy_strerror(rc));
	return true;
}
