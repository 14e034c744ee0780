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

int main(void)
{
	test_numbers();
	test_listen();
	return tap_done();
}
