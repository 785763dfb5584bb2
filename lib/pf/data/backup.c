/* backup.c - taking backups online (store snapshot + referenced blobs) and their schedule. */
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
#include "core/worker.h"
#include "core/log.h"
#include "core/time.h"
#include "pf/data/backup.h"
#include "pf/data/backup_int.h"
#include "pf/data/seal.h"

#define ID_MAX SD_BACKUP_ID_MAX

struct sd_backup {
    sd_pf_t *pf;
    char *dir, *store_url, *objects_dir, *key_file, *pki_dir, *data_dir;
    bool encrypt;         /* backup.recipient set */
    unsigned char pk[32]; /* its public key */
    char pk_b64[48];
    int daily_min;
    int64_t interval_s, keep_s, retry_s;
    sd_worker_t *worker; /* takes the backups; NULL until started */
    pthread_mutex_t mu;  /* the fields below; taken after the worker's lock, never before */
    pthread_cond_t done; /* ?wait requests wait here for the end of their backup */
    bool stopping;
    char pending[ID_MAX]; /* asked for by the API, not started yet */
    char running[ID_MAX];
    char last_id[ID_MAX]; /* the last id handed out: two in one second get "-2" */
    int64_t next_ms;      /* wall time of the next scheduled attempt */
    uint64_t done_seq;    /* attempts finished */
};

typedef struct {
    int64_t tenant;
    char sha[SD_BK_HEX];
} ref_t;

typedef struct {
    ref_t *v;
    size_t n, cap;
    int64_t samples, objects, documents, schema;
} snap_t;

/* ---- ids and times ------------------------------------------------------------------------ */

static int64_t id_time(const char *id)
{
    sd_civil_t c = {0};
    if (sscanf(id, "%4d%2d%2dT%2d%2d%2dZ", &c.year, &c.mon, &c.day, &c.hour, &c.min, &c.sec) != 6 ||
        !sd_civil_valid(&c))
        return -1;
    return sd_civil_to_unix(&c, 0);
}

static void iso(int64_t ms, char out[32])
{
    sd_iso8601_format(ms / 1000, out, 32);
}

/* The next daily backup time after now_ms: daily_min minutes after JST midnight. */
static int64_t next_daily(int64_t now_ms, int daily_min)
{
    int64_t jst = now_ms / 1000 + SD_JST_OFFSET_S;
    int64_t day = jst - ((jst % 86400) + 86400) % 86400;
    int64_t at = day + daily_min * 60;
    if (at <= jst)
        at += 86400;
    return (at - SD_JST_OFFSET_S) * 1000;
}

/* A fresh id for a backup starting at now_ms (called with mu held). */
static void new_id(sd_backup_t *b, int64_t now_ms, char id[ID_MAX])
{
    sd_civil_t c;
    sd_civil_from_unix(now_ms / 1000, 0, &c);
    char base[ID_MAX];
    sd__bk_fmt(base, sizeof base, "%04d%02d%02dT%02d%02d%02dZ", c.year, c.mon, c.day, c.hour, c.min,
               c.sec);
    sd__bk_fmt(id, ID_MAX, "%s", base);
    for (int k = 2; k < 100; k++) {
        char p1[PATH_MAX], p2[PATH_MAX + 16];
        sd__bk_fmt(p1, sizeof p1, "%s/%s", b->dir, id);
        sd__bk_fmt(p2, sizeof p2, "%s/%s.failed.json", b->dir, id);
        struct stat sb;
        if (strcmp(id, b->last_id) != 0 && stat(p1, &sb) != 0 && stat(p2, &sb) != 0)
            break;
        sd__bk_fmt(id, ID_MAX, "%s-%d", base, k);
    }
    sd__bk_fmt(b->last_id, sizeof b->last_id, "%s", id);
}

/* ---- the snapshot ------------------------------------------------------------------------- */

static int add_ref(snap_t *s, int64_t tenant, const char *sha)
{
    if (!sha || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
        return SD_ESTORE; /* never a path component we did not check */
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        ref_t *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return SD_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].tenant = tenant;
    memcpy(s->v[s->n].sha, sha, SD_BK_HEX);
    s->n++;
    return 0;
}

/* Read the blobs and the counts of st as it is now (inside the snapshot's transaction). */
static int read_snapshot(sd_store_t *st, snap_t *s)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st, "SELECT DISTINCT tenant_id, sha256 FROM objects ORDER BY 1, 2",
                            SD_NOPARAMS, &q);
    if (rc)
        return rc;
    while ((rc = sd_stmt_next(q)) == 1)
        if ((rc = add_ref(s, sd_stmt_int64(q, 0), sd_stmt_text(q, 1, NULL))) != 0)
            break;
    sd_stmt_done(q);
    if (rc < 0)
        return rc;
    rc = sd_store_query_row(st,
                            "SELECT (SELECT COUNT(*) FROM samples), (SELECT COUNT(*) FROM objects),"
                            " (SELECT COUNT(*) FROM documents)",
                            SD_NOPARAMS, &q);
    if (rc)
        return rc;
    s->samples = sd_stmt_int64(q, 0);
    s->objects = sd_stmt_int64(q, 1);
    s->documents = sd_stmt_int64(q, 2);
    sd_stmt_done(q);
    return sd_store_schema_version(st, &s->schema);
}

static int snap_sqlite(sd_backup_t *b, const char *path, snap_t *s, char *err, size_t errn)
{
    char url[PATH_MAX + 16];
    int rc = sd_store_exec(b->pf->store, "VACUUM INTO $1", SD_PARAMS(SD_V_TEXT(path)), NULL);
    if (rc) {
        sd__bk_fmt(err, errn, "VACUUM INTO: %s", sd_store_errmsg());
        return rc;
    }
    sd_store_release(b->pf->store);
    /* what the copy refers to, read from the copy itself: it is the snapshot */
    sd_store_t *cp = NULL;
    sd__bk_fmt(url, sizeof url, "sqlite://%s", path);
    rc = sd_store_open_flags(url, SD_STORE_NO_MIGRATE, &cp);
    if (!rc)
        rc = read_snapshot(cp, s);
    if (rc)
        sd__bk_fmt(err, errn, "reading the snapshot: %s", sd_store_errmsg());
    if (cp) {
        /* the copy leaves in rollback-journal mode, a plain single file */
        if (!rc && sd_store_exec_script(cp, "PRAGMA journal_mode=DELETE") != 0)
            rc = SD_ESTORE;
        sd_store_close(cp);
    }
    return rc;
}

static int snap_pg(sd_backup_t *b, const char *file, snap_t *s, char *err, size_t errn)
{
    sd_store_t *st = b->pf->store;
    char snapshot[128] = "", farg[PATH_MAX + 16], sarg[160];
    sd_buf_t ci = {0};
    char *pw = NULL;
    sd_stmt_t *q = NULL;
    int rc = sd_store_pg_conninfo(b->store_url, &ci, &pw);
    if (rc) {
        sd__bk_fmt(err, errn, "store URL: %s", sd_store_errmsg());
        return rc;
    }
    /* one REPEATABLE READ transaction: its snapshot is exported to pg_dump, and the blobs and
     * counts are read in it, so the files copied are exactly those the dump refers to */
    rc = sd_store_begin(st);
    if (!rc)
        rc = sd_store_exec(st, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                           SD_NOPARAMS, NULL);
    if (!rc)
        rc = sd_store_query_row(st, "SELECT pg_export_snapshot()", SD_NOPARAMS, &q);
    if (!rc) {
        sd__bk_fmt(snapshot, sizeof snapshot, "%s", sd_stmt_text(q, 0, NULL));
        sd_stmt_done(q);
        rc = read_snapshot(st, s);
    }
    if (rc) {
        sd__bk_fmt(err, errn, "snapshot: %s", sd_store_errmsg());
    } else {
        sd__bk_fmt(farg, sizeof farg, "--file=%s", file);
        sd__bk_fmt(sarg, sizeof sarg, "--snapshot=%s", snapshot);
        sd_buf_t dbarg = {0};
        rc = sd_buf_printf(&dbarg, "--dbname=%s", ci.data ? ci.data : "");
        char *argv[] = {(char *)(uintptr_t) "pg_dump",
                        (char *)(uintptr_t) "--format=custom",
                        (char *)(uintptr_t) "--no-owner",
                        sarg,
                        farg,
                        dbarg.data,
                        NULL};
        if (!rc)
            rc = sd__bk_run(argv, pw, err, errn);
        sd_buf_free(&dbarg);
    }
    sd_store_rollback(st);
    sd_store_release(st);
    if (pw)
        sodium_memzero(pw, strlen(pw));
    free(pw);
    sd_buf_free(&ci);
    return rc;
}

/* ---- one backup --------------------------------------------------------------------------- */

static int add_file(json_t *files, const char *rel, int64_t size, const char *hex, int64_t *total)
{
    *total += size;
    return json_array_append_new(files, sd_json_pack("{s:s, s:I, s:s}", "path", rel, "size",
                                                     (json_int_t)size, "sha256", hex))
               ? SD_ENOMEM
               : 0;
}

/*
 * The plaintext SHA-256 of a sealed blob of tenant (opened with its tenant key, as objstore.c
 * seals them) into hex; 0 or the error with the reason in why.
 */
static int sealed_blob_hash(const unsigned char *master, int64_t tenant, const char *sha,
                            const char *src, char hex[SD_BK_HEX], char *why, size_t whyn)
{
    unsigned char k[SD_SEAL_KEY], md[32];
    char ad[32], fad[SD_BK_HEX + 32];
    snprintf(ad, sizeof ad, "t%" PRId64, tenant);
    snprintf(fad, sizeof fad, "t%" PRId64 "/%s", tenant, sha);
    sd_seal_tenant_key(master, "suidoblb", tenant, k);
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    sd_seal_r_t *r = NULL;
    int rc = fd < 0 ? SD_EIO : sd_seal_r_new(k, ad, sd_seal_fd_in, &fd, &r, why, whyn);
    sodium_memzero(k, sizeof k);
    if (!rc)
        rc = sd_seal_r_final_ad(r, fad);
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t len = 1; !rc && len;) {
        const unsigned char *d;
        if ((rc = sd_seal_r_read(r, &d, &len)) != 0)
            sd__bk_fmt(why, whyn, "%s", sd_seal_r_error(r));
        else
            crypto_hash_sha256_update(&h, d, len);
    }
    crypto_hash_sha256_final(&h, md);
    sodium_bin2hex(hex, SD_BK_HEX, md, sizeof md);
    sd_seal_r_free(r);
    if (fd >= 0)
        close(fd);
    return rc;
}

/*
 * Copy src into tmp/rel, hashed, sealed under key (NULL = plain) with rel as associated data;
 * want_hex (may be NULL: not a blob) must be src's content, a sealed blob of tenant being opened
 * for that with master (a second read: the copy takes its bytes as they are).
 */
static int copy_in(const char *tmp, const char *rel, const char *src, unsigned mode,
                   const unsigned char *key, const unsigned char *master, int64_t tenant,
                   const char *want_hex, json_t *files, int64_t *total, char *err, size_t errn)
{
    char dst[PATH_MAX], dir[PATH_MAX], hex[SD_BK_HEX], in_hex[SD_BK_HEX];
    int64_t size = 0;
    sd__bk_fmt(dst, sizeof dst, "%s/%s", tmp, rel);
    sd__bk_fmt(dir, sizeof dir, "%s", dst);
    *strrchr(dir, '/') = 0;
    int rc = sd__bk_mkdirs(dir, 0700);
    char why[256] = "";
    if (!rc && key)
        rc = sd__bk_seal_copy(1, key, rel, src, dst, mode, &size, hex, in_hex, why, sizeof why);
    else if (!rc) {
        rc = sd__bk_copy(src, dst, mode, &size, hex);
        memcpy(in_hex, hex, sizeof in_hex);
    }
    if (want_hex && !rc) {
        char head[SD_SEAL_MAGIC_LEN];
        FILE *f = fopen(src, "rb");
        size_t got = f ? fread(head, 1, sizeof head, f) : 0;
        if (f)
            fclose(f);
        if (sd_seal_is_sealed(head, got) &&
            sealed_blob_hash(master, tenant, want_hex, src, in_hex, why, sizeof why) != 0) {
            sd__bk_fmt(err, errn, "%s is corrupt in the object store: %s", src, why);
            return SD_ECONFLICT;
        }
    }
    if (rc == SD_ENOTFOUND)
        sd__bk_fmt(err, errn, "%s vanished during the backup (deleted after the snapshot)", src);
    else if (rc)
        sd__bk_fmt(err, errn, "copying %s: %s", src, *why ? why : strerror(errno));
    else if (want_hex && strcmp(in_hex, want_hex) != 0) {
        /* the object store itself is damaged: say so now, not at the restore */
        sd__bk_fmt(err, errn, "%s is corrupt in the object store: its SHA-256 is %s", src, in_hex);
        rc = SD_ECONFLICT;
    }
    return rc ? rc : add_file(files, rel, size, hex, total);
}

static int take(sd_backup_t *b, const char *id, int64_t start_ms, char *err, size_t errn)
{
    char tmp[PATH_MAX], fin[PATH_MAX], path[PATH_MAX], rel[128], scratch[PATH_MAX] = "";
    int64_t t0 = sd_clock_mono_ms(b->pf->clock), total = 0;
    snap_t s = {0};
    json_t *files = json_array(), *man = NULL, *enc = json_null();
    unsigned char fkey[32], skey[32], mkey[32], *key = NULL;
    sd__bk_fmt(tmp, sizeof tmp, "%s/%s.tmp", b->dir, id);
    sd__bk_fmt(fin, sizeof fin, "%s/%s", b->dir, id);
    sd__bk_rmtree(tmp);
    int rc = files ? sd__bk_mkdirs(tmp, 0700) : SD_ENOMEM;
    if (rc) {
        sd__bk_fmt(err, errn, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (b->encrypt) {
        randombytes_buf(fkey, sizeof fkey);
        sd__bk_keys(fkey, skey, mkey);
        key = skey;
    }
    int pg = !strcmp(sd_store_backend(b->pf->store), "postgresql");
    const char *store = pg ? "store.pgdump" : "store.db";
    sd__bk_fmt(path, sizeof path, "%s/%s", tmp, store);
    /* sealed: the plaintext snapshot is made on the data volume, never in backup.dir */
    sd__bk_fmt(scratch, sizeof scratch, "%s/.backup-%s.%s", b->data_dir ? b->data_dir : b->dir, id,
               pg ? "pgdump" : "db");
    unlink(scratch);
    const char *snapfile = key ? scratch : path;
    rc = pg ? snap_pg(b, snapfile, &s, err, errn) : snap_sqlite(b, snapfile, &s, err, errn);
    if (rc)
        goto out;
    char hex[SD_BK_HEX];
    int64_t size = 0;
    if (key) {
        if ((rc = copy_in(tmp, store, scratch, 0600, key, NULL, 0, NULL, files, &total, err,
                          errn)) != 0)
            goto out;
    } else if ((rc = sd__bk_hash_file(path, &size, hex)) != 0 ||
               (rc = add_file(files, store, size, hex, &total)) != 0) {
        sd__bk_fmt(err, errn, "%s: %s", path, sd_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < s.n; i++) {
        const ref_t *r = &s.v[i];
        sd__bk_fmt(rel, sizeof rel, "objects/t%" PRId64 "/%.2s/%s", r->tenant, r->sha, r->sha);
        sd__bk_fmt(path, sizeof path, "%s/%s", b->objects_dir ? b->objects_dir : "", rel + 8);
        if (!b->objects_dir) {
            sd__bk_fmt(err, errn, "the store refers to files but no object directory is set");
            rc = SD_ECONFIG;
            goto out;
        }
        if ((rc = copy_in(tmp, rel, path, 0600, key, b->pf->secret_key, r->tenant, r->sha, files,
                          &total, err, errn)) != 0)
            goto out;
    }
    /* the master key goes only where it is sealed to a key that is not kept beside it */
    if (key && b->key_file &&
        (rc = copy_in(tmp, "secret.key", b->key_file, 0600, key, NULL, 0, NULL, files, &total, err,
                      errn)) != 0)
        goto out;
    /* the CA and PF certificate: a restore that made new ones would break every client's trust */
    static const char *const pki_files[] = {"ca.crt", "ca.key.sealed", "pf.crt", "pf.key.sealed"};
    for (size_t i = 0; b->pki_dir && i < sizeof pki_files / sizeof pki_files[0]; i++) {
        sd__bk_fmt(path, sizeof path, "%s/%s", b->pki_dir, pki_files[i]);
        sd__bk_fmt(rel, sizeof rel, "pki/%s", pki_files[i]);
        if (access(path, F_OK) == 0 &&
            (rc = copy_in(tmp, rel, path, 0600, key, NULL, 0, NULL, files, &total, err, errn)) != 0)
            goto out;
    }
    if (key) {
        unsigned char sealed[32 + crypto_box_SEALBYTES];
        char fk[160], mac[SD_BK_HEX];
        crypto_box_seal(sealed, fkey, sizeof fkey, b->pk);
        sd_seal_b64(sealed, sizeof sealed, fk, sizeof fk);
        json_decref(enc);
        enc = sd__bk_mac(mkey, id, files, mac)
                  ? NULL
                  : sd_json_pack("{s:s, s:s, s:s, s:s}", "scheme", "suido-backup-seal/1",
                                 "recipient", b->pk_b64, "file_key", fk, "mac", mac);
        if (!enc) {
            rc = SD_ENOMEM;
            sd__bk_fmt(err, errn, "out of memory");
            goto out;
        }
    }
    int64_t end_ms = sd_pf_now_ms(b->pf);
    char a[32], e[32];
    iso(start_ms, a);
    iso(end_ms, e);
    man = sd_json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:{s:I, s:I, s:I}, s:I, s:b, s:O, "
                       "s:O}",
                       "format", "suido-backup/1", "id", id, "started_at", a, "finished_at", e,
                       "duration_ms", (json_int_t)(sd_clock_mono_ms(b->pf->clock) - t0), "backend",
                       pg ? "postgresql" : "sqlite", "store", store, "schema_version",
                       (json_int_t)s.schema, "counts", "samples", (json_int_t)s.samples, "objects",
                       (json_int_t)s.objects, "documents", (json_int_t)s.documents, "size",
                       (json_int_t)total, "key_included", key && b->key_file, "encryption", enc,
                       "files", files);
    char *text = man ? json_dumps(man, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    sd__bk_fmt(path, sizeof path, "%s/manifest.json", tmp);
    rc = text ? sd__bk_write_atomic(path, text, 0600) : SD_ENOMEM;
    free(text);
    /* every directory entry durable before the rename that makes the backup look complete */
    if (!rc)
        rc = sd__bk_fsync_tree(tmp);
    if (!rc && rename(tmp, fin) != 0)
        rc = SD_EIO;
    if (!rc)
        rc = sd__bk_fsync_dir(b->dir);
    if (rc)
        sd__bk_fmt(err, errn, "finishing %s: %s", tmp, sd_strerror(rc));
    else
        sd_info("backup %s done: %zu files, %lld bytes, %lld samples, %lld ms", id,
                json_array_size(files), (long long)total, (long long)s.samples,
                (long long)(sd_clock_mono_ms(b->pf->clock) - t0));
out:
    sodium_memzero(fkey, sizeof fkey);
    sodium_memzero(skey, sizeof skey);
    sodium_memzero(mkey, sizeof mkey);
    if (*scratch)
        unlink(scratch);
    if (rc) {
        sd__bk_rmtree(tmp);
        char at[32];
        iso(start_ms, at);
        json_t *f = sd_json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", id, "started_at", at,
                                 "duration_ms", (json_int_t)(sd_clock_mono_ms(b->pf->clock) - t0),
                                 "result", "failed", "error", err);
        char *ft = f ? json_dumps(f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
        sd__bk_fmt(path, sizeof path, "%s/%s.failed.json", b->dir, id);
        if (ft)
            sd__bk_write_atomic(path, ft, 0600);
        free(ft);
        json_decref(f);
    }
    json_decref(man);
    json_decref(enc);
    json_decref(files);
    free(s.v);
    return rc;
}

/* ---- listing and pruning ------------------------------------------------------------------ */

/* One entry of the backup directory as the API shows it, or NULL when name is not ours. */
static json_t *entry(sd_backup_t *b, const char *name, const char *running)
{
    char path[PATH_MAX], id[ID_MAX];
    size_t len = strlen(name);
    if (len < 16 || len >= ID_MAX + 16 || id_time(name) < 0)
        return NULL;
    sd__bk_fmt(path, sizeof path, "%s/%s", b->dir, name);
    if (len > 12 && !strcmp(name + len - 12, ".failed.json")) {
        json_t *f = json_load_file(path, 0, NULL);
        return f;
    }
    if (len > 4 && !strcmp(name + len - 4, ".tmp")) {
        sd__bk_fmt(id, sizeof id, "%.*s", (int)(len - 4), name);
        return sd_json_pack("{s:s, s:s}", "id", id, "result",
                            strcmp(id, running) ? "incomplete" : "running");
    }
    if (strchr(name, '.'))
        return NULL;
    char err[256];
    json_t *m = sd__bk_manifest(path, err, sizeof err);
    if (!m)
        return sd_json_pack("{s:s, s:s, s:s}", "id", name, "result", "damaged", "error", err);
    json_t *e = sd_json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:I}", "id", name, "result",
                             "ok", "started_at", json_object_get(m, "started_at"), "duration_ms",
                             json_object_get(m, "duration_ms"), "size", json_object_get(m, "size"),
                             "backend", json_object_get(m, "backend"), "counts",
                             json_object_get(m, "counts"), "files",
                             (json_int_t)json_array_size(json_object_get(m, "files")));
    json_decref(m);
    return e;
}

static int by_id_desc(const void *x, const void *y)
{
    const char *a = json_string_value(json_object_get(*(json_t *const *)x, "id"));
    const char *c = json_string_value(json_object_get(*(json_t *const *)y, "id"));
    return strcmp(c ? c : "", a ? a : "");
}

/* Every backup, newest first (new reference). */
static json_t *list(sd_backup_t *b)
{
    char running[ID_MAX];
    pthread_mutex_lock(&b->mu);
    sd__bk_fmt(running, sizeof running, "%s", b->running);
    pthread_mutex_unlock(&b->mu);
    json_t *items = json_array();
    DIR *d = opendir(b->dir);
    struct dirent *de;
    while (items && d && (de = readdir(d))) {
        json_t *e = entry(b, de->d_name, running);
        if (e)
            json_array_append_new(items, e);
    }
    if (d)
        closedir(d);
    size_t n = json_array_size(items);
    json_t **v = n ? malloc(n * sizeof *v) : NULL;
    if (v) {
        for (size_t i = 0; i < n; i++)
            v[i] = json_incref(json_array_get(items, i));
        qsort(v, n, sizeof *v, by_id_desc);
        json_array_clear(items);
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, v[i]);
        free(v);
    }
    return items;
}

/* Remove what is older than keep_s, never the newest complete backup; and leftovers. */
static void prune(sd_backup_t *b, int64_t now_ms)
{
    json_t *items = list(b);
    size_t i;
    json_t *e;
    bool newest_ok = true;
    json_array_foreach(items, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        const char *res = json_string_value(json_object_get(e, "result"));
        bool ok = res && !strcmp(res, "ok");
        int64_t t = id ? id_time(id) : -1;
        char path[PATH_MAX];
        if (res && !strcmp(res, "incomplete")) { /* a crash mid-backup: never complete */
            sd__bk_fmt(path, sizeof path, "%s/%s.tmp", b->dir, id);
            sd__bk_rmtree(path);
            sd_warn("backup: removed the incomplete %s", path);
            continue;
        }
        if (ok && newest_ok) {
            newest_ok = false;
            continue;
        }
        if (t < 0 || t * 1000 >= now_ms - b->keep_s * 1000 || (res && !strcmp(res, "running")))
            continue;
        if (ok || (res && !strcmp(res, "damaged"))) {
            sd__bk_fmt(path, sizeof path, "%s/%s", b->dir, id);
            sd__bk_rmtree(path);
        } else {
            sd__bk_fmt(path, sizeof path, "%s/%s.failed.json", b->dir, id);
            unlink(path);
        }
        sd_info("backup: pruned %s (older than %lld s)", id, (long long)b->keep_s);
    }
    json_decref(items);
}

/* ---- the worker -------------------------------------------------------------------------- */

/*
 * One round: take the backup asked for, or the scheduled one when it is due, else sleep until
 * then, at most a second (the wall clock may be set while we sleep).
 */
static int64_t tick(void *ctx, int stopping)
{
    sd_backup_t *b = ctx;
    pthread_mutex_lock(&b->mu); /* also waits for sd_backup_start() to have set b->worker */
    if (stopping) {
        b->stopping = true;
        pthread_cond_broadcast(&b->done);
        pthread_mutex_unlock(&b->mu);
        return 0;
    }
    int64_t now = sd_pf_now_ms(b->pf);
    bool sched = false;
    char id[ID_MAX];
    if (b->pending[0]) {
        sd__bk_fmt(id, sizeof id, "%s", b->pending);
    } else if (now >= b->next_ms) {
        new_id(b, now, id);
        sched = true;
    } else {
        int64_t wait = b->next_ms - now < 1000 ? b->next_ms - now : 1000;
        pthread_mutex_unlock(&b->mu);
        return wait;
    }
    b->pending[0] = 0;
    sd__bk_fmt(b->running, sizeof b->running, "%s", id);
    pthread_mutex_unlock(&b->mu);

    /* a backup takes minutes: requests must be able to wake the worker meanwhile */
    sd_worker_unlock(b->worker);
    char err[1024] = "";
    int rc = take(b, id, now, err, sizeof err);
    int64_t end = sd_pf_now_ms(b->pf);
    if (rc)
        sd_error("BACKUP FAILED: %s: %s (%s); %s", id, err, sd_strerror(rc),
                 sched ? "retrying later" : "taken on request, not retried");
    else
        prune(b, end);
    sd_worker_lock(b->worker);

    pthread_mutex_lock(&b->mu);
    b->running[0] = 0;
    b->done_seq++;
    if (sched || b->interval_s > 0) {
        if (rc)
            b->next_ms = end + b->retry_s * 1000;
        else
            b->next_ms =
                b->interval_s > 0 ? now + b->interval_s * 1000 : next_daily(end, b->daily_min);
        if (rc) {
            char at[32];
            iso(b->next_ms, at);
            sd_error("BACKUP FAILED: next attempt at %s", at);
        }
    }
    pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

/* ---- what the API asks ------------------------------------------------------------------- */

int sd_backup_request(sd_backup_t *b, bool wait, char id[SD_BACKUP_ID_MAX])
{
    pthread_mutex_lock(&b->mu);
    if (b->running[0] || b->pending[0]) {
        sd__bk_fmt(id, SD_BACKUP_ID_MAX, "%s", b->running[0] ? b->running : b->pending);
        pthread_mutex_unlock(&b->mu);
        return SD_ECONFLICT;
    }
    new_id(b, sd_pf_now_ms(b->pf), id);
    sd__bk_fmt(b->pending, sizeof b->pending, "%s", id);
    pthread_mutex_unlock(&b->mu);
    sd_worker_wake(b->worker); /* not under b->mu: the worker takes its lock first */
    pthread_mutex_lock(&b->mu);
    while (wait && !b->stopping && (!strcmp(b->pending, id) || !strcmp(b->running, id)))
        pthread_cond_wait(&b->done, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

json_t *sd_backup_list(sd_backup_t *b, char next_at[32], int64_t *keep_s)
{
    pthread_mutex_lock(&b->mu);
    iso(b->next_ms, next_at);
    pthread_mutex_unlock(&b->mu);
    *keep_s = b->keep_s;
    return list(b);
}

sd_pf_t *sd_backup_pf(sd_backup_t *b)
{
    return b->pf;
}

json_t *sd_backup_find(sd_backup_t *b, const char *id)
{
    json_t *items = list(b), *e, *hit = NULL;
    size_t i;
    json_array_foreach(items, i, e)
    {
        const char *x = json_string_value(json_object_get(e, "id"));
        if (x && !strcmp(x, id))
            hit = json_incref(e);
    }
    json_decref(items);
    return hit;
}

/* ---- life --------------------------------------------------------------------------------- */

int sd_backup_objects_dir(const char *objects_url, const char *data_dir, char *buf, size_t n)
{
    if (!objects_url || !*objects_url)
        return sd__bk_fmt(buf, n, "%s/objects", data_dir) ? SD_ECONFIG : 0;
    if (strncmp(objects_url, "file:///", 8) != 0)
        return SD_ECONFIG;
    size_t len = strcspn(objects_url + 7, "?");
    if (len >= n)
        return SD_ECONFIG;
    memcpy(buf, objects_url + 7, len);
    buf[len] = 0;
    return 0;
}

void sd_backup_stop(sd_backup_t *b)
{
    if (!b)
        return;
    sd_worker_stop(b->worker); /* its last round wakes the ?wait requests */
    pthread_cond_destroy(&b->done);
    pthread_mutex_destroy(&b->mu);
    free(b->dir);
    free(b->store_url);
    free(b->objects_dir);
    free(b->key_file);
    free(b->pki_dir);
    free(b->data_dir);
    free(b);
}

static char *dup_or_null(const char *s, int *rc)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *rc = SD_ENOMEM;
    return d;
}

int sd_backup_start(sd_pf_t *pf, const sd_backup_config_t *cfg, sd_backup_t **out)
{
    *out = NULL;
    if (!cfg->dir || cfg->dir[0] != '/' || cfg->daily_min < 0 || cfg->daily_min >= 1440 ||
        cfg->keep_s <= 0 || cfg->retry_s <= 0 || cfg->interval_s < 0)
        return SD_ECONFIG;
    sd_backup_t *b = calloc(1, sizeof *b);
    if (!b)
        return SD_ENOMEM;
    int rc = 0;
    b->pf = pf;
    b->dir = dup_or_null(cfg->dir, &rc);
    b->store_url = dup_or_null(cfg->store_url, &rc);
    b->objects_dir = dup_or_null(cfg->objects_dir, &rc);
    b->key_file = dup_or_null(cfg->key_file, &rc);
    b->pki_dir = dup_or_null(cfg->pki_dir, &rc);
    b->data_dir = dup_or_null(cfg->data_dir, &rc);
    if (!rc && cfg->recipient && *cfg->recipient) {
        char why[200];
        if ((rc = sd_seal_recipient_parse(cfg->recipient, b->pk, why, sizeof why)) != 0) {
            sd_error("%s", why);
            rc = SD_ECONFIG;
        }
        b->encrypt = true;
        sd_seal_b64(b->pk, sizeof b->pk, b->pk_b64, sizeof b->pk_b64);
    }
    b->daily_min = cfg->daily_min;
    b->interval_s = cfg->interval_s;
    b->keep_s = cfg->keep_s;
    b->retry_s = cfg->retry_s;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->done, NULL);
    if (rc || (rc = sd__bk_mkdirs(b->dir, 0700)) != 0) {
        if (rc == SD_EIO)
            sd_error("backup.dir %s: %s", cfg->dir, strerror(errno));
        sd_backup_stop(b);
        return rc;
    }
    int64_t now = sd_pf_now_ms(pf);
    b->next_ms = b->interval_s > 0 ? now + b->interval_s * 1000 : next_daily(now, b->daily_min);
    /* under b->mu: the first round waits for b->worker to be set */
    pthread_mutex_lock(&b->mu);
    rc = sd_worker_start("sd-backup", tick, b, &b->worker);
    pthread_mutex_unlock(&b->mu);
    if (rc) {
        sd_backup_stop(b);
        return rc;
    }
    char at[32];
    iso(b->next_ms, at);
    sd_info("backup: into %s, next at %s, kept %lld s, %s", b->dir, at, (long long)b->keep_s,
            b->encrypt ? "encrypted to backup.recipient" : "NOT encrypted");
    if (!b->encrypt)
        sd_warn("backup: no backup.recipient: backups are plaintext and leave out secret.key; "
                "keep a copy of %s apart (`suidoctl backup keygen` makes a recipient key)",
                b->key_file ? b->key_file : "the secret key");
    *out = b;
    return 0;
}
