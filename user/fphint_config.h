/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_config.h - strict parsing of option values, shared by fphintd,
 * the fphint CLI and the metrics listener.
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

#endif
