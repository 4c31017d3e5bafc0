"""to_uint8: Gradio's array -> uint8 rule, with its silent failures turned into errors."""

from __future__ import annotations

import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamcore.media import convert
from streamcore.media.convert import to_uint8


def test_exports() -> None:
    assert convert.__all__ == ["to_uint8"]


def test_uint8_is_passed_through_without_copy() -> None:
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert to_uint8(array) is array


def test_float_scales_by_255_with_round_half_to_even() -> None:
    # 0.5 * 255 = 127.5 -> 128 (even); 1.5 / 255 * 255 = 1.5 -> 2 (even)
    values = np.array([0.0, 0.5, 1.0, 1 / 255, 2.5 / 255], dtype=np.float64)
    assert to_uint8(values).tolist() == [0, 128, 255, 1, 2]


def test_float_negatives_become_zero() -> None:
    assert to_uint8(np.array([-1.0, -0.001, 0.2])).tolist() == [0, 0, 51]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtypes_give_uint8_of_same_shape(dtype: type[np.floating]) -> None:
    array = np.full((2, 3, 3), 0.25, dtype=dtype)
    result = to_uint8(array)
    assert result.dtype == np.uint8
    assert result.shape == (2, 3, 3)
    assert (result == 64).all()


def test_float_out_of_range_names_range_and_actual_values() -> None:
    expected = "Images of type float must be between -1 and 1, got values from -0.5 to 2"
    with pytest.raises(ValueError, match=re.escape(expected)):
        to_uint8(np.array([[-0.5, 2.0]]))
    with pytest.raises(ValueError, match=re.escape("got values from -3 to 0.5")):
        to_uint8(np.array([-3.0, 0.5], dtype=np.float32))


def test_float_infinity_is_out_of_range() -> None:
    with pytest.raises(ValueError, match="got values from 0 to inf"):
        to_uint8(np.array([0.0, np.inf]))


def test_float_nan_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match=r"must not contain NaN, got 2 NaN value\(s\)"):
        to_uint8(np.array([0.1, np.nan, 0.3, np.nan]))


def test_float_input_is_not_modified() -> None:
    array = np.array([0.5, -0.5])
    to_uint8(array)
    assert array.tolist() == [0.5, -0.5]


def test_non_contiguous_float_view() -> None:
    array = np.linspace(0, 1, 24).reshape(4, 6)
    assert to_uint8(array.T).tolist() == to_uint8(np.ascontiguousarray(array.T)).tolist()


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64, np.uint32, np.uint64])
def test_integers_up_to_255_are_kept(dtype: type[np.integer]) -> None:
    array = np.array([0, 1, 128, 255], dtype=dtype)
    assert to_uint8(array).tolist() == [0, 1, 128, 255]


def test_signed_negatives_clamp_to_zero() -> None:
    assert to_uint8(np.array([-300, -1, 7], dtype=np.int64)).tolist() == [0, 0, 7]


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64, np.uint32, np.uint64])
def test_integers_over_255_raise_instead_of_garbage(dtype: type[np.integer]) -> None:
    array = np.array([0, 300], dtype=dtype)
    message = (
        f"Images of type {np.dtype(dtype)} must have values between 0 and 255, got values up to 300"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        to_uint8(array)


def test_uint16_is_divided_by_256() -> None:
    array = np.array([65535, 256, 255, 0, 32768], dtype=np.uint16)
    assert to_uint8(array).tolist() == [255, 1, 0, 0, 128]


def test_int8_maps_like_gradio() -> None:
    assert to_uint8(np.array([-128, 0, 127], dtype=np.int8)).tolist() == [0, 0, 255]
    assert to_uint8(np.array([1, 64, 100], dtype=np.int8)).tolist() == [2, 129, 201]


def test_int8_is_monotonic_over_its_range() -> None:
    result = to_uint8(np.arange(0, 128, dtype=np.int8)).astype(int)
    assert (np.diff(result) > 0).all()


def test_bool_gives_0_and_255() -> None:
    result = to_uint8(np.array([[True, False], [False, True]]))
    assert result.dtype == np.uint8
    assert result.tolist() == [[255, 0], [0, 255]]


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint16, np.bool_, np.int8])
def test_empty_arrays(dtype: type[np.generic]) -> None:
    result = to_uint8(np.zeros((0, 4, 3), dtype=dtype))
    assert result.shape == (0, 4, 3)
    assert result.dtype == np.uint8


@pytest.mark.parametrize(
    "array", [np.array([1 + 2j]), np.array(["a"]), np.array([object()], dtype=object)]
)
def test_unsupported_dtypes_are_refused(array: np.ndarray) -> None:
    with pytest.raises(ValueError, match="Cannot convert an array of dtype"):
        to_uint8(array)


_shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=8)


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        _shapes,
        elements=st.floats(-1, 1, width=32),
    )
)
def test_float_property_equals_clip_rint(array: np.ndarray) -> None:
    result = to_uint8(array)
    assert result.dtype == np.uint8
    expected = np.clip(np.rint(array * 255), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(result, expected)


@settings(max_examples=50, deadline=None)
@given(hnp.arrays(np.int64, _shapes, elements=st.integers(-1000, 255)))
def test_int_property_clamps_negatives(array: np.ndarray) -> None:
    np.testing.assert_array_equal(to_uint8(array), np.maximum(array, 0).astype(np.uint8))
