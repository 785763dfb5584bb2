/* test_pf_broker.c - the MQTT binding without a broker: the broker's passwd and acl files written
 * from the registry (and rewritten, and the broker signalled, when it changes), the sync worker,
 * and a gateway's derived broker login. The pf test fixture's SQLite store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/broker/binding.h"

#define T0 INT64_C(1795489200000) /* 2026-11-24T03:00:00Z */

static volatile sig_atomic_t g_hups;

static void on_hup(int sig)
{
    (void)sig;
    g_hups++;
}

typedef struct {
    sd_test_pf_t t; /* first: sd_test_pf_new() / sd_test_pf_teardown(); the broker files go in
                       t.dir beside the store */
    char pidfile[160];
    int64_t ta, org, g1, g2, app;
} fx_t;

static int64_t mk_client(fx_t *fx, const char *kind, const char *cid, const char *digest,
                         int enabled, int64_t expires)
{
    return sd_test_pf_insert(
        &fx->t,
        "INSERT INTO clients (kind, name, org_id, tenant_id, client_id, secret_digest,"
        " enabled, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $2, $5, $6,"
        " $7, 0, 0) RETURNING id",
        SD_PARAMS(SD_V_TEXT(kind), SD_V_TEXT(cid), SD_V_INT(fx->org), SD_V_INT(fx->ta),
                  SD_V_TEXT(digest), SD_V_INT(enabled), SD_V_INT(expires)));
}

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, T0);
    snprintf(fx->pidfile, sizeof fx->pidfile, "%s/broker.pid", fx->t.dir);
    fx->ta = sd_test_pf_insert(
        &fx->t,
        "INSERT INTO tenants (name, kind, created_at) VALUES ('a', 'dedicated_operator',"
        " 0) RETURNING id",
        SD_NOPARAMS);
    fx->org = sd_test_pf_insert(
        &fx->t,
        "INSERT INTO orgs (tenant_id, kind, name, created_at) VALUES ($1, 'operator',"
        " 'gwv', 0) RETURNING id",
        SD_PARAMS(SD_V_INT(fx->ta)));
    fx->g1 = mk_client(fx, "gateway", "gw-north", "digest-north", 1, 0);
    fx->g2 = mk_client(fx, "gateway", "gw-south", "digest-south", 1, T0 + 60000);
    mk_client(fx, "gateway", "gw-off", "digest-off", 0, 0);      /* disabled */
    mk_client(fx, "gateway", "gw-old", "digest-old", 1, T0 - 1); /* expired */
    fx->app = mk_client(fx, "application", "app-one", "digest-app", 1, 0);
    *state = fx;
    return 0;
}

/* The whole file dir/name, NUL-terminated (caller frees); NULL when missing. */
static char *slurp(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    sd_buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(sd_buf_append(&b, chunk, n), 0);
    fclose(f);
    assert_int_equal(sd_buf_append_byte(&b, '\0'), 0);
    return sd_buf_steal(&b);
}

/* The broker users of a passwd file, in order, "a,b,c". */
static void users_of(const char *passwd, char *out, size_t cap)
{
    out[0] = '\0';
    for (const char *l = passwd; l && *l;) {
        const char *colon = strchr(l, ':'), *nl = strchr(l, '\n');
        assert_non_null(colon);
        assert_non_null(nl);
        /* mosquitto_passwd's form: user:$7$101$salt$hash */
        assert_memory_equal(colon, ":$7$101$", 8);
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%.*s", used ? "," : "", (int)(colon - l), l);
        l = nl + 1;
    }
}

static void assert_acl(const char *dir, const char *const *cids, size_t n)
{
    sd_buf_t want = {0};
    assert_int_equal(sd_mqtt_acl_write(cids, n, &want), 0);
    assert_int_equal(sd_buf_append_byte(&want, '\0'), 0);
    char *acl = slurp(dir, "acl");
    assert_non_null(acl);
    assert_string_equal(acl, want.data);
    free(acl);
    sd_buf_free(&want);
}

/* Start: the files hold suidod and the enabled, unexpired gateways; no applications. */
static void test_files(void **state)
{
    fx_t *fx = *state;
    sd_mqtt_config_t cfg = {.broker_dir = fx->t.dir, .sync_ms = 3600000};
    sd_mqtt_binding_t *b = NULL;
    assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
    char *pw = slurp(fx->t.dir, "passwd");
    assert_non_null(pw);
    char users[256];
    users_of(pw, users, sizeof users);
    assert_string_equal(users, "suidod,gw-north,gw-south");
    /* no password in clear: only the PBKDF2 form */
    char clear[SD_MQTT_PW_SIZE];
    sd_mqtt_password(fx->t.pf.secret_key, "gw-north", "digest-north", clear);
    assert_null(strstr(pw, clear));
    assert_null(strstr(pw, "digest-north"));
    const char *cids[] = {"gw-north", "gw-south"};
    assert_acl(fx->t.dir, cids, 2);
    struct stat sb;
    char p[256];
    snprintf(p, sizeof p, "%s/passwd", fx->t.dir);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    /* unchanged registry: nothing rewritten, the same bytes */
    assert_int_equal(sd_mqtt_binding_sync(b), 0);
    char *again = slurp(fx->t.dir, "passwd");
    assert_string_equal(again, pw);
    free(again);
    sd_mqtt_binding_stop(b);
    /* a second binding (a restart) derives byte-identical files: no needless broker reload */
    assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
    again = slurp(fx->t.dir, "passwd");
    assert_string_equal(again, pw);
    free(again);
    sd_mqtt_binding_stop(b);
    free(pw);
}

/* Registry changes are picked up by sync: new, disabled, expired, a rotated secret. */
static void test_sync(void **state)
{
    fx_t *fx = *state;
    sd_mqtt_config_t cfg = {.broker_dir = fx->t.dir, .sync_ms = 3600000};
    sd_mqtt_binding_t *b = NULL;
    assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
    char users[256];
    char *pw;

    mk_client(fx, "gateway", "gw-east", "digest-east", 1, 0);
    assert_int_equal(sd_mqtt_binding_sync(b), 1);
    pw = slurp(fx->t.dir, "passwd");
    users_of(pw, users, sizeof users);
    free(pw);
    assert_string_equal(users, "suidod,gw-east,gw-north,gw-south"); /* by client id */
    const char *four[] = {"gw-east", "gw-north", "gw-south"};
    assert_acl(fx->t.dir, four, 3);

    sd_test_pf_exec(&fx->t, "UPDATE clients SET enabled = 0 WHERE id = $1",
                    SD_PARAMS(SD_V_INT(fx->g1)));
    assert_int_equal(sd_mqtt_binding_sync(b), 1);
    pw = slurp(fx->t.dir, "passwd");
    users_of(pw, users, sizeof users);
    free(pw);
    assert_string_equal(users, "suidod,gw-east,gw-south");

    /* gw-south expires at T0 + 60 s (platform time, the fake clock) */
    sd_clock_fake_advance(fx->t.clock, 60000);
    assert_int_equal(sd_mqtt_binding_sync(b), 1);
    pw = slurp(fx->t.dir, "passwd");
    users_of(pw, users, sizeof users);
    assert_string_equal(users, "suidod,gw-east");
    const char *one[] = {"gw-east"};
    assert_acl(fx->t.dir, one, 1);

    /* a rotated secret changes the derived password, so the file, but not the users */
    sd_test_pf_exec(
        &fx->t, "UPDATE clients SET secret_digest = 'digest-east-2' WHERE client_id = 'gw-east'",
        SD_NOPARAMS);
    assert_int_equal(sd_mqtt_binding_sync(b), 1);
    char *pw2 = slurp(fx->t.dir, "passwd");
    assert_string_not_equal(pw, pw2);
    users_of(pw2, users, sizeof users);
    assert_string_equal(users, "suidod,gw-east");
    free(pw);
    free(pw2);
    assert_int_equal(sd_mqtt_binding_sync(b), 0);
    sd_mqtt_binding_stop(b);
}

/* The sync worker rewrites the files by itself, and each rewrite SIGHUPs the broker's pid. */
static void test_worker_and_signal(void **state)
{
    fx_t *fx = *state;
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_hup;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGHUP, &sa, &old), 0);
    FILE *f = fopen(fx->pidfile, "w");
    assert_non_null(f);
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    g_hups = 0;
    sd_mqtt_config_t cfg = {.broker_dir = fx->t.dir, .pid_file = fx->pidfile, .sync_ms = 20};
    sd_mqtt_binding_t *b = NULL;
    assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
    assert_int_equal(g_hups, 1); /* the first files */
    mk_client(fx, "gateway", "gw-west", "digest-west", 1, 0);
    char *pw = NULL;
    for (int i = 0; i < 500; i++) { /* up to 5 s on a loaded machine */
        free(pw);
        pw = slurp(fx->t.dir, "passwd");
        if (pw && strstr(pw, "gw-west:"))
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_non_null(strstr(pw, "gw-west:"));
    free(pw);
    sd_mqtt_binding_stop(b);
    assert_int_equal(g_hups, 2);
    sigaction(SIGHUP, &old, NULL);
}

/* GET /gwif/v1/mqtt's answer: the gateway's derived login and its scope. */
static void test_credentials(void **state)
{
    fx_t *fx = *state;
    sd_mqtt_config_t cfg = {0}; /* no broker, no files */
    sd_mqtt_binding_t *b = NULL;
    assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
    assert_null(slurp(fx->t.dir, "passwd"));
    assert_int_equal(sd_mqtt_binding_sync(b), 0);
    sd_scope_t sc;
    char cid[SD_MQTT_CID_MAX + 1], pw[SD_MQTT_PW_SIZE], want[SD_MQTT_PW_SIZE];
    assert_int_equal(sd_mqtt_binding_credentials(b, fx->g1, &sc, cid, pw), 0);
    assert_string_equal(cid, "gw-north");
    sd_mqtt_password(fx->t.pf.secret_key, "gw-north", "digest-north", want);
    assert_string_equal(pw, want);
    assert_memory_equal(pw, "sdm_", 4);
    assert_int_equal(sc.tenant_id, fx->ta);
    assert_int_equal(sc.org_id, fx->org);
    assert_int_equal(sc.subject_id, fx->g1);
    /* another gateway, another password; another platform key, another password */
    char pw2[SD_MQTT_PW_SIZE];
    assert_int_equal(sd_mqtt_binding_credentials(b, fx->g2, &sc, cid, pw2), 0);
    assert_string_equal(cid, "gw-south");
    assert_string_not_equal(pw, pw2);
    sd_mqtt_binding_stop(b);
    fx->t.pf.secret_key[0] ^= 1;
    assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
    assert_int_equal(sd_mqtt_binding_credentials(b, fx->g1, &sc, cid, pw2), 0);
    assert_string_not_equal(pw, pw2);
    /* an application, or no such row: not a gateway */
    assert_int_equal(sd_mqtt_binding_credentials(b, fx->app, &sc, cid, pw2), SD_ENOTFOUND);
    assert_int_equal(sd_mqtt_binding_credentials(b, 999999, &sc, cid, pw2), SD_ENOTFOUND);
    sd_mqtt_binding_stop(b);
}

static void test_bad_config(void **state)
{
    fx_t *fx = *state;
    sd_mqtt_binding_t *b = (sd_mqtt_binding_t *)1;
    const char *bad[] = {"http://localhost:1883", "mqtt://", "mqtt://host:0", "mqtt://host:x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        sd_mqtt_config_t cfg = {.url = bad[i], .broker_dir = fx->t.dir};
        assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), SD_ECONFIG);
        assert_null(b);
    }
    assert_null(slurp(fx->t.dir, "passwd")); /* refused before anything was written */
    /* a directory that cannot be written */
    sd_mqtt_config_t cfg = {.broker_dir = "/nonexistent/suido-broker"};
    assert_true(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b) < 0);
    assert_null(b);
    sd_mqtt_binding_stop(NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP socket on 127.0.0.1 listening (or, listening 0, bound then closed: a refused port). */
static int tcp_port(int listening, int *fd)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    if (listening) {
        assert_int_equal(listen(s, 4), 0);
        *fd = s;
    } else {
        close(s);
        *fd = -1;
    }
    return ntohs(a.sin_port);
}

/*
 * The client worker stops promptly both while connected (a peer that accepts TCP but never
 * answers MQTT: the network loop rounds) and while backing off from a refused port (the
 * monotonic back-off wait is cut short by the stop).
 */
static void test_client_stops(void **state)
{
    fx_t *fx = *state;
    for (int listening = 1; listening >= 0; listening--) {
        int fd;
        char url[64];
        snprintf(url, sizeof url, "mqtt://127.0.0.1:%d", tcp_port(listening, &fd));
        sd_mqtt_config_t cfg = {.url = url};
        sd_mqtt_binding_t *b = NULL;
        assert_int_equal(sd_mqtt_binding_start(&fx->t.pf, &cfg, &b), 0);
        struct timespec ts = {0, 300 * 1000000L}; /* connected, or into its first back-off */
        nanosleep(&ts, NULL);
        int64_t t = now_ms();
        sd_mqtt_binding_stop(b);
        int64_t took = now_ms() - t;
        if (took > 3000)
            fail_msg("stop took %lld ms (%s)", (long long)took,
                     listening ? "connected" : "refused");
        if (fd >= 0)
            close(fd);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, sd_test_pf_teardown)
    const struct CMUnitTest tests[] = {
        T(test_files),       T(test_sync),       T(test_worker_and_signal),
        T(test_credentials), T(test_bad_config), T(test_client_stops),
    };
    return cmocka_run_group_tests_name("pf broker (sqlite)", tests, NULL, NULL);
}
