/* addr.h - which addresses a call made on a user's behalf (a monitor's webhook) may reach: the
 * internal ranges it may not, and the operator's allow-list of exceptions.
 *
 * A URL given by a tenant must not turn suidod into a client of the networks it sits in
 * (loopback services, the cloud metadata address, the utility's LAN). The check is made twice:
 * when the URL is registered (a clear 400) and on every connection, on the very address curl is
 * about to connect to (sd_http_call_t.public_only), so DNS answering differently later
 * ("rebinding") or a name spelled oddly (0x7f000001, 2130706433, 0177.0.0.1) changes nothing.
 */
#ifndef SD_HTTPC_ADDR_H
#define SD_HTTPC_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* An allow-list of CIDR ranges; immutable once parsed, so shared between threads. */
typedef struct sd_addr_allow sd_addr_allow_t;

/*
 * Parse an allow-list: CIDR ranges or single addresses separated by commas and/or spaces, in
 * canonical form only ("127.0.0.1/32, ::1, 10.20.0.0/16"). NULL or "" is the empty list.
 * 0 and *out (free with sd_addr_allow_free), SD_EFIELD with err "entry N (text): reason"
 * (N from 1), or SD_ENOMEM.
 */
int sd_addr_allow_parse(const char *text, sd_addr_allow_t **out, char *err, size_t errlen);
void sd_addr_allow_free(sd_addr_allow_t *a); /* NULL-safe */

/*
 * Why sa is an internal address, or NULL for a public one: "loopback", "private", "link-local",
 * "unspecified", "multicast", "shared (CGNAT)", "reserved", "broadcast". An IPv6 address that
 * embeds an IPv4 one (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96, 2002::/16) is judged by that.
 * Anything but AF_INET / AF_INET6 is "not an IP address".
 */
const char *sd_addr_internal(const struct sockaddr *sa);

/* Is sa in the allow-list (an IPv4-mapped IPv6 address also matches its IPv4 ranges)? */
int sd_addr_allowed(const sd_addr_allow_t *allow, const struct sockaddr *sa);

/*
 * May sa be reached: public, or internal but allow-listed (allow may be NULL)? 0, or SD_EFORBIDDEN
 * with why: "127.0.0.1 is a loopback address" (NUL-terminated, whylen > 0).
 */
int sd_addr_check(const sd_addr_allow_t *allow, const struct sockaddr *sa, char *why,
                  size_t whylen);

/*
 * Resolve host (a DNS name, an IPv4 address in any spelling inet_aton takes, or an IPv6 literal
 * without brackets) and check every address it resolves to. 0; SD_EFORBIDDEN (one is internal
 * and not allow-listed: why names it); SD_ENOTFOUND (does not resolve: why says so).
 */
int sd_addr_check_host(const sd_addr_allow_t *allow, const char *host, char *why, size_t whylen);

/*
 * The host of an http:// or https:// URL of len bytes (scheme in any case): after "//" up to
 * ':', '/', '?', '#' or the end, or an [IPv6] literal (hex digits, ':', '.', then maybe a
 * "%zone" of letters, digits, '-', '_', '~', '.') without its brackets; user info ("a@") is
 * refused. 0 and host (NUL-terminated, at most hostlen-1 bytes), or SD_EFIELD.
 */
int sd_addr_url_host(const char *url, size_t len, char *host, size_t hostlen);

#endif
