/* test_pf_bulletin.c - the bulletin board service (pf/desk/bulletin.c) on SQLite and PostgreSQL:
 * boards per tenant and the common one, validity periods, read marks, attachments in the object
 * store, and a maintenance window announced through the SLA (a post and one mail per tenant and
 * contact address of the approved lists, in the window's transaction). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/desk/bulletin.h"
#include "pf/ops/sla.h"

typedef struct {
    sd_test_pf_t base;
    sd_objstore_t *os;
    sd_notify_t *n;
    sd_bulletin_t *b;
    int64_t ta, tb;
} fx_t;

static int setup(void **state)
{
    fx_t *f = sd_test_pf_new(sizeof *f, SD_TEST_T0);
    f->ta = sd_test_pf_tenant(&f->base, "a", SD_TENANT_KIND_SHARED_OPERATOR);
    f->tb = sd_test_pf_tenant(&f->base, "b", SD_TENANT_KIND_SHARED_OPERATOR);
    char url[300];
    snprintf(url, sizeof url, "file://%s/objs", f->base.dir);
    assert_int_equal(sd_objstore_open(url, NULL, 0, f->base.st, &f->os), 0);
    sd_notify_config_t c;
    sd_notify_config_defaults(&c);
    c.digest_min = -1;
    assert_int_equal(sd_notify_new(&f->base.pf, &c, &f->n), 0);
    assert_int_equal(sd_bulletin_new(&f->base.pf, f->os, f->n, &f->b), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    sd_bulletin_free(f->b);
    sd_notify_free(f->n);
    sd_objstore_close(f->os);
    return sd_test_pf_teardown(state);
}

static sd_principal_t who(sd_role_t role, int64_t tenant, int64_t subject)
{
    return (sd_principal_t){.role = role, .subject_id = subject, .org_id = 1, .tenant_id = tenant};
}

static size_t count_id(const json_t *items, int64_t id)
{
    size_t i, n = 0;
    json_t *o;
    json_array_foreach(items, i, o) n += json_integer_value(json_object_get(o, "id")) == id;
    return n;
}

static void test_boards_and_validity(void **state)
{
    fx_t *f = *state;
    sd_principal_t a1 = who(SD_ROLE_OPERATOR_ADMIN, f->ta, 11),
                   a2 = who(SD_ROLE_OPERATOR_ADMIN, f->ta, 12),
                   ag = who(SD_ROLE_OPERATOR_GENERAL, f->ta, 13),
                   bg = who(SD_ROLE_OPERATOR_GENERAL, f->tb, 21),
                   pa = who(SD_ROLE_PLATFORM_ADMIN, SD_TENANT_COMMON, 1);
    sd_bulletin_fields_t fa = {.category = "failure", .title = "水位計 故障", .body = "交換中"};
    sd_bulletin_fields_t fc = {.category = "notice", .title = "common"};
    int64_t t0 = SD_TEST_T0;
    sd_bulletin_fields_t fx = {.category = "notice",
                               .title = "expired",
                               .valid_from = t0 - 86400000,
                               .valid_until = t0 - 3600000};
    int64_t pa_id, pc_id, px_id;
    assert_int_equal(sd_bulletin_create(f->b, &a1, f->ta, &fa, &pa_id), 0);
    assert_int_equal(sd_bulletin_create(f->b, &pa, SD_TENANT_COMMON, &fc, &pc_id), 0);
    assert_int_equal(sd_bulletin_create(f->b, &a1, f->ta, &fx, &px_id), 0);

    json_t *l = NULL;
    assert_int_equal(sd_bulletin_list(f->b, &ag, 0, NULL, true, &l), 0);
    assert_int_equal(count_id(l, pa_id) + count_id(l, pc_id), 2);
    assert_int_equal(count_id(l, px_id), 0); /* not the author, no bulletin.manage */
    json_decref(l);
    assert_int_equal(sd_bulletin_list(f->b, &bg, 0, NULL, true, &l), 0);
    assert_int_equal(count_id(l, pa_id), 0); /* another tenant's board */
    assert_int_equal(count_id(l, pc_id), 1); /* the common board */
    json_decref(l);
    assert_int_equal(sd_bulletin_list(f->b, &a1, 0, NULL, false, &l), 0);
    assert_int_equal(count_id(l, px_id), 0); /* the default list: current posts only */
    json_decref(l);
    assert_int_equal(sd_bulletin_list(f->b, &a1, 0, NULL, true, &l), 0);
    assert_int_equal(count_id(l, px_id), 1); /* its author */
    json_decref(l);
    assert_int_equal(sd_bulletin_list(f->b, &ag, 0, "notice", false, &l), 0);
    assert_int_equal(json_array_size(l), 1); /* the common notice; the failure is filtered */
    json_decref(l);

    sd_bulletin_info_t p;
    assert_int_equal(sd_bulletin_info(f->b, px_id, &p), 0);
    assert_false(sd_bulletin_current(&p, t0));
    assert_true(sd_bulletin_may_see(&a1, &p, t0));
    assert_true(sd_bulletin_may_see(&a2, &p, t0)); /* bulletin.manage */
    assert_false(sd_bulletin_may_see(&ag, &p, t0));
    assert_int_equal(sd_bulletin_info(f->b, pa_id, &p), 0);
    assert_true(sd_bulletin_may_see(&ag, &p, t0));
    assert_false(sd_bulletin_may_see(&bg, &p, t0));
    assert_true(sd_bulletin_may_see(&pa, &p, t0));
    assert_int_equal(sd_bulletin_info(f->b, 999999, &p), SD_ENOTFOUND);

    /* renewing: no end any more, current again */
    sd_bulletin_fields_t up = {.valid_from = -1, .valid_until = 0};
    assert_int_equal(sd_bulletin_update(f->b, &a2, px_id, &up), 0);
    assert_int_equal(sd_bulletin_info(f->b, px_id, &p), 0);
    assert_true(sd_bulletin_may_see(&ag, &p, t0));
    assert_int_equal(sd_bulletin_update(f->b, &a2, 999999, &up), SD_ENOTFOUND);

    /* audited in the board's tenant */
    assert_int_equal(sd_test_pf_int(&f->base,
                                    "SELECT COUNT(*) FROM audit WHERE action LIKE 'bulletin.%' "
                                    "AND tenant_id = $1",
                                    SD_PARAMS(SD_V_INT(f->ta))),
                     3);
}

static void test_read_marks(void **state)
{
    fx_t *f = *state;
    sd_principal_t a1 = who(SD_ROLE_OPERATOR_ADMIN, f->ta, 11),
                   ag = who(SD_ROLE_OPERATOR_GENERAL, f->ta, 13),
                   bg = who(SD_ROLE_OPERATOR_GENERAL, f->tb, 21),
                   pa = who(SD_ROLE_PLATFORM_ADMIN, SD_TENANT_COMMON, 1);
    sd_bulletin_fields_t fa = {.category = "notice", .title = "a"};
    int64_t p1, p2, p3, n = -1;
    assert_int_equal(sd_bulletin_create(f->b, &a1, f->ta, &fa, &p1), 0);
    assert_int_equal(sd_bulletin_create(f->b, &pa, SD_TENANT_COMMON, &fa, &p2), 0);
    sd_bulletin_fields_t later = {
        .category = "notice", .title = "later", .valid_from = SD_TEST_T0 + 3600000};
    assert_int_equal(sd_bulletin_create(f->b, &a1, f->ta, &later, &p3), 0);
    assert_int_equal(sd_bulletin_unread(f->b, &ag, &n), 0);
    assert_int_equal(n, 2); /* the one not yet valid does not count */
    assert_int_equal(sd_bulletin_unread(f->b, &bg, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(sd_bulletin_mark_read(f->b, &ag, p1), 0);
    assert_int_equal(sd_bulletin_mark_read(f->b, &ag, p1), 0); /* again: no change */
    assert_int_equal(sd_bulletin_unread(f->b, &ag, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(sd_bulletin_unread(f->b, &a1, &n), 0);
    assert_int_equal(n, 2); /* marks are per user */
    json_t *o = NULL;
    assert_int_equal(sd_bulletin_get(f->b, &ag, p1, &o), 0);
    assert_true(json_is_true(json_object_get(o, "read")));
    json_decref(o);
    assert_int_equal(sd_bulletin_get(f->b, &a1, p1, &o), 0);
    assert_true(json_is_false(json_object_get(o, "read")));
    json_decref(o);
    /* withdrawn with its marks */
    assert_int_equal(sd_bulletin_delete(f->b, &a1, p1), 0);
    assert_int_equal(sd_test_pf_int(&f->base, "SELECT COUNT(*) FROM bulletin_reads", SD_NOPARAMS),
                     0);
    assert_int_equal(sd_bulletin_delete(f->b, &a1, p1), SD_ENOTFOUND);
}

static void test_attachments(void **state)
{
    fx_t *f = *state;
    sd_principal_t a1 = who(SD_ROLE_OPERATOR_ADMIN, f->ta, 11);
    sd_bulletin_fields_t fa = {.category = "notice", .title = "a"};
    int64_t p1, room = 0, usage = -1;
    assert_int_equal(sd_bulletin_create(f->b, &a1, f->ta, &fa, &p1), 0);
    assert_int_equal(sd_bulletin_attach_room(f->b, f->ta, &room), 0);
    json_t *att = NULL;
    for (int i = 0; i < 2; i++) { /* the same bytes twice: two attachments, not one replaced */
        sd_objstore_put_t *up = NULL;
        assert_int_equal(sd_objstore_put_begin(f->os, f->ta, -1, &up), 0);
        assert_int_equal(sd_objstore_put_write(up, "手順書", strlen("手順書")), 0);
        assert_int_equal(sd_bulletin_attach(f->b, &a1, p1, "手順書.txt", up, &att), 0);
        assert_int_equal(json_integer_value(json_object_get(att, "size")), strlen("手順書"));
        json_decref(att);
    }
    json_t *o = NULL;
    assert_int_equal(sd_bulletin_get(f->b, &a1, p1, &o), 0);
    json_t *list = json_object_get(o, "attachments");
    assert_int_equal(json_array_size(list), 2);
    int64_t aid = json_integer_value(json_object_get(json_array_get(list, 0), "id"));
    json_decref(o);
    char name[300], sha[SD_OBJ_SHA256_HEX];
    int64_t size = 0;
    sd_objstore_blob_t *blob = NULL;
    assert_int_equal(sd_bulletin_attachment(f->b, p1, aid, name, sizeof name, sha, &size, &blob),
                     0);
    assert_string_equal(name, "手順書.txt");
    assert_int_equal(size, strlen("手順書"));
    const unsigned char *d = NULL;
    size_t len = 0;
    assert_int_equal(sd_objstore_blob_read(blob, &d, &len), 0); /* the blob, opened to stream */
    assert_memory_equal(d, "手順書", strlen("手順書"));
    sd_objstore_blob_close(blob);
    assert_int_equal(
        sd_bulletin_attachment(f->b, p1 + 1, aid, name, sizeof name, sha, &size, &blob),
        SD_ENOTFOUND); /* another post's id */
    assert_null(blob);
    /* not a file AP-IF can name: the path starts with '/' */
    assert_int_equal(sd_test_pf_int(&f->base,
                                    "SELECT COUNT(*) FROM objects WHERE tenant_id = $1 AND path "
                                    "LIKE '/bulletin/%'",
                                    SD_PARAMS(SD_V_INT(f->ta))),
                     2);
    assert_int_equal(sd_bulletin_delete(f->b, &a1, p1), 0);
    assert_int_equal(sd_objstore_usage(f->os, f->ta, &usage), 0);
    assert_int_equal(usage, 0); /* the files went with the post */
    sd_objstore_put_t *up = NULL;
    assert_int_equal(sd_objstore_put_begin(f->os, f->ta, -1, &up), 0);
    assert_int_equal(sd_bulletin_attach(f->b, &a1, p1, "x.txt", up, &att), SD_ENOTFOUND);
}

static void contact_list(fx_t *f, int64_t tenant, const char *status, const char *entries)
{
    sd_test_pf_insert(&f->base,
                      "INSERT INTO contact_lists (tenant_id, org_id, name, entries, status, "
                      "submitted_by, submitted_at) VALUES ($1, 1, 'l', $2, $3, 1, 1) RETURNING id",
                      SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(entries), SD_V_TEXT(status)));
}

static void test_maintenance_announced(void **state)
{
    fx_t *f = *state;
    sd_principal_t pa = who(SD_ROLE_PLATFORM_ADMIN, SD_TENANT_COMMON, 1),
                   bg = who(SD_ROLE_OPERATOR_GENERAL, f->tb, 21);
#define E(addr)                                                                                    \
    "{\"name\":\"n\",\"email\":\"" addr "\",\"order\":1,\"min_severity\":1,\"duty\":\"always\"}"
    contact_list(f, f->ta, "approved",
                 "[" E("a1@w.test") "," E("a2@w.test") "," E("a1@w.test") "]");
    contact_list(f, f->ta, "submitted", "[" E("pending@w.test") "]");
    contact_list(f, f->tb, "approved", "[" E("a1@w.test") "]");
#undef E
    sd_sla_t *s = NULL;
    assert_int_equal(sd_sla_new(&f->base.pf, &s), 0);
    sd_sla_on_announce(s, sd_bulletin_announce, f->b);
    int64_t from = SD_TEST_T0 + 86400000, to = from + 7200000, id = 0;
    assert_int_equal(sd_sla_maintenance_add(s, &pa, from, to, "定期保守", &id), 0);
    /* one mail per tenant and address: a1 twice on A's list is once, and once more for B */
    assert_int_equal(sd_test_pf_int(&f->base,
                                    "SELECT COUNT(*) FROM notifications WHERE kind = "
                                    "'maintenance'",
                                    SD_NOPARAMS),
                     3);
    assert_int_equal(sd_test_pf_int(&f->base,
                                    "SELECT COUNT(*) FROM notifications WHERE rcpt = "
                                    "'pending@w.test'",
                                    SD_NOPARAMS),
                     0);
    json_t *l = NULL;
    assert_int_equal(sd_bulletin_list(f->b, &bg, 0, "maintenance", false, &l), 0);
    assert_int_equal(json_array_size(l), 1);
    json_t *p = json_array_get(l, 0);
    assert_int_equal(json_integer_value(json_object_get(p, "maintenance_id")), id);
    assert_int_equal(json_integer_value(json_object_get(p, "valid_until")), to);
    assert_int_equal(json_integer_value(json_object_get(p, "tenant_id")), SD_TENANT_COMMON);
    json_decref(l);
    /* after the window it is history: gone from the default list */
    sd_clock_fake_advance(f->base.clock, to - SD_TEST_T0);
    assert_int_equal(sd_bulletin_list(f->b, &bg, 0, "maintenance", false, &l), 0);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    sd_sla_free(s);
}

static int fail_announce(void *ctx, const sd_principal_t *w, int64_t id, int64_t from, int64_t to,
                         const char *title)
{
    int rc = sd_bulletin_announce(ctx, w, id, from, to, title);
    return rc ? rc : SD_ESTORE; /* as if the mail could not be written */
}

static void test_announcement_in_the_window_tx(void **state)
{
    fx_t *f = *state;
    sd_principal_t pa = who(SD_ROLE_PLATFORM_ADMIN, SD_TENANT_COMMON, 1);
    contact_list(f, f->ta, "approved",
                 "[{\"name\":\"n\",\"email\":\"x@w.test\",\"order\":1,\"min_severity\":1,"
                 "\"duty\":\"always\"}]");
    sd_sla_t *s = NULL;
    assert_int_equal(sd_sla_new(&f->base.pf, &s), 0);
    sd_sla_on_announce(s, fail_announce, f->b);
    int64_t id = 0;
    assert_int_not_equal(
        sd_sla_maintenance_add(s, &pa, SD_TEST_T0 + 60000, SD_TEST_T0 + 120000, "x", &id), 0);
    /* nothing of it stays: no window, no post, no mail */
    assert_int_equal(sd_test_pf_int(&f->base, "SELECT COUNT(*) FROM maintenance", SD_NOPARAMS), 0);
    assert_int_equal(sd_test_pf_int(&f->base, "SELECT COUNT(*) FROM bulletin_posts", SD_NOPARAMS),
                     0);
    assert_int_equal(sd_test_pf_int(&f->base, "SELECT COUNT(*) FROM notifications", SD_NOPARAMS),
                     0);
    sd_sla_free(s);
}

static void test_pure(void **state)
{
    (void)state;
    assert_true(sd_bulletin_category_ok("notice"));
    assert_true(sd_bulletin_category_ok("failure"));
    assert_true(sd_bulletin_category_ok("maintenance"));
    assert_false(sd_bulletin_category_ok("Notice"));
    assert_false(sd_bulletin_category_ok(""));
    assert_false(sd_bulletin_category_ok(NULL));
    sd_bulletin_info_t p = {.valid_from = 100, .valid_until = 200};
    assert_false(sd_bulletin_current(&p, 99));
    assert_true(sd_bulletin_current(&p, 100));
    assert_false(sd_bulletin_current(&p, 200));
    p.valid_until = 0;
    assert_true(sd_bulletin_current(&p, INT64_MAX));
    char *subj = NULL, *body = NULL;
    /* 2099-01-01 01:00 JST = 2098-12-31T16:00Z */
    int64_t from = sd_test_time("2099-01-01T01:00:00+09:00");
    assert_int_equal(sd_bulletin_maintenance_text(from, from + 7200000, "保守\r\nBcc: x",
                                                  "https://p", &subj, &body),
                     0);
    assert_null(strpbrk(subj, "\r\n")); /* never a header injection */
    assert_non_null(strstr(body, "期間: 2099-01-01 01:00 〜 2099-01-01 03:00 (JST)"));
    assert_true(strstr(body, "期間:") < strstr(body, "Window:")); /* Japanese first */
    assert_non_null(strstr(body, "https://p/#/bulletin"));
    free(subj);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_boards_and_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_marks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maintenance_announced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_announcement_in_the_window_tx, setup, teardown),
        cmocka_unit_test(test_pure),
    };
    return SD_TEST_PF_RUN("pf_bulletin", tests, SD_TEST_SQLITE | SD_TEST_PG);
}
