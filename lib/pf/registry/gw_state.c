/* gw_state.c - the alive state of each gateway (online, since when, last seen), as the MQTT
 * binding records it and the request service, status page and console read it. */
#include "pf/registry/gw_state.h"

#include "core/err.h"

int sd_gw_state_set(sd_store_t *st, int64_t gw_id, int online, int64_t now_ms)
{
    return sd_store_exec(
        st,
        "INSERT INTO gw_state (client_id, online, changed_at, last_seen) VALUES ($1, $2, $3, $3)"
        " ON CONFLICT (client_id) DO UPDATE SET changed_at = CASE WHEN gw_state.online ="
        " excluded.online THEN gw_state.changed_at ELSE excluded.changed_at END,"
        " online = excluded.online, last_seen = excluded.last_seen",
        SD_PARAMS(SD_V_INT(gw_id), SD_V_INT(online), SD_V_INT(now_ms)), NULL);
}

int sd_gw_state_get(sd_store_t *st, int64_t gw_id, sd_gw_state_t *out)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT online, changed_at, last_seen FROM gw_state WHERE"
                                " client_id = $1",
                                SD_PARAMS(SD_V_INT(gw_id)), &q);
    if (rc != 0)
        return rc;
    out->online = (int)sd_stmt_int64(q, 0);
    out->changed_at = sd_stmt_int64(q, 1);
    out->last_seen = sd_stmt_int64(q, 2);
    sd_stmt_done(q);
    return 0;
}

int sd_gw_state_each(sd_store_t *st, int (*fn)(void *ctx, int64_t gw_id, const sd_gw_state_t *s),
                     void *ctx)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st,
                            "SELECT client_id, online, changed_at, last_seen FROM gw_state"
                            " ORDER BY client_id",
                            SD_NOPARAMS, &q);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        sd_gw_state_t g = {(int)sd_stmt_int64(q, 1), sd_stmt_int64(q, 2), sd_stmt_int64(q, 3)};
        if ((r = fn(ctx, sd_stmt_int64(q, 0), &g)) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}
