/* modules.c - suidod's module table: the start order, and the stop order that follows from it. */
#include <stdio.h>

#include "core/err.h"
#include "suidod.h"

/*
 * Start order, top to bottom; each module is set up (config, new, routes) before the next, so a
 * module may use what the ones above it made. Stop runs the other way, phase by phase:
 *   1. quiesce: the request service answers its long-polls and AP-IF waits now, not with 503
 *   2. SUIDOD_STOP_BEFORE_SERVER: the SLA probes talk to the server: they stop first
 *   3. SUIDOD_STOP_SERVER: the HTTP server; no handler runs after it
 *   4. SUIDOD_STOP_AFTER_SERVER, from the bottom up: backup, mqtt, ingest (writes what is
 *      queued), monitors (after every ingest path, HTTP and MQTT, has stopped), alarms, requests,
 * objects, opsmon, notify (after the alarms, whose listener it is, and the monitor that mails
 * through it)
 *   5. SUIDOD_STOP_LAST: pki, last: a late reply to a deferred request may still pass the filter
 */
static const suidod_module_t *const table[] = {
    &suidod_mod_http,     /* the server: made first, listens first once all are set up */
    &suidod_mod_notify,   /* e-mail; before opsmon and alarms, which mail through it */
    &suidod_mod_opsmon,   /* the server's access log counts into it */
    &suidod_mod_accounts, /* session hook, accounts, registry, audit */
    &suidod_mod_master,
    &suidod_mod_objects, /* AP-IF #11-16: documents, and files in the object store */
    &suidod_mod_ts,
    &suidod_mod_requests, /* AP-IF #4 reads, #8 controls; GW-IF inventory, requests, replies */
    &suidod_mod_apidoc,
    &suidod_mod_alarms,   /* before the ingest paths below that feed it */
    &suidod_mod_monitors, /* AP-IF #5-7: periodic monitors */
    &suidod_mod_incidents,
    &suidod_mod_inquiries, /* after notify and objects, which it mails and stores through */
    &suidod_mod_maint,     /* inspections, defects (issue 12) */
    &suidod_mod_sla,       /* probes this server once it listens */
    &suidod_mod_bulletin,  /* after sla and notify: announces maintenance windows */
    &suidod_mod_pki,       /* AP-IF #9 / GW-IF #7 certificates, CMS filters on /apif, /gwif */
    &suidod_mod_ingest,    /* the samples' group-commit writer: after the observers, before mqtt */
    &suidod_mod_mqtt,      /* GW-IF over MQTT: ingests as soon as it is made, so after the
                              sample observers (alarms, monitors) are registered */
    &suidod_mod_backup,
    &suidod_mod_web, /* static files at / */
};
#define N_MODULES (sizeof table / sizeof table[0])

int suidod_setup(suidod_t *d)
{
    for (size_t i = 0; i < N_MODULES; i++) {
        const suidod_module_t *m = table[i];
        int st = m->config ? m->config(d->cfg, d) : 0;
        if (!st && m->new)
            st = m->new (d);
        if (!st && m->routes)
            st = m->routes(d->http, d);
        if (st)
            return st;
    }
    return 0;
}

int suidod_start(suidod_t *d)
{
    for (size_t i = 0; i < N_MODULES; i++) {
        int st = table[i]->start ? table[i]->start(d) : 0;
        if (st)
            return st;
    }
    return 0;
}

void suidod_stop(suidod_t *d)
{
    for (size_t i = N_MODULES; i-- > 0;)
        if (table[i]->quiesce)
            table[i]->quiesce(d);
    static const suidod_stop_phase_t phases[] = {SUIDOD_STOP_BEFORE_SERVER, SUIDOD_STOP_SERVER,
                                                 SUIDOD_STOP_AFTER_SERVER, SUIDOD_STOP_LAST};
    for (size_t p = 0; p < sizeof phases / sizeof phases[0]; p++)
        for (size_t i = N_MODULES; i-- > 0;)
            if (table[i]->stop && table[i]->stop_phase == phases[p])
                table[i]->stop(d);
}

int suidod_fail(const char *what, int rc, int status)
{
    fprintf(stderr, "suidod: %s: %s\n", what, sd_strerror(rc));
    return status;
}

int suidod_setup_failed(int rc)
{
    return suidod_fail("setting up routes", rc, 1);
}

int suidod_config_failed(const sd_config_error_t *e)
{
    fprintf(stderr, "suidod: config: %s\n", e->msg);
    return 2;
}
