/* mod_notify.c - contact lists and the e-mail notifier with escalation (notify.*, pf/notify). */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/err.h"
#include "suidod.h"

/* After a wrong notify.* key's message: the status the notifier has always exited with. */
static int notify_config_failed(void)
{
    return suidod_fail("notify/monitor", SD_ECONFIG, 2);
}

/* The notify.* keys (see the usage text). */
static int notify_config(sd_config_t *cfg, suidod_t *d)
{
    sd_config_error_t ce = {0};
    sd_notify_config_t *nc = &d->notify_cfg;
    sd_notify_config_defaults(nc);
    nc->smtp_url = sd_config_get_string(cfg, "notify.smtp_url", NULL);
    nc->from = sd_config_get_string(cfg, "notify.from", nc->from);
    nc->username = sd_config_get_string(cfg, "notify.username", NULL);
    nc->password = sd_config_get_string(cfg, "notify.password", NULL);
    nc->cacert = sd_config_get_string(cfg, "notify.cacert", NULL);
    nc->portal_url = sd_config_get_string(cfg, "notify.portal_url", NULL);
    nc->ops_to = sd_config_get_string(cfg, "notify.ops_to", NULL);
    bool tls = false;
    int64_t v, rep;
    int rc = sd_config_get_bool(cfg, "notify.starttls", false, &tls, &ce);
    static const char *const esc[] = {NULL, "notify.escalate_1", "notify.escalate_2",
                                      "notify.escalate_3", "notify.escalate_4"};
    for (int i = 1; !rc && i <= 4; i++) {
        rc = sd_config_get_duration(cfg, esc[i], 0, 7 * 86400, nc->escalate_ms[i] / 1000, &v, &ce);
        nc->escalate_ms[i] = v * 1000;
    }
    if (!rc)
        rc = sd_config_get_int(cfg, "notify.repeats", 0, 100, nc->repeats, &rep, &ce);
    nc->repeats = (int)rep;
    if (!rc)
        rc = sd_config_get_duration(cfg, "notify.retry_base", 1, 86400, 30, &v, &ce);
    nc->retry_base_ms = v * 1000;
    if (!rc)
        rc = sd_config_get_duration(cfg, "notify.retry_max", 1, 86400, 900, &v, &ce);
    nc->retry_max_ms = v * 1000;
    nc->starttls = tls;
    const char *dg = sd_config_get_string(cfg, "notify.digest", "08:30");
    unsigned h, m;
    char end;
    if (!strcmp(dg, "off"))
        nc->digest_min = -1;
    else if (sscanf(dg, "%2u:%2u%c", &h, &m, &end) == 2 && h < 24 && m < 60)
        nc->digest_min = (int)(h * 60 + m);
    else {
        fprintf(stderr, "suidod: config: notify.digest: %s is not HH:MM or off\n", dg);
        return notify_config_failed();
    }
    if (rc) {
        fprintf(stderr, "suidod: config: %s\n", ce.msg);
        return notify_config_failed();
    }
    return 0;
}

/* Made before the server starts: the alarms and the operation monitor mail through it. */
static int notify_new(suidod_t *d)
{
    int rc = sd_notify_new(&d->pf, &d->notify_cfg, &d->notify);
    return rc ? suidod_fail("notify/monitor", rc, rc == SD_ECONFIG ? 2 : 1) : 0;
}

static int notify_routes(sd_http_server_t *http, suidod_t *d)
{
    int rc = sd_contact_routes(http, &d->pf);
    if (!rc)
        rc = sd_notify_routes(http, d->notify);
    return rc ? suidod_setup_failed(rc) : 0;
}

static int notify_start(suidod_t *d)
{
    int rc = sd_notify_start(d->notify);
    return rc ? suidod_fail("notify", rc, 1) : 0;
}

static void notify_stop(suidod_t *d)
{
    sd_notify_free(d->notify);
}

const suidod_module_t suidod_mod_notify = {.name = "notify",
                                           .config = notify_config,
                                           .new = notify_new,
                                           .routes = notify_routes,
                                           .start = notify_start,
                                           .stop = notify_stop};
