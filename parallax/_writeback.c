/* parallax._writeback: start writing a new file's pages to disk, without waiting (#9).

   Publishing renames each new data file over the published one, and ext4 (with its default
   `auto_da_alloc`) then allocates the new file's blocks and starts writing it, in the
   rename: 11-19 ms for data/claims.json at 10k articles, in the last stage of a build,
   which nothing runs beside. `start` asks the kernel to do that as soon as the process that
   made the file has written it (Linux's sync_file_range with SYNC_FILE_RANGE_WRITE): the
   same work, on a core rendering leaves less busy, and nothing is left for the rename. It
   does not wait for the disk, and the pages stay in memory (the next build reads the file
   to copy its runs of lines). Elsewhere it does nothing. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__linux__)
#include <fcntl.h>
#endif

static PyObject *start(PyObject *self, PyObject *arg) {
    int fd = PyObject_AsFileDescriptor(arg);
    if (fd < 0) return NULL;
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    int done;
    Py_BEGIN_ALLOW_THREADS
    done = sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    Py_END_ALLOW_THREADS
    return PyBool_FromLong(done == 0);
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"start", start, METH_O,
     "start(fd) -> bool: ask the kernel to start writing the file's pages to disk, without "
     "waiting; whether it did (False off Linux, or for a descriptor it refuses: a pipe)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "parallax._writeback",
    "Start writing a new file's pages to disk, without waiting (#9).", -1, methods,
};

PyMODINIT_FUNC PyInit__writeback(void) { return PyModule_Create(&module); }
