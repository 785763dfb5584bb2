/* backup.h - suidoctl backup (through the API) and restore (offline, on the data directory). */
#ifndef SUIDOCTL_BACKUP_H
#define SUIDOCTL_BACKUP_H

/* Run `backup [now|list|show ID] [--wait]` or `restore DIR --data-dir D ...` (argv[0] is the
 * command). Exit status: 0 ok, 1 refused or failed, 2 usage. */
int suidoctl_backup(int argc, char **argv);

#endif
