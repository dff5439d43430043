"""The one compiled module, `parallax._linkage` (#9); everything else is in pyproject.toml.

It is optional: where it cannot be compiled (no C compiler), the install goes on and
`parallax.linkage` runs its Python loops instead, with the same results.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("parallax._linkage", ["parallax/_linkage.c"], optional=True)])
