"""JSON text for projection tables: the standard library's encoder, made once.

``json.JSONEncoder(...).encode`` builds a new C encoder (and a dict to detect
cycles) on every call: for the few short values of each report a projection
stores, that set-up cost more than the encoding (a million-row import encodes
a few million). :func:`text_encoder` builds the same C encoder once and
returns a function that writes exactly what ``encode`` writes. It does not
look for cycles (a cyclic value raises ``RecursionError`` instead of
``ValueError``): what it encodes was parsed from JSON.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any


def text_encoder(
    *, sort_keys: bool = False, compact: bool = False
) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys).encode``
    (with ``separators=(",", ":")`` if ``compact``), without its set-up per
    call (the same text)."""
    options = json.JSONEncoder(
        ensure_ascii=False,
        sort_keys=sort_keys,
        check_circular=False,
        separators=(",", ":") if compact else None,
    )
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the _json accelerator
        return options.encode
    encode_string = json.encoder.encode_basestring
    chunks = make(
        None,  # no cycle check
        options.default,
        encode_string,
        None,  # no indent
        options.key_separator,
        options.item_separator,
        options.sort_keys,
        options.skipkeys,
        options.allow_nan,
    )

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return encode_string(value)  # as JSONEncoder.encode does
        return "".join(chunks(value, 0))

    return encode


__all__ = ["text_encoder"]
