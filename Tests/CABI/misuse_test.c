/* The C ABI as a hostile caller uses it: NULL for every pointer argument of every function,
 * handles that were never made, closed handles, double closes, a close racing a call, and
 * last-error messages on two threads at once; a queue released under waiting collectors;
 * threads with small stacks; option numbers of every kind. Every case must
 * return its documented status. Run under AddressSanitizer by the test suite.
 * Usage: misuse_test BASE_URL SILENT_URL   (a live server, and one that never answers)
 * Prints "N passed, N failed" last. */
#include <openenv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define INVALID OPENENV_INVALID_ARGUMENT

static const char *silent_url;
static int raced_status = -1;

static void *blocked_call(void *env) {
    char *json = NULL;
    raced_status = openenv_reset((openenv_env *)env, NULL, &json);
    openenv_string_free(json);
    return NULL;
}

/* Nesting at the JSON limit on threads with small stacks: the document, and its thread's results. */
static char deep_document[2 * 129 + 16];

static void nest(int levels) { /* {"x": [[...]]}: the object is one level */
    int inner = levels - 1;
    strcpy(deep_document, "{\"x\": ");
    size_t at = strlen(deep_document);
    memset(deep_document + at, '[', (size_t)inner);
    memset(deep_document + at + inner, ']', (size_t)inner);
    strcpy(deep_document + at + 2 * inner, "}");
}

struct deep_run {
    openenv_env *env;          /* a live session to step with the deepest action */
    int validated[2];          /* validate_action at 128 and 129 levels */
    int stepped;               /* step with an action of 128 levels (the server's error quotes it deeper) */
    int stepped_after;         /* a plain step after that: the session survived */
    int details;               /* openenv_last_error_details, first thing on the thread */
    char *details_out;         /* what it handed out (NULL when refused) */
    char message[256];         /* the last error after validating 128 levels */
    char step_error[256];      /* the last error after stepping */
};

static void *parse_deep(void *argument) {
    struct deep_run *run = argument;
    run->details_out = (char *)"untouched";
    run->details = openenv_last_error_details(&run->details_out);
    if (run->details == OPENENV_OK) openenv_string_free(run->details_out);
    for (int levels = 128; levels <= 129; levels++) {
        nest(levels);
        char *out = NULL;
        run->validated[levels - 128] = openenv_validate_action("{\"type\": \"object\"}", deep_document, &out);
        openenv_string_free(out);
        if (levels == 128) snprintf(run->message, sizeof run->message, "%s", openenv_last_error());
    }
    nest(128); /* the server's answer (a validation error quoting the action) nests it about 4 levels deeper */
    char *out = NULL;
    run->stepped = openenv_step(run->env, deep_document, &out);
    openenv_string_free(out);
    snprintf(run->step_error, sizeof run->step_error, "%s", run->stepped ? openenv_last_error() : "");
    out = NULL;
    run->stepped_after = openenv_step(run->env, "{\"message\": \"still here\"}", &out);
    openenv_string_free(out);
    return NULL;
}

static void run_on_stack(size_t kib, struct deep_run *run) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, kib * 1024);
    pthread_t thread;
    pthread_create(&thread, &attributes, parse_deep, run);
    pthread_join(thread, NULL);
    pthread_attr_destroy(&attributes);
}

/* Collectors blocked on a queue that another thread releases. */
struct collector {
    openenv_queue *queue;
    int status;
    size_t count;
};

static void *collect_forever(void *argument) {
    struct collector *collector = argument;
    openenv_completion completions[4];
    collector->count = 99;
    collector->status = openenv_collect(collector->queue, completions, 4, -1, &collector->count);
    return NULL;
}

static char other_thread_error[256];

static void *fail_elsewhere(void *unused) {
    (void)unused;
    char *json = NULL;
    openenv_env_info("", NULL, &json); /* an empty name: its own message on this thread */
    snprintf(other_thread_error, sizeof other_thread_error, "%s", openenv_last_error());
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    const char *url = argv[1];
    silent_url = argv[2];
    char *out = NULL;
    int fd = 0;
    size_t count = 0;
    int is_open = -1;
    openenv_env *env = NULL;
    openenv_queue *queue = NULL;
    openenv_completion completion;
    openenv_env *const forged = (openenv_env *)(uintptr_t)0xdeadbeef;

    /* NULL for every pointer argument. */
    CHECK(openenv_version(NULL) == INVALID, "version");
    CHECK(openenv_last_error_details(NULL) == INVALID, "details");
    openenv_string_free(NULL);
    CHECK(openenv_discover(NULL, NULL) == INVALID, "discover");
    CHECK(openenv_env_info(NULL, NULL, &out) == INVALID && out == NULL, "env_info name");
    CHECK(openenv_env_info("parrot", NULL, NULL) == INVALID, "env_info out");
    CHECK(openenv_env_details(NULL, NULL, &out) == INVALID, "env_details name");
    CHECK(openenv_env_details("parrot", NULL, NULL) == INVALID, "env_details out");
    CHECK(openenv_action_info(NULL, NULL, &out) == INVALID, "action_info name");
    CHECK(openenv_action_info("parrot", NULL, NULL) == INVALID, "action_info out");
    CHECK(openenv_list_text(NULL, NULL, &out) == INVALID, "list_text kind");
    CHECK(openenv_list_text("environments", NULL, NULL) == INVALID, "list_text out");
    CHECK(openenv_connect(NULL, NULL, &env) == INVALID && env == NULL, "connect url");
    CHECK(openenv_connect(url, NULL, NULL) == INVALID, "connect out");
    CHECK(openenv_from_env(NULL, NULL, &env) == INVALID, "from_env name");
    CHECK(openenv_from_env("parrot", NULL, NULL) == INVALID, "from_env out");
    CHECK(openenv_from_hub(NULL, NULL, &env) == INVALID, "from_hub id");
    CHECK(openenv_from_hub("a/b", NULL, NULL) == INVALID, "from_hub out");
    CHECK(openenv_launch_plan(NULL, NULL, &out) == INVALID, "launch_plan name");
    CHECK(openenv_launch_plan("parrot", NULL, NULL) == INVALID, "launch_plan out");
    CHECK(openenv_resolve(NULL, NULL, &out) == INVALID, "resolve name");
    CHECK(openenv_resolve("parrot", NULL, NULL) == INVALID, "resolve out");
    CHECK(openenv_action_fields(NULL, &out) == INVALID, "action_fields schema");
    CHECK(openenv_action_fields("{\"type\":\"object\"}", NULL) == INVALID, "action_fields out");
    CHECK(openenv_validate_action(NULL, "{}", &out) == INVALID, "validate schema");
    CHECK(openenv_validate_action("{\"type\":\"object\"}", NULL, &out) == INVALID, "validate action");
    CHECK(openenv_validate_action("{\"type\":\"object\"}", "{}", NULL) == INVALID, "validate out");
    CHECK(openenv_server_schema(NULL, NULL, &out) == INVALID, "server_schema target");
    CHECK(openenv_server_schema(url, NULL, NULL) == INVALID, "server_schema out");
    CHECK(openenv_server_health(NULL, NULL, &out) == INVALID, "server_health target");
    CHECK(openenv_server_health(url, NULL, NULL) == INVALID, "server_health out");
    CHECK(openenv_queue_new(NULL) == INVALID, "queue_new");
    CHECK(openenv_queue_fd(NULL, &fd) == INVALID, "queue_fd queue");
    CHECK(openenv_collect(NULL, &completion, 1, 0, &count) == INVALID, "collect queue");
    CHECK(openenv_queue_free(NULL) == OPENENV_OK, "queue_free NULL is a no-op");
    CHECK(openenv_close(NULL) == OPENENV_OK, "close NULL is a no-op");

    /* A real session, then NULL for each of its calls' other pointers. */
    CHECK(openenv_connect(url, NULL, &env) == OPENENV_OK, "connect: %s", openenv_last_error());
    CHECK(openenv_queue_new(&queue) == OPENENV_OK, "queue_new");
    CHECK(openenv_base_url(NULL, &out) == INVALID, "base_url env");
    CHECK(openenv_base_url(env, NULL) == INVALID, "base_url out");
    CHECK(openenv_reset(NULL, NULL, &out) == INVALID, "reset env");
    CHECK(openenv_reset(env, NULL, NULL) == INVALID, "reset out");
    CHECK(openenv_step(NULL, "{}", &out) == INVALID, "step env");
    CHECK(openenv_step(env, NULL, &out) == INVALID, "step action");
    CHECK(openenv_step(env, "{}", NULL) == INVALID, "step out");
    CHECK(openenv_state(NULL, &out) == INVALID && openenv_state(env, NULL) == INVALID, "state");
    CHECK(openenv_schema(NULL, &out) == INVALID && openenv_schema(env, NULL) == INVALID, "schema");
    CHECK(openenv_metadata(NULL, &out) == INVALID && openenv_metadata(env, NULL) == INVALID, "metadata");
    CHECK(openenv_send(NULL, "{\"type\":\"state\"}", &out) == INVALID, "send env");
    CHECK(openenv_send(env, NULL, &out) == INVALID, "send message");
    CHECK(openenv_send(env, "{\"type\":\"state\"}", NULL) == INVALID, "send out");
    CHECK(openenv_exchange(NULL, "{}", &out) == INVALID, "exchange env");
    CHECK(openenv_exchange(env, NULL, &out) == INVALID, "exchange text");
    CHECK(openenv_exchange(env, "{}", NULL) == INVALID, "exchange out");
    CHECK(openenv_is_open(NULL, &is_open) == INVALID && openenv_is_open(env, NULL) == INVALID, "is_open");
    CHECK(openenv_submit(env, queue, 99, NULL, 1) == INVALID, "submit unknown op");
    /* Text passes through as it is: the server's error is an answer, the session stays open. */
    CHECK(openenv_exchange(env, "{\"type\": \"bogus\"}", &out) == OPENENV_OK && strstr(out, "\"error\"") != NULL,
          "exchange hands back the server's error message: %s", openenv_last_error());
    openenv_string_free(out);
    CHECK(openenv_is_open(env, &is_open) == OPENENV_OK && is_open == 1, "open after an error answer");
    CHECK(openenv_hang_up(NULL) == INVALID, "hang_up env");
    CHECK(openenv_submit(NULL, queue, OPENENV_OP_STATE, NULL, 1) == INVALID, "submit env");
    CHECK(openenv_submit(env, NULL, OPENENV_OP_STATE, NULL, 1) == INVALID, "submit queue");
    CHECK(openenv_submit_open(NULL, OPENENV_OPEN_CONNECT, url, NULL, 1) == INVALID, "submit_open queue");
    CHECK(openenv_submit_open(queue, OPENENV_OPEN_CONNECT, NULL, NULL, 1) == INVALID, "submit_open target");
    CHECK(openenv_collect(queue, NULL, 1, 0, &count) == INVALID, "collect out");
    CHECK(openenv_collect(queue, &completion, 1, 0, NULL) == INVALID, "collect count");
    CHECK(openenv_queue_fd(queue, NULL) == INVALID, "queue_fd out");
    CHECK(openenv_run_batch(OPENENV_OP_STATE, NULL, NULL, 1, &completion) == INVALID, "run_batch envs");
    CHECK(openenv_run_batch(OPENENV_OP_STATE, &env, NULL, 1, NULL) == INVALID, "run_batch out");

    /* Handles never made, in every call that takes one. */
    CHECK(openenv_base_url(forged, &out) == INVALID, "forged base_url");
    CHECK(openenv_reset(forged, NULL, &out) == INVALID, "forged reset");
    CHECK(openenv_step(forged, "{}", &out) == INVALID, "forged step");
    CHECK(openenv_state(forged, &out) == INVALID, "forged state");
    CHECK(openenv_send(forged, "{\"type\":\"state\"}", &out) == INVALID, "forged send");
    CHECK(openenv_exchange(forged, "{}", &out) == INVALID, "forged exchange");
    CHECK(openenv_is_open(forged, &is_open) == INVALID, "forged is_open");
    CHECK(openenv_hang_up(forged) == INVALID, "forged hang_up");
    CHECK(openenv_close(forged) == INVALID, "forged close");
    CHECK(openenv_submit(forged, queue, OPENENV_OP_STATE, NULL, 1) == INVALID, "forged submit");
    CHECK(openenv_submit(env, (openenv_queue *)forged, OPENENV_OP_STATE, NULL, 1) == INVALID, "forged queue");
    CHECK(openenv_queue_free((openenv_queue *)forged) == INVALID, "forged queue_free");
    CHECK(strstr(openenv_last_error(), "not a queue handle this library made") != NULL, "says what was wrong: %s", openenv_last_error());

    /* Option numbers of every kind: refused when they make no sense, never a crash. */
    const char *refused[] = {"{\"headers\": {\"Host\": \"x\"}}", "{\"headers\": {\"X\": \"a\\r\\nB: c\"}}", "{\"headers\": []}",
                             "{\"ping_interval\": -1}", "{\"ping_timeout\": -2}", "{\"ping_interval\": true}", "{\"hub_space\": 1}", "{\"message_timeout\": -1}", "{\"message_timeout\": 0}", "{\"connect_timeout\": \"10\"}",
                             "{\"max_message_bytes\": 1e30}", "{\"max_message_bytes\": -5}",
                             "{\"max_message_bytes\": 123456789012345678901234567890}", "{\"message_timeout\": 1e400}"};
    for (size_t index = 0; index < sizeof refused / sizeof *refused; index++) {
        openenv_env *extra = NULL;
        CHECK(openenv_connect(url, refused[index], &extra) == INVALID && extra == NULL, "options %s: %s", refused[index], openenv_last_error());
    }
    const char *accepted[] = {"{\"message_timeout\": 1e300, \"connect_timeout\": 1.8e10}", "{\"max_message_bytes\": 9223372036854775807}",
                              "{\"ping_interval\": 0, \"ping_timeout\": false}"};
    for (size_t index = 0; index < sizeof accepted / sizeof *accepted; index++) {
        openenv_env *extra = NULL;
        CHECK(openenv_connect(url, accepted[index], &extra) == OPENENV_OK, "options %s: %s", accepted[index], openenv_last_error());
        CHECK(openenv_state(extra, &out) == OPENENV_OK, "a session with extreme options works: %s", openenv_last_error());
        openenv_string_free(out);
        CHECK(openenv_close(extra) == OPENENV_OK, "close");
    }

    /* A hung-up session: closed for calls, its handle (and base URL) kept until closed. */
    openenv_env *hung = NULL;
    CHECK(openenv_connect(url, NULL, &hung) == OPENENV_OK, "connect: %s", openenv_last_error());
    CHECK(openenv_hang_up(hung) == OPENENV_OK && openenv_hang_up(hung) == OPENENV_OK, "hang up twice");
    CHECK(openenv_is_open(hung, &is_open) == OPENENV_OK && is_open == 0, "not open after hanging up");
    CHECK(openenv_state(hung, &out) == OPENENV_CLOSED, "calls after hanging up are CLOSED");
    CHECK(openenv_base_url(hung, &out) == OPENENV_OK && strncmp(out, url, strlen(out)) == 0, "base_url after hanging up");
    openenv_string_free(out);
    CHECK(openenv_close(hung) == OPENENV_OK && openenv_hang_up(hung) == OPENENV_CLOSED, "closed after hanging up");

    /* Closed handles, double close. */
    CHECK(openenv_close(env) == OPENENV_OK && openenv_close(env) == OPENENV_OK, "double close");
    CHECK(openenv_state(env, &out) == OPENENV_CLOSED, "closed state");
    CHECK(openenv_exchange(env, "{}", &out) == OPENENV_CLOSED, "closed exchange");
    CHECK(openenv_is_open(env, &is_open) == OPENENV_OK && is_open == 0, "a released handle is not open");
    CHECK(openenv_submit(env, queue, OPENENV_OP_STATE, NULL, 1) == OPENENV_CLOSED, "closed submit");

    /* A close racing a blocked call: the call returns at once with OPENENV_CLOSED. */
    openenv_env *silent = NULL;
    CHECK(openenv_connect(silent_url, "{\"message_timeout\": 30}", &silent) == OPENENV_OK, "connect silent: %s", openenv_last_error());
    pthread_t caller;
    pthread_create(&caller, NULL, blocked_call, silent);
    usleep(300000);
    CHECK(openenv_close(silent) == OPENENV_OK, "close while a call blocks");
    pthread_join(caller, NULL);
    CHECK(raced_status == OPENENV_CLOSED, "the blocked call ended with OPENENV_CLOSED, not %d", raced_status);

    /* Last errors are per thread. */
    CHECK(openenv_env_info("no-such-environment-here", NULL, &out) == OPENENV_NOT_FOUND, "not found");
    pthread_t other;
    pthread_create(&other, NULL, fail_elsewhere, NULL);
    pthread_join(other, NULL);
    CHECK(strstr(openenv_last_error(), "no-such-environment-here") != NULL, "this thread keeps its message: %s", openenv_last_error());
    CHECK(strstr(other_thread_error, "no-such-environment-here") == NULL && other_thread_error[0] != 0, "the other thread has its own");

    /* 64 KiB of stack is enough for the deepest document, read, checked, written and sent;
     * 32 KiB is refused with a message that says so, never a crash. */
    openenv_env *deep_env = NULL;
    CHECK(openenv_connect(url, NULL, &deep_env) == OPENENV_OK, "connect: %s", openenv_last_error());
    struct deep_run roomy = {deep_env, {-1, -1}, -1, -1, -1, NULL, "", ""}, cramped = {deep_env, {-1, -1}, -1, -1, -1, NULL, "", ""};
    run_on_stack(32, &cramped); /* first: glibc would hand a later thread the 64 KiB stack it caches */
    CHECK(cramped.validated[0] == INVALID && cramped.validated[1] == INVALID && cramped.stepped == INVALID,
          "a 32 KiB stack is refused: %d %d %d", cramped.validated[0], cramped.validated[1], cramped.stepped);
    CHECK(strstr(cramped.message, "KiB of stack left") != NULL, "the refusal says why: %s", cramped.message);
    CHECK(cramped.details == INVALID && cramped.details_out == NULL, "last_error_details is refused on a 32 KiB stack too: %d", cramped.details);
    run_on_stack(64, &roomy);
    CHECK(roomy.validated[0] == OPENENV_OK && roomy.validated[1] == OPENENV_INVALID_ARGUMENT,
          "128 levels read, checked and written on a 64 KiB stack; 129 refused: %d %d", roomy.validated[0], roomy.validated[1]);
    CHECK(roomy.stepped == OPENENV_SERVER_ERROR && strstr(roomy.step_error, "VALIDATION_ERROR") != NULL,
          "an action at 128 levels gets the server's validation error (quoting it deeper), on a 64 KiB stack: %d %s", roomy.stepped, roomy.step_error);
    CHECK(roomy.stepped_after == OPENENV_OK, "the session survives the deep answer: %d %s", roomy.stepped_after, openenv_last_error());
    CHECK(roomy.details == OPENENV_OK, "last_error_details on a 64 KiB stack: %d", roomy.details);
    openenv_close(deep_env);

    /* Small items: an empty action, a NULL action to check, one problem reached twelve ways. */
    openenv_env *small = NULL;
    CHECK(openenv_connect(url, NULL, &small) == OPENENV_OK, "connect: %s", openenv_last_error());
    CHECK(openenv_step(small, "", &out) == INVALID && strstr(openenv_last_error(), "empty") != NULL,
          "an empty action is refused, not sent as {}: %s", openenv_last_error());
    CHECK(openenv_submit(small, queue, OPENENV_OP_STEP, "", 1) == INVALID, "an empty submitted action is refused too");
    openenv_close(small);
    CHECK(openenv_validate_action("{\"type\":\"object\"}", NULL, &out) == INVALID && strstr(openenv_last_error(), "action_json is NULL") != NULL,
          "a NULL action is named as NULL: %s", openenv_last_error());
    const char *twelve = "{\"type\": \"object\", \"properties\": {\"n\": {\"allOf\": [{\"type\": \"integer\"}, {\"type\": \"integer\"}, "
                         "{\"type\": \"integer\"}, {\"type\": \"integer\"}, {\"type\": \"integer\"}, {\"type\": \"integer\"}, {\"type\": \"integer\"}, "
                         "{\"type\": \"integer\"}, {\"type\": \"integer\"}, {\"type\": \"integer\"}, {\"type\": \"integer\"}, {\"type\": \"integer\"}]}}}";
    CHECK(openenv_validate_action(twelve, "{\"n\": \"x\"}", &out) == OPENENV_INVALID_ACTION, "allOf mismatch");
    CHECK(openenv_last_error_details(&out) == OPENENV_OK && strstr(out, "\"problems\":[\"field 'n': expected integer, got") != NULL
              && strstr(strstr(out, "expected integer") + 1, "expected integer") == NULL,
          "one problem listed once: %s", out);
    openenv_string_free(out);
    const char *composed = "{\"type\": \"object\", \"allOf\": [{\"required\": [\"n\"], \"properties\": {\"n\": {\"type\": \"integer\"}}}]}";
    CHECK(openenv_validate_action(composed, "{}", &out) == OPENENV_INVALID_ACTION && strstr(openenv_last_error(), "missing required field 'n'") != NULL,
          "a top-level allOf's required applies: %s", openenv_last_error());
    CHECK(openenv_validate_action(composed, "{\"n\": \"x\"}", &out) == OPENENV_INVALID_ACTION && strstr(openenv_last_error(), "expected integer") != NULL,
          "a top-level allOf's properties apply: %s", openenv_last_error());

    /* Sessions placed over servers: past one that cannot be reached; every argument checked. */
    const char *fleet[] = {"http://127.0.0.1:9", url};
    openenv_env *placed[3] = {forged, forged, forged};
    CHECK(openenv_open_placed(NULL, 2, 3, NULL, placed) == INVALID && placed[0] == NULL && placed[2] == NULL, "open_placed urls: out_envs set to NULL");
    CHECK(openenv_open_placed(fleet, 0, 3, NULL, placed) == INVALID, "open_placed url_count 0");
    CHECK(openenv_open_placed(fleet, 2, 3, NULL, NULL) == INVALID, "open_placed out");
    const char *holey[] = {url, NULL};
    CHECK(openenv_open_placed(holey, 2, 3, NULL, placed) == INVALID && strstr(openenv_last_error(), "urls[1] is NULL") != NULL,
          "open_placed names the NULL url: %s", openenv_last_error());
    CHECK(openenv_open_placed(fleet, 2, 3, "{\"bogus\": 1}", placed) == INVALID && placed[0] == NULL, "open_placed options");
    /* A space or control character anywhere in a URL, a NUL too (through option JSON): refused, naming it. */
    const char *bad_urls[] = {"http://127.0.0.1:9/a b", "http://127.0.0.1:9/\r\nX-Injected: 1", "http://127.0.0.1:9\t/x", "http://127.0.0.1:9/\x7f"};
    for (int index = 0; index < 4; index++) {
        env = forged;
        CHECK(openenv_connect(bad_urls[index], NULL, &env) == INVALID && env == NULL && strstr(openenv_last_error(), "a URL has none") != NULL,
              "a URL with a space or control character is refused: %s", openenv_last_error());
    }
    env = forged;
    CHECK(openenv_from_env("owner/space", "{\"base_url\": \"http://127.0.0.1\\u0000.hf.space\"}", &env) == INVALID && env == NULL
              && strstr(openenv_last_error(), "control character (U+0000)") != NULL,
          "a NUL in a base_url given as option JSON is refused: %s", openenv_last_error());
    env = NULL;
    const char *mistyped[] = {url, "htp://127.0.0.1:9"}, *garbage[] = {"not a url", url}, *hosty[] = {url, "http://exa$mple:80"};
    const char *const *refused_fleets[] = {mistyped, garbage, hosty};
    const char *refused_why[] = {"unsupported scheme 'htp'", "a space", "which no host name or address has"};
    for (int index = 0; index < 3; index++) {
        placed[0] = placed[1] = placed[2] = forged;
        CHECK(openenv_open_placed(refused_fleets[index], 2, 3, NULL, placed) == INVALID && placed[0] == NULL && placed[2] == NULL
                  && strstr(openenv_last_error(), refused_why[index]) != NULL,
              "open_placed refuses a bad URL among good ones, never skips it: %s", openenv_last_error());
    }
    CHECK(openenv_open_placed(fleet, 2, 3, "{\"connect_timeout\": 5}", placed) == OPENENV_OK, "open_placed: %s", openenv_last_error());
    for (int index = 0; index < 3; index++) {
        CHECK(openenv_base_url(placed[index], &out) == OPENENV_OK && strcmp(out, url) == 0, "placed %d on the server that answers", index);
        openenv_string_free(out);
        openenv_close(placed[index]);
    }

    /* Releasing a queue wakes every collector blocked on it, with OPENENV_CLOSED. */
    openenv_queue *doomed = NULL;
    CHECK(openenv_queue_new(&doomed) == OPENENV_OK, "queue_new");
    struct collector collectors[3];
    pthread_t collector_threads[3];
    for (int index = 0; index < 3; index++) {
        collectors[index] = (struct collector){doomed, -1, 99};
        pthread_create(&collector_threads[index], NULL, collect_forever, &collectors[index]);
    }
    usleep(300000);
    CHECK(openenv_queue_free(doomed) == OPENENV_OK, "queue_free under waiting collectors");
    for (int index = 0; index < 3; index++) {
        pthread_join(collector_threads[index], NULL);
        CHECK(collectors[index].status == OPENENV_CLOSED && collectors[index].count == 0,
              "collector %d woke with OPENENV_CLOSED: %d, %zu", index, collectors[index].status, collectors[index].count);
    }
    CHECK(openenv_collect(doomed, &completion, 1, -1, &count) == OPENENV_CLOSED, "a released queue is closed");

    CHECK(openenv_queue_free(queue) == OPENENV_OK, "queue_free");
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures == 0 ? 0 : 1;
}
