/* err.h - the one table of suido error codes: enum, message, HTTP status, JSON code. */
#ifndef SD_CORE_ERR_H
#define SD_CORE_ERR_H

/*
 * Every fallible function returns 0 or a negative SD_E* value. The table below is the only place
 * an error is defined: sd_strerror(), sd_err_http_status() and sd_err_code() all read from it.
 * XX(NAME, http status, "json_code", "message")
 * To add an error, add one line in the group it belongs to; never renumber by hand.
 */
#define SD_ERRNO_MAP(XX)                                                                           \
    /* general */                                                                                  \
    XX(EINVAL, 400, "invalid_argument", "invalid argument")                                        \
    XX(ENOMEM, 500, "out_of_memory", "out of memory")                                              \
    XX(EIO, 500, "io_error", "input/output error")                                                 \
    XX(ENOTFOUND, 404, "not_found", "not found")                                                   \
    XX(EMETHOD, 405, "method_not_allowed", "method not allowed")                                   \
    XX(EEXIST, 409, "already_exists", "already exists")                                            \
    XX(ECONFLICT, 409, "conflict", "conflicting change")                                           \
    XX(ETOOBIG, 413, "too_large", "too large")                                                     \
    XX(EUNSUPPORTED, 501, "unsupported", "not supported")                                          \
    XX(EBUSY, 503, "busy", "resource busy")                                                        \
    XX(EAGAIN, 503, "try_again", "try again")                                                      \
    XX(ETIMEDOUT, 504, "timed_out", "timed out")                                                   \
    XX(ECLOSED, 502, "closed", "connection closed")                                                \
    XX(EADDRINUSE, 500, "address_in_use", "address in use")                                        \
    XX(ENOSPC, 507, "no_space", "no space left on device")                                         \
    XX(ECONFIG, 500, "bad_config", "invalid configuration")                                        \
    XX(EINTERNAL, 500, "internal", "internal error")                                               \
    /* security */                                                                                 \
    XX(EUNAUTH, 401, "unauthenticated", "authentication required or failed")                       \
    XX(EFORBIDDEN, 403, "forbidden", "not permitted")                                              \
    XX(ELOCKED, 423, "locked", "account locked, try later")                                        \
    XX(EEXPIRED, 401, "expired", "credential or session expired")                                  \
    XX(EOTP, 401, "otp_required", "one-time password required or wrong")                           \
    XX(EPWCHANGE, 403, "password_change_required", "password must be changed first")               \
    XX(ERATE, 429, "rate_limited", "too many requests")                                            \
    /* payload protection (CMS, pf/cms.h) */                                                       \
    XX(EPROTECTION, 415, "protection_required", "this tenant requires CMS-protected payloads")     \
    XX(ENOCERT, 403, "certificate_required", "no usable certificate registered for this client")   \
    XX(EBADSIG, 400, "bad_signature", "CMS signature does not verify")                             \
    XX(ESIGNER, 403, "wrong_signer", "CMS signer is not the calling client's certificate")         \
    XX(EDECRYPT, 400, "not_decryptable", "CMS content not encrypted to the platform certificate")  \
    /* parsers */                                                                                  \
    XX(ESYNTAX, 400, "syntax", "malformed input")                                                  \
    XX(EFIELD, 400, "bad_field", "invalid field value")                                            \
    XX(EENCODING, 400, "bad_encoding", "invalid character encoding")                               \
    /* line protocol */                                                                            \
    XX(EFRAME, 502, "line_frame", "line protocol framing error")                                   \
    XX(ECHECKSUM, 502, "line_checksum", "line protocol checksum error")                            \
    XX(EPROTO, 502, "line_protocol", "line protocol error")                                        \
    XX(ENAK, 502, "line_nak", "terminal answered NAK")                                             \
    XX(ENOANSWER, 504, "line_no_answer", "terminal did not answer")                                \
    XX(ENOCARRIER, 502, "line_no_carrier", "no carrier")                                           \
    XX(ENODIALTONE, 502, "line_no_dialtone", "no dial tone on the center's line")                  \
    /* storage */                                                                                  \
    XX(ESTORE, 500, "store_error", "storage error")                                                \
    XX(ESCHEMA, 500, "schema_error", "storage schema error")

typedef enum {
    SD_OK = 0,
#define SD_ERR_ENUM_(name, status, code, msg) SD_##name,
    SD__ERR_FIRST_ = -1000,
    SD_ERRNO_MAP(SD_ERR_ENUM_) SD__ERR_LAST_
#undef SD_ERR_ENUM_
} sd_err_t;

/* Human-readable message for an error code (0 gives "ok"); never NULL. */
const char *sd_strerror(int err);

/* The symbolic name without prefix ("EINVAL"), or "UNKNOWN". */
const char *sd_err_name(int err);

/* HTTP status to answer with for err (200 for 0, 500 for unknown codes). */
int sd_err_http_status(int err);

/* Stable machine-readable code for JSON error bodies ("not_found"). */
const char *sd_err_code(int err);

/* Map a positive or negative errno value from the OS to the nearest SD_E* code. */
int sd_err_from_errno(int e);

#endif
