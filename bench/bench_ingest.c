/* bench_ingest.c - the two halves of bench/ingest.sh: a GW-IF HTTP upload load generator, and
 * the raw sqlite3 baseline it is compared with in the same run.
 *
 *   bench_ingest http PORT TOKEN DATA_ID BATCH CONNS SECONDS T0_MS
 *       CONNS threads, one keep-alive connection each, POST /gwif/v1/data with BATCH samples of
 *       DATA_ID, each (ts) used once; prints samples/s, requests/s, p50/p99 latency and errors.
 *   bench_ingest raw BATCH SECONDS
 *       sqlite3 alone on suido's schema (a fresh store, migrated), WAL + synchronous=FULL like
 *       suidod: one prepared INSERT, one transaction (one fsync) per BATCH rows, one thread.
 * Both end with a line "RATE <samples/s>" for the script.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- http ----------------------------------------------------------------------------------- */

typedef struct {
    int port, batch, id;
    const char *token, *data_id;
    double until;
    int64_t t0;
    long ok, errors;
    double *lat; /* ms, one per request */
    size_t nlat, cap;
} conn_t;

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One response: the status, its body skipped by Content-Length. -1 when the connection broke. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have + 1 >= cap)
            return -1;
        ssize_t r = read(fd, buf + have, cap - 1 - have);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = 0;
    sscanf(buf, "HTTP/1.%*d %d", &status);
    const char *cl = strstr(buf, "Content-Length:");
    if (!cl)
        cl = strstr(buf, "content-length:");
    size_t len = cl ? strtoul(cl + 15, NULL, 10) : 0, got = have - (size_t)(end + 4 - buf);
    while (got < len) {
        ssize_t r = read(fd, buf, cap - 1 < len - got ? cap - 1 : len - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return status;
}

static void *http_conn(void *v)
{
    conn_t *c = v;
    size_t cap = (size_t)c->batch * 80 + 512;
    char *body = malloc(cap), *req = malloc(cap + 512), resp[8192];
    int fd = connect_to(c->port);
    int64_t seq = 0;
    while (fd >= 0 && now_s() < c->until) {
        size_t n = (size_t)snprintf(body, cap, "{\"samples\":[");
        for (int i = 0; i < c->batch; i++, seq++)
            n += (size_t)snprintf(
                body + n, cap - n, "%s{\"data_id\":\"%s\",\"ts\":%" PRId64 ",\"value\":%d.5}",
                i ? "," : "", c->data_id, c->t0 + (int64_t)c->id * INT64_C(10000000000) + seq, i);
        n += (size_t)snprintf(body + n, cap - n, "]}");
        int h = snprintf(req, cap + 512,
                         "POST /gwif/v1/data HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         c->token, n, body);
        double t = now_s();
        if (write(fd, req, (size_t)h) != h) {
            c->errors++;
            break;
        }
        int status = read_response(fd, resp, sizeof resp);
        if (status < 0) {
            c->errors++;
            close(fd);
            fd = connect_to(c->port);
            continue;
        }
        if (status != 200) {
            c->errors++;
            continue;
        }
        c->ok++;
        if (c->nlat == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 4096;
            c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
        }
        c->lat[c->nlat++] = (now_s() - t) * 1000;
    }
    if (fd >= 0)
        close(fd);
    free(body);
    free(req);
    return NULL;
}

static int run_http(char **argv)
{
    int port = atoi(argv[0]), batch = atoi(argv[3]), conns = atoi(argv[4]);
    double secs = atof(argv[5]);
    int64_t t0 = strtoll(argv[6], NULL, 10);
    conn_t *c = calloc((size_t)conns, sizeof *c);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    double start = now_s();
    for (int i = 0; i < conns; i++) {
        c[i] = (conn_t){.port = port,
                        .batch = batch,
                        .id = i,
                        .token = argv[1],
                        .data_id = argv[2],
                        .until = start + secs,
                        .t0 = t0};
        pthread_create(&th[i], NULL, http_conn, &c[i]);
    }
    long ok = 0, errors = 0;
    size_t nl = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(th[i], NULL);
        ok += c[i].ok;
        errors += c[i].errors;
        nl += c[i].nlat;
    }
    double el = now_s() - start;
    double *all = malloc((nl + 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < conns; i++) {
        memcpy(all + k, c[i].lat, c[i].nlat * sizeof *all);
        k += c[i].nlat;
        free(c[i].lat);
    }
    qsort(all, nl, sizeof *all, cmp_d);
    double p50 = nl ? all[nl / 2] : 0, p99 = nl ? all[nl * 99 / 100] : 0;
    double p90 = nl ? all[nl * 9 / 10] : 0, max = nl ? all[nl - 1] : 0;
    printf("  HTTP batches of %4d, %d connections: %8.0f samples/s  %7.0f req/s  p50 %6.1f ms  "
           "p90 %6.1f  p99 %6.1f  max %6.1f ms  (%ld errors)\n",
           batch, conns, (double)ok * batch / el, (double)ok / el, p50, p90, p99, max, errors);
    printf("RATE %.0f\nP99 %.1f\nERRORS %ld\nACKED %ld\n", (double)ok * batch / el, p99, errors,
           ok * batch);
    free(all);
    free(c);
    free(th);
    return 0;
}

/* ---- raw sqlite3 ---------------------------------------------------------------------------- */

static int run_raw(char **argv)
{
    int batch = atoi(argv[0]);
    double secs = atof(argv[1]);
    char dir[] = "/tmp/bench_ingest.XXXXXX", path[300], url[320];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/raw.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    /* suido's schema and one point, made through the store */
    sd_store_t *st;
    int64_t tid = 0, fac = 0, dev = 0, pid = 0;
    int rc = sd_store_open(url, &st);
    if (!rc)
        rc = sd_store_insert(st,
                             "INSERT INTO tenants (name, kind, created_at) VALUES ('bench', "
                             "'dedicated_operator', 0) RETURNING id",
                             SD_NOPARAMS, &tid);
    if (!rc)
        rc = sd_store_insert(st,
                             "INSERT INTO facilities (tenant_id, code, name, type, estate, "
                             "version) VALUES ($1, 'f', 'f', 'dedicated', '001', 1) RETURNING id",
                             SD_PARAMS(SD_V_INT(tid)), &fac);
    if (!rc)
        rc = sd_store_insert(st,
                             "INSERT INTO devices (tenant_id, facility_id, code, name, model, "
                             "branch, office, estate, terminal, tel, version) VALUES ($1, $2, "
                             "'d', 'd', 'L2', '01', '01', '001', '01', '0', 1) RETURNING id",
                             SD_PARAMS(SD_V_INT(tid), SD_V_INT(fac)), &dev);
    if (!rc)
        rc = sd_store_insert(st,
                             "INSERT INTO points (tenant_id, device_id, data_id, name, signal, "
                             "input, version) VALUES ($1, $2, 'p', 'p', 'analog', 'Ai1', 1) "
                             "RETURNING id",
                             SD_PARAMS(SD_V_INT(tid), SD_V_INT(dev)), &pid);
    sd_store_close(st);
    if (rc) {
        fprintf(stderr, "bench_ingest: schema: %s\n", sd_strerror(rc));
        return 1;
    }
    sqlite3 *db;
    sqlite3_stmt *ins, *begin, *commit;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL) ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO samples (point_id, ts_ms, tenant_id, value, quality, "
                           "gw_id, received_ms) VALUES (?1, ?2, ?3, ?4, 0, 1, ?5)",
                           -1, &ins, NULL) ||
        sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) ||
        sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL)) {
        fprintf(stderr, "bench_ingest: sqlite3: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    long rows = 0;
    double start = now_s(), el;
    int64_t ts = INT64_C(1735657200000);
    while ((el = now_s() - start) < secs) {
        sqlite3_step(begin);
        sqlite3_reset(begin);
        for (int i = 0; i < batch; i++) {
            sqlite3_bind_int64(ins, 1, pid);
            sqlite3_bind_int64(ins, 2, ts++);
            sqlite3_bind_int64(ins, 3, tid);
            sqlite3_bind_double(ins, 4, (double)i);
            sqlite3_bind_int64(ins, 5, ts);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "bench_ingest: insert: %s\n", sqlite3_errmsg(db));
                return 1;
            }
            sqlite3_reset(ins);
        }
        if (sqlite3_step(commit) != SQLITE_DONE) {
            fprintf(stderr, "bench_ingest: commit: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(commit);
        rows += batch;
    }
    printf("  raw sqlite3, %4d rows per commit (1 thread, WAL, synchronous=FULL): %8.0f rows/s\n",
           batch, (double)rows / el);
    printf("RATE %.0f\n", (double)rows / el);
    sqlite3_finalize(ins);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    char p2[340];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    rmdir(dir);
    return 0;
}

int main(int argc, char **argv)
{
    sd_log_set_level(SD_LOG_WARN);
    if (argc == 9 && strcmp(argv[1], "http") == 0)
        return run_http(argv + 2);
    if (argc == 4 && strcmp(argv[1], "raw") == 0)
        return run_raw(argv + 2);
    if (argc == 1) { /* make bench runs every binary bare: the figures come from ingest.sh */
        printf("  (driven by bench/ingest.sh)\n");
        return 0;
    }
    fprintf(stderr, "usage: bench_ingest http PORT TOKEN DATA_ID BATCH CONNS SECONDS T0_MS\n"
                    "       bench_ingest raw BATCH SECONDS\n");
    return 2;
}
