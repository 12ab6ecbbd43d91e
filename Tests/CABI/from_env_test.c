/*
 * A C client that lets libopenenv.so start an environment's server: openenv_from_env on the
 * environment argv[2] found on the search path argv[1], an episode, then the error paths of
 * starting servers. Exits 0 when every check holds.
 */
#include <openenv.h>

#include "check.h"

#include <stdio.h>
#include <string.h>


int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SEARCH_PATH ENV_NAME\n", argv[0]);
        return 2;
    }
    char options[4096];
    snprintf(options, sizeof options, "{\"search_paths\": [\"%s\"], \"wait_timeout\": 60}", argv[1]);

    openenv_env *env = NULL;
    CHECK(openenv_from_env(argv[2], options, &env) == OPENENV_OK, "from_env: %s", openenv_last_error());
    char *json = NULL;
    CHECK(openenv_base_url(env, &json) == OPENENV_OK && strncmp(json, "http://127.0.0.1:", 17) == 0, "base_url");
    if (json) printf("server: %s\n", json);
    openenv_string_free(json);
    json = NULL;
    CHECK(openenv_reset(env, NULL, &json) == OPENENV_OK, "reset: %s", openenv_last_error());
    openenv_string_free(json);
    json = NULL;
    CHECK(openenv_step(env, "{\"message\": \"from C\"}", &json) == OPENENV_OK && strstr(json, "\"echoed_message\":\"from C\""),
          "step: %s", json ? json : openenv_last_error());
    openenv_string_free(json);

    /* The server's health, asked of the server this process runs. */
    json = NULL;
    CHECK(openenv_server_health(argv[2], options, &json) == OPENENV_OK && strstr(json, "\"healthy\""),
          "server_health: %s", json ? json : openenv_last_error());
    openenv_string_free(json);

    /* Actions checked against the server's schema before they are sent. */
    char *schema = NULL;
    CHECK(openenv_server_schema(argv[2], options, &schema) == OPENENV_OK && strstr(schema, "\"ParrotAction\""),
          "server_schema: %s", schema ? schema : openenv_last_error());
    if (schema) {
        json = NULL;
        CHECK(openenv_action_fields(schema, &json) == OPENENV_OK && strstr(json, "{\"name\":\"message\",\"required\":true"),
              "action_fields: %s", json ? json : openenv_last_error());
        openenv_string_free(json);
        json = NULL;
        CHECK(openenv_validate_action(schema, "{\"message\": \"hi\"}", &json) == OPENENV_OK && strcmp(json, "{\"message\":\"hi\"}") == 0,
              "validate a good action: %s", json ? json : openenv_last_error());
        openenv_string_free(json);
        json = NULL;
        CHECK(openenv_validate_action(schema, "{\"message\": 5, \"extra\": 1}", &json) == OPENENV_INVALID_ACTION && json == NULL,
              "validate a bad action");
        CHECK(strstr(openenv_last_error(), "field 'message': expected string, got 5") && strstr(openenv_last_error(), "unknown field 'extra'"),
              "bad action message: %s", openenv_last_error());
        CHECK(openenv_last_error_details(&json) == OPENENV_OK && strstr(json, "\"problems\":["), "bad action details: %s", json);
        openenv_string_free(json);
        json = NULL;
        CHECK(openenv_validate_action(schema, "[1]", &json) == OPENENV_INVALID_ARGUMENT, "an action that is not an object");
        CHECK(openenv_validate_action(schema, "{nope", &json) == OPENENV_INVALID_ARGUMENT, "malformed action JSON");
        CHECK(openenv_validate_action(NULL, "{}", &json) == OPENENV_INVALID_ARGUMENT, "NULL schema");
        CHECK(openenv_validate_action("{\"type\": \"string\"}", "{}", &json) == OPENENV_INVALID_ARGUMENT, "a schema that is not an object's");
        CHECK(openenv_action_fields(schema, NULL) == OPENENV_INVALID_ARGUMENT, "action_fields without out_json");
    }
    openenv_string_free(schema);

    CHECK(openenv_close(env) == OPENENV_OK, "close");

    openenv_env *other = NULL;
    CHECK(openenv_from_env("no_such_env", options, &other) == OPENENV_NOT_FOUND, "unknown environment");
    CHECK(openenv_from_env(argv[2], "{\"wait_timeout\": \"soon\"}", &other) == OPENENV_INVALID_ARGUMENT, "bad option");
    CHECK(strstr(openenv_last_error(), "wait_timeout") != NULL, "bad option message: %s", openenv_last_error());
    CHECK(openenv_from_hub("a/b/c", NULL, &other) == OPENENV_INVALID_ARGUMENT, "bad repo id");
    CHECK(openenv_from_hub(NULL, NULL, &other) == OPENENV_INVALID_ARGUMENT, "NULL repo id");
    /* A container engine that is not installed, named explicitly so the check holds whether or not
       this machine has docker or podman. */
    snprintf(options, sizeof options, "{\"search_paths\": [\"%s\"], \"docker_image\": \"parrot-env:latest\", \"container_engine\": \"/nonexistent/docker\", \"wait_timeout\": 5}", argv[1]);
    CHECK(openenv_from_env(argv[2], options, &other) == OPENENV_RUNTIME, "docker without an engine");
    CHECK(strstr(openenv_last_error(), "/nonexistent/docker") != NULL && strstr(openenv_last_error(), "not installed") != NULL,
          "docker message: %s", openenv_last_error());
    CHECK(other == NULL, "no handle after a failure");

    /* Launch plans: decided without starting anything. */
    const char *plans[][3] = {
        {argv[2], "", "{\"local_process\":\"parrot\"}"},
        {argv[2], ", \"runtime\": \"docker\"", "{\"image\":\"parrot-env:latest\"}"},
        {argv[2], ", \"docker_image\": \"mine:1\"", "{\"image\":\"mine:1\"}"},
        {"owner/space", ", \"base_url\": \"http://127.0.0.1:9\"", "{\"base_url\":\"http://127.0.0.1:9\"}"},
        {"owner/space", ", \"docker_image\": \"mine:2\"", "{\"image\":\"mine:2\"}"},
    };
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        snprintf(options, sizeof options, "{\"search_paths\": [\"%s\"]%s}", argv[1], plans[i][1]);
        json = NULL;
        CHECK(openenv_launch_plan(plans[i][0], options, &json) == OPENENV_OK && strcmp(json, plans[i][2]) == 0,
              "plan %zu: %s", i, json ? json : openenv_last_error());
        openenv_string_free(json);
    }
    CHECK(openenv_launch_plan(argv[2], NULL, NULL) == OPENENV_INVALID_ARGUMENT, "plan without out_json");
    CHECK(openenv_launch_plan(NULL, NULL, &json) == OPENENV_INVALID_ARGUMENT, "plan without a name");
    CHECK(openenv_launch_plan("no_such_env", NULL, &json) == OPENENV_NOT_FOUND, "plan of an unknown name");

    fprintf(stderr, "%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
