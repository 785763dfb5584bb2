/* test_pf_backup.c - lib/pf/backup: manifest paths, verification, the data dir lock, restore
 * refusals and placement; lib/store's conninfo for pg_dump (no password on a command line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "pf/data/backup.h"
#include "pf/data/backup_int.h"
#include "store/store.h"

static void test_conninfo(void **state)
{
    (void)state;
    sd_buf_t ci = {0};
    char *pw = NULL;
    assert_int_equal(sd_store_pg_conninfo("postgresql://bob:s3cr%27t%5Cx@db.example:5433/suido"
                                          "?sslmode=require&application_name=a%27b",
                                          &ci, &pw),
                     0);
    assert_non_null(pw);
    assert_string_equal(pw, "s3cr't\\x");
    assert_null(strstr(ci.data, "s3cr"));
    assert_null(strstr(ci.data, "password"));
    assert_non_null(strstr(ci.data, "user='bob'"));
    assert_non_null(strstr(ci.data, "host='db.example'"));
    assert_non_null(strstr(ci.data, "port='5433'"));
    assert_non_null(strstr(ci.data, "dbname='suido'"));
    assert_non_null(strstr(ci.data, "sslmode='require'"));
    assert_non_null(strstr(ci.data, "application_name='a\\'b'"));
    free(pw);
    sd_buf_free(&ci);
    assert_int_equal(sd_store_pg_conninfo("postgresql://u@h/db", &ci, &pw), 0);
    assert_null(pw);
    sd_buf_free(&ci);
    assert_int_equal(sd_store_pg_conninfo("postgresql://h/db?nonsense=1", &ci, &pw), SD_ECONFIG);
    sd_buf_free(&ci);
}

static void test_paths(void **state)
{
    (void)state;
    assert_true(sd__bk_path_ok("store.db"));
    assert_true(sd__bk_path_ok("objects/t12/ab/abcdef0123"));
    assert_true(sd__bk_path_ok("secret.key"));
    const char *bad[] = {
        "",     "/etc/passwd",         "a/../b", "..", ".", "a//b", "a/./b", "a/", "a b",
        "a\\b", "objects/t1/%2e%2e/x", "ü"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (sd__bk_path_ok(bad[i]))
            fail_msg("accepted '%s'", bad[i]);
}

static char g_dir[64];

static void put(const char *rel, const char *text)
{
    char p[512], d[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, rel);
    snprintf(d, sizeof d, "%s", p);
    *strrchr(d, '/') = 0;
    assert_int_equal(sd__bk_mkdirs(d, 0700), 0);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void hash(const char *rel, char hex[SD_BK_HEX], int64_t *size)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, rel);
    assert_int_equal(sd__bk_hash_file(p, size, hex), 0);
}

/* A small backup by hand: a "store", one blob named by its hash, a key, the manifest. */
static void make_backup(char blob_rel[200])
{
    char h1[SD_BK_HEX], h2[SD_BK_HEX], h3[SD_BK_HEX], m[2048];
    int64_t s1, s2, s3;
    put("bk/store.db", "not really sqlite, restore only copies it");
    put("bk/blob", "file contents");
    hash("bk/blob", h2, &s2);
    snprintf(blob_rel, 200, "objects/t7/%.2s/%s", h2, h2);
    char from[512], to[512];
    snprintf(from, sizeof from, "%s/bk/blob", g_dir);
    snprintf(to, sizeof to, "%s/bk/%s", g_dir, blob_rel);
    *strrchr(to, '/') = 0;
    assert_int_equal(sd__bk_mkdirs(to, 0700), 0);
    snprintf(to, sizeof to, "%s/bk/%s", g_dir, blob_rel);
    assert_int_equal(rename(from, to), 0);
    put("bk/secret.key", "0123456789abcdef0123456789abcdef");
    hash("bk/store.db", h1, &s1);
    hash("bk/secret.key", h3, &s3);
    snprintf(m, sizeof m,
             "{\"format\":\"suido-backup/1\",\"id\":\"20261124T180000Z\",\"backend\":\"sqlite\","
             "\"store\":\"store.db\",\"counts\":{\"samples\":5,\"objects\":1,\"documents\":0},"
             "\"files\":[{\"path\":\"store.db\",\"size\":%lld,\"sha256\":\"%s\"},"
             "{\"path\":\"%s\",\"size\":%lld,\"sha256\":\"%s\"},"
             "{\"path\":\"secret.key\",\"size\":%lld,\"sha256\":\"%s\"}]}",
             (long long)s1, h1, blob_rel, (long long)s2, h2, (long long)s3, h3);
    put("bk/manifest.json", m);
}

static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/test_backup.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    return sd__bk_rmtree(g_dir);
}

static void test_verify(void **state)
{
    char blob[200], bk[256], msg[1024], p[512];
    make_backup(blob);
    snprintf(bk, sizeof bk, "%s/bk", g_dir);
    assert_int_equal(sd_backup_verify(bk, msg, sizeof msg), 0);
    /* one flipped bit in the blob */
    snprintf(p, sizeof p, "%s/%s", bk, blob);
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "F", 1, 0), 1);
    close(fd);
    assert_int_equal(sd_backup_verify(bk, msg, sizeof msg), SD_ECONFLICT);
    assert_non_null(strstr(msg, blob));
    assert_non_null(strstr(msg, "the manifest says"));
    /* a missing file */
    unlink(p);
    assert_int_equal(sd_backup_verify(bk, msg, sizeof msg), SD_ENOTFOUND);
    assert_non_null(strstr(msg, "missing"));
    /* a manifest that escapes the directory */
    put("bk/manifest.json", "{\"format\":\"suido-backup/1\",\"files\":[{\"path\":\"../x\","
                            "\"size\":1,\"sha256\":\"00\"}]}");
    assert_int_equal(sd_backup_verify(bk, msg, sizeof msg), SD_ESYNTAX);
    put("bk/manifest.json", "{\"format\":\"other\",\"files\":[]}");
    assert_int_equal(sd_backup_verify(bk, msg, sizeof msg), SD_ESYNTAX);
    assert_non_null(strstr(msg, "not a suido backup"));
}

static void test_restore(void **state)
{
    char blob[200], bk[256], dd[256], msg[1024], p[512];
    make_backup(blob);
    snprintf(bk, sizeof bk, "%s/bk", g_dir);
    snprintf(dd, sizeof dd, "%s/data", g_dir);
    assert_int_equal(sd__bk_mkdirs(dd, 0700), 0);
    /* a live suidod holds the lock: refused, whoever asks */
    int lock = -1;
    assert_int_equal(sd_datadir_lock(dd, true, &lock, msg, sizeof msg), 0);
    int lock2 = -1; /* a second suidod on the same directory is fine */
    assert_int_equal(sd_datadir_lock(dd, true, &lock2, msg, sizeof msg), 0);
    close(lock2);
    sd_restore_opts_t o = {.data_dir = dd};
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), SD_EBUSY);
    char want[64];
    snprintf(want, sizeof want, "suidod (pid %ld) is running", (long)getpid());
    assert_non_null(strstr(msg, want));
    close(lock);
    /* a PostgreSQL target for an SQLite backup */
    o.store_url = "postgresql://u@127.0.0.1:1/x";
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), SD_ECONFIG);
    assert_non_null(strstr(msg, "holds a sqlite store"));
    o.store_url = NULL;
    /* restored: the store, the blob under objects/, the key with mode 0600 */
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "5 samples, 1 files"));
    char h[SD_BK_HEX], h0[SD_BK_HEX];
    int64_t n;
    snprintf(p, sizeof p, "%s/objects/%s", dd, blob + 8);
    assert_int_equal(sd__bk_hash_file(p, &n, h), 0);
    assert_string_equal(h, strrchr(blob, '/') + 1);
    hash("bk/store.db", h0, &n);
    snprintf(p, sizeof p, "%s/suido.db", dd);
    assert_int_equal(sd__bk_hash_file(p, &n, h), 0);
    assert_string_equal(h, h0);
    struct stat sb;
    snprintf(p, sizeof p, "%s/secret.key", dd);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* again: the store exists now */
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), SD_EEXIST);
    assert_non_null(strstr(msg, "suido.db exists"));
    /* a different key is not overwritten even with the store gone */
    unlink(p);
    put("data/secret.key", "another key, another installation");
    snprintf(p, sizeof p, "%s/suido.db", dd);
    unlink(p);
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), SD_EEXIST);
    assert_non_null(strstr(msg, "differs from the backup's key"));
    o.force = true;
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), 0);
}

/* §2.5: a backup file sealed and opened again; its path is its associated data. */
static void test_seal_copy(void **state)
{
    static const unsigned char k[32] = "backup-seal-key-0123456789abcde";
    char src[512], enc[512], back[512], why[256], h[SD_BK_HEX], hin[SD_BK_HEX], hp[SD_BK_HEX];
    int64_t n = 0;
    put("plain.txt", "secret plant data 浄水場");
    snprintf(src, sizeof src, "%s/plain.txt", g_dir);
    snprintf(enc, sizeof enc, "%s/sealed", g_dir);
    snprintf(back, sizeof back, "%s/back.txt", g_dir);
    assert_int_equal(
        sd__bk_seal_copy(1, k, "store.db", src, enc, 0600, &n, h, hin, why, sizeof why), 0);
    hash("plain.txt", hp, &n);
    assert_string_equal(hin, hp); /* of the plaintext read */
    hash("sealed", hp, &n);
    assert_string_equal(h, hp); /* of what was written */
    assert_int_equal(
        sd__bk_seal_copy(0, k, "store.db", enc, back, 0600, &n, h, hin, why, sizeof why), 0);
    hash("plain.txt", hp, &n);
    assert_string_equal(hin, hp);
    /* under another name of the backup it does not open, and nothing is left half-written */
    unlink(back);
    assert_int_equal(
        sd__bk_seal_copy(0, k, "secret.key", enc, NULL, 0, &n, h, NULL, why, sizeof why),
        SD_EDECRYPT);
    assert_non_null(strstr(why, "offset 32"));
    /* a plaintext file is not a sealed one */
    assert_int_equal(sd__bk_seal_copy(0, k, "store.db", src, NULL, 0, &n, h, NULL, why, sizeof why),
                     SD_ESYNTAX);
    assert_non_null(strstr(why, "not a sealed file"));
}

/* A plaintext backup holds no secret.key: a restore asks for it (--key-file) and places it. */
static void test_restore_without_key(void **state)
{
    char blob[200], bk[256], dd[256], msg[1024], p[512];
    make_backup(blob);
    snprintf(bk, sizeof bk, "%s/bk", g_dir);
    snprintf(p, sizeof p, "%s/bk/secret.key", g_dir);
    unlink(p);
    /* the manifest without the key */
    char m[2048], h1[SD_BK_HEX], h2[SD_BK_HEX];
    int64_t s1, s2;
    hash("bk/store.db", h1, &s1);
    char rel[256];
    snprintf(rel, sizeof rel, "bk/%s", blob);
    hash(rel, h2, &s2);
    snprintf(m, sizeof m,
             "{\"format\":\"suido-backup/1\",\"id\":\"20261124T180000Z\",\"backend\":\"sqlite\","
             "\"store\":\"store.db\",\"key_included\":false,\"encryption\":null,"
             "\"counts\":{\"samples\":5,\"objects\":1,\"documents\":0},"
             "\"files\":[{\"path\":\"store.db\",\"size\":%lld,\"sha256\":\"%s\"},"
             "{\"path\":\"%s\",\"size\":%lld,\"sha256\":\"%s\"}]}",
             (long long)s1, h1, blob, (long long)s2, h2);
    put("bk/manifest.json", m);
    snprintf(dd, sizeof dd, "%s/data", g_dir);
    sd_restore_opts_t o = {.data_dir = dd};
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), SD_ENOTFOUND);
    assert_non_null(strstr(msg, "holds no secret.key"));
    snprintf(p, sizeof p, "%s/suido.db", dd);
    assert_int_equal(access(p, F_OK), -1); /* nothing restored */
    put("key32", "0123456789abcdef0123456789abcdef");
    char kf[512];
    snprintf(kf, sizeof kf, "%s/key32", g_dir);
    o.key_file = kf;
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), 0);
    char h[SD_BK_HEX], hk[SD_BK_HEX];
    int64_t n;
    snprintf(p, sizeof p, "%s/secret.key", dd);
    assert_int_equal(sd__bk_hash_file(p, &n, h), 0);
    hash("key32", hk, &n);
    assert_string_equal(h, hk);
    /* a wrong-size key file is refused */
    put("short", "short");
    snprintf(kf, sizeof kf, "%s/short", g_dir);
    o.force = true;
    assert_int_equal(sd_backup_restore(bk, &o, msg, sizeof msg), SD_ECONFIG);
    assert_non_null(strstr(msg, "not a 32-byte key"));
}

static void test_objects_dir(void **state)
{
    (void)state;
    char b[256];
    assert_int_equal(sd_backup_objects_dir(NULL, "/d", b, sizeof b), 0);
    assert_string_equal(b, "/d/objects");
    assert_int_equal(sd_backup_objects_dir("file:///srv/obj?quota=5", "/d", b, sizeof b), 0);
    assert_string_equal(b, "/srv/obj");
    assert_int_equal(sd_backup_objects_dir("s3://bucket", "/d", b, sizeof b), SD_ECONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conninfo),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_objects_dir),
        cmocka_unit_test_setup_teardown(test_seal_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_without_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
