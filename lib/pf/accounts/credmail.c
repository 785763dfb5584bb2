/* credmail.c - provisional credentials mailed to the user through the notifier's outbox. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/accounts/credmail.h"
#include "pf/accounts/user.h"

int sd_credmail_compose(const char *portal_url, int reset, const char *login, const char *pw,
                        char **subject, char **body)
{
    *subject = strdup(reset ? "[suido] パスワード再設定のお知らせ (password reset)"
                            : "[suido] 仮アカウント発行のお知らせ (your provisional account)");
    sd_buf_t b = {0};
    int have = portal_url && *portal_url;
    int rc = sd_buf_printf(
        &b,
        "%s\n\n"
        "ログインID: %s\n"
        "仮パスワード: %s\n"
        "%s%s%s"
        "\n初回ログイン時に新しいパスワードへの変更が必要です。"
        "このメールに心当たりがない場合は、管理者に連絡してください。\n"
        "\n----\n\n"
        "%s\n\n"
        "Login ID: %s\n"
        "Provisional password: %s\n"
        "%s%s%s"
        "\nYou must choose a new password when you first log in. If you did not expect this "
        "message, tell your administrator.\n",
        reset ? "suido のパスワードが管理者によって再設定されました。"
              : "suido のアカウントが発行されました。",
        login, pw, have ? "ポータル: " : "", have ? portal_url : "", have ? "\n" : "",
        reset ? "Your suido password was reset by an administrator."
              : "A suido account was issued for you.",
        login, pw, have ? "Portal: " : "", have ? portal_url : "", have ? "\n" : "");
    *body = rc == 0 ? sd_buf_steal(&b) : NULL;
    sd_buf_free(&b);
    if (!*subject || !*body) {
        free(*subject);
        if (*body)
            sodium_memzero(*body, strlen(*body));
        free(*body);
        *subject = *body = NULL;
        return SD_ENOMEM;
    }
    return 0;
}

/* Compose and enqueue; the password's copies are wiped. */
static int enqueue(sd_pf_t *pf, sd_notify_t *n, int64_t tenant, int reset, const char *email,
                   const char *login, const char *pw, int64_t *mail_id)
{
    char *subject, *body;
    int rc = sd_credmail_compose(pf->public_url, reset, login, pw, &subject, &body);
    if (rc != 0)
        return rc;
    rc = sd_notify_enqueue(n, tenant, SD_CREDMAIL_KIND, 0, 0, email, subject, body, mail_id);
    sodium_memzero(body, strlen(body));
    free(body);
    free(subject);
    return rc;
}

typedef struct {
    sd_pf_t *pf;
    sd_notify_t *n;
    const sd_principal_t *who;
    int64_t org, tenant, id, *mail_id;
    sd_role_t role;
    const char *email, *name;
} cm_t;

static int issue_tx(sd_store_t *st, void *ctx)
{
    (void)st;
    cm_t *c = ctx;
    char login[32], pw[SD_TOKEN_SIZE];
    int rc = sd_user_issue(c->pf, c->org, c->role, c->email, c->name, login, pw, &c->id);
    int64_t tenant = 0;
    sd_scope_t sc;
    sd_role_t r;
    if (rc == 0)
        rc = sd_user_scope(c->pf, c->id, &sc, &r);
    if (rc == 0) {
        tenant = sc.tenant_id;
        rc = enqueue(c->pf, c->n, tenant, 0, c->email, login, pw, c->mail_id);
    }
    sodium_memzero(pw, sizeof pw);
    return rc;
}

int sd_credmail_issue(sd_pf_t *pf, sd_notify_t *n, int64_t org_id, sd_role_t role,
                      const char *email, const char *name, int64_t *id, int64_t *mail_id)
{
    cm_t c = {.pf = pf,
              .n = n,
              .org = org_id,
              .role = role,
              .email = email,
              .name = name,
              .mail_id = mail_id};
    int rc = sd_store_tx(pf->store, issue_tx, &c);
    if (rc == 0) {
        *id = c.id;
        sd_notify_wake(n);
    }
    return rc;
}

static int reset_tx(sd_store_t *st, void *ctx)
{
    cm_t *c = ctx;
    char pw[SD_TOKEN_SIZE], login[64] = "", email[256] = "";
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st, "SELECT login, email FROM users WHERE id = $1",
                                SD_PARAMS(SD_V_INT(c->id)), &s);
    if (rc != 0)
        return rc;
    const char *l = sd_stmt_text(s, 0, NULL), *e = sd_stmt_text(s, 1, NULL);
    snprintf(login, sizeof login, "%s", l ? l : "");
    snprintf(email, sizeof email, "%s", e ? e : "");
    sd_stmt_done(s);
    rc = sd_user_reset(c->pf, c->who, c->id, c->tenant, pw); /* joins this transaction */
    if (rc == 0)
        rc = enqueue(c->pf, c->n, c->tenant, 1, email, login, pw, c->mail_id);
    sodium_memzero(pw, sizeof pw);
    return rc;
}

int sd_credmail_reset(sd_pf_t *pf, sd_notify_t *n, const sd_principal_t *who, int64_t id,
                      int64_t tenant, int64_t *mail_id)
{
    cm_t c = {.pf = pf, .n = n, .who = who, .id = id, .tenant = tenant, .mail_id = mail_id};
    int rc = sd_store_tx(pf->store, reset_tx, &c);
    if (rc == 0)
        sd_notify_wake(n);
    return rc;
}
