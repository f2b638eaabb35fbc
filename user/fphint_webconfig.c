// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fphint_webconfig.c - the metrics endpoint's web configuration file
 * (exporter-toolkit format, see fphint_webconfig.h), parsed with libyaml,
 * passwords checked with libxcrypt's bcrypt.
 */
#define _GNU_SOURCE /* asprintf */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "fphint_webconfig.h"

/* Keys of exporter-toolkit's format that fphintd refuses by name. */
static const char *const fphint_web_unsupported[] = {
	"client_auth_type",
	"client_ca_file",
	"client_allowed_sans",
	"min_version",
	"max_version",
	"cipher_suites",
	"curve_preferences",
	"prefer_server_cipher_suites",
	"cert",
	"key",
	"http_server_config",
	"rate_limit",
};

struct fphint_web_parse {
	const char *path;
	char *err;
	size_t errlen;
	yaml_document_t doc;
};

static int fphint_web_fail(struct fphint_web_parse *p, const yaml_node_t *n, const char *fmt,
			   const char *a, const char *b)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, a, b);
	if (n)
		snprintf(p->err, p->errlen, "%s: line %zu: %s", p->path, n->start_mark.line + 1,
			 msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
	return -EINVAL;
}

static const char *fphint_web_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool fphint_web_refused(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(fphint_web_unsupported) / sizeof(fphint_web_unsupported[0]); i++)
		if (!strcmp(key, fphint_web_unsupported[i]))
			return true;
	return false;
}

/* A relative file name is relative to the configuration file's directory. */
static char *fphint_web_resolve(const char *cfg, const char *file)
{
	const char *slash = strrchr(cfg, '/');
	char *out;

	if (file[0] == '/' || !slash)
		return strdup(file);
	if (asprintf(&out, "%.*s/%s", (int)(slash - cfg), cfg, file) < 0)
		return NULL;
	return out;
}

/* The whole of a PEM file, NUL-terminated, or NULL with err set. */
static char *fphint_web_slurp(struct fphint_web_parse *p, const yaml_node_t *n, const char *what,
			      const char *file)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem, *f = fopen(file, "re");
	char chunk[4096];
	size_t got;

	if (!f) {
		fphint_web_fail(p, n, "%s: %s", what, file);
		snprintf(p->err + strlen(p->err), p->errlen - strlen(p->err), ": %s",
			 strerror(errno));
		return NULL;
	}
	mem = open_memstream(&buf, &len);
	while (mem && (got = fread(chunk, 1, sizeof(chunk), f)) > 0 && len < (1 << 20))
		fwrite(chunk, 1, got, mem);
	fclose(f);
	if (!mem || fclose(mem) || !len || !strstr(buf, "-----BEGIN ")) {
		free(buf);
		fphint_web_fail(p, n, "%s %s: empty or not PEM", what, file);
		return NULL;
	}
	return buf;
}

static int fphint_web_tls(struct fphint_web_parse *p, yaml_node_t *map, struct fphint_web_config *c)
{
	yaml_node_pair_t *pair;
	const yaml_node_t *cert_node = NULL, *key_node = NULL;

	if (map->type != YAML_MAPPING_NODE)
		return fphint_web_fail(p, map, "tls_server_config: not a mapping%s%s", "", "");
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&p->doc, pair->value);
		const char *key = fphint_web_scalar(k), *val = fphint_web_scalar(v);

		if (!key)
			return fphint_web_fail(p, k, "tls_server_config: a key is not a string%s%s",
					       "", "");
		if (strcmp(key, "cert_file") && strcmp(key, "key_file"))
			return fphint_web_fail(p, k,
					       fphint_web_refused(key)
						       ? "tls_server_config.%s: not supported by "
							 "fphintd%s"
						       : "tls_server_config.%s: unknown key%s",
					       key, "");
		if (!val || !*val)
			return fphint_web_fail(p, v, "tls_server_config.%s: want a file name%s",
					       key, "");
		if (!strcmp(key, "cert_file")) {
			free(c->cert_file);
			c->cert_file = fphint_web_resolve(p->path, val);
			cert_node = v;
		} else {
			free(c->key_file);
			c->key_file = fphint_web_resolve(p->path, val);
			key_node = v;
		}
	}
	if (!cert_node || !key_node)
		return fphint_web_fail(
			p, map, "tls_server_config: needs both cert_file and key_file%s%s", "", "");
	if (!c->cert_file || !c->key_file)
		return -ENOMEM;
	c->cert_pem = fphint_web_slurp(p, cert_node, "cert_file", c->cert_file);
	if (!c->cert_pem)
		return -EINVAL;
	c->key_pem = fphint_web_slurp(p, key_node, "key_file", c->key_file);
	return c->key_pem ? 0 : -EINVAL;
}

/* A bcrypt hash libxcrypt accepts: "$2a$", "$2b$" or "$2y$", cost, 53 more. */
static bool fphint_web_bcrypt_ok(const char *hash)
{
	struct crypt_data *cd;
	bool ok;

	if (strlen(hash) != 60 || hash[0] != '$' || hash[1] != '2' || !strchr("aby", hash[2]) ||
	    hash[3] != '$')
		return false;
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	ok = crypt_rn("probe", hash, cd, sizeof(*cd)) != NULL;
	free(cd);
	return ok;
}

static int fphint_web_users(struct fphint_web_parse *p, yaml_node_t *map,
			    struct fphint_web_config *c)
{
	yaml_node_pair_t *pair;
	size_t n, i;

	if (map->type != YAML_MAPPING_NODE)
		return fphint_web_fail(p, map, "basic_auth_users: not a mapping of user: hash%s%s",
				       "", "");
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	c->users = calloc(n ? n : 1, sizeof(*c->users));
	if (!c->users)
		return -ENOMEM;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&p->doc, pair->value);
		const char *user = fphint_web_scalar(k), *hash = fphint_web_scalar(v);

		if (!user || !*user || strchr(user, ':'))
			return fphint_web_fail(p, k,
					       "basic_auth_users: a user name is empty, not a "
					       "string or holds ':'%s%s",
					       "", "");
		for (i = 0; i < c->nr_users; i++)
			if (!strcmp(c->users[i].name, user))
				return fphint_web_fail(p, k, "basic_auth_users: user %s twice%s",
						       user, "");
		if (!hash || !fphint_web_bcrypt_ok(hash))
			return fphint_web_fail(p, v,
					       "basic_auth_users.%s: not a bcrypt hash ($2y$..., "
					       "e.g. from htpasswd -nBC 10 %s)",
					       user, user);
		c->users[c->nr_users].name = strdup(user);
		c->users[c->nr_users].hash = strdup(hash);
		if (!c->users[c->nr_users].name || !c->users[c->nr_users].hash)
			return -ENOMEM;
		c->nr_users++;
	}
	return 0;
}

static int fphint_web_root(struct fphint_web_parse *p, struct fphint_web_config *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);
	yaml_node_pair_t *pair;
	int ret;

	/* An empty file (no document, or a null one) is an empty configuration. */
	if (!root || (root->type == YAML_SCALAR_NODE &&
		      (!root->data.scalar.length || !strcmp((char *)root->data.scalar.value, "~") ||
		       !strcmp((char *)root->data.scalar.value, "null"))))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fphint_web_fail(p, root, "not a mapping of settings%s%s", "", "");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&p->doc, pair->value);
		const char *key = fphint_web_scalar(k);

		if (!key)
			return fphint_web_fail(p, k, "a key is not a string%s%s", "", "");
		if (!strcmp(key, "tls_server_config"))
			ret = fphint_web_tls(p, v, c);
		else if (!strcmp(key, "basic_auth_users"))
			ret = fphint_web_users(p, v, c);
		else
			ret = fphint_web_fail(p, k,
					      fphint_web_refused(key)
						      ? "%s: not supported by fphintd%s"
						      : "%s: unknown key%s",
					      key, "");
		if (ret)
			return ret;
	}
	return 0;
}

int fphint_web_config_load(const char *path, struct fphint_web_config *c, char *err, size_t errlen)
{
	struct fphint_web_parse p = {.path = path, .err = err, .errlen = errlen};
	yaml_parser_t parser;
	int ret;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &p.doc)) {
		snprintf(err, errlen, "%s: line %zu: YAML: %s", path, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "error");
		yaml_parser_delete(&parser);
		fclose(f);
		return -EINVAL;
	}
	ret = fphint_web_root(&p, c);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	yaml_document_delete(&p.doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (ret)
		fphint_web_config_free(c);
	return ret;
}

void fphint_web_config_free(struct fphint_web_config *c)
{
	size_t i;

	for (i = 0; c->users && i < c->nr_users; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	free(c->cert_file);
	free(c->key_file);
	if (c->key_pem)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->key_pem);
	free(c->cert_pem);
	memset(c, 0, sizeof(*c));
}

/* Compares all of both strings whatever differs first. */
static bool fphint_web_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

bool fphint_web_config_auth(const struct fphint_web_config *c, const char *user,
			    const char *password)
{
	const struct fphint_web_user *u = NULL;
	struct crypt_data *cd;
	const char *out;
	bool ok;
	size_t i;

	if (!c->nr_users || !user || !password)
		return false;
	for (i = 0; i < c->nr_users; i++)
		if (!strcmp(c->users[i].name, user))
			u = &c->users[i];
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	/* An unknown user costs one bcrypt too, so timing does not tell users apart. */
	out = crypt_rn(password, u ? u->hash : c->users[0].hash, cd, sizeof(*cd));
	ok = u && out && fphint_web_same(out, u->hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}
