"""The compiled modules (#9); everything else is in pyproject.toml.

- `parallax._linkage`: average link, for clustering and story linking;
- `parallax._makers`: what unpickling calls to make a frozen dataclass;
- `parallax._cosine`: the cosines of story linking's event profiles.

Each is optional: where they cannot be compiled (no C compiler), the install goes on and
`parallax.linkage`, `parallax.reducers` and `parallax.stories` run their Python versions,
with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(f"parallax.{name}", [f"parallax/{name}.c"], optional=True)
        for name in ("_linkage", "_makers", "_cosine")
    ]
)
