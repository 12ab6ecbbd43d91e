/*
 * A C client of libopenenv.so running a whole episode against the server at argv[1]:
 * reset, argv[3] steps of the action {"message": argv[2]}, state. Prints each result as one
 * JSON line, then checks the session error paths. Exits 0 when every check holds.
 */
#include <openenv.h>
#include <stdint.h>

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Prints a result string and frees it. */
static void emit(char *json) {
    printf("%s\n", json);
    openenv_string_free(json);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s BASE_URL MESSAGE STEPS\n", argv[0]);
        return 2;
    }
    openenv_env *env = NULL;
    int status = openenv_connect(argv[1], "{\"message_timeout\": 30}", &env);
    if (status != OPENENV_OK) {
        fprintf(stderr, "connect failed (%d): %s\n", status, openenv_last_error());
        return 1;
    }
    char *json = NULL;
    CHECK(openenv_reset(env, NULL, &json) == OPENENV_OK, "reset: %s", openenv_last_error());
    if (json) emit(json);

    char action[512];
    snprintf(action, sizeof action, "{\"message\": \"%s\"}", argv[2]);
    for (int step = 0; step < atoi(argv[3]); step++) {
        json = NULL;
        CHECK(openenv_step(env, action, &json) == OPENENV_OK, "step: %s", openenv_last_error());
        if (json) emit(json);
    }
    json = NULL;
    CHECK(openenv_state(env, &json) == OPENENV_OK, "state: %s", openenv_last_error());
    if (json) emit(json);

    json = NULL;
    CHECK(openenv_schema(env, &json) == OPENENV_OK && strstr(json, "\"action\""), "schema");
    openenv_string_free(json);
    json = NULL;
    CHECK(openenv_metadata(env, &json) == OPENENV_OK && strstr(json, "\"name\""), "metadata");
    openenv_string_free(json);

    /* A wrong field type: a server error with details, and the session stays usable. */
    json = (char *)1;
    CHECK(openenv_step(env, "{\"message\": 5}", &json) == OPENENV_SERVER_ERROR, "validation status");
    CHECK(json == NULL, "out is NULL after a failure");
    char *details = NULL;
    CHECK(openenv_last_error_details(&details) == OPENENV_OK && strstr(details, "\"code\":\"VALIDATION_ERROR\"") &&
              strstr(details, "\"errors\":["), "validation details: %s", details ? details : "(null)");
    openenv_string_free(details);

    /* Bad arguments. */
    CHECK(openenv_step(env, NULL, &json) == OPENENV_INVALID_ARGUMENT, "NULL action");
    CHECK(openenv_step(env, "[1, 2]", &json) == OPENENV_INVALID_ARGUMENT, "array action");
    CHECK(strstr(openenv_last_error(), "must be a JSON object") != NULL, "array action message: %s", openenv_last_error());
    CHECK(openenv_step(env, "{\"message\": ", &json) == OPENENV_INVALID_ARGUMENT, "malformed action");
    CHECK(openenv_step(env, action, NULL) == OPENENV_INVALID_ARGUMENT, "NULL out");
    CHECK(openenv_step(NULL, action, &json) == OPENENV_INVALID_ARGUMENT, "NULL env");
    openenv_env *other = (openenv_env *)1;
    CHECK(openenv_connect("ftp://x", NULL, &other) == OPENENV_INVALID_ARGUMENT, "bad scheme");
    CHECK(other == NULL, "a failed connect sets the handle to NULL");
    CHECK(openenv_connect(argv[1], "{\"timeout\": 1}", &other) == OPENENV_INVALID_ARGUMENT, "unknown option");
    CHECK(strstr(openenv_last_error(), "unknown option 'timeout'") != NULL, "unknown option message");

    /* The session still works after all that. */
    json = NULL;
    CHECK(openenv_step(env, action, &json) == OPENENV_OK, "step after errors: %s", openenv_last_error());
    openenv_string_free(json);

    /* Closing: idempotent, NULL accepted, a closed or forged handle is refused, never a crash. */
    CHECK(openenv_close(env) == OPENENV_OK, "close");
    CHECK(openenv_close(env) == OPENENV_OK, "second close");
    CHECK(openenv_close(NULL) == OPENENV_OK, "close NULL");
    CHECK(openenv_step(env, action, &json) == OPENENV_CLOSED, "step on a closed handle");
    CHECK(openenv_state((openenv_env *)0x7777, &json) == OPENENV_INVALID_ARGUMENT, "forged handle");
    CHECK(openenv_close((openenv_env *)0x7777) == OPENENV_INVALID_ARGUMENT, "closing a forged handle");
    for (uintptr_t small = 1; small < 4096; small++)
        CHECK(openenv_state((openenv_env *)small, &json) == OPENENV_INVALID_ARGUMENT, "small integer %lu as a handle", (unsigned long)small);

    fprintf(stderr, "%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
