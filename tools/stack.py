"""`make up` / `make down`: a real Splunk with this app and the ModelOps golden-cpu container.

up: write stack/.env with random secrets (once), build the app, `docker compose up -d --build`,
wait until splunkd and HEC answer, create the app's HEC token, seed telemetry from the template
notebook inside the container, print where to look, and screenshot the dashboards when Chromium
is installed. Needs a Docker engine; says so in one sentence when there is none.
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACK = os.path.join(ROOT, "stack")
ENV_FILE = os.path.join(STACK, ".env")
DASHBOARDS = ("modelops_overview", "modelops_model_detail", "modelops_ab", "modelops_drift", "modelops_registry",
              "modelops_telemetry")


def docker_available():
    """(True, "") or (False, why) from `docker info`."""
    if shutil.which("docker") is None:
        return False, "no docker command on PATH"
    try:
        completed = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                                   text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, "docker info failed: %s" % error
    if completed.returncode != 0:
        return False, "docker info failed: %s" % (completed.stderr.strip().splitlines() or ["no engine"])[-1]
    return True, ""


def read_env():
    values = {}
    if os.path.exists(ENV_FILE):
        with open(ENV_FILE, encoding="utf-8") as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    key, _, value = line.strip().partition("=")
                    values[key] = value
    return values


def ensure_env():
    """stack/.env with random values, created once and kept (it is git-ignored)."""
    values = read_env()
    defaults = {"SPLUNK_PASSWORD": "Mo-" + secrets.token_urlsafe(18), "SPLUNK_HEC_TOKEN": secrets.token_hex(16),
                "DSDL_API_TOKEN": secrets.token_urlsafe(24), "SPLUNK_VERSION": "9.4.3", "GOLDEN_TAG": "5.2.4"}
    changed = False
    for key, value in defaults.items():
        if key not in values:
            values[key] = value
            changed = True
    if changed:
        with open(ENV_FILE, "w", encoding="utf-8") as f:
            f.write("# written by `make up`; never commit\n")
            for key, value in values.items():
                f.write("%s=%s\n" % (key, value))
        os.chmod(ENV_FILE, 0o600)
    return values


def compose(*args):
    return subprocess.run(["docker", "compose", "--env-file", ENV_FILE, "-f", os.path.join(STACK, "compose.yaml"),
                           *args], cwd=STACK, check=True)


def wait_for_splunk(env, timeout=600):
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab stack's self-signed certificate, on localhost only
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen("http://localhost:%s/services/collector/health/1.0" % env.get("SPLUNK_HEC_PORT",
                                                                                                  "8088"), timeout=5)
            request = urllib.request.Request("https://localhost:%s/services/server/info?output_mode=json"
                                             % env.get("SPLUNK_MGMT_PORT", "8089"))
            import base64

            request.add_header("Authorization", "Basic " + base64.b64encode(
                ("admin:" + env["SPLUNK_PASSWORD"]).encode()).decode())
            urllib.request.urlopen(request, timeout=5, context=context)
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(5)
    return False


def up(args):
    ok, why = docker_available()
    if not ok:
        print("make up needs a Docker engine: %s" % why, file=sys.stderr)
        return 2
    env = ensure_env()
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "build.py")], check=True)
    compose("up", "-d", "--build")
    print("waiting for Splunk (about 3 minutes on a first start)...")
    if not wait_for_splunk(env):
        print("Splunk did not become healthy; see `docker compose -f stack/compose.yaml logs splunk`", file=sys.stderr)
        return 1
    compose("exec", "-T", "dsdl", "python", "/srv/modelops-seed/seed.py")
    web = "http://localhost:%s" % env.get("SPLUNK_WEB_PORT", "8000")
    print("\nSplunk: %s (admin / the SPLUNK_PASSWORD in stack/.env)" % web)
    for name in DASHBOARDS:
        print("  %s/en-US/app/dsdl_modelops/%s" % (web, name))
    if not args.no_screenshots:
        screenshots(env, web)
    return 0


def screenshots(env, web):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print("(no Chromium found: no screenshots)")
        return
    out = os.path.join(ROOT, "docs", "screenshots")
    os.makedirs(out, exist_ok=True)
    for name in DASHBOARDS:
        target = "%s/en-US/account/insecurelogin?username=admin&password=%s&return_to=/en-US/app/dsdl_modelops/%s" % (
            web, env["SPLUNK_PASSWORD"], name)
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1600,1200",
                        "--virtual-time-budget=20000", "--screenshot=%s" % os.path.join(out, name + ".png"), target],
                       capture_output=True, timeout=120)
        print("screenshot docs/screenshots/%s.png" % name)


def down(_args):
    ok, why = docker_available()
    if not ok:
        print("make down needs a Docker engine: %s" % why, file=sys.stderr)
        return 2
    compose("down", "-v")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up")
    start.add_argument("--no-screenshots", action="store_true")
    start.set_defaults(func=up)
    sub.add_parser("down").set_defaults(func=down)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
