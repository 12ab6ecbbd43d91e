/*
 * The C vector loop for benchmarks/many_bench.py: opens K sessions at once (openenv_submit_open),
 * resets them, then runs ROUNDS rounds of openenv_run_batch (one step per session, every request
 * sent before any answer is awaited), printing {"steps", "steps_per_second", "p50_us", "p99_us",
 * "user_us_per_step", "system_us_per_step"} as JSON; latencies are per round.
 * Usage: batch_loop BASE_URL SESSIONS ROUNDS
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

static double cpu_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec + usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

static double user_us(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    size_t sessions = (size_t)atoi(argv[2]);
    int rounds = atoi(argv[3]);
    openenv_queue *queue = NULL;
    openenv_env **envs = calloc(sessions, sizeof *envs);
    openenv_completion *done = calloc(sessions, sizeof *done);
    const char **actions = calloc(sessions, sizeof *actions);
    double *latencies = calloc((size_t)rounds, sizeof *latencies);
    if (openenv_queue_new(&queue) != OPENENV_OK) return 1;
    for (size_t index = 0; index < sessions; index++) openenv_submit_open(queue, OPENENV_OPEN_CONNECT, argv[1], NULL, index);
    for (size_t got = 0; got < sessions;) {
        size_t count = 0;
        openenv_collect(queue, done + got, sessions - got, -1, &count);
        got += count;
    }
    for (size_t index = 0; index < sessions; index++) {
        if (done[index].status != OPENENV_OK) {
            fprintf(stderr, "open failed: %s\n", done[index].error);
            return 1;
        }
        envs[done[index].tag] = done[index].env;
        actions[index] = "{\"message\": \"hello\"}";
    }
    openenv_run_batch(OPENENV_OP_RESET, (openenv_env *const *)envs, NULL, sessions, done);
    for (size_t index = 0; index < sessions; index++) openenv_string_free(done[index].json);
    double cpu_before = cpu_us(), user_before = user_us(), started = now_us();
    for (int round = 0; round < rounds; round++) {
        double before = now_us();
        openenv_run_batch(OPENENV_OP_STEP, (openenv_env *const *)envs, actions, sessions, done);
        latencies[round] = now_us() - before;
        for (size_t index = 0; index < sessions; index++) {
            if (done[index].status != OPENENV_OK) {
                fprintf(stderr, "step failed: %s\n", done[index].error);
                return 1;
            }
            openenv_string_free(done[index].json);
        }
    }
    double elapsed = now_us() - started, cpu = cpu_us() - cpu_before, user = user_us() - user_before;
    double steps = (double)rounds * (double)sessions;
    qsort(latencies, (size_t)rounds, sizeof *latencies, compare);
    printf("{\"steps\": %.0f, \"steps_per_second\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"user_us_per_step\": %.2f, \"system_us_per_step\": %.2f}\n",
           steps, steps / (elapsed / 1e6), latencies[rounds / 2], latencies[(int)(rounds * 0.99)], user / steps, (cpu - user) / steps);
    for (size_t index = 0; index < sessions; index++) openenv_close(envs[index]);
    openenv_queue_free(queue);
    return 0;
}
