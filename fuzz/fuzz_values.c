// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Option value parsers of user/fphint_config.c (u64, host:port) on
 * arbitrary strings.  Beyond "no crash", it checks what the
 * header promises: a failure writes a one-line reason, a success leaves a
 * port in 1..65535 and a terminated host name without brackets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fphint_config.h"
#include "fphint_fuzz.h"

static void check_err(int rc, const char *err)
{
	if (rc == 0)
		return;
	if ((rc != -EINVAL && rc != -ERANGE) || !err[0] || strchr(err, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fphint_fuzz_cstr(data, size);
	struct fphint_hostport hp;
	char err[256];
	uint64_t v;
	int rc;

	err[0] = '\0';
	check_err(fphint_parse_u64(s, &v, err, sizeof(err)), err);
	err[0] = '\0';
	rc = fphint_parse_hostport(s, &hp, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && (hp.port == 0 || !memchr(hp.host, '\0', sizeof(hp.host)) ||
			strchr(hp.host, '[') || strchr(hp.host, ']')))
		abort();
	free(s);
	return 0;
}
