/* conn.h - suidoctl's one connection to suidod: which server, the login session, requests. */
#ifndef SUIDOCTL_CONN_H
#define SUIDOCTL_CONN_H

#include <stddef.h>

#include "httpc/client.h"

/*
 * The server is, first that is set: --server URL (server_arg), $SUIDO_SERVER, the session file's
 * server, http://127.0.0.1:8080. The session is the one `suidoctl login` kept in
 * ~/.config/suido/session (mode 0600): "server URL\nsession TOKEN\n". Call once per command.
 */
void ctl_conn_init(const char *server_arg);
const char *ctl_server(void);

/* Keep token as the session for the current server; 0, or 1 with the reason on stderr. */
int ctl_session_save(const char *token);
/* Send no session from now on (e.g. for a login). */
void ctl_session_forget(void);
/* Forget the session and delete the session file (logout). */
void ctl_session_drop(void);

/*
 * method path (from the server's root) with an optional body of content_type (NULL = no body),
 * the session cookie attached. A new suido_session cookie comes back in r->cookie. 0 when an HTTP
 * answer came (any status), else SD_E* with r->error. Free r with sd_http_answer_free().
 */
int ctl_call(const char *method, const char *path, const char *content_type, const void *body,
             size_t len, sd_http_answer_t *r);

/* ctl_call() with a JSON body text (NULL = none). */
int ctl_call_json(const char *method, const char *path, const char *json, sd_http_answer_t *r);

#endif
