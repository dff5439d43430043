/* parallax._linkage: `linkage.average_link` compiled (#9).

   The same algorithm as the Python one in linkage.py, step for step: chains of nearest
   neighbours over a sparse graph, each group's summed similarity to its neighbours in a
   table of its own, merges folding the higher group into the lower. Every sum is made in
   the same order and every mean divided the same way, so the groups are the same as the
   Python function's, bit for bit; tests/test_linkage.py checks that on random graphs.
   Story linking at 10k articles spent 0.2 s in the Python loops, every build with a
   changed story pair.

   A group's neighbours are an open-addressing table (linear probing, deletion by shifting
   back) from a neighbour's index to the summed similarity. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    Py_ssize_t *keys; /* -1: empty */
    double *values;
    Py_ssize_t capacity; /* a power of two, 0 for none */
    Py_ssize_t count;
} Table;

static size_t slot_of(Py_ssize_t key, Py_ssize_t capacity) {
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 17) & (size_t)(capacity - 1);
}

static int table_init(Table *t, Py_ssize_t wanted) {
    Py_ssize_t capacity = 8;
    while (capacity < wanted * 2) capacity *= 2;
    t->keys = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)capacity);
    t->values = PyMem_Malloc(sizeof(double) * (size_t)capacity);
    if (t->keys == NULL || t->values == NULL) {
        PyMem_Free(t->keys);
        PyMem_Free(t->values);
        t->keys = NULL;
        t->values = NULL;
        return -1;
    }
    for (Py_ssize_t i = 0; i < capacity; i++) t->keys[i] = -1;
    t->capacity = capacity;
    t->count = 0;
    return 0;
}

static void table_free(Table *t) {
    PyMem_Free(t->keys);
    PyMem_Free(t->values);
    t->keys = NULL;
    t->values = NULL;
    t->capacity = t->count = 0;
}

/* The slot of `key`, or of the empty slot where it would go. */
static size_t table_find(const Table *t, Py_ssize_t key) {
    size_t mask = (size_t)t->capacity - 1;
    size_t at = slot_of(key, t->capacity);
    while (t->keys[at] != -1 && t->keys[at] != key) at = (at + 1) & mask;
    return at;
}

static int table_grow(Table *t) {
    Table bigger;
    if (table_init(&bigger, t->capacity) < 0) return -1;
    for (Py_ssize_t i = 0; i < t->capacity; i++) {
        if (t->keys[i] != -1) {
            size_t at = table_find(&bigger, t->keys[i]);
            bigger.keys[at] = t->keys[i];
            bigger.values[at] = t->values[i];
            bigger.count++;
        }
    }
    table_free(t);
    *t = bigger;
    return 0;
}

/* A pointer to the value of `key`, added as `fresh` when absent; NULL when out of memory. */
static double *table_slot(Table *t, Py_ssize_t key, double fresh) {
    if ((t->count + 1) * 4 > t->capacity * 3 && table_grow(t) < 0) return NULL;
    size_t at = table_find(t, key);
    if (t->keys[at] == -1) {
        t->keys[at] = key;
        t->values[at] = fresh;
        t->count++;
    }
    return &t->values[at];
}

static void table_delete(Table *t, Py_ssize_t key) {
    size_t mask = (size_t)t->capacity - 1;
    size_t at = table_find(t, key);
    if (t->keys[at] == -1) return;
    /* Shift back the entries after it whose probe sequence passes through the hole. */
    size_t hole = at, next = (at + 1) & mask;
    while (t->keys[next] != -1) {
        size_t home = slot_of(t->keys[next], t->capacity);
        if (((next - home) & mask) >= ((next - hole) & mask)) {
            t->keys[hole] = t->keys[next];
            t->values[hole] = t->values[next];
            hole = next;
        }
        next = (next + 1) & mask;
    }
    t->keys[hole] = -1;
    t->count--;
}

typedef struct {
    Py_ssize_t size;
    Table *links;
    Py_ssize_t *sizes;
    Py_ssize_t *next_member; /* members of a group as a list: its index, then next ... -1 */
    Py_ssize_t *last_member;
    double threshold;
} Graph;

static void graph_free(Graph *g) {
    if (g->links != NULL) {
        for (Py_ssize_t i = 0; i < g->size; i++) table_free(&g->links[i]);
    }
    PyMem_Free(g->links);
    PyMem_Free(g->sizes);
    PyMem_Free(g->next_member);
    PyMem_Free(g->last_member);
}

/* linkage._nearest: the neighbour of highest mean at least the threshold, ties to the
   lowest index; -1 for none. */
static Py_ssize_t nearest(const Graph *g, Py_ssize_t group) {
    const Table *t = &g->links[group];
    Py_ssize_t found = -1;
    double best = g->threshold;
    Py_ssize_t size = g->sizes[group];
    for (Py_ssize_t i = 0; i < t->capacity; i++) {
        Py_ssize_t other = t->keys[i];
        if (other == -1) continue;
        double mean = t->values[i] / (double)(size * g->sizes[other]);
        if (mean > best || (mean == best && (found == -1 || other < found))) {
            found = other;
            best = mean;
        }
    }
    return found;
}

/* linkage._merge: fold group b into group a (a < b). */
static int merge(Graph *g, Py_ssize_t a, Py_ssize_t b) {
    g->next_member[g->last_member[a]] = b;
    g->last_member[a] = g->last_member[b];
    Table *into = &g->links[a], *from = &g->links[b];
    table_delete(into, b);
    table_delete(from, a);
    for (Py_ssize_t i = 0; i < from->capacity; i++) {
        Py_ssize_t c = from->keys[i];
        if (c == -1) continue;
        double *summed = table_slot(into, c, 0.0);
        if (summed == NULL) return -1;
        *summed = *summed + from->values[i];
        double value = *summed;
        Table *theirs = &g->links[c];
        table_delete(theirs, b);
        double *back = table_slot(theirs, a, 0.0);
        if (back == NULL) return -1;
        *back = value;
    }
    table_free(from);
    g->sizes[a] += g->sizes[b];
    g->sizes[b] = 0;
    return 0;
}

static int cluster(Graph *g) {
    /* A group is in the chain once in exact arithmetic; a near tie that rounds the other
       way could put it there twice, so the chain grows rather than trusting that. */
    Py_ssize_t capacity = g->size + 1;
    Py_ssize_t *chain = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)capacity);
    if (chain == NULL) return -1;
    Py_ssize_t length = 0;
    for (Py_ssize_t start = 0; start < g->size; start++) {
        if (g->sizes[start] == 0) continue; /* merged into a group of a lower index */
        chain[length++] = start;
        while (length > 0) {
            if (length + 1 >= capacity) {
                size_t bigger = sizeof(Py_ssize_t) * (size_t)capacity * 2;
                Py_ssize_t *longer = PyMem_Realloc(chain, bigger);
                if (longer == NULL) {
                    PyMem_Free(chain);
                    return -1;
                }
                chain = longer;
                capacity *= 2;
            }
            Py_ssize_t group = chain[length - 1];
            Py_ssize_t near = nearest(g, group);
            if (near == -1) {
                length--;
            } else if (length > 1 && chain[length - 2] == near) {
                length -= 2;
                Py_ssize_t a = group < near ? group : near, b = group < near ? near : group;
                if (merge(g, a, b) < 0) {
                    PyMem_Free(chain);
                    return -1;
                }
                if (length == 0) chain[length++] = a;
            } else {
                chain[length++] = near;
            }
        }
    }
    PyMem_Free(chain);
    return 0;
}

static int compare_indices(const void *x, const void *y) {
    Py_ssize_t a = *(const Py_ssize_t *)x, b = *(const Py_ssize_t *)y;
    return (a > b) - (a < b);
}

static PyObject *groups_of(const Graph *g) {
    PyObject *groups = PyList_New(0);
    Py_ssize_t *members = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(g->size + 1));
    if (groups == NULL || members == NULL) goto fail;
    for (Py_ssize_t group = 0; group < g->size; group++) {
        if (g->sizes[group] == 0) continue;
        Py_ssize_t count = 0;
        for (Py_ssize_t m = group; m != -1; m = g->next_member[m]) members[count++] = m;
        qsort(members, (size_t)count, sizeof(Py_ssize_t), compare_indices);
        PyObject *tuple = PyTuple_New(count);
        if (tuple == NULL) goto fail;
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *index = PyLong_FromSsize_t(members[i]);
            if (index == NULL) {
                Py_DECREF(tuple);
                goto fail;
            }
            PyTuple_SET_ITEM(tuple, i, index);
        }
        int failed = PyList_Append(groups, tuple);
        Py_DECREF(tuple);
        if (failed < 0) goto fail;
    }
    PyMem_Free(members);
    PyObject *result = PyList_AsTuple(groups);
    Py_DECREF(groups);
    return result;
fail:
    PyMem_Free(members);
    Py_XDECREF(groups);
    return PyErr_Occurred() ? NULL : PyErr_NoMemory();
}

/* The pairs as three arrays; the caller frees them. -1 with an exception set. */
static Py_ssize_t read_pairs(PyObject *pairs, Py_ssize_t size, Py_ssize_t **firsts,
                             Py_ssize_t **seconds, double **scores) {
    /* A tuple of its own: a list could be changed by code a conversion below runs (a
       score's __float__), under the items being read. */
    PyObject *seq = PySequence_Tuple(pairs);
    if (seq == NULL) return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    *firsts = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    *seconds = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    *scores = PyMem_Malloc(sizeof(double) * (size_t)(n + 1));
    if (*firsts == NULL || *seconds == NULL || *scores == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* A tuple as it is; any other sequence of three, as the Python loops unpack it. */
        PyObject *item = PyTuple_GET_ITEM(seq, i);
        PyObject *pair = PyTuple_Check(item) ? Py_NewRef(item) : PySequence_Tuple(item);
        if (pair != NULL && PyTuple_GET_SIZE(pair) != 3) {
            Py_CLEAR(pair);
            PyErr_SetString(PyExc_ValueError, "each pair must be (a, b, score)");
        }
        if (pair == NULL) {
            Py_DECREF(seq);
            return -1;
        }
        Py_ssize_t a = PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 0));
        Py_ssize_t b =
            a == -1 && PyErr_Occurred() ? -1 : PyLong_AsSsize_t(PyTuple_GET_ITEM(pair, 1));
        if (!PyErr_Occurred() && a == b) { /* a pair of one group with itself says nothing */
            Py_DECREF(pair);
            continue;
        }
        double score = PyErr_Occurred() ? 0.0 : PyFloat_AsDouble(PyTuple_GET_ITEM(pair, 2));
        Py_DECREF(pair);
        if (PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        if (a < 0 || b < 0 || a >= size || b >= size) {
            PyErr_Format(PyExc_IndexError, "pair (%zd, %zd) outside 0..%zd", a, b, size - 1);
            Py_DECREF(seq);
            return -1;
        }
        (*firsts)[kept] = a;
        (*seconds)[kept] = b;
        (*scores)[kept] = score;
        kept++;
    }
    Py_DECREF(seq);
    return kept;
}

static PyObject *average_link(PyObject *module, PyObject *args) {
    (void)module;
    Py_ssize_t size;
    PyObject *pairs;
    double threshold;
    if (!PyArg_ParseTuple(args, "nOd:average_link", &size, &pairs, &threshold)) return NULL;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "size must not be negative");
        return NULL;
    }
    if (size > PY_SSIZE_T_MAX / 64) { /* its arrays could not be sized without overflowing */
        return PyErr_NoMemory();
    }
    Py_ssize_t *firsts = NULL, *seconds = NULL;
    double *scores = NULL;
    Py_ssize_t n = read_pairs(pairs, size, &firsts, &seconds, &scores);
    Graph g = {size, NULL, NULL, NULL, NULL, threshold};
    PyObject *result = NULL;
    if (n < 0) goto done;
    g.links = PyMem_Calloc((size_t)(size + 1), sizeof(Table));
    g.sizes = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(size + 1));
    g.next_member = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(size + 1));
    g.last_member = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(size + 1));
    if (g.links == NULL || g.sizes == NULL || g.next_member == NULL || g.last_member == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* Each table sized for its degree, counted first (`read_pairs` left out the pairs of an
       index with itself). */
    for (Py_ssize_t i = 0; i < size; i++) g.sizes[i] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        g.sizes[firsts[i]]++;
        g.sizes[seconds[i]]++;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        if (table_init(&g.links[i], g.sizes[i]) < 0) {
            PyErr_NoMemory();
            goto done;
        }
        g.sizes[i] = 1;
        g.next_member[i] = -1;
        g.last_member[i] = i;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t a = firsts[i], b = seconds[i];
        double *ab = table_slot(&g.links[a], b, 0.0);
        double *ba = ab == NULL ? NULL : table_slot(&g.links[b], a, 0.0);
        if (ba == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        *ab = *ba = scores[i];
    }
    if (cluster(&g) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    result = groups_of(&g);
done:
    PyMem_Free(firsts);
    PyMem_Free(seconds);
    PyMem_Free(scores);
    graph_free(&g);
    return result;
}

static PyMethodDef methods[] = {
    {"average_link", average_link, METH_VARARGS,
     "average_link(size, pairs, threshold): linkage.average_link, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "parallax._linkage",
    .m_doc = "linkage.average_link compiled: the same groups, bit for bit (#9).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__linkage(void) { return PyModule_Create(&module); }
