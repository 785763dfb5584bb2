/* bench_http.c - requests/s of a tiny JSON route vs a static file on one server, using wrk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "http/http.h"

static void no_log(const sd_http_access_t *a, void *ctx)
{
    (void)a;
    (void)ctx;
}

static void h_json(sd_http_req_t *req, void *ctx)
{
    (void)ctx;
    sd_http_reply_json(req, 200, sd_json_pack("{s:b, s:s}", "ok", 1, "id", sd_http_req_id(req)));
}

/* Run wrk against url; requests/s, or -1 when wrk is missing or fails. */
static double wrk(int port, const char *path, const char *dur)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "wrk -t1 -c16 -d%s http://127.0.0.1:%d%s 2>&1", dur, port, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[512];
    double rps = -1;
    long non2xx = 0;
    while (fgets(line, sizeof line, p)) {
        sscanf(line, "Requests/sec: %lf", &rps);
        sscanf(line, "  Non-2xx or 3xx responses: %ld", &non2xx);
    }
    if (pclose(p) != 0 || non2xx)
        return -1;
    return rps;
}

int main(int argc, char **argv)
{
    const char *dur = argc > 1 ? argv[1] : "3s";
    if (system("command -v wrk >/dev/null 2>&1") != 0) {
        printf("  wrk not installed: skipped\n");
        return 0;
    }
    sd_log_set_level(SD_LOG_WARN);
    char dir[] = "/tmp/sd_bench_http_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char file[64];
    snprintf(file, sizeof file, "%s/app.js", dir);
    FILE *f = fopen(file, "w");
    if (!f)
        return 1;
    for (int i = 0; i < 64; i++) /* a 2 KiB script, a typical small portal asset */
        fputs("console.log('suido portal asset line');\n", f);
    fclose(f);

    sd_http_config_t cfg;
    sd_http_config_defaults(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 2;
    cfg.access_log = no_log;
    sd_http_server_t *s;
    if (sd_http_server_new(&cfg, &s) || sd_http_route(s, "GET", "/api/ping", h_json, NULL, NULL) ||
        sd_http_static(s, "/static/", dir, 0) || sd_http_server_start(s)) {
        fprintf(stderr, "bench_http: cannot start server\n");
        return 1;
    }
    int port = sd_http_server_port(s);
    wrk(port, "/api/ping", "1s"); /* warm-up */
    double j = wrk(port, "/api/ping", dur);
    double st = wrk(port, "/static/app.js", dur);
    sd_http_server_free(s);
    unlink(file);
    rmdir(dir);
    if (j <= 0 || st <= 0) {
        fprintf(stderr, "bench_http: wrk failed\n");
        return 1;
    }
    printf("  json route   %10.0f req/s  (wrk -t1 -c16, server 2 threads)\n", j);
    printf("  static file  %10.0f req/s  (2 KiB, realpath-checked, ETag)\n", st);
    printf("  ratio json/static = %.2f\n", j / st);
    return 0;
}
