"""Read and validate program definitions from TOML files."""

import tomllib
from pathlib import Path

from pydantic import ValidationError

from .spec import ProgramSpec


class ProgramConfigError(Exception):
    """A program file that cannot be used; the message names file, key and problem."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems))


def _key_path(location: tuple) -> str:
    parts: list[str] = []
    for item in location:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top level)"


def parse_program(text: str, path: Path | str = "<string>") -> ProgramSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramConfigError(path, [f"not valid TOML: {exc}"]) from None
    try:
        return ProgramSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_key_path(error['loc'])}: {message}")
        raise ProgramConfigError(path, problems) from None


def _position(data: bytes, offset: int) -> str:
    """Line and column (both from 1) of the byte at ``offset``, for a person who
    opens the file in an editor; the bytes before it are valid UTF-8."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8")) + 1
    return f"line {line}, column {column}"


def load_program_file(path: Path | str) -> ProgramSpec:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProgramConfigError(path, ["file not found"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = _position(data, exc.start)
        raise ProgramConfigError(
            path, [f"{where}: not UTF-8 (save the file as UTF-8)"]
        ) from None
    return parse_program(text, path)
