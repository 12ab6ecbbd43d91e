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
 * Misuse: NULL for any pointer argument, a handle this library never made (it carries a
 * check), a closed handle, and every number an option can hold all get a status, never a
 * crash. Undefined, as for any C library: a non-NULL pointer to memory that is not what the
 * argument says (a string without its NUL, an array shorter than the count given, memory
 * already freed), freeing a string twice or with anything but openenv_string_free, and
 * reading a returned string after freeing it.
 *
 * Threading: every function may be called from any thread, concurrently. One session handle
 * may be used from several threads: its calls are serialized (a second caller waits), never
 * interleaved on the wire. openenv_close may be called while another thread is inside a call
 * on the same handle; that call then fails with OPENENV_CLOSED. Blocking calls each have a
 * timeout (see the session options).
 *
 * Stack: JSON is read, checked and written recursively, one frame per nesting level (at most
 * 128 levels), so every call needs 48 KiB of stack left when it is made: call from threads with
 * a stack of at least 64 KiB. A call made with less fails with OPENENV_INVALID_ARGUMENT, does
 * nothing, and its message says how much was left (a thread of 32 KiB, say, gets that, never
 * a crash). Threads made with the system's defaults (8 MiB on Linux) are far above it.
 */
#ifndef OPENENV_H
#define OPENENV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
#define OPENENV_OK 0               /* success */
#define OPENENV_ERROR 1            /* an unexpected internal failure; the message says more */
#define OPENENV_INVALID_ARGUMENT 2 /* NULL, invalid UTF-8, malformed JSON, an unknown option */
#define OPENENV_NOT_FOUND 3        /* no installed environment answers to the name */
#define OPENENV_TIMEOUT 4          /* the server did not answer in time; the session is closed */
#define OPENENV_CONNECTION 5       /* cannot connect, or the server dropped the connection */
#define OPENENV_CLOSED 6           /* the session is closed (or the handle is not open) */
#define OPENENV_SERVER_ERROR 7     /* the server answered with an error; see openenv_last_error_details */
#define OPENENV_PROTOCOL 8         /* the server answered something the protocol does not allow */
#define OPENENV_TOO_LARGE 9        /* a message exceeded max_message_bytes; the session is closed */
#define OPENENV_RUNTIME 10         /* the server could not be started (no Docker engine, a crash...) */
#define OPENENV_CONSENT_REQUIRED 11 /* installing a Space's code needs consent (trust_remote_code) */
#define OPENENV_INSTALL_FAILED 12  /* the package installer failed; its output went to stderr */
#define OPENENV_INVALID_ACTION 13  /* an action does not fit its schema; details list the problems */

/* An open session with one environment instance on a server. Opaque. */
typedef struct openenv_env openenv_env;

/* A completion queue: where submitted requests report when they finish. Opaque. */
typedef struct openenv_queue openenv_queue;

/* What a submitted request asks (openenv_submit, openenv_run_batch). */
#define OPENENV_OP_RESET 1   /* json: reset arguments, as openenv_reset */
#define OPENENV_OP_STEP 2    /* json: the action, as openenv_step */
#define OPENENV_OP_STATE 3   /* json: ignored (NULL) */
#define OPENENV_OP_MESSAGE 4 /* json: a whole message, as openenv_send */
#define OPENENV_OP_TEXT 5    /* json: any text, sent as it is, as openenv_exchange */

/* How a session is opened without blocking (openenv_submit_open). */
#define OPENENV_OPEN_CONNECT 1  /* target: a base URL, as openenv_connect */
#define OPENENV_OPEN_FROM_ENV 2 /* target: an environment name, as openenv_from_env */
#define OPENENV_OPEN_FROM_HUB 3 /* target: a Space repo id, as openenv_from_hub */

/*
 * One finished request, as openenv_collect and openenv_run_batch hand it out. The caller owns
 * `json`, `error` (free each with openenv_string_free; either may be NULL) and `env` (close
 * it with openenv_close).
 */
typedef struct openenv_completion {
    uint64_t tag;     /* the caller's number given with the request */
    int status;       /* OPENENV_OK, or the status the blocking call would have returned */
    char *json;       /* OK: the result JSON, as the blocking call gives it; failure: the
                         error details, as openenv_last_error_details gives them */
    char *error;      /* failure: the message, as openenv_last_error gives it; OK: NULL */
    openenv_env *env; /* an OK open (openenv_submit_open): the new session; else NULL */
} openenv_completion;

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

/*
 * Details of the last failure on the calling thread as JSON, through *out_json (free with
 * openenv_string_free): for OPENENV_SERVER_ERROR the server's error data, e.g.
 * {"code": "VALIDATION_ERROR", "message": "...", "errors": [...]} or
 * {"code": "CAPACITY_REACHED", "message": "...", "active_sessions": 1, "max_sessions": 1};
 * otherwise null.
 */
int openenv_last_error_details(char **out_json);

/* Releases a string returned by this library. NULL is ignored. */
void openenv_string_free(char *string);

/*
 * Discovery options, a JSON object (every key optional):
 *   "search_paths": ["/venv/lib/python3.11/site-packages", ...]
 *       the folders to scan, in priority order; default: $OPENENV_PATH, $PYTHONPATH, then the
 *       sys.path of the python3 on PATH.
 *   "use_cache": true     reuse earlier results while nothing they depend on has changed.
 *   "cache_dir": "/path"  where the on-disk cache lives; default $OPENENV_SWIFT_CACHE_DIR,
 *                         else $XDG_CACHE_HOME/openenv-swift, else ~/.cache/openenv-swift, else
 *                         $TMPDIR/openenv-swift-<uid>. Used only when the folder is the caller's
 *                         own (not a link, owned by the caller, no group or other write); else
 *                         discovery runs without it and warns.
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

/* One environment by any spelling of its name, with every field (ENV as for openenv_discover). */
int openenv_env_details(const char *name, const char *options_json, char **out_json);

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

/*
 * Sessions. Results are JSON: reset and step give
 *   {"observation": {...fields...}, "reward": null | bool | int | float, "done": bool}
 * state gives the server's state object, e.g. {"episode_id": "...", "step_count": 2}.
 *
 * Session options, a JSON object (every key optional, unknown keys refused):
 *   "connect_timeout": 10            seconds to connect (also each schema/metadata request)
 *   "message_timeout": 60            seconds to wait for each answer
 *   "max_message_bytes": 104857600   largest answer accepted
 *   "ca_file": "/path/ca.pem"        authorities to trust for https:// servers instead of the
 *                                    system's (a private or self-signed certificate)
 *   "bearer_token": "..."            sent as "Authorization: Bearer ..." to this server. Without
 *                                    it, the Hugging Face token (HF_TOKEN, HUGGING_FACE_HUB_TOKEN
 *                                    or the huggingface-cli login file) goes to https://NAME.hf.space
 *                                    servers (over TLS) and to no other, not even a base_url given
 *                                    with a Hub name: give such a server its token here.
 *   "headers": {"Name": "value"}     extra headers of the WebSocket upgrade; an "Authorization"
 *                                    here replaces the token's, there and in schema and metadata
 *                                    requests (which carry no other of these headers). Names the
 *                                    handshake sets itself (Host, Upgrade, Connection,
 *                                    Sec-WebSocket-*, Content-Length) are refused.
 *   "ping_interval": 20              seconds between keep-alive pings while the session is idle;
 *                                    0 (or false) sends none. Pings go out from the engine's I/O
 *                                    loop, as websockets' and the reference client's (20 s).
 *   "ping_timeout": 20               seconds a ping waits for its pong; 0 (or false): no limit.
 *                                    None in time: the session is lost (see below).
 * A base URL's query ("http://host:8000?session_id=abc") is sent with the WebSocket upgrade only.
 * https:// and wss:// servers are reached over TLS; their certificate and name are verified.
 *
 * Idle sessions stay alive on their own. From the moment it opens until it closes, a session's
 * socket is watched by the engine's I/O thread (or, for the sessions of an event-loop queue,
 * by the thread that collects it, and by the I/O thread whenever that one runs no pass for
 * 0.1 s), whatever the caller does meanwhile: the server's pings are answered as they come
 * (within 0.1 s of the end of a blocking call), and the engine pings per "ping_interval". A
 * server that closes the session, hangs up, stops answering the pings, or sends a message no
 * request asked for, while the session is idle, is noticed then: openenv_is_open turns 0, and
 * the next call fails at once with the cause: OPENENV_CONNECTION ("the connection was lost
 * while the session was idle: ...", with the server's close code and reason, or "no pong came
 * within N s"), OPENENV_SERVER_ERROR for a closing server error sent on its own
 * (CAPACITY_REACHED...), OPENENV_PROTOCOL for any other message; later calls fail with
 * OPENENV_CLOSED. A session is never reopened behind the caller's back.
 */

/*
 * Opens a session with the OpenEnv server at base_url ("http://127.0.0.1:8000", optionally
 * with a path prefix) over its WebSocket <base_url>/ws. *out_env receives the handle, which
 * the caller releases with openenv_close. A URL holding a space or a control character
 * anywhere, or a host that is no host name or IP address, is OPENENV_INVALID_ARGUMENT (so is
 * any such URL given to any call, or as "base_url" in options).
 */
int openenv_connect(const char *base_url, const char *options_json, openenv_env **out_env);

/*
 * Opens `count` sessions spread over the servers urls[0..url_count), round-robin, each server
 * taking no more than it has room for (options_json as for openenv_connect, for every session).
 * A server tells its room only by refusing a session's first message, so each new session asks
 * for its state once: a session a server refuses (CAPACITY_REACHED) moves to a server with room,
 * as does one whose server cannot be reached, to the server holding the fewest of this call's
 * sessions (so sessions reopened after a lost server spread over the others as the first ones
 * did). out_envs[0..count) receives the sessions (close
 * each with openenv_close). When the servers together cannot hold `count`: OPENENV_SERVER_ERROR,
 * code CAPACITY_REACHED, whose details name what each server holds ("servers": {url: most
 * sessions, "unreachable" or "room"}); when no server can be reached at all, that connection
 * error. Either way no session is left open and out_envs is all NULL. Every URL is checked
 * first: one that is not a server base URL is OPENENV_INVALID_ARGUMENT, never passed over.
 */
int openenv_open_placed(const char *const *urls, size_t url_count, size_t count, const char *options_json, openenv_env **out_envs);

/*
 * openenv_open_placed, the sessions belonging to `queue`: when it is an event-loop queue
 * (openenv_queue_new_inline), their bytes are moved by the thread that submits to and collects
 * it, as for the sessions openenv_submit_open opens through it (a vector environment stepped
 * by its caller's thread, with no hand-off to the engine's I/O thread). For any other queue, as
 * openenv_open_placed.
 */
int openenv_queue_open_placed(openenv_queue *queue, const char *const *urls, size_t url_count, size_t count, const char *options_json,
                              openenv_env **out_envs);

/*
 * Opens a session with the installed environment `name` (any spelling), starting its server:
 * by default as a child process (python -m uvicorn <package>.server.app:app on 127.0.0.1 and
 * a free port, with the interpreter that owns the package); with "docker_image" or
 * "runtime": "docker", in a Docker container. openenv_close stops the server. A name with
 * '/' is a Hugging Face Space, as for openenv_from_hub. Options, besides the discovery and
 * session options above (every key optional, unknown keys refused):
 *   "base_url": "http://..."   connect to this running server instead of starting one
 *   "docker_image": "img:tag"  run this image (docker run -d -p 127.0.0.1:PORT:8000 ...)
 *   "runtime": "process"       or "docker" (with the environment's default image)
 *   "container_engine": "podman"  the container command (a name on PATH or a path); default:
 *                              OPENENV_CONTAINER_ENGINE, else docker if it answers, else podman
 *   "wait_timeout": 30         seconds for the server to answer /health
 *   "env_vars": {"K": "V"}     environment variables for the server
 *   "python": "/venv/bin/python"  the interpreter to serve with
 * A local server is shared by this process's sessions of the same environment (same
 * interpreter and env_vars) while it accepts more sessions, and stops when the last of them
 * closes. It dies with this process, however the process ends (Linux PR_SET_PDEATHSIG; it is
 * spawned from a thread of the library's own that lives as long as the process).
 * A container is labelled org.openenv-swift.owner=<host>/<boot id>/<pid>/<start time>, removed
 * by openenv_close, and also when this process ends however it ends (SIGKILL too): a watcher
 * process (/bin/sh) sees this process's end of a socket pair close and removes it; and once
 * its first container has started, a watcher sweeps away the containers of owners on this host
 * that are gone. A
 * container that stops before its server answers fails the start at once (OPENENV_RUNTIME,
 * with its exit code and last log lines), not at wait_timeout.
 */
int openenv_from_env(const char *name, const char *options_json, openenv_env **out_env);

/*
 * Opens a session with the Hugging Face Space repo_id ("owner/space" or its huggingface.co
 * URL, validated with the Hub's naming rules): "base_url" if given; else the running Space at
 * https://owner-space.hf.space when its /health answers; else its image
 * registry.hf.space/owner-space:latest in Docker. HF_HUB_OFFLINE=1 forbids the look-up.
 */
int openenv_from_hub(const char *repo_id, const char *options_json, openenv_env **out_env);

/*
 * Where openenv_from_env would get the server of `name`, without starting anything (a Hub
 * name's Space is asked for /health): {"base_url": "..."} (a running server to connect to),
 * {"image": "..."} (a container to run, e.g. by a container provider of the caller's), or
 * {"local_process": "<env_key>"}. Options as for openenv_from_env.
 */
int openenv_launch_plan(const char *name, const char *options_json, char **out_json);

/*
 * Has the container `container_id`, started by the caller (e.g. its container provider), removed
 * when this process ends however it ends, as the containers openenv_from_env starts are (see
 * there). `engine`: the container command that runs it (a name on PATH or a path); NULL chooses
 * as openenv_from_env does. The id is handed to this process's watcher and not checked; removing
 * it earlier is the caller's business (the watcher skips a container already gone). Errors:
 * OPENENV_INVALID_ARGUMENT (an id that is empty, starts with '-' or holds white space),
 * OPENENV_RUNTIME (no engine answers, or the watcher cannot start). Thread-safe.
 */
int openenv_container_watch(const char *container_id, const char *engine);

/*
 * The installed environment behind `name` (ENV as for openenv_discover): an installed
 * environment by any spelling, or for a Hugging Face Space repo id ("owner/space"), the
 * environment matching the Space's name, its client code installed first when none does:
 * `uv pip install` (uv on PATH) or `<python> -m pip install` of
 * git+<HF_ENDPOINT or https://huggingface.co>/spaces/owner/space, with the installer's output
 * on stderr. Installing needs consent: option "trust_remote_code": true, or
 * OPENENV_TRUST_REMOTE_CODE=1, or a yes at a prompt when stdin is a terminal; otherwise
 * OPENENV_CONSENT_REQUIRED. Option "python" (required) names the interpreter to install into.
 */
int openenv_resolve(const char *name, const char *options_json, char **out_json);

/* The base URL of the session's server, through *out_url (free with openenv_string_free). */
int openenv_base_url(openenv_env *env, char **out_url);

/* Starts an episode. kwargs_json: reset arguments such as {"seed": 42}; NULL or "" for none. */
int openenv_reset(openenv_env *env, const char *kwargs_json, char **out_json);

/* Sends one action, a JSON object of the action's fields, e.g. {"message": "hi"}. */
int openenv_step(openenv_env *env, const char *action_json, char **out_json);

/* The environment's current state. */
int openenv_state(openenv_env *env, char **out_json);

/* The server's JSON Schemas: {"action": ..., "observation": ..., "state": ...}. */
int openenv_schema(openenv_env *env, char **out_json);

/* The server's metadata: {"name", "description", "version", ...}. */
int openenv_metadata(openenv_env *env, char **out_json);

/*
 * Sends a whole message as it is and returns the server's whole answer: message_json is a
 * JSON object with a string "type" (e.g. {"type": "mcp", "data": {...JSON-RPC...}}); the
 * answer is the server's message, e.g. {"type": "mcp", "data": {...}}, as the server wrote it.
 * An answer of type "error" is OPENENV_SERVER_ERROR, as for every other call. For the
 * messages an environment package's client defines beyond reset, step and state.
 */
int openenv_send(openenv_env *env, const char *message_json, char **out_json);

/*
 * Sends `text` as it is (any UTF-8 text, one WebSocket text message) and returns the server's
 * next message through *out_text as received, whatever it holds: an error message is an
 * answer here, not OPENENV_SERVER_ERROR. For clients that keep their own protocol logic and
 * use the engine as their WebSocket connection (the Python binding's seam). Failures of the
 * connection itself (time-out, dropped, closed) are statuses as for every call.
 */
int openenv_exchange(openenv_env *env, const char *text, char **out_text);

/*
 * Whether the session can still be used, through *out_open: 1 while open; 0 once closed by
 * either side, by a failure, or by a keep-alive ping that got no pong (also 0, with
 * OPENENV_OK, for a handle already released by openenv_close).
 */
int openenv_is_open(openenv_env *env, int *out_open);

/*
 * Ends the server's session as openenv_close does (waiting up to a second for the server to
 * let it go) but keeps the handle, and with it the server the engine started for it
 * (openenv_from_env), until openenv_close: the session's slot on that server is free for
 * another connection (openenv_connect to openenv_base_url), as for a client that connects
 * lazily to a server started for it. Afterwards calls on the handle fail with
 * OPENENV_CLOSED, but openenv_base_url still answers. Hanging up twice does nothing.
 */
int openenv_hang_up(openenv_env *env);

/*
 * Ends the session and releases the handle. NULL, and a handle already closed, are accepted
 * (OPENENV_OK) and do nothing: closing twice never double-frees. A pointer this library never
 * handed out is refused with OPENENV_INVALID_ARGUMENT (handles carry a check, so a stray
 * integer or corrupted pointer cannot reach another session); every other call refuses it too.
 */
int openenv_close(openenv_env *env);

/*
 * Actions from a server's JSON Schema, without the environment's package.
 * schema_json is the "action" part of a server's /schema answer (or the whole answer).
 */

/*
 * What an action class needs: {"title", "description", "allows_unknown_fields",
 * "fields": [{"name", "required", "description", "default"?}]}.
 */
int openenv_action_fields(const char *schema_json, char **out_json);

/*
 * Checks action_json against the schema before it is sent: required fields, types, enums,
 * bounds, nested objects and arrays. On success *out_json is the action with defaults filled
 * in; otherwise OPENENV_INVALID_ACTION, with every problem in the message and in
 * openenv_last_error_details() as {"title", "problems": [...]}.
 */
int openenv_validate_action(const char *schema_json, const char *action_json, char **out_json);

/*
 * The /schema of target: a base URL, a Hub name (its running Space), or an installed
 * environment (whose server is started for the question and stopped). Options as for
 * openenv_from_env.
 */
int openenv_server_schema(const char *target, const char *options_json, char **out_json);

/*
 * The /health of target, found as for openenv_server_schema: whether a server answers, asked
 * as OpenEnv's AutoEnv asks a server it is given (and nothing more).
 */
int openenv_server_health(const char *target, const char *options_json, char **out_json);

/*
 * Many sessions at once, without a thread per session.
 *
 * openenv_submit hands a request to the engine's I/O loop (one thread serving every session,
 * with epoll and non-blocking sockets; for the sessions of an event-loop queue, that queue's
 * collector: see openenv_queue_new_inline) and returns at once; when the answer comes, a
 * completion carrying the caller's tag waits in the queue given. The queue's descriptor
 * (openenv_queue_fd) is readable while completions wait (from the end of the I/O loop's pass
 * that finished them, so one wake-up brings all of that pass's), so a poll/epoll loop, libuv
 * or Python's asyncio can wait on it; openenv_collect takes them.
 *
 * Order and safety: on one session, requests go on the wire one at a time, in the order
 * submitted, so an answer is never handed to another request. A blocking call on a session
 * waits until its submitted requests are done, and the other way round. A submitted request
 * times out after the session's message_timeout, which ends the session as a blocking call's
 * time-out does. Closing a session fails its unfinished requests with OPENENV_CLOSED (their
 * completions still arrive). Every function here may be called from any thread.
 *
 * Server errors and the session: after OPENENV_SERVER_ERROR with code CAPACITY_REACHED,
 * FACTORY_ERROR or SESSION_ERROR the server has closed the session (later calls get
 * OPENENV_CLOSED); after any other code (VALIDATION_ERROR, EXECUTION_ERROR, INVALID_JSON,
 * UNKNOWN_TYPE) the session stays usable. OPENENV_TIMEOUT, OPENENV_CONNECTION,
 * OPENENV_PROTOCOL and OPENENV_TOO_LARGE always end the session.
 */

/* A new queue through *out_queue; release it with openenv_queue_free. */
int openenv_queue_new(openenv_queue **out_queue);

/*
 * A new event-loop queue through *out_queue: the sessions opened through it
 * (openenv_submit_open) have their bytes moved by the thread that collects it, not by the
 * engine's I/O thread, so an answer wakes one thread instead of two. Made for a single-threaded
 * event loop (asyncio, libuv) that watches openenv_queue_fd, which is then readable also while
 * those sessions have work to do, and calls openenv_collect when it is (and openenv_queue_run
 * after submitting). Everything else is as for openenv_queue_new: those sessions may still be
 * used from any thread (a blocking call or a batch on them moves their bytes while it waits),
 * and once the queue is released the I/O thread moves them. Keep-alive pings and time-outs of
 * those sessions happen when the queue is collected, as an event loop's own connections'; while
 * it goes uncollected with work waiting (an event loop blocked by its program), the I/O thread
 * does that work after 0.1 s, so the sessions stay alive (see "Idle sessions" above).
 */
int openenv_queue_new_inline(openenv_queue **out_queue);

/*
 * Puts every request submitted with OPENENV_SUBMIT_DEFERRED on its way, as
 * openenv_submit_flush does; those on the sessions of `queue`, an event-loop queue
 * (openenv_queue_new_inline), it writes at once on the calling thread, reading what has
 * arrived too, without waiting (completions are then collected with openenv_collect).
 */
int openenv_queue_run(openenv_queue *queue);

/*
 * The queue's descriptor through *out_fd: readable while completions wait (for an event-loop
 * queue, also while its sessions have bytes to move: collect then). It belongs to the queue:
 * never read, write or close it.
 */
int openenv_queue_fd(openenv_queue *queue, int *out_fd);

/*
 * Takes up to `capacity` finished completions into out[0..*out_count), oldest first. With
 * timeout_s > 0 it waits up to that many seconds for the first one when none waits; 0 never
 * waits; a negative timeout waits without limit. *out_count is 0 when none came in time.
 * When another thread releases the queue (openenv_queue_free) during the call, the call
 * returns at once with OPENENV_CLOSED and *out_count 0.
 */
int openenv_collect(openenv_queue *queue, openenv_completion *out, size_t capacity, double timeout_s, size_t *out_count);

/*
 * Releases a queue. Completions waiting in it are dropped (nothing leaks) and requests
 * still unfinished on it complete into nothing. Threads waiting in openenv_collect on it wake
 * at once with OPENENV_CLOSED; the queue's memory and descriptor stay valid until the last of
 * them has returned, so releasing under a waiting collector is safe. NULL, and a queue already
 * released, are accepted (OPENENV_OK); a pointer that was never a queue is refused
 * (OPENENV_INVALID_ARGUMENT).
 */
int openenv_queue_free(openenv_queue *queue);

/*
 * Submits `op` (OPENENV_OP_*) on `env` without blocking; its completion, tagged `tag`, goes
 * to `queue`. An argument that is wrong now (a closed handle, JSON that is not an object)
 * fails here, with no completion.
 *
 * With OPENENV_SUBMIT_DEFERRED or'ed into op, the I/O loop is not woken for the request: it
 * goes on the wire at the next openenv_submit_flush() (or the next submit without the flag).
 * Submitting a round of requests deferred and flushing once costs the I/O loop one wake-up
 * instead of one per request. A deferred request never flushed may wait indefinitely.
 *
 * On a session of an event-loop queue (openenv_queue_new_inline), which has no I/O thread to
 * wake, a request without the flag is written by this call, on the calling thread, as a
 * socket's send would be (unless another thread is moving that queue's sessions just then:
 * it is then written by that thread, or at the queue's next collect).
 */
int openenv_submit(openenv_env *env, openenv_queue *queue, int op, const char *json, uint64_t tag);

/* Or'ed into openenv_submit's op: do not wake the I/O loop for this request yet. */
#define OPENENV_SUBMIT_DEFERRED 0x100

/*
 * Puts every request submitted with OPENENV_SUBMIT_DEFERRED (by any thread) on its way (for
 * sessions of an event-loop queue: at that queue's next collect or openenv_queue_run, which its
 * descriptor turns readable for).
 */
int openenv_submit_flush(void);

/*
 * Opens a session without blocking, `how` being OPENENV_OPEN_*, with the target and options
 * of the matching blocking call. The engine opens up to 16 sessions at once; the completion's
 * `env` is the new session.
 */
int openenv_submit_open(openenv_queue *queue, int how, const char *target, const char *options_json, uint64_t tag);

/*
 * Vector stepping: performs `op` on count sessions at once, envs[i] with jsons[i] (jsons may
 * be NULL for OPENENV_OP_STATE), every request sent before any answer is awaited, and waits
 * for all. out[i] (caller's array of count) receives request i's completion, tag i; each has
 * its own status, so one failing session does not disturb the others. Returns OPENENV_OK
 * when the batch ran, whatever its members' statuses; an argument error fails the whole call
 * before anything is sent.
 */
int openenv_run_batch(int op, openenv_env *const *envs, const char *const *jsons, size_t count, openenv_completion *out);

#ifdef __cplusplus
}
#endif

#endif /* OPENENV_H */
