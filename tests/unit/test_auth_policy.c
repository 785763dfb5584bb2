/* test_auth_policy.c - unit tests for the role x action x tenant policy and docs/roles.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/buf.h"
#include "core/err.h"

/*
 * The expected matrix, typed again on purpose: changing a power means changing it here and in
 * SD_ACTION_MAP, so an accidental edit of either fails. Columns OG OA AG AA GG GA PA AP GW;
 * letters as in policy.h ('-' = never).
 */
/* clang-format off */
static const struct {
    const char *action;
    const char *cells;
} expect[] = {
    {"tenant.read", "TTLLLLA--"},      {"tenant.manage", "------A--"},
    {"org.read", "TTLLLLA--"},         {"org.manage", "------A--"},
    {"user.read", "-T-T-TA--"},        {"user.manage", "-T-T-TA--"},
    {"user.self", "SSSSSSS--"},        {"user.otp_require", "------A--"},
    {"app.register", "------A--"},     {"app.read", "TTOO--AS-"},
    {"app.manage", "------A--"},       {"gw.register", "------A--"},
    {"gw.read", "TT--OOA-S"},          {"gw.manage", "------A--"},
    {"cert.read", "TTCCCCATT"},        {"master.read", "TT----ATT"},
    {"sheet.read", "TT-O-OA--"},       {"sheet.submit", "-T-L-L---"},
    {"sheet.approve", "-T-------"},    {"contact.read", "TTOOOOA--"},
    {"contact.submit", "-T-O-O---"},   {"contact.approve", "-T-------"},
    {"testwork.read", "TT-O-OA--"},    {"testwork.request", "---L-L---"},
    {"testwork.approve", "-T-------"}, {"data.read", "TT-----T-"},
    {"data.write", "TT-------"},       {"data.poll", "TT-----T-"},
    {"control.request", "TT-----T-"},  {"doc.read", "TT-----T-"},
    {"doc.write", "-------T-"},        {"file.read", "TTCCCCCT-"},
    {"file.write", "TTTTTTTT-"},       {"gwif.uplink", "--------S"},
    {"gwif.fetch", "--------S"},       {"alarm.read", "TT-----T-"},
    {"alarm.ack", "TT-------"},        {"alarm.manage", "-T-------"},
    {"monitor.read", "TTOOOOA--"},
    {"incident.read", "TTOOOOA--"},    {"incident.manage", "TTOOOOA--"},
    {"portal.read", "CCCCCCA--"},      {"portal.post", "------A--"},
    {"bulletin.post", "-T-T-TA--"},    {"bulletin.manage", "-T-T-TA--"},
    {"inquiry.create", "TTTTTT---"},   {"inquiry.read", "TTOOOOA--"},
    {"inquiry.manage", "TTOOOOA--"},   {"audit.read", "-T-T-TA--"},
    {"sla.read", "TT----A--"},         {"ops.read", "TT-------"},
    {"ops.write", "TT-------"},        {"maint.read", "TTOOOO---"},
    {"maint.record", "--OOOO---"},     {"maint.instruct", "TT-------"},
    {"backup.manage", "------A--"},
};
/* clang-format on */
#define N_EXPECT (sizeof expect / sizeof expect[0])

static const char *const role_names[SD_ROLE__COUNT] = {
    "operator_general", "operator_admin", "apvendor_general", "apvendor_admin", "gwvendor_general",
    "gwvendor_admin",   "platform_admin", "application",      "gateway",
};

/* Fixture principals: operator tenant 10, a second operator tenant 11, vendor tenant 20 serving
 * 10 and 11, the common tenant 1, and tenant 30 that nobody belongs to. */
static const int64_t vendor_links[] = {10, 11};

static sd_principal_t principal(sd_role_t r)
{
    switch (r) {
    case SD_ROLE_OPERATOR_GENERAL:
    case SD_ROLE_OPERATOR_ADMIN:
        return (sd_principal_t){r, 1000, 100, 10, NULL, 0, 0};
    case SD_ROLE_APVENDOR_GENERAL:
    case SD_ROLE_APVENDOR_ADMIN:
    case SD_ROLE_GWVENDOR_GENERAL:
    case SD_ROLE_GWVENDOR_ADMIN:
        return (sd_principal_t){r, 2000, 200, 20, vendor_links, 2, 0};
    case SD_ROLE_PLATFORM_ADMIN:
        return (sd_principal_t){r, 5, 1, SD_TENANT_COMMON, NULL, 0, 0};
    case SD_ROLE_APPLICATION:
        return (sd_principal_t){r, 3000, 200, 10, NULL, 0, 0};
    case SD_ROLE_GATEWAY:
    default:
        return (sd_principal_t){r, 4000, 300, 10, NULL, 0, 0};
    }
}

static int in_linked(const sd_principal_t *w, int64_t t)
{
    if (t == w->tenant_id)
        return 1;
    for (size_t i = 0; i < w->n_linked; i++)
        if (w->linked_tenants[i] == t)
            return 1;
    return 0;
}

/* The meaning of a letter, stated on its own (the oracle the implementation is checked against). */
static int oracle(char letter, const sd_principal_t *w, const sd_scope_t *t)
{
    switch (letter) {
    case '-':
        return 0;
    case 'S':
        return t->tenant_id == w->tenant_id && t->subject_id == w->subject_id;
    case 'O':
        return in_linked(w, t->tenant_id) && t->org_id == w->org_id;
    case 'T':
        return t->tenant_id == w->tenant_id;
    case 'L':
        return in_linked(w, t->tenant_id);
    case 'C':
        return t->tenant_id == w->tenant_id || t->tenant_id == 1;
    case 'A':
        return 1;
    }
    fail_msg("bad letter %c", letter);
    return 0;
}

static sd_action_t action_of(size_t i)
{
    sd_action_t a;
    const char *n = expect[i].action;
    if (sd_policy_action_parse(n, strlen(n), &a) != 0)
        fail_msg("expected action \"%s\" does not exist", n);
    return a;
}

static void test_matrix_complete(void **state)
{
    (void)state;
    assert_int_equal(N_EXPECT, SD_ACT__COUNT);
    int seen[SD_ACT__COUNT] = {0};
    for (size_t i = 0; i < N_EXPECT; i++) {
        sd_action_t a = action_of(i);
        assert_int_equal(seen[a]++, 0);
        assert_int_equal(strlen(expect[i].cells), SD_ROLE__COUNT);
        static const char letters[] = "-SOTLCA";
        for (int r = 0; r < SD_ROLE__COUNT; r++) {
            sd_scope_rule_t rule = sd_policy_rule((sd_role_t)r, a);
            if (letters[rule] != expect[i].cells[r])
                fail_msg("%s for %s: table says %c, test expects %c", expect[i].action,
                         role_names[r], letters[rule], expect[i].cells[r]);
        }
    }
}

static void test_matrix_behaviour(void **state)
{
    (void)state;
    static const int64_t tenants[] = {1, 10, 11, 20, 30};
    static const int64_t orgs[] = {0, 1, 100, 200, 300, 999};
    long checks = 0, allowed = 0;
    for (int r = 0; r < SD_ROLE__COUNT; r++) {
        sd_principal_t w = principal((sd_role_t)r);
        const int64_t subjects[] = {0, w.subject_id, w.subject_id + 1};
        for (size_t i = 0; i < N_EXPECT; i++) {
            sd_action_t a = action_of(i);
            char letter = expect[i].cells[r];
            for (size_t ti = 0; ti < 5; ti++)
                for (size_t oi = 0; oi < 6; oi++)
                    for (size_t si = 0; si < 3; si++) {
                        sd_scope_t t = {tenants[ti], orgs[oi], subjects[si]};
                        int want = oracle(letter, &w, &t);
                        int got = sd_policy_check(&w, a, &t);
                        if (got != (want ? 0 : SD_EFORBIDDEN))
                            fail_msg("%s %s on tenant %lld org %lld subject %lld: got %s",
                                     role_names[r], expect[i].action, (long long)t.tenant_id,
                                     (long long)t.org_id, (long long)t.subject_id,
                                     sd_err_name(got));
                        checks++;
                        allowed += want;
                    }
        }
    }
    assert_true(checks > 10000 && allowed > 1000 && allowed < checks / 2);
}

static void test_cross_tenant_denied(void **state)
{
    (void)state;
    for (int r = 0; r < SD_ROLE__COUNT; r++) {
        sd_principal_t w = principal((sd_role_t)r);
        for (int a = 0; a < SD_ACT__COUNT; a++) {
            sd_scope_rule_t rule = sd_policy_rule((sd_role_t)r, (sd_action_t)a);
            /* only the platform operator has any-tenant cells */
            if (rule == SD_SCOPE_ANY)
                assert_int_equal(r, SD_ROLE_PLATFORM_ADMIN);
            /* a foreign tenant, even with the principal's own org and subject ids */
            sd_scope_t foreign = {30, w.org_id, w.subject_id};
            int want = rule == SD_SCOPE_ANY ? 0 : SD_EFORBIDDEN;
            assert_int_equal(sd_policy_check(&w, (sd_action_t)a, &foreign), want);
            /* a missing tenant on either side is always a denial */
            sd_scope_t none = {0, w.org_id, w.subject_id};
            assert_int_equal(sd_policy_check(&w, (sd_action_t)a, &none), SD_EFORBIDDEN);
            none.tenant_id = -10;
            assert_int_equal(sd_policy_check(&w, (sd_action_t)a, &none), SD_EFORBIDDEN);
            sd_principal_t homeless = w;
            homeless.tenant_id = 0;
            sd_scope_t home0 = {0, w.org_id, w.subject_id};
            assert_int_equal(sd_policy_check(&homeless, (sd_action_t)a, &home0), SD_EFORBIDDEN);
            /* the common tenant is the platform operator's alone, and it has no other home */
            sd_principal_t moved = w;
            moved.tenant_id = r == SD_ROLE_PLATFORM_ADMIN ? 10 : SD_TENANT_COMMON;
            sd_scope_t at = {moved.tenant_id, w.org_id, w.subject_id};
            assert_int_equal(sd_policy_check(&moved, (sd_action_t)a, &at), SD_EFORBIDDEN);
            assert_int_equal(sd_policy_check(&w, (sd_action_t)a, NULL), SD_EFORBIDDEN);
            assert_int_equal(sd_policy_check(NULL, (sd_action_t)a, &at), SD_EFORBIDDEN);
        }
        /* unknown actions */
        sd_scope_t home = {w.tenant_id, w.org_id, w.subject_id};
        assert_int_equal(sd_policy_check(&w, SD_ACT__COUNT, &home), SD_EFORBIDDEN);
        assert_int_equal(sd_policy_check(&w, (sd_action_t)-1, &home), SD_EFORBIDDEN);
        assert_int_equal(sd_policy_check(&w, (sd_action_t)1000000, &home), SD_EFORBIDDEN);
    }
    /* unknown role */
    sd_principal_t bad = principal(SD_ROLE_OPERATOR_ADMIN);
    bad.role = SD_ROLE__COUNT;
    sd_scope_t home = {10, 100, 1000};
    for (int a = 0; a < SD_ACT__COUNT; a++)
        assert_int_equal(sd_policy_check(&bad, (sd_action_t)a, &home), SD_EFORBIDDEN);
}

static void test_must_change_password(void **state)
{
    (void)state;
    for (int r = 0; r < SD_ROLE__COUNT; r++) {
        sd_principal_t w = principal((sd_role_t)r), f = w;
        f.flags |= SD_PRINCIPAL_MUST_CHANGE_PW;
        sd_scope_t home = {w.tenant_id, w.org_id, w.subject_id};
        for (int a = 0; a < SD_ACT__COUNT; a++) {
            int plain = sd_policy_check(&w, (sd_action_t)a, &home);
            int flagged = sd_policy_check(&f, (sd_action_t)a, &home);
            if (plain != 0)
                assert_int_equal(flagged, SD_EFORBIDDEN);
            else if (a == SD_ACT_USER_SELF)
                assert_int_equal(flagged, 0);
            else
                assert_int_equal(flagged, SD_EPWCHANGE);
        }
    }
}

#define ALLOW(w, a, t) assert_int_equal(sd_policy_check(&(w), SD_ACT_##a, &(t)), 0)
#define DENY(w, a, t)  assert_int_equal(sd_policy_check(&(w), SD_ACT_##a, &(t)), SD_EFORBIDDEN)

/* The powers 表2-3 spells out, checked one by one without the tables above. */
static void test_table_2_3(void **state)
{
    (void)state;
    sd_principal_t og = principal(SD_ROLE_OPERATOR_GENERAL), oa = principal(SD_ROLE_OPERATOR_ADMIN);
    sd_principal_t ag = principal(SD_ROLE_APVENDOR_GENERAL), aa = principal(SD_ROLE_APVENDOR_ADMIN);
    sd_principal_t gg = principal(SD_ROLE_GWVENDOR_GENERAL), ga = principal(SD_ROLE_GWVENDOR_ADMIN);
    sd_principal_t pa = principal(SD_ROLE_PLATFORM_ADMIN);
    sd_principal_t ap = principal(SD_ROLE_APPLICATION), gw = principal(SD_ROLE_GATEWAY);
    const sd_scope_t op10 = {10, 0, 0}, op11 = {11, 0, 0}, op12 = {12, 0, 0};
    const sd_scope_t ven20 = {20, 200, 0}, common = {SD_TENANT_COMMON, 1, 0};

    /* 事業者 管理者: test work, sheet and contact-list approval, user rights; in its tenant only */
    ALLOW(oa, TESTWORK_APPROVE, op10);
    ALLOW(oa, SHEET_APPROVE, op10);
    ALLOW(oa, CONTACT_APPROVE, op10);
    ALLOW(oa, USER_MANAGE, op10);
    DENY(oa, SHEET_APPROVE, op11);
    DENY(oa, USER_MANAGE, ven20);
    /* 事業者 一般: uses the platform, approves nothing, manages no users */
    ALLOW(og, DATA_READ, op10);
    ALLOW(og, CONTROL_REQUEST, op10);
    ALLOW(og, ALARM_ACK, op10);
    ALLOW(og, MASTER_READ, op10);
    DENY(og, TESTWORK_APPROVE, op10);
    DENY(og, SHEET_APPROVE, op10);
    DENY(og, CONTACT_APPROVE, op10);
    DENY(og, USER_MANAGE, op10);
    DENY(og, DATA_READ, op11);
    /* ベンダー 管理者: requests approvals in the operator tenants it serves, never approves */
    ALLOW(aa, TESTWORK_REQUEST, op10);
    ALLOW(aa, SHEET_SUBMIT, op11);
    /* contact lists name people and phones: a vendor's own organisation's only, in a tenant it
     * serves; never the operator's list of that tenant */
    const sd_scope_t ga_list = {10, ga.org_id, 0}, op_list = {10, 100, 0}, other = {10, 201, 0};
    ALLOW(ga, CONTACT_SUBMIT, ga_list);
    ALLOW(ga, CONTACT_READ, ga_list);
    DENY(ga, CONTACT_SUBMIT, op_list);
    DENY(ga, CONTACT_READ, op_list);
    DENY(ag, CONTACT_READ, other);
    ALLOW(og, CONTACT_READ, ga_list);
    ALLOW(oa, CONTACT_APPROVE, ga_list);
    DENY(aa, SHEET_SUBMIT, op12); /* not linked */
    DENY(aa, SHEET_APPROVE, op10);
    DENY(ga, TESTWORK_APPROVE, op10);
    DENY(aa, CONTACT_APPROVE, op10);
    /* ... and manages the users of its own vendor tenant, not the operator's */
    ALLOW(aa, USER_MANAGE, ven20);
    ALLOW(ga, USER_MANAGE, ven20);
    DENY(aa, USER_MANAGE, op10);
    /* ベンダー 一般: inquiries, bulletin board, materials; no approvals, no plant data */
    ALLOW(ag, INQUIRY_CREATE, ven20);
    ALLOW(gg, PORTAL_READ, common);
    ALLOW(ag, FILE_READ, common);
    DENY(ag, TESTWORK_REQUEST, op10);
    DENY(gg, SHEET_SUBMIT, op10);
    DENY(ag, USER_MANAGE, ven20);
    DENY(ag, DATA_READ, op10);
    DENY(gg, MASTER_READ, op10);
    DENY(ga, CONTROL_REQUEST, op10);
    /* a vendor sees its own AP/GW in a client tenant, not another vendor's */
    const sd_scope_t own_app = {10, 200, 77}, other_app = {10, 201, 78};
    ALLOW(ag, APP_READ, own_app);
    ALLOW(ag, MONITOR_READ, own_app);
    DENY(ag, APP_READ, other_app);
    DENY(gg, APP_READ, own_app); /* a GW vendor has no business with applications */
    /* the platform operator registers and runs the platform but holds no operator powers */
    ALLOW(pa, APP_REGISTER, op10);
    ALLOW(pa, GW_REGISTER, op11);
    ALLOW(pa, ORG_MANAGE, ven20);
    ALLOW(pa, USER_OTP_REQUIRE, op10);
    ALLOW(pa, PORTAL_POST, common);
    ALLOW(pa, USER_MANAGE, op10);
    DENY(pa, SHEET_APPROVE, op10);
    DENY(pa, TESTWORK_APPROVE, op10);
    DENY(pa, CONTACT_APPROVE, op10);
    DENY(pa, DATA_READ, op10);
    DENY(pa, CONTROL_REQUEST, op10);
    DENY(pa, FILE_READ, op10);
    DENY(oa, APP_REGISTER, op10);
    DENY(aa, APP_MANAGE, own_app);
    /* machines: an application uses AP-IF in its tenant; a gateway only its own queue */
    ALLOW(ap, CONTROL_REQUEST, op10);
    ALLOW(ap, DOC_WRITE, op10);
    DENY(ap, CONTROL_REQUEST, op11);
    DENY(ap, USER_SELF, op10);
    const sd_scope_t own_gw = {10, 0, 4000}, other_gw = {10, 0, 4001};
    ALLOW(gw, GWIF_FETCH, own_gw);
    ALLOW(gw, GWIF_UPLINK, own_gw);
    DENY(gw, GWIF_FETCH, other_gw);
    DENY(gw, DATA_READ, op10);
    DENY(og, GWIF_UPLINK, own_gw);
    /* user.self is about oneself only */
    const sd_scope_t me = {10, 100, 1000}, colleague = {10, 100, 1001};
    ALLOW(og, USER_SELF, me);
    DENY(og, USER_SELF, colleague);
}

static void test_can_assign(void **state)
{
    (void)state;
    sd_principal_t og = principal(SD_ROLE_OPERATOR_GENERAL), oa = principal(SD_ROLE_OPERATOR_ADMIN);
    sd_principal_t aa = principal(SD_ROLE_APVENDOR_ADMIN), ga = principal(SD_ROLE_GWVENDOR_ADMIN);
    sd_principal_t pa = principal(SD_ROLE_PLATFORM_ADMIN);
    const sd_scope_t op10 = {10, 100, 0}, op11 = {11, 0, 0}, ven20 = {20, 200, 0};
    assert_int_equal(sd_policy_can_assign(&oa, SD_ROLE_OPERATOR_GENERAL, &op10), 0);
    assert_int_equal(sd_policy_can_assign(&oa, SD_ROLE_OPERATOR_ADMIN, &op10), 0);
    assert_int_equal(sd_policy_can_assign(&oa, SD_ROLE_APVENDOR_ADMIN, &op10), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&oa, SD_ROLE_PLATFORM_ADMIN, &op10), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&oa, SD_ROLE_OPERATOR_GENERAL, &op11), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&og, SD_ROLE_OPERATOR_GENERAL, &op10), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&aa, SD_ROLE_APVENDOR_GENERAL, &ven20), 0);
    assert_int_equal(sd_policy_can_assign(&aa, SD_ROLE_GWVENDOR_GENERAL, &ven20), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&aa, SD_ROLE_OPERATOR_ADMIN, &ven20), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&aa, SD_ROLE_APVENDOR_GENERAL, &op10), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_can_assign(&ga, SD_ROLE_GWVENDOR_ADMIN, &ven20), 0);
    for (int r = 0; r < SD_ROLE__COUNT; r++) {
        int machine = r == SD_ROLE_APPLICATION || r == SD_ROLE_GATEWAY;
        assert_int_equal(sd_policy_can_assign(&pa, (sd_role_t)r, &op10),
                         machine ? SD_EFORBIDDEN : 0);
    }
    assert_int_equal(sd_policy_can_assign(&pa, SD_ROLE__COUNT, &op10), SD_EFORBIDDEN);
    sd_principal_t fresh = oa;
    fresh.flags = SD_PRINCIPAL_MUST_CHANGE_PW;
    assert_int_equal(sd_policy_can_assign(&fresh, SD_ROLE_OPERATOR_GENERAL, &op10), SD_EPWCHANGE);
}

static int name_chars_ok(const char *s, int dots)
{
    int seen = 0;
    if (!*s || *s == '.' || *s == '_')
        return 0;
    for (; *s; s++) {
        if (*s == '.')
            seen++;
        else if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
            return 0;
    }
    return seen == dots;
}

static void test_names(void **state)
{
    (void)state;
    for (int r = 0; r < SD_ROLE__COUNT; r++) {
        const char *n = sd_policy_role_name((sd_role_t)r);
        assert_string_equal(n, role_names[r]);
        assert_true(name_chars_ok(n, 0));
        assert_non_null(sd_policy_role_label_ja((sd_role_t)r));
        sd_role_t back = SD_ROLE__COUNT;
        assert_int_equal(sd_policy_role_parse(n, strlen(n), &back), 0);
        assert_int_equal(back, r);
    }
    for (int a = 0; a < SD_ACT__COUNT; a++) {
        const char *n = sd_policy_action_name((sd_action_t)a);
        assert_true(name_chars_ok(n, 1));
        assert_true(strlen(sd_policy_action_doc((sd_action_t)a)) > 8);
        assert_non_null(sd_policy_action_label_ja((sd_action_t)a));
        sd_action_t back = SD_ACT__COUNT;
        assert_int_equal(sd_policy_action_parse(n, strlen(n), &back), 0);
        assert_int_equal(back, a);
        for (int b = 0; b < a; b++)
            assert_string_not_equal(n, sd_policy_action_name((sd_action_t)b));
    }
    assert_int_equal(sd_policy_role_is_admin(SD_ROLE_OPERATOR_ADMIN), 1);
    assert_int_equal(sd_policy_role_is_admin(SD_ROLE_GWVENDOR_ADMIN), 1);
    assert_int_equal(sd_policy_role_is_admin(SD_ROLE_APVENDOR_GENERAL), 0);
    assert_int_equal(sd_policy_role_is_admin(SD_ROLE__COUNT), 0);
    assert_string_equal(sd_policy_role_label_ja(SD_ROLE_OPERATOR_ADMIN), "事業者 管理者");
    assert_null(sd_policy_role_name(SD_ROLE__COUNT));
    assert_null(sd_policy_action_name(SD_ACT__COUNT));
    assert_null(sd_policy_action_name((sd_action_t)-1));
    sd_role_t r;
    sd_action_t a;
    static const char *const bad_roles[] = {
        "", "Operator_admin", "operator_admin ", "operator_admi", "operator_adminx", "admin"};
    for (size_t i = 0; i < sizeof bad_roles / sizeof bad_roles[0]; i++)
        assert_int_equal(sd_policy_role_parse(bad_roles[i], strlen(bad_roles[i]), &r), SD_EFIELD);
    static const char *const bad_acts[] = {
        "",         "sheet",          "sheet.", "SHEET.APPROVE", "sheet.approve.", "sheet_approve",
        ".approve", "sheet.approve\n"};
    for (size_t i = 0; i < sizeof bad_acts / sizeof bad_acts[0]; i++)
        assert_int_equal(sd_policy_action_parse(bad_acts[i], strlen(bad_acts[i]), &a), SD_EFIELD);
    /* the length is what counts: an embedded NUL or a longer buffer is not the name */
    assert_int_equal(sd_policy_action_parse("sheet.approve\0x", 15, &a), SD_EFIELD);
    assert_int_equal(sd_policy_action_parse("sheet.approvexyz", 13, &a), 0);
    assert_int_equal(a, SD_ACT_SHEET_APPROVE);
    assert_int_equal(sd_policy_action_parse("sheet.approve", 13, NULL), SD_EINVAL);
    assert_int_equal(sd_policy_role_parse(NULL, 3, &r), SD_EINVAL);
}

#define BEGIN_MARK "<!-- BEGIN GENERATED by sd_policy_matrix_md(); do not edit -->\n"
#define END_MARK   "<!-- END GENERATED -->\n"

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sd_buf_t b = {0};
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(sd_buf_append(&b, chunk, got), 0);
    fclose(f);
    *n = b.len;
    return b.data ? sd_buf_steal(&b) : calloc(1, 1);
}

/*
 * docs/roles.md embeds the generated matrix between two markers; the test fails when it is stale.
 * SD_WRITE_ROLES_MD=1 rewrites the block in place instead (run from the repository root).
 */
static void test_roles_doc(void **state)
{
    (void)state;
    sd_buf_t m = {0};
    assert_int_equal(sd_policy_matrix_md(&m), 0);
    for (int a = 0; a < SD_ACT__COUNT; a++) {
        char needle[64];
        snprintf(needle, sizeof needle, "| `%s` |", sd_policy_action_name((sd_action_t)a));
        assert_non_null(strstr(m.data, needle));
    }
    const char *root = getenv("SUIDO_ROOT");
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/roles.md", root && *root ? root : ".");
    size_t n = 0;
    char *doc = slurp(path, &n);
    if (!doc)
        fail_msg("cannot read %s", path);
    char *b = strstr(doc, BEGIN_MARK), *e = b ? strstr(b, END_MARK) : NULL;
    if (!b || !e)
        fail_msg("%s lacks the generated-block markers", path);
    b += strlen(BEGIN_MARK);
    int same = (size_t)(e - b) == m.len && memcmp(b, m.data, m.len) == 0;
    if (!same && getenv("SD_WRITE_ROLES_MD")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(doc, 1, (size_t)(b - doc), f);
        fwrite(m.data, 1, m.len, f);
        fwrite(e, 1, n - (size_t)(e - doc), f);
        assert_int_equal(fclose(f), 0);
        same = 1;
    }
    if (!same)
        fail_msg("%s is stale: run SD_WRITE_ROLES_MD=1 %s from the repository root", path,
                 "build/tests/test_auth_policy");
    free(doc);
    sd_buf_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_complete),
        cmocka_unit_test(test_matrix_behaviour),
        cmocka_unit_test(test_cross_tenant_denied),
        cmocka_unit_test(test_must_change_password),
        cmocka_unit_test(test_table_2_3),
        cmocka_unit_test(test_can_assign),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_roles_doc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
