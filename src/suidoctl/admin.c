/* admin.c - suidoctl's platform commands: login, whoami, tenants, orgs, users, apps, gateways. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "admin.h"
#include "core/err.h"
#include "conn.h"

static const char admin_usage[] =
    "usage: suidoctl [--server URL] COMMAND ...   (server also from $SUIDO_SERVER or the session)\n"
    "  login LOGIN [--password-stdin] [--otp CODE]   log in; the session is kept in\n"
    "                                  ~/.config/suido/session (mode 0600)\n"
    "  passwd [--password-stdin] [--login ID]        change the password (stdin: current, new);\n"
    "                                  a provisional account chooses its login id here\n"
    "  logout | whoami\n"
    "  totp enrol | totp confirm CODE  one-time passwords (FreeOTP, Google Authenticator)\n"
    "  tenant list | show ID | create NAME KIND | rename ID NAME\n"
    "  org list | show ID | create TENANT KIND NAME | link ORG TENANT | unlink ORG TENANT\n"
    "  user list | show ID | create ORG ROLE EMAIL [NAME] | role ID ROLE | disable ID |\n"
    "       enable ID | reset ID | otp-require ID on|off\n"
    "       create and reset mail the provisional password to the user; with --reply after\n"
    "       them (platform administrators only) it is printed instead\n"
    "  app|gw list | show ID | create ORG TENANT NAME | disable ID | enable ID | rotate ID\n"
    "  app|gw cert ID [PEM-FILE] | cert-remove ID    data-protection certificate: show, register\n"
    "  tenant protection ID [none|signed|signed_encrypted]   CMS payload protection setting\n"
    "  audit [LIMIT]\n"
    "  api METHOD PATH [JSON]          any request, answer printed as is\n"
    "Answers are printed as JSON; the exit status is 0 on 2xx, 1 otherwise.\n";

/* Read one line (without its newline) from stdin, or prompt without echo on a terminal. */
static int read_secret(const char *prompt, int from_stdin, char *out, size_t n)
{
    struct termios old, quiet;
    int tty = !from_stdin && isatty(0);
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(0, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSANOW, &quiet);
    }
    char *got = fgets(out, (int)n, stdin);
    if (tty) {
        tcsetattr(0, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return 1;
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

/* Send, print the answer (pretty JSON, errors to stderr); exit status. Takes body. */
static int call(const char *method, const char *path, json_t *body, json_t **keep)
{
    char *js = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    sd_http_answer_t r;
    int rc = ctl_call_json(method, path, js, &r);
    free(js);
    if (rc != 0) {
        fprintf(stderr, "suidoctl: %s\n", r.error);
        sd_http_answer_free(&r);
        return 1;
    }
    json_t *v = r.body.len ? json_loads(r.body.data, 0, NULL) : NULL;
    int ok = r.status >= 200 && r.status < 300;
    if (v) {
        char *pretty = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(ok ? stdout : stderr, "%s\n", pretty ? pretty : "");
        free(pretty);
    } else if (r.body.len) {
        fprintf(ok ? stdout : stderr, "%s\n", r.body.data);
    }
    if (!ok)
        fprintf(stderr, "suidoctl: %s %s: HTTP %ld\n", method, path, r.status);
    if (keep)
        *keep = v;
    else
        json_decref(v);
    sd_http_answer_free(&r);
    return ok ? 0 : 1;
}

static long long num(const char *s)
{
    char *e = NULL;
    long long v = s ? strtoll(s, &e, 10) : 0;
    if (!s || !*s || *e || v <= 0) {
        fprintf(stderr, "suidoctl: '%s' is not an id\n", s ? s : "");
        exit(2);
    }
    return v;
}

static int cmd_login(int argc, char **argv)
{
    const char *login = NULL, *otp = NULL;
    int pw_stdin = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--password-stdin"))
            pw_stdin = 1;
        else if (!strcmp(argv[i], "--otp") && i + 1 < argc)
            otp = argv[++i];
        else
            login = argv[i];
    }
    if (!login) {
        fprintf(stderr, "usage: suidoctl login LOGIN [--password-stdin] [--otp CODE]\n");
        return 2;
    }
    char pw[1100], code[32];
    if (read_secret("password: ", pw_stdin, pw, sizeof pw))
        return 1;
    for (int attempt = 0; attempt < 2; attempt++) {
        json_t *b = json_pack("{s:s,s:s}", "login", login, "password", pw);
        if (otp)
            json_object_set_new(b, "otp", json_string(otp));
        char *js = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        sd_http_answer_t r;
        ctl_session_forget();
        int rc = ctl_call_json("POST", "/api/v1/login", js, &r);
        free(js);
        if (rc != 0) {
            fprintf(stderr, "suidoctl: %s\n", r.error);
            sd_http_answer_free(&r);
            return 1;
        }
        int need_otp = r.status == 401 && strstr(r.body.data, "\"otp_required\"") && !otp;
        if (need_otp && !pw_stdin && isatty(0) && attempt == 0) {
            sd_http_answer_free(&r);
            if (read_secret("one-time password: ", 0, code, sizeof code))
                return 1;
            otp = code;
            continue;
        }
        if (r.status != 200 || !*r.cookie) {
            fprintf(stderr, "suidoctl: login refused (HTTP %ld): %s\n", r.status, r.body.data);
            sd_http_answer_free(&r);
            return 1;
        }
        rc = ctl_session_save(r.cookie);
        if (rc) { /* the session exists on the server but we could not keep it */
            sd_http_answer_free(&r);
            return rc;
        }
        json_t *v = json_loads(r.body.data, 0, NULL);
        if (json_is_true(json_object_get(v, "password_change_required")))
            fprintf(stderr, "password change required: run 'suidoctl passwd'\n");
        if (json_is_true(json_object_get(v, "totp_enrolment_required")))
            fprintf(stderr, "one-time password required: run 'suidoctl totp enrol'\n");
        printf("logged in as %s\n",
               json_string_value(json_object_get(json_object_get(v, "user"), "login")));
        json_decref(v);
        sd_http_answer_free(&r);
        return rc;
    }
    return 1;
}

static int cmd_passwd(int argc, char **argv)
{
    int pw_stdin = 0;
    const char *login = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--password-stdin"))
            pw_stdin = 1;
        else if (!strcmp(argv[i], "--login") && i + 1 < argc)
            login = argv[++i];
    }
    char cur[1100], npw[1100], again[1100];
    if (read_secret("current password: ", pw_stdin, cur, sizeof cur) ||
        read_secret("new password: ", pw_stdin, npw, sizeof npw))
        return 1;
    if (!pw_stdin && isatty(0)) {
        if (read_secret("new password again: ", 0, again, sizeof again) || strcmp(npw, again)) {
            fprintf(stderr, "suidoctl: the passwords differ\n");
            return 1;
        }
    }
    json_t *b = json_pack("{s:s,s:s}", "current_password", cur, "new_password", npw);
    if (login)
        json_object_set_new(b, "login", json_string(login));
    return call("POST", "/api/v1/me/password", b, NULL);
}

static int cmd_logout(void)
{
    int rc = call("POST", "/api/v1/logout", NULL, NULL);
    ctl_session_drop();
    return rc;
}

/* app|gw cert ID FILE: PUT the PEM file as the registration's certificate (pf/pki.h). */
static int put_cert(const char *path, const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "suidoctl: %s: %s\n", file, strerror(errno));
        return 1;
    }
    sd_buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (64u << 10))
        sd_buf_append(&b, chunk, n);
    fclose(f);
    if (!b.len || memchr(b.data, 0, b.len) || sd_buf_append(&b, "", 1)) {
        fprintf(stderr, "suidoctl: %s: expected a PEM certificate\n", file);
        sd_buf_free(&b);
        return 2;
    }
    sd_http_answer_t r;
    int rc = ctl_call_json("PUT", path, b.data, &r);
    sd_buf_free(&b);
    int ok = rc == 0 && r.status >= 200 && r.status < 300;
    fprintf(ok ? stdout : stderr, "%s\n", rc ? r.error : r.body.data ? r.body.data : "");
    sd_http_answer_free(&r);
    return ok ? 0 : 1;
}

/* "tenant", "org", "user", "app", "gw" sub-commands. */
static int cmd_objects(const char *what, int argc, char **argv)
{
    const char *base = !strcmp(what, "tenant") ? "/api/v1/tenants"
                       : !strcmp(what, "org")  ? "/api/v1/orgs"
                       : !strcmp(what, "user") ? "/api/v1/users"
                       : !strcmp(what, "app")  ? "/api/v1/apps"
                                               : "/api/v1/gateways";
    const char *sub = argc > 1 ? argv[1] : "list";
    char path[256];
    int n = argc - 2;
    char **a = argv + 2;
    /* "--reply" after user create/reset: the password in the answer, not by mail */
    const char *deliver = "mail";
    if (!strcmp(what, "user") && n > 0 && !strcmp(a[n - 1], "--reply")) {
        deliver = "reply";
        n--;
    }
    if (!strcmp(sub, "list"))
        return call("GET", base, NULL, NULL);
    if (!strcmp(sub, "show") && n == 1) {
        snprintf(path, sizeof path, "%s/%lld", base, num(a[0]));
        return call("GET", path, NULL, NULL);
    }
    if (!strcmp(sub, "create")) {
        if (!strcmp(what, "tenant") && n == 2)
            return call("POST", base, json_pack("{s:s,s:s}", "name", a[0], "kind", a[1]), NULL);
        if (!strcmp(what, "org") && n == 3)
            return call("POST", base,
                        json_pack("{s:I,s:s,s:s}", "tenant_id", (json_int_t)num(a[0]), "kind", a[1],
                                  "name", a[2]),
                        NULL);
        if (!strcmp(what, "user") && (n == 3 || n == 4))
            return call("POST", base,
                        json_pack("{s:I,s:s,s:s,s:s,s:s}", "org_id", (json_int_t)num(a[0]), "role",
                                  a[1], "email", a[2], "name", n == 4 ? a[3] : "", "deliver",
                                  deliver),
                        NULL);
        if ((!strcmp(what, "app") || !strcmp(what, "gw")) && n == 3)
            return call("POST", base,
                        json_pack("{s:I,s:I,s:s}", "org_id", (json_int_t)num(a[0]), "tenant_id",
                                  (json_int_t)num(a[1]), "name", a[2]),
                        NULL);
    }
    if (n >= 1)
        snprintf(path, sizeof path, "%s/%lld", base, num(a[0]));
    if (!strcmp(sub, "rename") && n == 2)
        return call("PATCH", path, json_pack("{s:s}", "name", a[1]), NULL);
    if ((!strcmp(sub, "disable") || !strcmp(sub, "enable")) && n == 1) {
        int dis = !strcmp(sub, "disable");
        json_t *b = !strcmp(what, "user") ? json_pack("{s:b}", "disabled", dis)
                                          : json_pack("{s:b}", "enabled", !dis);
        return call("PATCH", path, b, NULL);
    }
    if (!strcmp(what, "user") && !strcmp(sub, "role") && n == 2)
        return call("PATCH", path, json_pack("{s:s}", "role", a[1]), NULL);
    if (!strcmp(what, "user") && !strcmp(sub, "otp-require") && n == 2)
        return call("PATCH", path, json_pack("{s:b}", "totp_required", !strcmp(a[1], "on")), NULL);
    if (!strcmp(what, "user") && !strcmp(sub, "reset") && n == 1) {
        strcat(path, "/reset");
        return call("POST", path, json_pack("{s:s}", "deliver", deliver), NULL);
    }
    if ((!strcmp(what, "app") || !strcmp(what, "gw")) && !strcmp(sub, "rotate") && n == 1) {
        strcat(path, "/secret");
        return call("POST", path, NULL, NULL);
    }
    if (!strcmp(what, "tenant") && !strcmp(sub, "protection") && (n == 1 || n == 2)) {
        strcat(path, "/protection");
        return n == 1 ? call("GET", path, NULL, NULL)
                      : call("PUT", path, json_pack("{s:s}", "protection", a[1]), NULL);
    }
    if ((!strcmp(what, "app") || !strcmp(what, "gw")) &&
        (!strcmp(sub, "cert") || !strcmp(sub, "cert-remove")) && (n == 1 || n == 2)) {
        strcat(path, "/certificate");
        if (!strcmp(sub, "cert-remove"))
            return n == 1 ? call("DELETE", path, NULL, NULL) : 2;
        return n == 1 ? call("GET", path, NULL, NULL) : put_cert(path, a[1]);
    }
    if (!strcmp(what, "org") && (!strcmp(sub, "link") || !strcmp(sub, "unlink")) && n == 2) {
        char p2[300];
        snprintf(p2, sizeof p2, "%s/tenants/%lld", path, num(a[1]));
        return call(!strcmp(sub, "link") ? "PUT" : "DELETE", p2, NULL, NULL);
    }
    fputs(admin_usage, stderr);
    return 2;
}

int suidoctl_admin(int argc, char **argv)
{
    int i = 0;
    const char *server = NULL;
    while (i < argc && !strcmp(argv[i], "--server") && i + 1 < argc) {
        server = argv[i + 1];
        i += 2;
    }
    argc -= i;
    argv += i;
    if (argc < 1) {
        fputs(admin_usage, stderr);
        return 2;
    }
    ctl_conn_init(server);
    const char *cmd = argv[0];
    if (!strcmp(cmd, "login"))
        return cmd_login(argc, argv);
    if (!strcmp(cmd, "passwd"))
        return cmd_passwd(argc, argv);
    if (!strcmp(cmd, "logout"))
        return cmd_logout();
    if (!strcmp(cmd, "whoami"))
        return call("GET", "/api/v1/me", NULL, NULL);
    if (!strcmp(cmd, "totp") && argc >= 2 && !strcmp(argv[1], "enrol"))
        return call("POST", "/api/v1/me/totp", NULL, NULL);
    if (!strcmp(cmd, "totp") && argc == 3 && !strcmp(argv[1], "confirm"))
        return call("POST", "/api/v1/me/totp/confirm", json_pack("{s:s}", "code", argv[2]), NULL);
    if (!strcmp(cmd, "audit")) {
        char p[64];
        snprintf(p, sizeof p, "/api/v1/audit?limit=%lld", argc >= 2 ? num(argv[1]) : 100LL);
        return call("GET", p, NULL, NULL);
    }
    if (!strcmp(cmd, "api") && (argc == 3 || argc == 4)) {
        json_t *b = NULL;
        if (argc == 4 && !(b = json_loads(argv[3], 0, NULL))) {
            fprintf(stderr, "suidoctl: the body is not JSON\n");
            return 2;
        }
        return call(argv[1], argv[2], b, NULL);
    }
    if (!strcmp(cmd, "tenant") || !strcmp(cmd, "org") || !strcmp(cmd, "user") ||
        !strcmp(cmd, "app") || !strcmp(cmd, "gw"))
        return cmd_objects(cmd, argc, argv);
    fputs(admin_usage, stderr);
    return 2;
}
