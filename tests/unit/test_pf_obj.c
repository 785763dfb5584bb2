/* test_pf_obj.c - lib/pf/objstore: every path rejection class, blobs, metadata, quota, isolation.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/data/objstore.h"
#include "pf/data/seal.h"

/* ---- path rules ------------------------------------------------------------------------------ */

static void ok_path(const char *p)
{
    const char *why = NULL;
    size_t off = 99;
    if (sd_objpath_check(p, strlen(p), &why, &off) != 0)
        fail_msg("refused '%s': %s at %zu", p, why, off);
}

/* p (len bytes) must be refused with a reason containing frag at byte off. */
static void bad_path(const char *p, size_t len, const char *frag, size_t off)
{
    const char *why = NULL;
    size_t o = 9999;
    assert_int_equal(sd_objpath_check(p, len, &why, &o), SD_EFIELD);
    assert_non_null(why);
    if (!strstr(why, frag))
        fail_msg("'%.*s': reason '%s' lacks '%s'", (int)len, p, why, frag);
    assert_int_equal(o, off);
}
#define BAD(lit, frag, off) bad_path(lit, sizeof lit - 1, frag, off)

static void test_path_ok(void **state)
{
    (void)state;
    ok_path("a");
    ok_path("reports/2026/水位.csv");
    ok_path("a.b/.hidden/..x/x..");
    ok_path("with space/and-dash_~!$&'()+,;=@");
    ok_path("😀/ü");
    char seg[SD_OBJ_SEG_MAX + 1];
    memset(seg, 's', SD_OBJ_SEG_MAX);
    seg[SD_OBJ_SEG_MAX] = '\0';
    ok_path(seg);
    char whole[SD_OBJ_PATH_MAX + 2];
    for (size_t i = 0; i < SD_OBJ_PATH_MAX; i++)
        whole[i] = i % 8 == 7 ? '/' : 'w';
    whole[SD_OBJ_PATH_MAX] = '\0';
    whole[SD_OBJ_PATH_MAX - 1] = 'w';
    ok_path(whole);
    whole[SD_OBJ_PATH_MAX] = 'w';
    whole[SD_OBJ_PATH_MAX + 1] = '\0';
    bad_path(whole, SD_OBJ_PATH_MAX + 1, "longer than 1024", SD_OBJ_PATH_MAX);
}

/* Issue 11: a file name (a sheet's ?filename=) kept CR/LF and had no length limit. */
static void bad_name(const char *p, size_t len, const char *frag, size_t off)
{
    const char *why = NULL;
    size_t o = 9999;
    assert_int_equal(sd_objpath_check_name(p, len, &why, &o), SD_EFIELD);
    assert_non_null(why);
    if (!strstr(why, frag))
        fail_msg("'%.*s': reason '%s' lacks '%s'", (int)len, p, why, frag);
    assert_int_equal(o, off);
}
#define BADNAME(lit, frag, off) bad_name(lit, sizeof lit - 1, frag, off)

static void test_file_name(void **state)
{
    (void)state;
    static const char *const good[] = {"sheet.csv", "初期情報設定シート 2026年度.csv",
                                       "a b (1).csv", ".hidden", "x..csv"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_int_equal(sd_objpath_check_name(good[i], strlen(good[i]), NULL, NULL), 0);
    BADNAME("a.csv\r\nX-Injected: 1", "control", 5);
    BADNAME("a\nb.csv", "control", 1);
    BADNAME("a\0b.csv", "NUL", 1);
    BADNAME("a\x7f.csv", "control", 1);
    BADNAME("dir/a.csv", "'/'", 3);
    BADNAME("a\\b.csv", "backslash", 1);
    BADNAME("..", "'..'", 0);
    BADNAME("", "empty", 0);
    BADNAME("a\xff.csv", "UTF-8", 1);
    BADNAME("a\xe2\x80\xa8"
            "b",
            "line separator", 1);               /* U+2028 */
    BADNAME("x\xe2\x80\xaetxt.exe", "bidi", 1); /* U+202E right-to-left override */
    char name[SD_OBJ_SEG_MAX + 2];
    memset(name, 'n', sizeof name);
    assert_int_equal(sd_objpath_check_name(name, SD_OBJ_SEG_MAX, NULL, NULL), 0);
    bad_name(name, SD_OBJ_SEG_MAX + 1, "longer than 255", SD_OBJ_SEG_MAX);
    bad_name(name, 5000, "longer than 255", SD_OBJ_SEG_MAX);
    /* paths refuse the separators and bidi controls too */
    BAD("a/\xe2\x80\xa9", "line separator", 2);
    BAD("\xe2\x81\xa6x", "bidi", 0);
}

static void test_path_refused(void **state)
{
    (void)state;
    assert_int_equal(sd_objpath_check(NULL, 0, NULL, NULL), SD_EFIELD);
    BAD("", "empty", 0);
    BAD("/a", "start with '/'", 0);
    BAD("a/", "end with '/'", 2);
    BAD("a//b", "empty segment", 2);
    BAD(".", "'..'", 0);
    BAD("..", "'..'", 0);
    BAD("a/../b", "'..'", 2);
    BAD("a/./b", "'..'", 2);
    BAD("a/..", "'..'", 2);
    BAD("a\\b", "backslash", 1);
    BAD("..\\x", "backslash", 2);
    BAD("a\nb", "control", 1);
    BAD("a\x1f", "control", 1);
    BAD("a\x7f", "control", 1);
    BAD("a\xc2\x85", "control", 1); /* U+0085 NEL, a C1 control */
    BAD("a\0b", "NUL", 1);
    BAD("a\xff", "UTF-8", 1);
    BAD("a\xc0\xaf", "UTF-8", 1);                /* overlong '/' */
    BAD("\xe0\x80\xae\xe0\x80\xae", "UTF-8", 0); /* overlong '.' */
    BAD("a\xed\xa0\x80", "UTF-8", 1);            /* surrogate */
    BAD("a\xf4\x90\x80\x80", "UTF-8", 1);        /* > U+10FFFF */
    BAD("a\xe6\xb0", "UTF-8", 1);                /* truncated */
    char seg[SD_OBJ_SEG_MAX + 4] = "x/";
    memset(seg + 2, 's', SD_OBJ_SEG_MAX + 1);
    bad_path(seg, SD_OBJ_SEG_MAX + 3, "255", 2);
    /* prefixes: "" and a trailing '/' are fine, the rest as paths */
    assert_int_equal(sd_objpath_check_prefix("", 0, NULL, NULL), 0);
    assert_int_equal(sd_objpath_check_prefix("a/b/", 4, NULL, NULL), 0);
    assert_int_equal(sd_objpath_check_prefix("a/b", 3, NULL, NULL), 0);
    assert_int_equal(sd_objpath_check_prefix("../", 3, NULL, NULL), SD_EFIELD);
    assert_int_equal(sd_objpath_check_prefix("a//", 3, NULL, NULL), SD_EFIELD);
    assert_int_equal(sd_objpath_check_prefix("/", 1, NULL, NULL), SD_EFIELD);
}

/* ---- the store ------------------------------------------------------------------------------- */

typedef struct {
    sd_test_pf_t base; /* the objects go to base.dir/objs */
    sd_objstore_t *os;
} fx_t;

static int setup(void **state)
{
    fx_t *f = sd_test_pf_new(sizeof *f, SD_TEST_T0);
    sd_test_pf_tenant(&f->base, "a", SD_TENANT_KIND_SHARED_OPERATOR);
    sd_test_pf_tenant(&f->base, "b", SD_TENANT_KIND_SHARED_OPERATOR);
    char url[300];
    snprintf(url, sizeof url, "file://%s/objs?quota=1000", f->base.dir);
    assert_int_equal(sd_objstore_open(url, NULL, 0, f->base.st, &f->os), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    sd_objstore_close(f->os);
    return sd_test_pf_teardown(state);
}

/* Upload data in two chunks to tenant/path; the rc of the commit. */
static int put(fx_t *f, int64_t tenant, const char *path, const char *data, int *created,
               sd_objstore_info_t *in)
{
    int64_t room = 0;
    assert_int_equal(sd_objstore_room(f->os, tenant, path, &room), 0);
    sd_objstore_put_t *up = NULL;
    assert_int_equal(sd_objstore_put_begin(f->os, tenant, room, &up), 0);
    size_t n = strlen(data), h = n / 2;
    int rc = sd_objstore_put_write(up, data, h);
    if (!rc)
        rc = sd_objstore_put_write(up, data + h, n - h);
    if (rc) {
        sd_objstore_put_free(up);
        return rc;
    }
    assert_int_equal(sd_objstore_put_size(up), (int64_t)n);
    return sd_objstore_commit(f->os, up, tenant, path, 1234, in, created);
}

static char *slurp(const char *file)
{
    FILE *fp = fopen(file, "rb");
    assert_non_null(fp);
    static char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static int count_item(const char *path, const sd_objstore_info_t *in, void *ctx)
{
    (void)in;
    char *acc = ctx;
    strcat(acc, path);
    strcat(acc, ";");
    return 0;
}

static void test_store(void **state)
{
    fx_t *f = *state;
    sd_objstore_info_t in = {0};
    int created = 0;
    char local[4096];
    /* sha256("hello\n"), as sha256sum prints it */
    const char *h = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    assert_int_equal(put(f, 2, "notes/a.txt", "hello\n", &created, &in), 0);
    assert_int_equal(created, 1);
    assert_string_equal(in.sha256, h);
    assert_int_equal(in.size, 6);
    assert_int_equal(in.updated_ms, 1234);
    assert_int_equal(sd_objstore_stat(f->os, 2, "notes/a.txt", &in), 0);
    assert_string_equal(in.sha256, h);
    assert_int_equal(sd_objstore_blob_path(f->os, 2, in.sha256, local, sizeof local), 0);
    assert_string_equal(slurp(local), "hello\n");
    assert_non_null(strstr(local, "/t2/58/"));
    /* the other tenant has nothing, not even by hash */
    assert_int_equal(sd_objstore_stat(f->os, 3, "notes/a.txt", &in), SD_ENOTFOUND);
    assert_int_equal(sd_objstore_blob_path(f->os, 3, h, local, sizeof local), SD_ENOTFOUND);
    assert_int_equal(sd_objstore_blob_path(f->os, 2, "../../etc/passwd", local, sizeof local),
                     SD_ENOTFOUND);
    assert_int_equal(sd_objstore_delete(f->os, 3, "notes/a.txt"), SD_ENOTFOUND);
    /* same content twice shares a blob; replacing keeps it while referenced */
    assert_int_equal(put(f, 2, "notes/b.txt", "hello\n", &created, &in), 0);
    assert_int_equal(put(f, 2, "notes/a.txt", "other", &created, &in), 0);
    assert_int_equal(created, 0);
    assert_int_equal(sd_objstore_blob_path(f->os, 2, h, local, sizeof local), 0);
    assert_int_equal(put(f, 2, "z", "", &created, &in), 0);
    assert_string_equal(in.sha256,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    char acc[256] = "";
    assert_int_equal(sd_objstore_list(f->os, 2, "", NULL, 100, count_item, acc), 0);
    assert_string_equal(acc, "notes/a.txt;notes/b.txt;z;");
    acc[0] = '\0';
    assert_int_equal(sd_objstore_list(f->os, 2, "notes/", "notes/a.txt", 100, count_item, acc), 0);
    assert_string_equal(acc, "notes/b.txt;");
    acc[0] = '\0';
    assert_int_equal(sd_objstore_list(f->os, 2, NULL, NULL, 1, count_item, acc), 0);
    assert_string_equal(acc, "notes/a.txt;");
    acc[0] = '\0';
    assert_int_equal(sd_objstore_list(f->os, 3, "", NULL, 100, count_item, acc), 0);
    assert_string_equal(acc, "");
    int64_t used = 0;
    assert_int_equal(sd_objstore_usage(f->os, 2, &used), 0);
    assert_int_equal(used, 11);
    /* delete: the blob goes with its last path */
    assert_int_equal(sd_objstore_delete(f->os, 2, "notes/b.txt"), 0);
    assert_int_equal(sd_objstore_blob_path(f->os, 2, h, local, sizeof local), SD_ENOTFOUND);
    assert_int_equal(sd_objstore_delete(f->os, 2, "notes/b.txt"), SD_ENOTFOUND);
    assert_int_equal(sd_objstore_stat(f->os, 2, "notes/a.txt", &in), 0);
    assert_int_equal(in.size, 5);
    /* no temporary files left behind */
    char tmpd[300];
    snprintf(tmpd, sizeof tmpd, "%s/objs/t2/tmp", f->base.dir);
    assert_int_equal(rmdir(tmpd), 0);
}

/* ---- encryption at rest (§2.5) --------------------------------------------------------------- */

static const unsigned char K[32] = "0123456789abcdef0123456789abcde";

/* A blob of n bytes (a repeated marker) straight into the store: its sha256 in sha. */
static void blob(sd_objstore_t *os, int64_t tenant, size_t n, char sha[SD_OBJ_SHA256_HEX])
{
    sd_objstore_put_t *up = NULL;
    int64_t size = 0;
    assert_int_equal(sd_objstore_put_begin(os, tenant, -1, &up), 0);
    static const char mark[] = "PLAINTEXT-MARKER-0123456789";
    for (size_t i = 0; i < n; i += sizeof mark - 1)
        assert_int_equal(
            sd_objstore_put_write(up, mark, n - i < sizeof mark - 1 ? n - i : sizeof mark - 1), 0);
    assert_int_equal(sd_objstore_put_finish(up, &size, sha), 0);
    sd_objstore_put_free(up);
    assert_int_equal(size, (int64_t)n);
}

static size_t file_bytes(const char *path, unsigned char **out)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    *out = malloc((size_t)n + 1);
    assert_int_equal(fread(*out, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return (size_t)n;
}

static void file_put(const char *path, const unsigned char *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

/* Read blob sha of tenant whole: its rc, the bytes read in *n. */
static int read_all(sd_objstore_t *os, int64_t tenant, const char *sha, size_t *n, char *why)
{
    sd_objstore_blob_t *b = NULL;
    *n = 0;
    int rc = sd_objstore_blob_open(os, tenant, sha, &b);
    for (size_t len = 1; !rc && len;) {
        const unsigned char *d;
        rc = sd_objstore_blob_read(b, &d, &len);
        *n += len;
    }
    if (why)
        snprintf(why, 256, "%s", b ? sd_objstore_blob_error(b) : "");
    sd_objstore_blob_close(b);
    return rc;
}

static void test_sealed(void **state)
{
    fx_t *f = *state;
    char old[SD_OBJ_SHA256_HEX], big[SD_OBJ_SHA256_HEX], small[SD_OBJ_SHA256_HEX];
    char p[600], q[600], local[600], why[256];
    unsigned char *b = NULL;
    size_t n = 0;
    /* a blob from before encryption: plaintext on disk, sealed in place at sd_objstore_seal() */
    blob(f->os, 2, 1000, old);
    snprintf(p, sizeof p, "%s/objs/t2/%.2s/%s", f->base.dir, old, old);
    n = file_bytes(p, &b);
    assert_non_null(memmem(b, n, "PLAINTEXT-MARKER", 16));
    free(b);
    int64_t migrated = 0;
    assert_int_equal(sd_objstore_seal(f->os, K, &migrated), 0);
    assert_int_equal(migrated, 1);
    assert_int_equal(sd_objstore_seal(f->os, K, &migrated), 0);
    assert_int_equal(migrated, 0); /* once */
    n = file_bytes(p, &b);
    assert_true(sd_seal_is_sealed(b, n));
    assert_null(memmem(b, n, "PLAINTEXT-MARKER", 16));
    free(b);
    assert_int_equal(read_all(f->os, 2, old, &n, NULL), 0);
    assert_int_equal(n, 1000);
    /* new blobs: several chunks, streamed, none of it readable on disk */
    blob(f->os, 2, 3 * SD_SEAL_CHUNK + 5, big);
    blob(f->os, 2, SD_SEAL_CHUNK, small); /* exactly one chunk: an empty FINAL follows */
    snprintf(p, sizeof p, "%s/objs/t2/%.2s/%s", f->base.dir, big, big);
    n = file_bytes(p, &b);
    assert_null(memmem(b, n, "PLAINTEXT-MARKER", 16));
    assert_int_equal(read_all(f->os, 2, big, &n, NULL), 0);
    assert_int_equal(n, 3 * SD_SEAL_CHUNK + 5);
    assert_int_equal(read_all(f->os, 2, small, &n, NULL), 0);
    assert_int_equal(n, SD_SEAL_CHUNK);
    /* a sealed blob's file is ciphertext: never handed out to be served (replies stream it) */
    assert_int_equal(sd_objstore_blob_path(f->os, 2, old, local, sizeof local), SD_EUNSUPPORTED);
    /* one flipped byte: a clear error at its offset, and nothing served */
    size_t len = 0;
    unsigned char *t = NULL;
    len = file_bytes(p, &t);
    t[SD_SEAL_HDR + SD_SEAL_CHUNK + 17 + 10] ^= 1;
    file_put(p, t, len);
    assert_int_equal(read_all(f->os, 2, big, &n, why), SD_EDECRYPT);
    assert_non_null(strstr(why, "offset 65585")); /* the second chunk */
    /* truncated after a whole chunk: the FINAL one is missing */
    file_put(p, b, SD_SEAL_HDR + SD_SEAL_CHUNK + 17);
    assert_int_equal(read_all(f->os, 2, big, &n, why), SD_ESYNTAX);
    assert_non_null(strstr(why, "truncated"));
    file_put(p, b, len); /* restored */
    free(t);
    assert_int_equal(read_all(f->os, 2, big, &n, NULL), 0);
    /* moved to the other tenant: does not open there */
    snprintf(q, sizeof q, "%s/objs/t3", f->base.dir);
    mkdir(q, 0700);
    snprintf(q, sizeof q, "%s/objs/t3/%.2s", f->base.dir, big);
    mkdir(q, 0700);
    snprintf(q, sizeof q, "%s/objs/t3/%.2s/%s", f->base.dir, big, big);
    file_put(q, b, len);
    assert_int_equal(read_all(f->os, 3, big, &n, why), SD_EDECRYPT);
    /* renamed inside the tenant: the FINAL chunk names its blob */
    snprintf(q, sizeof q, "%s/objs/t2/%.2s/%s", f->base.dir, small, small);
    file_put(q, b, len);
    assert_int_equal(read_all(f->os, 2, small, &n, why), SD_EDECRYPT);
    free(b);
    /* a sealed blob in a store without the key is never served as it is */
    sd_objstore_t *plain = NULL;
    snprintf(q, sizeof q, "file://%s/objs", f->base.dir);
    assert_int_equal(sd_objstore_open(q, NULL, 0, f->base.st, &plain), 0);
    assert_int_equal(read_all(plain, 2, old, &n, NULL), SD_EDECRYPT);
    sd_objstore_close(plain);
}

static void test_quota(void **state)
{
    fx_t *f = *state;
    sd_objstore_info_t in = {0};
    int created = 0;
    char big[1001];
    memset(big, 'q', 600);
    big[600] = '\0';
    assert_int_equal(put(f, 2, "a", big, &created, &in), 0);
    int64_t room = 0;
    assert_int_equal(sd_objstore_room(f->os, 2, "b", &room), 0);
    assert_int_equal(room, 400);
    assert_int_equal(sd_objstore_room(f->os, 2, "a", &room), 0);
    assert_int_equal(room, 1000); /* replacing a frees its bytes */
    assert_int_equal(put(f, 2, "b", big, &created, &in), SD_ETOOBIG);
    assert_int_equal(sd_objstore_stat(f->os, 2, "b", &in), SD_ENOTFOUND);
    /* replacing within the quota is fine, and the other tenant has its own */
    memset(big, 'r', 1000);
    big[1000] = '\0';
    assert_int_equal(put(f, 2, "a", big, &created, &in), 0);
    assert_int_equal(put(f, 3, "a", big, &created, &in), 0);
    /* a commit re-checks the quota (another upload may have used the room meanwhile) */
    sd_objstore_put_t *up = NULL;
    assert_int_equal(sd_objstore_put_begin(f->os, 3, -1, &up), 0);
    assert_int_equal(sd_objstore_put_write(up, "x", 1), 0);
    assert_int_equal(sd_objstore_commit(f->os, up, 3, "b", 1, &in, &created), SD_ETOOBIG);
    /* an aborted upload leaves nothing */
    assert_int_equal(sd_objstore_put_begin(f->os, 3, 10, &up), 0);
    assert_int_equal(sd_objstore_put_write(up, "12345678901", 11), SD_ETOOBIG);
    sd_objstore_put_free(up);
    char tmpd[300];
    snprintf(tmpd, sizeof tmpd, "%s/objs/t3/tmp", f->base.dir);
    assert_int_equal(rmdir(tmpd), 0);
}

static void test_open(void **state)
{
    (void)state;
    sd_objstore_t *os = NULL;
    assert_int_equal(sd_objstore_open("s3://bucket", NULL, 0, NULL, &os), SD_ECONFIG);
    assert_int_equal(sd_objstore_open("file://relative", NULL, 0, NULL, &os), SD_ECONFIG);
    assert_int_equal(sd_objstore_open("file:///tmp/x?quota=-1", NULL, 0, NULL, &os), SD_ECONFIG);
    assert_int_equal(sd_objstore_open("file:///tmp/x?quota=1k", NULL, 0, NULL, &os), SD_ECONFIG);
    assert_int_equal(sd_objstore_open("file:///tmp/../x", NULL, 0, NULL, &os), SD_ECONFIG);
    assert_int_equal(sd_objstore_open(NULL, "relative", 0, NULL, &os), SD_ECONFIG);
    assert_null(os);
}

/* Uploads a crash left behind go at the next start once an hour old; fresh ones stay. */
static void test_sweep_stale_uploads(void **state)
{
    fx_t *f = *state;
    char tmp[400], stale[450], fresh[450], url[300];
    snprintf(tmp, sizeof tmp, "%s/objs/t1/tmp", f->base.dir);
    char cmd[500];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", tmp);
    assert_int_equal(system(cmd), 0);
    snprintf(stale, sizeof stale, "%s/up-stale1", tmp);
    snprintf(fresh, sizeof fresh, "%s/up-fresh1", tmp);
    FILE *a = fopen(stale, "w"), *b = fopen(fresh, "w");
    assert_non_null(a);
    assert_non_null(b);
    fputs("half an upload", a);
    fputs("an upload under way", b);
    fclose(a);
    fclose(b);
    struct timespec old[2] = {{time(NULL) - 7200, 0}, {time(NULL) - 7200, 0}};
    assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
    sd_objstore_close(f->os);
    snprintf(url, sizeof url, "file://%s/objs?quota=1000", f->base.dir);
    assert_int_equal(sd_objstore_open(url, NULL, 0, f->base.st, &f->os), 0);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_ok),
        cmocka_unit_test(test_path_refused),
        cmocka_unit_test(test_file_name),
        cmocka_unit_test(test_open),
        cmocka_unit_test_setup_teardown(test_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_stale_uploads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
