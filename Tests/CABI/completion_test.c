/* Many sessions driven from one thread through the completion API: opens without blocking,
 * submitted resets and states collected with poll() on the queue's descriptor, vector steps with
 * openenv_run_batch, a session closed with a request in flight, and every error path. With
 * "inline", the queue is an event-loop queue (openenv_queue_new_inline): this thread then moves
 * the sessions' bytes itself, in its collects, its openenv_queue_run and its batches.
 * Usage: completion_test BASE_URL SESSIONS STEPS [inline]. Prints "N passed, N failed" last. */
#include <openenv.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Waits on the queue's descriptor with poll(), as an event loop would, and collects until
 * `wanted` completions came (or 30 s passed); returns how many. */
static size_t collect_all(openenv_queue *queue, openenv_completion *out, size_t wanted) {
    int descriptor = -1;
    CHECK(openenv_queue_fd(queue, &descriptor) == OPENENV_OK && descriptor >= 0, "queue_fd: %s", openenv_last_error());
    size_t got = 0;
    for (int round = 0; got < wanted && round < 3000; round++) {
        struct pollfd waiting = {.fd = descriptor, .events = POLLIN};
        if (poll(&waiting, 1, 10) <= 0) continue;
        size_t count = 0;
        CHECK(openenv_collect(queue, out + got, wanted - got, 0, &count) == OPENENV_OK, "collect: %s", openenv_last_error());
        got += count;
    }
    return got;
}

static void release(openenv_completion *completion) {
    openenv_string_free(completion->json);
    openenv_string_free(completion->error);
    completion->json = completion->error = NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "inline") == 0)) {
        fprintf(stderr, "usage: %s BASE_URL SESSIONS STEPS [inline]\n", argv[0]);
        return 2;
    }
    int inline_queue = argc == 5;
    const char *url = argv[1];
    size_t sessions = (size_t)atoi(argv[2]);
    int steps = atoi(argv[3]);
    openenv_queue *queue = NULL;
    CHECK((inline_queue ? openenv_queue_new_inline(&queue) : openenv_queue_new(&queue)) == OPENENV_OK && queue != NULL,
          "queue_new: %s", openenv_last_error());
    openenv_env **envs = calloc(sessions, sizeof *envs);
    openenv_completion *done = calloc(sessions * 2, sizeof *done);

    /* Open every session at once; tags say which is which. */
    for (size_t index = 0; index < sessions; index++)
        CHECK(openenv_submit_open(queue, OPENENV_OPEN_CONNECT, url, NULL, 1000 + index) == OPENENV_OK, "submit_open: %s", openenv_last_error());
    CHECK(collect_all(queue, done, sessions) == sessions, "not every open completed");
    for (size_t index = 0; index < sessions; index++) {
        CHECK(done[index].status == OPENENV_OK && done[index].env != NULL, "open %zu: %s", index, done[index].error ? done[index].error : "");
        CHECK(done[index].tag >= 1000 && done[index].tag < 1000 + sessions, "open tag %llu", (unsigned long long)done[index].tag);
        envs[done[index].tag - 1000] = done[index].env;
        release(&done[index]);
    }

    /* Reset every session, all requests out before any answer is awaited. */
    for (size_t index = 0; index < sessions; index++)
        CHECK(openenv_submit(envs[index], queue, OPENENV_OP_RESET, "{\"seed\": 1}", index) == OPENENV_OK, "submit reset: %s", openenv_last_error());
    CHECK(collect_all(queue, done, sessions) == sessions, "not every reset completed");
    for (size_t index = 0; index < sessions; index++) {
        CHECK(done[index].status == OPENENV_OK && strstr(done[index].json, "\"observation\"") != NULL, "reset %llu", (unsigned long long)done[index].tag);
        release(&done[index]);
    }

    /* Vector steps: session i sends "s<i>-<step>" and must get exactly that back. */
    const char **actions = calloc(sessions, sizeof *actions);
    char (*texts)[64] = calloc(sessions, sizeof *texts);
    for (int step = 0; step < steps; step++) {
        for (size_t index = 0; index < sessions; index++) {
            snprintf(texts[index], sizeof texts[index], "{\"message\": \"s%zu-%d\"}", index, step);
            actions[index] = texts[index];
        }
        CHECK(openenv_run_batch(OPENENV_OP_STEP, (openenv_env *const *)envs, actions, sessions, done) == OPENENV_OK, "run_batch: %s", openenv_last_error());
        for (size_t index = 0; index < sessions; index++) {
            char expected[64];
            snprintf(expected, sizeof expected, "\"echoed_message\":\"s%zu-%d\"", index, step);
            CHECK(done[index].tag == index && done[index].status == OPENENV_OK && strstr(done[index].json, expected) != NULL,
                  "step %d of session %zu: %s", step, index, done[index].json ? done[index].json : done[index].error);
            release(&done[index]);
        }
    }

    /* Every state counts the steps; the raw message op gives the whole answer. */
    for (size_t index = 0; index < sessions; index++)
        CHECK(openenv_submit(envs[index], queue, index % 2 ? OPENENV_OP_STATE : OPENENV_OP_MESSAGE,
                             index % 2 ? NULL : "{\"type\": \"state\"}", index) == OPENENV_OK, "submit state: %s", openenv_last_error());
    CHECK(collect_all(queue, done, sessions) == sessions, "not every state completed");
    char counted[32];
    snprintf(counted, sizeof counted, "\"step_count\":%d", steps);
    for (size_t index = 0; index < sessions; index++) {
        CHECK(done[index].status == OPENENV_OK && strstr(done[index].json, counted) != NULL, "state %llu: %s", (unsigned long long)done[index].tag, done[index].json);
        CHECK((done[index].tag % 2 == 0) == (strstr(done[index].json, "\"type\":\"state\"") != NULL), "message answers are whole");
        release(&done[index]);
    }

    /* Deferred submissions go out, in order per session, at one flush. */
    for (size_t index = 0; index < sessions; index++)
        for (int step = 0; step < 2; step++) {
            char action[64];
            snprintf(action, sizeof action, "{\"message\": \"d%zu-%d\"}", index, step);
            CHECK(openenv_submit(envs[index], queue, OPENENV_OP_STEP | OPENENV_SUBMIT_DEFERRED, action, index * 2 + step) == OPENENV_OK,
                  "deferred submit: %s", openenv_last_error());
        }
    CHECK(openenv_submit_flush() == OPENENV_OK, "flush");
    CHECK(openenv_queue_run(queue) == OPENENV_OK, "queue_run: %s", openenv_last_error());
    CHECK(collect_all(queue, done, sessions * 2) == sessions * 2, "not every deferred step completed");
    for (size_t index = 0; index < sessions * 2; index++) {
        char expected[64];
        snprintf(expected, sizeof expected, "\"echoed_message\":\"d%llu-%llu\"", (unsigned long long)done[index].tag / 2,
                 (unsigned long long)done[index].tag % 2);
        CHECK(done[index].status == OPENENV_OK && strstr(done[index].json, expected) != NULL, "deferred step %llu: %s",
              (unsigned long long)done[index].tag, done[index].json ? done[index].json : done[index].error);
        release(&done[index]);
    }
    CHECK(openenv_submit_flush() == OPENENV_OK, "a flush with nothing deferred");

    /* A server error keeps the session; the completion carries code and message. */
    CHECK(openenv_submit(envs[0], queue, OPENENV_OP_MESSAGE, "{\"type\": \"bogus\"}", 7) == OPENENV_OK, "submit bogus");
    CHECK(collect_all(queue, done, 1) == 1 && done[0].status == OPENENV_SERVER_ERROR && strstr(done[0].json, "UNKNOWN_TYPE") != NULL &&
          strstr(done[0].error, "UNKNOWN_TYPE") != NULL, "a server error completes with its code");
    release(&done[0]);

    /* Closing a session with requests queued fails them as closed; the rest are unaffected. */
    for (int index = 0; index < 3; index++)
        CHECK(openenv_submit(envs[1], queue, OPENENV_OP_STATE, NULL, 500 + index) == OPENENV_OK, "submit before close");
    CHECK(openenv_close(envs[1]) == OPENENV_OK, "close with requests in flight");
    size_t closing = collect_all(queue, done, 3);
    CHECK(closing == 3, "every request of a closed session completes (%zu)", closing);
    for (size_t index = 0; index < closing; index++) {
        CHECK(done[index].status == OPENENV_OK || done[index].status == OPENENV_CLOSED, "closing: status %d", done[index].status);
        release(&done[index]);
    }
    CHECK(openenv_submit(envs[1], queue, OPENENV_OP_STATE, NULL, 9) == OPENENV_CLOSED, "a closed handle is refused at once");
    openenv_env *closed_env = envs[1];
    envs[1] = NULL;

    /* Error paths: every argument checked, nothing queued. */
    size_t count = 99;
    int descriptor = 0;
    CHECK(openenv_queue_new(NULL) == OPENENV_INVALID_ARGUMENT, "queue_new NULL");
    CHECK(openenv_queue_new_inline(NULL) == OPENENV_INVALID_ARGUMENT, "queue_new_inline NULL");
    CHECK(openenv_queue_run(NULL) == OPENENV_INVALID_ARGUMENT, "queue_run NULL");
    CHECK(openenv_queue_run((openenv_queue *)(uintptr_t)42) == OPENENV_INVALID_ARGUMENT, "queue_run of a queue never made");
    CHECK(openenv_queue_fd(NULL, &descriptor) == OPENENV_INVALID_ARGUMENT, "queue_fd NULL queue");
    CHECK(openenv_queue_fd(queue, NULL) == OPENENV_INVALID_ARGUMENT, "queue_fd NULL out");
    CHECK(openenv_collect(queue, done, 4, 0, NULL) == OPENENV_INVALID_ARGUMENT, "collect NULL count");
    CHECK(openenv_collect(queue, NULL, 4, 0, &count) == OPENENV_INVALID_ARGUMENT && count == 0, "collect NULL out");
    CHECK(openenv_collect(queue, done, 0, 0, &count) == OPENENV_INVALID_ARGUMENT, "collect capacity 0");
    CHECK(openenv_collect(queue, done, 4, 0, &count) == OPENENV_OK && count == 0, "nothing waits");
    CHECK(openenv_collect(queue, done, 4, 0.05, &count) == OPENENV_OK && count == 0, "a timed wait with nothing coming");
    CHECK(openenv_submit(envs[0], queue, 99, "{}", 1) == OPENENV_INVALID_ARGUMENT && strstr(openenv_last_error(), "OPENENV_OP_STEP"), "unknown op");
    CHECK(openenv_submit(envs[0], queue, OPENENV_SUBMIT_DEFERRED, "{}", 1) == OPENENV_INVALID_ARGUMENT, "the deferred flag alone is no op");
    CHECK(openenv_run_batch(OPENENV_OP_STATE | OPENENV_SUBMIT_DEFERRED, (openenv_env *const *)envs, NULL, 1, done) == OPENENV_INVALID_ARGUMENT,
          "a batch takes no deferred flag");
    CHECK(openenv_submit(envs[0], queue, OPENENV_OP_STEP, NULL, 1) == OPENENV_INVALID_ARGUMENT, "step without an action");
    CHECK(openenv_submit(envs[0], queue, OPENENV_OP_STEP, "[1]", 1) == OPENENV_INVALID_ARGUMENT, "an action that is not an object");
    CHECK(openenv_submit(envs[0], queue, OPENENV_OP_MESSAGE, "{\"no\": \"type\"}", 1) == OPENENV_INVALID_ARGUMENT, "a message without a type");
    CHECK(openenv_submit(envs[0], NULL, OPENENV_OP_STATE, NULL, 1) == OPENENV_INVALID_ARGUMENT, "NULL queue");
    CHECK(openenv_submit(NULL, queue, OPENENV_OP_STATE, NULL, 1) == OPENENV_INVALID_ARGUMENT, "NULL env");
    CHECK(openenv_submit_open(queue, 42, url, NULL, 1) == OPENENV_INVALID_ARGUMENT, "unknown open");
    CHECK(openenv_submit_open(queue, OPENENV_OPEN_CONNECT, NULL, NULL, 1) == OPENENV_INVALID_ARGUMENT, "open without a target");
    CHECK(openenv_run_batch(OPENENV_OP_STEP, NULL, actions, 2, done) == OPENENV_INVALID_ARGUMENT, "batch without envs");
    openenv_env *closed_pair[2] = {envs[0], closed_env};
    CHECK(openenv_run_batch(OPENENV_OP_STATE, closed_pair, NULL, 2, done) == OPENENV_CLOSED && strstr(openenv_last_error(), "envs[1]"), "a batch names its closed member");
    openenv_env *forged_pair[2] = {(openenv_env *)(uintptr_t)0x7fffffff, envs[0]};
    CHECK(openenv_run_batch(OPENENV_OP_STATE, forged_pair, NULL, 2, done) == OPENENV_INVALID_ARGUMENT && strstr(openenv_last_error(), "envs[0]"), "a batch names its forged member");
    CHECK(openenv_queue_free((openenv_queue *)(uintptr_t)42) == OPENENV_INVALID_ARGUMENT, "a queue never made");
    CHECK(openenv_run_batch(OPENENV_OP_STATE, closed_pair, NULL, 0, done) == OPENENV_OK, "an empty batch");
    CHECK(openenv_collect(queue, done, 4, 0, &count) == OPENENV_OK && count == 0, "no error queued anything");

    /* A failed open completes with the blocking call's status and message. */
    CHECK(openenv_submit_open(queue, OPENENV_OPEN_CONNECT, "http://127.0.0.1:1", NULL, 77) == OPENENV_OK, "submit a doomed open");
    CHECK(collect_all(queue, done, 1) == 1 && done[0].status == OPENENV_CONNECTION && done[0].env == NULL && done[0].tag == 77 &&
          strstr(done[0].error, "Server not available at") != NULL, "a refused open");
    release(&done[0]);

    for (size_t index = 0; index < sessions; index++) CHECK(openenv_close(envs[index]) == OPENENV_OK, "close");
    /* Sessions placed over servers for this queue: with an inline queue, this thread moves
     * their bytes too (the server has room again: the sessions above are closed); every
     * argument checked, out_envs NULL after a failure. */
    const char *servers[] = {url};
    openenv_env *placed[2] = {envs[0], envs[0]};
    CHECK(openenv_queue_open_placed(NULL, servers, 1, 2, NULL, placed) == OPENENV_INVALID_ARGUMENT && placed[0] == NULL && placed[1] == NULL,
          "queue_open_placed without a queue: %s", openenv_last_error());
    CHECK(openenv_queue_open_placed((openenv_queue *)(uintptr_t)42, servers, 1, 2, NULL, placed) == OPENENV_INVALID_ARGUMENT,
          "queue_open_placed with a queue never made");
    CHECK(openenv_queue_open_placed(queue, servers, 1, 2, NULL, placed) == OPENENV_OK, "queue_open_placed: %s", openenv_last_error());
    for (size_t index = 0; index < 2; index++)
        CHECK(openenv_submit(placed[index], queue, OPENENV_OP_STATE, NULL, 500 + index) == OPENENV_OK, "submit on a placed session");
    CHECK(collect_all(queue, done, 2) == 2 && done[0].status == OPENENV_OK && done[1].status == OPENENV_OK &&
              strstr(done[0].json, "\"step_count\"") != NULL, "placed sessions answer through the queue");
    release(&done[0]);
    release(&done[1]);
    for (size_t index = 0; index < 2; index++) CHECK(openenv_close(placed[index]) == OPENENV_OK, "close a placed session");

    CHECK(openenv_queue_free(queue) == OPENENV_OK, "queue_free");
    CHECK(openenv_queue_free(queue) == OPENENV_OK, "queue_free twice");
    CHECK(openenv_queue_free(NULL) == OPENENV_OK, "queue_free NULL");
    CHECK(openenv_collect(queue, done, 4, 0, &count) == OPENENV_CLOSED, "a freed queue is refused");
    CHECK(openenv_queue_run(queue) == OPENENV_CLOSED, "a freed queue is not run");
    free(envs);
    free(done);
    free(actions);
    free(texts);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
