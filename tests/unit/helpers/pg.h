/* pg.h - test helper: a throwaway PostgreSQL server owned by one test process. */
#ifndef SD_TEST_PG_H
#define SD_TEST_PG_H

#include <stddef.h>

/*
 * sd_test_pg_start() runs initdb into a fresh /tmp/suido-pg-XXXXXX and starts postgres on a free
 * 127.0.0.1 port (socket in that directory, fsync off, trust auth, superuser "postgres"). As root
 * both run as the unprivileged "postgres" system user, since PostgreSQL refuses root. Binaries:
 * $SUIDO_PG_BIN, else the newest /usr/lib/postgresql/N/bin, else initdb on $PATH. The server gets
 * SIGINT if the test process dies. Returns 0, or -1 after printing why (and the server log).
 */
typedef struct sd_test_pg sd_test_pg_t;
int sd_test_pg_start(sd_test_pg_t **out);

/* Create a new empty database; write its URL postgresql://postgres@127.0.0.1:PORT/tN to url.
 * Returns 0 or -1 (message on stderr). */
int sd_test_pg_create_db(sd_test_pg_t *pg, char *url, size_t cap);

/* Stop the server (fast shutdown) and remove its directory. NULL-safe. */
void sd_test_pg_stop(sd_test_pg_t *pg);

#endif
