class Maker:
    cls: type
    name: str
    def __init__(
        self, cls: type, names: tuple[str, ...], name: str, *, partial: bool = False
    ) -> None: ...
    def __call__(self, *values: object) -> object: ...
