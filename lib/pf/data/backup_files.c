/* backup_files.c - the file work of backups: hashed copies, fsyncs, tools, verify, restore. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/data/backup.h"
#include "pf/data/backup_int.h"
#include "pf/data/seal.h"
#include "store/store.h"

extern char **environ;

int sd__bk_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return k < 0 || (size_t)k >= n ? SD_ETOOBIG : 0;
}

int sd__bk_mkdirs(const char *path, unsigned mode)
{
    char tmp[PATH_MAX];
    if (sd__bk_fmt(tmp, sizeof tmp, "%s", path))
        return SD_EIO;
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, mode) != 0 && errno != EEXIST)
                return SD_EIO;
            *p = '/';
        }
    return mkdir(tmp, mode) != 0 && errno != EEXIST ? SD_EIO : 0;
}

static void to_hex(const unsigned char md[32], char hex[SD_BK_HEX])
{
    sodium_bin2hex(hex, SD_BK_HEX, md, 32);
}

/* Read fd to its end, hashing, and writing to out when out >= 0. */
static int pump(int in, int out, int64_t *size, char hex[SD_BK_HEX])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    static _Thread_local unsigned char buf[1 << 16];
    int64_t total = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return SD_EIO;
        if (r == 0)
            break;
        crypto_hash_sha256_update(&h, buf, (unsigned long long)r);
        total += r;
        for (ssize_t off = 0; out >= 0 && off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return SD_EIO;
            off += w;
        }
    }
    unsigned char md[32];
    crypto_hash_sha256_final(&h, md);
    to_hex(md, hex);
    *size = total;
    return 0;
}

int sd__bk_hash_file(const char *path, int64_t *size, char hex[SD_BK_HEX])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SD_ENOTFOUND : SD_EIO;
    int rc = pump(fd, -1, size, hex);
    close(fd);
    return rc;
}

int sd__bk_copy(const char *src, const char *dst, unsigned mode, int64_t *size, char hex[SD_BK_HEX])
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno == ENOENT ? SD_ENOTFOUND : SD_EIO;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return SD_EIO;
    }
    int rc = pump(in, out, size, hex);
    if (!rc && fsync(out) != 0)
        rc = SD_EIO;
    close(in);
    if (close(out) != 0 && !rc)
        rc = SD_EIO;
    return rc;
}

/* A sink that hashes what it passes to an fd (fd < 0: hashes only). */
typedef struct {
    int fd;
    int64_t size;
    crypto_hash_sha256_state h;
} hsink_t;

static int hsink_out(void *ctx, const void *data, size_t len)
{
    hsink_t *k = ctx;
    crypto_hash_sha256_update(&k->h, data, len);
    k->size += (int64_t)len;
    return k->fd >= 0 ? sd_seal_fd_out(&k->fd, data, len) : 0;
}

static int hsink_in(void *ctx, void *buf, size_t n, size_t *got)
{
    hsink_t *k = ctx;
    int rc = sd_seal_fd_in(&k->fd, buf, n, got);
    if (!rc) {
        crypto_hash_sha256_update(&k->h, buf, *got);
        k->size += (int64_t)*got;
    }
    return rc;
}

static void hsink_hex(hsink_t *k, char hex[SD_BK_HEX])
{
    unsigned char md[32];
    crypto_hash_sha256_final(&k->h, md);
    if (hex)
        to_hex(md, hex);
}

int sd__bk_seal_copy(int seal, const unsigned char key[32], const char *ad, const char *src,
                     const char *dst, unsigned mode, int64_t *size, char hex[SD_BK_HEX],
                     char in_hex[SD_BK_HEX], char *why, size_t whyn)
{
    hsink_t in = {.fd = open(src, O_RDONLY | O_CLOEXEC)}, out = {.fd = -1};
    crypto_hash_sha256_init(&in.h);
    crypto_hash_sha256_init(&out.h);
    if (in.fd < 0) {
        sd__bk_fmt(why, whyn, "%s: %s", src, strerror(errno));
        return errno == ENOENT ? SD_ENOTFOUND : SD_EIO;
    }
    if (dst && (out.fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
        sd__bk_fmt(why, whyn, "%s: %s", dst, strerror(errno));
        close(in.fd);
        return SD_EIO;
    }
    int rc = 0;
    if (seal) {
        static _Thread_local unsigned char buf[SD_SEAL_CHUNK];
        sd_seal_w_t *w = NULL;
        rc = sd_seal_w_new(key, ad, hsink_out, &out, &w);
        for (size_t got = 1; !rc && got;)
            if (!(rc = hsink_in(&in, buf, sizeof buf, &got)) && got)
                rc = sd_seal_w_write(w, buf, got);
        if (!rc)
            rc = sd_seal_w_finish(w, NULL);
        sd_seal_w_free(w);
        if (rc)
            sd__bk_fmt(why, whyn, "sealing %s: %s", src, strerror(errno));
    } else {
        sd_seal_r_t *r = NULL;
        rc = sd_seal_r_new(key, ad, hsink_in, &in, &r, why, whyn);
        for (size_t len = 1; !rc && len;) {
            const unsigned char *d;
            if ((rc = sd_seal_r_read(r, &d, &len)) != 0)
                sd__bk_fmt(why, whyn, "%s", sd_seal_r_error(r));
            else if (len)
                rc = hsink_out(&out, d, len);
        }
        sd_seal_r_free(r);
    }
    if (!rc && out.fd >= 0 && fsync(out.fd) != 0)
        rc = SD_EIO;
    close(in.fd);
    if (out.fd >= 0 && close(out.fd) != 0 && !rc)
        rc = SD_EIO;
    hsink_hex(seal ? &out : &in, hex);
    hsink_hex(seal ? &in : &out, in_hex);
    *size = seal ? out.size : in.size;
    return rc;
}

void sd__bk_keys(const unsigned char file_key[32], unsigned char seal_key[32],
                 unsigned char mac_key[32])
{
    /* one key, one use: the file key is never used directly */
    crypto_kdf_derive_from_key(seal_key, 32, 1, "suidobkf", file_key);
    crypto_kdf_derive_from_key(mac_key, 32, 2, "suidobkm", file_key);
}

int sd__bk_mac(const unsigned char mac_key[32], const char *id, json_t *files, char hex[SD_BK_HEX])
{
    char *text = json_dumps(files, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return SD_ENOMEM;
    crypto_generichash_state st;
    unsigned char md[32];
    crypto_generichash_init(&st, mac_key, 32, sizeof md);
    crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
    crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&st, md, sizeof md);
    free(text);
    to_hex(md, hex);
    return 0;
}

int sd__bk_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SD_EIO;
    int rc = fsync(fd) == 0 ? 0 : SD_EIO;
    close(fd);
    return rc;
}

static int g_tree_rc; /* nftw has no context pointer; callers serialise on their own mutex */

static int fsync_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
    if (type == FTW_D || type == FTW_DP)
        if (sd__bk_fsync_dir(p) != 0)
            g_tree_rc = SD_EIO;
    return 0;
}

int sd__bk_fsync_tree(const char *root)
{
    g_tree_rc = 0;
    if (nftw(root, fsync_one, 16, FTW_PHYS | FTW_DEPTH) != 0)
        return SD_EIO;
    return g_tree_rc;
}

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
    if ((type == FTW_DP ? rmdir(p) : unlink(p)) != 0 && errno != ENOENT)
        g_tree_rc = SD_EIO;
    return 0;
}

int sd__bk_rmtree(const char *root)
{
    g_tree_rc = 0;
    if (nftw(root, rm_one, 16, FTW_PHYS | FTW_DEPTH) != 0)
        return errno == ENOENT ? 0 : SD_EIO;
    return g_tree_rc;
}

int sd__bk_run(char *const argv[], const char *password, char *err, size_t errn)
{
    /* the environment is built before spawning: nothing after fork may allocate */
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = calloc(n + 2, sizeof *envp);
    char *pw = NULL;
    if (!envp)
        return SD_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PGPASSWORD=", 11) != 0)
            envp[k++] = environ[i];
    if (password) {
        size_t len = strlen(password) + 12;
        if (!(pw = malloc(len))) {
            free(envp);
            return SD_ENOMEM;
        }
        sd__bk_fmt(pw, len, "PGPASSWORD=%s", password);
        envp[k++] = pw;
    }
    int fds[2];
    int rc = 0;
    if (pipe(fds) != 0) {
        rc = SD_EIO;
        goto out;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (e != 0) {
        close(fds[0]);
        sd__bk_fmt(err, errn, "%s: %s%s", argv[0], strerror(e),
                   e == ENOENT ? " (install postgresql-client)" : "");
        rc = e == ENOENT ? SD_ENOTFOUND : SD_EIO;
        goto out;
    }
    char out[4096];
    size_t used = 0;
    for (;;) {
        ssize_t r = read(fds[0], out + used, sizeof out - 1 - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        used += (size_t)r;
        if (used == sizeof out - 1) { /* keep the beginning: the first error is the cause */
            char sink[4096];
            while (read(fds[0], sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    out[used] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        out[strcspn(out, "\n")] = 0;
        sd__bk_fmt(err, errn, "%s exited with %d: %s", argv[0],
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out);
        rc = SD_EIO;
    }
out:
    if (pw)
        sodium_memzero(pw, strlen(pw));
    free(pw);
    free(envp);
    return rc;
}

int sd__bk_write_atomic(const char *path, const char *text, unsigned mode)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    if (sd__bk_fmt(tmp, sizeof tmp, "%s.tmp", path))
        return SD_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return SD_EIO;
    size_t len = strlen(text), off = 0;
    int rc = 0;
    while (!rc && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = SD_EIO;
        else
            off += (size_t)w;
    }
    if (!rc && fsync(fd) != 0)
        rc = SD_EIO;
    if (close(fd) != 0 && !rc)
        rc = SD_EIO;
    if (!rc && rename(tmp, path) != 0)
        rc = SD_EIO;
    if (rc) {
        unlink(tmp);
        return rc;
    }
    sd__bk_fmt(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    return sd__bk_fsync_dir(slash ? dir : ".");
}

int sd__bk_path_ok(const char *p)
{
    if (!*p || *p == '/')
        return 0;
    const char *seg = p;
    for (const char *c = p;; c++) {
        if (*c == '/' || !*c) {
            size_t len = (size_t)(c - seg);
            if (len == 0 || (len == 1 && seg[0] == '.') ||
                (len == 2 && seg[0] == '.' && seg[1] == '.'))
                return 0;
            if (!*c)
                return 1;
            seg = c + 1;
        } else if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-')) {
            return 0;
        }
    }
}

json_t *sd__bk_manifest(const char *dir, char *msg, size_t n)
{
    char path[PATH_MAX];
    sd__bk_fmt(path, sizeof path, "%s/manifest.json", dir);
    json_error_t je;
    json_t *m = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!m) {
        sd__bk_fmt(msg, n, "%s: %s", path, je.text);
        return NULL;
    }
    const char *fmt = json_string_value(json_object_get(m, "format"));
    if (!fmt || strcmp(fmt, "suido-backup/1") != 0 || !json_is_array(json_object_get(m, "files"))) {
        sd__bk_fmt(msg, n, "%s: not a suido backup manifest (format suido-backup/1 with files)",
                   path);
        json_decref(m);
        return NULL;
    }
    return m;
}

int sd_backup_verify(const char *dir, char *msg, size_t n)
{
    json_t *m = sd__bk_manifest(dir, msg, n);
    if (!m)
        return SD_ESYNTAX;
    size_t i;
    json_t *f;
    int rc = 0;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        const char *want = json_string_value(json_object_get(f, "sha256"));
        json_t *sz = json_object_get(f, "size");
        if (!p || !want || !json_is_integer(sz) || !sd__bk_path_ok(p)) {
            sd__bk_fmt(msg, n,
                       "manifest.json: files[%zu] is not {path,size,sha256} with a safe path", i);
            rc = SD_ESYNTAX;
            break;
        }
        char path[PATH_MAX], hex[SD_BK_HEX];
        int64_t size = 0;
        sd__bk_fmt(path, sizeof path, "%s/%s", dir, p);
        rc = sd__bk_hash_file(path, &size, hex);
        if (rc) {
            sd__bk_fmt(msg, n, "%s: %s", p, rc == SD_ENOTFOUND ? "missing" : strerror(errno));
            break;
        }
        if (size != json_integer_value(sz)) {
            sd__bk_fmt(msg, n, "%s: %lld bytes, the manifest says %lld", p, (long long)size,
                       (long long)json_integer_value(sz));
            rc = SD_ECONFLICT;
            break;
        }
        if (strcmp(hex, want) != 0) {
            sd__bk_fmt(msg, n, "%s: SHA-256 %s, the manifest says %s", p, hex, want);
            rc = SD_ECONFLICT;
            break;
        }
    }
    json_decref(m);
    return rc;
}

int sd_datadir_lock(const char *data_dir, bool shared, int *fd, char *msg, size_t n)
{
    char path[PATH_MAX];
    sd__bk_fmt(path, sizeof path, "%s/suidod.lock", data_dir);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f < 0) {
        sd__bk_fmt(msg, n, "%s: %s", path, strerror(errno));
        return SD_EIO;
    }
    /* flock, not a pid alone: the kernel drops it when the holder dies, even by kill -9 */
    if (flock(f, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        char pid[32] = "?";
        ssize_t r = pread(f, pid, sizeof pid - 1, 0);
        pid[r > 0 ? r : 1] = 0;
        pid[strcspn(pid, "\n")] = 0;
        sd__bk_fmt(msg, n, "%s (pid %s) is running on %s (%s is locked): stop it first",
                   shared ? "a restore" : "suidod", pid, data_dir, path);
        close(f);
        return SD_EBUSY;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        sd__bk_fmt(msg, n, "%s: %s", path, strerror(errno));
        close(f);
        return SD_EIO;
    }
    *fd = f;
    return 0;
}

/* ---- restore ----------------------------------------------------------------------------- */

/* The file path of a sqlite:///path[?...] URL. */
static int sqlite_path(const char *url, char *buf, size_t n)
{
    if (strncmp(url, "sqlite:///", 10) != 0)
        return SD_ECONFIG;
    size_t len = strcspn(url + 9, "?");
    if (len >= n)
        return SD_ECONFIG;
    memcpy(buf, url + 9, len);
    buf[len] = 0;
    return 0;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* Copy a verified file of the backup into place: dst.restore, fsync, rename, fsync dir; opened
 * with key (NULL = a plain backup) and its path in the backup as associated data. */
static int place(const char *src, const char *dst, unsigned mode, const char *want_hex,
                 const unsigned char *key, const char *ad)
{
    char tmp[PATH_MAX + 16], dir[PATH_MAX], hex[SD_BK_HEX];
    int64_t size;
    sd__bk_fmt(tmp, sizeof tmp, "%s.restore", dst);
    sd__bk_fmt(dir, sizeof dir, "%s", dst);
    *strrchr(dir, '/') = 0;
    unlink(tmp);
    int rc = sd__bk_mkdirs(dir, 0700);
    char why[256];
    if (!rc && key)
        rc = sd__bk_seal_copy(0, key, ad, src, tmp, mode, &size, hex, NULL, why, sizeof why);
    else if (!rc)
        rc = sd__bk_copy(src, tmp, mode, &size, hex);
    /* hashed again while copying: the backup may have changed since it was verified */
    if (!rc && want_hex && strcmp(hex, want_hex) != 0)
        rc = SD_ECONFLICT;
    if (!rc && rename(tmp, dst) != 0)
        rc = SD_EIO;
    if (rc)
        unlink(tmp);
    return rc ? rc : sd__bk_fsync_dir(dir);
}

static int restore_pg(const char *file, const sd_restore_opts_t *o, char *msg, size_t n)
{
    sd_store_t *st = NULL;
    int64_t version = 0;
    int rc = sd_store_open_flags(o->store_url, SD_STORE_NO_MIGRATE, &st);
    if (rc) {
        sd__bk_fmt(msg, n, "cannot connect to the target database: %s", sd_store_errmsg());
        return rc;
    }
    int had = sd_store_schema_version(st, &version) == 0 && version > 0;
    sd_store_close(st);
    if (had && !o->force) {
        sd__bk_fmt(msg, n,
                   "the target database already holds a suido store (schema %lld): restore into an "
                   "empty database or use --force",
                   (long long)version);
        return SD_EEXIST;
    }
    sd_buf_t ci = {0};
    char *pw = NULL;
    if ((rc = sd_store_pg_conninfo(o->store_url, &ci, &pw)) != 0) {
        sd__bk_fmt(msg, n, "store URL: %s", sd_store_errmsg());
        return rc;
    }
    char dbarg[8192];
    sd__bk_fmt(dbarg, sizeof dbarg, "--dbname=%s", ci.data ? ci.data : "");
    char *argv[12];
    int k = 0;
    argv[k++] = (char *)(uintptr_t) "pg_restore";
    argv[k++] = (char *)(uintptr_t) "--exit-on-error";
    argv[k++] = (char *)(uintptr_t) "--single-transaction";
    argv[k++] = (char *)(uintptr_t) "--no-owner";
    argv[k++] = (char *)(uintptr_t) "--no-privileges";
    if (had) {
        argv[k++] = (char *)(uintptr_t) "--clean";
        argv[k++] = (char *)(uintptr_t) "--if-exists";
    }
    argv[k++] = dbarg;
    argv[k++] = (char *)(uintptr_t)file;
    argv[k] = NULL;
    rc = sd__bk_run(argv, pw, msg, n);
    if (pw)
        sodium_memzero(pw, strlen(pw));
    free(pw);
    sd_buf_free(&ci);
    return rc;
}

/*
 * The sealing key of an encrypted backup (manifest m) from the identity file: the recipient must
 * be the identity's public key, the file key must open, the MAC of id and files must match, and
 * every file must open (authenticate) with it; all before anything is written.
 */
static int backup_key(const char *dir, json_t *m, const char *identity, unsigned char skey[32],
                      char *msg, size_t n)
{
    json_t *e = json_object_get(m, "encryption");
    const char *scheme = json_string_value(json_object_get(e, "scheme"));
    const char *rcpt = json_string_value(json_object_get(e, "recipient"));
    const char *fk = json_string_value(json_object_get(e, "file_key"));
    const char *mac = json_string_value(json_object_get(e, "mac"));
    const char *id = json_string_value(json_object_get(m, "id"));
    if (!scheme || strcmp(scheme, "suido-backup-seal/1") || !rcpt || !fk || !mac || !id) {
        sd__bk_fmt(msg, n,
                   "manifest.json: encryption is not suido-backup-seal/1 with recipient, "
                   "file_key and mac");
        return SD_ESYNTAX;
    }
    if (!identity) {
        sd__bk_fmt(msg, n, "backup %s is encrypted to %s: give its identity file (--identity)", dir,
                   rcpt);
        return SD_EDECRYPT;
    }
    char text[4096], why[256];
    FILE *f = fopen(identity, "r");
    size_t len = f ? fread(text, 1, sizeof text, f) : 0;
    if (f)
        fclose(f);
    if (!f) {
        sd__bk_fmt(msg, n, "identity %s: %s", identity, strerror(errno));
        return SD_EIO;
    }
    unsigned char sk[32], pk[32], want[32], sealed[32 + crypto_box_SEALBYTES], fkey[32], mk[32];
    size_t bn = 0;
    int rc = sd_seal_identity_parse(text, len, sk, pk, why, sizeof why);
    sodium_memzero(text, sizeof text);
    if (rc) {
        sd__bk_fmt(msg, n, "%s: %s", identity, why);
        return rc;
    }
    if (sd_seal_recipient_parse(rcpt, want, NULL, 0) || memcmp(want, pk, 32) != 0) {
        char mine[48];
        sd_seal_b64(pk, 32, mine, sizeof mine);
        sd__bk_fmt(msg, n,
                   "wrong key: backup %s is encrypted to %s, identity %s is the key of %s; "
                   "nothing was restored",
                   dir, rcpt, identity, mine);
        sodium_memzero(sk, sizeof sk);
        return SD_EDECRYPT;
    }
    if (sodium_base642bin(sealed, sizeof sealed, fk, strlen(fk), NULL, &bn, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bn != sizeof sealed || crypto_box_seal_open(fkey, sealed, bn, pk, sk) != 0) {
        sodium_memzero(sk, sizeof sk);
        sd__bk_fmt(msg, n, "wrong key: the file key of backup %s does not open with %s", dir,
                   identity);
        return SD_EDECRYPT;
    }
    sodium_memzero(sk, sizeof sk);
    sd__bk_keys(fkey, skey, mk);
    sodium_memzero(fkey, sizeof fkey);
    char hex[SD_BK_HEX];
    rc = sd__bk_mac(mk, id, json_object_get(m, "files"), hex);
    sodium_memzero(mk, sizeof mk);
    if (!rc && sodium_memcmp(hex, mac, SD_BK_HEX - 1) != 0) {
        sd__bk_fmt(msg, n,
                   "manifest.json: its MAC does not match (files added, dropped or changed)");
        return SD_ECONFLICT;
    }
    size_t i;
    json_t *fj;
    json_array_foreach(json_object_get(m, "files"), i, fj)
    {
        const char *p = json_string_value(json_object_get(fj, "path"));
        char src[PATH_MAX];
        int64_t size;
        sd__bk_fmt(src, sizeof src, "%s/%s", dir, p);
        if (!rc && (rc = sd__bk_seal_copy(0, skey, p, src, NULL, 0, &size, hex, NULL, why,
                                          sizeof why)) != 0)
            sd__bk_fmt(msg, n, "backup %s is damaged, nothing was restored: %s: %s", dir, p, why);
    }
    return rc;
}

int sd_backup_restore(const char *dir, const sd_restore_opts_t *o, char *msg, size_t n)
{
    char objdir[PATH_MAX], keyp[PATH_MAX], dbpath[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
    char def_url[PATH_MAX + 16];
    int lock = -1, rc;
    json_t *m = NULL;
    unsigned char skey[32], *bkey = NULL;
    /* every byte is checked before the first is written (the data dir is not even created) */
    char why[1024];
    if ((rc = sd_backup_verify(dir, why, sizeof why)) != 0) {
        sd__bk_fmt(msg, n, "backup %s is damaged, nothing was restored: %s", dir, why);
        return rc;
    }
    m = sd__bk_manifest(dir, msg, n);
    if (!m)
        return SD_ESYNTAX;
    /* an encrypted backup: the identity opens it, and every file is authenticated now */
    if (json_is_object(json_object_get(m, "encryption"))) {
        if ((rc = backup_key(dir, m, o->identity, skey, msg, n)) != 0)
            goto out;
        bkey = skey;
    }
    if ((rc = sd__bk_mkdirs(o->data_dir, 0700)) != 0) {
        sd__bk_fmt(msg, n, "data dir %s: %s", o->data_dir, strerror(errno));
        goto out;
    }
    /* held until the end: a suidod started meanwhile waits out the restore by failing to start */
    if ((rc = sd_datadir_lock(o->data_dir, false, &lock, msg, n)) != 0)
        goto out;
    const char *backend = json_string_value(json_object_get(m, "backend"));
    const char *store = json_string_value(json_object_get(m, "store"));
    sd__bk_fmt(objdir, sizeof objdir, "%s", o->objects_dir ? o->objects_dir : "");
    if (!o->objects_dir)
        sd__bk_fmt(objdir, sizeof objdir, "%s/objects", o->data_dir);
    sd__bk_fmt(keyp, sizeof keyp, "%s/secret.key", o->data_dir);
    sd__bk_fmt(def_url, sizeof def_url, "sqlite://%s/suido.db", o->data_dir);
    const char *url = o->store_url ? o->store_url : def_url;
    int is_pg = !strncmp(url, "postgres", 8);
    if (!backend || !store || !sd__bk_path_ok(store) ||
        strcmp(backend, is_pg ? "postgresql" : "sqlite") != 0) {
        sd__bk_fmt(msg, n, "the backup holds a %s store; the target %s is %s%s",
                   backend ? backend : "(unknown)", o->store_url ? "--store-url" : "data dir",
                   is_pg ? "PostgreSQL" : "SQLite",
                   backend && !strcmp(backend, "postgresql") && !is_pg
                       ? " (give --store-url postgresql://...)"
                       : "");
        rc = SD_ECONFIG;
        goto out;
    }
    if (!is_pg) {
        if (sqlite_path(url, dbpath, sizeof dbpath) != 0) {
            sd__bk_fmt(msg, n, "--store-url must be sqlite:///absolute/path or postgresql://...");
            rc = SD_ECONFIG;
            goto out;
        }
        if (exists(dbpath) && !o->force) {
            sd__bk_fmt(msg, n, "%s exists: restore into a fresh data dir or use --force", dbpath);
            rc = SD_EEXIST;
            goto out;
        }
    }
    /* the key: a different one already there would make the restored TOTP secrets unreadable */
    size_t i;
    json_t *f;
    const char *key_sha = NULL;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        if (!strcmp(json_string_value(json_object_get(f, "path")), "secret.key"))
            key_sha = json_string_value(json_object_get(f, "sha256"));
    }
    char hex[SD_BK_HEX];
    int64_t size;
    int key_same = 0;
    if (!key_sha && !o->key_file && !exists(keyp)) {
        /* a plaintext backup leaves the key out: without it TOTP secrets, the PKI keys, files and
         * documents would not open */
        sd__bk_fmt(msg, n,
                   "backup %s holds no secret.key (it is not encrypted): give the platform's key "
                   "with --key-file, or put it at %s first; nothing was restored",
                   dir, keyp);
        rc = SD_ENOTFOUND;
        goto out;
    }
    if (!key_sha && o->key_file) {
        int64_t ks = 0;
        if (sd__bk_hash_file(o->key_file, &ks, hex) != 0 || ks != 32) {
            sd__bk_fmt(msg, n, "--key-file %s: not a 32-byte key", o->key_file);
            rc = SD_ECONFIG;
            goto out;
        }
        char have[SD_BK_HEX];
        if (sd__bk_hash_file(keyp, &size, have) == 0 && strcmp(have, hex) != 0 && !o->force) {
            sd__bk_fmt(msg, n, "%s exists and differs from --key-file: use --force", keyp);
            rc = SD_EEXIST;
            goto out;
        }
    }
    if (key_sha && bkey) {
        /* the backup's key is sealed: compare what it opens to */
        char plain[SD_BK_HEX], kwhy[256];
        sd__bk_fmt(src, sizeof src, "%s/secret.key", dir);
        if (exists(keyp) && sd__bk_seal_copy(0, bkey, "secret.key", src, NULL, 0, &size, hex, plain,
                                             kwhy, sizeof kwhy) == 0) {
            char have[SD_BK_HEX];
            if (sd__bk_hash_file(keyp, &size, have) == 0) {
                key_same = !strcmp(have, plain);
                if (!key_same && !o->force) {
                    sd__bk_fmt(msg, n, "%s exists and differs from the backup's key: use --force",
                               keyp);
                    rc = SD_EEXIST;
                    goto out;
                }
            }
        }
    } else if (key_sha && sd__bk_hash_file(keyp, &size, hex) == 0) {
        key_same = !strcmp(hex, key_sha);
        if (!key_same && !o->force) {
            sd__bk_fmt(msg, n, "%s exists and differs from the backup's key: use --force", keyp);
            rc = SD_EEXIST;
            goto out;
        }
    }

    /* the store */
    sd__bk_fmt(src, sizeof src, "%s/%s", dir, store);
    if (is_pg) {
        /* pg_restore reads a file: an encrypted dump is opened into the (encrypted) data dir */
        char plain[PATH_MAX + 32];
        sd__bk_fmt(plain, sizeof plain, "%s/.restore-%s", o->data_dir, store);
        unlink(plain);
        if (bkey) {
            char kwhy[256];
            int64_t sz;
            if ((rc = sd__bk_seal_copy(0, bkey, store, src, plain, 0600, &sz, hex, NULL, kwhy,
                                       sizeof kwhy)) != 0) {
                sd__bk_fmt(msg, n, "%s: %s", store, kwhy);
                unlink(plain);
                goto out;
            }
        }
        rc = restore_pg(
            bkey ? plain : src,
            &(sd_restore_opts_t){.data_dir = o->data_dir, .store_url = url, .force = o->force}, msg,
            n);
        unlink(plain);
        if (rc)
            goto out;
    } else {
        const char *sha = NULL;
        json_array_foreach(json_object_get(m, "files"), i, f)
        {
            if (!strcmp(json_string_value(json_object_get(f, "path")), store))
                sha = json_string_value(json_object_get(f, "sha256"));
        }
        /* an old WAL beside the new file would be replayed into it */
        for (const char *suf = "-wal"; suf; suf = !strcmp(suf, "-wal") ? "-shm" : NULL) {
            sd__bk_fmt(dst, sizeof dst, "%s%s", dbpath, suf);
            unlink(dst);
        }
        if ((rc = place(src, dbpath, 0600, sha, bkey, store)) != 0) {
            sd__bk_fmt(msg, n, "%s: %s", dbpath, sd_strerror(rc));
            goto out;
        }
    }
    /* object files and the key */
    int64_t nobj = 0, bytes = 0;
    json_array_foreach(json_object_get(m, "files"), i, f)
    {
        const char *p = json_string_value(json_object_get(f, "path"));
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        sd__bk_fmt(src, sizeof src, "%s/%s", dir, p);
        if (!strncmp(p, "objects/", 8)) {
            sd__bk_fmt(dst, sizeof dst, "%s/%s", objdir, p + 8);
            if (!bkey && sd__bk_hash_file(dst, &size, hex) == 0 && !strcmp(hex, sha))
                continue; /* already there, content-addressed */
            rc = place(src, dst, 0600, sha, bkey, p);
            nobj++;
            bytes += json_integer_value(json_object_get(f, "size"));
        } else if (!strcmp(p, "secret.key") && !key_same) {
            rc = place(src, keyp, 0600, sha, bkey, p);
        } else if (!strncmp(p, "pki/", 4) && !strchr(p + 4, '/')) {
            char pkip[PATH_MAX];
            if (o->pki_dir)
                sd__bk_fmt(pkip, sizeof pkip, "%s/%s", o->pki_dir, p + 4);
            else
                sd__bk_fmt(pkip, sizeof pkip, "%s/pki/%s", o->data_dir, p + 4);
            rc = place(src, pkip, strstr(p, ".key") ? 0600 : 0644, sha, bkey, p);
        }
        if (rc) {
            sd__bk_fmt(msg, n, "%s: %s", p, sd_strerror(rc));
            goto out;
        }
    }
    if (!rc && !key_sha && o->key_file)
        rc = place(o->key_file, keyp, 0600, NULL, NULL, NULL);
    if (rc) {
        sd__bk_fmt(msg, n, "%s: %s", keyp, sd_strerror(rc));
        goto out;
    }
    json_t *c = json_object_get(m, "counts");
    sd__bk_fmt(msg, n,
               "restored backup %s (%s store, %lld samples, %lld files, %lld documents) into %s; "
               "%lld object files (%lld bytes) copied",
               json_string_value(json_object_get(m, "id")), backend,
               (long long)json_integer_value(json_object_get(c, "samples")),
               (long long)json_integer_value(json_object_get(c, "objects")),
               (long long)json_integer_value(json_object_get(c, "documents")), o->data_dir,
               (long long)nobj, (long long)bytes);
out:
    sodium_memzero(skey, sizeof skey);
    json_decref(m);
    if (lock >= 0)
        close(lock);
    return rc;
}
