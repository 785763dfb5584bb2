/* test_pf_accounts.c - lib/pf/accounts and lib/pf/registry on a temporary store: tenants,
 * organisations, users, the account lifecycle, sessions (idle and absolute expiry on a fake
 * clock) and registrations (register, connect, bearer tokens, disable, rotate, expiry), on SQLite
 * and PostgreSQL (SUIDO_NO_PG=1 skips the latter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/base32.h"
#include "auth/totp.h"
#include "core/clock.h"
#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/accounts/account.h"
#include "pf/accounts/org.h"
#include "pf/accounts/session.h"
#include "pf/accounts/tenant.h"
#include "pf/accounts/user.h"
#include "pf/audit.h"
#include "pf/ratelimit.h"
#include "pf/registry/registry.h"

#define T0 INT64_C(1795489200000) /* 2026-11-24T03:00:00Z */

typedef struct {
    sd_test_pf_t base;
    int64_t op_tenant, vendor_tenant, op_org, ap_org, gw_org;
} fx_t;

static int64_t count(fx_t *fx, const char *sql, const sd_val_t *p, int n)
{
    return sd_test_pf_int(&fx->base, sql, p, n);
}

static int64_t audits(fx_t *fx, const char *action)
{
    return count(fx, "SELECT COUNT(*) FROM audit WHERE action = $1", SD_PARAMS(SD_V_TEXT(action)));
}

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, T0);
    sd_test_pf_t *t = &fx->base;
    fx->op_tenant = sd_test_pf_tenant(t, "sapporo", SD_TENANT_KIND_DEDICATED_OPERATOR);
    fx->vendor_tenant = sd_test_pf_tenant(t, "vendors", SD_TENANT_KIND_VENDOR);
    fx->op_org = sd_test_pf_org(t, fx->op_tenant, SD_ORG_KIND_OPERATOR, "water bureau");
    fx->ap_org = sd_test_pf_org(t, fx->vendor_tenant, SD_ORG_KIND_AP_VENDOR, "ap co");
    fx->gw_org = sd_test_pf_org(t, fx->vendor_tenant, SD_ORG_KIND_GW_VENDOR, "gw co");
    *state = fx;
    return 0;
}

/* ---- tenants and organisations ------------------------------------------------------------ */

static void test_tenants(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    sd_tenant_kind_t k;
    assert_int_equal(sd_tenant_kind_of(pf, fx->op_tenant, &k), 0);
    assert_int_equal(k, SD_TENANT_KIND_DEDICATED_OPERATOR);
    assert_int_equal(sd_tenant_kind_of(pf, SD_TENANT_COMMON, &k), 0);
    assert_int_equal(k, SD_TENANT_KIND_COMMON);
    assert_int_equal(sd_tenant_kind_of(pf, 999, &k), SD_ENOTFOUND);
    int64_t id;
    assert_int_equal(sd_tenant_create(pf, "sapporo", SD_TENANT_KIND_VENDOR, &id), SD_ECONFLICT);

    json_t *o = NULL;
    assert_int_equal(sd_tenant_json(pf, fx->op_tenant, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "sapporo");
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "dedicated_operator");
    assert_int_equal(json_integer_value(json_object_get(o, "created_at")), T0);
    json_decref(o);
    assert_int_equal(sd_tenant_json(pf, 999, &o), SD_ENOTFOUND);
    assert_null(o);

    sd_principal_t admin = {.role = SD_ROLE_PLATFORM_ADMIN, .subject_id = 1, .tenant_id = 1};
    assert_int_equal(sd_tenant_rename(pf, &admin, fx->op_tenant, "otaru"), 0);
    char name[64];
    assert_int_equal(sd_tenant_name(pf, fx->op_tenant, name, sizeof name), 0);
    assert_string_equal(name, "otaru");
    assert_int_equal(sd_tenant_rename(pf, &admin, fx->op_tenant, "vendors"), SD_ECONFLICT);
    assert_int_equal(audits(fx, "tenant.update"), 1);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'tenant.update' AND"
                           " actor = 'user:1' AND object = $1 AND tenant_id = $2",
                           SD_PARAMS(SD_V_TEXT("tenant:2"), SD_V_INT(fx->op_tenant))),
                     fx->op_tenant == 2);

    sd_pf_items_t items;
    assert_int_equal(sd_tenant_list(pf, &items), 0);
    assert_int_equal(items.n, 3); /* common, sapporo, vendors */
    for (size_t i = 0; i < items.n; i++)
        assert_int_equal(items.scopes[i].tenant_id,
                         json_integer_value(json_object_get(json_array_get(items.rows, i), "id")));
    sd_pf_items_free(&items);
}

static void test_orgs(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    int64_t t = 0, id = 0;
    sd_org_kind_t k;
    assert_int_equal(sd_org_lookup(pf, fx->ap_org, &t, &k), 0);
    assert_int_equal(t, fx->vendor_tenant);
    assert_int_equal(k, SD_ORG_KIND_AP_VENDOR);
    assert_int_equal(sd_org_lookup(pf, 999, NULL, NULL), SD_ENOTFOUND);
    assert_int_equal(sd_org_platform(pf, &id), SD_ENOTFOUND);
    assert_int_equal(sd_org_create(pf, 1, SD_ORG_KIND_PLATFORM, "platform", &id), 0);
    int64_t p = 0;
    assert_int_equal(sd_org_platform(pf, &p), 0);
    assert_int_equal(p, id);

    /* links: idempotent, listed in order, audited in the served tenant */
    sd_principal_t admin = {.role = SD_ROLE_PLATFORM_ADMIN, .subject_id = 1, .tenant_id = 1};
    assert_int_equal(sd_org_serves(pf, fx->ap_org, fx->op_tenant), SD_ENOTFOUND);
    assert_int_equal(sd_org_link(pf, &admin, fx->ap_org, fx->op_tenant, 1), 0);
    assert_int_equal(sd_org_link(pf, &admin, fx->ap_org, fx->op_tenant, 1), 0);
    assert_int_equal(sd_org_link(pf, &admin, fx->ap_org, SD_TENANT_COMMON, 1), 0);
    assert_int_equal(sd_org_serves(pf, fx->ap_org, fx->op_tenant), 0);
    int64_t served[4];
    size_t n = 0;
    assert_int_equal(sd_org_served(pf, fx->ap_org, served, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(served[0], SD_TENANT_COMMON);
    assert_int_equal(served[1], fx->op_tenant);
    assert_int_equal(sd_org_served(pf, fx->ap_org, served, 1, &n), 0);
    assert_int_equal(n, 1);
    json_t *o = NULL;
    assert_int_equal(sd_org_json(pf, fx->ap_org, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "ap_vendor");
    assert_int_equal(json_array_size(json_object_get(o, "serves")), 2);
    json_decref(o);
    assert_int_equal(sd_org_link(pf, &admin, fx->ap_org, SD_TENANT_COMMON, 0), 0);
    assert_int_equal(sd_org_serves(pf, fx->ap_org, SD_TENANT_COMMON), SD_ENOTFOUND);
    assert_int_equal(audits(fx, "org.link"), 3);
    assert_int_equal(audits(fx, "org.unlink"), 1);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'org.link' AND"
                           " tenant_id = $1",
                           SD_PARAMS(SD_V_INT(fx->op_tenant))),
                     2);

    assert_int_equal(sd_org_rename(pf, &admin, fx->ap_org, fx->vendor_tenant, "ap inc"), 0);
    assert_int_equal(sd_org_rename(pf, &admin, fx->ap_org, fx->vendor_tenant, "gw co"),
                     SD_ECONFLICT);
    assert_int_equal(audits(fx, "org.update"), 1);
    sd_pf_items_t items;
    assert_int_equal(sd_org_list(pf, &items), 0);
    assert_int_equal(items.n, 4);
    assert_int_equal(items.scopes[1].tenant_id, fx->vendor_tenant);
    assert_int_equal(items.scopes[1].org_id, fx->ap_org);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items.rows, 1), "name")),
                        "ap inc");
    sd_pf_items_free(&items);
}

/* ---- users and the account lifecycle ------------------------------------------------------ */

static void test_users(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    char login[32], pw[SD_TOKEN_SIZE];
    int64_t id = 0, n = -1;
    assert_int_equal(sd_user_count(pf, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        sd_user_issue(pf, fx->op_org, SD_ROLE_GATEWAY, "a@b.example", "", login, pw, &id),
        SD_EFIELD);
    assert_int_equal(
        sd_user_issue(pf, 999, SD_ROLE_OPERATOR_ADMIN, "a@b.example", "", login, pw, &id),
        SD_ENOTFOUND);
    assert_int_equal(
        sd_user_issue(pf, fx->op_org, SD_ROLE_OPERATOR_ADMIN, "a@b.example", "Ann", login, pw, &id),
        0);
    assert_int_equal(strncmp(login, "tmp-", 4), 0);
    assert_int_equal(strlen(login), 14);
    assert_int_equal(strncmp(pw, "sdp_", 4), 0);

    json_t *u = NULL;
    assert_int_equal(sd_user_json(pf, id, &u), 0);
    assert_string_equal(json_string_value(json_object_get(u, "role")), "operator_admin");
    assert_true(json_is_true(json_object_get(u, "provisional")));
    assert_int_equal(json_integer_value(json_object_get(u, "tenant_id")), fx->op_tenant);
    assert_null(json_object_get(u, "pw_hash"));
    assert_null(json_object_get(u, "totp_secret"));
    json_decref(u);

    sd_scope_t sc;
    sd_role_t role;
    assert_int_equal(sd_user_scope(pf, id, &sc, &role), 0);
    assert_int_equal(sc.tenant_id, fx->op_tenant);
    assert_int_equal(sc.org_id, fx->op_org);
    assert_int_equal(sc.subject_id, id);
    assert_int_equal(role, SD_ROLE_OPERATOR_ADMIN);
    assert_int_equal(sd_user_scope(pf, 999, &sc, &role), SD_ENOTFOUND);

    /* a session, then a change that disables: the session ends with it, in one transaction */
    char tok[SD_TOKEN_SIZE];
    assert_int_equal(sd_session_create(pf, id, tok), 0);
    sd_principal_t admin = {.role = SD_ROLE_PLATFORM_ADMIN, .subject_id = 1, .tenant_id = 1};
    sd_role_t viewer = SD_ROLE_OPERATOR_GENERAL;
    sd_user_change_t ch = {.role = &viewer, .name = "Anne", .disabled = 1, .totp_required = 1};
    assert_int_equal(sd_user_update(pf, &admin, id, sc.tenant_id, &ch, "{\"x\":1}"), 0);
    assert_int_equal(sd_user_json(pf, id, &u), 0);
    assert_string_equal(json_string_value(json_object_get(u, "role")), "operator_general");
    assert_string_equal(json_string_value(json_object_get(u, "name")), "Anne");
    assert_true(json_is_true(json_object_get(u, "disabled")));
    assert_true(json_is_true(json_object_get(u, "totp_required")));
    json_decref(u);
    sd_session_user_t su;
    assert_int_equal(sd_session_resolve(pf, tok, &su), SD_EUNAUTH);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'user.update' AND"
                           " detail = '{\"x\":1}'",
                           SD_NOPARAMS),
                     1);
    sd_user_change_t on = {.disabled = 0, .totp_required = -1};
    assert_int_equal(sd_user_update(pf, &admin, id, sc.tenant_id, &on, NULL), 0);

    /* reset: a new provisional password, sessions ended, audited */
    assert_int_equal(sd_session_create(pf, id, tok), 0);
    char pw2[SD_TOKEN_SIZE];
    assert_int_equal(sd_user_reset(pf, &admin, id, sc.tenant_id, pw2), 0);
    assert_string_not_equal(pw, pw2);
    assert_int_equal(sd_session_resolve(pf, tok, &su), SD_EUNAUTH);
    assert_int_equal(audits(fx, "user.reset"), 1);
    sd_account_t a;
    assert_int_equal(sd_account_load(pf, id, &a), 0);
    assert_int_equal(sd_pw_verify(a.hash, pw2), 0);
    assert_int_equal(a.provisional, 1);

    sd_pf_items_t items;
    assert_int_equal(sd_user_list(pf, &items), 0);
    assert_int_equal(items.n, 1);
    assert_int_equal(items.scopes[0].subject_id, id);
    assert_int_equal(items.scopes[0].org_id, fx->op_org);
    assert_int_equal(items.scopes[0].tenant_id, fx->op_tenant);
    sd_pf_items_free(&items);
}

static void test_login(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    char login[32], pw[SD_TOKEN_SIZE];
    assert_int_equal(sd_account_bootstrap(pf, "not an address", login, pw), SD_EFIELD);
    assert_int_equal(sd_account_bootstrap(pf, "root@example.jp", login, pw), 0);
    assert_int_equal(audits(fx, "user.bootstrap"), 1);
    int64_t n = 0;
    assert_int_equal(sd_account_count_users(pf, &n), 0);
    assert_int_equal(n, 1);

    sd_account_login_t out;
    assert_int_equal(sd_account_login(pf, NULL, "nobody", pw, NULL, &out), SD_EUNAUTH);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'login.fail' AND"
                           " detail = '{\"reason\":\"unknown login\"}' AND tenant_id = 1",
                           SD_NOPARAMS),
                     1);
    assert_int_equal(sd_account_login(pf, NULL, login, pw, NULL, &out), 0);
    assert_true(out.user_id > 0);
    assert_int_equal(out.provisional, 1);
    assert_int_equal(out.totp_enrol, 1); /* platform administrators must enrol TOTP */
    sd_session_user_t su;
    assert_int_equal(sd_session_resolve(pf, out.token, &su), 0);
    assert_int_equal(su.p.role, SD_ROLE_PLATFORM_ADMIN);
    assert_true(su.p.flags & SD_PF_NEED_TOTP_ENROL);
    /* even with the column cleared (as a PATCH could), the role keeps it required */
    assert_int_equal(
        sd_store_exec(pf->store, "UPDATE users SET totp_required = 0", SD_NOPARAMS, NULL), 0);
    assert_int_equal(sd_session_resolve(pf, out.token, &su), 0);
    assert_true(su.p.flags & SD_PF_NEED_TOTP_ENROL);
    assert_true(su.p.flags & SD_PRINCIPAL_MUST_CHANGE_PW);
    assert_string_equal(su.login, login);
    int64_t sid = su.session_id;
    assert_int_equal(audits(fx, "login.ok"), 1);

    /* first-login password change: the login id becomes the e-mail, other sessions end */
    sd_account_t a;
    assert_int_equal(sd_account_load(pf, out.user_id, &a), 0);
    char other[SD_TOKEN_SIZE];
    assert_int_equal(sd_session_create(pf, a.id, other), 0);
    assert_int_equal(sd_account_check_password(pf, &a, "wrong"), SD_EUNAUTH);
    assert_int_equal(a.lock.failures, 1);
    assert_int_equal(sd_account_check_password(pf, &a, pw), 0);
    assert_int_equal(
        sd_account_set_password(pf, &su.p, &a, sid, "a long new passphrase 42", a.email), 0);
    assert_int_equal(sd_session_resolve(pf, other, &su), SD_EUNAUTH);
    assert_int_equal(sd_session_resolve(pf, out.token, &su), 0);
    assert_false(su.p.flags & SD_PRINCIPAL_MUST_CHANGE_PW);
    assert_int_equal(audits(fx, "user.password"), 1);
    assert_int_equal(sd_account_load_login(pf, "root@example.jp", &a), 0);
    assert_int_equal(a.provisional, 0);
    assert_int_equal(a.lock.failures, 0);

    /* a second account may not take the same login id */
    char l2[32], p2[SD_TOKEN_SIZE];
    int64_t org = 0, id2 = 0;
    assert_int_equal(sd_org_platform(pf, &org), 0);
    assert_int_equal(
        sd_user_issue(pf, org, SD_ROLE_PLATFORM_ADMIN, "x@example.jp", "", l2, p2, &id2), 0);
    sd_account_t b;
    assert_int_equal(sd_account_load(pf, id2, &b), 0);
    assert_int_equal(
        sd_account_set_password(pf, NULL, &b, 0, "another passphrase 43", "root@example.jp"),
        SD_ECONFLICT);
    assert_int_equal(audits(fx, "user.password"), 1);

    /* wrong passwords lock the account: 423 with the wait, audited */
    for (int i = 0; i < 5; i++)
        assert_int_equal(sd_account_login(pf, NULL, "root@example.jp", "nope", NULL, &out),
                         SD_EUNAUTH);
    assert_int_equal(
        sd_account_login(pf, NULL, "root@example.jp", "a long new passphrase 42", NULL, &out),
        SD_ELOCKED);
    assert_int_equal(out.retry_after_s, 60);
    assert_int_equal(audits(fx, "login.locked"), 1);
    sd_clock_fake_advance(fx->base.clock, 61 * 1000);
    assert_int_equal(
        sd_account_login(pf, NULL, "root@example.jp", "a long new passphrase 42", NULL, &out), 0);
    memset(out.token, 0, sizeof out.token);

    /* disabled: the right password is a failure */
    sd_user_change_t off = {.disabled = 1, .totp_required = -1};
    assert_int_equal(sd_user_update(pf, NULL, a.id, 1, &off, NULL), 0);
    assert_int_equal(
        sd_account_login(pf, NULL, "root@example.jp", "a long new passphrase 42", NULL, &out),
        SD_EUNAUTH);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'login.fail' AND"
                           " detail LIKE '{\"reason\":\"disabled\"%'",
                           SD_NOPARAMS),
                     1);
}

/* Login ids are one id in any case: login works in any case, a second account cannot take
 * "OAA" beside "oaA", and an id that does not exist locks exactly as one that does. */
static void test_login_case_and_unknown(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    char login[32], pw[SD_TOKEN_SIZE], up[32];
    assert_int_equal(sd_account_bootstrap(pf, "root@example.jp", login, pw), 0);
    for (size_t i = 0; i <= strlen(login); i++)
        up[i] = (char)(login[i] >= 'a' && login[i] <= 'z' ? login[i] - 32 : login[i]);
    sd_account_login_t out;
    assert_int_equal(sd_account_login(pf, NULL, up, pw, NULL, &out), 0);
    sd_account_t a, b;
    assert_int_equal(sd_account_load(pf, out.user_id, &a), 0);
    assert_int_equal(sd_account_set_password(pf, NULL, &a, 0, "a long new passphrase 42", "OAA"),
                     0);
    char l2[32], p2[SD_TOKEN_SIZE];
    int64_t org = 0, id2 = 0;
    assert_int_equal(sd_org_platform(pf, &org), 0);
    assert_int_equal(
        sd_user_issue(pf, org, SD_ROLE_PLATFORM_ADMIN, "x@example.jp", "", l2, p2, &id2), 0);
    assert_int_equal(sd_account_load(pf, id2, &b), 0);
    assert_int_equal(sd_account_set_password(pf, NULL, &b, 0, "another passphrase 43", "oaA"),
                     SD_ECONFLICT);
    assert_int_equal(sd_account_login(pf, NULL, "oaa", "a long new passphrase 42", NULL, &out), 0);
    assert_int_equal(out.user_id, a.id);
    assert_int_equal(sd_account_load_login(pf, "Oaa", &b), 0);
    assert_int_equal(b.id, a.id);

    /* five failures each, then the same answer with the same wait, whether the id exists */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sd_account_login(pf, NULL, "oaa", "nope", NULL, &out), SD_EUNAUTH);
        assert_int_equal(sd_account_login(pf, NULL, "Nobody", "nope", NULL, &out), SD_EUNAUTH);
    }
    assert_int_equal(sd_account_login(pf, NULL, "OAA", "nope", NULL, &out), SD_ELOCKED);
    assert_int_equal(out.retry_after_s, 60);
    assert_int_equal(sd_account_login(pf, NULL, "NOBODY", "nope", NULL, &out), SD_ELOCKED);
    assert_int_equal(out.retry_after_s, 60);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'login.locked' AND"
                           " detail = '{\"reason\":\"unknown login\"}'",
                           SD_NOPARAMS),
                     1);
    /* after the wait one more failure doubles it, for both */
    sd_clock_fake_advance(fx->base.clock, 61 * 1000);
    assert_int_equal(sd_account_login(pf, NULL, "oaa", "nope", NULL, &out), SD_EUNAUTH);
    assert_int_equal(sd_account_login(pf, NULL, "nobody", "nope", NULL, &out), SD_EUNAUTH);
    assert_int_equal(sd_account_login(pf, NULL, "oaa", "nope", NULL, &out), SD_ELOCKED);
    assert_int_equal(out.retry_after_s, 120);
    assert_int_equal(sd_account_login(pf, NULL, "nobody", "nope", NULL, &out), SD_ELOCKED);
    assert_int_equal(out.retry_after_s, 120);
    /* old failures of unknown ids are dropped a day later */
    sd_clock_fake_advance(fx->base.clock, 2 * 86400 * 1000LL);
    assert_int_equal(sd_account_login(pf, NULL, "someone-else", "nope", NULL, &out), SD_EUNAUTH);
    assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_failures", SD_NOPARAMS), 1);
}

/* A store holding ids that differ only in case is not migrated silently: the migration is
 * refused and names them. */
static void test_login_case_migration(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    char l1[32], l2[32], p1[SD_TOKEN_SIZE], p2[SD_TOKEN_SIZE];
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(
        sd_user_issue(pf, fx->op_org, SD_ROLE_OPERATOR_ADMIN, "a@example.jp", "", l1, p1, &id1), 0);
    assert_int_equal(
        sd_user_issue(pf, fx->op_org, SD_ROLE_OPERATOR_ADMIN, "b@example.jp", "", l2, p2, &id2), 0);
    /* back to the schema before 0012, where "OAA" and "oaA" could both be stored */
    sd_store_t *st = pf->store;
    assert_int_equal(sd_store_exec(st, "DROP INDEX users_login_lower", SD_NOPARAMS, NULL), 0);
    assert_int_equal(sd_store_exec(st, "DROP TABLE login_failures", SD_NOPARAMS, NULL), 0);
    assert_int_equal(
        sd_store_exec(st, "DELETE FROM schema_migrations WHERE version = 12", SD_NOPARAMS, NULL),
        0);
    assert_int_equal(sd_store_exec(st, "UPDATE users SET login = 'OAA' WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(id1)), NULL),
                     0);
    assert_int_equal(sd_store_exec(st, "UPDATE users SET login = 'oaA' WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(id2)), NULL),
                     0);
    assert_int_equal(sd_store_migrate(st), SD_ESCHEMA);
    const char *msg = sd_store_errmsg();
    if (!strstr(msg, "0012_login_hardening") || !strstr(msg, "refused") || !strstr(msg, "OAA") ||
        !strstr(msg, "oaA"))
        fail_msg("unexpected message: %s", msg);
    /* renamed, it goes through */
    assert_int_equal(sd_store_exec(st, "UPDATE users SET login = 'oab' WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(id2)), NULL),
                     0);
    assert_int_equal(sd_store_migrate(st), 0);
    assert_int_equal(count(fx, "SELECT COUNT(*) FROM login_failures", SD_NOPARAMS), 0);
}

static void test_totp(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    char login[32], pw[SD_TOKEN_SIZE];
    int64_t id = 0;
    assert_int_equal(
        sd_user_issue(pf, fx->op_org, SD_ROLE_OPERATOR_ADMIN, "t@example.jp", "", login, pw, &id),
        0);
    sd_account_t a;
    assert_int_equal(sd_account_load(pf, id, &a), 0);
    sd_buf_t uri = {0};
    assert_int_equal(sd_account_totp_uri(pf, id, &uri), SD_ECONFLICT);
    assert_int_equal(sd_account_totp_confirm(pf, &a, "123456"), SD_ECONFLICT);
    char b32[64];
    assert_int_equal(sd_account_totp_enrol(pf, &a, b32, &uri), 0);
    assert_non_null(strstr(uri.data, "otpauth://totp/"));
    assert_non_null(strstr(uri.data, "suido-test"));
    sd_buf_t uri2 = {0};
    assert_int_equal(sd_account_totp_uri(pf, id, &uri2), 0);
    assert_string_equal(uri.data, uri2.data);
    sd_buf_free(&uri);
    sd_buf_free(&uri2);
    assert_int_equal(audits(fx, "user.totp_enrol"), 1);

    uint8_t key[64];
    size_t klen = 0;
    assert_int_equal(sd_base32_decode(b32, strlen(b32), key, sizeof key, &klen), 0);
    char code[SD_TOTP_DIGITS + 1];
    assert_int_equal(sd_totp_code(key, klen, sd_pf_now_s(pf), code), 0);
    assert_int_equal(sd_account_load(pf, id, &a), 0);
    const char *wrong = strcmp(code, "000000") ? "000000" : "111111";
    assert_int_equal(sd_account_totp_confirm(pf, &a, wrong), SD_EOTP);
    assert_int_equal(audits(fx, "user.totp_confirm_fail"), 1);
    assert_int_equal(sd_account_load(pf, id, &a), 0);
    assert_int_equal(sd_account_totp_confirm(pf, &a, code), 0);
    assert_int_equal(audits(fx, "user.totp_on"), 1);
    assert_int_equal(sd_account_totp_uri(pf, id, &uri), SD_ECONFLICT);
    assert_int_equal(sd_account_load(pf, id, &a), 0);
    assert_int_equal(sd_account_totp_enrol(pf, &a, b32, &uri), SD_EEXIST);

    /* login now asks for the code: missing is no failure, a replayed one is */
    sd_account_login_t out;
    assert_int_equal(sd_account_login(pf, NULL, login, pw, NULL, &out), SD_EOTP);
    assert_int_equal(out.otp_missing, 1);
    assert_int_equal(sd_account_login(pf, NULL, login, pw, code, &out), SD_EOTP);
    assert_int_equal(out.otp_missing, 0);
    sd_clock_fake_advance(fx->base.clock, 30 * 1000);
    assert_int_equal(sd_totp_code(key, klen, sd_pf_now_s(pf), code), 0);
    assert_int_equal(sd_account_login(pf, NULL, login, pw, code, &out), 0);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'login.ok' AND"
                           " detail = '{\"otp\":true}'",
                           SD_NOPARAMS),
                     1);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'login.fail' AND"
                           " detail LIKE '{\"reason\":\"otp\"%'",
                           SD_NOPARAMS),
                     1);
}

/* ---- sessions ---------------------------------------------------------------------------- */

static void test_sessions(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    int64_t uid =
        sd_test_pf_user(&fx->base, fx->ap_org, SD_ROLE_APVENDOR_ADMIN, "s@example.jp", NULL, NULL);
    sd_principal_t admin = {.role = SD_ROLE_PLATFORM_ADMIN, .subject_id = 1, .tenant_id = 1};
    assert_int_equal(sd_org_link(pf, &admin, fx->ap_org, fx->op_tenant, 1), 0);

    char tok[SD_TOKEN_SIZE];
    assert_int_equal(sd_session_create(pf, uid, tok), 0);
    assert_int_equal(strncmp(tok, "sds_", 4), 0);
    sd_session_user_t u;
    assert_int_equal(sd_session_resolve(pf, tok, &u), 0);
    assert_int_equal(u.p.subject_id, uid);
    assert_int_equal(u.p.role, SD_ROLE_APVENDOR_ADMIN);
    assert_int_equal(u.p.org_id, fx->ap_org);
    assert_int_equal(u.p.tenant_id, fx->vendor_tenant);
    assert_int_equal(u.p.n_linked, 1);
    assert_ptr_equal(u.p.linked_tenants, u.linked);
    assert_int_equal(u.linked[0], fx->op_tenant);
    int ok = -1;
    assert_int_equal(sd_session_check(pf, u.session_id, &ok), 0);
    assert_int_equal(ok, 1);

    /* not a session token, unknown ones */
    char api[SD_TOKEN_SIZE];
    assert_int_equal(sd_token_new(SD_TOKEN_API, api), 0);
    assert_int_equal(sd_session_resolve(pf, api, &u), SD_EUNAUTH);
    assert_int_equal(sd_session_resolve(pf, "garbage", &u), SD_EUNAUTH);
    char other[SD_TOKEN_SIZE];
    assert_int_equal(sd_token_new(SD_TOKEN_SESSION, other), 0);
    assert_int_equal(sd_session_resolve(pf, other, &u), SD_EUNAUTH);

    /* idle expiry (600 s): activity keeps it, silence ends it and deletes the row */
    sd_clock_fake_advance(fx->base.clock, 599 * 1000);
    assert_int_equal(sd_session_resolve(pf, tok, &u), 0);
    sd_clock_fake_advance(fx->base.clock, 599 * 1000);
    assert_int_equal(sd_session_resolve(pf, tok, &u), 0);
    int64_t sid = u.session_id;
    sd_clock_fake_advance(fx->base.clock, 600 * 1000);
    assert_int_equal(sd_session_resolve(pf, tok, &u), SD_EEXPIRED);
    assert_int_equal(sd_session_resolve(pf, tok, &u), SD_EUNAUTH);
    assert_int_equal(sd_session_check(pf, sid, &ok), SD_ENOTFOUND);

    /* absolute expiry (3600 s) however busy the session is */
    assert_int_equal(sd_session_create(pf, uid, tok), 0);
    for (int i = 0; i < 11; i++) {
        sd_clock_fake_advance(fx->base.clock, 300 * 1000);
        assert_int_equal(sd_session_resolve(pf, tok, &u), 0);
    }
    sd_clock_fake_advance(fx->base.clock, 299 * 1000);
    assert_int_equal(sd_session_resolve(pf, tok, &u), 0);
    assert_int_equal(sd_session_check(pf, u.session_id, &ok), 0);
    assert_int_equal(ok, 1);
    sd_clock_fake_advance(fx->base.clock, 1000);
    assert_int_equal(sd_session_check(pf, u.session_id, &ok), 0);
    assert_int_equal(ok, 0);
    assert_int_equal(sd_session_resolve(pf, tok, &u), SD_EEXPIRED);

    /* delete: one, all of a user, all but one */
    char t1[SD_TOKEN_SIZE], t2[SD_TOKEN_SIZE], t3[SD_TOKEN_SIZE];
    assert_int_equal(sd_session_create(pf, uid, t1), 0);
    assert_int_equal(sd_session_create(pf, uid, t2), 0);
    assert_int_equal(sd_session_create(pf, uid, t3), 0);
    assert_int_equal(sd_session_resolve(pf, t1, &u), 0);
    assert_int_equal(sd_session_delete_others(pf, uid, u.session_id), 0);
    assert_int_equal(sd_session_resolve(pf, t2, &u), SD_EUNAUTH);
    assert_int_equal(sd_session_resolve(pf, t1, &u), 0);
    assert_int_equal(sd_session_delete(pf, u.session_id), 0);
    assert_int_equal(sd_session_resolve(pf, t1, &u), SD_EUNAUTH);
    assert_int_equal(sd_session_create(pf, uid, t1), 0);
    assert_int_equal(sd_session_delete_user(pf, uid), 0);
    assert_int_equal(sd_session_resolve(pf, t1, &u), SD_EUNAUTH);

    /* TOTP required but not enrolled: flagged */
    sd_user_change_t ch = {.disabled = -1, .totp_required = 1};
    assert_int_equal(sd_user_update(pf, &admin, uid, fx->vendor_tenant, &ch, NULL), 0);
    assert_int_equal(sd_session_create(pf, uid, t1), 0);
    assert_int_equal(sd_session_resolve(pf, t1, &u), 0);
    assert_true(u.p.flags & SD_PF_NEED_TOTP_ENROL);
}

/* ---- registry ---------------------------------------------------------------------------- */

static void test_registry(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    sd_principal_t admin = {.role = SD_ROLE_PLATFORM_ADMIN, .subject_id = 1, .tenant_id = 1};
    char fp[65];
    assert_int_equal(sd_registry_norm_fp("", fp), 0);
    assert_string_equal(fp, "");
    assert_int_equal(sd_registry_norm_fp("AB:cd", fp), SD_EFIELD);
    char in[100] = "";
    for (int i = 0; i < 32; i++)
        strcat(in, i ? ":A0" : "A0");
    assert_int_equal(sd_registry_norm_fp(in, fp), 0);
    assert_int_equal(strlen(fp), 64);
    assert_int_equal(strncmp(fp, "a0a0", 4), 0);

    char cid[40], secret[SD_TOKEN_SIZE];
    int64_t id = 0;
    sd_registry_new_t n = {SD_CLIENT_APPLICATION, fx->ap_org, fx->op_tenant, "meter app", 0, ""};
    assert_int_equal(sd_registry_create(pf, &admin, &n, cid, secret, &id), 0);
    assert_int_equal(strncmp(cid, "ap-", 3), 0);
    assert_int_equal(strlen(cid), 19);
    assert_int_equal(strncmp(secret, "sdc_", 4), 0);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'app.register' AND"
                           " object = 'app:' || CAST($1 AS TEXT) AND tenant_id = $2",
                           SD_PARAMS(SD_V_INT(id), SD_V_INT(fx->op_tenant))),
                     1);
    sd_client_t c;
    assert_int_equal(sd_registry_get(fx->base.st, id, &c), 0);
    assert_int_equal(c.kind, SD_CLIENT_APPLICATION);
    assert_string_equal(c.client_id, cid);
    assert_int_equal(c.tenant_id, fx->op_tenant);
    assert_int_equal(sd_registry_live(&c, T0), 1);
    assert_int_equal(sd_registry_find(fx->base.st, cid, &c), 0);
    assert_int_equal(c.id, id);
    assert_int_equal(sd_registry_find(fx->base.st, "ap-nope", &c), SD_ENOTFOUND);
    json_t *o = NULL;
    assert_int_equal(sd_registry_json(pf, id, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "kind")), "application");
    assert_true(json_is_true(json_object_get(o, "enabled")));
    assert_string_equal(json_string_value(json_object_get(o, "cert_fingerprint")), "");
    assert_null(json_object_get(o, "secret_digest"));
    json_decref(o);

    /* connect: a token the hook resolves into the registration's principal */
    sd_registry_token_t t;
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), 0);
    assert_int_equal(strncmp(t.token, "sdt_", 4), 0);
    assert_int_equal(t.expires_in, 300);
    assert_int_equal(t.expires_at, T0 + 300 * 1000);
    assert_int_equal(audits(fx, "client.connect"), 1);
    sd_registry_bearer_t b;
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b), 0);
    assert_int_equal(b.p.role, SD_ROLE_APPLICATION);
    assert_int_equal(b.p.subject_id, id);
    assert_int_equal(b.p.tenant_id, fx->op_tenant);
    assert_int_equal(b.p.org_id, fx->ap_org);
    assert_string_equal(b.client_id, cid);
    int ok = -1;
    assert_int_equal(sd_registry_token_check(pf, b.token_id, &ok), 0);
    assert_int_equal(ok, 1);
    int64_t issued = 0, exp = 0;
    assert_int_equal(sd_registry_token_times(fx->base.st, id, &issued, &exp), 0);
    assert_int_equal(issued, T0);
    assert_int_equal(exp, T0 + 300 * 1000);
    assert_int_equal(sd_registry_token_verify(pf, secret, &b), SD_EUNAUTH);

    /* wrong secrets never lock the registration: they throttle the address that sends them, for
     * that client id only (issue 11: anyone knowing a client id could lock the gateway out) */
    pf->connect_limit = sd_ratelimit_new(1.0 / 30.0, 5.0); /* 5, then one per 30 s */
    assert_non_null(pf->connect_limit);
    const char *evil = "198.51.100.7";
    assert_int_equal(sd_registry_connect(pf, NULL, evil, "ap-nope", secret, &t), SD_EUNAUTH);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sd_registry_connect(pf, NULL, evil, cid, "sdc_wrong", &t), SD_EUNAUTH);
    /* that address now waits, even with the right secret (it is not even looked at) */
    assert_int_equal(sd_registry_connect(pf, NULL, evil, cid, "sdc_wrong", &t), SD_ERATE);
    assert_int_equal(sd_registry_connect(pf, NULL, evil, cid, secret, &t), SD_ERATE);
    assert_true(t.retry_after_s >= 30 && t.retry_after_s <= 31); /* whole seconds, rounded up */
    assert_int_equal(audits(fx, "client.connect_throttled"), 2);
    /* the real client elsewhere is not affected, nor another client id from that address */
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), 0);
    assert_int_equal(sd_registry_connect(pf, NULL, evil, "ap-nope", secret, &t), SD_EUNAUTH);
    /* many more failures change nothing for the real client: no lockout, ever */
    for (int i = 0; i < 50; i++)
        assert_int_equal(sd_registry_connect(pf, NULL, evil, cid, "sdc_wrong", &t), SD_ERATE);
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), 0);
    assert_int_equal(sd_registry_get(fx->base.st, id, &c), 0);
    assert_int_equal(c.failures, 0);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'client.connect_fail'"
                           " AND detail = '{\"reason\":\"secret\"}'",
                           SD_NOPARAMS),
                     5);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'client.connect_fail'"
                           " AND detail = '{\"reason\":\"unknown client\"}' AND tenant_id = 1",
                           SD_NOPARAMS),
                     2);
    /* one token back per 30 s (fake clock) */
    sd_clock_fake_advance(fx->base.clock, 29 * 1000);
    assert_int_equal(sd_registry_connect(pf, NULL, evil, cid, secret, &t), SD_ERATE);
    sd_clock_fake_advance(fx->base.clock, 1000);
    assert_int_equal(sd_registry_connect(pf, NULL, evil, cid, secret, &t), 0);
    sd_ratelimit_free(pf->connect_limit);
    pf->connect_limit = NULL;

    /* token expiry: the token is deleted */
    sd_registry_bearer_t b2;
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b2), 0);
    sd_clock_fake_advance(fx->base.clock, 300 * 1000);
    assert_int_equal(sd_registry_token_check(pf, b2.token_id, &ok), 0);
    assert_int_equal(ok, 0);
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b2), SD_EEXPIRED);
    assert_int_equal(sd_registry_token_check(pf, b2.token_id, &ok), SD_ENOTFOUND);

    /* disable: tokens revoked, connect refused; enable again */
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), 0);
    sd_registry_change_t off = {.name = "meter app 2", .expires_at = -1, .enabled = 0};
    assert_int_equal(sd_registry_update(pf, &admin, SD_CLIENT_APPLICATION, id, fx->op_tenant, &off,
                                        "{\"enabled\":false}"),
                     0);
    assert_int_equal(audits(fx, "app.disable"), 1);
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b2), SD_EUNAUTH);
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), SD_EUNAUTH);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'client.connect_fail'"
                           " AND detail = '{\"reason\":\"disabled\"}'",
                           SD_NOPARAMS),
                     1);
    sd_registry_change_t on = {.cert_fp = fp, .expires_at = -1, .enabled = 1};
    assert_int_equal(
        sd_registry_update(pf, &admin, SD_CLIENT_APPLICATION, id, fx->op_tenant, &on, NULL), 0);
    assert_int_equal(audits(fx, "app.enable"), 1);
    assert_int_equal(sd_registry_get(fx->base.st, id, &c), 0);
    assert_string_equal(c.name, "meter app 2");
    assert_string_equal(c.cert_fp, fp);
    assert_int_equal(sd_registry_set_cert_fp(pf, id, ""), 0);
    assert_int_equal(sd_registry_get(fx->base.st, id, &c), 0);
    assert_string_equal(c.cert_fp, "");

    /* rotate: the old secret and its tokens die */
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), 0);
    char secret2[SD_TOKEN_SIZE];
    assert_int_equal(
        sd_registry_rotate(pf, &admin, SD_CLIENT_APPLICATION, id, fx->op_tenant, secret2), 0);
    assert_int_equal(audits(fx, "app.rotate"), 1);
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b2), SD_EUNAUTH);
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret, &t), SD_EUNAUTH);
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret2, &t), 0);
    assert_int_equal(sd_registry_token_delete(pf, 0), 0);

    /* registration expiry: connect says expired, a live token dies with it */
    sd_registry_change_t ex = {.expires_at = sd_pf_now_ms(pf) + 1000, .enabled = -1};
    assert_int_equal(
        sd_registry_update(pf, &admin, SD_CLIENT_APPLICATION, id, fx->op_tenant, &ex, NULL), 0);
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b2), 0);
    sd_clock_fake_advance(fx->base.clock, 1000);
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b2), SD_EEXPIRED);
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", cid, secret2, &t), SD_EEXPIRED);

    sd_pf_items_t items;
    assert_int_equal(sd_registry_list(pf, SD_CLIENT_APPLICATION, &items), 0);
    assert_int_equal(items.n, 1);
    assert_int_equal(items.scopes[0].tenant_id, fx->op_tenant);
    assert_int_equal(items.scopes[0].org_id, fx->ap_org);
    assert_int_equal(items.scopes[0].subject_id, id);
    sd_pf_items_free(&items);
    assert_int_equal(sd_registry_list(pf, SD_CLIENT_GATEWAY, &items), 0);
    assert_int_equal(items.n, 0);
    sd_pf_items_free(&items);
}

static int collect(void *ctx, const sd_client_t *gw)
{
    int *n = ctx;
    (*n)++;
    return gw->kind == SD_CLIENT_GATEWAY ? 0 : -1;
}

static void test_gateways(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    char cid[40], secret[SD_TOKEN_SIZE];
    int64_t g1 = 0, g2 = 0, app = 0, gw_id = 0, cnt = 0;
    sd_registry_new_t a = {SD_CLIENT_APPLICATION, fx->ap_org, fx->op_tenant, "app", 0, ""};
    sd_registry_new_t n1 = {SD_CLIENT_GATEWAY, fx->gw_org, fx->op_tenant, "north", 0, ""};
    sd_registry_new_t n2 = {SD_CLIENT_GATEWAY, fx->gw_org, fx->op_tenant, "south", 0, ""};
    assert_int_equal(sd_registry_create(pf, NULL, &a, cid, secret, &app), 0);
    assert_int_equal(sd_registry_create(pf, NULL, &n1, cid, secret, &g1), 0);
    assert_int_equal(strncmp(cid, "gw-", 3), 0);
    assert_int_equal(sd_registry_create(pf, NULL, &n2, cid, secret, &g2), 0);
    assert_int_equal(audits(fx, "gw.register"), 2);

    int n = 0;
    assert_int_equal(sd_registry_pick_gateway(fx->base.st, fx->op_tenant, "", T0, &gw_id, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(gw_id, g1);
    assert_int_equal(sd_registry_pick_gateway(fx->base.st, fx->op_tenant, "south", T0, &gw_id, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(gw_id, g2);
    assert_int_equal(sd_registry_pick_gateway(fx->base.st, fx->op_tenant, "app", T0, &gw_id, &n),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(sd_registry_count_live_gateways(fx->base.st, fx->op_tenant, T0, &cnt), 0);
    assert_int_equal(cnt, 2);

    sd_registry_change_t off = {.expires_at = -1, .enabled = 0};
    assert_int_equal(sd_registry_update(pf, NULL, SD_CLIENT_GATEWAY, g2, fx->op_tenant, &off, NULL),
                     0);
    assert_int_equal(audits(fx, "gw.disable"), 1);
    assert_int_equal(sd_registry_count_live_gateways(fx->base.st, fx->op_tenant, T0, &cnt), 0);
    assert_int_equal(cnt, 1);
    assert_int_equal(sd_registry_pick_gateway(fx->base.st, fx->op_tenant, "", T0, &gw_id, &n), 0);
    assert_int_equal(n, 1);
    int seen = 0;
    assert_int_equal(sd_registry_each_live_gateway(fx->base.st, T0, collect, &seen), 0);
    assert_int_equal(seen, 1);
    seen = 0;
    assert_int_equal(
        sd_registry_each(fx->base.st, fx->op_tenant, SD_CLIENT_GATEWAY, collect, &seen), 0);
    assert_int_equal(seen, 2);
    seen = 0;
    assert_int_equal(sd_registry_each(fx->base.st, fx->vendor_tenant, -1, collect, &seen), 0);
    assert_int_equal(seen, 0);
    seen = 0; /* collect stops at the application, which comes first */
    assert_int_equal(sd_registry_each(fx->base.st, 0, -1, collect, &seen), -1);
    assert_int_equal(seen, 1);

    /* a gateway's bearer token makes a gateway principal */
    sd_registry_token_t t;
    sd_registry_bearer_t b;
    sd_client_t c;
    assert_int_equal(sd_registry_get(fx->base.st, g1, &c), 0);
    assert_int_equal(sd_registry_rotate(pf, NULL, SD_CLIENT_GATEWAY, g1, fx->op_tenant, secret), 0);
    assert_int_equal(sd_registry_connect(pf, NULL, "192.0.2.1", c.client_id, secret, &t), 0);
    assert_int_equal(sd_registry_token_verify(pf, t.token, &b), 0);
    assert_int_equal(b.p.role, SD_ROLE_GATEWAY);
    assert_int_equal(b.p.subject_id, g1);
    assert_int_equal(count(fx,
                           "SELECT COUNT(*) FROM audit WHERE action = 'client.connect' AND"
                           " object = 'gw:' || CAST($1 AS TEXT)",
                           SD_PARAMS(SD_V_INT(g1))),
                     1);
}

static void test_audit_list(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    sd_principal_t admin = {.role = SD_ROLE_PLATFORM_ADMIN, .subject_id = 1, .tenant_id = 1};
    assert_int_equal(sd_pf_audit(pf, &admin, fx->op_tenant, "login.ok", "user:1", NULL), 0);
    assert_int_equal(sd_pf_audit(pf, &admin, fx->op_tenant, "login.fail", "user:1", NULL), 0);
    assert_int_equal(sd_pf_audit(pf, &admin, fx->vendor_tenant, "login.ok", "user:2", NULL), 0);
    assert_int_equal(sd_pf_audit(pf, &admin, fx->op_tenant, "loginXok", "user:2", NULL), 0);
    sd_pf_items_t items;
    assert_int_equal(sd_pf_audit_list(pf, 1, 0, "login.", 100, &items), 0);
    assert_int_equal(items.n, 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items.rows, 0), "object")),
                        "user:2");
    assert_int_equal(items.scopes[0].tenant_id, fx->vendor_tenant);
    sd_pf_items_free(&items);
    assert_int_equal(sd_pf_audit_list(pf, 0, fx->op_tenant, "login.", 100, &items), 0);
    assert_int_equal(items.n, 2);
    sd_pf_items_free(&items);
    assert_int_equal(sd_pf_audit_list(pf, 0, fx->op_tenant, "login%", 100, &items), 0);
    assert_int_equal(items.n, 0); /* no LIKE wildcards */
    sd_pf_items_free(&items);
    assert_int_equal(sd_pf_audit_list(pf, 1, 0, "", 2, &items), 0);
    assert_int_equal(items.n, 2);
    sd_pf_items_free(&items);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, sd_test_pf_teardown)
    const struct CMUnitTest tests[] = {
        T(test_tenants),
        T(test_orgs),
        T(test_users),
        T(test_login),
        T(test_totp),
        T(test_sessions),
        T(test_registry),
        T(test_gateways),
        T(test_audit_list),
        T(test_login_case_and_unknown),
        T(test_login_case_migration),
    };
    int failed = SD_TEST_PF_RUN("pf accounts and registry", tests, SD_TEST_SQLITE | SD_TEST_PG);
    return failed ? 1 : 0;
}
