"""Model files: finding them, reading them safely, building them through spandrel, writing them."""

from texpack.models.catalog import DEFAULT_MODEL, INSTALLABLE, ModelEntry, find_model, list_models, sha256_of
from texpack.models.load import LoadedModel, ModelInfo, identity, load_descriptor, load_model
from texpack.models.safeload import MODEL_EXTS, read_state_dict

__all__ = [
    "DEFAULT_MODEL",
    "INSTALLABLE",
    "MODEL_EXTS",
    "LoadedModel",
    "ModelEntry",
    "ModelInfo",
    "find_model",
    "identity",
    "list_models",
    "load_descriptor",
    "load_model",
    "read_state_dict",
    "sha256_of",
]
