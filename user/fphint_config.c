// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_config.c - strict parsers of option values (see fphint_config.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fphint_config.h"

__attribute__((format(printf, 4, 5))) static int fail(int rc, char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;
	char *c;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		/*
		 * Messages quote the caller's input: a newline or a terminal
		 * escape in it must not make the message more than one line
		 * (found by fuzz/fuzz_values).
		 */
		for (c = err; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return rc;
}

/*
 * Leading decimal digits of s into *v; *end points past them.  -EINVAL if
 * there are none, -ERANGE on overflow.
 */
static int parse_digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t n = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	if (p == s)
		return -EINVAL;
	*v = n;
	*end = p;
	return 0;
}

int fphint_parse_u64(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *end;
	int rc = parse_digits(s, out, &end);

	if (rc == -ERANGE)
		return fail(rc, err, errlen, "'%s': number too large", s);
	if (rc || *end)
		return fail(-EINVAL, err, errlen, "'%s': not an unsigned decimal number", s);
	return 0;
}

/* RFC 1123 host name: dot-separated labels of 1-63 letters, digits, '-'. */
static bool valid_hostname(const char *h)
{
	size_t len = strlen(h), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = h[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		label++;
	}
	return true;
}

int fphint_parse_hostport(const char *s, struct fphint_hostport *hp, char *err, size_t errlen)
{
	const char *colon, *host = s, *port_end;
	size_t host_len;
	uint64_t port;
	unsigned char addr[16];
	struct fphint_hostport r = {.family = AF_UNSPEC};

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return fail(-EINVAL, err, errlen, "'%s': missing ']'", s);
		host = s + 1;
		host_len = (size_t)(close - host);
		if (close[1] != ':')
			return fail(-EINVAL, err, errlen, "'%s': expected ':PORT' after ']'", s);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return fail(-EINVAL, err, errlen, "'%s': expected HOST:PORT", s);
		host_len = (size_t)(colon - s);
		if (memchr(s, ':', host_len))
			return fail(-EINVAL, err, errlen,
				    "'%s': an IPv6 address must be in brackets: [ADDR]:PORT", s);
	}
	if (host_len == 0)
		return fail(-EINVAL, err, errlen, "'%s': empty host", s);
	if (host_len >= sizeof(r.host))
		return fail(-EINVAL, err, errlen, "'%s': host too long", s);
	memcpy(r.host, host, host_len);
	r.host[host_len] = '\0';

	if (parse_digits(colon + 1, &port, &port_end) || *port_end || port == 0 || port > 65535)
		return fail(-EINVAL, err, errlen, "'%s': port must be a number from 1 to 65535", s);
	r.port = (uint16_t)port;

	if (s[0] == '[') {
		if (inet_pton(AF_INET6, r.host, addr) != 1)
			return fail(-EINVAL, err, errlen, "'%s': '%s' is not an IPv6 address", s,
				    r.host);
		r.family = AF_INET6;
	} else if (inet_pton(AF_INET, r.host, addr) == 1) {
		r.family = AF_INET;
	} else if (strspn(r.host, "0123456789.") == host_len || !valid_hostname(r.host)) {
		/* All digits and dots but not a valid IPv4 address: a typo, not a name. */
		return fail(-EINVAL, err, errlen, "'%s': '%s' is not an IPv4 address or host name",
			    s, r.host);
	}
	*hp = r;
	return 0;
}
