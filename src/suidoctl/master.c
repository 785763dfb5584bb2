/* master.c - suidoctl sheet / master: submit, list, show, approve, reject; get the master. */
#include "master.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "conn.h"

static const char usage[] =
    "usage: suidoctl sheet submit FILE [--tenant ID]     submit a sheet (CSV, UTF-8 or Shift_JIS)\n"
    "       suidoctl sheet list [--tenant ID] [--status submitted|applied|rejected]\n"
    "       suidoctl sheet show ID [--tenant ID]\n"
    "       suidoctl sheet approve ID [--tenant ID]        apply it (another operator admin)\n"
    "       suidoctl sheet reject ID [--tenant ID] [--reason TEXT]\n"
    "       suidoctl master get [--tenant ID] [--csv]      the master as JSON or as a sheet\n"
    "Options anywhere: --server URL (else $SUIDO_SERVER or the login session's server).\n"
    "The tenant defaults to your own. See docs/master-data.md for the sheet format.\n";

/* Print the server's error (and a sheet's findings) to stderr; returns 1. */
static int report(const sd_http_answer_t *r)
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
    sd_http_answer_t r;
    int rc = ctl_call_json(method, path, json, &r);
    int st = 0;
    if (rc || r.status < 200 || r.status > 299)
        st = report(&r);
    else if (raw)
        fwrite(r.body.data, 1, r.body.len, stdout);
    else
        print_json(r.body.data);
    sd_http_answer_free(&r);
    return st;
}

/* base as a query value: unreserved bytes as they are, the rest %XX (RFC 3986). */
static void query_escape(const char *base, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)base; *p && k + 4 < n; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            out[k++] = (char)*p;
        else {
            out[k++] = '%';
            out[k++] = hex[*p >> 4];
            out[k++] = hex[*p & 15];
        }
    }
    out[k] = 0;
}

/* POST the file as text/csv, named by its base name. */
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
    char esc[600], path[1024];
    query_escape(base, esc, sizeof esc);
    snprintf(path, sizeof path, "/api/v1/tenants/%s/sheets?filename=%s", tenant, esc);
    sd_http_answer_t r;
    int st = 1;
    if (ctl_call("POST", path, "text/csv", body.data ? body.data : "", body.len, &r) != 0)
        fprintf(stderr, "suidoctl: %s\n", r.error);
    else if (r.status == 201) {
        print_json(r.body.data);
        st = 0;
    } else
        st = report(&r);
    sd_http_answer_free(&r);
    sd_buf_free(&body);
    return st;
}

/* The caller's own tenant, from /api/v1/me. */
static int own_tenant(char *out, size_t n)
{
    sd_http_answer_t r;
    int rc = ctl_call_json("GET", "/api/v1/me", NULL, &r);
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
    sd_http_answer_free(&r);
    return st;
}

int suidoctl_master(int argc, char **argv)
{
    const char *tenant = NULL, *status = NULL, *reason = NULL, *pos[3] = {0};
    int csv = 0, npos = 0;
    const char *server_arg = NULL;
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
            server_arg = argv[++i];
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
    ctl_conn_init(server_arg);
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
        snprintf(path, sizeof path, "/api/v1/tenants/%s/sheets%s%s", tid, status ? "?status=" : "",
                 status ? status : "");
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
