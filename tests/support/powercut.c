/* A power cut for one folder, as an LD_PRELOAD shim: only what was fsynced survives.
 *
 * Every fsync/fdatasync of a file under POWERCUT_WATCH copies the file's content at that
 * moment into POWERCUT_SHADOW (one file per path, '/' written as '%'). rename and unlink move
 * or drop the copy with the name. After the process is killed, the test "cuts the power": it
 * replaces the folder by the shadow copies, so every write after the last fsync of a file is
 * lost, and a file never fsynced vanishes. Built by tests/core/test_power_cut.py with gcc.
 *
 * Model limits: a rename or unlink is taken as durable at once (a real file system may also
 * lose it until the folder is fsynced); the app fsyncs the folder anyway.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_unlink)(const char *);
static const char *watch, *shadow;
static size_t watch_len;

__attribute__((constructor)) static void powercut_init(void) {
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_rename = dlsym(RTLD_NEXT, "rename");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    watch = getenv("POWERCUT_WATCH");
    shadow = getenv("POWERCUT_SHADOW");
    watch_len = watch ? strlen(watch) : 0;
}

/* The shadow name of an absolute or cwd-relative path under the watched folder, or 0. */
static int shadow_name(const char *path, char *out) {
    char full[PATH_MAX];
    if (!watch || !shadow || !path) return 0;
    if (path[0] == '/') {
        snprintf(full, sizeof full, "%s", path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return 0;
        snprintf(full, sizeof full, "%s/%s", cwd, path);
    }
    if (strncmp(full, watch, watch_len) != 0 || full[watch_len] != '/') return 0;
    char *rel = full + watch_len + 1;
    if (strstr(rel, " (deleted)")) return 0;
    for (char *p = rel; *p; p++)
        if (*p == '/') *p = '%';
    snprintf(out, PATH_MAX, "%s/%s", shadow, rel);
    return 1;
}

static void snapshot(int fd) {
    char link[64], path[PATH_MAX], target[PATH_MAX], temporary[PATH_MAX + 32];
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = 0;
    if (!shadow_name(path, target)) return;
    int in = open(link, O_RDONLY);
    if (in < 0) return;
    snprintf(temporary, sizeof temporary, "%s/.copy-%d", shadow, (int)getpid());
    int out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) { close(in); return; }
    char buffer[1 << 16];
    off_t offset = 0;
    ssize_t got;
    while ((got = pread(in, buffer, sizeof buffer, offset)) > 0) {
        if (write(out, buffer, got) != got) break;
        offset += got;
    }
    close(in);
    close(out);
    real_rename(temporary, target);
}

int fsync(int fd) {
    int saved, rc = real_fsync(fd);
    saved = errno;
    if (rc == 0) snapshot(fd);
    errno = saved;
    return rc;
}

int fdatasync(int fd) {
    int saved, rc = real_fdatasync(fd);
    saved = errno;
    if (rc == 0) snapshot(fd);
    errno = saved;
    return rc;
}

int rename(const char *from, const char *to) {
    char shadow_from[PATH_MAX], shadow_to[PATH_MAX];
    int has_from = shadow_name(from, shadow_from), has_to = shadow_name(to, shadow_to);
    int rc = real_rename(from, to);
    int saved = errno;
    if (rc == 0 && has_to) {
        if (has_from && access(shadow_from, F_OK) == 0)
            real_rename(shadow_from, shadow_to);
        else
            real_unlink(shadow_to);
    }
    errno = saved;
    return rc;
}

int unlink(const char *path) {
    char name[PATH_MAX];
    int has = shadow_name(path, name);
    int rc = real_unlink(path);
    int saved = errno;
    if (rc == 0 && has) real_unlink(name);
    errno = saved;
    return rc;
}
