#include <math.h>
#include <string.h>

#include "base/config.h"
#include "http/query.h"
#include "tap.h"

static void test_numbers(void)
{
	double d, list[4];
	long long n;

	ok(parse_double_strict("48.8566", &d) && fabs(d - 48.8566) < 1e-12, "a decimal is read");
	ok(parse_double_strict("-2e-1", &d) && d == -0.2, "an exponent is read");
	ok(!parse_double_strict("", &d), "an empty number is refused");
	ok(!parse_double_strict("nan", &d), "NaN is refused");
	ok(!parse_double_strict("inf", &d), "infinity is refused");
	ok(!parse_double_strict("1e400", &d), "an overflowing number is refused");
	ok(!parse_double_strict("12abc", &d), "trailing garbage is refused");
	ok(!parse_double_strict(" 12", &d), "leading space is refused");
	ok(parse_int_strict("1001", &n) && n == 1001, "an integer is read");
	ok(!parse_int_strict("1.5", &n), "a decimal is not an integer");
	ok(!parse_int_strict("99999999999999999999", &n), "an overflowing integer is refused");
	ok(parse_double_list("2.2,48.8,2.4,48.9", list, 4) && list[3] == 48.9, "a bbox is read");
	ok(!parse_double_list("2.2,48.8,2.4", list, 4), "a short list is refused");
	ok(!parse_double_list("2.2,48.8,2.4,48.9,1", list, 4), "a long list is refused");
	ok(!parse_double_list("2.2,,2.4,48.9", list, 4), "an empty item is refused");
}

static void test_listen(void)
{
	char host[64];
	unsigned short port;

	ok(config_parse_listen("127.0.0.1:8080", host, sizeof host, &port) &&
		   strcmp(host, "127.0.0.1") == 0 && port == 8080,
	   "host:port is split");
	ok(config_parse_listen("[::1]:9000", host, sizeof host, &port) &&
		   strcmp(host, "::1") == 0 && port == 9000,
	   "an IPv6 address in brackets is split");
	ok(!config_parse_listen("localhost", host, sizeof host, &port), "no port is refused");
	ok(!config_parse_listen("h:70000", host, sizeof host, &port), "a port over 65535 is refused");
}

/* The origin a URL gives, or "refused". */
static const char *origin(const char *url, size_t size)
{
	static char out[64];

	return config_origin_of(url, out, size) ? out : "refused";
}

static void test_origin(void)
{
	ok(strcmp(origin("https://dansmarue.test", 64), "https://dansmarue.test") == 0,
	   "an https URL is its origin");
	ok(strcmp(origin("HTTPS://DansMaRue.Paris.FR/carte?x=1#y", 64),
		  "https://dansmarue.paris.fr") == 0,
	   "the scheme and host in lower case, without path, query or fragment");
	ok(strcmp(origin("http://127.0.0.1:8080/", 64), "http://127.0.0.1:8080") == 0,
	   "a port is kept");
	ok(strcmp(origin("https://x.test:443/a", 64), "https://x.test") == 0 &&
		   strcmp(origin("http://x.test:80", 64), "http://x.test") == 0,
	   "the default port is dropped, as a browser's Origin does");
	ok(strcmp(origin("http://x.test:443", 64), "http://x.test:443") == 0 &&
		   strcmp(origin("https://x.test:8443", 64), "https://x.test:8443") == 0,
	   "another scheme's default port is kept");
	ok(strcmp(origin("http://[::1]:8080", 64), "http://[::1]:8080") == 0,
	   "an IPv6 address is kept in brackets");
	ok(strcmp(origin("ftp://x.test", 64), "refused") == 0 &&
		   strcmp(origin("x.test", 64), "refused") == 0,
	   "only http and https URLs have an origin");
	ok(strcmp(origin("https://", 64), "refused") == 0 &&
		   strcmp(origin("https:///carte", 64), "refused") == 0,
	   "a URL without host is refused");
	ok(strcmp(origin("https://user@x.test", 64), "refused") == 0,
	   "a URL with user information is refused");
	ok(strcmp(origin("https://dansmarue.test", 22), "refused") == 0 &&
		   strcmp(origin("https://dansmarue.test", 23), "https://dansmarue.test") == 0,
	   "an origin longer than its room is refused, one that fits is given");
}

int main(void)
{
	test_numbers();
	test_listen();
	test_origin();
	return tap_done();
}
