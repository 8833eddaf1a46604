"""numpy's PCG64 stepped inside the compiled LCMCR kernel, so a draw is no call.

numba draws a uniform by calling the bit generator's ``next_double`` through
a function pointer, about 7 ns a draw; stepped inline it costs about 2.3 ns.
Here the generator's 256-bit state (state and increment, 128 bits each) is
copied into a small ``uint64`` array before the kernel runs, advanced by
inlined LLVM 128-bit arithmetic, and copied back after, so the
``numpy.random.Generator`` ends where it would have ended, draw for draw.

:func:`next_uint64` and :func:`next_double` of numba (the routines behind its
``Generator`` support) get a second overload for a pointer to that array, so
numba's own gamma, normal, exponential and Poisson code (the code behind
``Generator.standard_gamma`` and friends) runs unchanged on it: the stream is
numpy's, bit for bit. The step is numpy's PCG64 (O'Neill's XSL-RR 128/64:
state <- state * M + inc, output rotr64(high ^ low, high >> 58)); the tests
hold it to ``numpy.random.PCG64``. The gain per sweep is small (a median
1.02x on Kosovo, 1.07x on New Orleans, back to back; see
docs/validation/estimation-bayesian.md): the draws' own arithmetic, not the
call, is most of their cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba.core import types
from numba.extending import intrinsic, overload
from numba.np.random import generator_core as _nb_core

__all__ = ["load_state", "pcg_pointer", "store_state"]

# PCG's default 128-bit multiplier (numpy's PCG_DEFAULT_MULTIPLIER_128).
_MULTIPLIER = (0x2360ED051FC65DA4 << 64) + 0x4385DF649FCCF645
_LOW = (1 << 64) - 1
# The array layout: state low, state high, increment low, increment high.
_WORDS = 4


def load_state(bit_generator: np.random.BitGenerator) -> np.ndarray | None:
    """The PCG64 state as the kernel's array, or None for another generator."""
    if type(bit_generator) is not np.random.PCG64:
        return None
    inner = bit_generator.state["state"]
    state, inc = int(inner["state"]), int(inner["inc"])
    return np.array([state & _LOW, state >> 64, inc & _LOW, inc >> 64], dtype=np.uint64)


def store_state(bit_generator: np.random.BitGenerator, words: np.ndarray) -> None:
    """Give the generator back the state the kernel advanced to."""
    full = dict(bit_generator.state)
    low = [int(w) for w in words]
    full["state"] = {
        "state": low[0] | (low[1] << 64),
        "inc": low[2] | (low[3] << 64),
    }
    bit_generator.state = full


_STATE_POINTER = types.CPointer(types.uint64)  # type: ignore[no-untyped-call]


@intrinsic
def pcg_pointer(typingctx: Any, words: Any) -> Any:
    """The data pointer of the kernel's state array (no reference counting)."""
    if not (isinstance(words, types.Array) and words.dtype == types.uint64):
        return None
    sig = _STATE_POINTER(words)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        return array.data

    return sig, codegen


def _step(builder: Any, pointer: Any) -> Any:
    """Advance the state in place and return the 64-bit output (LLVM IR)."""
    i64, i128 = ir.IntType(64), ir.IntType(128)

    def word(i: int) -> Any:
        return builder.load(builder.gep(pointer, [ir.Constant(ir.IntType(32), i)]))

    def join(lo: Any, hi: Any) -> Any:
        wide = builder.shl(builder.zext(hi, i128), ir.Constant(i128, 64))
        return builder.or_(wide, builder.zext(lo, i128))

    state = join(word(0), word(1))
    inc = join(word(2), word(3))
    state = builder.add(builder.mul(state, ir.Constant(i128, _MULTIPLIER)), inc)
    low = builder.trunc(state, i64)
    high = builder.trunc(builder.lshr(state, ir.Constant(i128, 64)), i64)
    builder.store(low, builder.gep(pointer, [ir.Constant(ir.IntType(32), 0)]))
    builder.store(high, builder.gep(pointer, [ir.Constant(ir.IntType(32), 1)]))
    mixed = builder.xor(high, low)
    turn = builder.lshr(high, ir.Constant(i64, 58))
    back = builder.and_(builder.sub(ir.Constant(i64, 64), turn), ir.Constant(i64, 63))
    return builder.or_(builder.lshr(mixed, turn), builder.shl(mixed, back))


@intrinsic
def _pcg_next_uint64(typingctx: Any, pointer: Any) -> Any:
    if pointer != _STATE_POINTER:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return _step(builder, args[0])

    return types.uint64(pointer), codegen


@intrinsic
def _pcg_next_double(typingctx: Any, pointer: Any) -> Any:
    if pointer != _STATE_POINTER:
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        bits = builder.lshr(_step(builder, args[0]), ir.Constant(ir.IntType(64), 11))
        value = builder.uitofp(bits, ir.DoubleType())
        return builder.fmul(
            value, ir.Constant(ir.DoubleType(), 1.0 / 9007199254740992.0)
        )

    return types.float64(pointer), codegen


@overload(_nb_core.next_uint64, inline="always")
def _next_uint64_pcg(bitgen: Any) -> Any:
    if bitgen != _STATE_POINTER:
        return None

    def impl(bitgen: Any) -> Any:  # same annotations as the typing function
        return _pcg_next_uint64(bitgen)  # type: ignore[call-arg]

    return impl


@overload(_nb_core.next_double, inline="always")
def _next_double_pcg(bitgen: Any) -> Any:
    if bitgen != _STATE_POINTER:
        return None

    def impl(bitgen: Any) -> Any:  # same annotations as the typing function
        return _pcg_next_double(bitgen)  # type: ignore[call-arg]

    return impl


def draw_source(source: Any) -> Any:
    """What the draws take: a Generator's bit generator, or (compiled, from a
    PCG64 state array) the pointer :func:`pcg_pointer` gives."""
    return source.bit_generator


@overload(draw_source, inline="always")
def _draw_source(source: Any) -> Any:
    if isinstance(source, types.NumPyRandomGeneratorType):

        def from_generator(source: Any) -> Any:  # same annotations as above
            return source.bit_generator

        return from_generator
    if isinstance(source, types.Array) and source.dtype == types.uint64:

        def from_words(source: Any) -> Any:
            return pcg_pointer(source)  # type: ignore[call-arg]

        return from_words
    return None
