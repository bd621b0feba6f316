"""The lineage kept in every run record (pydantic: it is part of the REST API's `Run`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class FileFingerprint(BaseModel):
    """A file (or folder) as a step found or left it; `sha256` None when it did not exist."""

    path: str = Field(description="Absolute path the declared path resolved to")
    size: int | None = None
    mtime: float | None = None
    sha256: str | None = None

    def same_content(self, other: FileFingerprint) -> bool:
        # mtime is informative only: a file rewritten with the same bytes is the same data.
        return self.sha256 == other.sha256 and self.size == other.size


class GitState(BaseModel):
    commit: str
    dirty: bool = Field(description="Tracked files differ from the commit")


class Environment(BaseModel):
    """Where the kernel ran: a local interpreter (packages in the `environments` table) or an image."""

    kind: Literal["local", "image"]
    id: str = Field(description="local: key of the shared environment record; image: the image id")
    python: str | None = None
    prefix: str | None = None
    image: str | None = Field(default=None, description="The image reference the run asked for")


class Lineage(BaseModel):
    notebook_sha256: str = Field(description="Hash of the executed code cells' sources")
    git: GitState | None = None
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Resolved: the parameters cell's defaults, overridden by the run's values")
    environment: Environment | None = None
    inputs: dict[str, FileFingerprint] = Field(
        default_factory=dict, description="Declared --inputs (as written) as the run started")
    outputs: dict[str, FileFingerprint] = Field(
        default_factory=dict, description="Declared --outputs (as written) as the run ended")
