/* http_static.c - static files: safe resolution under a root, content types, ETag and 304. */
#include "http/http_int.h"

#include "core/err.h"
#include "core/time.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files up to this size are read into memory; larger ones are sent from the descriptor. */
#define SMALL_FILE (64 * 1024)

struct static_mount {
    struct static_mount *next;
    char *root; /* realpath of the served directory */
    size_t root_len;
};

int sd__http_static_mount_new(const char *dir, static_mount_t **list, static_mount_t **out)
{
    char *root = dir ? realpath(dir, NULL) : NULL;
    struct stat st;
    if (!root || stat(root, &st) || !S_ISDIR(st.st_mode)) {
        free(root);
        return SD_ENOTFOUND;
    }
    static_mount_t *m = calloc(1, sizeof *m);
    if (!m) {
        free(root);
        return SD_ENOMEM;
    }
    m->root = root;
    m->root_len = strlen(root);
    /* "/" as root would make every "/x" look inside; keep the prefix test uniform */
    if (m->root_len == 1)
        m->root_len = 0;
    m->next = *list;
    *list = m;
    *out = m;
    return 0;
}

void sd__http_static_mounts_free(static_mount_t *m)
{
    while (m) {
        static_mount_t *n = m->next;
        free(m->root);
        free(m);
        m = n;
    }
}

static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"txt", "text/plain; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
    {"pem", "application/x-pem-file"},
};

const char *sd_http_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    if (dot && dot[1])
        for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
            if (!strcasecmp(dot + 1, TYPES[i].ext))
                return TYPES[i].type;
    return "application/octet-stream";
}

static void http_date(int64_t t, char *out, size_t n)
{
    static const char *wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    sd_civil_t c;
    sd_civil_from_unix(t, 0, &c);
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[((days % 7) + 7) % 7], c.day,
             mon[c.mon - 1], c.year, c.hour, c.min, c.sec);
}

/* IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"); -1 when it is not one. */
static int64_t parse_http_date(const char *s)
{
    static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wd[4], mn[4];
    int n = 0;
    sd_civil_t c;
    if (sscanf(s, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", wd, &c.day, mn, &c.year,
               &c.hour, &c.min, &c.sec, &n) != 7 ||
        n == 0 || s[n] != '\0')
        return -1;
    const char *m = strstr(mons, mn);
    if (!m || strlen(mn) != 3 || (m - mons) % 3)
        return -1;
    c.mon = (int)(m - mons) / 3 + 1;
    if (!sd_civil_valid(&c))
        return -1;
    return sd_civil_to_unix(&c, 0);
}

int sd__http_reply_fd(sd_http_req_t *req, int fd, const char *name, const char *content_type,
                      const char *strong_etag)
{
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return SD_ENOTFOUND;
    }
    char etag[136], lastmod[40];
    if (strong_etag && strlen(strong_etag) < sizeof etag - 2)
        snprintf(etag, sizeof etag, "\"%s\"", strong_etag);
    else
        snprintf(etag, sizeof etag, "\"%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_size,
                 (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
    http_date((int64_t)st.st_mtim.tv_sec, lastmod, sizeof lastmod);
    const char *inm = sd_http_req_header(req, "If-None-Match");
    const char *ims = sd_http_req_header(req, "If-Modified-Since");
    int fresh = 0;
    if (inm)
        fresh = !strcmp(inm, "*") || strstr(inm, etag) != NULL;
    else if (ims) {
        int64_t t = parse_http_date(ims);
        fresh = t >= 0 && (int64_t)st.st_mtim.tv_sec <= t;
    }
    struct MHD_Response *r;
    uint64_t bytes = 0;
    if (fresh) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else if (st.st_size <= SMALL_FILE) {
        /* one copy beats sendfile's extra round for small assets (and TLS copies anyway) */
        char *buf = malloc((size_t)st.st_size + 1);
        ssize_t got = buf ? pread(fd, buf, (size_t)st.st_size, 0) : -1;
        close(fd);
        r = got == (ssize_t)st.st_size
                ? MHD_create_response_from_buffer((size_t)got, buf, MHD_RESPMEM_MUST_FREE)
                : NULL;
        if (!r)
            free(buf);
        bytes = (uint64_t)st.st_size;
    } else {
        r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
        if (!r)
            close(fd);
        bytes = (uint64_t)st.st_size;
    }
    if (r && (MHD_add_response_header(r, "ETag", etag) != MHD_YES ||
              MHD_add_response_header(r, "Last-Modified", lastmod) != MHD_YES)) {
        MHD_destroy_response(r);
        r = NULL;
    }
    const char *ct = content_type ? content_type : sd_http_content_type(name);
    return sd__http_set_reply(req, fresh ? 304 : 200, r, bytes, fresh ? NULL : ct, KIND_STATIC, 0);
}

int sd_http_reply_file(sd_http_req_t *req, const char *path, const char *content_type,
                       const char *etag)
{
    if (req->replied)
        return SD_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SD_ENOTFOUND;
    return sd__http_reply_fd(req, fd, path, content_type, etag);
}

typedef struct {
    sd_http_read_fn read;
    void (*free_fn)(void *);
    void *ctx;
} reader_t;

static ssize_t reader_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    reader_t *rd = cls;
    size_t got = 0;
    /* MHD stops at the Content-Length: an error or a short read ends the connection early */
    if (rd->read(rd->ctx, pos, buf, max, &got) || got == 0 || got > max)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return (ssize_t)got;
}

static void reader_free(void *cls)
{
    reader_t *rd = cls;
    if (rd->free_fn)
        rd->free_fn(rd->ctx);
    free(rd);
}

int sd_http_reply_reader(sd_http_req_t *req, int status, const char *content_type, uint64_t size,
                         const char *etag, sd_http_read_fn read, void (*free_fn)(void *ctx),
                         void *ctx)
{
    char tag[136] = "";
    if (etag && strlen(etag) < sizeof tag - 2)
        snprintf(tag, sizeof tag, "\"%s\"", etag);
    const char *inm = tag[0] ? sd_http_req_header(req, "If-None-Match") : NULL;
    int fresh = inm && (!strcmp(inm, "*") || strstr(inm, tag) != NULL);
    reader_t *rd = req->replied || fresh ? NULL : malloc(sizeof *rd);
    struct MHD_Response *r = NULL;
    if (rd) {
        *rd = (reader_t){read, free_fn, ctx};
        r = MHD_create_response_from_callback(size, 64 * 1024, reader_cb, rd, reader_free);
        if (!r)
            free(rd);
    }
    if (!r && free_fn)
        free_fn(ctx); /* not handed to a response: done with it now */
    if (req->replied)
        return SD_EINVAL;
    if (fresh)
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r && tag[0] && MHD_add_response_header(r, "ETag", tag) != MHD_YES) {
        MHD_destroy_response(r);
        r = NULL;
    }
    return sd__http_set_reply(req, fresh ? 304 : status, r, fresh ? 0 : size,
                              fresh ? NULL : content_type, KIND_STATIC, 0);
}

/*
 * realpath() of p, accepted only inside the mount and with no hidden component after the root
 * (a symlink inside the root may point at ".git"). NULL when refused or missing.
 */
static char *resolve(const static_mount_t *m, const char *p)
{
    char *real = realpath(p, NULL);
    if (!real)
        return NULL;
    if (strncmp(real, m->root, m->root_len) || (real[m->root_len] != '/' && real[m->root_len]) ||
        strstr(real + m->root_len, "/.")) {
        free(real);
        return NULL;
    }
    return real;
}

void sd__http_static_handler(sd_http_req_t *req, void *ctx)
{
    const static_mount_t *m = ctx;
    const sd_http_path_t *p = &req->path;
    sd_buf_t path = {0};
    char *real = NULL;
    int rc = sd_buf_append_str(&path, m->root);
    for (size_t i = req->match.rest_seg; i < p->nsegs && !rc; i++) {
        const char *s = p->seg[i];
        size_t n = p->len[i];
        /* dot segments and hidden names, empty segments, encoded separators: never a file */
        if (n == 0 || s[0] == '.' || memchr(s, '/', n) || memchr(s, '\\', n))
            goto notfound;
        rc = sd_buf_printf(&path, "/%s", s);
    }
    if (rc)
        goto oom;
    real = resolve(m, path.data);
    if (!real)
        goto notfound;
    struct stat st;
    if (stat(real, &st))
        goto notfound;
    if (!S_ISDIR(st.st_mode) && p->trailing_slash)
        goto notfound;
    if (S_ISDIR(st.st_mode)) {
        /* "/" itself has no segment to carry a trailing slash: it is one already */
        if (!p->trailing_slash && p->nsegs > 0) {
            sd_buf_t loc = {0};
            if (sd_buf_printf(&loc, "%s/", sd_http_req_path(req)))
                goto oom;
            sd_http_reply_redirect(req, 301, loc.data);
            sd_buf_free(&loc);
            goto out;
        }
        sd_buf_reset(&path);
        if (sd_buf_printf(&path, "%s/index.html", real))
            goto oom;
        free(real);
        real = resolve(m, path.data);
        if (!real)
            goto notfound;
    }
    /* resolved already: a symlink swapped in since then is refused rather than followed */
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || sd__http_reply_fd(req, fd, real, NULL, NULL) == SD_ENOTFOUND)
        goto notfound;
    goto out;
notfound:
    sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
    goto out;
oom:
    sd_http_reply_error(req, SD_ENOMEM, NULL, NULL);
out:
    free(real);
    sd_buf_free(&path);
}
