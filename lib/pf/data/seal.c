/* seal.c - sealed files (secretstream per file), sealed texts (XChaCha20-Poly1305), tenant keys
 * and backup recipient keys. See seal.h for the formats. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hex.h"
#include "pf/data/seal.h"

#define SS_HDR  crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_A    crypto_secretstream_xchacha20poly1305_ABYTES
#define BLOCK   (SD_SEAL_CHUNK + SS_A)
#define TAG_MSG crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FIN crypto_secretstream_xchacha20poly1305_TAG_FINAL

static void say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t n, const char *fmt, ...)
{
    if (!buf || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

int sd_seal_fd_out(void *ctx, const void *data, size_t len)
{
    int fd = *(int *)ctx;
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return SD_EIO;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int sd_seal_fd_in(void *ctx, void *buf, size_t n, size_t *got)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return SD_EIO;
        *got = (size_t)r;
        return 0;
    }
}

/* ---- writer --------------------------------------------------------------------------------- */

struct sd_seal_w {
    crypto_secretstream_xchacha20poly1305_state st;
    sd_seal_out_fn out;
    void *ctx;
    char *ad;
    size_t adlen, fill;
    int64_t size;
    int failed;
    unsigned char plain[SD_SEAL_CHUNK];
    unsigned char enc[BLOCK];
};

static int w_push(sd_seal_w_t *w, unsigned char tag)
{
    unsigned long long clen = 0;
    crypto_secretstream_xchacha20poly1305_push(&w->st, w->enc, &clen, w->plain, w->fill,
                                               (const unsigned char *)w->ad, w->adlen, tag);
    w->fill = 0;
    int rc = w->out(w->ctx, w->enc, (size_t)clen);
    if (rc)
        w->failed = 1;
    else
        w->size += (int64_t)clen;
    return rc;
}

int sd_seal_w_new(const unsigned char key[SD_SEAL_KEY], const char *ad, sd_seal_out_fn out,
                  void *ctx, sd_seal_w_t **wp)
{
    *wp = NULL;
    if (sodium_init() < 0) /* sodium_malloc needs it; a no-op after the first call */
        return SD_EINTERNAL;
    sd_seal_w_t *w = sodium_malloc(sizeof *w);
    if (!w)
        return SD_ENOMEM;
    memset(w, 0, sizeof *w);
    w->ad = strdup(ad ? ad : "");
    if (!w->ad) {
        sodium_free(w);
        return SD_ENOMEM;
    }
    w->adlen = strlen(w->ad);
    w->out = out;
    w->ctx = ctx;
    unsigned char hdr[SD_SEAL_HDR];
    memcpy(hdr, SD_SEAL_MAGIC, SD_SEAL_MAGIC_LEN);
    crypto_secretstream_xchacha20poly1305_init_push(&w->st, hdr + SD_SEAL_MAGIC_LEN, key);
    int rc = out(ctx, hdr, sizeof hdr);
    if (rc) {
        sd_seal_w_free(w);
        return rc;
    }
    w->size = SD_SEAL_HDR;
    *wp = w;
    return 0;
}

int sd_seal_w_write(sd_seal_w_t *w, const void *data, size_t len)
{
    const unsigned char *p = data;
    if (w->failed)
        return SD_EIO;
    while (len) {
        size_t k = SD_SEAL_CHUNK - w->fill < len ? SD_SEAL_CHUNK - w->fill : len;
        memcpy(w->plain + w->fill, p, k);
        w->fill += k;
        p += k;
        len -= k;
        /* a full chunk is pushed only once more data comes: the last one must be short */
        if (w->fill == SD_SEAL_CHUNK && len) {
            int rc = w_push(w, TAG_MSG);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int sd_seal_w_finish(sd_seal_w_t *w, const char *final_ad)
{
    if (w->failed)
        return SD_EIO;
    int rc = 0;
    if (w->fill == SD_SEAL_CHUNK)
        rc = w_push(w, TAG_MSG);
    if (!rc && final_ad) {
        char *a = strdup(final_ad);
        if (!a)
            return SD_ENOMEM;
        free(w->ad);
        w->ad = a;
        w->adlen = strlen(a);
    }
    return rc ? rc : w_push(w, TAG_FIN);
}

int64_t sd_seal_w_size(const sd_seal_w_t *w)
{
    return w->size;
}

void sd_seal_w_free(sd_seal_w_t *w)
{
    if (!w)
        return;
    free(w->ad);
    sodium_free(w); /* zeroes */
}

/* ---- reader --------------------------------------------------------------------------------- */

struct sd_seal_r {
    crypto_secretstream_xchacha20poly1305_state st;
    sd_seal_in_fn in;
    void *ctx;
    char *ad, *final_ad;
    size_t adlen;
    int64_t off; /* of the next chunk in the file */
    int done;
    char err[160];
    unsigned char enc[BLOCK];
    unsigned char plain[SD_SEAL_CHUNK];
};

/* Fill buf with up to n bytes, stopping only at the end of the source. */
static int fill(sd_seal_in_fn in, void *ctx, unsigned char *buf, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        size_t k = 0;
        int rc = in(ctx, buf + *got, n - *got, &k);
        if (rc)
            return rc;
        if (!k)
            break;
        *got += k;
    }
    return 0;
}

int sd_seal_is_sealed(const void *buf, size_t n)
{
    return n >= SD_SEAL_MAGIC_LEN && !memcmp(buf, SD_SEAL_MAGIC, SD_SEAL_MAGIC_LEN);
}

int sd_seal_r_new(const unsigned char key[SD_SEAL_KEY], const char *ad, sd_seal_in_fn in, void *ctx,
                  sd_seal_r_t **rp, char *why, size_t whyn)
{
    *rp = NULL;
    unsigned char hdr[SD_SEAL_HDR];
    size_t got = 0;
    int rc = fill(in, ctx, hdr, sizeof hdr, &got);
    if (rc) {
        say(why, whyn, "reading the header: %s", sd_strerror(rc));
        return rc;
    }
    if (got < sizeof hdr || !sd_seal_is_sealed(hdr, got)) {
        say(why, whyn, "not a sealed file (offset 0: %s)",
            got < sizeof hdr ? "shorter than a header" : "no suidoSS1 magic");
        return SD_ESYNTAX;
    }
    if (sodium_init() < 0)
        return SD_EINTERNAL;
    sd_seal_r_t *r = sodium_malloc(sizeof *r);
    if (!r)
        return SD_ENOMEM;
    memset(r, 0, sizeof *r);
    r->ad = strdup(ad ? ad : "");
    if (!r->ad) {
        sodium_free(r);
        return SD_ENOMEM;
    }
    r->adlen = strlen(r->ad);
    r->in = in;
    r->ctx = ctx;
    r->off = SD_SEAL_HDR;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&r->st, hdr + SD_SEAL_MAGIC_LEN, key) !=
        0) {
        say(why, whyn, "offset 8: bad secretstream header");
        sd_seal_r_free(r);
        return SD_ESYNTAX;
    }
    *rp = r;
    return 0;
}

int sd_seal_r_read(sd_seal_r_t *r, const unsigned char **data, size_t *len)
{
    *len = 0;
    *data = r->plain;
    if (r->done == 1)
        return 0;
    if (r->done)
        return SD_EINVAL; /* an error was returned before */
    size_t got = 0;
    /* a block shorter than BLOCK must be the FINAL one; a full one may be either */
    int rc = fill(r->in, r->ctx, r->enc, BLOCK, &got);
    if (rc) {
        snprintf(r->err, sizeof r->err, "offset %" PRId64 ": read error", r->off);
        r->done = 2;
        return rc;
    }
    if (got < SS_A) {
        snprintf(r->err, sizeof r->err,
                 "offset %" PRId64 ": truncated (the final chunk is missing)",
                 r->off + (int64_t)got);
        r->done = 2;
        return SD_ESYNTAX;
    }
    unsigned long long plen = 0;
    unsigned char tag = 0;
    /* only a short block can be the FINAL chunk: the writer never makes a full one FINAL */
    const char *ad = got < BLOCK && r->final_ad ? r->final_ad : r->ad;
    if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->plain, &plen, &tag, r->enc, got,
                                                   (const unsigned char *)ad, strlen(ad)) != 0) {
        snprintf(r->err, sizeof r->err,
                 "offset %" PRId64 ": the chunk does not authenticate (tampered, truncated, moved "
                 "from another name, or the wrong key)",
                 r->off);
        r->done = 2;
        return SD_EDECRYPT;
    }
    r->off += (int64_t)got;
    if (tag == TAG_FIN) {
        size_t extra = 0;
        unsigned char b;
        if ((rc = fill(r->in, r->ctx, &b, 1, &extra)) != 0 || extra) {
            snprintf(r->err, sizeof r->err, "offset %" PRId64 ": bytes after the final chunk",
                     r->off);
            r->done = 2;
            return rc ? rc : SD_ESYNTAX;
        }
        r->done = 1;
    } else if (tag != TAG_MSG || got != BLOCK) {
        snprintf(r->err, sizeof r->err,
                 "offset %" PRId64 ": truncated (the final chunk is missing)", r->off);
        r->done = 2;
        return SD_ESYNTAX;
    }
    *len = (size_t)plen;
    return 0;
}

const char *sd_seal_r_error(const sd_seal_r_t *r)
{
    return r->err;
}

int sd_seal_r_final_ad(sd_seal_r_t *r, const char *final_ad)
{
    free(r->final_ad);
    r->final_ad = strdup(final_ad);
    return r->final_ad ? 0 : SD_ENOMEM;
}

void sd_seal_r_free(sd_seal_r_t *r)
{
    if (!r)
        return;
    free(r->ad);
    free(r->final_ad);
    sodium_free(r);
}

typedef struct {
    const unsigned char *p;
    size_t n;
} mem_in_t;

static int mem_in(void *ctx, void *buf, size_t n, size_t *got)
{
    mem_in_t *m = ctx;
    *got = m->n < n ? m->n : n;
    memcpy(buf, m->p, *got);
    m->p += *got;
    m->n -= *got;
    return 0;
}

int sd_seal_open_buf(const unsigned char key[SD_SEAL_KEY], const char *ad, const void *in, size_t n,
                     unsigned char **out, size_t *outn, char *why, size_t whyn)
{
    mem_in_t m = {in, n};
    sd_seal_r_t *r = NULL;
    *out = NULL;
    *outn = 0;
    int rc = sd_seal_r_new(key, ad, mem_in, &m, &r, why, whyn);
    if (rc)
        return rc;
    /* the plaintext is never longer than the sealed file */
    unsigned char *buf = malloc(n + 1);
    size_t used = 0;
    if (!buf)
        rc = SD_ENOMEM;
    for (;;) {
        const unsigned char *d;
        size_t len;
        if (rc || (rc = sd_seal_r_read(r, &d, &len)) != 0 || !len)
            break;
        memcpy(buf + used, d, len);
        used += len;
    }
    if (rc) {
        if (buf)
            say(why, whyn, "%s", sd_seal_r_error(r));
        free(buf);
    } else {
        buf[used] = 0;
        *out = buf;
        *outn = used;
    }
    sd_seal_r_free(r);
    return rc;
}

void sd_seal_tenant_key(const unsigned char master[SD_SEAL_KEY], const char ctx[8], int64_t tenant,
                        unsigned char out[SD_SEAL_KEY])
{
    crypto_kdf_derive_from_key(out, SD_SEAL_KEY, (uint64_t)tenant, ctx, master);
}

/* ---- sealed texts --------------------------------------------------------------------------- */

#define TX_N crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TX_A crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64V sodium_base64_VARIANT_URLSAFE_NO_PADDING

int sd_seal_text(const unsigned char key[SD_SEAL_KEY], const char *ad, const char *text, char **out)
{
    size_t n = strlen(text), bn = TX_N + n + TX_A;
    size_t pl = strlen(SD_SEAL_TEXT_PREFIX);
    size_t b64 = sodium_base64_encoded_len(bn, B64V);
    unsigned char *bin = malloc(bn);
    char *s = malloc(pl + b64);
    *out = NULL;
    if (!bin || !s) {
        free(bin);
        free(s);
        return SD_ENOMEM;
    }
    randombytes_buf(bin, TX_N);
    crypto_aead_xchacha20poly1305_ietf_encrypt(bin + TX_N, NULL, (const unsigned char *)text, n,
                                               (const unsigned char *)ad, strlen(ad), NULL, bin,
                                               key);
    memcpy(s, SD_SEAL_TEXT_PREFIX, pl);
    sodium_bin2base64(s + pl, b64, bin, bn, B64V);
    free(bin);
    *out = s;
    return 0;
}

int sd_seal_text_open(const unsigned char key[SD_SEAL_KEY], const char *ad, const char *in,
                      char **out, int *sealed)
{
    size_t pl = strlen(SD_SEAL_TEXT_PREFIX);
    *out = NULL;
    *sealed = !strncmp(in, SD_SEAL_TEXT_PREFIX, pl);
    if (!*sealed)
        return (*out = strdup(in)) ? 0 : SD_ENOMEM;
    const char *b = in + pl;
    size_t bl = strlen(b), bn = 0;
    unsigned char *bin = malloc(bl + 1);
    if (!bin)
        return SD_ENOMEM;
    const char *end = NULL;
    if (sodium_base642bin(bin, bl + 1, b, bl, NULL, &bn, &end, B64V) != 0 || end != b + bl ||
        bn < TX_N + TX_A) {
        free(bin);
        return SD_ESYNTAX;
    }
    char *p = malloc(bn - TX_N - TX_A + 1);
    unsigned long long pn = 0;
    int rc = 0;
    if (!p)
        rc = SD_ENOMEM;
    else if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)p, &pn, NULL, bin + TX_N,
                                                        bn - TX_N, (const unsigned char *)ad,
                                                        strlen(ad), bin, key) != 0)
        rc = SD_EDECRYPT;
    free(bin);
    if (rc) {
        free(p);
        return rc;
    }
    p[pn] = 0;
    if (strlen(p) != pn) { /* a NUL inside: not a text we sealed */
        free(p);
        return SD_ESYNTAX;
    }
    *out = p;
    return 0;
}

/* ---- recipients and identities -------------------------------------------------------------- */

void sd_seal_b64(const unsigned char *bin, size_t n, char *out, size_t outn)
{
    if (outn >= sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL))
        sodium_bin2base64(out, outn, bin, n, sodium_base64_VARIANT_ORIGINAL);
    else if (outn)
        out[0] = 0;
}

/* s (n bytes) as exactly 32 bytes of hex or base64 (either alphabet, padding optional). */
static int key32(const char *s, size_t n, unsigned char k[32])
{
    if (n == 64) {
        size_t i;
        for (i = 0; i < 64 && sd_hex_value(s[i]) >= 0; i++)
            ;
        if (i == 64) {
            for (i = 0; i < 32; i++)
                k[i] = (unsigned char)(sd_hex_value(s[2 * i]) * 16 + sd_hex_value(s[2 * i + 1]));
            return 0;
        }
    }
    static const int variants[] = {
        sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
        sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING};
    for (size_t v = 0; v < 4; v++) {
        unsigned char tmp[33];
        size_t bn = 0;
        const char *end = NULL;
        if (sodium_base642bin(tmp, sizeof tmp, s, n, NULL, &bn, &end, variants[v]) == 0 &&
            end == s + n && bn == 32) {
            memcpy(k, tmp, 32);
            sodium_memzero(tmp, sizeof tmp);
            return 0;
        }
    }
    return SD_ESYNTAX;
}

int sd_seal_recipient_parse(const char *s, unsigned char pk[32], char *why, size_t whyn)
{
    size_t n = s ? strlen(s) : 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (!n || key32(s, n, pk) != 0) {
        say(why, whyn,
            "backup.recipient: not a public key (32 bytes in base64 or 64 hex digits; "
            "`suidoctl backup keygen` prints one)");
        return SD_ESYNTAX;
    }
    return 0;
}

#define ID_TAG "SUIDO-BACKUP-KEY-1 "

int sd_seal_identity_parse(const char *text, size_t n, unsigned char sk[32], unsigned char pk[32],
                           char *why, size_t whyn)
{
    int line = 0, found = 0;
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && text[e] != '\n')
            e++;
        line++;
        size_t len = e - i;
        if (len && text[i + len - 1] == '\r')
            len--;
        const char *l = text + i;
        size_t tl = strlen(ID_TAG);
        if (len == 0 || l[0] == '#') {
            /* a comment or an empty line */
        } else if (len > tl && !memcmp(l, ID_TAG, tl) && !found &&
                   key32(l + tl, len - tl, sk) == 0) {
            found = 1;
        } else {
            say(why, whyn, "identity line %d: not \"# ...\" nor one \"%s<base64 key>\"", line,
                ID_TAG);
            sodium_memzero(sk, 32);
            return SD_ESYNTAX;
        }
        i = e + 1;
    }
    if (!found) {
        say(why, whyn, "identity: no \"%s<base64 key>\" line", ID_TAG);
        return SD_ESYNTAX;
    }
    crypto_scalarmult_base(pk, sk);
    return 0;
}

int sd_seal_identity_format(const unsigned char pk[32], const unsigned char sk[32], char *buf,
                            size_t n)
{
    char p[64], s[64];
    sd_seal_b64(pk, 32, p, sizeof p);
    sd_seal_b64(sk, 32, s, sizeof s);
    int k = snprintf(buf, n,
                     "# suido backup identity: the private key that opens backups.\n"
                     "# Keep it offline, away from the backups. Public key (backup.recipient):\n"
                     "# %s\n" ID_TAG "%s\n",
                     p, s);
    sodium_memzero(s, sizeof s);
    return k < 0 || (size_t)k >= n ? SD_ETOOBIG : 0;
}
