#include "notify/webhook.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

void webhook_signature(const char *secret, time_t at, const char *body, size_t len,
		       char out[WEBHOOK_SIGNATURE_SIZE])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t mac_len = 0;
	char stamp[24], digest[] = "SHA256";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
			       OSSL_PARAM_construct_end()};
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	int used;

	snprintf(stamp, sizeof stamp, "%lld.", (long long)at);
	if (!ctx ||
	    !EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret), params) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)stamp, strlen(stamp)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)body, len) ||
	    !EVP_MAC_final(ctx, mac, &mac_len, sizeof mac))
		mac_len = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	used = snprintf(out, WEBHOOK_SIGNATURE_SIZE, "t=%lld,v1=", (long long)at);
	for (size_t i = 0; i < mac_len && used + 2 < WEBHOOK_SIGNATURE_SIZE; i++)
		used += snprintf(out + used, (size_t)(WEBHOOK_SIGNATURE_SIZE - used), "%02x", mac[i]);
}

/* The answer's body is not needed: only its status says whether the message was taken. */
static size_t discard(char *data, size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return size * nmemb;
}

bool webhook_post(const struct notify_config *cfg, const char *url, const char *secret,
		  const char *message_id, const char *body, struct dmr_error *err)
{
	char signature[WEBHOOK_SIGNATURE_SIZE], sig_header[160], id_header[96];
	char error[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	long status = 0;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	if (!curl)
		return dmr_fail(err, "webhook", NULL, "out of memory");
	webhook_signature(secret, time(NULL), body, strlen(body), signature);
	snprintf(sig_header, sizeof sig_header, "X-Dansmarue-Signature: %s", signature);
	snprintf(id_header, sizeof id_header, "X-Dansmarue-Id: %s", message_id);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, sig_header);
	headers = curl_slist_append(headers, id_header);
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "dansmarue-webhook/1");
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (rc != CURLE_OK)
		return dmr_fail(err, "webhook", NULL, "%s",
				error[0] ? error : curl_easy_strerror(rc));
	if (status < 200 || status > 299)
		return dmr_fail(err, "webhook", NULL, "HTTP %ld", status);
	return true;
}
