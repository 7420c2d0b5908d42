/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * maxrss: run a program and report its peak resident memory, for the memory figure of DESIGN.md
 * ("peak under 150 MiB whatever the album length") measured on a real render.
 *
 *   maxrss OUT PROGRAM ARGS...
 *
 * Runs PROGRAM with ARGS, waits for it, writes its peak resident set size in KiB (the kernel's
 * ru_maxrss of that child, from wait4) to the file OUT, and exits with the child's status (128 +
 * the signal when it was killed; 127 when it could not be started).
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: maxrss OUT PROGRAM ARGS...\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("maxrss: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("maxrss: exec");
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) != pid) {
        perror("maxrss: wait4");
        return 127;
    }
    FILE *out = fopen(argv[1], "w");
    if (!out || fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || fclose(out) != 0) {
        perror(argv[1]);
        return 127;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
