/* A prototype, not the product (issue 16, ninth round): the awaited path's two hot crossings,
 * submit and drain, as a CPython extension instead of ctypes, to measure what the house rule
 * "a ctypes binding" costs at K = 16. crossing_variants.py puts it under the binding's
 * AsyncEngine; native_completions.py builds and measures it.
 *
 * Completions(queue, submit, collect, string_free, create_future, settle): the addresses of
 * libopenenv's openenv_submit, openenv_collect and openenv_string_free (taken from the ctypes
 * library the binding loaded, so both use one library), the event loop's create_future, and a
 * Python function for every completion that is not a plain answer (failures, opened sessions,
 * answers nobody waits for): settle(entry_or_None, status, json_address, error_address,
 * env_address), which takes and frees the completion's strings itself.
 *
 *   submit(handle, op, payload, translate) -> future, or (status,) when the library refused
 *                                              the request (the caller raises its error)
 *   drain()                                    every finished completion to its future
 *
 * The GIL is kept across the library's calls: both return at once on an inline queue (a
 * non-blocking send, a collect with no wait).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t tag;
    int status;
    char *json;
    char *error;
    void *env;
} openenv_completion;

typedef int (*submit_function)(void *, void *, int, const char *, uint64_t);
typedef int (*collect_function)(void *, openenv_completion *, size_t, double, size_t *);
typedef void (*free_function)(void *);

enum { BATCH = 256 };

typedef struct {
    PyObject_HEAD
    void *queue;
    submit_function submit;
    collect_function collect;
    free_function string_free;
    PyObject *create_future;
    PyObject *settle;
    PyObject *futures; /* tag -> (future, translate) */
    uint64_t next_tag;
    openenv_completion completions[BATCH];
} Completions;

static PyObject *set_result_name, *done_name;

static int completions_init(Completions *self, PyObject *args, PyObject *kwargs) {
    (void)kwargs;
    unsigned long long queue, submit, collect, string_free;
    PyObject *create_future, *settle;
    if (!PyArg_ParseTuple(args, "KKKKOO", &queue, &submit, &collect, &string_free, &create_future, &settle)) return -1;
    self->queue = (void *)(uintptr_t)queue;
    self->submit = (submit_function)(uintptr_t)submit;
    self->collect = (collect_function)(uintptr_t)collect;
    self->string_free = (free_function)(uintptr_t)string_free;
    Py_XSETREF(self->create_future, Py_NewRef(create_future));
    Py_XSETREF(self->settle, Py_NewRef(settle));
    Py_XSETREF(self->futures, PyDict_New());
    self->next_tag = 1;
    return self->futures ? 0 : -1;
}

static void completions_dealloc(Completions *self) {
    Py_XDECREF(self->create_future);
    Py_XDECREF(self->settle);
    Py_XDECREF(self->futures);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* submit(handle, op, payload, translate): the future, or (status,) when the library refused. */
static PyObject *completions_submit(Completions *self, PyObject *const *args, Py_ssize_t count) {
    if (count != 4 || !PyBytes_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "submit(handle: int, op: int, payload: bytes, translate)");
        return NULL;
    }
    void *handle = PyLong_AsVoidPtr(args[0]);
    int op = (int)PyLong_AsLong(args[1]);
    if (PyErr_Occurred()) return NULL;
    uint64_t tag = self->next_tag++;
    int status = self->submit(handle, self->queue, op, PyBytes_AS_STRING(args[2]), tag);
    if (status != 0) return Py_BuildValue("(i)", status);
    PyObject *future = PyObject_CallNoArgs(self->create_future);
    if (!future) return NULL;
    PyObject *key = PyLong_FromUnsignedLongLong(tag);
    PyObject *entry = key ? PyTuple_Pack(2, future, args[3]) : NULL;
    int stored = entry ? PyDict_SetItem(self->futures, key, entry) : -1;
    Py_XDECREF(key);
    Py_XDECREF(entry);
    if (stored < 0) {
        Py_DECREF(future);
        return NULL;
    }
    return future;
}

/* Hands one plain answer to its future; 0, or -1 with an exception set. */
static int answer(Completions *self, PyObject *entry, const char *json) {
    PyObject *text = PyUnicode_DecodeUTF8(json, (Py_ssize_t)strlen(json), "strict");
    self->string_free((void *)json);
    if (!text) return -1;
    PyObject *future = PyTuple_GET_ITEM(entry, 0);
    PyObject *done = PyObject_CallMethodNoArgs(future, done_name);
    int result = -1;
    if (done) {
        result = 0;
        if (done == Py_False) {
            PyObject *set = PyObject_CallMethodOneArg(future, set_result_name, text);
            result = set ? 0 : -1;
            Py_XDECREF(set);
        }
        Py_DECREF(done);
    }
    Py_DECREF(text);
    return result;
}

static PyObject *completions_drain(Completions *self, PyObject *unused) {
    (void)unused;
    size_t count;
    do {
        count = 0;
        self->collect(self->queue, self->completions, BATCH, 0.0, &count);
        for (size_t index = 0; index < count; index++) {
            openenv_completion *completion = &self->completions[index];
            PyObject *key = PyLong_FromUnsignedLongLong(completion->tag);
            if (!key) return NULL;
            PyObject *entry = PyDict_GetItemWithError(self->futures, key); /* borrowed */
            Py_XINCREF(entry);
            int lost = entry ? PyDict_DelItem(self->futures, key) : (PyErr_Occurred() ? -1 : 0);
            Py_DECREF(key);
            if (lost < 0) {
                Py_XDECREF(entry);
                return NULL;
            }
            int failed;
            if (entry && completion->status == 0 && completion->json) {
                failed = answer(self, entry, completion->json);
            } else {
                PyObject *settled = PyObject_CallFunction(self->settle, "OiKKK", entry ? entry : Py_None, completion->status,
                                                          (unsigned long long)(uintptr_t)completion->json,
                                                          (unsigned long long)(uintptr_t)completion->error,
                                                          (unsigned long long)(uintptr_t)completion->env);
                failed = settled ? 0 : -1;
                Py_XDECREF(settled);
            }
            Py_XDECREF(entry);
            if (failed) return NULL;
        }
    } while (count == BATCH);
    Py_RETURN_NONE;
}

static PyMethodDef completions_methods[] = {
    {"submit", (PyCFunction)(void (*)(void))completions_submit, METH_FASTCALL, "Sends a request; its future."},
    {"drain", (PyCFunction)completions_drain, METH_NOARGS, "Every finished completion to its future."},
    {NULL},
};

static PyMemberDef completions_members[] = {
    {"futures", T_OBJECT, offsetof(Completions, futures), READONLY, "tag -> (future, translate), shared with the binding's own requests"},
    {NULL},
};

static PyTypeObject CompletionsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_native_completions.Completions",
    .tp_basicsize = sizeof(Completions),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)completions_init,
    .tp_dealloc = (destructor)completions_dealloc,
    .tp_methods = completions_methods,
    .tp_members = completions_members,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, .m_name = "_native_completions", .m_size = -1};

PyMODINIT_FUNC PyInit__native_completions(void) {
    set_result_name = PyUnicode_InternFromString("set_result");
    done_name = PyUnicode_InternFromString("done");
    if (PyType_Ready(&CompletionsType) < 0) return NULL;
    PyObject *created = PyModule_Create(&module);
    if (created && PyModule_AddObjectRef(created, "Completions", (PyObject *)&CompletionsType) < 0) {
        Py_DECREF(created);
        return NULL;
    }
    return created;
}
