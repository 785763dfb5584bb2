/* mod_protect.c - the platform CA, certificates and CMS payload protection (pki.dir). */
#include "api/routes.h"
#include "core/err.h"
#include "suidod.h"

static int pki_config(sd_config_t *cfg, suidod_t *d)
{
    d->pki_dir = sd_config_get_string(cfg, "pki.dir", d->pki_dir_default);
    return 0;
}

static int pki_new(suidod_t *d)
{
    int rc = sd_pki_open(&d->pf, d->pki_dir, &d->pki);
    if (rc)
        suidod_fail("pki", rc, 1);
    return rc ? suidod_setup_failed(rc) : 0;
}

/* The certificate routes, and the protection filters on /apif and /gwif. */
static int pki_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_pki_routes(http, d->pki);
    return rc ? suidod_setup_failed(rc) : 0;
}

static void pki_stop(suidod_t *d)
{
    sd_pki_free(d->pki); /* last: a late reply to a deferred request may still pass the filter */
}

const suidod_module_t suidod_mod_pki = {.name = "pki",
                                        .config = pki_config,
                                        .new = pki_new,
                                        .routes = pki_routes,
                                        .stop = pki_stop,
                                        .stop_phase = SUIDOD_STOP_LAST};
