/* The checking macro shared by the C test programs: counts checks and failures, reports each
 * failure with its line, and lets the program finish so every failure is seen. */
#ifndef OPENENV_TEST_CHECK_H
#define OPENENV_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;
static int checks = 0;

#define CHECK(condition, ...)                                   \
    do {                                                        \
        checks++;                                               \
        if (!(condition)) {                                     \
            failures++;                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                       \
            fprintf(stderr, "\n");                              \
        }                                                       \
    } while (0)

#endif
