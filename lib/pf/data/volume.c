/* volume.c - the dm-crypt check of the data directory: mountinfo, then sysfs. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/data/volume.h"

/* Copy the field [s, e) unescaping \ooo (octal, as the kernel writes space, tab, \n, \\). */
static int unescape(const char *s, const char *e, char *out, size_t n)
{
    size_t k = 0;
    while (s < e) {
        char c = *s++;
        if (c == '\\' && e - s >= 3 && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' &&
            s[2] >= '0' && s[2] <= '7') {
            c = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
            s += 3;
        }
        if (k + 1 >= n)
            return SD_ETOOBIG;
        out[k++] = c;
    }
    out[k] = 0;
    return 0;
}

/* Is mount point m path itself or a parent of it? */
static int holds(const char *m, const char *path)
{
    size_t ml = strlen(m);
    if (!strcmp(m, "/"))
        return path[0] == '/';
    return !strncmp(m, path, ml) && (path[ml] == 0 || path[ml] == '/');
}

int sd_volume_mount_of(const char *text, size_t n, const char *path, unsigned *maj, unsigned *min,
                       char *mnt, size_t mntn, char *fstype, size_t fsn, int *line)
{
    size_t best = 0;
    int found = 0, ln = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && text[e] != '\n')
            e++;
        ln++;
        const char *l = text + i, *end = text + e;
        i = e + 1;
        if (l == end)
            continue;
        /* fields: id parent maj:min root mountpoint options [optional...] - fstype source ... */
        const char *f[6];
        const char *fe[6];
        const char *p = l;
        int nf = 0;
        while (nf < 6 && p < end) {
            while (p < end && *p == ' ')
                p++;
            if (p >= end)
                break;
            f[nf] = p;
            while (p < end && *p != ' ')
                p++;
            fe[nf++] = p;
        }
        const char *dash = NULL, *fs = NULL, *fse = NULL;
        for (const char *q = p; nf == 6 && q + 1 < end; q++)
            if (q[0] == ' ' && q[1] == '-' && (q + 2 == end || q[2] == ' ')) {
                dash = q + 2;
                break;
            }
        if (dash) {
            fs = dash;
            while (fs < end && *fs == ' ')
                fs++;
            fse = fs;
            while (fse < end && *fse != ' ')
                fse++;
        }
        unsigned a = 0, b = 0;
        char dev[32], mp[PATH_MAX], tail;
        size_t dl = nf >= 3 ? (size_t)(fe[2] - f[2]) : 0;
        if (nf < 6 || !dash || fs == fse || dl == 0 || dl >= sizeof dev) {
            if (line)
                *line = ln;
            return SD_ESYNTAX;
        }
        memcpy(dev, f[2], dl);
        dev[dl] = 0;
        if (sscanf(dev, "%u:%u%c", &a, &b, &tail) != 2 || unescape(f[4], fe[4], mp, sizeof mp) ||
            mp[0] != '/') {
            if (line)
                *line = ln;
            return SD_ESYNTAX;
        }
        size_t ml = strlen(mp);
        if (holds(mp, path) && ml >= best) {
            best = ml;
            found = 1;
            if (maj)
                *maj = a;
            if (min)
                *min = b;
            if (mnt)
                snprintf(mnt, mntn, "%s", mp);
            if (fstype)
                snprintf(fstype, fsn, "%.*s", (int)(fse - fs), fs);
        }
    }
    return found ? 0 : SD_ENOTFOUND;
}

/* The first line of a small file, or "" */
static void read_line(const char *p, char *buf, size_t n)
{
    buf[0] = 0;
    FILE *f = fopen(p, "r");
    if (!f)
        return;
    if (!fgets(buf, (int)n, f))
        buf[0] = 0;
    buf[strcspn(buf, "\n")] = 0;
    fclose(f);
}

static int is_crypt(const char *sysfs, unsigned maj, unsigned min, char *name, size_t n, int depth)
{
    char p[PATH_MAX], v[256];
    if (depth > 8)
        return 0;
    snprintf(p, sizeof p, "%s/dev/block/%u:%u/dm/uuid", sysfs, maj, min);
    read_line(p, v, sizeof v);
    if (!strncmp(v, "CRYPT-", 6)) {
        snprintf(p, sizeof p, "%s/dev/block/%u:%u/dm/name", sysfs, maj, min);
        read_line(p, v, sizeof v);
        snprintf(name, n, "%s", *v ? v : "dm-crypt");
        return 1;
    }
    /* what it is built on: LVM or RAID over LUKS */
    snprintf(p, sizeof p, "%s/dev/block/%u:%u/slaves", sysfs, maj, min);
    DIR *d = opendir(p);
    struct dirent *e;
    int yes = 0;
    while (d && !yes && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char q[PATH_MAX + 300];
        unsigned a, b;
        snprintf(q, sizeof q, "%s/class/block/%s/dev", sysfs, e->d_name);
        read_line(q, v, sizeof v);
        if (sscanf(v, "%u:%u", &a, &b) == 2)
            yes = is_crypt(sysfs, a, b, name, n, depth + 1);
    }
    if (d)
        closedir(d);
    return yes;
}

int sd_volume_is_crypt(const char *sysfs, unsigned maj, unsigned min, char *name, size_t n)
{
    return is_crypt(sysfs, maj, min, name, n, 0);
}

int sd_volume_check(const char *path, char *msg, size_t n)
{
    char real[PATH_MAX], mnt[PATH_MAX], fs[64], name[128];
    if (!realpath(path, real)) {
        snprintf(msg, n, "data.dir %s: cannot resolve it", path);
        return SD_ENOTFOUND;
    }
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f) {
        snprintf(msg, n,
                 "data.dir %s: /proc/self/mountinfo unreadable: cannot tell whether its "
                 "volume is encrypted",
                 real);
        return SD_EIO;
    }
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    for (size_t r; text && (r = fread(text + len, 1, cap - len, f)) > 0;) {
        len += r;
        if (len == cap) {
            char *t = realloc(text, cap * 2);
            if (!t) {
                free(text);
                text = NULL;
            } else {
                text = t;
                cap *= 2;
            }
        }
    }
    fclose(f);
    if (!text)
        return SD_ENOMEM;
    unsigned maj = 0, min = 0;
    int line = 0;
    int rc = sd_volume_mount_of(text, len, real, &maj, &min, mnt, sizeof mnt, fs, sizeof fs, &line);
    free(text);
    if (rc) {
        snprintf(msg, n, "data.dir %s: no mount found for it (mountinfo line %d)", real, line);
        return rc;
    }
    if (sd_volume_is_crypt("/sys", maj, min, name, sizeof name)) {
        snprintf(msg, n, "data.dir %s is on an encrypted volume (%s on dm-crypt %s)", real, mnt,
                 name);
        return 1;
    }
    snprintf(
        msg, n,
        "data.dir %s is NOT on an encrypted volume (%s, %s, device %u:%u): the store's samples "
        "and accounts are plaintext on disk; put it on LUKS (docs/encryption.md)",
        real, mnt, fs, maj, min);
    return 0;
}
