// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of fphint_json: exact output for structure and escaping,
 * detection of misuse, and a document with hostile strings that python3's
 * json module must parse back to the same values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fphint_json.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static struct fphint_json *start(struct capture *c, bool pretty)
{
	static struct fphint_json j;

	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	fphint_json_init(&j, c->f, pretty);
	return &j;
}

/* Finishes the document, checks the result code and the exact text. */
static void finish_expect(struct capture *c, struct fphint_json *j, int rc, const char *want)
{
	assert_int_equal(fphint_json_finish(j), rc);
	fclose(c->f);
	if (want)
		assert_string_equal(c->buf, want);
	free(c->buf);
}

static void test_structure_compact(void **state)
{
	struct capture c;
	struct fphint_json *j = start(&c, false);

	(void)state;
	fphint_json_object_begin(j);
	fphint_json_kv_u64(j, "u", UINT64_MAX);
	fphint_json_kv_i64(j, "i", INT64_MIN);
	fphint_json_kv_bool(j, "t", true);
	fphint_json_key(j, "n");
	fphint_json_null(j);
	fphint_json_kv_double(j, "d", 1.5, 3);
	fphint_json_key(j, "a");
	fphint_json_array_begin(j);
	fphint_json_u64(j, 1);
	fphint_json_object_begin(j);
	fphint_json_object_end(j);
	fphint_json_array_begin(j);
	fphint_json_array_end(j);
	fphint_json_string_or_null(j, NULL);
	fphint_json_array_end(j);
	fphint_json_object_end(j);
	finish_expect(&c, j, 0,
		      "{\"u\":18446744073709551615,\"i\":-9223372036854775808,\"t\":true,"
		      "\"n\":null,\"d\":1.500,\"a\":[1,{},[],null]}\n");
}

static void test_structure_pretty(void **state)
{
	struct capture c;
	struct fphint_json *j = start(&c, true);

	(void)state;
	fphint_json_object_begin(j);
	fphint_json_kv_string(j, "k", "v");
	fphint_json_key(j, "a");
	fphint_json_array_begin(j);
	fphint_json_u64(j, 1);
	fphint_json_u64(j, 2);
	fphint_json_array_end(j);
	fphint_json_key(j, "e");
	fphint_json_object_begin(j);
	fphint_json_object_end(j);
	fphint_json_object_end(j);
	finish_expect(&c, j, 0,
		      "{\n  \"k\": \"v\",\n  \"a\": [\n    1,\n    2\n  ],\n  \"e\": {}\n}\n");
}

static void test_escaping(void **state)
{
	struct capture c;
	struct fphint_json *j = start(&c, false);

	(void)state;
	fphint_json_array_begin(j);
	fphint_json_string(j, "q\"b\\s/");
	fphint_json_string(j, "\n\r\t\b\f\x01\x1f\x7f");
	fphint_json_string(j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Invalid UTF-8: lone continuation, truncated sequence, overlong, surrogate. */
	fphint_json_string(j, "\x80|\xc3|\xc0\xaf|\xed\xa0\x80|\xff");
	fphint_json_string(j, "");
	fphint_json_double(j, 0.0 / 0.0, 2);
	fphint_json_array_end(j);
	finish_expect(
		&c, j, 0,
		"[\"q\\\"b\\\\s/\",\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\","
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
		"\"\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\",\"\",null]\n");
}

static void test_misuse(void **state)
{
	struct capture c;
	struct fphint_json *j;

	(void)state;
	/* A value where a key is due. */
	j = start(&c, false);
	fphint_json_object_begin(j);
	fphint_json_u64(j, 1);
	fphint_json_object_end(j);
	finish_expect(&c, j, -1, NULL);
	/* A key in an array. */
	j = start(&c, false);
	fphint_json_array_begin(j);
	fphint_json_key(j, "k");
	fphint_json_array_end(j);
	finish_expect(&c, j, -1, NULL);
	/* Unbalanced: never closed, wrong closer, closed twice. */
	j = start(&c, false);
	fphint_json_object_begin(j);
	finish_expect(&c, j, -1, NULL);
	j = start(&c, false);
	fphint_json_object_begin(j);
	fphint_json_array_end(j);
	finish_expect(&c, j, -1, NULL);
	j = start(&c, false);
	fphint_json_array_begin(j);
	fphint_json_array_end(j);
	fphint_json_array_end(j);
	finish_expect(&c, j, -1, NULL);
	/* Two top-level values; a key without value. */
	j = start(&c, false);
	fphint_json_u64(j, 1);
	fphint_json_u64(j, 2);
	finish_expect(&c, j, -1, NULL);
	j = start(&c, false);
	fphint_json_object_begin(j);
	fphint_json_key(j, "k");
	fphint_json_object_end(j);
	finish_expect(&c, j, -1, NULL);
	/* Too deep. */
	j = start(&c, false);
	for (int i = 0; i <= FPHINT_JSON_MAX_DEPTH; i++)
		fphint_json_array_begin(j);
	finish_expect(&c, j, -1, NULL);
	/* Nothing written at all. */
	j = start(&c, false);
	finish_expect(&c, j, -1, NULL);
}

/* python3 must parse the document and find exactly the strings we wrote. */
static void test_python_parses(void **state)
{
	static const char *const strs[] = {
		"plain",
		"quote \" backslash \\ slash /",
		"ctl \x01\x02\x1b\x7f end",
		"tab\tnl\ncr\r",
		"utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		"</script>",
	};
	char path[] = "/tmp/fphint-test-json-XXXXXX", cmd[512];
	int fd = mkstemp(path);
	FILE *f;
	struct fphint_json j;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (int pretty = 0; pretty < 2; pretty++) {
		rewind(f);
		assert_int_equal(ftruncate(fd, 0), 0);
		fphint_json_init(&j, f, pretty);
		fphint_json_object_begin(&j);
		fphint_json_key(&j, "strings");
		fphint_json_array_begin(&j);
		for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
			fphint_json_string(&j, strs[i]);
		fphint_json_array_end(&j);
		fphint_json_kv_string(&j, "bad", "\xff\xfe");
		fphint_json_kv_u64(&j, "big", UINT64_MAX);
		fphint_json_object_end(&j);
		assert_int_equal(fphint_json_finish(&j), 0);
		snprintf(cmd, sizeof(cmd),
			 "python3 -m json.tool %s >/dev/null && python3 -c '"
			 "import json,sys; d=json.load(open(sys.argv[1]));"
			 "w=[\"plain\",\"quote \\\" backslash \\\\ slash /\","
			 "\"ctl \\x01\\x02\\x1b\\x7f end\",\"tab\\tnl\\ncr\\r\","
			 "\"utf8 \\u00e9\\u20ac\\U0001f600\",\"</script>\"];"
			 "assert d[\"strings\"]==w, d; assert d[\"bad\"]==\"\\ufffd\\ufffd\";"
			 "assert d[\"big\"]==2**64-1' %s",
			 path, path);
		assert_int_equal(system(cmd), 0);
	}
	fclose(f);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure_compact), cmocka_unit_test(test_structure_pretty),
		cmocka_unit_test(test_escaping),	  cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_python_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
