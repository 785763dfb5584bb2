/* test_pf_doc.c - lib/pf/doc: names, If-Match, versions and conflicts on SQLite and PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/data/doc.h"
#include "pf/data/objstore.h"
#include "pf/data/seal.h"

static const unsigned char K[32] = "0123456789abcdef0123456789abcde"; /* the master key */

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(sd_doc_collection_check("plans"), 0);
    assert_int_equal(sd_doc_collection_check("a_b-9"), 0);
    char n[SD_DOC_COLLECTION_MAX + 2];
    memset(n, 'x', sizeof n);
    n[SD_DOC_COLLECTION_MAX] = '\0';
    assert_int_equal(sd_doc_collection_check(n), 0);
    n[SD_DOC_COLLECTION_MAX] = 'x';
    n[SD_DOC_COLLECTION_MAX + 1] = '\0';
    assert_int_equal(sd_doc_collection_check(n), SD_EFIELD);
    const char *bad[] = {"", "Plans", "a b", "a/b", "..", "a.b", "日本", "a\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(sd_doc_collection_check(bad[i]), SD_EFIELD);
    assert_int_equal(sd_doc_collection_check(NULL), SD_EFIELD);
}

static void test_if_match(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(sd_doc_if_match("3", &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(sd_doc_if_match("\"12\"", &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(sd_doc_if_match("W/\"7\"", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(sd_doc_if_match(" 5 ", &v), 0);
    assert_int_equal(v, 5);
    const char *bad[] = {"",  "0", "-1", "x", "\"3", "3\"", "*", "1,2", "99999999999999999999",
                         "03"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(sd_doc_if_match(bad[i], &v), SD_EFIELD);
    assert_int_equal(sd_doc_if_match(NULL, &v), SD_EFIELD);
}

/* The versioning contract, on any store with tenants 2 and 3. */
static void versions(sd_store_t *st)
{
    int64_t id = 0, id2 = 0, v = 0, cr = 0, up = 0;
    char *json = NULL;
    assert_int_equal(sd_doc_create(st, K, 2, "plans", "{\"a\":1}", 100, &id), 0);
    assert_int_equal(sd_doc_create(st, K, 2, "plans", "{\"a\":2}", 100, &id2), 0);
    assert_int_equal(sd_doc_create(st, K, 2, "Bad", "{}", 100, &v), SD_EFIELD);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id, &json, &v, &cr, &up), 0);
    assert_string_equal(json, "{\"a\":1}");
    free(json);
    assert_int_equal(v, 1);
    assert_int_equal(cr, 100);
    /* update with the right version bumps it; a stale one is a conflict with the current */
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id, 1, "{\"a\":3}", 200, &v), 0);
    assert_int_equal(v, 2);
    v = 0;
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id, 1, "{\"lost\":1}", 300, &v),
                     SD_ECONFLICT);
    assert_int_equal(v, 2);
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id, 3, "{\"lost\":1}", 300, &v),
                     SD_ECONFLICT);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id, &json, &v, &cr, &up), 0);
    assert_string_equal(json, "{\"a\":3}");
    free(json);
    assert_int_equal(v, 2);
    assert_int_equal(cr, 100);
    assert_int_equal(up, 200);
    /* other tenant, other collection, no such id: not found, never a conflict */
    assert_int_equal(sd_doc_get(st, K, 3, "plans", id, &json, &v, NULL, NULL), SD_ENOTFOUND);
    assert_int_equal(sd_doc_get(st, K, 2, "other", id, &json, &v, NULL, NULL), SD_ENOTFOUND);
    assert_int_equal(sd_doc_update(st, K, 3, "plans", id, 2, "{}", 1, &v), SD_ENOTFOUND);
    assert_int_equal(sd_doc_update(st, K, 2, "other", id, 2, "{}", 1, &v), SD_ENOTFOUND);
    assert_int_equal(sd_doc_delete(st, 3, "plans", id, 2, &v), SD_ENOTFOUND);
    assert_int_equal(sd_doc_delete(st, 2, "plans", id + 1000, 1, &v), SD_ENOTFOUND);
    /* delete is guarded the same way */
    assert_int_equal(sd_doc_delete(st, 2, "plans", id, 1, &v), SD_ECONFLICT);
    assert_int_equal(v, 2);
    assert_int_equal(sd_doc_delete(st, 2, "plans", id, 2, &v), 0);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id, NULL, &v, NULL, NULL), SD_ENOTFOUND);
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id, 2, "{}", 1, &v), SD_ENOTFOUND);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id2, NULL, &v, NULL, NULL), 0);
    /* size limit */
    char *big = malloc(SD_DOC_MAX_BYTES + 2);
    memset(big, ' ', SD_DOC_MAX_BYTES + 1);
    big[0] = '{';
    big[SD_DOC_MAX_BYTES] = '}';
    big[SD_DOC_MAX_BYTES + 1] = '\0';
    assert_int_equal(sd_doc_create(st, K, 2, "plans", big, 1, &v), SD_ETOOBIG);
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id2, 1, big, 1, &v), SD_ETOOBIG);
    big[SD_DOC_MAX_BYTES - 1] = '}';
    big[SD_DOC_MAX_BYTES] = '\0';
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id2, 1, big, 1, &v), 0);
    free(big);
}

/* §2.5: the body column holds no plaintext; a tampered, moved or foreign-key body never opens. */
static void at_rest(sd_store_t *st)
{
    int64_t id = 0, id2 = 0, v = 0, n = 0, last = 0;
    char *json = NULL;
    assert_int_equal(sd_doc_create(st, K, 2, "plans", "{\"pump\":\"P-1\"}", 1, &id), 0);
    assert_int_equal(sd_doc_create(st, K, 3, "plans", "{\"pump\":\"P-9\"}", 1, &id2), 0);
    sd_stmt_t *s = NULL;
    assert_int_equal(sd_store_query_row(st, "SELECT body FROM documents WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(id)), &s),
                     0);
    char *body = strdup(sd_stmt_text(s, 0, NULL));
    sd_stmt_done(s);
    assert_non_null(strstr(body, SD_SEAL_TEXT_PREFIX));
    assert_null(strstr(body, "P-1"));
    assert_null(strstr(body, "pump"));
    /* another master key opens nothing */
    unsigned char k2[32];
    memcpy(k2, K, 32);
    k2[0] ^= 1;
    assert_int_equal(sd_doc_get(st, k2, 2, "plans", id, &json, &v, NULL, NULL), SD_EINTERNAL);
    /* the body moved onto tenant 3's document does not open there */
    assert_int_equal(sd_store_exec(st, "UPDATE documents SET body = $1 WHERE id = $2",
                                   SD_PARAMS(SD_V_TEXT(body), SD_V_INT(id2)), NULL),
                     0);
    assert_int_equal(sd_doc_get(st, K, 3, "plans", id2, &json, &v, NULL, NULL), SD_EINTERNAL);
    json_t *items = json_array();
    assert_int_equal(sd_doc_list(st, K, 3, "plans", 0, 10, items, &n, &last), SD_EINTERNAL);
    json_decref(items);
    /* one flipped character: an error, never garbage */
    char *c = body + strlen(body) - 3; /* another base64 digit, so that only the seal can tell */
    *c = *c == 'A' ? 'B' : 'A';
    assert_int_equal(sd_store_exec(st, "UPDATE documents SET body = $1 WHERE id = $2",
                                   SD_PARAMS(SD_V_TEXT(body), SD_V_INT(id)), NULL),
                     0);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id, &json, &v, NULL, NULL), SD_EINTERNAL);
    free(body);
    /* a body stored before encryption reads as it is, and is sealed at its next update */
    assert_int_equal(sd_store_exec(st, "UPDATE documents SET body = '{\"old\":1}' WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(id)), NULL),
                     0);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id, &json, &v, NULL, NULL), 0);
    assert_string_equal(json, "{\"old\":1}");
    free(json);
    items = json_array();
    assert_int_equal(sd_doc_list(st, K, 2, "plans", 0, 10, items, &n, &last), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_array_get(items, n - 1), "data"), "old")),
                     1);
    json_decref(items);
    assert_int_equal(sd_doc_update(st, K, 2, "plans", id, v, "{\"old\":2}", 2, &v), 0);
    assert_int_equal(sd_store_query_row(st, "SELECT body FROM documents WHERE id = $1",
                                        SD_PARAMS(SD_V_INT(id)), &s),
                     0);
    assert_non_null(strstr(sd_stmt_text(s, 0, NULL), SD_SEAL_TEXT_PREFIX));
    sd_stmt_done(s);
    assert_int_equal(sd_doc_get(st, K, 2, "plans", id, &json, &v, NULL, NULL), 0);
    assert_string_equal(json, "{\"old\":2}");
    free(json);
}

/* The fixture's store with tenants 2 and 3. */
static void open_with_tenants(sd_test_pf_t *t)
{
    sd_test_pf_open(t, SD_TEST_T0);
    sd_test_pf_tenant(t, "a", SD_TENANT_KIND_SHARED_OPERATOR);
    sd_test_pf_tenant(t, "b", SD_TENANT_KIND_SHARED_OPERATOR);
}

static void test_sqlite(void **state)
{
    (void)state;
    sd_test_pf_t t;
    open_with_tenants(&t);
    versions(t.st);
    at_rest(t.st);
    sd_test_pf_close(&t);
}

static int add_path(const char *path, const sd_objstore_info_t *in, void *ctx)
{
    (void)in;
    strcat(ctx, path);
    strcat(ctx, ";");
    return 0;
}

/* Object metadata where PostgreSQL differs most: byte order of paths and prefix matching. */
static void objects_meta(sd_test_pf_t *t)
{
    char dir[96];
    snprintf(dir, sizeof dir, "%s/objs", t->dir);
    sd_objstore_t *os = NULL;
    assert_int_equal(sd_objstore_open(NULL, dir, 0, t->st, &os), 0);
    const char *paths[] = {"b", "a/z", "a/B", "A", "日本/x", "a/b"};
    for (size_t i = 0; i < 6; i++) {
        sd_objstore_put_t *up = NULL;
        sd_objstore_info_t in;
        int created = 0;
        assert_int_equal(sd_objstore_put_begin(os, 2, -1, &up), 0);
        assert_int_equal(sd_objstore_put_write(up, paths[i], strlen(paths[i])), 0);
        assert_int_equal(sd_objstore_commit(os, up, 2, paths[i], 1, &in, &created), 0);
        assert_int_equal(created, 1);
    }
    char acc[128] = "";
    assert_int_equal(sd_objstore_list(os, 2, "", NULL, 100, add_path, acc), 0);
    assert_string_equal(acc, "A;a/B;a/b;a/z;b;日本/x;");
    acc[0] = '\0';
    assert_int_equal(sd_objstore_list(os, 2, "a/", "a/B", 100, add_path, acc), 0);
    assert_string_equal(acc, "a/b;a/z;");
    acc[0] = '\0';
    assert_int_equal(sd_objstore_list(os, 2, "日本/", NULL, 100, add_path, acc), 0);
    assert_string_equal(acc, "日本/x;");
    sd_objstore_close(os);
}

static void test_sqlite_objects(void **state)
{
    (void)state;
    sd_test_pf_t t;
    open_with_tenants(&t);
    objects_meta(&t);
    sd_test_pf_close(&t);
}

static void test_postgresql(void **state)
{
    (void)state;
    if (sd_test_pf_pg_begin() != 0) {
        /* only the person running the tests may leave PostgreSQL out (SUIDO_NO_PG=1) */
        if (getenv("SUIDO_NO_PG"))
            skip();
        fail_msg("PostgreSQL did not start: the PostgreSQL half of this test cannot run");
    }
    sd_test_pf_t t;
    open_with_tenants(&t);
    versions(t.st);
    at_rest(t.st);
    objects_meta(&t);
    sd_test_pf_close(&t);
    sd_test_pf_pg_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),      cmocka_unit_test(test_if_match),
        cmocka_unit_test(test_sqlite),     cmocka_unit_test(test_sqlite_objects),
        cmocka_unit_test(test_postgresql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
