// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of fphint_config: every option value parser on good and bad
 * input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "fphint_config.h"

static char err[256];

/* The message names the problem and is one line. */
static void assert_one_line_error(void)
{
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
}

static void test_u64(void **state)
{
	static const char *const bad[] = {"",
					  "-1",
					  "+1",
					  " 1",
					  "1 ",
					  "1x",
					  "0x10",
					  "1.5",
					  "18446744073709551616",
					  "99999999999999999999999"};
	uint64_t v;

	(void)state;
	assert_int_equal(fphint_parse_u64("0", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(fphint_parse_u64("18446744073709551615", &v, err, sizeof(err)), 0);
	assert_int_equal(v, UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_not_equal(fphint_parse_u64(bad[i], &v, err, sizeof(err)), 0);
		assert_one_line_error();
	}
	assert_int_equal(fphint_parse_u64("18446744073709551616", &v, err, sizeof(err)), -ERANGE);
}

static void test_hostport(void **state)
{
	static const struct {
		const char *s, *host;
		uint16_t port;
		int family;
	} good[] = {
		{"127.0.0.1:9100", "127.0.0.1", 9100, AF_INET},
		{"[::1]:9100", "::1", 9100, AF_INET6},
		{"[fe80::1:2]:1", "fe80::1:2", 1, AF_INET6},
		{"localhost:65535", "localhost", 65535, AF_UNSPEC},
		{"metrics.example-1.org:80", "metrics.example-1.org", 80, AF_UNSPEC},
		{"0.0.0.0:9100", "0.0.0.0", 9100, AF_INET},
	};
	static const char *const bad[] = {
		"",
		"9100",
		":9100",
		"127.0.0.1",
		"127.0.0.1:",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"127.0.0.1:-1",
		"127.0.0.1:9100x",
		"::1:9100",
		"[::1]9100",
		"[::1:9100",
		"[]:9100",
		"[1.2.3.4]:80",
		"256.0.0.1:80",
		"1.2.3:80",
		"-bad.host:80",
		"bad-.host:80",
		"a..b:80",
		"sp ace:80",
		"[::1]:99999999999999999999999",
	};
	struct fphint_hostport hp;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(fphint_parse_hostport(good[i].s, &hp, err, sizeof(err)), 0);
		assert_string_equal(hp.host, good[i].host);
		assert_int_equal(hp.port, good[i].port);
		assert_int_equal(hp.family, good[i].family);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fphint_parse_hostport(bad[i], &hp, err, sizeof(err)) == 0)
			fail_msg("accepted bad host:port '%s'", bad[i]);
		assert_one_line_error();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
