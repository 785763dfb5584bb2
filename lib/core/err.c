/* err.c - lookups into the SD_ERRNO_MAP table. */
#include "core/err.h"

#include <errno.h>
#include <stddef.h>

struct err_row {
    int code;
    int status;
    const char *name;
    const char *json;
    const char *msg;
};

static const struct err_row rows[] = {
#define SD_ERR_ROW_(name, status, json, msg) {SD_##name, status, #name, json, msg},
    SD_ERRNO_MAP(SD_ERR_ROW_)
#undef SD_ERR_ROW_
};

static const struct err_row *find(int err)
{
    if (err > 0)
        err = -err;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].code == err)
            return &rows[i];
    return NULL;
}

const char *sd_strerror(int err)
{
    if (err == 0)
        return "ok";
    const struct err_row *r = find(err);
    return r ? r->msg : "unknown error";
}

const char *sd_err_name(int err)
{
    if (err == 0)
        return "OK";
    const struct err_row *r = find(err);
    return r ? r->name : "UNKNOWN";
}

int sd_err_http_status(int err)
{
    if (err == 0)
        return 200;
    const struct err_row *r = find(err);
    return r ? r->status : 500;
}

const char *sd_err_code(int err)
{
    if (err == 0)
        return "ok";
    const struct err_row *r = find(err);
    return r ? r->json : "internal";
}

int sd_err_from_errno(int e)
{
    if (e < 0)
        e = -e;
    switch (e) {
    case 0:
        return 0;
    case ENOMEM:
        return SD_ENOMEM;
    case ENOENT:
        return SD_ENOTFOUND;
    case EEXIST:
        return SD_EEXIST;
    case EINVAL:
        return SD_EINVAL;
    case EAGAIN:
        return SD_EAGAIN;
    case ETIMEDOUT:
        return SD_ETIMEDOUT;
    case EBUSY:
        return SD_EBUSY;
    case EACCES:
    case EPERM:
        return SD_EFORBIDDEN;
    case EPIPE:
    case ECONNRESET:
    case ECONNREFUSED:
        return SD_ECLOSED;
    case EFBIG:
    case EMSGSIZE:
        return SD_ETOOBIG;
    case EADDRINUSE:
        return SD_EADDRINUSE;
    case ENOSPC:
    case EDQUOT:
        return SD_ENOSPC;
    default:
        return SD_EIO;
    }
}
