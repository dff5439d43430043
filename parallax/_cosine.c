/* parallax._cosine: `stories.story_score` of many pairs of event profiles, compiled (#9).

   Story linking scores every candidate pair of events by the cosine of their profiles:
   1.1 million pairs at 100k articles, 3.5 s of the Python loop over each pair's tokens.
   Here each profile is a run of (token number, weight) entries, in the order of the
   profile's own mapping; a sorted copy of each run answers the look-ups. The dot product
   is summed over the first profile's entries in that order, each product rounded before it
   is added (setup.py compiles this file with -ffp-contract=off, so that no compiler fuses
   a product and a sum), and divided as `story_score` divides: every score is the Python
   one, bit for bit (tests/test_cosine.py checks that).

   The loop runs without the interpreter's lock. What it indexes with (the offsets, the
   sorted runs) is copied first, each pair's profiles are checked as they are read, and
   `out` may not share memory with an input: arrays changed meanwhile by another thread
   can change the scores, never what is read or written. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t token;
    double weight;
} Entry;

/* Sort a profile's run by token: runs are short (24 entries at most in story linking). */
static void sort_run(Entry *run, Py_ssize_t size) {
    for (Py_ssize_t i = 1; i < size; i++) {
        Entry entry = run[i];
        Py_ssize_t j = i;
        for (; j > 0 && run[j - 1].token > entry.token; j--) run[j] = run[j - 1];
        run[j] = entry;
    }
}

/* The weight of `token` in a sorted run, or 0 with *found left 0. */
static double weight_in(const Entry *run, Py_ssize_t size, int64_t token, int *found) {
    Py_ssize_t low = 0, high = size;
    while (low < high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (run[middle].token < token)
            low = middle + 1;
        else
            high = middle;
    }
    *found = low < size && run[low].token == token;
    return *found ? run[low].weight : 0.0;
}

/* A C-contiguous buffer of 8-byte integers ("int") or doubles ("float") from `obj`, with
   its length in values; -1 with an error set when it is not one. */
static Py_ssize_t take(PyObject *obj, Py_buffer *view, int floats, int writable,
                       const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    const char *format = view->format ? view->format : "B";
    if (format[0] == '@' || format[0] == '=') format++;
    int fits = view->itemsize == 8 &&
               (floats ? strcmp(format, "d") == 0
                       : strcmp(format, "q") == 0 || strcmp(format, "l") == 0);
    if (!fits) {
        PyErr_Format(PyExc_TypeError, "cosines: %s must be an array of %s", name,
                     floats ? "float64" : "int64");
        PyBuffer_Release(view);
        return -1;
    }
    return view->len / 8;
}

static int overlaps(const Py_buffer *a, const Py_buffer *b) {
    const char *a0 = a->buf, *b0 = b->buf;
    return a->len > 0 && b->len > 0 && a0 < b0 + b->len && b0 < a0 + a->len;
}

enum { OFFSETS, TOKENS, WEIGHTS, NORMS, FIRSTS, SECONDS, OUT, VIEWS };

static PyObject *cosines(PyObject *self, PyObject *args) {
    static const char *names[VIEWS] = {"offsets", "tokens",  "weights", "norms",
                                       "firsts",  "seconds", "out"};
    static const int floats[VIEWS] = {0, 0, 1, 1, 0, 0, 1};
    PyObject *objects[VIEWS];
    Py_buffer views[VIEWS];
    Py_ssize_t counts[VIEWS];
    int taken = 0;
    PyObject *result = NULL;
    Entry *sorted = NULL;
    int64_t *offsets = NULL;
    Py_ssize_t bad_pair = -1;
    if (!PyArg_UnpackTuple(args, "cosines", VIEWS, VIEWS, &objects[0], &objects[1],
                           &objects[2], &objects[3], &objects[4], &objects[5], &objects[6]))
        return NULL;
    for (; taken < VIEWS; taken++) {
        counts[taken] =
            take(objects[taken], &views[taken], floats[taken], taken == OUT, names[taken]);
        if (counts[taken] < 0) goto done;
    }
    Py_ssize_t profiles = counts[NORMS], n_tokens = counts[TOKENS], n_pairs = counts[FIRSTS];
    if (counts[OFFSETS] != profiles + 1 || counts[WEIGHTS] != n_tokens ||
        counts[SECONDS] != n_pairs || counts[OUT] != n_pairs) {
        PyErr_SetString(PyExc_ValueError,
                        "cosines: offsets must be one more than norms, tokens as many as "
                        "weights, and firsts, seconds and out of one length");
        goto done;
    }
    for (int v = 0; v < OUT; v++) {
        if (overlaps(&views[OUT], &views[v])) {
            PyErr_Format(PyExc_ValueError, "cosines: out shares memory with %s", names[v]);
            goto done;
        }
    }
    offsets = PyMem_Malloc(sizeof(int64_t) * (size_t)(profiles + 1));
    sorted = PyMem_Malloc(sizeof(Entry) * (size_t)(n_tokens ? n_tokens : 1));
    if (offsets == NULL || sorted == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(offsets, views[OFFSETS].buf, sizeof(int64_t) * (size_t)(profiles + 1));
    if (offsets[0] != 0 || offsets[profiles] != n_tokens) {
        PyErr_SetString(PyExc_ValueError, "cosines: offsets must run from 0 to the tokens");
        goto done;
    }
    for (Py_ssize_t p = 0; p < profiles; p++) {
        if (offsets[p + 1] < offsets[p]) {
            PyErr_SetString(PyExc_ValueError, "cosines: offsets must not decrease");
            goto done;
        }
    }
    const int64_t *tokens = views[TOKENS].buf, *firsts = views[FIRSTS].buf,
                  *seconds = views[SECONDS].buf;
    const double *weights = views[WEIGHTS].buf, *norms = views[NORMS].buf;
    double *out = views[OUT].buf;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t i = 0; i < n_tokens; i++) {
        sorted[i].token = tokens[i];
        sorted[i].weight = weights[i];
    }
    for (Py_ssize_t p = 0; p < profiles; p++)
        sort_run(sorted + offsets[p], (Py_ssize_t)(offsets[p + 1] - offsets[p]));
    for (Py_ssize_t k = 0; k < n_pairs; k++) {
        int64_t a = firsts[k], b = seconds[k];
        if (a < 0 || a >= profiles || b < 0 || b >= profiles) {
            bad_pair = k;
            break;
        }
        double norm_a = norms[a], norm_b = norms[b];
        if (norm_a == 0.0 || norm_b == 0.0) {
            out[k] = 0.0;
            continue;
        }
        const Entry *run = sorted + offsets[b];
        Py_ssize_t size = (Py_ssize_t)(offsets[b + 1] - offsets[b]);
        double dot = 0.0;
        for (int64_t i = offsets[a]; i < offsets[a + 1]; i++) {
            int found;
            double other = weight_in(run, size, tokens[i], &found);
            if (found) dot += weights[i] * other;
        }
        out[k] = 100.0 * dot / (norm_a * norm_b);
    }
    Py_END_ALLOW_THREADS;
    if (bad_pair >= 0) {
        PyErr_Format(PyExc_IndexError, "cosines: pair %zd names no profile", bad_pair);
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(sorted);
    PyMem_Free(offsets);
    for (int v = 0; v < taken; v++) PyBuffer_Release(&views[v]);
    return result;
}

static PyMethodDef methods[] = {
    {"cosines", cosines, METH_VARARGS,
     "cosines(offsets, tokens, weights, norms, firsts, seconds, out): `story_score` of each "
     "pair of profiles (firsts[k], seconds[k]) into out[k]. Profile p is the entries "
     "offsets[p]..offsets[p + 1] of tokens (int64) and weights (float64), in its mapping's "
     "order, with its norm (float64); every array C-contiguous, and out (float64) apart "
     "from the others."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "parallax._cosine",
    "The cosines of story linking's event profiles, compiled (#9).", -1, methods,
};

PyMODINIT_FUNC PyInit__cosine(void) { return PyModule_Create(&module); }
