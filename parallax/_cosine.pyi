import numpy as np

def cosines(
    offsets: np.ndarray,
    tokens: np.ndarray,
    weights: np.ndarray,
    norms: np.ndarray,
    firsts: np.ndarray,
    seconds: np.ndarray,
    out: np.ndarray,
) -> None: ...
