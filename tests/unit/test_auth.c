/* test_auth.c - unit tests for lib/auth: argon2id, TOTP (RFC 6238, oathtool), base32, tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/base32.h"
#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/token.h"
#include "auth/totp.h"
#include "core/buf.h"
#include "core/err.h"

/* ---- passwords ------------------------------------------------------------------------------ */

static void test_pw_roundtrip(void **state)
{
    (void)state;
    sd_pw_params_t min = sd_pw_params_min();
    char h1[SD_PW_HASH_MAX], h2[SD_PW_HASH_MAX];
    assert_int_equal(sd_pw_hash("correct horse battery staple", &min, h1), 0);
    assert_int_equal(strncmp(h1, "$argon2id$v=19$", 15), 0);
    assert_int_equal(sd_pw_verify(h1, "correct horse battery staple"), 0);
    assert_int_equal(sd_pw_verify(h1, "correct horse battery stapl"), SD_EUNAUTH);
    assert_int_equal(sd_pw_verify(h1, ""), SD_EUNAUTH);
    /* a fresh salt every time: same password, different hash, both verify */
    assert_int_equal(sd_pw_hash("correct horse battery staple", &min, h2), 0);
    assert_string_not_equal(h1, h2);
    assert_int_equal(sd_pw_verify(h2, "correct horse battery staple"), 0);
    /* the default (interactive, 64 MiB) cost, once */
    char hd[SD_PW_HASH_MAX];
    assert_int_equal(sd_pw_hash("Tr0ub4dor&3-suido", NULL, hd), 0);
    assert_non_null(strstr(hd, "$m=65536,t=2,p=1$"));
    assert_int_equal(sd_pw_verify(hd, "Tr0ub4dor&3-suido"), 0);
    assert_int_equal(sd_pw_verify(hd, "tr0ub4dor&3-suido"), SD_EUNAUTH);
    /* malformed stored hashes never verify */
    assert_int_equal(sd_pw_verify("$argon2id$garbage", "x"), SD_EUNAUTH);
    assert_int_equal(sd_pw_verify("", "x"), SD_EUNAUTH);
    char unterminated[SD_PW_HASH_MAX];
    memset(unterminated, 'a', sizeof unterminated);
    assert_int_equal(sd_pw_verify(unterminated, "x"), SD_EINVAL);
    assert_int_equal(sd_pw_verify(NULL, "x"), SD_EINVAL);
}

static void test_pw_limits(void **state)
{
    (void)state;
    sd_pw_params_t min = sd_pw_params_min();
    char h[SD_PW_HASH_MAX];
    char *big = malloc(SD_PW_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, 'x', SD_PW_MAX_BYTES + 1);
    big[SD_PW_MAX_BYTES + 1] = '\0';
    assert_int_equal(sd_pw_hash(big, &min, h), SD_ETOOBIG);
    big[SD_PW_MAX_BYTES] = '\0';
    assert_int_equal(sd_pw_hash(big, &min, h), 0);
    assert_int_equal(sd_pw_verify(h, big), 0);
    big[SD_PW_MAX_BYTES] = 'x';
    assert_int_equal(sd_pw_verify(h, big), SD_EUNAUTH);
    free(big);
    sd_pw_params_t bad = {0, 1};
    assert_int_equal(sd_pw_hash("whatever", &bad, h), SD_EINVAL);
    assert_int_equal(sd_pw_hash(NULL, &min, h), SD_EINVAL);
}

static void test_pw_rehash(void **state)
{
    (void)state;
    sd_pw_params_t min = sd_pw_params_min(), inter = sd_pw_params_interactive();
    char h[SD_PW_HASH_MAX];
    assert_int_equal(sd_pw_hash("rehash me please", &min, h), 0);
    assert_int_equal(sd_pw_needs_rehash(h, &min), 0);
    assert_int_equal(sd_pw_needs_rehash(h, &inter), 1);
    assert_int_equal(sd_pw_needs_rehash(h, NULL), 1);
    sd_pw_params_t more_ops = {min.opslimit + 1, min.memlimit};
    assert_int_equal(sd_pw_needs_rehash(h, &more_ops), 1);
    /* a legacy argon2i hash still logs in, and is flagged for an upgrade to argon2id */
    char legacy[SD_PW_HASH_MAX];
    const char *pw = "legacy password";
    assert_int_equal(crypto_pwhash_argon2i_str(legacy, pw, strlen(pw),
                                               crypto_pwhash_argon2i_OPSLIMIT_MIN + 2,
                                               crypto_pwhash_argon2i_MEMLIMIT_MIN),
                     0);
    assert_int_equal(sd_pw_verify(legacy, pw), 0);
    assert_int_equal(sd_pw_needs_rehash(legacy, &min), 1);
    assert_int_equal(sd_pw_needs_rehash("$2y$10$bcryptlookingthing", &min), SD_EINVAL);
    assert_int_equal(sd_pw_needs_rehash("", &min), SD_EINVAL);
}

static void test_pw_policy(void **state)
{
    (void)state;
    static const struct {
        const char *pw;
        const char *login;
        sd_pw_reason_t why;
    } cases[] = {
        {"Kawa-Mizu-42", "tanaka", SD_PW_OK},             /* 12 chars, 4 classes */
        {"kawamizu4242", "tanaka", SD_PW_FEW_CLASSES},    /* 12 chars, 2 classes */
        {"kawamizu42!x", "tanaka", SD_PW_OK},             /* 3 classes */
        {"kawamizu-nagare", "tanaka", SD_PW_FEW_CLASSES}, /* 15 chars, 2 classes */
        {"kawamizunagareru", "tanaka", SD_PW_OK},         /* 16 chars: any classes */
        {"Kawa-Mizu-4", "tanaka", SD_PW_TOO_SHORT},       /* 11 */
        {"", "tanaka", SD_PW_TOO_SHORT},
        {"xTANAKA-2024!", "tanaka", SD_PW_CONTAINS_LOGIN}, /* case-insensitive */
        {"tanaka", "tanaka", SD_PW_TOO_SHORT},
        {"tanakatanaka-X1", "tanakatanaka-X1", SD_PW_CONTAINS_LOGIN}, /* equal to the id */
        {"Ab1-Kawa-Mizu", "ab", SD_PW_OK}, /* ids under 3 chars are ignored */
        {"MyPassword-2024", "tanaka", SD_PW_COMMON},
        {"Qwerty-uiop-99", "tanaka", SD_PW_COMMON},
        {"Suido-is-great-1", "tanaka", SD_PW_COMMON},
        {"Kawa\tMizu-42x", "tanaka", SD_PW_CONTROL_CHAR},
        {"Kawa-Mizu-42\x7f", "tanaka", SD_PW_CONTROL_CHAR},
        {"Kawa-Mizu-42\xc3", "tanaka", SD_PW_BAD_UTF8},         /* truncated sequence */
        {"Kawa-Mizu-42\xc0\xaf", "tanaka", SD_PW_BAD_UTF8},     /* overlong '/' */
        {"Kawa-Mizu-42\xed\xa0\x80", "tanaka", SD_PW_BAD_UTF8}, /* surrogate */
        /* code points are counted, not bytes; kana/kanji are the "other" class */
        {"みずみずしい水道水123", "tanaka", SD_PW_FEW_CLASSES},          /* 12 chars, 2 classes */
        {"みずみずしい水道水Ab1", "tanaka", SD_PW_OK},                   /* 12 chars, 4 classes */
        {"みずみずしいすいどうすいのまち", "tanaka", SD_PW_FEW_CLASSES}, /* 15, 1 class */
        {"みずみずしいすいどうすいのまちだ", "tanaka", SD_PW_OK},        /* 16, 1 class */
        {"みずみずしい水道水", "tanaka", SD_PW_TOO_SHORT}, /* 9 code points, 27 bytes */
        /* repetition: length without entropy */
        {"aaaaaaaaaaaaaaaa", "tanaka", SD_PW_REPETITIVE},
        {"AAAAaaaaAAAAaaaa", "tanaka", SD_PW_REPETITIVE}, /* case does not help */
        {"abababababababab", "tanaka", SD_PW_REPETITIVE}, /* 2 different */
        {"Ab1!Ab1!Ab1!Ab1!", "tanaka", SD_PW_REPETITIVE}, /* 4 different */
        {"Kaw4-!Kaw4-!", "tanaka", SD_PW_REPETITIVE},     /* one unit said twice */
        {"みずみずみずみずみずみずみずみず", "tanaka", SD_PW_REPETITIVE},
        {"Kawa-Mizu-42Kawa-Mizu-4", "tanaka", SD_PW_OK}, /* not periodic to the end */
        /* the longer blocklist */
        {"Sunshine-2024!", "tanaka", SD_PW_COMMON},
        {"x1Q2W3E4r5t-y", "tanaka", SD_PW_COMMON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sd_pw_reason_t why = (sd_pw_reason_t)-1;
        int rc = sd_pw_policy_check(cases[i].pw, cases[i].login, &why);
        if (why != cases[i].why)
            fail_msg("case %zu \"%s\": reason %d, want %d", i, cases[i].pw, why, cases[i].why);
        assert_int_equal(rc, cases[i].why == SD_PW_OK ? 0 : SD_EFIELD);
        assert_non_null(sd_pw_reason_str(why));
    }
    char big[SD_PW_MAX_BYTES + 8];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sd_pw_reason_t why;
    assert_int_equal(sd_pw_policy_check(big, NULL, &why), SD_EFIELD);
    assert_int_equal(why, SD_PW_TOO_LONG);
    assert_int_equal(sd_pw_policy_check("Kawa-Mizu-42", NULL, NULL), 0);
    assert_int_equal(sd_pw_policy_check(NULL, NULL, &why), SD_EINVAL);
    assert_string_equal(sd_pw_reason_str(SD_PW_TOO_SHORT), "at least 12 characters are required");
    assert_non_null(strstr(sd_pw_reason_str(SD_PW_REPETITIVE), "repetitive"));
}

/* ---- base32 --------------------------------------------------------------------------------- */

static void test_base32_rfc4648(void **state)
{
    (void)state;
    static const char *const vec[][3] = {
        {"", "", ""},
        {"f", "MY======", "MY"},
        {"fo", "MZXQ====", "MZXQ"},
        {"foo", "MZXW6===", "MZXW6"},
        {"foob", "MZXW6YQ=", "MZXW6YQ"},
        {"fooba", "MZXW6YTB", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI======", "MZXW6YTBOI"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        const char *raw = vec[i][0];
        size_t n = strlen(raw);
        char enc[32];
        assert_int_equal(sd_base32_encode((const uint8_t *)raw, n, true, enc, sizeof enc), 0);
        assert_string_equal(enc, vec[i][1]);
        assert_int_equal(strlen(enc), sd_base32_encoded_len(n, true));
        assert_int_equal(sd_base32_encode((const uint8_t *)raw, n, false, enc, sizeof enc), 0);
        assert_string_equal(enc, vec[i][2]);
        assert_int_equal(strlen(enc), sd_base32_encoded_len(n, false));
        for (int form = 1; form <= 2; form++) {
            uint8_t dec[32];
            size_t dn = 99;
            const char *s = vec[i][form];
            assert_int_equal(sd_base32_decode(s, strlen(s), dec, sizeof dec, &dn), 0);
            assert_int_equal(dn, n);
            assert_memory_equal(dec, raw, n);
        }
    }
    /* lower case is accepted (apps display secrets that way) */
    uint8_t dec[16];
    size_t dn;
    assert_int_equal(sd_base32_decode("mzxw6ytboi", 10, dec, sizeof dec, &dn), 0);
    assert_int_equal(dn, 6);
    assert_memory_equal(dec, "foobar", 6);
    /* the RFC 6238 test key */
    assert_int_equal(sd_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 32, dec, sizeof dec, &dn),
                     SD_ETOOBIG);
    uint8_t k[20];
    assert_int_equal(sd_base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 32, k, sizeof k, &dn), 0);
    assert_memory_equal(k, "12345678901234567890", 20);
}

static void test_base32_reject(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int rc;
    } bad[] = {
        {"MZXW6YT!", SD_EENCODING},  {"MZ XW6YT", SD_EENCODING},
        {"MZXW6YT1", SD_EENCODING},  {"MZXW6YT8", SD_EENCODING},
        {"MZXW\n6YT", SD_EENCODING}, {"MZXW6YT\xc3", SD_EENCODING},
        {"M", SD_ESYNTAX},           {"MZX", SD_ESYNTAX},
        {"MZXW6Y", SD_ESYNTAX},      {"M=======", SD_ESYNTAX},
        {"MY=====", SD_ESYNTAX},     {"MY=======", SD_ESYNTAX},
        {"MZ=XW6==", SD_ESYNTAX},    {"MZXW6YQ==", SD_ESYNTAX},
        {"========", SD_ESYNTAX},    {"MZXW6YTB========", SD_ESYNTAX},
        {"MZ", SD_ESYNTAX},       /* 'f' is MY: the 2 spare bits of Z are not zero */
        {"MZXW6YR=", SD_ESYNTAX}, /* non-canonical last character */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n = 77;
        int rc = sd_base32_decode(bad[i].s, strlen(bad[i].s), out, sizeof out, &n);
        if (rc != bad[i].rc)
            fail_msg("\"%s\": got %s, want %s", bad[i].s, sd_err_name(rc), sd_err_name(bad[i].rc));
        assert_int_equal(n, 0);
    }
    /* the length argument is honoured: nothing past it is read */
    uint8_t out[8];
    size_t n;
    assert_int_equal(sd_base32_decode("MY!!!!", 2, out, sizeof out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(sd_base32_decode(NULL, 0, out, sizeof out, &n), 0);
    assert_int_equal(n, 0);
    char small[9];
    assert_int_equal(sd_base32_encode((const uint8_t *)"foob", 4, true, small, 8), SD_ETOOBIG);
    assert_int_equal(sd_base32_encode((const uint8_t *)"foob", 4, true, small, 9), 0);
}

static void test_base32_roundtrip(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 64; n++) {
        uint8_t raw[64], back[64];
        randombytes_buf(raw, n);
        char enc[128];
        for (int pad = 0; pad <= 1; pad++) {
            assert_int_equal(sd_base32_encode(raw, n, pad, enc, sizeof enc), 0);
            size_t bn;
            assert_int_equal(sd_base32_decode(enc, strlen(enc), back, sizeof back, &bn), 0);
            assert_int_equal(bn, n);
            assert_memory_equal(back, raw, n);
            assert_true(sd_base32_decoded_max(strlen(enc)) >= n);
        }
    }
}

/* ---- TOTP ----------------------------------------------------------------------------------- */

static const uint8_t rfc_key[] = "12345678901234567890";

static void test_hotp_rfc4226(void **state)
{
    (void)state;
    static const char *const want[] = {"755224", "287082", "359152", "969429", "338314",
                                       "254676", "287922", "162583", "399871", "520489"};
    for (uint64_t c = 0; c < 10; c++) {
        char code[9];
        assert_int_equal(sd_hotp_code(rfc_key, 20, c, 6, code, sizeof code), 0);
        assert_string_equal(code, want[c]);
    }
    char code[9];
    assert_int_equal(sd_hotp_code(rfc_key, 15, 0, 6, code, sizeof code), SD_EINVAL);
    assert_int_equal(sd_hotp_code(rfc_key, 20, 0, 5, code, sizeof code), SD_EINVAL);
    assert_int_equal(sd_hotp_code(rfc_key, 20, 0, 9, code, sizeof code), SD_EINVAL);
    assert_int_equal(sd_hotp_code(rfc_key, 20, 0, 8, code, 8), SD_ETOOBIG);
}

static void test_totp_rfc6238(void **state)
{
    (void)state;
    /* RFC 6238 Appendix B, SHA-1 column (8 digits) */
    static const struct {
        int64_t t;
        const char *code;
    } vec[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char code[9];
        assert_int_equal(
            sd_hotp_code(rfc_key, 20, (uint64_t)sd_totp_step(vec[i].t), 8, code, sizeof code), 0);
        assert_string_equal(code, vec[i].code);
        /* the 6-digit profile is the low 6 digits of the same value */
        char six[7];
        assert_int_equal(sd_totp_code(rfc_key, 20, vec[i].t, six), 0);
        assert_string_equal(six, vec[i].code + 2);
    }
    assert_int_equal(sd_totp_step(0), 0);
    assert_int_equal(sd_totp_step(29), 0);
    assert_int_equal(sd_totp_step(30), 1);
    assert_int_equal(sd_totp_step(-5), -1);
    char six[7];
    assert_int_equal(sd_totp_code(rfc_key, 20, -1, six), SD_EINVAL);
}

/* Run the independent oathtool at time t and return its 6-digit code in out. */
static void oathtool_code(const char *b32, int64_t t, char out[7])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    char when[64], cmd[256];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(cmd, sizeof cmd, "oathtool --totp -b '%s' --now '%s' 2>&1", b32, when);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[64] = {0};
    char *got = fgets(line, sizeof line, p);
    int st = pclose(p);
    if (!got || st != 0)
        fail_msg("oathtool failed (%d): %s", st, line);
    line[strcspn(line, "\r\n")] = '\0';
    assert_int_equal(strlen(line), 6);
    memcpy(out, line, 7);
}

static void test_totp_oathtool(void **state)
{
    (void)state;
    const int64_t times[] = {59,         1111111109, 1700000000, 1735689599,
                             1735689600, 2000000000, 4102444800, (int64_t)time(NULL)};
    for (int round = 0; round < 3; round++) {
        uint8_t key[SD_TOTP_SECRET_BYTES];
        assert_int_equal(sd_totp_secret_new(key), 0);
        char b32[40];
        assert_int_equal(sd_base32_encode(key, sizeof key, false, b32, sizeof b32), 0);
        assert_int_equal(strlen(b32), 32);
        for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
            char theirs[7], ours[7];
            oathtool_code(b32, times[i], theirs);
            assert_int_equal(sd_totp_code(key, sizeof key, times[i], ours), 0);
            assert_string_equal(ours, theirs);
            int64_t m = -7;
            assert_int_equal(
                sd_totp_verify(key, sizeof key, theirs, times[i], SD_TOTP_NEVER_USED, &m), 0);
            assert_int_equal(m, sd_totp_step(times[i]));
        }
    }
}

/* A 6-digit code equal to none of the codes of steps s-2..s+2. */
static void wrong_code(const uint8_t *key, int64_t s, char out[7])
{
    char near[5][7];
    for (int i = 0; i < 5; i++)
        assert_int_equal(sd_hotp_code(key, 20, (uint64_t)(s - 2 + i), 6, near[i], 7), 0);
    strcpy(out, near[2]);
    for (;;) {
        out[5] = (char)('0' + (out[5] - '0' + 1) % 10);
        int clash = 0;
        for (int i = 0; i < 5; i++)
            clash |= strcmp(out, near[i]) == 0;
        if (!clash)
            return;
    }
}

static void test_totp_verify_window_and_replay(void **state)
{
    (void)state;
    const int64_t now = 1700000015; /* mid-step */
    const int64_t s = sd_totp_step(now);
    char c[5][7]; /* codes of steps s-2 .. s+2 */
    for (int i = 0; i < 5; i++)
        assert_int_equal(sd_hotp_code(rfc_key, 20, (uint64_t)(s - 2 + i), 6, c[i], 7), 0);
    int64_t m;
    /* the current step, and one step of drift either way */
    for (int i = 1; i <= 3; i++) {
        m = -7;
        assert_int_equal(sd_totp_verify(rfc_key, 20, c[i], now, SD_TOTP_NEVER_USED, &m), 0);
        assert_int_equal(m, s - 2 + i);
    }
    /* two steps away: refused, and matched_step untouched */
    m = -7;
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[0], now, SD_TOTP_NEVER_USED, &m), SD_EOTP);
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[4], now, SD_TOTP_NEVER_USED, &m), SD_EOTP);
    assert_int_equal(m, -7);
    /* replay: the code just accepted is refused, even within its own 30 s */
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[2], now, SD_TOTP_NEVER_USED, &m), 0);
    int64_t last = m;
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[2], now, last, &m), SD_EOTP);
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[2], now + 10, last, &m), SD_EOTP);
    /* an older code (s-1) is refused once s has been used */
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[1], now, last, &m), SD_EOTP);
    /* the next step's code is still fine, and then it too is spent */
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[3], now, last, &m), 0);
    assert_int_equal(m, s + 1);
    last = m;
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[3], now + 30, last, &m), SD_EOTP);
    /* a wrong code */
    char w[7];
    wrong_code(rfc_key, s, w);
    assert_int_equal(sd_totp_verify(rfc_key, 20, w, now, SD_TOTP_NEVER_USED, &m), SD_EOTP);
    /* malformed codes */
    const char *malformed[] = {"",       "12345",   "1234567", "12a456",
                               " 12345", "123 456", "+12345",  "１２３４５６"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        assert_int_equal(sd_totp_verify(rfc_key, 20, malformed[i], now, -1, &m), SD_EOTP);
    /* bad arguments */
    assert_int_equal(sd_totp_verify(rfc_key, 10, c[2], now, -1, &m), SD_EINVAL);
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[2], -1, -1, &m), SD_EINVAL);
    assert_int_equal(sd_totp_verify(rfc_key, 20, NULL, now, -1, &m), SD_EINVAL);
    assert_int_equal(sd_totp_verify(rfc_key, 20, c[2], now, -1, NULL), SD_EINVAL);
    /* at step 0 there is no step -1 to try */
    char c0[7];
    assert_int_equal(sd_totp_code(rfc_key, 20, 5, c0), 0);
    assert_int_equal(sd_totp_verify(rfc_key, 20, c0, 5, SD_TOTP_NEVER_USED, &m), 0);
    assert_int_equal(m, 0);
}

static void test_totp_secret_and_uri(void **state)
{
    (void)state;
    uint8_t a[SD_TOTP_SECRET_BYTES], b[SD_TOTP_SECRET_BYTES];
    assert_int_equal(sd_totp_secret_new(a), 0);
    assert_int_equal(sd_totp_secret_new(b), 0);
    assert_memory_not_equal(a, b, sizeof a);

    sd_buf_t u = {0};
    assert_int_equal(sd_totp_uri("Suido Water", "alice@example.jp", rfc_key, 20, &u), 0);
    assert_string_equal(u.data, "otpauth://totp/Suido%20Water:alice%40example.jp"
                                "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Suido%20Water"
                                "&algorithm=SHA1&digits=6&period=30");
    sd_buf_reset(&u);
    assert_int_equal(sd_totp_uri("水道PF", "o.tanaka+ops/1~x_y-z", rfc_key, 20, &u), 0);
    assert_string_equal(u.data, "otpauth://totp/%E6%B0%B4%E9%81%93PF:o.tanaka%2Bops%2F1~x_y-z"
                                "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
                                "&issuer=%E6%B0%B4%E9%81%93PF&algorithm=SHA1&digits=6&period=30");
    sd_buf_reset(&u);
    assert_int_equal(sd_totp_uri("Suido", "a:b", rfc_key, 20, &u), SD_EINVAL);
    assert_int_equal(sd_totp_uri("Su:ido", "ab", rfc_key, 20, &u), SD_EINVAL);
    assert_int_equal(sd_totp_uri("", "ab", rfc_key, 20, &u), SD_EINVAL);
    assert_int_equal(sd_totp_uri("Suido", "", rfc_key, 20, &u), SD_EINVAL);
    assert_int_equal(sd_totp_uri("Suido", "a\nb", rfc_key, 20, &u), SD_EINVAL);
    assert_int_equal(sd_totp_uri("Suido", "ab", rfc_key, 8, &u), SD_EINVAL);
    sd_buf_free(&u);
}

/* ---- tokens --------------------------------------------------------------------------------- */

static void test_token_format(void **state)
{
    (void)state;
    static const char *const pfx[] = {"sds_", "sdt_", "sdc_", "sdp_"};
    for (int k = 0; k < SD_TOKEN__COUNT; k++) {
        char t1[SD_TOKEN_SIZE], t2[SD_TOKEN_SIZE];
        assert_int_equal(sd_token_new((sd_token_kind_t)k, t1), 0);
        assert_int_equal(sd_token_new((sd_token_kind_t)k, t2), 0);
        assert_int_equal(strlen(t1), SD_TOKEN_LEN);
        assert_int_equal(strncmp(t1, pfx[k], 4), 0);
        assert_int_equal(strncmp(sd_token_prefix((sd_token_kind_t)k), pfx[k], 3), 0);
        assert_string_not_equal(t1, t2);
        assert_int_equal(strspn(t1 + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                         43);
        sd_token_kind_t kind = SD_TOKEN__COUNT;
        assert_int_equal(sd_token_parse(t1, strlen(t1), &kind), 0);
        assert_int_equal(kind, k);
        /* the decoded body is 32 bytes: libsodium agrees */
        unsigned char raw[40];
        size_t rawlen = 0;
        assert_int_equal(sodium_base642bin(raw, sizeof raw, t1 + 4, 43, NULL, &rawlen, NULL,
                                           sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                         0);
        assert_int_equal(rawlen, SD_TOKEN_RAW_BYTES);
    }
    char t[SD_TOKEN_SIZE];
    assert_int_equal(sd_token_new(SD_TOKEN__COUNT, t), SD_EINVAL);
    assert_null(sd_token_prefix(SD_TOKEN__COUNT));
}

static void test_token_parse_reject(void **state)
{
    (void)state;
    char good[] = "sdt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_int_equal(strlen(good), SD_TOKEN_LEN);
    assert_int_equal(sd_token_parse(good, strlen(good), NULL), 0);
    assert_int_equal(sd_token_parse(good, strlen(good) - 1, NULL), SD_ESYNTAX);
    char c[sizeof good];
    const struct {
        size_t at;
        char ch;
    } muts[] = {{0, 'x'},  {2, 'x'},   {3, '-'},  {10, '+'}, {10, '/'},
                {46, '='}, {20, '\0'}, {46, 'B'}, /* value 1: spare bits set, not canonical */
                {46, 'a'}};
    for (size_t i = 0; i < sizeof muts / sizeof muts[0]; i++) {
        memcpy(c, good, sizeof good);
        c[muts[i].at] = muts[i].ch;
        assert_int_equal(sd_token_parse(c, SD_TOKEN_LEN, NULL), SD_ESYNTAX);
    }
    memcpy(c, good, sizeof good);
    c[46] = 'E'; /* value 4: canonical */
    assert_int_equal(sd_token_parse(c, SD_TOKEN_LEN, NULL), 0);
    memcpy(c, good, 4);
    memcpy(c, "sdx_", 4);
    assert_int_equal(sd_token_parse(c, SD_TOKEN_LEN, NULL), SD_ESYNTAX);
    assert_int_equal(sd_token_parse(NULL, 0, NULL), SD_ESYNTAX);
}

static void test_token_digest(void **state)
{
    (void)state;
    char d[SD_TOKEN_DIGEST_SIZE];
    assert_int_equal(sd_token_digest("abc", 3, d), 0);
    assert_string_equal(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *tok = "sdt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    /* printf %s | sha256sum */
    assert_int_equal(sd_token_digest(tok, strlen(tok), d), 0);
    assert_string_equal(d, "01f1ce5491ff3cc2c8d761316c8d4bface8b7bc1fe3ce85bac3e0e8b3e417c52");
    char d2[SD_TOKEN_DIGEST_SIZE];
    char fresh[SD_TOKEN_SIZE];
    assert_int_equal(sd_token_new(SD_TOKEN_SESSION, fresh), 0);
    assert_int_equal(sd_token_digest(fresh, strlen(fresh), d), 0);
    assert_int_equal(sd_token_digest(fresh, strlen(fresh), d2), 0);
    assert_string_equal(d, d2);
    assert_true(sd_token_equal(d, 64, d2, 64));
    fresh[10] ^= 1;
    assert_int_equal(sd_token_digest(fresh, strlen(fresh), d2), 0);
    assert_false(sd_token_equal(d, 64, d2, 64));
    assert_false(sd_token_equal("abc", 3, "abcd", 4));
    assert_true(sd_token_equal("", 0, "", 0));
    assert_false(sd_token_equal(NULL, 0, "", 0));
}

/* ---- lockout -------------------------------------------------------------------------------- */

static void test_lockout_schedule(void **state)
{
    (void)state;
    sd_lockout_policy_t p = SD_LOCKOUT_POLICY_DEFAULT;
    static const int64_t want[] = {0, 0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600};
    for (uint32_t n = 0; n < sizeof want / sizeof want[0]; n++)
        assert_int_equal(sd_lockout_duration(&p, n), want[n]);
    assert_int_equal(sd_lockout_duration(&p, UINT32_MAX), 3600);
    sd_lockout_policy_t q = {3, 10, 25};
    assert_int_equal(sd_lockout_duration(&q, 2), 0);
    assert_int_equal(sd_lockout_duration(&q, 3), 10);
    assert_int_equal(sd_lockout_duration(&q, 4), 20);
    assert_int_equal(sd_lockout_duration(&q, 5), 25);
}

static void test_lockout_state(void **state)
{
    (void)state;
    sd_lockout_policy_t p = SD_LOCKOUT_POLICY_DEFAULT;
    sd_lockout_t st = {0, 0};
    int64_t until = -1;
    int64_t t = 1000000;
    for (int i = 0; i < 4; i++) {
        sd_lockout_fail(&st, t + i);
        assert_int_equal(sd_lockout_check(&p, &st, t + i, &until), 0);
        assert_int_equal(until, 0);
    }
    sd_lockout_fail(&st, t + 10); /* 5th */
    assert_int_equal(sd_lockout_check(&p, &st, t + 10, &until), SD_ELOCKED);
    assert_int_equal(until, t + 70);
    assert_int_equal(sd_lockout_check(&p, &st, t + 69, NULL), SD_ELOCKED);
    assert_int_equal(sd_lockout_check(&p, &st, t + 70, &until), 0);
    /* a clock that steps back keeps the lock */
    assert_int_equal(sd_lockout_check(&p, &st, t - 500, &until), SD_ELOCKED);
    assert_int_equal(until, t + 70);
    /* the 6th failure after expiry doubles */
    sd_lockout_fail(&st, t + 100);
    assert_int_equal(sd_lockout_check(&p, &st, t + 100, &until), SD_ELOCKED);
    assert_int_equal(until, t + 220);
    /* success resets everything */
    sd_lockout_succeed(&st);
    assert_int_equal(st.failures, 0);
    assert_int_equal(sd_lockout_check(&p, &st, t + 101, &until), 0);
    sd_lockout_t sat = {UINT32_MAX, t};
    sd_lockout_fail(&sat, t + 1);
    assert_int_equal(sat.failures, UINT32_MAX);
    assert_int_equal(sd_lockout_check(&p, &sat, t + 1, &until), SD_ELOCKED);
    assert_int_equal(until, t + 3601);
    assert_int_equal(sd_lockout_check(NULL, &st, t, &until), SD_EINVAL);
    assert_int_equal(sd_lockout_check(&p, NULL, t, &until), SD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pw_roundtrip),
        cmocka_unit_test(test_pw_limits),
        cmocka_unit_test(test_pw_rehash),
        cmocka_unit_test(test_pw_policy),
        cmocka_unit_test(test_base32_rfc4648),
        cmocka_unit_test(test_base32_reject),
        cmocka_unit_test(test_base32_roundtrip),
        cmocka_unit_test(test_hotp_rfc4226),
        cmocka_unit_test(test_totp_rfc6238),
        cmocka_unit_test(test_totp_oathtool),
        cmocka_unit_test(test_totp_verify_window_and_replay),
        cmocka_unit_test(test_totp_secret_and_uri),
        cmocka_unit_test(test_token_format),
        cmocka_unit_test(test_token_parse_reject),
        cmocka_unit_test(test_token_digest),
        cmocka_unit_test(test_lockout_schedule),
        cmocka_unit_test(test_lockout_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
