// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_json.c - streaming JSON writer (see fphint_json.h).
 */
#include <inttypes.h>
#include <math.h>

#include "fphint_json.h"

void fphint_json_init(struct fphint_json *j, FILE *out, bool pretty)
{
	*j = (struct fphint_json){.out = out, .pretty = pretty};
	j->first[0] = true;
}

static void newline_indent(struct fphint_json *j, int depth)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < depth; i++)
		fputs("  ", j->out);
}

/*
 * Called before every value: writes the separator it needs and checks that
 * a value may come here (after a key in an object, anywhere in an array,
 * once at the top level).
 */
static bool before_value(struct fphint_json *j)
{
	if (j->failed)
		return false;
	if (j->done || (j->is_object[j->depth] && !j->key_pending)) {
		j->failed = true;
		return false;
	}
	if (j->key_pending) {
		j->key_pending = false;
		return true;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->out);
		newline_indent(j, j->depth);
	}
	j->first[j->depth] = false;
	return true;
}

/* After a scalar or a closed container: at depth 0 the document is done. */
static void after_value(struct fphint_json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void begin(struct fphint_json *j, char open, bool object)
{
	if (!before_value(j))
		return;
	if (j->depth >= FPHINT_JSON_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	fputc(open, j->out);
	j->depth++;
	j->first[j->depth] = true;
	j->is_object[j->depth] = object;
}

static void end(struct fphint_json *j, char close, bool object)
{
	if (j->failed)
		return;
	if (j->depth == 0 || j->is_object[j->depth] != object || j->key_pending) {
		j->failed = true;
		return;
	}
	bool empty = j->first[j->depth];

	j->depth--;
	if (!empty)
		newline_indent(j, j->depth);
	fputc(close, j->out);
	after_value(j);
}

void fphint_json_object_begin(struct fphint_json *j)
{
	begin(j, '{', true);
}

void fphint_json_object_end(struct fphint_json *j)
{
	end(j, '}', true);
}

void fphint_json_array_begin(struct fphint_json *j)
{
	begin(j, '[', false);
}

void fphint_json_array_end(struct fphint_json *j)
{
	end(j, ']', false);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	int n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		return 0;
	return n;
}

void fphint_json_write_escaped(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		unsigned char c = *p;
		int n;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(out, "\\u%04x", c);
				break;
			}
			n = utf8_len(p);
			if (n == 0) {
				fputs("\\ufffd", out);
				break;
			}
			fwrite(p, 1, (size_t)n, out);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', out);
}

void fphint_json_key(struct fphint_json *j, const char *key)
{
	if (j->failed)
		return;
	if (j->depth == 0 || !j->is_object[j->depth] || j->key_pending) {
		j->failed = true;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	newline_indent(j, j->depth);
	fphint_json_write_escaped(j->out, key);
	fputs(j->pretty ? ": " : ":", j->out);
	j->key_pending = true;
}

void fphint_json_string(struct fphint_json *j, const char *s)
{
	if (!before_value(j))
		return;
	fphint_json_write_escaped(j->out, s);
	after_value(j);
}

void fphint_json_null(struct fphint_json *j)
{
	if (!before_value(j))
		return;
	fputs("null", j->out);
	after_value(j);
}

void fphint_json_string_or_null(struct fphint_json *j, const char *s)
{
	if (s)
		fphint_json_string(j, s);
	else
		fphint_json_null(j);
}

void fphint_json_u64(struct fphint_json *j, uint64_t v)
{
	if (!before_value(j))
		return;
	fprintf(j->out, "%" PRIu64, v);
	after_value(j);
}

void fphint_json_i64(struct fphint_json *j, int64_t v)
{
	if (!before_value(j))
		return;
	fprintf(j->out, "%" PRId64, v);
	after_value(j);
}

void fphint_json_double(struct fphint_json *j, double v, int decimals)
{
	if (!isfinite(v)) {
		fphint_json_null(j);
		return;
	}
	if (!before_value(j))
		return;
	fprintf(j->out, "%.*f", decimals < 0 ? 0 : decimals, v);
	after_value(j);
}

void fphint_json_bool(struct fphint_json *j, bool v)
{
	if (!before_value(j))
		return;
	fputs(v ? "true" : "false", j->out);
	after_value(j);
}

void fphint_json_kv_string(struct fphint_json *j, const char *key, const char *s)
{
	fphint_json_key(j, key);
	fphint_json_string(j, s);
}

void fphint_json_kv_u64(struct fphint_json *j, const char *key, uint64_t v)
{
	fphint_json_key(j, key);
	fphint_json_u64(j, v);
}

void fphint_json_kv_i64(struct fphint_json *j, const char *key, int64_t v)
{
	fphint_json_key(j, key);
	fphint_json_i64(j, v);
}

void fphint_json_kv_double(struct fphint_json *j, const char *key, double v, int decimals)
{
	fphint_json_key(j, key);
	fphint_json_double(j, v, decimals);
}

void fphint_json_kv_bool(struct fphint_json *j, const char *key, bool v)
{
	fphint_json_key(j, key);
	fphint_json_bool(j, v);
}

int fphint_json_finish(struct fphint_json *j)
{
	if (!j->failed && j->done)
		fputc('\n', j->out);
	if (fflush(j->out) != 0 || ferror(j->out))
		return -1;
	return j->failed || !j->done ? -1 : 0;
}
