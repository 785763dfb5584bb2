/* pg.c - test helper: initdb + postgres on a free loopback port, removed at the end. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "pg.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif

struct sd_test_pg {
    char dir[64];
    char bin[256];
    bool drop;
    uid_t uid;
    gid_t gid;
    int port;
    pid_t pid;
    int ndb;
    PGconn *admin;
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int find_bin(char *out, size_t cap)
{
    const char *env = getenv("SUIDO_PG_BIN");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return 0;
    }
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
        /* glob sorts: the last is the newest major version with two digits */
        snprintf(out, cap, "%s", g.gl_pathv[g.gl_pathc - 1]);
        globfree(&g);
        *strrchr(out, '/') = '\0';
        return 0;
    }
    globfree(&g);
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char p[512];
        snprintf(p, sizeof p, "%s/initdb", d);
        if (access(p, X_OK) == 0) {
            snprintf(out, cap, "%s", d);
            free(copy);
            return 0;
        }
    }
    free(copy);
    fprintf(stderr, "pg: no initdb found (set SUIDO_PG_BIN)\n");
    return -1;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* fork + exec argv as the server user, output appended to dir/log. server: die with us. */
static pid_t spawn(const sd_test_pg_t *pg, char *const argv[], bool server)
{
    char log[96];
    snprintf(log, sizeof log, "%s/log", pg->dir);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        _exit(126);
    if (chdir(pg->dir) != 0)
        _exit(126);
    if (pg->drop && (setgroups(0, NULL) != 0 || setgid(pg->gid) != 0 || setuid(pg->uid) != 0))
        _exit(126);
    /* Set after setuid, which clears it; then check the parent did not die in between. */
    if (server && (prctl(PR_SET_PDEATHSIG, SIGINT) != 0 || getppid() != parent))
        _exit(126);
    setenv("LC_ALL", "C", 1);
    execv(argv[0], argv);
    _exit(127);
}

static void print_log(const sd_test_pg_t *pg)
{
    char p[96], line[512];
    snprintf(p, sizeof p, "%s/log", pg->dir);
    FILE *f = fopen(p, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "pg log: %s", line);
    fclose(f);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void conninfo(const sd_test_pg_t *pg, char *out, size_t cap)
{
    snprintf(out, cap, "host=127.0.0.1 port=%d user=postgres dbname=postgres connect_timeout=2",
             pg->port);
}

/* Start postgres on a fresh port and wait until it answers; 1 if it died (port taken?). */
static int start_server(sd_test_pg_t *pg)
{
    char data[96], port[16], sock[96];
    snprintf(data, sizeof data, "%s/data", pg->dir);
    snprintf(port, sizeof port, "%d", pg->port);
    snprintf(sock, sizeof sock, "unix_socket_directories=%s", pg->dir);
    char exe[300];
    snprintf(exe, sizeof exe, "%s/postgres", pg->bin);
    char *argv[] = {exe,
                    "-D",
                    data,
                    "-p",
                    port,
                    "-h",
                    "127.0.0.1",
                    "-c",
                    sock,
                    "-c",
                    "fsync=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "max_connections=64",
                    "-c",
                    "shared_buffers=16MB",
                    "-c",
                    "log_min_messages=warning",
                    NULL};
    pg->pid = spawn(pg, argv, true);
    if (pg->pid < 0)
        return -1;
    char ci[160];
    conninfo(pg, ci, sizeof ci);
    for (int i = 0; i < 600; i++) {
        if (PQping(ci) == PQPING_OK)
            return 0;
        int status;
        if (waitpid(pg->pid, &status, WNOHANG) == pg->pid) {
            pg->pid = -1;
            return 1;
        }
        sleep_ms(50);
    }
    kill(pg->pid, SIGKILL);
    waitpid(pg->pid, NULL, 0);
    pg->pid = -1;
    fprintf(stderr, "pg: server did not answer within 30 s\n");
    return -1;
}

int sd_test_pg_start(sd_test_pg_t **out)
{
    *out = NULL;
    sd_test_pg_t *pg = calloc(1, sizeof *pg);
    if (!pg)
        return -1;
    pg->pid = -1;
    snprintf(pg->dir, sizeof pg->dir, "/tmp/suido-pg-XXXXXX");
    if (find_bin(pg->bin, sizeof pg->bin) < 0 || !mkdtemp(pg->dir)) {
        free(pg);
        return -1;
    }
    pg->drop = geteuid() == 0;
    if (pg->drop) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw) {
            fprintf(stderr, "pg: running as root needs the 'postgres' system user\n");
            goto fail;
        }
        pg->uid = pw->pw_uid;
        pg->gid = pw->pw_gid;
        if (chown(pg->dir, pg->uid, pg->gid) != 0)
            goto fail;
    }
    char exe[300], data[96];
    snprintf(exe, sizeof exe, "%s/initdb", pg->bin);
    snprintf(data, sizeof data, "%s/data", pg->dir);
    char *argv[] = {exe,  "-D",   data,         "-U",        "postgres",          "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions", NULL};
    int status;
    pid_t pid = spawn(pg, argv, false);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pg: initdb failed\n");
        print_log(pg);
        goto fail;
    }
    int rc = 1;
    for (int attempt = 0; attempt < 5 && rc == 1; attempt++) {
        if ((pg->port = free_port()) < 0)
            goto fail;
        rc = start_server(pg); /* 1: another process took the port between probe and start */
    }
    if (rc != 0) {
        fprintf(stderr, "pg: postgres did not start\n");
        print_log(pg);
        goto fail;
    }
    char ci[160];
    conninfo(pg, ci, sizeof ci);
    pg->admin = PQconnectdb(ci);
    if (PQstatus(pg->admin) != CONNECTION_OK) {
        fprintf(stderr, "pg: %s", PQerrorMessage(pg->admin));
        goto fail;
    }
    *out = pg;
    return 0;
fail:
    sd_test_pg_stop(pg);
    return -1;
}

int sd_test_pg_create_db(sd_test_pg_t *pg, char *url, size_t cap)
{
    char sql[64];
    int n = ++pg->ndb;
    snprintf(sql, sizeof sql, "CREATE DATABASE t%d", n);
    PGresult *res = PQexec(pg->admin, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "pg: %s", PQresultErrorMessage(res));
    PQclear(res);
    snprintf(url, cap, "postgresql://postgres@127.0.0.1:%d/t%d", pg->port, n);
    return ok ? 0 : -1;
}

void sd_test_pg_stop(sd_test_pg_t *pg)
{
    if (!pg)
        return;
    PQfinish(pg->admin);
    if (pg->pid > 0) {
        kill(pg->pid, SIGINT); /* fast shutdown: disconnects clients, no checkpoint wait */
        int i;
        for (i = 0; i < 200 && waitpid(pg->pid, NULL, WNOHANG) == 0; i++)
            sleep_ms(50);
        if (i == 200) {
            kill(pg->pid, SIGKILL);
            waitpid(pg->pid, NULL, 0);
        }
    }
    nftw(pg->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(pg);
}
