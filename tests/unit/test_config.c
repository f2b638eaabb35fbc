// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of fphint_config: every parser on good and bad input, and the
 * key=value file with its line-numbered errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>
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

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} good[] = {{"10", 10000},   {"10s", 10000}, {"500ms", 500}, {"2m", 120000},
		    {"1h", 3600000}, {"0", 0},	     {"0ms", 0}};
	static const char *const bad[] = {"",	  "s",	   "-1s",   "10 s", "10S",
					  "1.5s", "10sec", "10ms ", "5d",   "18446744073709551615s",
					  "ms10"};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(fphint_parse_duration_ms(good[i].s, &v, err, sizeof(err)), 0);
		assert_int_equal(v, good[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_not_equal(fphint_parse_duration_ms(bad[i], &v, err, sizeof(err)), 0);
		assert_one_line_error();
	}
	assert_int_equal(fphint_parse_duration_ms("18446744073709551615s", &v, err, sizeof(err)),
			 -ERANGE);
}

static void test_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} good[] = {{"4096", 4096},    {"4k", 4096},	   {"4K", 4096},
		    {"64M", 64 << 20}, {"64m", 64 << 20},  {"64MiB", 64 << 20},
		    {"4KB", 4096},     {"1G", 1ULL << 30}, {"2T", 2ULL << 40},
		    {"0", 0},	       {"7B", 7},	   {"16777215T", 16777215ULL << 40}};
	static const char *const bad[] = {"",	  "k",	"-4k", "4 k",	    "4kk",
					  "4.5M", "4X", "4Mi", "16777216T", "18446744073709551616"};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(fphint_parse_size(good[i].s, &v, err, sizeof(err)), 0);
		assert_int_equal(v, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_not_equal(fphint_parse_size(bad[i], &v, err, sizeof(err)), 0);
		assert_one_line_error();
	}
}

static void test_bool(void **state)
{
	static const char *const t[] = {"1", "true", "TRUE", "yes", "On"};
	static const char *const f[] = {"0", "false", "No", "off"};
	static const char *const bad[] = {"", "2", "y", "truee", " true", "enabled"};
	bool v;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = false;
		assert_int_equal(fphint_parse_bool(t[i], &v, err, sizeof(err)), 0);
		assert_true(v);
	}
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v = true;
		assert_int_equal(fphint_parse_bool(f[i], &v, err, sizeof(err)), 0);
		assert_false(v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_not_equal(fphint_parse_bool(bad[i], &v, err, sizeof(err)), 0);
		assert_one_line_error();
	}
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

static void test_config_good(void **state)
{
	static const char text[] = "# fphintd settings\n"
				   "\n"
				   "   # indented comment\n"
				   "reconcile-interval = 30s\n"
				   "metrics=127.0.0.1:9100\r\n"
				   "  verbose\t=  yes  \n"
				   "name = \"two words \"\n"
				   "pin_dir = /sys/fs/bpf/x#y\n"
				   "limit = 64M"; /* no final newline */
	static const char *const known[] = {
		"reconcile-interval", "metrics", "verbose", "name", "pin_dir", "limit", NULL};
	struct fphint_config c;
	const struct fphint_config_entry *e;
	uint64_t ms = 1, bytes = 1, untouched = 42;
	bool verbose = false;
	struct fphint_hostport hp;

	(void)state;
	assert_int_equal(fphint_config_parse_string(&c, text, "test.conf", err, sizeof(err)), 0);
	assert_int_equal(c.nr, 6);
	e = fphint_config_find(&c, "reconcile-interval");
	assert_non_null(e);
	assert_int_equal(e->line, 4);
	assert_string_equal(fphint_config_find(&c, "name")->value, "two words ");
	assert_string_equal(fphint_config_find(&c, "pin_dir")->value, "/sys/fs/bpf/x#y");
	assert_null(fphint_config_find(&c, "missing"));
	assert_int_equal(fphint_config_check_keys(&c, known, err, sizeof(err)), 0);

	assert_int_equal(
		fphint_config_get_duration_ms(&c, "reconcile-interval", &ms, err, sizeof(err)), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(fphint_config_get_size(&c, "limit", &bytes, err, sizeof(err)), 0);
	assert_int_equal(bytes, 64 << 20);
	assert_int_equal(fphint_config_get_bool(&c, "verbose", &verbose, err, sizeof(err)), 0);
	assert_true(verbose);
	assert_int_equal(fphint_config_get_hostport(&c, "metrics", &hp, err, sizeof(err)), 0);
	assert_int_equal(hp.port, 9100);
	assert_int_equal(fphint_config_get_u64(&c, "absent", &untouched, err, sizeof(err)), 0);
	assert_int_equal(untouched, 42);

	/* A value that does not parse: located error. */
	assert_int_not_equal(fphint_config_get_u64(&c, "limit", &untouched, err, sizeof(err)), 0);
	assert_string_equal(err, "test.conf:9: limit: '64M': not an unsigned decimal number");
	fphint_config_free(&c);
}

static void test_config_bad(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"a = 1\nno equals here\n", "t.conf:2: expected 'key = value'"},
		{"a = 1\n\n a = 2\n", "t.conf:3: 'a' already set on line 1"},
		{"= 1\n", "t.conf:1: missing key"},
		{"bad key = 1\n", "t.conf:1: bad key 'bad key' (letters, digits, '_', '.', '-')"},
		{"#c\nk =\n", "t.conf:2: empty value for 'k'"},
		{"k = \"open\n", "t.conf:1: unterminated quote in value of 'k'"},
		{"k = \"a\"b\"\n", "t.conf:1: stray quote in value of 'k'"},
	};
	static const char *const known[] = {"a", NULL};
	struct fphint_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
			fphint_config_parse_string(&c, bad[i].text, "t.conf", err, sizeof(err)),
			-EINVAL);
		assert_string_equal(err, bad[i].msg);
	}
	assert_int_equal(
		fphint_config_parse_string(&c, "a = 1\nb = 2\n", "t.conf", err, sizeof(err)), 0);
	assert_int_equal(fphint_config_check_keys(&c, known, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: unknown key 'b'");
	fphint_config_free(&c);
}

static void test_config_file(void **state)
{
	char path[] = "/tmp/fphint-test-config-XXXXXX";
	int fd = mkstemp(path);
	struct fphint_config c;
	static const char body[] = "interval = 5s\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
	close(fd);
	assert_int_equal(fphint_config_parse_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(c.nr, 1);
	assert_string_equal(c.source, path);
	fphint_config_free(&c);

	/* A NUL byte means it is not a text file. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "a = 1\n\0", 7), 7);
	close(fd);
	assert_int_equal(fphint_config_parse_file(&c, path, err, sizeof(err)), -EINVAL);
	unlink(path);

	assert_int_equal(fphint_config_parse_file(&c, "/nonexistent/fphint.conf", err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/fphint.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),	   cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),	   cmocka_unit_test(test_bool),
		cmocka_unit_test(test_hostport),   cmocka_unit_test(test_config_good),
		cmocka_unit_test(test_config_bad), cmocka_unit_test(test_config_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
