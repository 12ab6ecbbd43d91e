/*
 * The plain C step loop for benchmarks/step_bench.py: reset, then N steps of one action
 * through libopenenv.so, printing {"steps", "steps_per_second", "p50_us", "p99_us",
 * "user_us_per_step", "system_us_per_step"} as JSON.
 * Usage: step_loop BASE_URL ACTION_JSON STEPS
 */
#include <openenv.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now_us(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec * 1e6 + time.tv_nsec / 1e3;
}

static void cpu_us(double *user, double *system) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    *user = usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec;
    *system = usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL ACTION_JSON STEPS\n", argv[0]);
        return 2;
    }
    int steps = atoi(argv[3]);
    double *latencies = malloc(sizeof(double) * steps);
    openenv_env *env = NULL;
    char *out = NULL;
    if (openenv_connect(argv[1], NULL, &env) != OPENENV_OK || openenv_reset(env, NULL, &out) != OPENENV_OK) {
        fprintf(stderr, "%s\n", openenv_last_error());
        return 1;
    }
    openenv_string_free(out);
    double user_before, system_before, user_after, system_after;
    cpu_us(&user_before, &system_before);
    double started = now_us();
    for (int i = 0; i < steps; i++) {
        double before = now_us();
        if (openenv_step(env, argv[2], &out) != OPENENV_OK) {
            fprintf(stderr, "%s\n", openenv_last_error());
            return 1;
        }
        openenv_string_free(out);
        latencies[i] = now_us() - before;
    }
    double elapsed = (now_us() - started) / 1e6;
    cpu_us(&user_after, &system_after);
    openenv_close(env);
    qsort(latencies, steps, sizeof(double), compare);
    printf("{\"steps\": %d, \"steps_per_second\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"user_us_per_step\": %.2f, "
           "\"system_us_per_step\": %.2f}\n", steps, steps / elapsed, latencies[steps / 2], latencies[(int)(steps * 0.99)],
           (user_after - user_before) / steps, (system_after - system_before) / steps);
    free(latencies);
    return 0;
}
