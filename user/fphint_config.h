/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_config.h - strict parsing of option values and of a key=value
 * configuration file, shared by fphintd and the fphint CLI.
 *
 * Every parser takes the whole string: leading/trailing junk, signs,
 * empty strings and overflow are errors.  All return 0 or -EINVAL
 * (-ERANGE for overflow) and write one line naming the problem into err.
 */
#ifndef FPHINT_CONFIG_H
#define FPHINT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unsigned decimal: "0", "4096"; no sign, no spaces, no hex. */
int fphint_parse_u64(const char *s, uint64_t *out, char *err, size_t errlen);

/*
 * Duration in milliseconds: "10" (seconds), "10s", "500ms", "2m", "1h".
 * Whole numbers only.
 */
int fphint_parse_duration_ms(const char *s, uint64_t *ms, char *err, size_t errlen);

/*
 * Size in bytes: "4096", "4k", "64M", "1G", "2T" (binary multiples; K/k,
 * and an optional "iB" or "B": "64MiB", "4KB").
 */
int fphint_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen);

/* "1", "true", "yes", "on" / "0", "false", "no", "off" (any case). */
int fphint_parse_bool(const char *s, bool *out, char *err, size_t errlen);

#define FPHINT_HOST_MAX 256

struct fphint_hostport {
	char host[FPHINT_HOST_MAX]; /* without brackets */
	uint16_t port;		    /* 1..65535 */
	int family;		    /* AF_INET, AF_INET6, or AF_UNSPEC for a host name */
};

/*
 * "127.0.0.1:9100", "[::1]:9100", "localhost:9100".  An IPv6 address must
 * be in brackets; a name must be a valid DNS name (letters, digits, '-',
 * '.').  The port is required.
 */
int fphint_parse_hostport(const char *s, struct fphint_hostport *hp, char *err, size_t errlen);

/* One "key = value" line of a configuration file. */
struct fphint_config_entry {
	char *key;
	char *value;
	unsigned line;
};

struct fphint_config {
	char *source; /* file name used in messages */
	struct fphint_config_entry *entries;
	size_t nr;
};

/*
 * Format, one setting per line:
 *     # comment            (also after leading blanks)
 *     key = value          (blanks around key and value are ignored)
 *     key = "value"        (quotes keep blanks; no escapes)
 * Keys are [A-Za-z0-9_.-]+; a key may appear once.  Errors carry
 * "SOURCE:LINE: ".  On failure cfg holds nothing (no need to free).
 */
int fphint_config_parse_string(struct fphint_config *cfg, const char *text, const char *source,
			       char *err, size_t errlen);
int fphint_config_parse_file(struct fphint_config *cfg, const char *path, char *err, size_t errlen);
void fphint_config_free(struct fphint_config *cfg);

/* The entry for key, or NULL. */
const struct fphint_config_entry *fphint_config_find(const struct fphint_config *cfg,
						     const char *key);

/*
 * -EINVAL with "SOURCE:LINE: unknown key 'k'" for the first key not in
 * the NULL-terminated list known.
 */
int fphint_config_check_keys(const struct fphint_config *cfg, const char *const *known, char *err,
			     size_t errlen);

/*
 * Helpers that look a key up and parse its value with the parsers above;
 * they leave *out alone when the key is absent (return 0), and prefix
 * errors with "SOURCE:LINE: key: ".
 */
int fphint_config_get_u64(const struct fphint_config *cfg, const char *key, uint64_t *out,
			  char *err, size_t errlen);
int fphint_config_get_duration_ms(const struct fphint_config *cfg, const char *key, uint64_t *out,
				  char *err, size_t errlen);
int fphint_config_get_size(const struct fphint_config *cfg, const char *key, uint64_t *out,
			   char *err, size_t errlen);
int fphint_config_get_bool(const struct fphint_config *cfg, const char *key, bool *out, char *err,
			   size_t errlen);
int fphint_config_get_hostport(const struct fphint_config *cfg, const char *key,
			       struct fphint_hostport *out, char *err, size_t errlen);

#endif
