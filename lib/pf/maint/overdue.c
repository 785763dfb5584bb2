/* overdue.c - overdue visits mailed once: the mark and the outbox rows share one transaction, so
 * a crash or a second pass can neither lose the notice nor send it twice. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/worker.h"
#include "pf/maint/overdue.h"
#include "pf/maint/plan.h"
#include "pf/notify/contact.h"

/* visits handled per pass: what is left waits for the next one (at once, see tick) */
#define BATCH 200

static const char *cycle_ja(const char *c)
{
    return !strcmp(c, "daily")       ? "日常点検"
           : !strcmp(c, "monthly")   ? "1ヶ月点検"
           : !strcmp(c, "quarterly") ? "3ヶ月点検"
                                     : "1年点検";
}

typedef struct {
    sd_pf_t *pf;
    sd_notify_t *n;
    int64_t id, now;
    int queued, done;
    char **to;
    size_t nto;
} visit_tx_t;

/* add addr to t->to unless it is there already */
static int add_rcpt(visit_tx_t *t, const char *addr)
{
    if (!addr || !*addr)
        return 0;
    for (size_t i = 0; i < t->nto; i++)
        if (!strcmp(t->to[i], addr))
            return 0;
    char **nl = realloc(t->to, (t->nto + 1) * sizeof *nl);
    if (!nl)
        return SD_ENOMEM;
    t->to = nl;
    if (!(t->to[t->nto] = strdup(addr)))
        return SD_ENOMEM;
    t->nto++;
    return 0;
}

/* the contractor's 管理技術者, then step 1 of the facility's (else the tenant's) approved list */
static int recipients(visit_tx_t *t, sd_store_t *st, int64_t tenant, const char *facility)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(st,
                            "SELECT u.email FROM maint_contractors c JOIN maint_staff m ON "
                            "m.org_id = c.org_id JOIN users u ON u.id = m.user_id WHERE "
                            "c.tenant_id = $1 AND m.duty = 'manager' AND u.disabled = 0 "
                            "ORDER BY u.id",
                            SD_PARAMS(SD_V_INT(tenant)), &s);
    while (!rc && (rc = sd_stmt_next(s)) == 1)
        rc = add_rcpt(t, sd_stmt_text(s, 0, NULL));
    sd_stmt_done(s);
    if (rc < 0)
        return rc;
    int64_t list = 0;
    json_t *entries = NULL;
    if ((rc = sd_contact_active(st, tenant, facility, &list, &entries)))
        return rc;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        if (json_integer_value(json_object_get(e, "order")) == 1 &&
            (rc = add_rcpt(t, json_string_value(json_object_get(e, "email")))))
            break;
    }
    json_decref(entries);
    return rc;
}

static int visit_tx(sd_store_t *st, void *ctx)
{
    visit_tx_t *t = ctx;
    t->queued = t->done = 0; /* a transaction run again starts over */
    int64_t changed = 0;
    /* the mark first: a visit recorded or notified meanwhile changes nothing */
    int rc = sd_store_exec(st,
                           "UPDATE maint_visits SET overdue_notified_at = $1 WHERE id = $2 AND "
                           "inspection_id IS NULL AND overdue_notified_at IS NULL",
                           SD_PARAMS(SD_V_INT(t->now), SD_V_INT(t->id)), &changed);
    if (rc || changed != 1)
        return rc;
    sd_stmt_t *s = NULL;
    rc = sd_store_query_row(st,
                            "SELECT v.tenant_id, v.facility_id, v.cycle, v.month, v.planned_on, "
                            "f.code, f.name FROM maint_visits v JOIN facilities f ON f.id = "
                            "v.facility_id WHERE v.id = $1",
                            SD_PARAMS(SD_V_INT(t->id)), &s);
    if (rc)
        return rc;
    int64_t tenant = sd_stmt_int64(s, 0), fac = sd_stmt_int64(s, 1);
    char *cycle = strdup(sd_stmt_text(s, 2, NULL)), *month = strdup(sd_stmt_text(s, 3, NULL)),
         *on = strdup(sd_stmt_text(s, 4, NULL)), *code = strdup(sd_stmt_text(s, 5, NULL)),
         *name = strdup(sd_stmt_text(s, 6, NULL));
    sd_stmt_done(s);
    sd_buf_t subj = {0}, body = {0};
    rc = cycle && month && on && code && name ? recipients(t, st, tenant, code) : SD_ENOMEM;
    const char *url = sd_notify_portal_url(t->n);
    char link[160] = "";
    if (url)
        snprintf(link, sizeof link, "%s/#/maint?facility=%" PRId64 "&month=%s", url, fac,
                 month ? month : "");
    if (!rc && t->nto)
        rc = sd_buf_printf(&subj, "[suido] 点検期限超過: %s %s %s (overdue %s inspection: %s)",
                           name, cycle_ja(cycle), on, cycle, code);
    if (!rc && t->nto)
        rc = sd_buf_printf(&body,
                           "%s (%s) の%s (予定日 %s) が実施・記録されていません。\n"
                           "点検を実施して記録するか、予定日を変更してください。\n%s%s\n\n----\n"
                           "The %s inspection of %s (%s) planned for %s has not been recorded.\n"
                           "Carry it out and record it, or move the visit.\n%s%s\n",
                           name, code, cycle_ja(cycle), on, *link ? "ポータル: " : "", link, cycle,
                           name, code, on, *link ? "Portal: " : "", link);
    for (size_t i = 0; !rc && i < t->nto; i++) {
        rc = sd_notify_enqueue(t->n, tenant, SD_MAINT_OVERDUE_KIND, 0, 0, t->to[i], subj.data,
                               body.data, NULL);
        t->queued += !rc;
    }
    t->done = !rc;
    sd_buf_free(&subj);
    sd_buf_free(&body);
    free(cycle);
    free(month);
    free(on);
    free(code);
    free(name);
    return rc;
}

/* one batch of due visit ids into ids; *n how many */
static int due(sd_pf_t *pf, int64_t ids[BATCH], int *n)
{
    char today[11];
    sd_maint_today(pf, today);
    *n = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT id FROM maint_visits WHERE planned_on < $1 AND inspection_id "
                            "IS NULL AND overdue_notified_at IS NULL ORDER BY id LIMIT 200",
                            SD_PARAMS(SD_V_TEXT(today)), &s);
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = 0;
        if (*n < BATCH)
            ids[(*n)++] = sd_stmt_int64(s, 0);
    }
    sd_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int sd_maint_overdue_check(sd_pf_t *pf, sd_notify_t *n, int *visits, int *mails)
{
    int v = 0, m = 0, rc = 0, k;
    int64_t ids[BATCH];
    do {
        if ((rc = due(pf, ids, &k)))
            break;
        for (int i = 0; !rc && i < k; i++) {
            visit_tx_t t = {.pf = pf, .n = n, .id = ids[i], .now = sd_pf_now_ms(pf)};
            rc = sd_store_tx(pf->store, visit_tx, &t);
            if (!rc && t.done) {
                v++;
                m += t.queued;
            }
            for (size_t j = 0; j < t.nto; j++)
                free(t.to[j]);
            free(t.to);
        }
    } while (!rc && k == BATCH);
    if (m)
        sd_notify_wake(n);
    if (visits)
        *visits = v;
    if (mails)
        *mails = m;
    return rc;
}

struct sd_maint_overdue {
    sd_pf_t *pf;
    sd_notify_t *n;
    int64_t every_ms;
    sd_worker_t *w;
};

static int64_t tick(void *ctx, int stopping)
{
    sd_maint_overdue_t *o = ctx;
    if (stopping) {
        sd_store_release(o->pf->store);
        return 0;
    }
    int v = 0, m = 0, rc = sd_maint_overdue_check(o->pf, o->n, &v, &m);
    if (rc)
        sd_log(SD_LOG_WARN, "maint: overdue check: %s", sd_strerror(rc));
    else if (v)
        sd_log(SD_LOG_INFO, "maint: %d overdue visit(s) notified, %d mail(s) queued", v, m);
    return rc ? 60000 < o->every_ms ? 60000 : o->every_ms : o->every_ms;
}

int sd_maint_overdue_start(sd_pf_t *pf, sd_notify_t *n, int64_t every_ms, sd_maint_overdue_t **out)
{
    sd_maint_overdue_t *o = calloc(1, sizeof *o);
    if (!o)
        return SD_ENOMEM;
    *o = (sd_maint_overdue_t){.pf = pf, .n = n, .every_ms = every_ms > 0 ? every_ms : 3600000};
    int rc = sd_worker_start("sd-maint", tick, o, &o->w);
    if (rc) {
        free(o);
        return rc;
    }
    *out = o;
    return 0;
}

void sd_maint_overdue_stop(sd_maint_overdue_t *o)
{
    if (!o)
        return;
    sd_worker_stop(o->w);
    free(o);
}
