/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fphint_webconfig.h - the metrics endpoint's web configuration file, the
 * format of Prometheus' exporter-toolkit (--web.config.file of the
 * official exporters), so one file serves every exporter of a host:
 *
 *   tls_server_config:
 *     cert_file: /etc/fphint/metrics.crt   # PEM; relative = to this file
 *     key_file: /etc/fphint/metrics.key
 *   basic_auth_users:
 *     prometheus: $2y$10$...               # bcrypt (htpasswd -nBC 10)
 *
 * Both parts are optional; an empty file changes nothing.  Keys of that
 * format fphintd does not implement (client certificates, TLS versions,
 * cipher suites, HTTP headers) are refused by name, unknown keys too:
 * a setting that is silently ignored is a security hole.
 */
#ifndef FPHINT_WEBCONFIG_H
#define FPHINT_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct fphint_web_user {
	char *name;
	char *hash; /* bcrypt, checked with crypt(3) */
};

struct fphint_web_config {
	char *cert_file, *key_file; /* resolved paths, NULL = plain HTTP */
	char *cert_pem, *key_pem;   /* their contents, read at load */
	struct fphint_web_user *users;
	size_t nr_users; /* 0 = no authentication */
};

/*
 * Parse path into *c.  0, or -errno with one line in err naming the file,
 * the line and what is wrong; *c is then empty (nothing to free).
 */
int fphint_web_config_load(const char *path, struct fphint_web_config *c, char *err, size_t errlen);
void fphint_web_config_free(struct fphint_web_config *c);
/*
 * user and password match an entry of basic_auth_users.  Takes as long
 * for an unknown user as for a wrong password (both run bcrypt).
 */
bool fphint_web_config_auth(const struct fphint_web_config *c, const char *user,
			    const char *password);

#endif
