"""The preprocessing steps these notebooks repeat, as thin, tested functions over pandas.

Every function takes a DataFrame with a ``_time`` column (or a DatetimeIndex) and returns a new one.
"""

import numbers

from ..errors import ModelOpsError


def _indexed(frame, time_column="_time"):
    import pandas as pd

    if isinstance(frame.index, pd.DatetimeIndex):
        return frame.sort_index()
    if time_column not in frame.columns:
        raise ModelOpsError("the frame needs a %s column or a DatetimeIndex" % time_column)
    out = frame.copy()
    out[time_column] = pd.to_datetime(out[time_column], utc=True)
    return out.set_index(time_column).sort_index()


def resample(frame, rule="1min", how="mean", time_column="_time"):
    """Regular time steps (default one per minute): numeric columns aggregated with ``how``."""
    indexed = _indexed(frame, time_column)
    numeric = indexed.select_dtypes("number")
    return getattr(numeric.resample(rule), how)()


def interpolate_time(frame, limit=None, time_column="_time"):
    """Fill gaps by linear interpolation in time (``limit`` consecutive gaps at most)."""
    return _indexed(frame, time_column).interpolate(method="time", limit=limit, limit_direction="forward")


def setpoint_deviation(frame, pairs, suffix="_dev"):
    """``measured - setpoint`` for each ``{measured: setpoint}`` pair (a column name or a number)."""
    out = frame.copy()
    for measured, setpoint in pairs.items():
        if measured not in out.columns:
            raise ModelOpsError("no column %r" % measured)
        if isinstance(setpoint, numbers.Number):
            out[measured + suffix] = out[measured] - setpoint
        elif setpoint in out.columns:
            out[measured + suffix] = out[measured] - out[setpoint]
        else:
            raise ModelOpsError("setpoint %r is neither a number nor a column" % (setpoint,))
    return out


def pct_change(frame, columns=None, periods=1, suffix="_pct"):
    """Relative change over ``periods`` rows for each column (``pandas.Series.pct_change``)."""
    out = frame.copy()
    for column in columns or list(frame.select_dtypes("number").columns):
        out[column + suffix] = out[column].pct_change(periods=periods, fill_method=None)
    return out


def sliding_windows(frame, window, step=1, columns=None):
    """A (n_windows, window, n_features) float array of consecutive rows, for Conv1D/LSTM/autoencoders."""
    import numpy as np

    values = frame[columns].to_numpy(dtype=float) if columns else frame.select_dtypes("number").to_numpy(float)
    if window < 1 or step < 1:
        raise ModelOpsError("window and step must be at least 1")
    if len(values) < window:
        return np.empty((0, window, values.shape[1]))
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (n, features, window)
    return np.ascontiguousarray(view[::step].transpose(0, 2, 1))
