/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Measuring a case. Peak resident memory is a property of a process (getrusage's ru_maxrss never
 * goes down), so every case runs in a child of its own: its peak is its own, not the largest of
 * everything the benchmark did before it. At its end the child reads its own usage and that of
 * the processes it waited for (sox, ffmpeg: a script's cost is theirs) and sends both up a pipe
 * with its note (getrusage is POSIX; wait4, which would give the same from the parent, is not).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double tv_sec(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

void bench_measure(bench_case_fn fn, void *arg, bench_figures *figures, char *note, size_t size)
{
    memset(figures, 0, sizeof *figures);
    figures->failed = 1;
    note[0] = '\0';
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(note, size, "no pipe: %s", strerror(errno));
        return;
    }
    /* what is buffered would otherwise be written twice, by the parent and by the child */
    fflush(stdout);
    fflush(stderr);
    double start = now_sec();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(note, size, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        /* the parent cleans up after an interrupt; the case just stops */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        close(fds[0]);
        char note_text[1024] = "", text[1200];
        int status = fn(arg, note_text, sizeof note_text);
        struct rusage self, children;
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &children);
        double cpu = tv_sec(self.ru_utime) + tv_sec(self.ru_stime) + tv_sec(children.ru_utime) +
                     tv_sec(children.ru_stime);
        long rss = self.ru_maxrss > children.ru_maxrss ? self.ru_maxrss : children.ru_maxrss;
        /* "CPU RSS\n" then the note */
        int length = snprintf(text, sizeof text, "%.6f %ld\n%s", cpu, rss, note_text);
        for (int done = 0; done < length;) {
            ssize_t n = write(fds[1], text + done, (size_t)(length - done));
            if (n <= 0)
                break;
            done += (int)n;
        }
        /* _exit: the parent's atexit handlers and stdio buffers are not the child's */
        _exit(status == 0 ? 0 : 1);
    }
    close(fds[1]);
    char text[1200];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fds[0], text + got, sizeof text - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == sizeof text - 1)
            break; /* the child's text is short: it never blocks on a full pipe */
    }
    text[got] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(note, size, "cannot wait for the case: %s", strerror(errno));
            return;
        }
    }
    figures->wall_sec = now_sec() - start;
    char *rest = strchr(text, '\n');
    if (rest && sscanf(text, "%lf %ld", &figures->cpu_sec, &figures->rss_kib) == 2) {
        snprintf(note, size, "%s", rest + 1);
        figures->failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    } else if (WIFSIGNALED(status)) {
        snprintf(note, size, "killed by signal %d", WTERMSIG(status));
    } else {
        snprintf(note, size, "the case ended without its figures");
    }
}

pid_t bench_spawn(char *const argv[], const char *stderr_path)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int null = open("/dev/null", O_RDWR);
    int err = stderr_path ? open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0666) : null;
    if (null < 0 || err < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err, 2) < 0)
        _exit(127);
    execvp(argv[0], argv);
    _exit(127);
}

int bench_wait(pid_t pid)
{
    int status;
    if (pid < 0)
        return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int bench_on_path(const char *program)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        char file[BENCH_PATH];
        snprintf(file, sizeof file, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", program);
        if (access(file, X_OK) == 0)
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

void bench_cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *value = strchr(line, ':');
        if (!value)
            continue;
        value += 1 + strspn(value + 1, " \t");
        value[strcspn(value, "\n")] = '\0';
        snprintf(out, size, "%s", value);
        break;
    }
    fclose(f);
}

double bench_load_average(void)
{
    double load = -1.0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return load;
    if (fscanf(f, "%lf", &load) != 1)
        load = -1.0;
    fclose(f);
    return load;
}
