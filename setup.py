"""The compiled modules (#9); everything else is in pyproject.toml.

- `parallax._linkage`: average link, for clustering and story linking;
- `parallax._makers`: what unpickling calls to make a frozen dataclass;
- `parallax._cosine`: the cosines of story linking's event profiles;
- `parallax._arenas`: Python's small-object arenas, filled with pages as they are made;
- `parallax._writeback`: a new file's pages written to disk, started without waiting.

Each is optional: where they cannot be compiled (no C compiler), the install goes on and
`parallax.linkage`, `parallax.reducers` and `parallax.stories` run their Python versions,
with the same results (`parallax.arenas` then leaves the arenas as they are, and
`parallax.publish` new files to be written when the kernel decides).
"""

from setuptools import Extension, setup

# The compiled sums must be the Python ones bit for bit: no product fused with a sum
# (GCC fuses them by default where the processor has the instruction, as on aarch64).
NO_FUSED_SUMS = ["-ffp-contract=off"]

setup(
    ext_modules=[
        Extension(
            f"parallax.{name}",
            [f"parallax/{name}.c"],
            optional=True,
            extra_compile_args=NO_FUSED_SUMS,
        )
        for name in ("_linkage", "_makers", "_cosine", "_arenas", "_writeback")
    ]
)
