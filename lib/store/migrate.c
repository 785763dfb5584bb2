/* migrate.c - numbered schema migrations (db/<backend>/NNNN_name.sql), embedded at build time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store_int.h"

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       "version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                                       "applied_at BIGINT NOT NULL)";

const sd_store_migration_t *sd_store_migrations(const char *backend, size_t *n)
{
    if (strcmp(backend, "sqlite") == 0) {
        *n = sd__store_migrations_sqlite_n;
        return sd__store_migrations_sqlite;
    }
    if (strcmp(backend, "postgresql") == 0) {
        *n = sd__store_migrations_postgresql_n;
        return sd__store_migrations_postgresql;
    }
    *n = 0;
    return NULL;
}

/* Opening migrates, so it lives here: store.c connects and knows nothing of migrations. */
int sd_store_open(const char *url, sd_store_t **out)
{
    return sd_store_open_flags(url, 0, out);
}

int sd_store_open_flags(const char *url, unsigned flags, sd_store_t **out)
{
    sd_store_t *st = NULL;
    int rc = sd__store_connect(url, &st);
    if (rc == 0 && !(flags & SD_STORE_NO_MIGRATE) && (rc = sd_store_migrate(st)) < 0) {
        sd__store_close_keep_error(st);
        st = NULL;
    }
    *out = st;
    return rc < 0 ? rc : 0;
}

int sd_store_migrate(sd_store_t *st)
{
    size_t n;
    const sd_store_migration_t *list = sd_store_migrations(st->ops->name, &n);
    return sd_store_migrate_list(st, list, n);
}

/* Begin a transaction that holds the schema lock (other migrating processes wait). */
static int begin_locked(sd_store_t *st)
{
    int rc = sd_store_begin(st);
    if (rc == 0 && st->ops->lock_schema) {
        sd_store_conn_t *c = pthread_getspecific(st->key);
        if ((rc = st->ops->lock_schema(c->impl)) < 0)
            sd_store_rollback(st);
    }
    return rc;
}

static int is_applied(sd_store_t *st, int version, bool *applied)
{
    sd_stmt_t *s;
    int rc = sd_store_query_row(st, "SELECT version FROM schema_migrations WHERE version = $1",
                                SD_PARAMS(SD_V_INT(version)), &s);
    *applied = rc == 0;
    sd_stmt_done(s);
    return rc == SD_ENOTFOUND ? 0 : rc;
}

/*
 * A migration that cannot apply to some data says so by a line "-- refuse-if: <query>" (one
 * line, one text column): when the query's first row is a non-empty text, the migration is
 * refused with that text, which names what to fix, instead of a bare constraint error.
 */
static int check_refusal(sd_store_t *st, const sd_store_migration_t *m)
{
    static const char tag[] = "-- refuse-if: ";
    for (const char *p = strstr(m->sql, tag); p; p = strstr(p + 1, tag)) {
        if (p != m->sql && p[-1] != '\n')
            continue;
        const char *q = p + sizeof tag - 1;
        size_t n = strcspn(q, "\n");
        char sql[1024];
        if (n >= sizeof sql)
            return sd__store_seterr(SD_ESCHEMA, "migration %s: refuse-if query too long", m->name);
        memcpy(sql, q, n);
        sql[n] = 0;
        sd_stmt_t *s = NULL;
        int rc = sd_store_query_row(st, sql, SD_NOPARAMS, &s);
        if (rc == SD_ENOTFOUND)
            continue;
        if (rc < 0)
            return rc;
        const char *why = sd_stmt_text(s, 0, NULL);
        if (why && *why) {
            char msg[900];
            snprintf(msg, sizeof msg, "%s", why);
            sd_stmt_done(s);
            return sd__store_seterr(SD_ESCHEMA, "migration %s refused: %s", m->name, msg);
        }
        sd_stmt_done(s);
    }
    return 0;
}

/* Apply one migration in its own transaction, unless another process did meanwhile. */
static int apply_one(sd_store_t *st, const sd_store_migration_t *m)
{
    bool applied;
    int rc = begin_locked(st);
    if (rc < 0)
        return rc;
    if ((rc = is_applied(st, m->version, &applied)) < 0 || applied ||
        (rc = check_refusal(st, m)) < 0)
        goto out;
    if ((rc = sd_store_exec_script(st, m->sql)) < 0) {
        char why[400];
        snprintf(why, sizeof why, "%s", sd_store_errmsg());
        sd_store_rollback(st);
        return sd__store_seterr(SD_ESCHEMA, "migration %s failed: %s", m->name, why);
    }
    rc = sd_store_exec(st,
                       "INSERT INTO schema_migrations (version, name, applied_at) "
                       "VALUES ($1, $2, $3)",
                       SD_PARAMS(SD_V_INT(m->version), SD_V_TEXT(m->name),
                                 SD_V_INT(sd_clock_wall_ms(sd_clock_system()))),
                       NULL);
out:
    if (rc < 0) {
        sd_store_rollback(st);
        return rc;
    }
    if ((rc = sd_store_commit(st)) == 0 && !applied)
        sd_info("store: applied migration %s/%s", st->ops->name, m->name);
    return rc;
}

int sd_store_migrate_list(sd_store_t *st, const sd_store_migration_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].version <= 0 || (i > 0 && list[i].version <= list[i - 1].version))
            return sd__store_seterr(SD_ESCHEMA, "migration %s: versions must increase",
                                    list[i].name);
    }
    int rc = begin_locked(st);
    if (rc < 0)
        return rc;
    if ((rc = sd_store_exec_script(st, create_table_sql)) < 0) {
        sd_store_rollback(st);
        return rc;
    }
    if ((rc = sd_store_commit(st)) < 0)
        return rc;

    int64_t cur;
    if ((rc = sd_store_schema_version(st, &cur)) < 0)
        return rc;
    int last = n > 0 ? list[n - 1].version : 0;
    if (cur > last)
        return sd__store_seterr(SD_ESCHEMA,
                                "database schema version %" PRId64
                                " is newer than this program's %d: upgrade the program",
                                cur, last);
    for (size_t i = 0; i < n; i++) {
        bool applied;
        if ((rc = is_applied(st, list[i].version, &applied)) < 0)
            return rc;
        if (!applied && (rc = apply_one(st, &list[i])) < 0)
            return rc;
    }
    return 0;
}

int sd_store_schema_version(sd_store_t *st, int64_t *version)
{
    sd_stmt_t *s;
    *version = 0;
    int rc = sd_store_query_row(st, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                                SD_NOPARAMS, &s);
    if (rc < 0)
        return rc;
    *version = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return 0;
}

/* ---- the schema check ---------------------------------------------------------------------- */

typedef struct {
    char **v; /* "table\tcolumn" */
    size_t n, cap;
} names_t;

static void names_free(names_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* Every (table, column) of st, as "table\tcolumn". */
static int read_columns(sd_store_t *st, names_t *out)
{
    const char *sql =
        strcmp(st->ops->name, "postgresql") == 0
            ? "SELECT table_name, column_name FROM information_schema.columns "
              "WHERE table_schema = current_schema()"
            : "SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p "
              "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'";
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st, sql, SD_NOPARAMS, &q);
    while (rc == 0 && (rc = sd_stmt_next(q)) > 0) {
        size_t tl = 0, cl = 0;
        const char *t = sd_stmt_text(q, 0, &tl), *c = sd_stmt_text(q, 1, &cl);
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 256;
            char **v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                rc = SD_ENOMEM;
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        char *e = malloc(tl + cl + 2);
        if (!e) {
            rc = SD_ENOMEM;
            break;
        }
        snprintf(e, tl + cl + 2, "%.*s\t%.*s", (int)tl, t ? t : "", (int)cl, c ? c : "");
        out->v[out->n++] = e;
        rc = 0;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : 0;
}

static int has(const names_t *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strncmp(l->v[i], name, len) && (l->v[i][len] == '\0' || l->v[i][len] == '\t'))
            return 1;
    return 0;
}

static void add_missing(char *out, size_t n, size_t *used, const char *what, const char *name,
                        size_t len)
{
    if (*used >= n)
        return;
    int w = snprintf(out + *used, n - *used, "%s%s %.*s", *used ? ", " : "", what, (int)len, name);
    *used = w < 0 ? n : *used + (size_t)w;
}

int sd_store_check_schema(sd_store_t *st, char *missing, size_t n)
{
    if (n)
        missing[0] = '\0';
    sd_store_t *ref = NULL;
    int rc = sd_store_open_flags("sqlite::memory:", SD_STORE_NO_MIGRATE, &ref);
    size_t nm;
    const sd_store_migration_t *list = sd_store_migrations("sqlite", &nm);
    for (size_t i = 0; rc == 0 && i < nm; i++) /* no schema_migrations rows, no log lines */
        rc = sd_store_exec_script(ref, list[i].sql);
    names_t want = {0}, have = {0};
    if (rc == 0)
        rc = read_columns(ref, &want);
    sd_store_close(ref);
    if (rc == 0)
        rc = read_columns(st, &have);
    size_t used = 0;
    for (size_t i = 0; rc == 0 && i < want.n; i++) {
        const char *e = want.v[i], *tab = strchr(e, '\t');
        size_t tl = (size_t)(tab - e);
        if (has(&have, e, strlen(e)))
            continue;
        if (has(&have, e, tl)) { /* the table is there, not this column */
            char col[200];
            snprintf(col, sizeof col, "%.*s.%s", (int)tl, e, tab + 1);
            add_missing(missing, n, &used, "column", col, strlen(col));
        } else if (i == 0 || strncmp(want.v[i - 1], e, tl + 1)) { /* a whole table, named once */
            add_missing(missing, n, &used, "table", e, tl);
        }
    }
    names_free(&want);
    names_free(&have);
    if (rc == 0 && used)
        return sd__store_seterr(SD_ESCHEMA, "the schema lacks %s", missing);
    return rc;
}
