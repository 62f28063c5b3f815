"""modeldrift's profile mode: profiles from telemetry give the raw-mode numbers on the same bins."""

import random

import pytest

from modelops.client.telemetry.profile import current_profile, reference_profile
from modelops.engine.drift import DriftAccumulator, ProfileDrift, drift_engine
from modelops.errors import ModelOpsError


def splunk_style(profile, model, when):
    """A profile event as Splunk extracts it: JSON arrays become `name{}` multivalue fields."""
    row = {"event_type": "profile", "model_name": model, "_time": str(when), "role": profile["role"],
           "feature": profile["feature"], "kind": profile["kind"], "n_null": str(profile["n_null"])}
    for key in ("counts", "edges", "categories"):
        if profile.get(key) is not None:
            row[key + "{}"] = [str(v) for v in profile[key]]
    return row


def data(seed=4, shift=0.5):
    g = random.Random(seed)
    ref = {"temp": [g.gauss(1450, 10) for _ in range(3000)], "fuel": [g.choice("ABC") for _ in range(3000)]}
    cur = {"temp": [g.gauss(1450 + 10 * shift, 12) for _ in range(800)],
           "fuel": [g.choice("ABCCD") for _ in range(800)]}
    return ref, cur


def raw_rows(ref, cur):
    acc = DriftAccumulator(["temp", "fuel"], split_field="side")
    for side, values in (("reference", ref), ("current", cur)):
        for i in range(len(values["temp"])):
            acc.add({"side": side, "temp": values["temp"][i], "fuel": values["fuel"][i]})
    return {r["feature"]: r for r in acc.result()}


def test_profile_mode_equals_raw_mode_on_the_same_bins():
    ref, cur = data()
    engine = ProfileDrift()
    for feature in ("temp", "fuel"):
        reference = reference_profile(feature, ref[feature])
        engine.add(splunk_style(reference, "Horno4_AE_v3", 100))
        engine.add(splunk_style(current_profile(feature, cur[feature], reference), "Horno4_AE_v3", 200))
    rows = {r["feature"]: r for r in engine.result()}
    raw = raw_rows(ref, cur)
    for feature in ("temp", "fuel"):
        assert rows[feature]["psi"] == pytest.approx(raw[feature]["psi"], rel=1e-12)
        assert rows[feature]["js"] == pytest.approx(raw[feature]["js"], rel=1e-12)
    assert rows["fuel"]["test"] == raw["fuel"]["test"] == "jensenshannon"  # reference of 3000 > 1000
    assert rows["fuel"]["statistic"] == pytest.approx(raw["fuel"]["statistic"], rel=1e-12)
    assert rows["temp"]["test"] == "psi" and rows["temp"]["drift"] == int(rows["temp"]["psi"] >= 0.2)
    assert rows["_dataset_"]["n_ref"] == 3000 and rows["_dataset_"]["model"] == "Horno4_AE_v3"


def test_latest_profiles_win_and_models_are_separate():
    ref, cur = data(shift=2.0)
    stable_ref, stable_cur = data(seed=9, shift=0.0)
    engine = ProfileDrift()
    reference = reference_profile("temp", ref["temp"])
    engine.add(splunk_style(reference, "A_v1", 100))
    engine.add(splunk_style(current_profile("temp", ref["temp"][:500], reference), "A_v1", 150))  # old, stable
    engine.add(splunk_style(current_profile("temp", cur["temp"], reference), "A_v1", 300))  # latest, drifted
    other = reference_profile("temp", stable_ref["temp"])
    engine.add(splunk_style(other, "B_v1", 100))
    engine.add(splunk_style(current_profile("temp", stable_cur["temp"], other), "B_v1", 200))
    rows = [(r["model"], r["feature"], r["drift"]) for r in engine.result()]
    assert rows == [("A_v1", "temp", 1), ("A_v1", "_dataset_", 1), ("B_v1", "temp", 0), ("B_v1", "_dataset_", 0)]


def test_missing_counterpart_and_mismatched_edges():
    ref, cur = data()
    engine = ProfileDrift()
    reference = reference_profile("temp", ref["temp"])
    engine.add(splunk_style(reference, "A_v1", 100))
    engine.add(splunk_style(reference_profile("fuel", ref["fuel"]), "A_v1", 100))
    other_edges = reference_profile("temp", cur["temp"])
    engine.add(splunk_style(dict(current_profile("temp", cur["temp"], other_edges), role="current"), "A_v1", 200))
    rows = {r["feature"]: r for r in engine.result()}
    assert rows["fuel"]["test"] == "insufficient_data" and rows["temp"]["test"] == "insufficient_data"
    assert engine.warnings() == ["A_v1 temp: the current profile was binned on other edges than the reference; "
                                 "fit again"]


def test_profile_mode_errors():
    with pytest.raises(ModelOpsError, match="no profile events in the input"):
        ProfileDrift().result()
    with pytest.raises(ModelOpsError, match="stattest=ks needs raw values"):
        ProfileDrift(stattest="ks")
    with pytest.raises(ModelOpsError, match="by= applies to raw mode"):
        drift_engine(by="kiln")


def test_raw_mode_by_segment():
    g = random.Random(2)
    engine = drift_engine(["x"], split_field="side", by="kiln")
    for kiln, shift in (("K4", 0.0), ("K5", 3.0)):
        for _ in range(300):
            engine.add({"kiln": kiln, "side": "reference", "x": g.gauss(0, 1)})
            engine.add({"kiln": kiln, "side": "current", "x": g.gauss(shift, 1)})
    rows = [(r["model"], r["feature"], r["drift"]) for r in engine.result()]
    assert rows == [("K4", "x", 0), ("K4", "_dataset_", 0), ("K5", "x", 1), ("K5", "_dataset_", 1)]


def test_history_gives_one_row_per_current_profile_in_time_order():
    ref, cur = data(shift=2.0)
    engine = ProfileDrift(history=True)
    reference = reference_profile("temp", ref["temp"])
    engine.add(splunk_style(reference, "A_v1", 100))
    engine.add(splunk_style(current_profile("temp", cur["temp"], reference), "A_v1", 300))
    engine.add(splunk_style(current_profile("temp", ref["temp"][:800], reference), "A_v1", 200))
    rows = engine.result()
    assert [(r["_time"], r["drift"]) for r in rows] == [(200.0, 0), (300.0, 1)]
    with pytest.raises(ModelOpsError, match="history=true applies to profile mode"):
        drift_engine(["x"], split_field="s", history=True)


# --- issue 13: hostile or awkward profile events -------------------------------------------------


def two_models():
    """Rows for a drifted model A_v1 and a stable model B_v1 (both valid)."""
    ref, cur = data(shift=2.0)
    stable_ref, stable_cur = data(seed=9, shift=0.0)
    a = reference_profile("temp", ref["temp"])
    b = reference_profile("temp", stable_ref["temp"])
    return [splunk_style(a, "A_v1", 100), splunk_style(current_profile("temp", cur["temp"], a), "A_v1", 200),
            splunk_style(b, "B_v1", 100), splunk_style(current_profile("temp", stable_cur["temp"], b), "B_v1", 200)]


def spoil(row, **changes):
    return dict(row, model_name="C_v1", **changes)


BAD_PROFILES = {
    "n_null text": dict(n_null="many"),
    "n_null inf": dict(n_null="inf"),
    "n_null multivalue": dict(n_null=["1", "2"]),
    "n_null negative": dict(n_null="-3"),
    "counts inf": {"counts{}": ["inf", "2", "3", "4", "5", "6", "7", "8", "9", "10"]},
    "counts negative": {"counts{}": ["-1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]},
    "counts text": {"counts{}": ["a", "2", "3", "4", "5", "6", "7", "8", "9", "10"]},
    "edges decreasing": {"edges{}": ["0", "1", "2", "3", "4", "5", "4", "7", "8", "9", "10"]},
    "edges nan": {"edges{}": ["0", "1", "2", "nan", "4", "5", "6", "7", "8", "9", "10"]},
}


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
@pytest.mark.parametrize("role_index", [0, 1])
def test_a_bad_profile_event_is_skipped_with_a_counted_warning(case, role_index):
    rows = two_models()
    bad = spoil(rows[role_index], **BAD_PROFILES[case])
    good = spoil(rows[1 - role_index])
    engine = ProfileDrift()
    engine.add_rows(rows[:2] + [bad, good] + rows[2:])
    result = [(r["model"], r["feature"], r["drift"]) for r in engine.result()]
    # the models with valid events answer as they would alone; C_v1 has only its valid half
    assert ("A_v1", "temp", 1) in result and ("B_v1", "temp", 0) in result
    assert [(r["model"], r["test"]) for r in engine.result() if r["feature"] == "temp" and r["model"] == "C_v1"] \
        == [("C_v1", "insufficient_data")]
    warnings = engine.warnings()
    assert len(warnings) == 1 and warnings[0].startswith("1 malformed profile events were skipped (1 with ")


def test_only_malformed_profiles_is_one_sentence():
    engine = ProfileDrift()
    engine.add(spoil(two_models()[0], n_null="inf"))
    with pytest.raises(ModelOpsError, match="every profile event in the input is malformed: an n_null that"):
        engine.result()


@pytest.mark.parametrize("threshold", [float("nan"), 0.0, float("inf"), -1.0])
def test_threshold_is_checked_in_profile_mode_too(threshold):
    with pytest.raises(ModelOpsError, match="threshold must be a positive number"):
        drift_engine(threshold=threshold)
    with pytest.raises(ModelOpsError, match="threshold must be a positive number"):
        drift_engine(["x"], split_field="s", threshold=threshold)


def test_profiles_count_nan_text_as_missing_in_any_order():
    # a text feature; `nan` text first or last must not change the profile
    texts = ["a", "b", "a", "c"] * 10
    for values in (["nan", "NaN"] + texts, texts + ["nan", "NaN"]):
        profile = reference_profile("f", values)
        assert profile["n_null"] == 2 and "nan" not in [c.lower() for c in profile["categories"]]
        assert dict(zip(profile["categories"], profile["counts"])) == {"a": 20, "b": 10, "c": 10}
    numbers = [str(i % 7) for i in range(40)]
    for values in (["nan"] + numbers, numbers + ["nan"]):
        profile = reference_profile("f", values)
        assert (profile["kind"], profile["n_null"], sum(profile["counts"])) == ("numeric", 1, 40)


def test_profile_per_value_bins_follow_evidently_few_values_rule():
    # reference of 3000 values, 4 distinct: Jensen-Shannon (natural log) in both modes, as Evidently
    from scipy.spatial import distance
    g = random.Random(5)
    ref = [g.choice([1, 2, 3, 4]) for _ in range(3000)]
    cur = [g.choice([1, 2, 3, 3, 4]) for _ in range(900)]
    reference = reference_profile("k", ref)
    engine = ProfileDrift()
    engine.add(splunk_style(reference, "M", 1))
    engine.add(splunk_style(current_profile("k", cur, reference), "M", 2))
    row = engine.result()[0]
    expected = distance.jensenshannon([ref.count(v) for v in (1, 2, 3, 4)], [cur.count(v) for v in (1, 2, 3, 4)])
    assert row["test"] == "jensenshannon" and row["statistic"] == pytest.approx(expected, rel=1e-12)
    acc = DriftAccumulator(["k"], split_field="side")
    acc.add_rows([{"side": "reference", "k": v} for v in ref] + [{"side": "current", "k": v} for v in cur])
    raw = acc.result()[0]
    assert raw["test"] == "jensenshannon" and raw["statistic"] == pytest.approx(expected, rel=1e-12)
    assert raw["drift"] == row["drift"] == int(expected >= 0.1)
