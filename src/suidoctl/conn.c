/* conn.c - suidoctl's one connection to suidod: which server, the login session, requests. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_server[512], g_session[64];

static void session_path(char *out, size_t n)
{
    const char *home = getenv("HOME");
    snprintf(out, n, "%s/.config/suido/session", home ? home : ".");
}

/* A missing file is no session; a longer value is not one suidoctl wrote: ignored, not cut. */
static void load_session(void)
{
    char path[1024], line[1024];
    session_path(path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        size_t n = strlen(line);
        if (!strncmp(line, "server ", 7) && !*g_server && n - 7 < sizeof g_server)
            memcpy(g_server, line + 7, n - 7 + 1);
        else if (!strncmp(line, "session ", 8) && n - 8 < sizeof g_session)
            memcpy(g_session, line + 8, n - 8 + 1);
    }
    fclose(f);
}

void ctl_conn_init(const char *server_arg)
{
    if (server_arg)
        snprintf(g_server, sizeof g_server, "%s", server_arg);
    else if (getenv("SUIDO_SERVER"))
        snprintf(g_server, sizeof g_server, "%s", getenv("SUIDO_SERVER"));
    load_session();
    if (!*g_server)
        snprintf(g_server, sizeof g_server, "http://127.0.0.1:8080");
    size_t sl = strlen(g_server);
    while (sl > 0 && g_server[sl - 1] == '/')
        g_server[--sl] = 0;
}

const char *ctl_server(void)
{
    return g_server;
}

void ctl_session_forget(void)
{
    g_session[0] = 0;
}

void ctl_session_drop(void)
{
    char path[1024];
    session_path(path, sizeof path);
    unlink(path);
    g_session[0] = 0;
}

int ctl_session_save(const char *token)
{
    char path[1024], dir[1024];
    session_path(path, sizeof path);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    /* mkdir -p: ~/.config may not exist yet on a fresh account */
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0700);
            *p = '/';
        }
    mkdir(dir, 0700);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        fprintf(stderr, "suidoctl: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    dprintf(fd, "server %s\nsession %s\n", g_server, token);
    close(fd);
    snprintf(g_session, sizeof g_session, "%s", token);
    return 0;
}

int ctl_call(const char *method, const char *path, const char *content_type, const void *body,
             size_t len, sd_http_answer_t *r)
{
    char url[2048], cookie[128];
    snprintf(url, sizeof url, "%s%s", g_server, path);
    snprintf(cookie, sizeof cookie, "suido_session=%s", g_session);
    /* curl labels an empty POST as a form; suidod refuses form bodies sent with the session
     * cookie (a foreign page can send those), so say nothing of a type when there is no body */
    static const char *const no_type[] = {"Content-Type:", NULL};
    sd_http_call_t c = {.method = method,
                        .headers = body ? NULL : no_type,
                        .url = url,
                        .content_type = body ? content_type : NULL,
                        .body = body,
                        .body_len = len,
                        .cookie = *g_session ? cookie : NULL,
                        .cacert = getenv("SUIDO_CACERT"),
                        .user_agent = "suidoctl",
                        .timeout_ms = 60000,
                        .capture_cookie = "suido_session"};
    return sd_http_call_once(&c, r);
}

int ctl_call_json(const char *method, const char *path, const char *json, sd_http_answer_t *r)
{
    return ctl_call(method, path, "application/json", json, json ? strlen(json) : 0, r);
}
