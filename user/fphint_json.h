/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_json.h - a small streaming JSON writer.
 *
 * The writer inserts commas, colons and (optionally) indentation itself;
 * the caller only says what comes next.  Strings are escaped per RFC 8259
 * and bytes that are not valid UTF-8 are written as U+FFFD, so any C
 * string (a path, a kernel message) yields a document a strict parser
 * accepts.  Misuse (a value where a key is due, unbalanced ends, nesting
 * deeper than FPHINT_JSON_MAX_DEPTH) is remembered and reported by
 * fphint_json_finish() instead of producing broken output silently.
 */
#ifndef FPHINT_JSON_H
#define FPHINT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FPHINT_JSON_MAX_DEPTH 32

struct fphint_json {
	FILE *out;
	bool pretty; /* newline + two spaces per level */
	bool failed; /* misuse seen */
	int depth;
	bool first[FPHINT_JSON_MAX_DEPTH + 1]; /* no member yet at this level */
	bool is_object[FPHINT_JSON_MAX_DEPTH + 1];
	bool key_pending; /* a key was written, its value is due */
	bool done;	  /* the top-level value is complete */
};

void fphint_json_init(struct fphint_json *j, FILE *out, bool pretty);

void fphint_json_object_begin(struct fphint_json *j);
void fphint_json_object_end(struct fphint_json *j);
void fphint_json_array_begin(struct fphint_json *j);
void fphint_json_array_end(struct fphint_json *j);
/* Member name inside an object; the next call writes its value. */
void fphint_json_key(struct fphint_json *j, const char *key);

void fphint_json_string(struct fphint_json *j, const char *s);
/* s may be NULL: writes null. */
void fphint_json_string_or_null(struct fphint_json *j, const char *s);
void fphint_json_u64(struct fphint_json *j, uint64_t v);
void fphint_json_i64(struct fphint_json *j, int64_t v);
/* Finite doubles with the given decimals; NaN/inf become null. */
void fphint_json_double(struct fphint_json *j, double v, int decimals);
void fphint_json_bool(struct fphint_json *j, bool v);
void fphint_json_null(struct fphint_json *j);

/* key + value in one call, for the common case. */
void fphint_json_kv_string(struct fphint_json *j, const char *key, const char *s);
void fphint_json_kv_u64(struct fphint_json *j, const char *key, uint64_t v);
void fphint_json_kv_i64(struct fphint_json *j, const char *key, int64_t v);
void fphint_json_kv_double(struct fphint_json *j, const char *key, double v, int decimals);
void fphint_json_kv_bool(struct fphint_json *j, const char *key, bool v);

/*
 * Ends the document with a newline.  0 when the document is complete and
 * was used correctly and the stream had no write error, -1 otherwise.
 */
int fphint_json_finish(struct fphint_json *j);

/* Writes s as a JSON string literal (quotes included) to out. */
void fphint_json_write_escaped(FILE *out, const char *s);

#endif
