/* pf_fixture.h - test helper: a platform context (sd_pf_t) on a fresh, migrated store with a fake
 * clock, seeds made through the services, and the run of a suite on SQLite and PostgreSQL. */
#ifndef SD_TEST_PF_FIXTURE_H
#define SD_TEST_PF_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/policy.h"
#include "auth/token.h"
#include "pf/accounts/account_rules.h"
#include "pf/pf.h"
#include "pf/registry/registry.h"
#include "store/store.h"

#define SD_TEST_T0 INT64_C(1795489200000) /* 2026-11-24T03:00:00Z */

/*
 * One test's platform. pf is filled for the services: store, a fake clock at the given time,
 * issuer "suido-test", sessions idle 600 s and at most 3600 s, tokens 300 s, the cheapest
 * argon2id (the tests are about the flows, not the hash) and a secret key of all 7s.
 */
typedef struct {
    sd_store_t *st;    /* pf.store */
    sd_clock_t *clock; /* pf.clock, fake: sd_clock_fake_advance(t->clock, ms) */
    sd_pf_t pf;
    char dir[64];  /* a fresh directory, removed with all in it: the SQLite file is dir/store.db,
                    * and the test may put its own files here */
    char url[256]; /* of the store */
    int pg;        /* the store is a PostgreSQL database */
} sd_test_pf_t;

/*
 * Open t: the directory, the store in it (or a new database on the PostgreSQL of
 * sd_test_pf_run() / sd_test_pf_pg_begin()), migrated, and pf. Fails the test on any error.
 * sd_test_pf_close() closes the store, frees the clock and removes the directory.
 */
void sd_test_pf_open(sd_test_pf_t *t, int64_t now_ms);
void sd_test_pf_close(sd_test_pf_t *t);

/*
 * For a test's own fixture struct whose FIRST member is its sd_test_pf_t: new() callocs size
 * bytes and opens that member; sd_test_pf_teardown() is a cmocka teardown that closes it and
 * frees *state (a test's own teardown stops its services, then returns it).
 */
void *sd_test_pf_new(size_t size, int64_t now_ms);
int sd_test_pf_teardown(void **state);

/*
 * Run a cmocka group as "<name>: sqlite" (SD_TEST_SQLITE) and/or "<name>: postgresql"
 * (SD_TEST_PG, on a throwaway server started for it: helpers/pg.h). SUIDO_NO_PG=1 skips the
 * PostgreSQL run; a server that does not start counts as one failure. Returns the failures.
 */
enum { SD_TEST_SQLITE = 1, SD_TEST_PG = 2 };
int sd_test_pf_run(const char *name, const struct CMUnitTest *tests, size_t n, unsigned on);
#define SD_TEST_PF_RUN(name, tests, on)                                                            \
    sd_test_pf_run(name, tests, sizeof(tests) / sizeof((tests)[0]), on)

/* From pg_begin() to pg_end(), sd_test_pf_open() makes its store on PostgreSQL (the server is
 * started on the first begin). -1 (and why, on stderr) when SUIDO_NO_PG is set or it will not
 * start: a test may skip() then. */
int sd_test_pf_pg_begin(void);
void sd_test_pf_pg_end(void);

/* An ISO 8601 time in ms (the GW-IF parser); fails the test when it does not parse. */
int64_t sd_test_time(const char *iso);

/* SQL on t's store that fails the test on error: an INSERT ... RETURNING id (its id), any
 * statement, and the first column of a one-row query as an integer. */
int64_t sd_test_pf_insert(sd_test_pf_t *t, const char *sql, const sd_val_t *p, int n);
void sd_test_pf_exec(sd_test_pf_t *t, const char *sql, const sd_val_t *p, int n);
int64_t sd_test_pf_int(sd_test_pf_t *t, const char *sql, const sd_val_t *p, int n);

/* Seeds through the services (lib/pf/accounts, lib/pf/registry), failing the test on error;
 * each returns the row id. user: login and pw may be NULL; client: cid and secret may be NULL. */
int64_t sd_test_pf_tenant(sd_test_pf_t *t, const char *name, sd_tenant_kind_t kind);
int64_t sd_test_pf_org(sd_test_pf_t *t, int64_t tenant, sd_org_kind_t kind, const char *name);
int64_t sd_test_pf_user(sd_test_pf_t *t, int64_t org, sd_role_t role, const char *email,
                        char login[32], char pw[SD_TOKEN_SIZE]);
int64_t sd_test_pf_client(sd_test_pf_t *t, sd_client_kind_t kind, int64_t org, int64_t tenant,
                          const char *name, char cid[40], char secret[SD_TOKEN_SIZE]);

/* Master rows, which only a whole sheet writes (lib/pf/master): a facility (named by its code,
 * type dedicated), a device (named by its code; model "L2" or "L3") and a point of a device. */
typedef struct {
    const char *data_id;             /* the point's name too */
    const char *signal, *input;      /* NULL: "analog", "Ai1" */
    const char *severity, *unit;     /* NULL: "" */
    const char *limit_lo, *limit_hi; /* SQL literals ("1.5"); NULL: NULL */
} sd_test_point_t;
int64_t sd_test_pf_facility(sd_test_pf_t *t, int64_t tenant, const char *code);
int64_t sd_test_pf_device(sd_test_pf_t *t, int64_t tenant, int64_t facility, const char *code,
                          const char *model);
int64_t sd_test_pf_point(sd_test_pf_t *t, int64_t tenant, int64_t device, const sd_test_point_t *p);

#endif
