/* bench_auth.c - cost of the auth primitives: argon2id, TOTP verify, tokens, policy checks. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"
#include "auth/policy.h"
#include "auth/token.h"
#include "auth/totp.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void argon(const char *label, sd_pw_params_t p, int n)
{
    char h[SD_PW_HASH_MAX];
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        if (sd_pw_hash("Kawa-Mizu-42!", &p, h) != 0)
            return (void)printf("  %s: hash failed\n", label);
    double t1 = now_s();
    for (int i = 0; i < n; i++)
        if (sd_pw_verify(h, "Kawa-Mizu-42!") != 0)
            return (void)printf("  %s: verify failed\n", label);
    double t2 = now_s();
    printf("  argon2id %-12s (t=%llu, m=%zu KiB): hash %.1f ms, verify %.1f ms\n", label,
           p.opslimit, p.memlimit / 1024, (t1 - t0) * 1e3 / n, (t2 - t1) * 1e3 / n);
}

int main(void)
{
    argon("interactive", sd_pw_params_interactive(), 5);
    argon("min", sd_pw_params_min(), 200);

    static const uint8_t key[20] = "12345678901234567890";
    char code[7];
    sd_totp_code(key, sizeof key, 1700000000, code);
    int n = 200000, ok = 0;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        int64_t m;
        ok += sd_totp_verify(key, sizeof key, code, 1700000000, -1, &m) == 0;
    }
    double t1 = now_s();
    printf("  totp verify (3 HMAC-SHA1): %.0f /s (%d ok)\n", n / (t1 - t0), ok);

    char tok[SD_TOKEN_SIZE], d[SD_TOKEN_DIGEST_SIZE];
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        sd_token_new(SD_TOKEN_SESSION, tok);
        sd_token_digest(tok, SD_TOKEN_LEN, d);
    }
    t1 = now_s();
    printf("  token new + sha256 digest: %.0f /s\n", n / (t1 - t0));

    const int64_t links[] = {10, 11, 12, 13};
    sd_principal_t who = {SD_ROLE_APVENDOR_ADMIN, 2000, 200, 20, links, 4, 0};
    long allowed = 0, checks = 0;
    t0 = now_s();
    for (int i = 0; i < 50; i++)
        for (int a = 0; a < SD_ACT__COUNT; a++)
            for (int64_t t = 9; t <= 21; t++) {
                sd_scope_t s = {t, 200, 0};
                allowed += sd_policy_check(&who, (sd_action_t)a, &s) == 0;
                checks++;
            }
    t1 = now_s();
    printf("  policy check: %.1f M/s (%ld of %ld allowed)\n", checks / (t1 - t0) / 1e6, allowed,
           checks);
    return 0;
}
