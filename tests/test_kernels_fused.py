"""The fused backend (numeric/kernels/_generated_fused.py, numba): the public kernels run it when
chosen, it gives the NumPy kernels' results on any shape, axis and broadcast (both are held to
the same ulp bars against mpmath in test_kernels_accuracy.py), it is loaded lazily (``import
numeric`` never imports numba), cached on disk, works where no cache directory is writable, and
the NumPy kernels take over when numba is absent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeric.kernels as K
from derive.codegen.kernels import FUSED
from numeric.kernels import _generated

F = pytest.importorskip("numeric.kernels._generated_fused", reason="numba (the 'fast' extra) is in the dev extra")
ROOT = Path(__file__).resolve().parents[1]
ELEMENTWISE = [n for n in FUSED if n not in ("softmax", "log_softmax")]
TWO_ARGS = {n for n in ELEMENTWISE if getattr(K, n).__code__.co_argcount == 2}


def _agree(a, b, ulps):
    """``a`` and ``b`` (same shape) within ``ulps`` units in the last place of the larger, or
    within ``ulps`` subnormal units near zero; infinities and NaNs must coincide."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    finite = np.isfinite(a) & np.isfinite(b)
    np.testing.assert_array_equal(a[~finite], b[~finite])
    scale = np.spacing(np.maximum(np.abs(a[finite]), np.abs(b[finite])))
    gap = np.abs(a[finite] - b[finite])
    assert np.all(gap <= ulps * scale), (gap / scale).max()


def _both(name, *args, **kwargs):
    with K.kernel_backend("numpy"):
        expected = getattr(K, name)(*args, **kwargs)
    with K.kernel_backend("fused"):
        got = getattr(K, name)(*args, **kwargs)
    return got, expected


def test_the_chosen_backend_runs(monkeypatch):
    x = np.linspace(-30, 30, 101)
    z = x.reshape(-1, 1) * np.ones((1, 4))

    def forbidden(*args, **kwargs):
        raise AssertionError("the NumPy kernel ran")

    with K.kernel_backend("fused"):
        assert K.get_backend() == "fused"
        with monkeypatch.context() as m:
            m.setattr(_generated, "_elementwise", forbidden)
            m.setattr(_generated, "_rowwise", forbidden)
            np.testing.assert_array_equal(K.sigmoid(x), F.sigmoid(x))
            np.testing.assert_array_equal(K.log_softmax(z), F.log_softmax(z))
    with K.kernel_backend("numpy"):
        assert K.get_backend() == "numpy"
        with monkeypatch.context() as m:
            m.setattr(F, "sigmoid", forbidden)
            m.setattr(F, "softmax", forbidden)
            K.sigmoid(x)
            K.softmax(z)


def test_backend_names_are_checked():
    with pytest.raises(ValueError, match="auto, numpy, fused"):
        K.set_backend("gpu")
    previous = K.set_backend("numpy")
    assert K.set_backend(previous if previous != "auto" else "auto") == "numpy"


_values = st.floats(-800, 800, allow_nan=False) | st.sampled_from([0.0, -0.0, 5e-324, -1e-300, 709.78, -745.1, 1e4])


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(ELEMENTWISE),
       x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6), elements=_values),
       t=st.sampled_from([0.0, 1.0, 0.3, 4.0]))
def test_elementwise_backends_agree_on_any_shape(name, x, t):
    args = (x, np.full(x.shape[-1:] if x.ndim else (), t)) if name in TWO_ARGS else (x,)
    got, expected = _both(name, *args)
    assert np.shape(got) == np.shape(expected) and np.asarray(got).dtype == np.float64
    _agree(got, expected, 4)  # each within 2 ulp of the truth


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["softmax", "log_softmax"]),
       z=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=7),
                    elements=st.floats(-1e4, 1e4, allow_nan=False)),
       data=st.data())
def test_row_kernels_agree_on_any_shape_and_axis(name, z, data):
    axis = data.draw(st.integers(-z.ndim, z.ndim - 1))
    got, expected = _both(name, z, axis=axis)
    _agree(got, expected, 8)  # each within 4 ulp of the truth


def test_large_strided_and_broadcast_inputs_cross_blocks():
    rng = np.random.default_rng(3)
    big = rng.normal(0, 20, (700, 300))  # 210000 values: several blocks of either backend
    for name in ELEMENTWISE:
        if name in TWO_ARGS:
            got, expected = _both(name, big[:, ::2], rng.random(150))  # strided, broadcast targets
        else:
            got, expected = _both(name, big.T)
        _agree(got, expected, 4)
    for name in ("softmax", "log_softmax"):
        for z, axis in ((big, -1), (big, 0), (big[::3, ::-1], 1), (big.reshape(70, 10, 300), 1)):
            got, expected = _both(name, z, axis=axis)
            _agree(got, expected, 8)


def test_scalars_lists_and_integers_like_numpy():
    for value in (0.5, -3, [1, 2, 3], np.float32(2.5)):
        got, expected = _both("sigmoid", value)
        assert type(got) is type(expected)
        np.testing.assert_array_equal(got, expected)
    got, expected = _both("softmax", [[1, 2, 3]], axis=-1)
    np.testing.assert_array_equal(got, expected)
    got, expected = _both("bernoulli_nll", 3.0, [0, 1])
    np.testing.assert_array_equal(got, expected)


def _run(code: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DERIVE_KERNELS"}
    environ["PYTHONPATH"] = str(ROOT)
    environ.update(env or {})
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=cwd, env=environ, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_import_numeric_does_not_import_numba_until_a_large_input():
    _run("""
        import sys
        import numpy as np
        import numeric, numeric.kernels as K
        assert "numba" not in sys.modules
        K.sigmoid(np.linspace(-5, 5, 1000)); K.softmax(np.ones((10, 10)))
        assert "numba" not in sys.modules and K.get_backend() == "auto"
        K.sigmoid(np.zeros(K._generated._FUSED_MIN_SIZE))
        assert "numba" in sys.modules and K.get_backend() == "fused"
    """)


def test_environment_variable_chooses_the_backend():
    _run("""
        import sys
        import numeric.kernels as K
        K.sigmoid(1.0)
        assert K.get_backend() == "fused", K.get_backend()
    """, {"DERIVE_KERNELS": "fused"})
    _run("""
        import sys
        import numpy as np
        import numeric.kernels as K
        K.softplus(np.zeros(10 ** 6))
        assert K.get_backend() == "numpy" and "numba" not in sys.modules
    """, {"DERIVE_KERNELS": "numpy"})


#: As if numba were not installed: with ``None`` in ``sys.modules``, ``import numba`` raises ImportError.
_WITHOUT_NUMBA = 'import sys\nsys.modules["numba"] = None\n'



def test_numpy_kernels_take_over_without_numba():
    _run(_WITHOUT_NUMBA + textwrap.dedent("""
        import numpy as np
        import numeric.kernels as K
        from numeric.kernels import _generated as G
        assert not K.fused_available()
        x = np.linspace(-40, 40, G._FUSED_MIN_SIZE + 1)
        np.testing.assert_array_equal(K.sigmoid(x), G._elementwise(G._sigmoid_block, x))
        z = x[:-1].reshape(-1, 16)
        np.testing.assert_array_equal(K.log_softmax(z), G._rowwise(G._log_softmax_block, z, -1))
        assert K.get_backend() == "numpy"
        try:
            K.set_backend("fused")
        except ImportError as exc:
            assert "derive[fast]" in str(exc), exc
        else:
            raise AssertionError("set_backend('fused') without numba")
    """))


def test_requiring_the_fused_backend_without_numba_is_a_clear_error():
    proc = subprocess.run(
        [sys.executable, "-c", _WITHOUT_NUMBA + "import numeric.kernels as K\nK.sigmoid(1.0)\n"], capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DERIVE_KERNELS": "fused"})
    assert proc.returncode == 1
    assert "ImportError" in proc.stderr and "pip install 'derive[fast]'" in proc.stderr


def _copy_fused(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "numeric" / "kernels" / "_generated_fused.py", tmp_path / "fused_copy.py")
    return tmp_path


def test_compiled_code_is_cached_on_disk_and_loaded_by_the_next_process(tmp_path):
    where = _copy_fused(tmp_path)
    check = """
        import numpy as np
        import fused_copy as F
        F.softmax(np.arange(12.0).reshape(3, 4))
        stats = F._shift_rows.stats
        print("hits" if stats.cache_hits else "misses" if stats.cache_misses else "none")
    """
    env = {"PYTHONPATH": f"{where}{os.pathsep}{ROOT}"}
    first = _run(check, env, cwd=where)
    assert first.stdout.strip() == "misses"
    assert list((where / "__pycache__").glob("fused_copy._shift_rows_compiled-*.nbi"))
    second = _run(check, env, cwd=where)
    assert second.stdout.strip() == "hits"


def test_works_where_no_cache_directory_is_writable(tmp_path):
    where = _copy_fused(tmp_path)
    blocker = tmp_path / "not_a_directory"
    blocker.write_text("")
    (where / "__pycache__").write_text("")  # the in-tree cache cannot be created
    env = {
        "PYTHONPATH": f"{where}{os.pathsep}{ROOT}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NUMBA_CACHE_DIR": str(blocker / "numba"),  # nor the user-provided one
        "HOME": str(blocker),  # nor the user-wide one
        "XDG_CACHE_HOME": str(blocker / "cache"),
    }
    _run("""
        import numpy as np
        import fused_copy as F
        import numeric.kernels as K
        x = np.linspace(-40, 40, 1001)
        with K.kernel_backend("numpy"):
            np.testing.assert_allclose(F.sigmoid(x), K.sigmoid(x), rtol=1e-15, atol=0)
            np.testing.assert_allclose(F.softmax(x.reshape(-1, 7)), K.softmax(x.reshape(-1, 7)), rtol=1e-15, atol=0)
        assert type(F._shift_rows._cache).__name__ == "NullCache"  # compiled in memory
    """, env, cwd=where)
