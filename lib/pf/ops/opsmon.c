/* opsmon.c - status of services, gateways and applications, host resources, performance. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "core/err.h"
#include "core/log.h"
#include "core/worker.h"
#include "pf/registry/gw_state.h"
#include "pf/data/ts.h"
#include "pf/registry/registry.h"
#include "pf/ops/opsmon.h"

#define WINDOW_MS 60000
#define RING      8192

enum { IF_APIF, IF_GWIF, IF_PORTAL, IF__COUNT };
static const char *const if_names[IF__COUNT] = {"apif", "gwif", "portal"};
static const char *const res_names[SD_RES__COUNT] = {"cpu", "memory", "disk", "db_size", "outbox"};
static const char *const res_units[SD_RES__COUNT] = {"%", "%", "%", "MiB", "messages"};

typedef struct {
    int64_t at_ms; /* monotonic */
    int32_t dur_ms;
    int16_t status;
} hit_t;

struct sd_opsmon {
    sd_pf_t *pf;
    sd_notify_t *notify;
    sd_opsmon_config_t cfg;
    char *data_dir;
    int64_t started_ms;
    pthread_mutex_t mu; /* rings, resources: shared with request threads and the worker */
    hit_t ring[IF__COUNT][RING];
    size_t head[IF__COUNT], count[IF__COUNT];
    double value[SD_RES__COUNT];
    int state[SD_RES__COUNT];   /* 0 ok, 1 warn, 2 fault: the latest sample's */
    int alerted[SD_RES__COUNT]; /* the state last mailed (ok at start) */
    int held[SD_RES__COUNT];    /* samples in a row that differ from alerted */
    int64_t state_since[SD_RES__COUNT];
    int sampled;
    unsigned long long cpu_busy, cpu_total;
    sd_worker_t *worker; /* NULL until sd_opsmon_start() */
};

void sd_opsmon_config_defaults(sd_opsmon_config_t *cfg)
{
    *cfg = (sd_opsmon_config_t){
        .warn = {80, 85, 80, 10240, 100},
        .fault = {95, 95, 90, 20480, 1000},
        .interval_ms = 60000,
    };
}

int sd_opsmon_new(sd_pf_t *pf, const sd_opsmon_config_t *cfg, sd_notify_t *notify,
                  sd_opsmon_t **out)
{
    sd_opsmon_t *m = calloc(1, sizeof *m);
    if (!m)
        return SD_ENOMEM;
    m->pf = pf;
    m->notify = notify;
    m->cfg = *cfg;
    m->data_dir = strdup(cfg->data_dir ? cfg->data_dir : ".");
    if (!m->data_dir) {
        free(m);
        return SD_ENOMEM;
    }
    m->cfg.data_dir = m->data_dir;
    m->started_ms = sd_pf_now_ms(pf);
    for (int i = 0; i < SD_RES__COUNT; i++)
        m->state_since[i] = m->started_ms;
    pthread_mutex_init(&m->mu, NULL);
    *out = m;
    return 0;
}

/* ---- pure parts -------------------------------------------------------------------------------
 */

const char *sd_opsmon_state(double v, double warn, double fault)
{
    return v >= fault ? "fault" : v >= warn ? "warn" : "ok";
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

double sd_opsmon_percentile(int64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    /* nearest rank: the smallest value with at least p % of the values at or below it */
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return (double)v[rank - 1];
}

/* ---- performance ------------------------------------------------------------------------------
 */

void sd_opsmon_record(sd_opsmon_t *m, const char *path, int64_t duration_ms, int status)
{
    const char *p = path ? path : "";
    int i = !strncmp(p, "/apif/", 6)   ? IF_APIF
            : !strncmp(p, "/gwif/", 6) ? IF_GWIF
            : !strncmp(p, "/api/", 5)  ? IF_PORTAL
                                       : -1;
    if (!m || i < 0)
        return;
    pthread_mutex_lock(&m->mu);
    hit_t *h = &m->ring[i][m->head[i]];
    h->at_ms = sd_clock_mono_ms(m->pf->clock);
    h->dur_ms = duration_ms > INT32_MAX ? INT32_MAX : (int32_t)duration_ms;
    h->status = (int16_t)status;
    m->head[i] = (m->head[i] + 1) % RING;
    if (m->count[i] < RING)
        m->count[i]++;
    pthread_mutex_unlock(&m->mu);
}

sd_pf_t *sd_opsmon_pf(const sd_opsmon_t *m)
{
    return m->pf;
}

static json_t *perf_json(sd_opsmon_t *m, int i, int64_t *scratch)
{
    int64_t now = sd_clock_mono_ms(m->pf->clock);
    size_t n = 0;
    int64_t errors = 0;
    pthread_mutex_lock(&m->mu);
    for (size_t k = 0; k < m->count[i]; k++) {
        const hit_t *h = &m->ring[i][(m->head[i] + RING - 1 - k) % RING];
        if (now - h->at_ms > WINDOW_MS)
            break;
        scratch[n++] = h->dur_ms;
        errors += h->status >= 500 || h->status == 0;
    }
    pthread_mutex_unlock(&m->mu);
    /* a full ring inside the window under-counts: say so through the rate of what was kept */
    double up = (double)(sd_pf_now_ms(m->pf) - m->started_ms);
    double win = up > 0 && up < WINDOW_MS ? up : WINDOW_MS;
    double rps = win > 0 ? (double)n * 1000.0 / win : 0;
    double p50 = sd_opsmon_percentile(scratch, n, 50);
    double p99 = sd_opsmon_percentile(scratch, n, 99);
    return sd_json_pack("{s:s,s:f,s:f,s:f,s:I,s:I}", "interface", if_names[i], "rps", rps, "p50_ms",
                        p50, "p99_ms", p99, "errors", (json_int_t)errors, "requests",
                        (json_int_t)n);
}

/* ---- resources --------------------------------------------------------------------------------
 */

static int read_cpu(unsigned long long *busy, unsigned long long *total)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return SD_EIO;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 4)
        return SD_EIO;
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *busy = *total - v[3] - v[4]; /* idle and iowait are not busy */
    return 0;
}

static double read_mem(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[128];
    double total = 0, avail = 0, v;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemTotal: %lf", &v) == 1)
            total = v;
        else if (sscanf(line, "MemAvailable: %lf", &v) == 1)
            avail = v;
    }
    fclose(f);
    return total > 0 ? 100.0 * (total - avail) / total : 0;
}

static double read_disk(const char *dir)
{
    struct statvfs s;
    if (statvfs(dir, &s) != 0 || !s.f_blocks)
        return 0;
    double used = (double)(s.f_blocks - s.f_bfree);
    /* as df: what ordinary users may still use counts as free */
    return 100.0 * used / (used + (double)s.f_bavail);
}

static double read_db_mib(sd_store_t *st)
{
    const char *sql = !strcmp(sd_store_backend(st), "sqlite")
                          ? "SELECT page_count * page_size FROM pragma_page_count(), "
                            "pragma_page_size()"
                          : "SELECT pg_database_size(current_database())";
    sd_stmt_t *s = NULL;
    double v = 0;
    if (sd_store_query_row(st, sql, SD_NOPARAMS, &s) == 0)
        v = (double)sd_stmt_int64(s, 0) / (1024.0 * 1024.0);
    sd_stmt_done(s);
    return v;
}

int sd_opsmon_sample(sd_opsmon_t *m)
{
    double v[SD_RES__COUNT] = {0};
    unsigned long long busy = 0, total = 0;
    int have_cpu = read_cpu(&busy, &total) == 0;
    v[SD_RES_MEMORY] = read_mem();
    v[SD_RES_DISK] = read_disk(m->data_dir);
    v[SD_RES_DB] = read_db_mib(m->pf->store);
    int64_t depth = 0;
    if (m->notify)
        sd_notify_outbox_depth(m->notify, &depth);
    v[SD_RES_OUTBOX] = (double)depth;
    int64_t now = sd_pf_now_ms(m->pf);
    int changed[SD_RES__COUNT] = {0}, any = 0;
    pthread_mutex_lock(&m->mu);
    if (have_cpu && m->cpu_total && total > m->cpu_total)
        v[SD_RES_CPU] = 100.0 * (double)(busy - m->cpu_busy) / (double)(total - m->cpu_total);
    if (have_cpu)
        m->cpu_busy = busy, m->cpu_total = total;
    for (int i = 0; i < SD_RES__COUNT; i++) {
        m->value[i] = v[i];
        int s = v[i] >= m->cfg.fault[i] ? 2 : v[i] >= m->cfg.warn[i] ? 1 : 0;
        if (s != m->state[i]) {
            m->state[i] = s;
            m->state_since[i] = now;
        }
        /* mail a new state once it held for two samples in a row: a CPU hovering at its
           threshold must not wake the operators every minute */
        m->held[i] = s != m->alerted[i] ? m->held[i] + 1 : 0;
        if (m->held[i] >= 2) {
            changed[i] = 1 + m->alerted[i]; /* the old state, +1 */
            m->alerted[i] = s;
            m->held[i] = 0;
            any = 1;
        }
    }
    m->sampled = 1;
    pthread_mutex_unlock(&m->mu);
    static const char *const st[] = {"ok", "warn", "fault"};
    for (int i = 0; any && i < SD_RES__COUNT; i++) {
        if (!changed[i] || !m->notify)
            continue;
        char subject[200], body[400];
        int s = v[i] >= m->cfg.fault[i] ? 2 : v[i] >= m->cfg.warn[i] ? 1 : 0;
        snprintf(subject, sizeof subject, "[suido] リソース監視 %s: %s → %s (%.1f %s)",
                 res_names[i], st[changed[i] - 1], st[s], v[i], res_units[i]);
        snprintf(body, sizeof body,
                 "suidod のリソース %s が %s になりました。\nResource %s is now %s.\n"
                 "値 value: %.1f %s\n警告 warn: %.1f / 障害 fault: %.1f\n",
                 res_names[i], st[s], res_names[i], st[s], v[i], res_units[i], m->cfg.warn[i],
                 m->cfg.fault[i]);
        sd_notify_ops(m->notify, "resource", subject, body);
    }
    return 0;
}

/* One round of the worker: sample, then wait an interval (monotonic). */
static int64_t tick(void *ctx, int stopping)
{
    sd_opsmon_t *m = ctx;
    if (stopping) {
        sd_store_release(m->pf->store);
        return 0;
    }
    sd_opsmon_sample(m);
    return m->cfg.interval_ms > 0 ? m->cfg.interval_ms : 60000;
}

int sd_opsmon_start(sd_opsmon_t *m)
{
    if (m->worker)
        return SD_EINVAL;
    return sd_worker_start("sd-opsmon", tick, m, &m->worker);
}

void sd_opsmon_free(sd_opsmon_t *m)
{
    if (!m)
        return;
    sd_worker_stop(m->worker);
    pthread_mutex_destroy(&m->mu);
    free(m->data_dir);
    free(m);
}

/* ---- the status report (GET /api/v1/status) ------------------------------------------------ */

static json_t *time_json(int64_t ms)
{
    char t[40];
    if (ms <= 0)
        return json_null();
    sd_ts_format_time(ms, t, sizeof t);
    return json_string(t);
}

static int add_component(json_t *arr, const char *kind, const char *name, const char *state,
                         const char *detail, int64_t since, int64_t tenant)
{
    json_t *o =
        sd_json_pack("{s:s,s:s,s:s,s:s,s:o,s:I}", "kind", kind, "name", name, "state", state,
                     "detail", detail, "since", time_json(since), "tenant_id", (json_int_t)tenant);
    return o && !json_array_append_new(arr, o) ? 0 : SD_ENOMEM;
}

/* What the status page knows of one registration besides its row: MQTT state, tokens. */
typedef struct {
    int64_t id;
    int have_gs, have_tok;
    sd_gw_state_t gs;
    int64_t issued, expires;
} client_seen_t;

typedef struct {
    sd_opsmon_t *m;
    const sd_principal_t *who;
    json_t *arr;
    int64_t now;
    client_seen_t *seen; /* by id: gateways' states first, then those with tokens only */
    size_t n, cap, ngw;
} clients_ctx_t;

static client_seen_t *seen_add(clients_ctx_t *x, int64_t id)
{
    if (x->n && x->seen[x->n - 1].id == id)
        return &x->seen[x->n - 1];
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 64;
        client_seen_t *nv = realloc(x->seen, nc * sizeof *nv);
        if (!nv)
            return NULL;
        x->seen = nv;
        x->cap = nc;
    }
    x->seen[x->n] = (client_seen_t){.id = id};
    return &x->seen[x->n++];
}

static int seen_cmp(const void *a, const void *b)
{
    int64_t x = ((const client_seen_t *)a)->id, y = ((const client_seen_t *)b)->id;
    return x < y ? -1 : x > y;
}

static int seen_gw(void *ctx, int64_t gw_id, const sd_gw_state_t *g)
{
    client_seen_t *c = seen_add(ctx, gw_id);
    if (!c)
        return SD_ENOMEM;
    c->have_gs = 1;
    c->gs = *g;
    return 0;
}

static int seen_tok(void *ctx, int64_t client_row, int64_t issued, int64_t expires)
{
    clients_ctx_t *x = ctx;
    client_seen_t k = {.id = client_row};
    client_seen_t *c = x->ngw ? bsearch(&k, x->seen, x->ngw, sizeof k, seen_cmp) : NULL;
    if (!c) {
        /* new ids arrive in order, after the gateways' (sorted again below) */
        if (!(c = seen_add(x, client_row)))
            return SD_ENOMEM;
    }
    c->have_tok = 1;
    c->issued = issued;
    c->expires = expires;
    return 0;
}

/* One registration as a component: a gateway by its MQTT alive state (the binding's), else by
 * the tokens it was issued (the registry's). */
static int client_component(void *ctx, const sd_client_t *c)
{
    clients_ctx_t *x = ctx;
    sd_scope_t sc = {.tenant_id = c->tenant_id, .org_id = c->org_id, .subject_id = c->id};
    if (sd_policy_check(x->who, SD_ACT_MONITOR_READ, &sc))
        return 0;
    int gw = c->kind == SD_CLIENT_GATEWAY;
    client_seen_t k = {.id = c->id};
    const client_seen_t *seen = x->n ? bsearch(&k, x->seen, x->n, sizeof k, seen_cmp) : NULL;
    char detail[200], t1[40];
    const char *state;
    int64_t since = 0;
    if (!c->enabled) {
        state = "fault";
        snprintf(detail, sizeof detail, "registration disabled");
    } else if (gw && seen && seen->have_gs) {
        since = seen->gs.changed_at;
        sd_ts_format_time(seen->gs.last_seen, t1, sizeof t1);
        state = seen->gs.online ? "ok" : "fault";
        snprintf(detail, sizeof detail, "%s; last seen %s",
                 seen->gs.online ? "online" : "offline (last will)", t1);
    } else if (seen && seen->have_tok) {
        /* only the issue of tokens is recorded, not each use of one */
        since = seen->issued;
        sd_ts_format_time(since, t1, sizeof t1);
        state = seen->expires > x->now ? "ok" : "unknown";
        snprintf(detail, sizeof detail, "last connect %s; %s (token use is not recorded)", t1,
                 seen->expires > x->now ? "token valid" : "no valid token");
    } else {
        state = "unknown";
        snprintf(detail, sizeof detail,
                 gw ? "never connected (no MQTT state, no token)" : "never connected");
    }
    return add_component(x->arr, gw ? "gateway" : "application", c->name, state, detail, since,
                         sc.tenant_id);
}

/* Gateways (gw_state of the MQTT binding) and applications (their tokens) the caller may see, in
 * registration order: three queries, one per owner, whatever the number of registrations. */
static int clients(sd_opsmon_t *m, const sd_principal_t *who, json_t *arr, int64_t now)
{
    sd_store_t *st = m->pf->store;
    clients_ctx_t x = {m, who, arr, now, NULL, 0, 0, 0};
    int rc = sd_gw_state_each(st, seen_gw, &x);
    x.ngw = x.n;
    if (rc >= 0)
        rc = sd_registry_each_token_times(st, seen_tok, &x);
    if (rc >= 0 && x.n > x.ngw)
        qsort(x.seen, x.n, sizeof *x.seen, seen_cmp);
    if (rc >= 0)
        rc = sd_registry_each(st, 0, -1, client_component, &x);
    free(x.seen);
    return rc < 0 ? rc : 0;
}

int sd_opsmon_status(sd_opsmon_t *m, const sd_principal_t *who, json_t **out)
{
    *out = NULL;
    /* the platform's own services and resources are for the operator side, not for vendors */
    int platform_view = who->role == SD_ROLE_PLATFORM_ADMIN ||
                        who->role == SD_ROLE_OPERATOR_ADMIN ||
                        who->role == SD_ROLE_OPERATOR_GENERAL;
    int64_t now = sd_pf_now_ms(m->pf);
    json_t *comps = json_array(), *res = json_array(), *perf = json_array();
    int rc = comps && res && perf ? 0 : SD_ENOMEM;
    int64_t *scratch = malloc(RING * sizeof *scratch);
    if (!scratch)
        rc = SD_ENOMEM;
    if (!rc && platform_view) {
        char detail[200];
        snprintf(detail, sizeof detail, "store %s", sd_store_backend(m->pf->store));
        sd_stmt_t *s = NULL;
        int src = sd_store_query_row(m->pf->store, "SELECT 1", SD_NOPARAMS, &s);
        sd_stmt_done(s);
        rc = add_component(comps, "service", "suidod", "ok", "answering", m->started_ms, 0);
        if (!rc)
            rc = add_component(comps, "service", "store", src ? "fault" : "ok",
                               src ? sd_strerror(src) : detail, m->started_ms, 0);
        /* mail: failing when something waits after a failed attempt */
        int64_t waiting = 0;
        char last[160] = "";
        /* (without a notify service the detail below says so whatever waits) */
        if (!rc && m->notify && sd_notify_failing(m->notify, &waiting, last, sizeof last))
            waiting = 0, last[0] = 0;
        snprintf(detail, sizeof detail,
                 waiting ? "%" PRId64 " mails waiting after a failed "
                           "attempt: %s"
                         : "%" PRId64 " mails waiting%s",
                 waiting, last);
        if (!sd_notify_has_smtp(m->notify))
            snprintf(detail, sizeof detail, "notify.smtp_url is not set: no e-mail is sent");
        if (!rc)
            rc = add_component(comps, "service", "smtp",
                               waiting || !sd_notify_has_smtp(m->notify) ? "warn" : "ok", detail, 0,
                               0);
        if (!rc && !m->sampled)
            sd_opsmon_sample(m);
        pthread_mutex_lock(&m->mu);
        for (int i = 0; !rc && i < SD_RES__COUNT; i++) {
            json_t *o = sd_json_pack("{s:s,s:f,s:s,s:f,s:f,s:s,s:o}", "name", res_names[i], "value",
                                     m->value[i], "unit", res_units[i], "warn", m->cfg.warn[i],
                                     "fault", m->cfg.fault[i], "state",
                                     sd_opsmon_state(m->value[i], m->cfg.warn[i], m->cfg.fault[i]),
                                     "since", time_json(m->state_since[i]));
            if (!o || json_array_append_new(res, o))
                rc = SD_ENOMEM;
        }
        pthread_mutex_unlock(&m->mu);
        for (int i = 0; !rc && i < IF__COUNT; i++) {
            json_t *o = perf_json(m, i, scratch);
            if (!o || json_array_append_new(perf, o))
                rc = SD_ENOMEM;
        }
    }
    if (!rc)
        rc = clients(m, who, comps, now);
    free(scratch);
    if (rc) {
        json_decref(comps);
        json_decref(res);
        json_decref(perf);
        return rc;
    }
    *out = sd_json_pack("{s:o,s:o,s:o,s:o}", "generated_at", time_json(now), "components", comps,
                        "resources", res, "performance", perf);
    return *out ? 0 : SD_ENOMEM;
}
