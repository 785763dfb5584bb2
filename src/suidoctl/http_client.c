/* http_client.c - the small libcurl client suidoctl talks to suidod with. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "http_client.h"

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    return sd_buf_append(&((sd_hc_resp_t *)ud)->body, p, sz * n) ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    sd_hc_resp_t *r = ud;
    size_t len = sz * n;
    static const char h[] = "set-cookie:";
    if (len > sizeof h && !strncasecmp(p, h, sizeof h - 1)) {
        const char *v = p + sizeof h - 1, *end = p + len;
        while (v < end && *v == ' ')
            v++;
        static const char name[] = "suido_session=";
        if ((size_t)(end - v) > sizeof name && !strncmp(v, name, sizeof name - 1)) {
            v += sizeof name - 1;
            size_t k = 0;
            while (v + k < end && v[k] != ';' && v[k] != '\r' && v[k] != '\n')
                k++;
            if (k < sizeof r->session)
                snprintf(r->session, sizeof r->session, "%.*s", (int)k, v);
        }
    }
    return len;
}

int sd_hc_request(const char *server, const char *session, const char *method, const char *path,
                  const char *json, sd_hc_resp_t *r)
{
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(r->error, sizeof r->error, "cannot initialise libcurl");
        return SD_EIO;
    }
    char url[2048], cookie[128];
    snprintf(url, sizeof url, "%s%s", server, path);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    if (json)
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (getenv("SUIDO_CACERT"))
        curl_easy_setopt(c, CURLOPT_CAINFO, getenv("SUIDO_CACERT"));
    if (json) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    }
    if (session && *session) {
        snprintf(cookie, sizeof cookie, "suido_session=%s", session);
        curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
    }
    CURLcode cc = curl_easy_perform(c);
    int rc = 0;
    if (cc != CURLE_OK) {
        snprintf(r->error, sizeof r->error, "%.160s: %.90s", url, curl_easy_strerror(cc));
        rc = SD_EIO;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        if (!r->body.data)
            sd_buf_append_str(&r->body, "");
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

void sd_hc_resp_free(sd_hc_resp_t *r)
{
    sd_buf_free(&r->body);
}
