/* http_config.c - sd_http_config_t from the [http] section of the suido configuration file. */
#include "http/http.h"

#include "core/config.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>

/* The key under section: "http" + "listen" -> "http.listen". */
static const char *key(char *buf, size_t n, const char *section, const char *name)
{
    snprintf(buf, n, "%s.%s", section, name);
    return buf;
}

int sd_http_config_load(const sd_config_t *cfg, const char *section, sd_http_config_t *out,
                        sd_config_error_t *err)
{
    sd_http_config_defaults(out);
    char k[128];
    int64_t v;
    int rc;
    out->listen = sd_config_get_string(cfg, key(k, sizeof k, section, "listen"), out->listen);
    if ((rc = sd_config_get_int(cfg, key(k, sizeof k, section, "threads"), 1, 256, out->threads, &v,
                                err)))
        return rc;
    out->threads = (unsigned)v;
    if ((rc = sd_config_get_int(cfg, key(k, sizeof k, section, "max_conns"), 1, 100000,
                                out->max_conns, &v, err)))
        return rc;
    out->max_conns = (unsigned)v;
    if ((rc = sd_config_get_int(cfg, key(k, sizeof k, section, "max_conns_per_ip"), 0, 100000,
                                out->max_conns_per_ip, &v, err)))
        return rc;
    out->max_conns_per_ip = (unsigned)v;
    if ((rc = sd_config_get_duration(cfg, key(k, sizeof k, section, "idle_timeout"), 1, 3600,
                                     out->idle_timeout_s, &v, err)))
        return rc;
    out->idle_timeout_s = (unsigned)v;
    if ((rc = sd_config_get_duration(cfg, key(k, sizeof k, section, "header_timeout"), 1, 3600,
                                     out->header_timeout_s, &v, err)))
        return rc;
    out->header_timeout_s = (unsigned)v;
    if ((rc = sd_config_get_duration(cfg, key(k, sizeof k, section, "body_timeout"), 1, 86400,
                                     out->body_timeout_s, &v, err)))
        return rc;
    out->body_timeout_s = (unsigned)v;
    if ((rc = sd_config_get_duration(cfg, key(k, sizeof k, section, "grace"), 0, 600,
                                     out->grace_ms / 1000, &v, err)))
        return rc;
    out->grace_ms = (unsigned)v * 1000u;
    if ((rc = sd_config_get_int(cfg, key(k, sizeof k, section, "max_body"), 1024, (int64_t)1 << 32,
                                (int64_t)out->max_body, &v, err)))
        return rc;
    out->max_body = (size_t)v;
    out->tls_cert_file = sd_config_get_string(cfg, key(k, sizeof k, section, "tls_cert"), NULL);
    out->tls_key_file = sd_config_get_string(cfg, key(k, sizeof k, section, "tls_key"), NULL);
    out->tls_priorities =
        sd_config_get_string(cfg, key(k, sizeof k, section, "tls_priorities"), NULL);
    out->tls_client_ca = sd_config_get_string(cfg, key(k, sizeof k, section, "client_ca"), NULL);
    out->csp = sd_config_get_string(cfg, key(k, sizeof k, section, "csp"), out->csp);
    if (!out->tls_cert_file != !out->tls_key_file) {
        if (err) {
            memset(err, 0, sizeof *err);
            snprintf(err->msg, sizeof err->msg, "%s.tls_cert and %s.tls_key go together", section,
                     section);
        }
        return SD_EFIELD;
    }
    if (out->tls_client_ca && !out->tls_cert_file) {
        if (err) {
            memset(err, 0, sizeof *err);
            snprintf(err->msg, sizeof err->msg, "%s.client_ca needs %s.tls_cert and %s.tls_key",
                     section, section, section);
        }
        return SD_EFIELD;
    }
    return 0;
}
