/* objstore.c - the blob store behind AP-IF files: ops table, file-system backend, metadata, quota.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/data/objstore.h"
#include "pf/data/seal.h"

/* ---- the ops table: what a backend provides -------------------------------------------------- */

typedef struct {
    /* a new temporary blob of tenant for writing; *w is the backend's writer */
    int (*tmp_open)(void *be, int64_t tenant, void **w);
    int (*tmp_write)(void *w, const void *data, size_t len);
    /* make the temporary blob durable under its content address; frees w either way */
    int (*publish)(void *w, const char *sha256);
    /* drop the temporary blob; frees w */
    void (*discard)(void *w);
    int (*local_path)(void *be, int64_t tenant, const char *sha256, char *buf, size_t n);
    int (*remove)(void *be, int64_t tenant, const char *sha256);
    void (*close)(void *be);
} objstore_ops_t;

struct sd_objstore {
    const objstore_ops_t *ops;
    void *be;
    sd_store_t *db;
    int64_t quota;
    /* serialises "publish + record" against "unrecord + remove" so a blob shared by two paths is
     * never removed between another upload's publish and its record */
    pthread_mutex_t mu;
    /* §2.5: blobs sealed under their tenant's key (sd_objstore_seal) */
    int sealed;
    unsigned char master[SD_SEAL_KEY];
};

struct sd_objstore_put {
    sd_objstore_t *os;
    void *w;
    int64_t size, limit, tenant;
    crypto_hash_sha256_state h;
    sd_seal_w_t *sw; /* sealing on: plaintext goes through it to the backend */
    int failed;
};

struct sd_objstore_blob {
    int fd;
    sd_seal_r_t *r; /* NULL: a plaintext blob (from before sealing, or sealing off) */
    crypto_hash_sha256_state h;
    char sha[SD_OBJ_SHA256_HEX];
    char err[256];
    int done;
    unsigned char buf[SD_SEAL_CHUNK];
};

/* ---- file-system backend ----------------------------------------------------------------------
 */

#define ROOT_MAX (PATH_MAX - 256) /* room for "/t<id>/<2>/<sha256>" after the root */

typedef struct {
    char root[ROOT_MAX];
} fs_be_t;

typedef struct {
    fs_be_t *be;
    int64_t tenant;
    int fd;
    char tmp[PATH_MAX];
} fs_w_t;

static int mkdir_ok(const char *p)
{
    return mkdir(p, 0750) == 0 || errno == EEXIST ? 0 : SD_EIO;
}

static int fsync_dir(const char *p)
{
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SD_EIO;
    int rc = fsync(fd) == 0 ? 0 : SD_EIO;
    close(fd);
    return rc;
}

static int fs_tmp_open(void *bev, int64_t tenant, void **out)
{
    fs_be_t *be = bev;
    fs_w_t *w = calloc(1, sizeof *w);
    if (!w)
        return SD_ENOMEM;
    w->be = be;
    w->tenant = tenant;
    char d[PATH_MAX - 64];
    snprintf(d, sizeof d, "%s/t%" PRId64, be->root, tenant);
    int rc = mkdir_ok(d);
    snprintf(d, sizeof d, "%s/t%" PRId64 "/tmp", be->root, tenant);
    if (!rc)
        rc = mkdir_ok(d);
    snprintf(w->tmp, sizeof w->tmp, "%s/up-XXXXXX", d);
    if (!rc && (w->fd = mkostemp(w->tmp, O_CLOEXEC)) < 0)
        rc = SD_EIO;
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static int fs_tmp_write(void *wv, const void *data, size_t len)
{
    fs_w_t *w = wv;
    const char *p = data;
    while (len) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SD_EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void fs_discard(void *wv)
{
    fs_w_t *w = wv;
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    unlink(w->tmp);
    free(w);
}

static int fs_publish(void *wv, const char *sha)
{
    fs_w_t *w = wv;
    char d[PATH_MAX - 96], f[PATH_MAX];
    snprintf(d, sizeof d, "%s/t%" PRId64 "/%.2s", w->be->root, w->tenant, sha);
    snprintf(f, sizeof f, "%s/%s", d, sha);
    /* data on disk before the name: a crash never leaves a named blob with missing bytes */
    int rc = fsync(w->fd) == 0 ? 0 : SD_EIO;
    if (!rc)
        rc = mkdir_ok(d);
    if (!rc && rename(w->tmp, f) != 0)
        rc = SD_EIO;
    if (!rc) {
        close(w->fd);
        w->fd = -1;
        free(w);
        return fsync_dir(d);
    }
    fs_discard(w);
    return rc;
}

static int fs_local_path(void *bev, int64_t tenant, const char *sha, char *buf, size_t n)
{
    fs_be_t *be = bev;
    int k = snprintf(buf, n, "%s/t%" PRId64 "/%.2s/%s", be->root, tenant, sha, sha);
    if (k < 0 || (size_t)k >= n)
        return SD_EINVAL;
    return access(buf, R_OK) == 0 ? 0 : SD_ENOTFOUND;
}

static int fs_remove(void *bev, int64_t tenant, const char *sha)
{
    char f[PATH_MAX];
    int rc = fs_local_path(bev, tenant, sha, f, sizeof f);
    if (rc)
        return rc;
    return unlink(f) == 0 || errno == ENOENT ? 0 : SD_EIO;
}

static void fs_close(void *be)
{
    free(be);
}

static const objstore_ops_t fs_ops = {fs_tmp_open,   fs_tmp_write, fs_publish, fs_discard,
                                      fs_local_path, fs_remove,    fs_close};

/* mkdir -p of an absolute directory. */
static int mkdirs(const char *dir)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return SD_ECONFIG;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int rc = mkdir_ok(p);
        *s = '/';
        if (rc)
            return rc;
    }
    return mkdir_ok(p);
}

/*
 * Uploads left half-written by a crash (t<tenant>/tmp/up-*): removed at start-up once they are
 * an hour old, so that an upload another process has under way is left alone.
 */
static void sweep_uploads(const char *root, time_t now)
{
    DIR *d = opendir(root);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] != 't' || !e->d_name[1] ||
            strspn(e->d_name + 1, "0123456789") != strlen(e->d_name + 1))
            continue;
        char tmp[PATH_MAX];
        if (snprintf(tmp, sizeof tmp, "%s/%s/tmp", root, e->d_name) >= (int)sizeof tmp)
            continue;
        DIR *t = opendir(tmp);
        struct dirent *u;
        while (t && (u = readdir(t))) {
            char f[PATH_MAX];
            struct stat st;
            if (strncmp(u->d_name, "up-", 3) ||
                snprintf(f, sizeof f, "%s/%s", tmp, u->d_name) >= (int)sizeof f)
                continue;
            if (lstat(f, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime >= 3600)
                unlink(f);
        }
        if (t)
            closedir(t);
    }
    if (d)
        closedir(d);
}

/* ---- open / close -----------------------------------------------------------------------------
 */

int sd_objstore_open(const char *url, const char *default_dir, int64_t quota, sd_store_t *db,
                     sd_objstore_t **out)
{
    *out = NULL;
    char dir[ROOT_MAX];
    const char *q = NULL;
    if (!url || !*url) {
        if (!default_dir || default_dir[0] != '/')
            return SD_ECONFIG;
        snprintf(dir, sizeof dir, "%s", default_dir);
    } else {
        if (strncmp(url, "file://", 7) != 0 || url[7] != '/')
            return SD_ECONFIG; /* only the file backend exists so far */
        q = strchr(url, '?');
        size_t n = q ? (size_t)(q - url) - 7 : strlen(url + 7);
        if (n >= sizeof dir)
            return SD_ECONFIG;
        memcpy(dir, url + 7, n);
        dir[n] = '\0';
    }
    if (q) {
        char *end = NULL;
        if (strncmp(q, "?quota=", 7) != 0)
            return SD_ECONFIG;
        errno = 0;
        long long v = strtoll(q + 7, &end, 10);
        if (errno || end == q + 7 || *end || v < 0)
            return SD_ECONFIG;
        quota = v;
    }
    if (quota < 0)
        return SD_ECONFIG;
    if (strstr(dir, "/../") || strstr(dir, "/./"))
        return SD_ECONFIG;
    int rc = mkdirs(dir);
    if (rc)
        return rc;
    sweep_uploads(dir, time(NULL));
    sd_objstore_t *os = calloc(1, sizeof *os);
    fs_be_t *be = calloc(1, sizeof *be);
    if (!os || !be) {
        free(os);
        free(be);
        return SD_ENOMEM;
    }
    snprintf(be->root, sizeof be->root, "%s", dir);
    os->ops = &fs_ops;
    os->be = be;
    os->db = db;
    os->quota = quota;
    pthread_mutex_init(&os->mu, NULL);
    *out = os;
    return 0;
}

int sd_objstore_open_default(const char *url, const char *data_dir, sd_store_t *db,
                             sd_objstore_t **out)
{
    char dir[PATH_MAX];
    *out = NULL;
    if (snprintf(dir, sizeof dir, "%s/objects", data_dir) >= (int)sizeof dir)
        return SD_ECONFIG;
    int rc = sd_objstore_open(url, dir, (int64_t)1 << 30, db, out);
    if (rc)
        sd_error("objects.url: cannot open the object store: %s", sd_strerror(rc));
    return rc;
}

void sd_objstore_close(sd_objstore_t *os)
{
    if (!os)
        return;
    os->ops->close(os->be);
    pthread_mutex_destroy(&os->mu);
    sodium_memzero(os->master, sizeof os->master);
    free(os);
}

int64_t sd_objstore_quota(const sd_objstore_t *os)
{
    return os->quota;
}

/* ---- uploads ----------------------------------------------------------------------------------
 */

/* The sealed bytes of an upload, to the backend's temporary blob. */
static int put_out(void *ctx, const void *data, size_t len)
{
    sd_objstore_put_t *up = ctx;
    return up->os->ops->tmp_write(up->w, data, len);
}

/* The associated data of a blob's FINAL chunk: its tenant and name. */
static void final_ad(int64_t tenant, const char *sha, char *buf, size_t n)
{
    snprintf(buf, n, "t%" PRId64 "/%s", tenant, sha);
}

int sd_objstore_put_begin(sd_objstore_t *os, int64_t tenant, int64_t limit, sd_objstore_put_t **out)
{
    *out = NULL;
    if (tenant <= 0)
        return SD_EINVAL;
    sd_objstore_put_t *up = calloc(1, sizeof *up);
    if (!up)
        return SD_ENOMEM;
    int rc = os->ops->tmp_open(os->be, tenant, &up->w);
    if (rc) {
        free(up);
        return rc;
    }
    up->os = os;
    up->limit = limit;
    up->tenant = tenant;
    crypto_hash_sha256_init(&up->h);
    if (os->sealed) {
        unsigned char k[SD_SEAL_KEY];
        char ad[32];
        snprintf(ad, sizeof ad, "t%" PRId64, tenant);
        sd_seal_tenant_key(os->master, "suidoblb", tenant, k);
        rc = sd_seal_w_new(k, ad, put_out, up, &up->sw);
        sodium_memzero(k, sizeof k);
        if (rc) {
            sd_objstore_put_free(up);
            return rc;
        }
    }
    *out = up;
    return 0;
}

int sd_objstore_put_write(sd_objstore_put_t *up, const void *data, size_t len)
{
    if (!up->w || up->failed)
        return SD_EINVAL;
    if (up->limit >= 0 && (uint64_t)len > (uint64_t)(up->limit - up->size)) {
        up->failed = 1;
        return SD_ETOOBIG;
    }
    int rc = up->sw ? sd_seal_w_write(up->sw, data, len) : up->os->ops->tmp_write(up->w, data, len);
    if (rc) {
        up->failed = 1;
        return rc;
    }
    crypto_hash_sha256_update(&up->h, data, len);
    up->size += (int64_t)len;
    return 0;
}

int64_t sd_objstore_put_size(const sd_objstore_put_t *up)
{
    return up->size;
}

int sd_objstore_put_finish(sd_objstore_put_t *up, int64_t *size, char sha256[SD_OBJ_SHA256_HEX])
{
    if (!up->w || up->failed)
        return SD_EINVAL;
    unsigned char md[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&up->h, md);
    sodium_bin2hex(sha256, SD_OBJ_SHA256_HEX, md, sizeof md);
    if (up->sw) {
        char ad[SD_OBJ_SHA256_HEX + 32];
        final_ad(up->tenant, sha256, ad, sizeof ad);
        int rc = sd_seal_w_finish(up->sw, ad);
        if (rc) {
            up->failed = 1;
            return rc;
        }
    }
    void *w = up->w;
    up->w = NULL;
    *size = up->size;
    return up->os->ops->publish(w, sha256);
}

void sd_objstore_put_free(sd_objstore_put_t *up)
{
    if (!up)
        return;
    if (up->w)
        up->os->ops->discard(up->w);
    sd_seal_w_free(up->sw);
    free(up);
}

int sd_objstore_blob_open(sd_objstore_t *os, int64_t tenant, const char *sha256,
                          sd_objstore_blob_t **out)
{
    char path[PATH_MAX];
    *out = NULL;
    if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return SD_ENOTFOUND;
    if (!os->ops->local_path)
        return SD_EUNSUPPORTED;
    int rc = os->ops->local_path(os->be, tenant, sha256, path, sizeof path);
    if (rc)
        return rc;
    sd_objstore_blob_t *b = calloc(1, sizeof *b);
    if (!b)
        return SD_ENOMEM;
    memcpy(b->sha, sha256, SD_OBJ_SHA256_HEX);
    crypto_hash_sha256_init(&b->h);
    if ((b->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        free(b);
        return errno == ENOENT ? SD_ENOTFOUND : SD_EIO;
    }
    unsigned char head[SD_SEAL_MAGIC_LEN];
    ssize_t got = pread(b->fd, head, sizeof head, 0);
    if (got > 0 && sd_seal_is_sealed(head, (size_t)got)) {
        unsigned char k[SD_SEAL_KEY];
        char ad[32], fad[SD_OBJ_SHA256_HEX + 32];
        snprintf(ad, sizeof ad, "t%" PRId64, tenant);
        final_ad(tenant, sha256, fad, sizeof fad);
        sd_seal_tenant_key(os->master, "suidoblb", tenant, k);
        rc = os->sealed ? sd_seal_r_new(k, ad, sd_seal_fd_in, &b->fd, &b->r, b->err, sizeof b->err)
                        : SD_EDECRYPT; /* sealed, and no key given: never serve ciphertext */
        sodium_memzero(k, sizeof k);
        if (!rc)
            rc = sd_seal_r_final_ad(b->r, fad);
        if (rc) {
            sd_error("objects: t%" PRId64 "/%s does not open: %s", tenant, sha256,
                     os->sealed ? b->err : "sealed, but the store has no key");
            sd_objstore_blob_close(b);
            return rc;
        }
    }
    *out = b;
    return 0;
}

int sd_objstore_blob_read(sd_objstore_blob_t *b, const unsigned char **data, size_t *len)
{
    *len = 0;
    *data = b->buf;
    if (b->done)
        return b->done == 1 ? 0 : SD_EINVAL;
    int rc = 0;
    if (b->r) {
        if ((rc = sd_seal_r_read(b->r, data, len)) != 0)
            snprintf(b->err, sizeof b->err, "%s", sd_seal_r_error(b->r));
    } else {
        rc = sd_seal_fd_in(&b->fd, b->buf, sizeof b->buf, len);
    }
    if (!rc && *len)
        crypto_hash_sha256_update(&b->h, *data, *len);
    if (!rc && !*len) {
        /* the content address is checked too: a blob renamed inside its tenant is caught here */
        unsigned char md[crypto_hash_sha256_BYTES];
        char hex[SD_OBJ_SHA256_HEX];
        crypto_hash_sha256_final(&b->h, md);
        sodium_bin2hex(hex, sizeof hex, md, sizeof md);
        if (strcmp(hex, b->sha) != 0) {
            snprintf(b->err, sizeof b->err, "its content has SHA-256 %s", hex);
            rc = SD_ECONFLICT;
        }
    }
    b->done = rc ? 2 : !*len ? 1 : 0;
    return rc;
}

const char *sd_objstore_blob_error(const sd_objstore_blob_t *b)
{
    return b->err;
}

void sd_objstore_blob_close(sd_objstore_blob_t *b)
{
    if (!b)
        return;
    if (b->fd >= 0)
        close(b->fd);
    sd_seal_r_free(b->r);
    sodium_memzero(b->buf, sizeof b->buf);
    free(b);
}

int sd_objstore_blob_path(sd_objstore_t *os, int64_t tenant, const char *sha256, char *buf,
                          size_t n)
{
    if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return SD_ENOTFOUND;
    /* a sealed blob's file is ciphertext: never something to serve or read as it is */
    if (!os->ops->local_path || os->sealed)
        return SD_EUNSUPPORTED;
    return os->ops->local_path(os->be, tenant, sha256, buf, n);
}

/* Seal one plaintext blob file f of tenant in place (tmp beside it, fsync, rename). */
static int seal_in_place(sd_objstore_t *os, int64_t tenant, const char *f, const char *sha)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.seal", f);
    int in = open(f, O_RDONLY | O_CLOEXEC), out = -1, rc = 0;
    if (in < 0)
        return SD_EIO;
    unsigned char head[SD_SEAL_MAGIC_LEN];
    ssize_t hn = pread(in, head, sizeof head, 0);
    if (hn > 0 && sd_seal_is_sealed(head, (size_t)hn)) {
        close(in);
        return 1; /* already sealed */
    }
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    unsigned char k[SD_SEAL_KEY];
    char ad[32], fad[SD_OBJ_SHA256_HEX + 32];
    snprintf(ad, sizeof ad, "t%" PRId64, tenant);
    final_ad(tenant, sha, fad, sizeof fad);
    sd_seal_tenant_key(os->master, "suidoblb", tenant, k);
    sd_seal_w_t *w = NULL;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    rc = out < 0 ? SD_EIO : sd_seal_w_new(k, ad, sd_seal_fd_out, &out, &w);
    sodium_memzero(k, sizeof k);
    static _Thread_local unsigned char buf[SD_SEAL_CHUNK];
    for (size_t got = 1; !rc && got;)
        if (!(rc = sd_seal_fd_in(&in, buf, sizeof buf, &got)) && got) {
            crypto_hash_sha256_update(&h, buf, got);
            rc = sd_seal_w_write(w, buf, got);
        }
    unsigned char md[crypto_hash_sha256_BYTES];
    char hex[SD_OBJ_SHA256_HEX];
    crypto_hash_sha256_final(&h, md);
    sodium_bin2hex(hex, sizeof hex, md, sizeof md);
    /* only what is what its name says: anything else is left for an operator to look at */
    if (!rc && strcmp(hex, sha) != 0)
        rc = SD_ECONFLICT;
    if (!rc)
        rc = sd_seal_w_finish(w, fad);
    sd_seal_w_free(w);
    if (!rc && fsync(out) != 0)
        rc = SD_EIO;
    close(in);
    if (out >= 0 && close(out) != 0 && !rc)
        rc = SD_EIO;
    if (!rc && rename(tmp, f) != 0)
        rc = SD_EIO;
    if (rc)
        unlink(tmp);
    return rc;
}

int sd_objstore_seal(sd_objstore_t *os, const unsigned char master[32], int64_t *migrated)
{
    memcpy(os->master, master, SD_SEAL_KEY);
    os->sealed = 1;
    *migrated = 0;
    if (os->ops != &fs_ops)
        return 0;
    /* blobs stored before sealing are sealed now, once: afterwards every blob on disk is sealed */
    fs_be_t *be = os->be;
    DIR *d = opendir(be->root);
    struct dirent *e;
    int rc = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] != 't' || !e->d_name[1] ||
            strspn(e->d_name + 1, "0123456789") != strlen(e->d_name + 1))
            continue;
        int64_t tenant = strtoll(e->d_name + 1, NULL, 10);
        char td[PATH_MAX];
        if (snprintf(td, sizeof td, "%s/%s", be->root, e->d_name) >= (int)sizeof td)
            continue;
        DIR *t = opendir(td);
        struct dirent *p;
        while (t && (p = readdir(t))) {
            if (strlen(p->d_name) != 2 || strspn(p->d_name, "0123456789abcdef") != 2)
                continue;
            char pd[PATH_MAX];
            if (snprintf(pd, sizeof pd, "%s/%s", td, p->d_name) >= (int)sizeof pd)
                continue;
            DIR *q = opendir(pd);
            struct dirent *f;
            while (q && (f = readdir(q))) {
                char fp[PATH_MAX];
                if (strlen(f->d_name) != 64 || strspn(f->d_name, "0123456789abcdef") != 64 ||
                    strncmp(f->d_name, p->d_name, 2) ||
                    snprintf(fp, sizeof fp, "%s/%s", pd, f->d_name) >= (int)sizeof fp)
                    continue;
                int r = seal_in_place(os, tenant, fp, f->d_name);
                if (r == 0)
                    (*migrated)++;
                else if (r < 0) {
                    sd_error("objects: cannot seal %s: %s", fp, sd_strerror(r));
                    rc = r;
                }
            }
            if (q) {
                closedir(q);
                fsync_dir(pd);
            }
        }
        if (t)
            closedir(t);
    }
    if (d)
        closedir(d);
    if (*migrated)
        sd_info("objects: sealed %lld blobs stored before encryption at rest",
                (long long)*migrated);
    return rc;
}

/* ---- metadata ---------------------------------------------------------------------------------
 */

int sd_objstore_usage(sd_objstore_t *os, int64_t tenant, int64_t *bytes)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(os->db,
                                "SELECT COALESCE(SUM(size), 0) FROM objects "
                                "WHERE tenant_id = $1",
                                SD_PARAMS(SD_V_INT(tenant)), &s);
    if (rc)
        return rc;
    *bytes = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return 0;
}

int sd_objstore_stat(sd_objstore_t *os, int64_t tenant, const char *path, sd_objstore_info_t *info)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(os->db,
                                "SELECT size, sha256, updated_at FROM objects "
                                "WHERE tenant_id = $1 AND path = $2",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(path)), &s);
    if (rc)
        return rc;
    info->size = sd_stmt_int64(s, 0);
    const char *h = sd_stmt_text(s, 1, NULL);
    snprintf(info->sha256, sizeof info->sha256, "%s", h ? h : "");
    info->updated_ms = sd_stmt_int64(s, 2);
    sd_stmt_done(s);
    return 0;
}

int sd_objstore_room(sd_objstore_t *os, int64_t tenant, const char *replaced_path, int64_t *room)
{
    if (os->quota <= 0) {
        *room = INT64_MAX;
        return 0;
    }
    int64_t used = 0;
    int rc = sd_objstore_usage(os, tenant, &used);
    sd_objstore_info_t old;
    if (!rc && replaced_path && sd_objstore_stat(os, tenant, replaced_path, &old) == 0)
        used -= old.size;
    if (!rc)
        *room = used >= os->quota ? 0 : os->quota - used;
    return rc;
}

/* Paths of tenant still referring to blob sha. */
static int blob_refs(sd_objstore_t *os, int64_t tenant, const char *sha, int64_t *n)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(os->db,
                                "SELECT COUNT(*) FROM objects WHERE tenant_id = $1 AND sha256 = $2",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(sha)), &s);
    if (rc)
        return rc;
    *n = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return 0;
}

/* Remove blob sha of tenant if no path refers to it (called with mu held). */
static void gc_blob(sd_objstore_t *os, int64_t tenant, const char *sha)
{
    int64_t n = 1;
    if (*sha && blob_refs(os, tenant, sha, &n) == 0 && n == 0)
        os->ops->remove(os->be, tenant, sha);
}

typedef struct {
    sd_objstore_t *os;
    int64_t tenant, size, now_ms;
    const char *path, *sha;
    sd_objstore_info_t old;
    int had;
} commit_t;

/* The row of the new blob, if the tenant's quota still has room for it (replacing the old). */
static int commit_tx(sd_store_t *st, void *ctx)
{
    commit_t *c = ctx;
    c->old = (sd_objstore_info_t){0};
    c->had = sd_objstore_stat(c->os, c->tenant, c->path, &c->old);
    if (c->had && c->had != SD_ENOTFOUND)
        return c->had;
    int64_t used = 0;
    int rc = sd_objstore_usage(c->os, c->tenant, &used);
    if (rc)
        return rc;
    if (c->os->quota > 0 && used - (c->had ? 0 : c->old.size) + c->size > c->os->quota)
        return SD_ETOOBIG;
    return sd_store_exec(st,
                         "INSERT INTO objects (tenant_id, path, size, sha256, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, path) DO UPDATE SET "
                         "size = excluded.size, sha256 = excluded.sha256, "
                         "updated_at = excluded.updated_at",
                         SD_PARAMS(SD_V_INT(c->tenant), SD_V_TEXT(c->path), SD_V_INT(c->size),
                                   SD_V_TEXT(c->sha), SD_V_INT(c->now_ms)),
                         NULL);
}

int sd_objstore_commit(sd_objstore_t *os, sd_objstore_put_t *up, int64_t tenant, const char *path,
                       int64_t now_ms, sd_objstore_info_t *info, int *created)
{
    int64_t size = 0;
    char sha[SD_OBJ_SHA256_HEX] = "";
    *created = 0;
    pthread_mutex_lock(&os->mu);
    int rc = sd_objstore_put_finish(up, &size, sha);
    sd_objstore_put_free(up);
    if (rc)
        goto out;
    commit_t c = {
        .os = os, .tenant = tenant, .size = size, .now_ms = now_ms, .path = path, .sha = sha};
    rc = sd_store_tx(os->db, commit_tx, &c);
    if (rc) {
        gc_blob(os, tenant, sha); /* the new blob, unless another path already shares it */
        goto out;
    }
    *created = c.had == SD_ENOTFOUND;
    info->size = size;
    memcpy(info->sha256, sha, sizeof info->sha256);
    info->updated_ms = now_ms;
    if (!c.had && strcmp(c.old.sha256, sha) != 0)
        gc_blob(os, tenant, c.old.sha256);
out:
    pthread_mutex_unlock(&os->mu);
    return rc;
}

int sd_objstore_delete(sd_objstore_t *os, int64_t tenant, const char *path)
{
    sd_objstore_info_t old;
    pthread_mutex_lock(&os->mu);
    int rc = sd_objstore_stat(os, tenant, path, &old);
    int64_t n = 0;
    if (!rc)
        rc = sd_store_exec(os->db, "DELETE FROM objects WHERE tenant_id = $1 AND path = $2",
                           SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(path)), &n);
    if (!rc && n == 0)
        rc = SD_ENOTFOUND;
    if (!rc)
        gc_blob(os, tenant, old.sha256);
    pthread_mutex_unlock(&os->mu);
    return rc;
}

int sd_objstore_list(sd_objstore_t *os, int64_t tenant, const char *prefix, const char *after,
                     int limit, sd_objstore_list_fn fn, void *ctx)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(
        os->db,
        "SELECT path, size, sha256, updated_at FROM objects WHERE tenant_id = $1 "
        "AND substr(path, 1, length(CAST($2 AS TEXT))) = CAST($2 AS TEXT) AND path > $3 "
        "ORDER BY path LIMIT $4",
        SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(prefix ? prefix : ""), SD_V_TEXT(after ? after : ""),
                  SD_V_INT(limit)),
        &s);
    if (rc)
        return rc;
    while ((rc = sd_stmt_next(s)) == 1) {
        sd_objstore_info_t in = {.size = sd_stmt_int64(s, 1), .updated_ms = sd_stmt_int64(s, 3)};
        const char *h = sd_stmt_text(s, 2, NULL);
        snprintf(in.sha256, sizeof in.sha256, "%s", h ? h : "");
        const char *p = sd_stmt_text(s, 0, NULL);
        if ((rc = fn(p ? p : "", &in, ctx)) != 0)
            break;
    }
    sd_stmt_done(s);
    return rc < 0 || rc > 1 ? rc : 0;
}
