/* fuzz_httpc_addr.c - libFuzzer driver for the webhook address checks (httpc/addr.h): a URL's
 * host, the operator's allow-list, and the classifier on raw IPv4 / IPv6 addresses. No DNS: the
 * resolving half is the system's getaddrinfo. */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "httpc/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the input as a URL: what comes out is a non-empty host without the separators */
    char host[256];
    int rc = sd_addr_url_host((const char *)data, size, host, sizeof host);
    if (rc == 0) {
        size_t n = strlen(host);
        if (n == 0 || n >= sizeof host || strpbrk(host, "/?#@"))
            abort();
    } else if (rc != SD_EFIELD) {
        abort();
    }

    /* the input as an allow-list (NUL-terminated copy) */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    sd_addr_allow_t *a = NULL;
    char err[160];
    rc = sd_addr_allow_parse(text, &a, err, sizeof err);
    free(text);
    if (rc == 0 && !a)
        abort();
    if (rc != 0 && (a || (rc == SD_EFIELD && strncmp(err, "entry ", 6))))
        abort();

    /* the first bytes as addresses: classified, checked, matched; an allowed internal one passes */
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
    struct sockaddr_in s4 = {.sin_family = AF_INET};
    memcpy(&s6.sin6_addr, data, size < 16 ? size : 16);
    memcpy(&s4.sin_addr, data, size < 4 ? size : 4);
    const struct sockaddr *sas[] = {(const struct sockaddr *)&s6, (const struct sockaddr *)&s4};
    for (int i = 0; i < 2; i++) {
        const char *why = sd_addr_internal(sas[i]);
        char w[160];
        int c = sd_addr_check(a, sas[i], w, sizeof w);
        if (c != 0 && (c != SD_EFORBIDDEN || !why || !strstr(w, why)))
            abort();
        if (c == 0 && why && !sd_addr_allowed(a, sas[i]))
            abort();
    }
    sd_addr_allow_free(a);
    return 0;
}
