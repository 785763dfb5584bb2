/* store_dump.c - what an external dump tool (pg_dump, pg_restore) needs from a store URL. */
#ifndef SD_STORE_NO_PG
/* Debian keeps libpq-fe.h under postgresql/ unless -I$(pg_config --includedir) is given. */
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif
#endif
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store_int.h"

#ifndef SD_STORE_NO_PG

/* libpq conninfo value quoting: single quotes, backslash before ' and \. */
static int quote(sd_buf_t *b, const char *v)
{
    int rc = sd_buf_append_byte(b, '\'');
    for (; !rc && *v; v++) {
        if (*v == '\'' || *v == '\\')
            rc = sd_buf_append_byte(b, '\\');
        if (!rc)
            rc = sd_buf_append_byte(b, *v);
    }
    return rc ? rc : sd_buf_append_byte(b, '\'');
}

int sd_store_pg_conninfo(const char *url, sd_buf_t *conninfo, char **password)
{
    *password = NULL;
    char *why = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &why);
    if (!opts) {
        int rc = sd__store_seterr(SD_ECONFIG, "postgresql URL: %s", why ? why : "out of memory");
        PQfreemem(why);
        return rc;
    }
    int rc = 0;
    for (PQconninfoOption *o = opts; !rc && o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (!strcmp(o->keyword, "password")) {
            /* never on a command line (ps shows it to every local user): the caller puts it
             * in the child's PGPASSWORD */
            if (!(*password = strdup(o->val)))
                rc = SD_ENOMEM;
            continue;
        }
        if (conninfo->len)
            rc = sd_buf_append_byte(conninfo, ' ');
        if (!rc)
            rc = sd_buf_printf(conninfo, "%s=", o->keyword);
        if (!rc)
            rc = quote(conninfo, o->val);
    }
    PQconninfoFree(opts);
    if (rc) {
        free(*password);
        *password = NULL;
    }
    return rc;
}
#else
int sd_store_pg_conninfo(const char *url, sd_buf_t *conninfo, char **password)
{
    *password = NULL;
    return sd__store_seterr(SD_EUNSUPPORTED, "built without PostgreSQL");
}
#endif
