"""Model files: finding them (:mod:`.catalog`), reading them safely (:mod:`.safeload`),
building them through spandrel (:mod:`.load`), writing them (:mod:`.store`).

This top level needs no PyTorch, so listing models and checking profiles stay fast;
import :mod:`texpack.models.load` to build a network.
"""

from texpack.models.catalog import DEFAULT_MODEL, INSTALLABLE, ModelEntry, find_model, list_models, sha256_of
from texpack.models.safeload_exts import MODEL_EXTS

__all__ = ["DEFAULT_MODEL", "INSTALLABLE", "MODEL_EXTS", "ModelEntry", "find_model", "list_models", "sha256_of"]
