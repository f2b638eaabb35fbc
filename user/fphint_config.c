// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_config.c - strict value parsers and the key=value file
 * (see fphint_config.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fphint_config.h"

/* Configuration files are small; refuse anything that is clearly not one. */
#define CONFIG_MAX_BYTES (1u << 20)

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

static int mul_checked(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b && a > UINT64_MAX / b)
		return -ERANGE;
	*out = a * b;
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

/* Number followed by a unit from table (first entry "" = bare number). */
struct unit {
	const char *name;
	uint64_t factor;
};

static int parse_with_unit(const char *s, const struct unit *units, size_t nr_units,
			   bool ignore_case, uint64_t *out, const char *what, char *err,
			   size_t errlen)
{
	const char *end;
	uint64_t n;
	int rc = parse_digits(s, &n, &end);

	if (rc == -ERANGE)
		return fail(rc, err, errlen, "'%s': %s too large", s, what);
	if (rc)
		return fail(-EINVAL, err, errlen, "'%s': not a %s (a number, then a unit)", s,
			    what);
	for (size_t i = 0; i < nr_units; i++) {
		bool same =
			ignore_case ? !strcasecmp(end, units[i].name) : !strcmp(end, units[i].name);

		if (!same)
			continue;
		if (mul_checked(n, units[i].factor, out))
			return fail(-ERANGE, err, errlen, "'%s': %s too large", s, what);
		return 0;
	}
	return fail(-EINVAL, err, errlen, "'%s': unknown unit '%s' in %s", s, end, what);
}

int fphint_parse_duration_ms(const char *s, uint64_t *ms, char *err, size_t errlen)
{
	static const struct unit units[] = {
		{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000},
	};

	return parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), false, ms,
			       "duration (ms, s, m, h)", err, errlen);
}

int fphint_parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	static const struct unit units[] = {
		{"", 1},
		{"B", 1},
		{"k", 1ULL << 10},
		{"kB", 1ULL << 10},
		{"KiB", 1ULL << 10},
		{"M", 1ULL << 20},
		{"MB", 1ULL << 20},
		{"MiB", 1ULL << 20},
		{"G", 1ULL << 30},
		{"GB", 1ULL << 30},
		{"GiB", 1ULL << 30},
		{"T", 1ULL << 40},
		{"TB", 1ULL << 40},
		{"TiB", 1ULL << 40},
	};

	/* Case-insensitive so that "4K", "4k", "64m" and "4KB" are all accepted. */
	return parse_with_unit(s, units, sizeof(units) / sizeof(units[0]), true, bytes,
			       "size (k, M, G, T)", err, errlen);
}

int fphint_parse_bool(const char *s, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(-EINVAL, err, errlen, "'%s': not a boolean (true/false, yes/no, on/off, 1/0)",
		    s);
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

/* ---- key = value files ---- */

void fphint_config_free(struct fphint_config *cfg)
{
	for (size_t i = 0; i < cfg->nr; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	free(cfg->source);
	*cfg = (struct fphint_config){0};
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool valid_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && !strchr("_.-", *k))
			return false;
	return true;
}

/* Parses one line (modified in place); 0 with *key NULL for blank/comment. */
static int parse_line(char *line, char **key, char **value, char *why, size_t whylen)
{
	char *eq, *k, *v;
	size_t vlen;

	*key = NULL;
	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	eq = strchr(line, '=');
	if (!eq)
		return fail(-EINVAL, why, whylen, "expected 'key = value'");
	*eq = '\0';
	k = trim(line);
	v = trim(eq + 1);
	if (!valid_key(k))
		return fail(-EINVAL, why, whylen,
			    *k ? "bad key '%s' (letters, digits, '_', '.', '-')" : "missing key%s",
			    k);
	vlen = strlen(v);
	if (vlen && v[0] == '"') {
		if (vlen < 2 || v[vlen - 1] != '"')
			return fail(-EINVAL, why, whylen, "unterminated quote in value of '%s'", k);
		v[vlen - 1] = '\0';
		v++;
		if (strchr(v, '"'))
			return fail(-EINVAL, why, whylen, "stray quote in value of '%s'", k);
	} else if (vlen == 0) {
		return fail(-EINVAL, why, whylen, "empty value for '%s'", k);
	}
	*key = k;
	*value = v;
	return 0;
}

int fphint_config_parse_string(struct fphint_config *cfg, const char *text, const char *source,
			       char *err, size_t errlen)
{
	struct fphint_config c = {0};
	char *copy = strdup(text), *line, *next;
	char why[200];
	unsigned lineno = 0;
	int rc = 0;

	c.source = strdup(source);
	if (!copy || !c.source) {
		rc = fail(-ENOMEM, err, errlen, "%s: out of memory", source);
		goto out;
	}
	for (line = copy; line; line = next) {
		char *k, *v;
		const struct fphint_config_entry *dup;
		struct fphint_config_entry *grown;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		rc = parse_line(line, &k, &v, why, sizeof(why));
		if (rc) {
			fail(rc, err, errlen, "%s:%u: %s", source, lineno, why);
			goto out;
		}
		if (!k)
			continue;
		dup = fphint_config_find(&c, k);
		if (dup) {
			rc = fail(-EINVAL, err, errlen, "%s:%u: '%s' already set on line %u",
				  source, lineno, k, dup->line);
			goto out;
		}
		grown = realloc(c.entries, (c.nr + 1) * sizeof(*c.entries));
		if (!grown) {
			rc = fail(-ENOMEM, err, errlen, "%s: out of memory", source);
			goto out;
		}
		c.entries = grown;
		c.entries[c.nr] = (struct fphint_config_entry){strdup(k), strdup(v), lineno};
		c.nr++;
		if (!c.entries[c.nr - 1].key || !c.entries[c.nr - 1].value) {
			rc = fail(-ENOMEM, err, errlen, "%s: out of memory", source);
			goto out;
		}
	}
out:
	free(copy);
	if (rc)
		fphint_config_free(&c);
	else
		*cfg = c;
	return rc;
}

int fphint_config_parse_file(struct fphint_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	if (!f)
		return fail(-errno, err, errlen, "%s: %s", path, strerror(errno));
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return fail(-ENOMEM, err, errlen, "%s: out of memory", path);
	}
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f))
		rc = fail(-EIO, err, errlen, "%s: read error", path);
	else if (n > CONFIG_MAX_BYTES)
		rc = fail(-EFBIG, err, errlen, "%s: larger than %u bytes, not a config file", path,
			  CONFIG_MAX_BYTES);
	else if (memchr(buf, '\0', n))
		rc = fail(-EINVAL, err, errlen, "%s: contains a NUL byte, not a text file", path);
	else
		rc = 0;
	fclose(f);
	if (rc == 0) {
		buf[n] = '\0';
		rc = fphint_config_parse_string(cfg, buf, path, err, errlen);
	}
	free(buf);
	return rc;
}

const struct fphint_config_entry *fphint_config_find(const struct fphint_config *cfg,
						     const char *key)
{
	for (size_t i = 0; i < cfg->nr; i++)
		if (!strcmp(cfg->entries[i].key, key))
			return &cfg->entries[i];
	return NULL;
}

int fphint_config_check_keys(const struct fphint_config *cfg, const char *const *known, char *err,
			     size_t errlen)
{
	for (size_t i = 0; i < cfg->nr; i++) {
		const char *const *k = known;

		while (*k && strcmp(*k, cfg->entries[i].key))
			k++;
		if (!*k)
			return fail(-EINVAL, err, errlen, "%s:%u: unknown key '%s'", cfg->source,
				    cfg->entries[i].line, cfg->entries[i].key);
	}
	return 0;
}

/* Prefixes a parser's message with where the value came from. */
static int located(const struct fphint_config *cfg, const struct fphint_config_entry *e, int rc,
		   char *err, size_t errlen)
{
	char why[256];

	if (rc == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", err ? err : "");
	return fail(rc, err, errlen, "%s:%u: %s: %s", cfg->source, e->line, e->key, why);
}

#define CONFIG_GETTER(name, type, parser)                                                          \
	int name(const struct fphint_config *cfg, const char *key, type *out, char *err,           \
		 size_t errlen)                                                                    \
	{                                                                                          \
		const struct fphint_config_entry *e = fphint_config_find(cfg, key);                \
                                                                                                   \
		return e ? located(cfg, e, parser(e->value, out, err, errlen), err, errlen) : 0;   \
	}

CONFIG_GETTER(fphint_config_get_u64, uint64_t, fphint_parse_u64)
CONFIG_GETTER(fphint_config_get_duration_ms, uint64_t, fphint_parse_duration_ms)
CONFIG_GETTER(fphint_config_get_size, uint64_t, fphint_parse_size)
CONFIG_GETTER(fphint_config_get_bool, bool, fphint_parse_bool)
CONFIG_GETTER(fphint_config_get_hostport, struct fphint_hostport, fphint_parse_hostport)
