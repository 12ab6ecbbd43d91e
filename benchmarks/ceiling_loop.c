/*
 * The ceiling of benchmarks/vector_bench.py: the most steps/s servers give to a client that
 * costs almost nothing. K sessions spread round-robin over the servers, opened at once
 * (openenv_submit_open) through an event-loop queue, so that this thread moves their bytes
 * itself (no hand-off to the engine's I/O thread), reset, then each kept busy all the time: a
 * session's next step is submitted the moment its answer is collected (nothing parsed), for
 * SECONDS. Every session has a request in flight at all times, so the servers never wait for
 * this client. Prints
 * {"steps", "steps_per_second", "user_us_per_step", "system_us_per_step"} as JSON.
 * Usage: ceiling_loop SESSIONS SECONDS BASE_URL [BASE_URL...]
 */
#include <openenv.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* The step every session sends, as a whole message. */
static const char STEP[] = "{\"type\": \"step\", \"data\": {\"message\": \"hello\"}}";

static double now_s(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec / 1e9;
}

static void cpu_us(double *user, double *system) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    *user = usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec;
    *system = usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

/* Collects exactly `wanted` completions into `done`, failing on any error. */
static int collect_all(openenv_queue *queue, openenv_completion *done, size_t wanted) {
    for (size_t got = 0; got < wanted;) {
        size_t count = 0;
        if (openenv_collect(queue, done + got, wanted - got, -1, &count) != OPENENV_OK) return 1;
        for (size_t index = got; index < got + count; index++) {
            if (done[index].status != OPENENV_OK) {
                fprintf(stderr, "request failed: %s\n", done[index].error);
                return 1;
            }
        }
        got += count;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: ceiling_loop SESSIONS SECONDS BASE_URL [BASE_URL...]\n");
        return 2;
    }
    size_t sessions = (size_t)atoi(argv[1]);
    double seconds = atof(argv[2]);
    int servers = argc - 3;
    openenv_queue *queue = NULL;
    openenv_env **envs = calloc(sessions, sizeof *envs);
    openenv_completion *done = calloc(sessions, sizeof *done);
    if (openenv_queue_new_inline(&queue) != OPENENV_OK) return 1;
    for (size_t index = 0; index < sessions; index++) openenv_submit_open(queue, OPENENV_OPEN_CONNECT, argv[3 + index % servers], NULL, index);
    if (collect_all(queue, done, sessions)) return 1;
    for (size_t index = 0; index < sessions; index++) envs[done[index].tag] = done[index].env;
    for (size_t index = 0; index < sessions; index++) openenv_submit(envs[index], queue, OPENENV_OP_RESET, NULL, index);
    if (collect_all(queue, done, sessions)) return 1;
    for (size_t index = 0; index < sessions; index++) openenv_string_free(done[index].json);

    double user_before, system_before, user_after, system_after;
    cpu_us(&user_before, &system_before);
    double started = now_s(), ends = started + seconds;
    for (size_t index = 0; index < sessions; index++) openenv_submit(envs[index], queue, OPENENV_OP_MESSAGE, STEP, index);
    double steps = 0;
    size_t in_flight = sessions;
    while (in_flight > 0) {
        size_t count = 0;
        if (openenv_collect(queue, done, sessions, -1, &count) != OPENENV_OK) return 1;
        int going = now_s() < ends;
        for (size_t index = 0; index < count; index++) {
            if (done[index].status != OPENENV_OK) {
                fprintf(stderr, "step failed: %s\n", done[index].error);
                return 1;
            }
            openenv_string_free(done[index].json);
            steps += 1;
            if (going) {
                openenv_submit(envs[done[index].tag], queue, OPENENV_OP_MESSAGE, STEP, done[index].tag);
            } else {
                in_flight -= 1;
            }
        }
    }
    double elapsed = now_s() - started;
    cpu_us(&user_after, &system_after);
    printf("{\"steps\": %.0f, \"steps_per_second\": %.1f, \"user_us_per_step\": %.2f, \"system_us_per_step\": %.2f}\n", steps, steps / elapsed,
           (user_after - user_before) / steps, (system_after - system_before) / steps);
    for (size_t index = 0; index < sessions; index++) openenv_close(envs[index]);
    openenv_queue_free(queue);
    return 0;
}
