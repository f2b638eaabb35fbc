// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The key=value configuration file parser of user/fphint_config.c, then
 * every typed getter on every key it returned (the path a daemon takes
 * with a user's file), then free: leaks and overruns show under ASan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fphint_config.h"
#include "fphint_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const known[] = {"interval", "size", "enabled", "listen", NULL};
	char *text = fphint_fuzz_cstr(data, size);
	struct fphint_config cfg;
	struct fphint_hostport hp;
	char err[256];
	uint64_t v;
	bool b;
	size_t i;

	err[0] = '\0';
	if (fphint_config_parse_string(&cfg, text, "fuzz.conf", err, sizeof(err))) {
		/* On failure: one line, prefixed with the source, nothing held. */
		if (strncmp(err, "fuzz.conf", 9) || strchr(err, '\n'))
			abort();
		free(text);
		return 0;
	}
	for (i = 0; i < cfg.nr; i++) {
		const char *key = cfg.entries[i].key;

		if (fphint_config_find(&cfg, key) != &cfg.entries[i])
			abort(); /* keys are unique */
		fphint_config_get_u64(&cfg, key, &v, err, sizeof(err));
		fphint_config_get_duration_ms(&cfg, key, &v, err, sizeof(err));
		fphint_config_get_size(&cfg, key, &v, err, sizeof(err));
		fphint_config_get_bool(&cfg, key, &b, err, sizeof(err));
		fphint_config_get_hostport(&cfg, key, &hp, err, sizeof(err));
	}
	fphint_config_check_keys(&cfg, known, err, sizeof(err));
	fphint_config_free(&cfg);
	free(text);
	return 0;
}
