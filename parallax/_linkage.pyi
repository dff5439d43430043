from collections.abc import Iterable

def average_link(
    size: int, pairs: Iterable[tuple[int, int, float]], threshold: float
) -> tuple[tuple[int, ...], ...]: ...
