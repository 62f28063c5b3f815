"""No event lost: every event_id sent is received, through HEC's failure modes."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from modelops.client.telemetry.client import Telemetry
from modelops.client.telemetry.config import TelemetryConfig
from modelops.client.telemetry.sender import Sender
from modelops.client.telemetry.transport import HecClient, backoff_delay
from tests.hec_server import FakeHec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(tmp_path, hec=None, **changes):
    base = TelemetryConfig(hec_url=hec.url if hec else None, hec_token=hec.token if hec else None,
                           spool_dir=str(tmp_path / "spool"), flush_interval=0.05, timeout=2.0, max_backoff=0.2,
                           batch_events=50)
    return base.with_(**changes)


def emit_many(telemetry, n, model="Horno4_AE_v3"):
    return [telemetry.emit("metrics", model, metrics={"loss": i / 10})["event_id"] for i in range(n)]


def test_happy_path_delivers_every_event_once_and_empties_the_spool(tmp_path):
    with FakeHec() as hec:
        telemetry = Telemetry(config(tmp_path, hec))
        sent = emit_many(telemetry, 500)
        assert telemetry.flush(10) is True
        assert sorted(hec.event_ids()) == sorted(sent)
        assert telemetry.sender.spool.pending() == []
        envelope = hec.events[0]
        assert (envelope["index"], envelope["sourcetype"], envelope["source"]) == (
            "ml_metrics", "dsdl:modelops", "modelops:metrics")
        assert hec.requests <= 500 // 50 + 2  # batched, not one request per event
        telemetry.sender.close()


@pytest.mark.parametrize("plan", [
    [("status", 503, 9, "Server is busy")] * 3,
    [("status", 500, 8, "Internal server error")] * 2,
    [("drop",)] * 3,
    [("status", 502, None, "Bad gateway")],
], ids=["busy", "internal", "dropped", "proxy"])
def test_retryable_failures_lose_nothing_and_duplicate_nothing(tmp_path, plan):
    with FakeHec() as hec:
        hec.plan = list(plan)
        telemetry = Telemetry(config(tmp_path, hec))
        sent = emit_many(telemetry, 120)
        assert telemetry.flush(20) is True
        assert sorted(hec.event_ids()) == sorted(sent)
        assert telemetry.sender.stats["retries"] >= 1
        telemetry.sender.close()


def test_slow_answer_past_the_timeout_is_retried(tmp_path):
    with FakeHec() as hec:
        hec.plan = [("slow", 1.5)]
        telemetry = Telemetry(config(tmp_path, hec, timeout=0.5))
        sent = emit_many(telemetry, 30)
        assert telemetry.flush(20) is True
        # The slow request was indexed too: at-least-once, duplicates removable by event_id.
        assert set(hec.event_ids()) == set(sent)
        telemetry.sender.close()


def test_malformed_event_goes_to_dead_letter_alone(tmp_path):
    with FakeHec() as hec:
        hec.plan = [("invalid", 7)]
        telemetry = Telemetry(config(tmp_path, hec, batch_events=1000))
        sent = emit_many(telemetry, 20)
        assert telemetry.flush(10) is True
        dead = telemetry.sender.spool.dead_letters()
        assert len(dead) == 1 and dead[0]["reason"] == "Invalid data format"
        dead_id = json.loads(dead[0]["event"])["event"]["event_id"]
        assert dead_id == sent[7]
        assert sorted(hec.event_ids()) == sorted(set(sent) - {dead_id})
        telemetry.sender.close()


def test_bad_token_stops_sending_keeps_events_and_replay_delivers_them(tmp_path, caplog):
    with FakeHec(token="right") as hec:
        telemetry = Telemetry(config(tmp_path, hec, hec_token="wrong"))
        sent = emit_many(telemetry, 40)
        assert telemetry.flush(3) is False
        assert telemetry.sender.fatal == "the HEC token is invalid"
        requests = hec.requests
        emit_many(telemetry, 5)
        telemetry.flush(0.5)
        assert hec.requests == requests  # stopped: no hammering with a bad token
        assert "stopped sending: the HEC token is invalid" in caplog.text
        assert caplog.text.count("stopped sending") == 1
        telemetry.sender.close()
        # replay with the right token
        fixed = Sender(config(tmp_path, hec, hec_token="right"))
        assert fixed.flush(10) is True
        assert set(sent) <= set(hec.event_ids()) and len(hec.event_ids()) == 45
        fixed.close()


def test_indexer_acknowledgement(tmp_path):
    with FakeHec(ack_after_polls=3) as hec:
        telemetry = Telemetry(config(tmp_path, hec, use_ack=True))
        sent = emit_many(telemetry, 60)
        assert telemetry.flush(10) is True
        assert sorted(hec.event_ids()) == sorted(sent)
        assert hec.acks == {}  # every ack was polled to true
        telemetry.sender.close()


def test_unacknowledged_batch_is_sent_again(tmp_path):
    with FakeHec(ack_after_polls=10**9) as hec:
        # the sender sleeps until flush, so the ten events travel as one batch
        telemetry = Telemetry(config(tmp_path, hec, use_ack=True, ack_timeout=0.3, flush_interval=30))
        sent = emit_many(telemetry, 10)
        assert telemetry.flush(1.5) is False
        assert telemetry.sender.spool.count_events() == 10  # kept until acknowledged
        assert set(hec.event_ids()) == set(sent)
        assert hec.requests >= 2 and len(hec.event_ids()) >= 20  # and sent again
        telemetry.sender.close(timeout=0.1)


def test_no_hec_configured_spools_and_flush_says_not_delivered(tmp_path):
    telemetry = Telemetry(config(tmp_path))
    emit_many(telemetry, 25)
    assert telemetry.flush(2) is False
    assert telemetry.sender.spool.count_events() == 25
    telemetry.sender.close()


def test_events_survive_a_process_that_exits_while_hec_is_down(tmp_path):
    spool = tmp_path / "spool"
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        import modelops
        for i in range(100):
            modelops.log_metrics("Horno4_AE_v3", loss=i)
        # no flush: the exit hook must spool what is still in memory
    """ % os.path.join(ROOT, "bin"))
    env = dict(os.environ, MODELOPS_HEC_URL="http://127.0.0.1:9", MODELOPS_HEC_TOKEN="x",
               MODELOPS_SPOOL_DIR=str(spool), PYTHONDONTWRITEBYTECODE="1")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    with FakeHec() as hec:
        sender = Sender(config(tmp_path, hec))
        assert sender.flush(10) is True
        assert len(set(hec.event_ids())) == 100
        sender.close()


def test_two_senders_on_one_spool_do_not_lose_events(tmp_path):
    with FakeHec() as hec:
        a = Telemetry(config(tmp_path, hec))
        b = Telemetry(config(tmp_path, hec))
        sent = emit_many(a, 200) + emit_many(b, 200)
        assert a.flush(10) and b.flush(10)
        assert set(hec.event_ids()) == set(sent)
        a.sender.close()
        b.sender.close()


def test_telemetry_never_raises_into_user_code(tmp_path, caplog):
    telemetry = Telemetry(config(tmp_path))
    assert telemetry.emit("metrics", "", metrics={}) is None  # empty model name
    assert "dropped an event" in caplog.text
    telemetry.sender.close()


def test_health_check_and_unreachable_hec():
    with FakeHec() as hec:
        assert HecClient(hec.url, hec.token).health() == (True, "HEC is healthy")
    ok, message = HecClient("http://127.0.0.1:9", "x", timeout=1).health()
    assert not ok and message.startswith("cannot reach HEC at http://127.0.0.1:9")


def test_https_verifies_certificates_by_default():
    client = HecClient("https://splunk.example:8088", "t")
    import ssl

    assert client._context.verify_mode == ssl.CERT_REQUIRED and client._context.check_hostname


def test_backoff_grows_exponentially_and_is_capped():
    assert [backoff_delay(n, base=0.5, cap=10, random_fraction=1.0) for n in range(6)] == [0.5, 1, 2, 4, 8, 10]
    assert backoff_delay(3, random_fraction=0.0) == 0.0


def test_config_from_dsdl_environment_and_overrides():
    env = {"splunk_hec_enabled": "1", "splunk_hec_url": "'https://splunk:8088/services/collector/event'",
           "splunk_hec_token": "abc"}
    cfg = TelemetryConfig.from_env(env)
    assert (cfg.hec_url, cfg.hec_token, cfg.hec_configured, cfg.verify_tls) == (
        "https://splunk:8088", "abc", True, True)
    cfg = TelemetryConfig.from_env(dict(env, MODELOPS_HEC_URL="http://other:8088", splunk_hec_enabled="0",
                                        MODELOPS_HEC_ENABLED="true", MODELOPS_SPOOL_DIR="/x"))
    assert (cfg.hec_url, cfg.enabled, cfg.spool_dir) == ("http://other:8088", True, "/x")
    assert TelemetryConfig.from_env(dict(env, splunk_hec_enabled="false")).hec_configured is False
    assert "abc" not in repr(TelemetryConfig.from_env(env))  # the token never shows in logs


# --- issue 13 item 6: configuration mistakes never raise and never drop events -------------------------

def fresh_default(monkeypatch, tmp_path, **env):
    from modelops.client.telemetry import client as client_module

    for name in ("MODELOPS_HEC_URL", "MODELOPS_HEC_TOKEN", "MODELOPS_HEC_ENABLED", "MODELOPS_CA_BUNDLE",
                 "MODELOPS_TLS_VERIFY", "MODELOPS_HEC_ACK", "splunk_hec_url", "splunk_hec_token", "splunk_hec_enabled"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MODELOPS_SPOOL_DIR", str(tmp_path / "spool"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(client_module, "_default", None)


def log_and_flush(n):
    import modelops

    events = [modelops.log_metrics("Horno4_AE_v3", loss=i) for i in range(n)]
    assert all(e is not None for e in events)  # no ValueError, no lost event
    assert modelops.flush(0.5) is False  # not delivered, and it says so
    modelops.get_telemetry().sender.close(timeout=0.1)
    return [e["event_id"] for e in events]


@pytest.mark.parametrize("setting, value, says", [
    ("MODELOPS_HEC_ENABLED", "maybe", "MODELOPS_HEC_ENABLED='maybe' is not a yes/no value"),
    ("MODELOPS_CA_BUNDLE", "/nonexistent/ca.pem", "the CA bundle /nonexistent/ca.pem (MODELOPS_CA_BUNDLE) does not "
                                                  "exist"),
    ("MODELOPS_HEC_URL", "splunk.example:8088", "the HEC URL must look like https://host:8088"),
], ids=["bad-yes-no", "missing-ca-bundle", "url-without-scheme"])
def test_misconfiguration_keeps_events_in_the_spool_with_one_warning(tmp_path, monkeypatch, caplog, setting, value,
                                                                      says):
    with FakeHec() as hec:
        env = {"MODELOPS_HEC_URL": hec.url.replace("http:", "https:") if setting == "MODELOPS_CA_BUNDLE" else hec.url,
               "MODELOPS_HEC_TOKEN": hec.token, setting: value}
        fresh_default(monkeypatch, tmp_path, **env)
        sent = log_and_flush(30)
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert len(warnings) == 1 and says in warnings[0] and "modelops replay" in warnings[0], warnings
        assert hec.requests == 0  # nothing was sent to a misconfigured target
        # fixed configuration: `modelops replay` delivers every event once
        fixed = Sender(config(tmp_path, hec))
        assert fixed.flush(10) is True
        fixed.close()
        assert sorted(hec.event_ids()) == sorted(sent)


def test_bad_yes_no_values_for_ack_and_tls_take_the_safe_side():
    cfg = TelemetryConfig.from_env({"MODELOPS_HEC_URL": "https://s:8088", "MODELOPS_HEC_TOKEN": "t",
                                    "MODELOPS_TLS_VERIFY": "perhaps", "MODELOPS_HEC_ACK": "sometimes"})
    assert (cfg.verify_tls, cfg.use_ack, cfg.enabled) == (True, False, True)
    assert len(cfg.problems) == 2
    assert any(p.startswith("MODELOPS_TLS_VERIFY='perhaps' is not a yes/no value") for p in cfg.problems)


def test_log_calls_with_odd_arguments_never_raise(tmp_path, monkeypatch):
    import modelops

    fresh_default(monkeypatch, tmp_path)
    assert modelops.log_training_step("Horno4_AE_v3", epoch="not a number") is None
    assert modelops.log_metrics(None, loss=1.0) is None
    assert modelops.log_metrics("Horno4_AE_v3", loss=object()) is not None  # the odd value is left out
    modelops.get_telemetry().sender.close(timeout=0.1)
