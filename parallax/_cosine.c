/* parallax._cosine: `stories.story_score` of many pairs of event profiles, compiled (#9).

   Story linking scores every candidate pair of events by the cosine of their profiles:
   1.1 million pairs at 100k articles, 3.5 s of the Python loop over each pair's tokens.
   Here each profile is a run of (token number, weight) entries, in the order of the
   profile's own mapping; a sorted copy of each run answers the look-ups. The dot product
   is summed over the first profile's entries in that order, each product rounded before it
   is added, and divided as `story_score` divides, so every score is the Python one, bit
   for bit (tests/test_stories.py checks that). */

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

/* The number of 8-byte values in `view`, or -1 with an error set. */
static Py_ssize_t count_of(const Py_buffer *view, const char *name) {
    if (view->len % 8 != 0) {
        PyErr_Format(PyExc_ValueError, "%s: not an array of 8-byte values", name);
        return -1;
    }
    return view->len / 8;
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

static PyObject *cosines(PyObject *self, PyObject *args) {
    Py_buffer offsets_view, tokens_view, weights_view, norms_view, firsts_view, seconds_view,
        out_view;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*w*:cosines", &offsets_view, &tokens_view,
                          &weights_view, &norms_view, &firsts_view, &seconds_view, &out_view))
        return NULL;
    Py_buffer *views[] = {&offsets_view, &tokens_view, &weights_view, &norms_view,
                          &firsts_view, &seconds_view, &out_view};
    PyObject *result = NULL;
    Entry *sorted = NULL;
    Py_ssize_t n_offsets = count_of(&offsets_view, "offsets");
    Py_ssize_t n_tokens = count_of(&tokens_view, "tokens");
    Py_ssize_t n_weights = count_of(&weights_view, "weights");
    Py_ssize_t n_norms = count_of(&norms_view, "norms");
    Py_ssize_t n_firsts = count_of(&firsts_view, "firsts");
    Py_ssize_t n_seconds = count_of(&seconds_view, "seconds");
    Py_ssize_t n_out = count_of(&out_view, "out");
    if (n_offsets < 0 || n_tokens < 0 || n_weights < 0 || n_norms < 0 || n_firsts < 0 ||
        n_seconds < 0 || n_out < 0)
        goto done;
    const int64_t *offsets = offsets_view.buf, *tokens = tokens_view.buf;
    const int64_t *firsts = firsts_view.buf, *seconds = seconds_view.buf;
    const double *weights = weights_view.buf, *norms = norms_view.buf;
    double *out = out_view.buf;
    Py_ssize_t profiles = n_norms;
    if (n_offsets != profiles + 1 || n_tokens != n_weights || n_firsts != n_seconds ||
        n_out != n_firsts) {
        PyErr_SetString(PyExc_ValueError,
                        "cosines: offsets must be one more than norms, tokens as many as "
                        "weights, and firsts, seconds and out of one length");
        goto done;
    }
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
    for (Py_ssize_t k = 0; k < n_firsts; k++) {
        if (firsts[k] < 0 || firsts[k] >= profiles || seconds[k] < 0 || seconds[k] >= profiles) {
            PyErr_Format(PyExc_IndexError, "cosines: pair %zd names no profile", k);
            goto done;
        }
    }
    sorted = PyMem_Malloc(sizeof(Entry) * (size_t)(n_tokens ? n_tokens : 1));
    if (sorted == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t i = 0; i < n_tokens; i++) {
        sorted[i].token = tokens[i];
        sorted[i].weight = weights[i];
    }
    for (Py_ssize_t p = 0; p < profiles; p++)
        sort_run(sorted + offsets[p], (Py_ssize_t)(offsets[p + 1] - offsets[p]));
    for (Py_ssize_t k = 0; k < n_firsts; k++) {
        int64_t a = firsts[k], b = seconds[k];
        if (norms[a] == 0.0 || norms[b] == 0.0) {
            out[k] = 0.0;
            continue;
        }
        const Entry *run = sorted + offsets[b];
        Py_ssize_t size = (Py_ssize_t)(offsets[b + 1] - offsets[b]);
        double dot = 0.0;
        for (int64_t i = offsets[a]; i < offsets[a + 1]; i++) {
            int found;
            double other = weight_in(run, size, tokens[i], &found);
            if (found) {
                double product = weights[i] * other; /* rounded, as Python rounds it */
                dot += product;
            }
        }
        double scaled = 100.0 * dot;
        double both = norms[a] * norms[b];
        out[k] = scaled / both;
    }
    Py_END_ALLOW_THREADS;
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(sorted);
    for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) PyBuffer_Release(views[v]);
    return result;
}

static PyMethodDef methods[] = {
    {"cosines", cosines, METH_VARARGS,
     "cosines(offsets, tokens, weights, norms, firsts, seconds, out): `story_score` of each "
     "pair of profiles (firsts[k], seconds[k]) into out[k]. Profile p is the entries "
     "offsets[p]..offsets[p + 1] of tokens (int64) and weights (float64), in its mapping's "
     "order, with its norm; every array C-contiguous, 8 bytes a value."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "parallax._cosine",
    "The cosines of story linking's event profiles, compiled (#9).", -1, methods,
};

PyMODINIT_FUNC PyInit__cosine(void) { return PyModule_Create(&module); }
