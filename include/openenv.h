/*
 * openenv.h - the C interface of openenv-swift (libopenenv.so).
 *
 * Finds OpenEnv reinforcement-learning environments installed as Python packages and
 * describes them. Link with -lopenenv (and -Wl,-rpath,<dir of libopenenv.so>).
 *
 * Conventions (every function follows them):
 *  - Every call returns an int status: OPENENV_OK (0) on success, another OPENENV_* code on
 *    failure. Results come back through out parameters, which are set to NULL on failure.
 *  - After a failure, openenv_last_error() returns a message that says what was wrong and what
 *    to do. The message is per thread: a failure on one thread never overwrites another's.
 *  - Strings returned through out parameters are owned by the caller and must be released with
 *    openenv_string_free(). Structured results are UTF-8 JSON text.
 *  - String arguments are UTF-8 and NUL-terminated. NULL or invalid UTF-8 gets
 *    OPENENV_INVALID_ARGUMENT, never a crash. An options_json argument may be NULL or "" for
 *    the defaults.
 *
 * Threading: every function may be called from any thread, concurrently.
 */
#ifndef OPENENV_H
#define OPENENV_H

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
#define OPENENV_OK 0               /* success */
#define OPENENV_ERROR 1            /* an unexpected internal failure; the message says more */
#define OPENENV_INVALID_ARGUMENT 2 /* NULL, invalid UTF-8, malformed JSON, an unknown option */
#define OPENENV_NOT_FOUND 3        /* no installed environment answers to the name */

/*
 * The library version, "major.minor.patch", through *out_version (free with
 * openenv_string_free).
 */
int openenv_version(char **out_version);

/*
 * The message of the last failed call on the calling thread, or "" if none failed. The
 * pointer belongs to the library and stays valid until the next failing call on this thread;
 * never NULL, never to be freed.
 */
const char *openenv_last_error(void);

/* Releases a string returned by this library. NULL is ignored. */
void openenv_string_free(char *string);

/*
 * Discovery options, a JSON object (every key optional):
 *   "search_paths": ["/venv/lib/python3.11/site-packages", ...]
 *       the folders to scan, in priority order; default: $OPENENV_PATH, $PYTHONPATH, then the
 *       sys.path of the python3 on PATH.
 *   "use_cache": true     reuse earlier results while nothing they depend on has changed.
 *   "cache_dir": "/path"  where the on-disk cache lives; default $OPENENV_SWIFT_CACHE_DIR,
 *                         else $XDG_CACHE_HOME/openenv-swift, else ~/.cache/openenv-swift.
 * Unknown keys are refused with OPENENV_INVALID_ARGUMENT.
 */

/*
 * Every installed environment: {"environments": [ENV, ...], "warnings": [{"path", "message"}]}
 * where ENV carries env_key, name, package, version, description, env_class, action_class,
 * observation_class, module, default_image, spec_version, state_class, models_module,
 * import_name, app, port, manifest, manifest_path, package_path, dist_info_path, search_path,
 * editable. Broken packages are skipped and named in "warnings"; they never fail the call.
 */
int openenv_discover(const char *options_json, char **out_json);

/*
 * One environment by any spelling of its name ("parrot", "parrot-env", "Parrot_Env", or its
 * distribution name), with the keys of the reference's AutoEnv.get_env_info: env_key, name,
 * package, version, description, env_class, action_class, observation_class, module,
 * default_image, spec_version. OPENENV_NOT_FOUND when none matches; the message lists the
 * installed environments and close matches.
 */
int openenv_env_info(const char *name, const char *options_json, char **out_json);

/*
 * The action class of an environment: {"env_key", "env_name", "package", "action_class",
 * "observation_class", "module"}. Errors as openenv_env_info.
 */
int openenv_action_info(const char *name, const char *options_json, char **out_json);

/*
 * A human-readable listing, as the reference's AutoEnv.list_environments() and
 * AutoAction.list_actions() print it: kind is "environments" or "actions".
 */
int openenv_list_text(const char *kind, const char *options_json, char **out_text);

#ifdef __cplusplus
}
#endif

#endif /* OPENENV_H */
