/* auth_int.h - private helpers shared by the files of lib/auth (not for other layers). */
#ifndef SD_AUTH_INT_H
#define SD_AUTH_INT_H

/* sodium_init() once; thread-safe and cheap after the first call. 0 or SD_EINTERNAL. */
int sd__auth_sodium_init(void);

#endif
