/*
 * A C client of libopenenv.so: discovers environments on the search path given as argv[1]
 * and expects to find the environment argv[2]. Exercises every discovery call, their error
 * paths, and per-thread error messages. Exits 0 when every check holds.
 */
#include <openenv.h>

#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static char options[4096];

/* Each thread looks up a missing name and must read its own error message back. */
static void *lookup_thread(void *argument) {
    const char *name = argument;
    for (int round = 0; round < 50; round++) {
        char *out = (char *)1;
        int status = openenv_env_info(name, options, &out);
        if (status != OPENENV_NOT_FOUND || out != NULL || strstr(openenv_last_error(), name) == NULL) {
            return (void *)1;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SEARCH_PATH ENV_NAME\n", argv[0]);
        return 2;
    }
    snprintf(options, sizeof options, "{\"search_paths\": [\"%s\"]}", argv[1]);

    char *version = NULL;
    CHECK(openenv_version(&version) == OPENENV_OK && version && strchr(version, '.'), "version");
    printf("libopenenv %s\n", version);
    openenv_string_free(version);

    char *json = NULL;
    CHECK(openenv_discover(options, &json) == OPENENV_OK, "discover: %s", openenv_last_error());
    CHECK(json && strstr(json, "\"environments\":["), "discover json: %s", json ? json : "(null)");
    openenv_string_free(json);

    json = NULL;
    CHECK(openenv_env_info(argv[2], options, &json) == OPENENV_OK, "env_info: %s", openenv_last_error());
    CHECK(json && strstr(json, "\"env_class\":"), "env_info json");
    if (json) printf("%s\n", json);
    openenv_string_free(json);

    json = NULL;
    CHECK(openenv_env_details(argv[2], options, &json) == OPENENV_OK && strstr(json, "\"import_name\":\"parrot_env\"")
              && strstr(json, "\"search_path\":"), "env_details: %s", json ? json : openenv_last_error());
    openenv_string_free(json);
    json = NULL;
    CHECK(openenv_env_details("no-such-env", options, &json) == OPENENV_NOT_FOUND && json == NULL, "env_details of an unknown name");

    json = NULL;
    CHECK(openenv_action_info(argv[2], options, &json) == OPENENV_OK, "action_info: %s", openenv_last_error());
    CHECK(json && strstr(json, "\"action_class\":"), "action_info json");
    openenv_string_free(json);

    json = NULL;
    CHECK(openenv_list_text("environments", options, &json) == OPENENV_OK, "list_text");
    CHECK(json && strstr(json, "Available OpenEnv Environments:"), "list_text text");
    openenv_string_free(json);

    /* Error paths: each gets a status and a message, never a crash. */
    json = (char *)1;
    CHECK(openenv_env_info("no_such_env", options, &json) == OPENENV_NOT_FOUND, "not found status");
    CHECK(json == NULL, "out is NULL after a failure");
    CHECK(strstr(openenv_last_error(), "Unknown environment 'no_such_env'") != NULL, "not found message: %s", openenv_last_error());
    CHECK(openenv_env_info(NULL, options, &json) == OPENENV_INVALID_ARGUMENT, "NULL name");
    CHECK(strstr(openenv_last_error(), "name is NULL") != NULL, "NULL name message: %s", openenv_last_error());
    CHECK(openenv_env_info(argv[2], options, NULL) == OPENENV_INVALID_ARGUMENT, "NULL out");
    CHECK(openenv_env_info("\xff\xfe", options, &json) == OPENENV_INVALID_ARGUMENT, "invalid UTF-8");
    CHECK(strstr(openenv_last_error(), "UTF-8") != NULL, "invalid UTF-8 message: %s", openenv_last_error());
    CHECK(openenv_discover("{not json", &json) == OPENENV_INVALID_ARGUMENT, "malformed options");
    CHECK(strstr(openenv_last_error(), "not valid JSON") != NULL, "malformed options message: %s", openenv_last_error());
    CHECK(openenv_discover("{\"serch_paths\": []}", &json) == OPENENV_INVALID_ARGUMENT, "unknown option");
    CHECK(strstr(openenv_last_error(), "unknown option 'serch_paths'") != NULL, "unknown option message");
    CHECK(openenv_discover("{\"search_paths\": \"/x\"}", &json) == OPENENV_INVALID_ARGUMENT, "wrong option type");
    CHECK(openenv_discover("[]", &json) == OPENENV_INVALID_ARGUMENT, "options not an object");
    CHECK(openenv_list_text("bogus", options, &json) == OPENENV_INVALID_ARGUMENT, "unknown listing");
    CHECK(openenv_env_info("", options, &json) == OPENENV_INVALID_ARGUMENT, "empty name");
    openenv_string_free(NULL);

    /* Per-thread error messages. */
    pthread_t threads[4];
    const char *names[4] = {"missing_one", "missing_two", "missing_three", "missing_four"};
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, lookup_thread, (void *)names[i]);
    for (int i = 0; i < 4; i++) {
        void *result = NULL;
        pthread_join(threads[i], &result);
        CHECK(result == NULL, "thread %d saw another thread's error", i);
    }

    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
