/* parallax._makers: what unpickling calls to make a frozen dataclass (#9).

   The build cache and the workers' results pickle each frozen dataclass of the stages as a
   call with its fields' values (parallax/reducers.py). A `Maker` is that call, compiled:
   it allocates an object of the class and puts each value in its slot, which is all that
   the class's own `__init__` does, without running Python code. It replaces the Python
   twin of each class (`reducers._twin`), whose `__init__` assigned the slots one by one:
   unpickling the 10k entries of a 10k digest's build cache, 590,000 objects, took 0.50 s
   through the twins and 0.33 s through makers.

   A maker is made for a class only when each name it is given is an object slot of the
   class itself; `reducers` checks the rest (a frozen dataclass of its own slots, with no
   base class and no `__post_init__`). Pickle finds a maker by the name it was registered
   under in this module, as a global, so a blob holds only its name. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    PyObject *name; /* its attribute in this module, which pickle looks it up by */
    Py_ssize_t count;
    Py_ssize_t *offsets; /* of each slot, in the order of the values it is called with */
} Maker;

static void maker_dealloc(Maker *self) {
    Py_XDECREF(self->cls);
    Py_XDECREF(self->name);
    PyMem_Free(self->offsets);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *maker_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"cls", "names", "name", NULL};
    PyObject *cls, *names, *name;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!U:Maker", keywords, &PyType_Type, &cls,
                                     &PyTuple_Type, &names, &name)) {
        return NULL;
    }
    PyTypeObject *target = (PyTypeObject *)cls;
    Py_ssize_t count = PyTuple_GET_SIZE(names);
    /* A class of Python's making, straight from object, not abstract, with nothing but its
       slots (no __dict__, no __weakref__) and object's own allocation and __new__: one whose
       every field a maker fills, and whose objects need nothing else set up. */
    Py_ssize_t room = (target->tp_basicsize - (Py_ssize_t)sizeof(PyObject)) /
                      (Py_ssize_t)sizeof(PyObject *);
    if (!(target->tp_flags & Py_TPFLAGS_HEAPTYPE) || (target->tp_flags & Py_TPFLAGS_IS_ABSTRACT) ||
        target->tp_base != &PyBaseObject_Type ||
        target->tp_alloc != PyType_GenericAlloc || target->tp_new != PyBaseObject_Type.tp_new ||
        target->tp_dictoffset != 0 || target->tp_weaklistoffset != 0 || target->tp_itemsize != 0 ||
        room != count) {
        PyErr_Format(PyExc_TypeError, "a maker cannot make %s: not a class of slots %R only",
                     target->tp_name, names);
        return NULL;
    }
    Py_ssize_t *offsets = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(count + 1));
    if (offsets == NULL) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *field = PyTuple_GET_ITEM(names, i);
        PyObject *descr = PyUnicode_Check(field)
                              ? PyDict_GetItemWithError(target->tp_dict, field)
                              : NULL;
        PyMemberDef *member = NULL;
        if (descr != NULL && Py_IS_TYPE(descr, &PyMemberDescr_Type) &&
            ((PyDescrObject *)descr)->d_type == target) {
            member = ((PyMemberDescrObject *)descr)->d_member;
        }
        if (member == NULL || member->type != T_OBJECT_EX || (member->flags & READONLY)) {
            PyMem_Free(offsets);
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_TypeError, "%R is not an object slot of %s", field,
                             target->tp_name);
            }
            return NULL;
        }
        for (Py_ssize_t j = 0; j < i; j++) {
            if (offsets[j] == member->offset) { /* a name twice: one slot would be left NULL */
                PyMem_Free(offsets);
                PyErr_Format(PyExc_TypeError, "%R is named twice", field);
                return NULL;
            }
        }
        offsets[i] = member->offset;
    }
    Maker *self = (Maker *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(offsets);
        return NULL;
    }
    self->cls = (PyTypeObject *)Py_NewRef(cls);
    self->name = Py_NewRef(name);
    self->count = count;
    self->offsets = offsets;
    return (PyObject *)self;
}

static PyObject *maker_call(Maker *self, PyObject *args, PyObject *kwds) {
    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_Format(PyExc_TypeError, "a maker of %s takes no keywords", self->cls->tp_name);
        return NULL;
    }
    if (PyTuple_GET_SIZE(args) != self->count) {
        PyErr_Format(PyExc_TypeError, "a maker of %s takes %zd values, not %zd",
                     self->cls->tp_name, self->count, PyTuple_GET_SIZE(args));
        return NULL;
    }
    PyObject *made = self->cls->tp_alloc(self->cls, 0); /* every slot NULL */
    if (made == NULL) return NULL;
    for (Py_ssize_t i = 0; i < self->count; i++) {
        PyObject **slot = (PyObject **)((char *)made + self->offsets[i]);
        *slot = Py_NewRef(PyTuple_GET_ITEM(args, i));
    }
    return made;
}

/* Pickled by reference: the name it was registered under in this module. */
static PyObject *maker_reduce(Maker *self, PyObject *Py_UNUSED(ignored)) {
    return Py_NewRef(self->name);
}

static PyObject *maker_repr(Maker *self) {
    return PyUnicode_FromFormat("<maker of %s>", self->cls->tp_name);
}

static PyMethodDef maker_methods[] = {
    {"__reduce__", (PyCFunction)maker_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef maker_members[] = {
    {"cls", T_OBJECT, offsetof(Maker, cls), READONLY, "the class it makes"},
    {"name", T_OBJECT, offsetof(Maker, name), READONLY, "its name in this module"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject MakerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "parallax._makers.Maker",
    .tp_doc = "Maker(cls, names, name): makes a cls from the values of its slots `names`.",
    .tp_basicsize = sizeof(Maker),
    .tp_dealloc = (destructor)maker_dealloc,
    .tp_repr = (reprfunc)maker_repr,
    .tp_call = (ternaryfunc)maker_call,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = maker_methods,
    .tp_members = maker_members,
    .tp_new = maker_new,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "parallax._makers",
    .m_doc = "What unpickling calls to make a frozen dataclass, compiled (#9).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__makers(void) {
    if (PyType_Ready(&MakerType) < 0) return NULL;
    /* A maker's module, which pickle asks each maker for: without it, pickle searched
       every imported module for it, 50 µs a maker pickled. */
    PyObject *name = PyUnicode_FromString("parallax._makers");
    if (name == NULL) return NULL;
    int failed = PyDict_SetItemString(MakerType.tp_dict, "__module__", name);
    Py_DECREF(name);
    if (failed < 0) return NULL;
    PyObject *made = PyModule_Create(&module);
    if (made == NULL) return NULL;
    if (PyModule_AddObjectRef(made, "Maker", (PyObject *)&MakerType) < 0) {
        Py_DECREF(made);
        return NULL;
    }
    return made;
}
