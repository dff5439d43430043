/* parallax._arenas: Python's small-object arenas, their pages made in one call (#9).

   CPython makes its small objects in arenas (of 1 MiB on 64-bit Python 3.11), which the
   kernel maps empty: every page of 4 KiB then costs a page fault when it is first written.
   A build with the cache unpickles every article's entry, 69,000 page faults in the load
   stage at 10k articles. `populate` wraps the interpreter's arena allocator so that each
   new arena is filled with pages at once (Linux's MADV_POPULATE_WRITE, 5.14 on), which
   takes the kernel less time than one fault a page.

   The interpreter's own allocator still maps and frees every arena: this only asks the
   kernel for an arena's pages as it is made. Where the kernel does not know the advice,
   or the platform has none, nothing changes. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__linux__)
#include <sys/mman.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* linux/mman.h since 5.14; older C libraries lack it */
#endif
#define CAN_POPULATE 1
#else
#define CAN_POPULATE 0
#endif

static PyObjectArenaAllocator wrapped; /* the interpreter's, as it was before `populate` */
static int populating = 0;

#if CAN_POPULATE
static void *populated_arena(void *ctx, size_t size) {
    void *made = wrapped.alloc(wrapped.ctx, size);
    if (made != NULL) {
        /* An old kernel refuses the advice (EINVAL): the pages then come fault by fault. */
        (void)madvise(made, size, MADV_POPULATE_WRITE);
    }
    return made;
}

static void free_arena(void *ctx, void *address, size_t size) {
    wrapped.free(wrapped.ctx, address, size);
}
#endif

static PyObject *populate(PyObject *self, PyObject *Py_UNUSED(ignored)) {
#if CAN_POPULATE
    if (!populating) {
        PyObjectArenaAllocator mine = {NULL, populated_arena, free_arena};
        PyObject_GetArenaAllocator(&wrapped);
        PyObject_SetArenaAllocator(&mine);
        populating = 1;
    }
#endif
    return PyBool_FromLong(populating);
}

static PyObject *is_populating(PyObject *self, PyObject *Py_UNUSED(ignored)) {
    return PyBool_FromLong(populating);
}

static PyMethodDef methods[] = {
    {"populate", populate, METH_NOARGS,
     "populate() -> bool: from now on, ask the kernel to fill each new arena of small "
     "objects with its pages as it is made, for the rest of the process and the processes it "
     "forks; whether it now asks (False off Linux; a kernel before 5.14 declines, and the "
     "pages then come as before). Calling it again changes nothing."},
    {"populating", is_populating, METH_NOARGS,
     "populating() -> bool: whether `populate` took effect in this process."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "parallax._arenas",
    "Python's small-object arenas, their pages made in one call (#9).", -1, methods,
};

PyMODINIT_FUNC PyInit__arenas(void) { return PyModule_Create(&module); }
