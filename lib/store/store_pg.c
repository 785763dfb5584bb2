/* store_pg.c - the PostgreSQL backend of the store, over libpq prepared statements. */
#ifndef SD_STORE_NO_PG
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/store_int.h"

/* Debian keeps libpq-fe.h under postgresql/ unless -I$(pg_config --includedir) is given. */
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif

/* Type OIDs from catalog/pg_type.h (a server header), stable since PostgreSQL 7. */
#define BOOLOID  16
#define BYTEAOID 17

/* pg_advisory_xact_lock key for migrations: "suid" in ASCII. */
#define SCHEMA_LOCK_KEY "1937074532"

typedef struct {
    char *url;
} cfg_t;

typedef struct {
    PGconn *pc;
    uint64_t seq; /* names of prepared statements */
} conn_t;

typedef struct {
    conn_t *c;
    char name[24];
    PGresult *res;
    int row, nrows;
    int64_t changes;
    /* parameter arrays, grown to the largest count seen; numbers and copied text in scratch */
    int cap;
    const char **values;
    int *lengths, *formats;
    size_t *offs;
    sd_buf_t scratch;
    /* bytea columns decoded for the current row: dec[col] holds row dec_row[col] */
    int ndec;
    sd_buf_t *dec;
    int *dec_row;
} stmt_t;

static int map_err(PGconn *pc, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(pc);
    int err = SD_ESTORE;
    if (!res && PQstatus(pc) != CONNECTION_BAD)
        err = SD_ENOMEM; /* libpq returns no result only when out of memory */
    else if (state && strncmp(state, "23", 2) == 0)
        err = SD_ECONFLICT; /* integrity_constraint_violation */
    else if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                       strcmp(state, "55P03") == 0))
        err = SD_EBUSY; /* serialization failure, deadlock, lock not available: retry */
    else if (state && strcmp(state, "57014") == 0)
        err = SD_ETIMEDOUT; /* statement_timeout */
    else if (state && strcmp(state, "53100") == 0)
        err = SD_ENOSPC; /* disk_full */
    return sd__store_seterr(err, "postgresql: %s%s%s%s", msg, state ? " (SQLSTATE " : "",
                            state ? state : "", state ? ")" : "");
}

static bool pg_accepts(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

static int pg_parse(const char *url, void **out)
{
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &why);
    if (!opts) {
        int rc = sd__store_seterr(SD_ECONFIG, "postgresql URL: %s", why ? why : "out of memory");
        PQfreemem(why);
        return rc;
    }
    PQconninfoFree(opts);
    cfg_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->url = strdup(url))) {
        free(cfg);
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    }
    *out = cfg;
    return 0;
}

static void pg_cfg_free(void *p)
{
    cfg_t *cfg = p;
    if (cfg)
        free(cfg->url);
    free(cfg);
}

static void quiet(void *arg, const char *message)
{
    /* NOTICEs ("relation already exists, skipping") are not errors; libpq prints them. */
}

static int simple(conn_t *c, const char *sql)
{
    PGresult *res = PQexec(c->pc, sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : map_err(c->pc, res);
    PQclear(res);
    return rc;
}

static int pg_connect(void *p, void **out)
{
    const cfg_t *cfg = p;
    conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    c->pc = PQconnectdb(cfg->url);
    int rc = 0;
    if (PQstatus(c->pc) != CONNECTION_OK)
        rc = sd__store_seterr(SD_ESTORE, "postgresql: %s", PQerrorMessage(c->pc));
    else if (PQsetClientEncoding(c->pc, "UTF8") != 0)
        rc = sd__store_seterr(SD_ESTORE, "postgresql: %s", PQerrorMessage(c->pc));
    else {
        PQsetNoticeProcessor(c->pc, quiet, NULL);
        /* Exact float text both ways (shortest round-trip on 12+), hex bytea, UTC. */
        rc = simple(c, "SET extra_float_digits = 3; SET bytea_output = 'hex'; "
                       "SET TIME ZONE 'UTC'");
    }
    if (rc < 0) {
        PQfinish(c->pc);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void pg_disconnect(void *p)
{
    conn_t *c = p;
    PQfinish(c->pc);
    free(c);
}

static bool pg_broken(void *p)
{
    return PQstatus(((conn_t *)p)->pc) == CONNECTION_BAD;
}

static int pg_prepare(void *p, const char *sql, void **out)
{
    conn_t *c = p;
    stmt_t *st = calloc(1, sizeof *st);
    if (!st)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    st->c = c;
    st->row = -1;
    snprintf(st->name, sizeof st->name, "sd%" PRIu64, ++c->seq);
    /* Types are left to the server, inferred from where each $N is used. */
    PGresult *res = PQprepare(c->pc, st->name, sql, 0, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : map_err(c->pc, res);
    PQclear(res);
    if (rc < 0) {
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

static void clear_result(stmt_t *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    for (int i = 0; i < st->ndec; i++)
        st->dec_row[i] = -1;
}

static void pg_finalize(void *conn, void *p, bool closing)
{
    conn_t *c = conn;
    stmt_t *st = p;
    clear_result(st);
    if (!closing && PQstatus(c->pc) == CONNECTION_OK) {
        /* Free the server side; in an aborted transaction this fails and the statement lives
         * until the connection closes, which is harmless. */
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
        PQclear(PQexec(c->pc, sql));
    }
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->offs);
    sd_buf_free(&st->scratch);
    for (int i = 0; i < st->ndec; i++)
        sd_buf_free(&st->dec[i]);
    free(st->dec);
    free(st->dec_row);
    free(st);
}

static int grow_params(stmt_t *st, int np)
{
    if (np <= st->cap)
        return 0;
    const char **v = realloc(st->values, np * sizeof *v);
    if (v)
        st->values = v;
    int *l = realloc(st->lengths, np * sizeof *l);
    if (l)
        st->lengths = l;
    int *f = realloc(st->formats, np * sizeof *f);
    if (f)
        st->formats = f;
    size_t *o = realloc(st->offs, np * sizeof *o);
    if (o)
        st->offs = o;
    if (!v || !l || !f || !o)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    st->cap = np;
    return 0;
}

static int pg_execute(void *p, const sd_val_t *v, int np, bool copy)
{
    stmt_t *st = p;
    int rc = grow_params(st, np);
    if (rc < 0)
        return rc;
    /* Everything goes as text (the server converts to the inferred type) except blobs, which go
     * binary so bytea needs no escaping. Numbers and non-terminated text are written into
     * scratch first, pointers taken after, since scratch may move while it grows. */
    sd_buf_reset(&st->scratch);
    for (int i = 0; i < np; i++) {
        size_t off = st->scratch.len;
        st->offs[i] = SIZE_MAX;
        st->lengths[i] = 0;
        st->formats[i] = 0;
        st->values[i] = NULL;
        switch (v[i].type) {
        case SD_VAL_INT64:
            rc = sd_buf_printf(&st->scratch, "%" PRId64, v[i].u.i);
            break;
        case SD_VAL_DOUBLE:
            rc = isinf(v[i].u.d)
                     ? sd_buf_printf(&st->scratch, "%sInfinity", v[i].u.d < 0 ? "-" : "")
                     : sd_buf_printf(&st->scratch, "%.17g", v[i].u.d);
            break;
        case SD_VAL_TEXT:
            if (v[i].u.b.len == SIZE_MAX) {
                st->values[i] = v[i].u.b.p;
                continue;
            }
            rc = sd_buf_append(&st->scratch, v[i].u.b.p, v[i].u.b.len);
            break;
        case SD_VAL_BLOB:
            st->values[i] = v[i].u.b.len ? v[i].u.b.p : "";
            st->lengths[i] = (int)v[i].u.b.len;
            st->formats[i] = 1;
            if (v[i].u.b.len > INT32_MAX)
                return sd__store_seterr(SD_ETOOBIG, "parameter $%d too large", i + 1);
            continue;
        default:
            continue; /* NULL */
        }
        if (rc == 0)
            rc = sd_buf_append_byte(&st->scratch, '\0');
        if (rc < 0)
            return sd__store_seterr(SD_ENOMEM, "out of memory");
        st->offs[i] = off;
    }
    for (int i = 0; i < np; i++)
        if (st->offs[i] != SIZE_MAX)
            st->values[i] = st->scratch.data + st->offs[i];

    clear_result(st);
    st->res = PQexecPrepared(st->c->pc, st->name, np, st->values, st->lengths, st->formats, 0);
    ExecStatusType s = PQresultStatus(st->res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = map_err(st->c->pc, st->res);
        clear_result(st);
        return rc;
    }
    st->nrows = PQntuples(st->res);
    const char *tag = PQcmdStatus(st->res);
    st->changes = strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
                          strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0
                      ? strtoll(PQcmdTuples(st->res), NULL, 10)
                      : 0;
    int nc = PQnfields(st->res);
    if (nc > st->ndec) {
        sd_buf_t *d = realloc(st->dec, nc * sizeof *d);
        if (d)
            st->dec = d;
        int *r = realloc(st->dec_row, nc * sizeof *r);
        if (r)
            st->dec_row = r;
        if (!d || !r)
            return sd__store_seterr(SD_ENOMEM, "out of memory");
        for (int i = st->ndec; i < nc; i++) {
            st->dec[i] = (sd_buf_t){0};
            st->dec_row[i] = -1;
        }
        st->ndec = nc;
    }
    return 0;
}

static int pg_next(void *p)
{
    stmt_t *st = p;
    if (st->row + 1 >= st->nrows) {
        st->row = st->nrows;
        return 0;
    }
    st->row++;
    return 1;
}

static int64_t pg_changes(void *p)
{
    return ((stmt_t *)p)->changes;
}

static void pg_reset(void *p)
{
    clear_result(p);
}

static int pg_ncols(void *p)
{
    stmt_t *st = p;
    return st->res ? PQnfields(st->res) : 0;
}

static const char *pg_col_name(void *p, int col)
{
    stmt_t *st = p;
    return st->res ? PQfname(st->res, col) : NULL;
}

static bool valid(const stmt_t *st, int col)
{
    return st->res && st->row >= 0 && st->row < st->nrows && col >= 0 && col < PQnfields(st->res);
}

static bool pg_col_null(void *p, int col)
{
    stmt_t *st = p;
    return !valid(st, col) || PQgetisnull(st->res, st->row, col);
}

static int64_t pg_col_int64(void *p, int col)
{
    stmt_t *st = p;
    if (pg_col_null(p, col))
        return 0;
    const char *t = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == BOOLOID)
        return t[0] == 't';
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E' || (end == t && *t)) {
        /* numeric or float text: truncate as SQLite's column_int64 does */
        double d = strtod(t, NULL);
        return d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
    }
    return v;
}

static double pg_col_double(void *p, int col)
{
    stmt_t *st = p;
    if (pg_col_null(p, col))
        return 0.0;
    const char *t = PQgetvalue(st->res, st->row, col);
    if (PQftype(st->res, col) == BOOLOID)
        return t[0] == 't';
    return strtod(t, NULL); /* also reads "Infinity", "-Infinity", "NaN" */
}

static const char *pg_col_bytes(void *p, int col, size_t *len)
{
    stmt_t *st = p;
    if (pg_col_null(p, col))
        return NULL;
    const char *t = PQgetvalue(st->res, st->row, col);
    size_t n = (size_t)PQgetlength(st->res, st->row, col);
    if (PQftype(st->res, col) != BYTEAOID || n < 2 || t[0] != '\\' || t[1] != 'x') {
        *len = n;
        return t;
    }
    sd_buf_t *b = &st->dec[col];
    if (st->dec_row[col] != st->row) {
        sd_buf_reset(b);
        if (sd_buf_reserve(b, (n - 2) / 2 + 1) < 0)
            return NULL;
        for (size_t i = 2; i + 1 < n; i += 2) {
            int hi = sd_hex_value(t[i]), lo = sd_hex_value(t[i + 1]);
            if (hi < 0 || lo < 0)
                break;
            b->data[b->len++] = (char)(hi << 4 | lo);
        }
        b->data[b->len] = '\0';
        st->dec_row[col] = st->row;
    }
    *len = b->len;
    return b->data;
}

static const char *pg_col_text(void *p, int col, size_t *len)
{
    return pg_col_bytes(p, col, len);
}

static const void *pg_col_blob(void *p, int col, size_t *len)
{
    return pg_col_bytes(p, col, len);
}

static int pg_exec_script(void *p, const char *sql)
{
    return simple(p, sql);
}

static int pg_begin(void *p)
{
    return simple(p, "BEGIN");
}

static int pg_lock_schema(void *p)
{
    return simple(p, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")");
}

const struct sd_store_ops sd__store_pg_ops = {
    .name = "postgresql",
    .accepts = pg_accepts,
    .parse = pg_parse,
    .cfg_free = pg_cfg_free,
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .broken = pg_broken,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .execute = pg_execute,
    .next = pg_next,
    .changes = pg_changes,
    .reset = pg_reset,
    .ncols = pg_ncols,
    .col_name = pg_col_name,
    .col_null = pg_col_null,
    .col_int64 = pg_col_int64,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .exec_script = pg_exec_script,
    .begin = pg_begin,
    .lock_schema = pg_lock_schema,
};
#endif
