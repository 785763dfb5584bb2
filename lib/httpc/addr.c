/* addr.c - internal address ranges, the operator's allow-list, and resolving a URL's host to
 * check every address it names (see addr.h for why). */
#include "httpc/addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

/* One range: 16 bytes of address (IPv4 as ::ffff:a.b.c.d) and a prefix over those 128 bits. */
typedef struct {
    uint8_t a[16];
    int bits;
} range_t;

struct sd_addr_allow {
    size_t n;
    range_t r[];
};

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

/* sa as 16 bytes (IPv4 mapped); 0, or -1 when it is not an IP address. */
static int to16(const struct sockaddr *sa, uint8_t out[16])
{
    if (sa && sa->sa_family == AF_INET) {
        memcpy(out, v4mapped, 12);
        memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 0;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

static const char *internal4(const uint8_t *p)
{
    uint32_t a = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    static const struct {
        uint32_t net;
        int bits;
        const char *why;
    } t[] = {
        {0x00000000, 8, "unspecified"},     /* 0/8: "this network"; 0.0.0.0 reaches localhost */
        {0x7f000000, 8, "loopback"},        /* 127/8 */
        {0x0a000000, 8, "private"},         /* 10/8 */
        {0xac100000, 12, "private"},        /* 172.16/12 */
        {0xc0a80000, 16, "private"},        /* 192.168/16 */
        {0xa9fe0000, 16, "link-local"},     /* 169.254/16, the cloud metadata address */
        {0x64400000, 10, "shared (CGNAT)"}, /* 100.64/10 */
        {0xc0000000, 24, "reserved"},       /* 192.0.0/24, IETF protocol assignments */
        {0xc6120000, 15, "reserved"},       /* 198.18/15, benchmarking */
        {0xe0000000, 4, "multicast"},       /* 224/4 */
        {0xffffffff, 32, "broadcast"},      /* before 240/4, which contains it */
        {0xf0000000, 4, "reserved"},        /* 240/4 */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (((a ^ t[i].net) >> (32 - t[i].bits)) == 0)
            return t[i].why;
    return NULL;
}

static const char *internal16(const uint8_t *p)
{
    static const uint8_t zero[16] = {0}, nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (!memcmp(p, v4mapped, 12)) /* ::ffff:a.b.c.d */
        return internal4(p + 12);
    if (!memcmp(p, zero, 15) && p[15] == 0)
        return "unspecified";
    if (!memcmp(p, zero, 15) && p[15] == 1)
        return "loopback";
    if (!memcmp(p, zero, 12) || !memcmp(p, nat64, 12)) /* ::a.b.c.d (deprecated), NAT64 */
        return internal4(p + 12);
    if (p[0] == 0x20 && p[1] == 0x02) /* 6to4: 2002:a.b.c.d::/48 */
        return internal4(p + 2);
    if ((p[0] & 0xfe) == 0xfc)
        return "private"; /* fc00::/7 unique local */
    if (p[0] == 0xfe && (p[1] & 0xc0) == 0x80)
        return "link-local"; /* fe80::/10 */
    if (p[0] == 0xfe && (p[1] & 0xc0) == 0xc0)
        return "private"; /* fec0::/10, the old site-local */
    if (p[0] == 0xff)
        return "multicast";
    return NULL;
}

const char *sd_addr_internal(const struct sockaddr *sa)
{
    uint8_t a[16];
    if (to16(sa, a) != 0)
        return "not an IP address";
    return internal16(a);
}

int sd_addr_allowed(const sd_addr_allow_t *allow, const struct sockaddr *sa)
{
    uint8_t a[16];
    if (!allow || to16(sa, a) != 0)
        return 0;
    for (size_t i = 0; i < allow->n; i++)
        if (prefix_eq(a, allow->r[i].a, allow->r[i].bits))
            return 1;
    return 0;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t n)
{
    const void *p = sa->sa_family == AF_INET
                        ? (const void *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr
                        : (const void *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!inet_ntop(sa->sa_family, p, out, (socklen_t)n))
        snprintf(out, n, "?");
}

int sd_addr_check(const sd_addr_allow_t *allow, const struct sockaddr *sa, char *why, size_t whylen)
{
    const char *r = sd_addr_internal(sa);
    if (!r || (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
               sd_addr_allowed(allow, sa)))
        return 0;
    char txt[INET6_ADDRSTRLEN] = "?";
    if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
        addr_text(sa, txt, sizeof txt);
    snprintf(why, whylen, "%s is a%s %s address", txt, strchr("aeiou", r[0]) ? "n" : "", r);
    return SD_EFORBIDDEN;
}

int sd_addr_check_host(const sd_addr_allow_t *allow, const char *host, char *why, size_t whylen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, NULL, &hints, &res);
    if (g != 0 || !res) {
        snprintf(why, whylen, "host %.100s does not resolve: %s", host,
                 g ? gai_strerror(g) : "no address");
        return SD_ENOTFOUND;
    }
    int rc = 0;
    for (struct addrinfo *ai = res; ai && !rc; ai = ai->ai_next)
        rc = sd_addr_check(allow, ai->ai_addr, why, whylen);
    freeaddrinfo(res);
    return rc;
}

/* One entry "addr[/bits]" of len bytes into r; NULL or the reason it is bad. */
static const char *parse_range(const char *s, size_t len, range_t *r)
{
    char buf[64];
    if (len >= sizeof buf)
        return "too long";
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    int bits = -1;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3)
            return "bad prefix length";
        bits = 0;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return "bad prefix length";
            bits = bits * 10 + (*d - '0');
        }
    }
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        if (bits > 32)
            return "prefix length of an IPv4 range must be 0-32";
        memcpy(r->a, v4mapped, 12);
        memcpy(r->a + 12, &a4, 4);
        r->bits = 96 + (bits < 0 ? 32 : bits);
    } else if (inet_pton(AF_INET6, buf, &a6) == 1) {
        if (bits > 128)
            return "prefix length of an IPv6 range must be 0-128";
        memcpy(r->a, &a6, 16);
        r->bits = bits < 0 ? 128 : bits;
    } else {
        return "not an IPv4 or IPv6 address (a.b.c.d[/n] or x:y::z[/n])";
    }
    return NULL;
}

static int is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

int sd_addr_allow_parse(const char *text, sd_addr_allow_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    size_t n = 0;
    const char *p = text ? text : "";
    for (size_t i = 0; p[i];) { /* count entries */
        while (p[i] && is_sep(p[i]))
            i++;
        if (p[i])
            n++;
        while (p[i] && !is_sep(p[i]))
            i++;
    }
    sd_addr_allow_t *a = calloc(1, sizeof *a + n * sizeof(range_t));
    if (!a)
        return SD_ENOMEM;
    for (size_t i = 0; p[i];) {
        while (p[i] && is_sep(p[i]))
            i++;
        size_t s = i;
        while (p[i] && !is_sep(p[i]))
            i++;
        if (i == s)
            break;
        const char *why = parse_range(p + s, i - s, &a->r[a->n]);
        if (why) {
            snprintf(err, errlen, "entry %zu (%.*s): %s", a->n + 1, (int)(i - s > 64 ? 64 : i - s),
                     p + s, why);
            free(a);
            return SD_EFIELD;
        }
        a->n++;
    }
    *out = a;
    return 0;
}

void sd_addr_allow_free(sd_addr_allow_t *a)
{
    free(a);
}

int sd_addr_url_host(const char *url, size_t len, char *host, size_t hostlen)
{
    size_t i;
    if (hostlen)
        host[0] = '\0';
    if (len > 7 && !strncasecmp(url, "http://", 7))
        i = 7;
    else if (len > 8 && !strncasecmp(url, "https://", 8))
        i = 8;
    else
        return SD_EFIELD;
    size_t s = i, e, auth_end = i;
    while (auth_end < len && !strchr("/?#", url[auth_end]))
        auth_end++;
    if (memchr(url + i, '@', auth_end - i)) /* user info: "http://a:1@b" connects to b */
        return SD_EFIELD;
    if (url[i] == '[') { /* hex digits, ':' and '.', then maybe a zone "%25eth0" */
        s = ++i;
        int zone = 0;
        while (i < len && url[i] != ']') {
            char ch = url[i];
            if (ch == '%')
                zone = 1;
            else if (!(strchr("0123456789abcdefABCDEF:.", ch) ||
                       (zone && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                 strchr("-_~", ch)))) ||
                     ch == '\0')
                return SD_EFIELD;
            i++;
        }
        if (i >= len)
            return SD_EFIELD;
        e = i++;
    } else {
        while (i < len && !strchr(":/?#@", url[i]))
            i++;
        e = i;
    }
    if (i < len && !strchr(":/?#", url[i]))
        return SD_EFIELD;
    if (e == s || e - s >= hostlen || memchr(url + s, '\0', e - s))
        return SD_EFIELD;
    memcpy(host, url + s, e - s);
    host[e - s] = '\0';
    return 0;
}
