/* volume.h - is the data directory on an encrypted (dm-crypt / LUKS) volume? What suidod logs at
 * start (§2.5): samples, accounts and metadata are plain rows, so the volume must be encrypted. */
#ifndef SD_PF_VOLUME_H
#define SD_PF_VOLUME_H

#include <stddef.h>

/*
 * From the text of /proc/self/mountinfo (n bytes), the mount holding the absolute path: the
 * longest mount point that is path or a parent of it at a '/' (the last such line wins: a later
 * mount hides an earlier one). Gives its device numbers, mount point and file system type (each
 * buffer may be NULL). Mount points are unescaped (\040 = space). Pure. 0, SD_ENOTFOUND (no mount
 * holds path), SD_ESYNTAX with the 1-based line in *line (may be NULL).
 */
int sd_volume_mount_of(const char *text, size_t n, const char *path, unsigned *maj, unsigned *min,
                       char *mnt, size_t mntn, char *fstype, size_t fsn, int *line);

/*
 * Is block device maj:min a dm-crypt device ("<sysfs>/dev/block/M:m/dm/uuid" starts with
 * "CRYPT-"), or built on one (its slaves, recursively: LVM on LUKS)? sysfs is "/sys" (another
 * root for tests). 1 with the crypt device's name (dm-0) in name, or 0.
 */
int sd_volume_is_crypt(const char *sysfs, unsigned maj, unsigned min, char *name, size_t n);

/*
 * Both for directory path on this host: 1 encrypted, 0 not, or SD_E* when it cannot be told; msg
 * is one line for the log either way.
 */
int sd_volume_check(const char *path, char *msg, size_t n);

#endif
