/* master.c - suidoctl sheet / master: submit, list, show, approve, reject; get the master. */
#include "master.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "http_client.h"

static const char usage[] =
    "usage: suidoctl sheet submit FILE [--tenant ID]     submit a sheet (CSV, UTF-8 or Shift_JIS)\n"
    "       suidoctl sheet list [--tenant ID] [--status submitted|applied|rejected]\n"
    "       suidoctl sheet show ID [--tenant ID]\n"
    "       suidoctl sheet approve ID [--tenant ID]        apply it (another operator admin)\n"
    "       suidoctl sheet reject ID [--tenant ID] [--reason TEXT]\n"
    "       suidoctl master get [--tenant ID] [--csv]      the master as JSON or as a sheet\n"
    "Options anywhere: --server URL (else $SUIDO_SERVER or the login session's server).\n"
    "The tenant defaults to your own. See docs/master-data.md for the sheet format.\n";

static char server[512], session[64];

static void load_session(void)
{
    const char *home = getenv("HOME");
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/.config/suido/session", home ? home : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        size_t n = strlen(line);
        /* a longer value is not one suidoctl wrote: ignore it rather than truncate it */
        if (!strncmp(line, "server ", 7) && !server[0] && n - 7 < sizeof server)
            memcpy(server, line + 7, n - 7 + 1);
        else if (!strncmp(line, "session ", 8) && n - 8 < sizeof session)
            memcpy(session, line + 8, n - 8 + 1);
    }
    fclose(f);
}

/* Print the server's error (and a sheet's findings) to stderr; returns 1. */
static int report(const sd_hc_resp_t *r)
{
    if (!r->status) {
        fprintf(stderr, "suidoctl: %s\n", r->error);
        return 1;
    }
    json_t *j = json_loads(r->body.data ? r->body.data : "", 0, NULL);
    json_t *e = j ? json_object_get(j, "error") : NULL;
    const char *msg = e ? json_string_value(json_object_get(e, "message")) : NULL;
    fprintf(stderr, "suidoctl: HTTP %ld: %s\n", r->status, msg ? msg : r->body.data);
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(j, "errors"), i, x)
    {
        const char *field = json_string_value(json_object_get(x, "field"));
        fprintf(stderr, "  row %lld, column %lld%s%s%s: %s\n",
                (long long)json_integer_value(json_object_get(x, "row")),
                (long long)json_integer_value(json_object_get(x, "column")),
                field && *field ? " (" : "", field && *field ? field : "",
                field && *field ? ")" : "", json_string_value(json_object_get(x, "reason")));
    }
    json_decref(j);
    return 1;
}

/* Print a JSON body indented. */
static void print_json(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    puts(s ? s : body);
    free(s);
    json_decref(j);
}

/* method path [json body]; prints the answer (2xx) or reports it. */
static int call(const char *method, const char *path, const char *json, int raw)
{
    sd_hc_resp_t r;
    int rc = sd_hc_request(server, session, method, path, json, &r);
    int st = 0;
    if (rc || r.status < 200 || r.status > 299)
        st = report(&r);
    else if (raw)
        fwrite(r.body.data, 1, r.body.len, stdout);
    else
        print_json(r.body.data);
    sd_hc_resp_free(&r);
    return st;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    return sd_buf_append(ud, p, sz * n) ? 0 : sz * n;
}

/* POST the file as text/csv: sd_hc_request sends JSON bodies only. */
static int submit(const char *file, const char *tenant)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        fprintf(stderr, "suidoctl: cannot open %s\n", file);
        return 1;
    }
    sd_buf_t body = {0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (sd_buf_append(&body, tmp, n)) {
            fclose(f);
            sd_buf_free(&body);
            return 1;
        }
    fclose(f);
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    CURL *c = curl_easy_init();
    char *esc = c ? curl_easy_escape(c, base, 0) : NULL;
    char url[2048], cookie[128];
    snprintf(url, sizeof url, "%s/api/v1/tenants/%s/sheets?filename=%s", server, tenant,
             esc ? esc : "");
    curl_free(esc);
    sd_hc_resp_t r = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/csv");
    h = curl_slist_append(h, "Accept: application/json");
    int st = 1;
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data ? body.data : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        if (getenv("SUIDO_CACERT"))
            curl_easy_setopt(c, CURLOPT_CAINFO, getenv("SUIDO_CACERT"));
        if (session[0]) {
            snprintf(cookie, sizeof cookie, "suido_session=%s", session);
            curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
        }
        CURLcode cc = curl_easy_perform(c);
        if (cc != CURLE_OK)
            snprintf(r.error, sizeof r.error, "%.160s: %.90s", url, curl_easy_strerror(cc));
        else
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        if (!r.body.data)
            sd_buf_append_str(&r.body, "");
        if (r.status == 201) {
            print_json(r.body.data);
            st = 0;
        } else {
            st = report(&r);
        }
        curl_easy_cleanup(c);
    }
    curl_slist_free_all(h);
    sd_buf_free(&r.body);
    sd_buf_free(&body);
    return st;
}

/* The caller's own tenant, from /api/v1/me. */
static int own_tenant(char *out, size_t n)
{
    sd_hc_resp_t r;
    int rc = sd_hc_request(server, session, "GET", "/api/v1/me", NULL, &r);
    json_t *j = !rc && r.status == 200 ? json_loads(r.body.data, 0, NULL) : NULL;
    json_t *t = json_object_get(json_object_get(j, "user"), "tenant_id");
    if (!json_is_integer(t))
        t = json_object_get(j, "tenant_id");
    int st = json_is_integer(t) ? 0 : 1;
    if (!st)
        snprintf(out, n, "%lld", (long long)json_integer_value(t));
    else
        report(&r);
    json_decref(j);
    sd_hc_resp_free(&r);
    return st;
}

int suidoctl_is_master(const char *cmd)
{
    return !strcmp(cmd, "sheet") || !strcmp(cmd, "master");
}

int suidoctl_master(int argc, char **argv)
{
    const char *tenant = NULL, *status = NULL, *reason = NULL, *pos[3] = {0};
    int csv = 0, npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--tenant") && more)
            tenant = argv[++i];
        else if (!strcmp(a, "--status") && more)
            status = argv[++i];
        else if (!strcmp(a, "--reason") && more)
            reason = argv[++i];
        else if (!strcmp(a, "--server") && more)
            snprintf(server, sizeof server, "%s", argv[++i]);
        else if (!strcmp(a, "--csv"))
            csv = 1;
        else if (a[0] == '-' || npos == 3)
            return fputs(usage, stderr), 2;
        else
            pos[npos++] = a;
    }
    if (npos < 2 || !strcmp(pos[1], "help")) {
        fputs(usage, npos >= 2 ? stdout : stderr);
        return npos >= 2 ? 0 : 2;
    }
    if (!server[0] && getenv("SUIDO_SERVER"))
        snprintf(server, sizeof server, "%s", getenv("SUIDO_SERVER"));
    load_session();
    if (!server[0])
        snprintf(server, sizeof server, "http://127.0.0.1:8080");
    size_t sl = strlen(server);
    while (sl && server[sl - 1] == '/')
        server[--sl] = '\0';
    char tid[32], path[512];
    if (tenant)
        snprintf(tid, sizeof tid, "%s", tenant);
    else if (own_tenant(tid, sizeof tid))
        return 1;
    const char *verb = pos[1], *arg = pos[2];
    if (!strcmp(pos[0], "master")) {
        if (strcmp(verb, "get") != 0 || arg)
            return fputs(usage, stderr), 2;
        snprintf(path, sizeof path, "/api/v1/tenants/%s/master%s", tid, csv ? "?format=csv" : "");
        return call("GET", path, NULL, csv);
    }
    if (!strcmp(verb, "submit") && arg)
        return submit(arg, tid);
    if (!strcmp(verb, "list") && !arg) {
        snprintf(path, sizeof path, "/api/v1/tenants/%s/sheets%s%s", tid,
                 status ? "?status=" : "", status ? status : "");
        return call("GET", path, NULL, 0);
    }
    if (!arg || strspn(arg, "0123456789") != strlen(arg))
        return fputs(usage, stderr), 2;
    if (!strcmp(verb, "show")) {
        snprintf(path, sizeof path, "/api/v1/tenants/%s/sheets/%s", tid, arg);
        return call("GET", path, NULL, 0);
    }
    if (!strcmp(verb, "approve") || !strcmp(verb, "reject")) {
        snprintf(path, sizeof path, "/api/v1/tenants/%s/sheets/%s/%s", tid, arg, verb);
        json_t *b = reason ? json_pack("{s:s}", "reason", reason) : NULL;
        char *js = b ? json_dumps(b, JSON_COMPACT) : NULL;
        int st = call("POST", path, js, 0);
        free(js);
        json_decref(b);
        return st;
    }
    fputs(usage, stderr);
    return 2;
}
