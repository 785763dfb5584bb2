/* pf_fixture.c - test helper: sd_pf_t on a temporary SQLite or PostgreSQL store, seeds, runs. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "pf_fixture.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "gwif/gwif.h"
#include "pg.h"
#include "pf/accounts/account.h"
#include "pf/accounts/org.h"
#include "pf/accounts/tenant.h"
#include "pf/accounts/user.h"

static sd_test_pg_t *g_pg; /* the server while a PostgreSQL run or pg_begin() lasts */
static int g_pg_users;

int sd_test_pf_pg_begin(void)
{
    if (g_pg_users > 0) {
        g_pg_users++;
        return 0;
    }
    if (getenv("SUIDO_NO_PG")) {
        fprintf(stderr, "pf fixture: SUIDO_NO_PG set, no PostgreSQL\n");
        return -1;
    }
    if (sd_test_pg_start(&g_pg) != 0) {
        fprintf(stderr, "pf fixture: could not start PostgreSQL\n");
        return -1;
    }
    g_pg_users = 1;
    return 0;
}

void sd_test_pf_pg_end(void)
{
    if (g_pg_users > 0 && --g_pg_users == 0) {
        sd_test_pg_stop(g_pg);
        g_pg = NULL;
    }
}

int sd_test_pf_run(const char *name, const struct CMUnitTest *tests, size_t n, unsigned on)
{
    char group[160];
    int failed = 0;
    if (on & SD_TEST_SQLITE) {
        snprintf(group, sizeof group, "%s: sqlite", name);
        failed += _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    }
    if (on & SD_TEST_PG) {
        snprintf(group, sizeof group, "%s: postgresql", name);
        if (getenv("SUIDO_NO_PG")) {
            fprintf(stderr, "%s: SUIDO_NO_PG set, skipped\n", group);
        } else if (sd_test_pf_pg_begin() == 0) {
            failed += _cmocka_run_group_tests(group, tests, n, NULL, NULL);
            sd_test_pf_pg_end();
        } else {
            fprintf(stderr, "%s: could not start PostgreSQL: that suite FAILS\n", group);
            failed++;
        }
    }
    return failed;
}

void sd_test_pf_open(sd_test_pf_t *t, int64_t now_ms)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/suido-pf-XXXXXX");
    if (!mkdtemp(t->dir))
        fail_msg("mkdtemp %s failed", t->dir);
    t->pg = g_pg != NULL;
    if (t->pg) {
        if (sd_test_pg_create_db(g_pg, t->url, sizeof t->url) != 0)
            fail_msg("no PostgreSQL database");
    } else {
        snprintf(t->url, sizeof t->url, "sqlite://%s/store.db?sync=normal", t->dir);
    }
    int rc = sd_store_open(t->url, &t->st);
    if (rc)
        fail_msg("open %s: %s: %s", t->url, sd_strerror(rc), sd_store_errmsg());
    t->clock = sd_clock_fake_new(now_ms);
    assert_non_null(t->clock);
    t->pf = (sd_pf_t){.store = t->st,
                      .clock = t->clock,
                      .issuer = "suido-test",
                      .session_ttl_s = 600,
                      .session_max_s = 3600,
                      .token_ttl_s = 300,
                      .pw_params = {.opslimit = 1, .memlimit = 8192}};
    memset(t->pf.secret_key, 7, sizeof t->pf.secret_key);
    rc = sd_account_init(&t->pf);
    if (rc)
        fail_msg("sd_account_init: %s", sd_strerror(rc));
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

void sd_test_pf_close(sd_test_pf_t *t)
{
    sd_store_close(t->st);
    sd_clock_fake_free(t->clock);
    if (t->dir[0])
        nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    memset(t, 0, sizeof *t);
}

void *sd_test_pf_new(size_t size, int64_t now_ms)
{
    assert_true(size >= sizeof(sd_test_pf_t));
    sd_test_pf_t *t = calloc(1, size);
    assert_non_null(t);
    sd_test_pf_open(t, now_ms);
    return t;
}

int sd_test_pf_teardown(void **state)
{
    sd_test_pf_close(*state);
    free(*state);
    *state = NULL;
    return 0;
}

int64_t sd_test_time(const char *iso)
{
    int64_t ms = 0;
    if (sd_ts_parse_time(iso, &ms) != 0)
        fail_msg("not a time: %s", iso);
    return ms;
}

/* ---- SQL ------------------------------------------------------------------------------------ */

static void check(int rc, const char *what)
{
    if (rc)
        fail_msg("%s: %s: %s", what, sd_strerror(rc), sd_store_errmsg());
}

int64_t sd_test_pf_insert(sd_test_pf_t *t, const char *sql, const sd_val_t *p, int n)
{
    int64_t id = 0;
    check(sd_store_insert(t->st, sql, p, n, &id), sql);
    return id;
}

void sd_test_pf_exec(sd_test_pf_t *t, const char *sql, const sd_val_t *p, int n)
{
    check(sd_store_exec(t->st, sql, p, n, NULL), sql);
}

int64_t sd_test_pf_int(sd_test_pf_t *t, const char *sql, const sd_val_t *p, int n)
{
    sd_stmt_t *s = NULL;
    check(sd_store_query_row(t->st, sql, p, n, &s), sql);
    int64_t v = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return v;
}

/* ---- seeds through the services ------------------------------------------------------------- */

int64_t sd_test_pf_tenant(sd_test_pf_t *t, const char *name, sd_tenant_kind_t kind)
{
    int64_t id = 0;
    check(sd_tenant_create(&t->pf, name, kind, &id), "sd_tenant_create");
    return id;
}

int64_t sd_test_pf_org(sd_test_pf_t *t, int64_t tenant, sd_org_kind_t kind, const char *name)
{
    int64_t id = 0;
    check(sd_org_create(&t->pf, tenant, kind, name, &id), "sd_org_create");
    return id;
}

int64_t sd_test_pf_user(sd_test_pf_t *t, int64_t org, sd_role_t role, const char *email,
                        char login[32], char pw[SD_TOKEN_SIZE])
{
    char l[32], p[SD_TOKEN_SIZE];
    int64_t id = 0;
    check(sd_user_issue(&t->pf, org, role, email, "", login ? login : l, pw ? pw : p, &id),
          "sd_user_issue");
    return id;
}

int64_t sd_test_pf_client(sd_test_pf_t *t, sd_client_kind_t kind, int64_t org, int64_t tenant,
                          const char *name, char cid[40], char secret[SD_TOKEN_SIZE])
{
    char c[40], s[SD_TOKEN_SIZE];
    int64_t id = 0;
    sd_registry_new_t n = {kind, org, tenant, name, 0, ""};
    check(sd_registry_create(&t->pf, NULL, &n, cid ? cid : c, secret ? secret : s, &id),
          "sd_registry_create");
    return id;
}

/* ---- master rows ---------------------------------------------------------------------------- */

int64_t sd_test_pf_facility(sd_test_pf_t *t, int64_t tenant, const char *code)
{
    return sd_test_pf_insert(t,
                             "INSERT INTO facilities (tenant_id, code, name, type, estate, version)"
                             " VALUES ($1, $2, $2, 'dedicated', '001', 1) RETURNING id",
                             SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(code)));
}

int64_t sd_test_pf_device(sd_test_pf_t *t, int64_t tenant, int64_t facility, const char *code,
                          const char *model)
{
    return sd_test_pf_insert(
        t,
        "INSERT INTO devices (tenant_id, facility_id, code, name, model,"
        " branch, office, estate, terminal, tel, version) VALUES ($1, $2, $3,"
        " $3, $4, '01', '01', '001', '01', '0000', 1) RETURNING id",
        SD_PARAMS(SD_V_INT(tenant), SD_V_INT(facility), SD_V_TEXT(code), SD_V_TEXT(model)));
}

int64_t sd_test_pf_point(sd_test_pf_t *t, int64_t tenant, int64_t device, const sd_test_point_t *p)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO points (tenant_id, device_id, data_id, name, signal, input, severity,"
             " limit_lo, limit_hi, unit, version) VALUES ($1, $2, $3, $3, $4, $5, $6, %s, %s, $7,"
             " 1) RETURNING id",
             p->limit_lo ? p->limit_lo : "NULL", p->limit_hi ? p->limit_hi : "NULL");
    return sd_test_pf_insert(t, sql,
                             SD_PARAMS(SD_V_INT(tenant), SD_V_INT(device), SD_V_TEXT(p->data_id),
                                       SD_V_TEXT(p->signal ? p->signal : "analog"),
                                       SD_V_TEXT(p->input ? p->input : "Ai1"),
                                       SD_V_TEXT(p->severity ? p->severity : ""),
                                       SD_V_TEXT(p->unit ? p->unit : "")));
}
