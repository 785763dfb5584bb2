/* ratelimit.c - per-key token buckets in an open-addressed table behind one mutex. */
#include "pf/ratelimit.h"

#include "core/err.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct bucket {
    int64_t key; /* 0 = empty slot (keys are never 0: tenant ids are > 0, hashed keys non-zero) */
    double tokens;
    int64_t last_ms;
};

struct sd_ratelimit {
    pthread_mutex_t lock;
    double rate, burst;
    struct bucket *slot;
    size_t cap, used;
};

sd_ratelimit_t *sd_ratelimit_new(double rate, double burst)
{
    if (!(rate > 0) || !(burst >= 1))
        return NULL;
    sd_ratelimit_t *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->rate = rate;
    rl->burst = burst;
    rl->cap = 64;
    rl->slot = calloc(rl->cap, sizeof *rl->slot);
    if (!rl->slot) {
        free(rl);
        return NULL;
    }
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void sd_ratelimit_free(sd_ratelimit_t *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slot);
    free(rl);
}

static struct bucket *find(struct bucket *slot, size_t cap, int64_t key)
{
    size_t i = (size_t)((uint64_t)key * 0x9E3779B97F4A7C15ULL) & (cap - 1);
    while (slot[i].key && slot[i].key != key)
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

/* Tokens of b at now_ms (refilled, capped at burst); time going backwards counts as still. */
static double level(const sd_ratelimit_t *rl, const struct bucket *b, int64_t now_ms)
{
    double t = b->tokens;
    if (now_ms > b->last_ms)
        t += (double)(now_ms - b->last_ms) * rl->rate / 1000.0;
    return t > rl->burst ? rl->burst : t;
}

/* Keep the table at most half full so probes stay short. A full bucket is the same as none, so
 * rehashing drops those: the table holds only keys that are still waiting for tokens. */
static int grow(sd_ratelimit_t *rl, int64_t now_ms)
{
    size_t live = 0;
    for (size_t i = 0; i < rl->cap; i++)
        if (rl->slot[i].key && level(rl, &rl->slot[i], now_ms) < rl->burst)
            live++;
    size_t cap = rl->cap;
    while (live * 4 >= cap)
        cap *= 2;
    struct bucket *s = calloc(cap, sizeof *s);
    if (!s)
        return SD_ENOMEM;
    for (size_t i = 0; i < rl->cap; i++)
        if (rl->slot[i].key && level(rl, &rl->slot[i], now_ms) < rl->burst)
            *find(s, cap, rl->slot[i].key) = rl->slot[i];
    free(rl->slot);
    rl->slot = s;
    rl->cap = cap;
    rl->used = live;
    return 0;
}

int sd_ratelimit_take(sd_ratelimit_t *rl, int64_t key, int64_t now_ms, int64_t *retry_after_ms)
{
    int rc = 0;
    *retry_after_ms = 0;
    pthread_mutex_lock(&rl->lock);
    struct bucket *b = find(rl->slot, rl->cap, key);
    if (!b->key) {
        if (rl->used * 2 >= rl->cap && grow(rl, now_ms) == 0)
            b = find(rl->slot, rl->cap, key);
        *b = (struct bucket){key, rl->burst, now_ms};
        rl->used++;
    }
    b->tokens = level(rl, b, now_ms);
    if (now_ms > b->last_ms)
        b->last_ms = now_ms;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
    } else {
        *retry_after_ms = (int64_t)((1.0 - b->tokens) * 1000.0 / rl->rate) + 1;
        rc = SD_ERATE;
    }
    pthread_mutex_unlock(&rl->lock);
    return rc;
}

int sd_ratelimit_peek(sd_ratelimit_t *rl, int64_t key, int64_t now_ms, int64_t *retry_after_ms)
{
    *retry_after_ms = 0;
    pthread_mutex_lock(&rl->lock);
    const struct bucket *b = find(rl->slot, rl->cap, key);
    double t = b->key ? level(rl, b, now_ms) : rl->burst;
    pthread_mutex_unlock(&rl->lock);
    if (t >= 1.0)
        return 0;
    *retry_after_ms = (int64_t)((1.0 - t) * 1000.0 / rl->rate) + 1;
    return SD_ERATE;
}

void sd_ratelimit_give(sd_ratelimit_t *rl, int64_t key, int64_t now_ms)
{
    pthread_mutex_lock(&rl->lock);
    struct bucket *b = find(rl->slot, rl->cap, key);
    if (b->key) {
        b->tokens += 1.0;
        if (b->tokens > rl->burst)
            b->tokens = rl->burst;
    }
    pthread_mutex_unlock(&rl->lock);
}

static unsigned char key_secret[crypto_shorthash_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void key_secret_init(void)
{
    if (sodium_init() >= 0)
        randombytes_buf(key_secret, sizeof key_secret);
}

int64_t sd_ratelimit_key(const void *data, size_t len)
{
    pthread_once(&key_once, key_secret_init);
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, data, (unsigned long long)len, key_secret);
    uint64_t k;
    memcpy(&k, h, sizeof k);
    k >>= 1; /* positive */
    return k ? (int64_t)k : 1;
}
