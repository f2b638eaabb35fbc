/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_fuzz.h - the one entry point every fuzz target defines.  Built
 * with libFuzzer (make fuzz) or with fphint_fuzz_replay.c's main, which
 * runs the target over saved inputs (the corpus replay unit test).
 */
#ifndef FPHINT_FUZZ_H
#define FPHINT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A NUL-terminated copy of data (malloc'd; the caller frees it): the
 * parsers take C strings, and libFuzzer's buffer is not terminated.
 */
char *fphint_fuzz_cstr(const uint8_t *data, size_t size);

#endif
