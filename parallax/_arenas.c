/* parallax._arenas: Python's small-object arenas, their pages made in one call (#9).

   CPython makes its small objects in arenas (of 1 MiB on 64-bit Python 3.11), which the
   kernel maps empty: every page of 4 KiB then costs a page fault when it is first written.
   A build with the cache unpickles every article's entry, 69,000 page faults in the load
   stage at 10k articles. `populate` wraps the interpreter's arena allocator so that each
   new arena is filled with pages at once (Linux's MADV_POPULATE_WRITE, 5.14 on), which
   takes the kernel less time than one fault a page.

   The interpreter's own allocator still maps and frees every arena: this only asks the
   kernel for an arena's pages as it is made. Where the kernel does not know the advice
   (`kernel_populates`), or the platform has none, nothing is wrapped. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__linux__)
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* linux/mman.h since 5.14; older C libraries lack it */
#endif
#define CAN_POPULATE 1
#else
#define CAN_POPULATE 0
#endif

static PyObjectArenaAllocator wrapped; /* the interpreter's, as it was before `populate` */
static int populating = 0;
static int refused = 0; /* the kernel refused the advice once: it is not asked again */

#if CAN_POPULATE
static void *populated_arena(void *ctx, size_t size) {
    void *made = wrapped.alloc(wrapped.ctx, size);
    if (made != NULL) {
        /* Refused (no memory to fill it now), the pages come fault by fault; either way an
           allocation that succeeded leaves errno as it found it. */
        int saved = errno;
        (void)madvise(made, size, MADV_POPULATE_WRITE);
        errno = saved;
    }
    return made;
}

/* Whether this kernel fills pages when asked: 5.14 and later do, older ones refuse the
   advice (EINVAL), and the arenas are then left as they are. */
static int kernel_populates(void) {
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) return 0;
    void *probe = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (probe == MAP_FAILED) return 0;
    int saved = errno;
    int filled = madvise(probe, (size_t)page, MADV_POPULATE_WRITE) == 0;
    errno = saved;
    munmap(probe, (size_t)page);
    return filled;
}

static void free_arena(void *ctx, void *address, size_t size) {
    wrapped.free(wrapped.ctx, address, size);
}
#endif

static PyObject *populate(PyObject *self, PyObject *Py_UNUSED(ignored)) {
#if CAN_POPULATE
    if (!populating && !refused) {
        if (kernel_populates()) {
            PyObjectArenaAllocator mine = {NULL, populated_arena, free_arena};
            PyObject_GetArenaAllocator(&wrapped);
            PyObject_SetArenaAllocator(&mine);
            populating = 1;
        } else {
            refused = 1;
        }
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
     "forks; whether it now does (False off Linux, and on a kernel before 5.14, which "
     "refuses). Calling it again changes nothing. An interpreter that makes no arenas "
     "(PYTHONMALLOC=malloc) is left as it is, though this reports True."},
    {"populating", is_populating, METH_NOARGS,
     "populating() -> bool: whether `populate` wrapped the arena allocator in this process."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "parallax._arenas",
    "Python's small-object arenas, their pages made in one call (#9).", -1, methods,
};

PyMODINIT_FUNC PyInit__arenas(void) { return PyModule_Create(&module); }
