/* backup.c - suidoctl backup / restore. */
#include "backup.h"

#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "core/err.h"
#include "conn.h"
#include "pf/data/backup.h"
#include "pf/data/seal.h"

static const char usage[] =
    "usage: suidoctl backup [now] [--wait] [--server URL]   take a backup now (platform admin);\n"
    "                                  --wait: until it is complete, then print it\n"
    "       suidoctl backup list | show ID [--server URL]\n"
    "       suidoctl backup verify DIR   check every file of a backup against its manifest\n"
    "       suidoctl backup keygen --out FILE   a key pair for encrypted backups: FILE gets the\n"
    "                                  private key (keep it offline); the public key printed\n"
    "                                  goes into backup.recipient\n"
    "       suidoctl restore DIR --data-dir D [--identity FILE] [--key-file K] [--store-url URL]\n"
    "                        [--objects-dir O] [--force]\n"
    "                                  offline: with suidod stopped, restore backup DIR (one\n"
    "                                  <backup.dir>/<id>) into data dir D. Every SHA-256 of its\n"
    "                                  manifest is checked first; a PostgreSQL backup needs\n"
    "                                  --store-url postgresql://... of an empty database;\n"
    "                                  an encrypted backup needs --identity (keygen's FILE), a\n"
    "                                  plaintext one the platform's secret.key (--key-file)\n"
    "The server comes from --server, $SUIDO_SERVER or the login session.\n";

static int call(const char *method, const char *path)
{
    sd_http_answer_t r;
    int rc = ctl_call_json(method, path, NULL, &r);
    int st = 0;
    if (rc || r.status < 200 || r.status > 299) {
        json_t *j = r.status ? json_loads(r.body.data ? r.body.data : "", 0, NULL) : NULL;
        const char *msg =
            json_string_value(json_object_get(json_object_get(j, "error"), "message"));
        if (r.status)
            fprintf(stderr, "suidoctl: HTTP %ld: %s\n", r.status, msg ? msg : r.body.data);
        else
            fprintf(stderr, "suidoctl: %s\n", r.error);
        json_decref(j);
        st = 1;
    } else {
        json_t *j = json_loads(r.body.data, 0, NULL);
        char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        puts(s ? s : r.body.data);
        free(s);
        json_decref(j);
    }
    sd_http_answer_free(&r);
    return st;
}

static int restore(int argc, char **argv)
{
    sd_restore_opts_t o = {0};
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--data-dir") && more)
            o.data_dir = argv[++i];
        else if (!strcmp(a, "--store-url") && more)
            o.store_url = argv[++i];
        else if (!strcmp(a, "--objects-dir") && more)
            o.objects_dir = argv[++i];
        else if (!strcmp(a, "--identity") && more)
            o.identity = argv[++i];
        else if (!strcmp(a, "--key-file") && more)
            o.key_file = argv[++i];
        else if (!strcmp(a, "--force"))
            o.force = true;
        else if (a[0] != '-' && !dir)
            dir = a;
        else
            return fputs(usage, stderr), 2;
    }
    if (!dir || !o.data_dir)
        return fputs(usage, stderr), 2;
    char msg[2048];
    int rc = sd_backup_restore(dir, &o, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "suidoctl restore: %s\n", msg);
        return 1;
    }
    printf("%s\n", msg);
    return 0;
}

/* A key pair for backup.recipient: the private key into a new file (0600, never overwritten). */
static int keygen(int argc, char **argv)
{
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else
            return fputs(usage, stderr), 2;
    }
    if (!out)
        return fputs(usage, stderr), 2;
    if (sodium_init() < 0)
        return 1;
    unsigned char pk[32], sk[32];
    char text[512], pub[48];
    crypto_box_keypair(pk, sk);
    int rc = sd_seal_identity_format(pk, sk, text, sizeof text);
    sodium_memzero(sk, sizeof sk);
    int fd = rc ? -1 : open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(text, sizeof text);
        perror(out);
        return 1;
    }
    rc = sd_seal_fd_out(&fd, text, strlen(text));
    sodium_memzero(text, sizeof text);
    if (fsync(fd) != 0 || close(fd) != 0 || rc) {
        perror(out);
        return 1;
    }
    sd_seal_b64(pk, 32, pub, sizeof pub);
    printf("%s\n", pub);
    fprintf(stderr,
            "suidoctl: private key written to %s: keep it offline, away from the backups.\n"
            "Put the public key above into the configuration: backup.recipient = %s\n",
            out, pub);
    return 0;
}

int suidoctl_backup(int argc, char **argv)
{
    if (!strcmp(argv[0], "restore"))
        return restore(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "keygen"))
        return keygen(argc, argv);
    const char *pos[2] = {0};
    int npos = 0, wait = 0;
    const char *server_arg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--server") && i + 1 < argc)
            server_arg = argv[++i];
        else if (!strcmp(a, "--wait"))
            wait = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "help"))
            return fputs(usage, stdout), 0;
        else if (a[0] == '-' || npos == 2)
            return fputs(usage, stderr), 2;
        else
            pos[npos++] = a;
    }
    if (npos == 2 && !strcmp(pos[0], "verify")) {
        char msg[2048];
        if (sd_backup_verify(pos[1], msg, sizeof msg) != 0) {
            fprintf(stderr, "suidoctl backup verify: %s is damaged: %s\n", pos[1], msg);
            return 1;
        }
        printf("%s: every file matches its manifest\n", pos[1]);
        return 0;
    }
    ctl_conn_init(server_arg);
    const char *verb = npos ? pos[0] : "now";
    if (!strcmp(verb, "now") && npos <= 1)
        return call("POST", wait ? "/api/v1/backups?wait=1" : "/api/v1/backups");
    if (!strcmp(verb, "list") && npos == 1)
        return call("GET", "/api/v1/backups");
    if (!strcmp(verb, "show") && npos == 2 && strspn(pos[1], "0123456789TZ-") == strlen(pos[1])) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/backups/%.64s", pos[1]);
        return call("GET", path);
    }
    fputs(usage, stderr);
    return 2;
}
