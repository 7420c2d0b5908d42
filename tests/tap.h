/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A tiny header-only TAP (Test Anything Protocol, version 12) producer for the unit tests. Each
 * test is its own program: it calls plan(n) first or done_testing() last, and returns the status
 * that done_testing() (or tap_exit_status() after a plan) gives, which is non-zero when any test
 * failed or the count of tests run differs from the plan.
 *
 *   ok(cond, fmt, ...)                        passes when cond is non-zero; fmt names the test
 *   is_int(got, expected, name)               integers (as long long) compared exactly
 *   is_str(got, expected, name)               strings compared with strcmp (NULL equals NULL)
 *   is_double(got, expected, tolerance, name) |got - expected| <= tolerance, both finite
 *   diag(fmt, ...)                            a "# ..." comment line
 *
 * Every check returns 1 when it passed and 0 when it failed, so a test can add diagnostics. A
 * failure prints "not ok N - name", then "#   Failed test at FILE line L." and "# got X,
 * expected Y". Output goes to stdout, flushed per line, so it stays in order with a crash.
 *
 * Randomised tests take their seed from tap_seed(), which honours PM_TEST_SEED in the
 * environment and prints "# PM_TEST_SEED=..." so that a failing run can be repeated; tap_rand()
 * is a small deterministic generator (splitmix64) that gives the same numbers everywhere.
 *
 * All state is a static local of tap_state(): one copy per test program, no globals.
 */
#ifndef PM_TAP_H
#define PM_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TAP_PRINTF(f, a)
#endif

typedef struct tap_counts {
    int planned; /* the plan, or -1 before one is given */
    int run;
    int failed;
} tap_counts;

static inline tap_counts *tap_state(void)
{
    static tap_counts state = {-1, 0, 0};
    return &state;
}

/* Print "1..n": n tests follow. Call once, before the first test, or use done_testing(). */
static inline void plan(int n)
{
    tap_state()->planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

/* A "# " comment; a multi-line message gets "# " on every line. */
static inline TAP_PRINTF(1, 0) void tap_vdiag(const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    fputs("# ", stdout);
    for (const char *p = buf; *p; p++) {
        putchar(*p);
        if (*p == '\n' && p[1])
            fputs("# ", stdout);
    }
    if (!*buf || buf[strlen(buf) - 1] != '\n')
        putchar('\n');
    fflush(stdout);
}

static inline TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tap_vdiag(fmt, ap);
    va_end(ap);
}

/*
 * The result line. '#' in a name is escaped (a bare one would start a SKIP/TODO directive) and a
 * newline becomes a space (it would end the line).
 */
static inline TAP_PRINTF(4, 0) int tap_vok(const char *file, int line, int pass, const char *fmt,
                                           va_list ap)
{
    tap_counts *s = tap_state();
    char name[1024];
    vsnprintf(name, sizeof name, fmt, ap);
    s->run++;
    printf("%sok %d", pass ? "" : "not ", s->run);
    if (*name) {
        fputs(" - ", stdout);
        for (const char *p = name; *p; p++) {
            if (*p == '#')
                putchar('\\');
            putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
        }
    }
    putchar('\n');
    if (!pass) {
        s->failed++;
        printf("#   Failed test at %s line %d.\n", file, line);
    }
    fflush(stdout);
    return pass;
}

static inline TAP_PRINTF(4, 5) int tap_ok_at(const char *file, int line, int pass,
                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = tap_vok(file, line, pass != 0, fmt, ap);
    va_end(ap);
    return r;
}

static inline int tap_is_int_at(const char *file, int line, long long got, long long expected,
                                const char *name)
{
    int pass = tap_ok_at(file, line, got == expected, "%s", name);
    if (!pass)
        diag("got %lld, expected %lld", got, expected);
    return pass;
}

static inline int tap_is_str_at(const char *file, int line, const char *got, const char *expected,
                                const char *name)
{
    int same = got && expected ? strcmp(got, expected) == 0 : got == expected;
    int pass = tap_ok_at(file, line, same, "%s", name);
    if (!pass) {
        if (got && expected)
            diag("got \"%s\", expected \"%s\"", got, expected);
        else if (got)
            diag("got \"%s\", expected NULL", got);
        else
            diag("got NULL, expected \"%s\"", expected);
    }
    return pass;
}

/* A NaN or an infinity never passes: a tolerance means nothing there. */
static inline int tap_is_double_at(const char *file, int line, double got, double expected,
                                   double tolerance, const char *name)
{
    int pass = isfinite(got) && isfinite(expected) && fabs(got - expected) <= tolerance;
    pass = tap_ok_at(file, line, pass, "%s", name);
    if (!pass)
        diag("got %.17g, expected %.17g (tolerance %g, off by %g)", got, expected, tolerance,
             fabs(got - expected));
    return pass;
}

#define ok(cond, ...) tap_ok_at(__FILE__, __LINE__, (cond) ? 1 : 0, __VA_ARGS__)
#define is_int(got, expected, name) tap_is_int_at(__FILE__, __LINE__, (got), (expected), (name))
#define is_str(got, expected, name) tap_is_str_at(__FILE__, __LINE__, (got), (expected), (name))
#define is_double(got, expected, tolerance, name) \
    tap_is_double_at(__FILE__, __LINE__, (got), (expected), (tolerance), (name))

/*
 * The exit status: 0 when every test passed and, with a plan, as many ran as were planned;
 * otherwise 1, with a diagnostic saying why.
 */
static inline int tap_exit_status(void)
{
    tap_counts *s = tap_state();
    if (s->planned >= 0 && s->run != s->planned)
        diag("planned %d tests but ran %d", s->planned, s->run);
    if (s->failed)
        diag("failed %d of %d tests", s->failed, s->run);
    fflush(stdout);
    return s->failed || (s->planned >= 0 && s->run != s->planned) ? 1 : 0;
}

/* Print the plan "1..N" for the N tests run (unless plan() gave one) and return the exit status. */
static inline int done_testing(void)
{
    tap_counts *s = tap_state();
    if (s->planned < 0) {
        s->planned = s->run;
        printf("1..%d\n", s->run);
    }
    return tap_exit_status();
}

/* Give up: "Bail out!" stops the harness reading this test; the exit status is 1. */
static inline TAP_PRINTF(1, 2) void bail_out(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("Bail out! %s\n", buf);
    fflush(stdout);
    exit(1);
}

/*
 * The seed of a randomised test: PM_TEST_SEED from the environment when set (decimal or 0x hex),
 * else one from the clock. Prints "# PM_TEST_SEED=..." either way; bails out on a malformed one.
 */
static inline uint64_t tap_seed(void)
{
    const char *env = getenv("PM_TEST_SEED");
    unsigned long long seed;
    if (env && *env) {
        char *end;
        seed = strtoull(env, &end, 0);
        if (*end || *env == '-')
            bail_out("PM_TEST_SEED=%s is not a number", env);
    } else {
        seed = (unsigned long long)time(NULL) * 2654435761u ^ (unsigned long long)clock();
    }
    diag("PM_TEST_SEED=%llu", seed);
    return (uint64_t)seed;
}

/* splitmix64: the next 64 random bits of *state. */
static inline uint64_t tap_rand(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A random integer in [0, n), n > 0 (the modulo bias is far below what a test can see). */
static inline uint64_t tap_rand_below(uint64_t *state, uint64_t n)
{
    return tap_rand(state) % n;
}

#endif
