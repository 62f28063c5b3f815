"""Run AppInspect (precert, cloud tags) on the package and hold it to our gate.

The gate: 0 errors, 0 failures, 0 future failures, and no warning that appinspect-accepted.json
does not list with a reason. Prints a summary; exits 1 when the gate fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCEPTED = os.path.join(ROOT, "appinspect-accepted.json")


def inspect(package: str) -> dict:
    executable = os.path.join(os.path.dirname(sys.executable), "splunk-appinspect")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        completed = subprocess.run(
            [executable, "inspect", package, "--mode", "precert", "--included-tags", "cloud", "--ci",
             "--skip-trusted-libraries-update", "--data-format", "json", "--output-file", report],
            capture_output=True, text=True, check=False)
        if not os.path.exists(report):
            raise SystemExit("appinspect produced no report (exit %d): %s"
                             % (completed.returncode, completed.stderr.strip()[-2000:]))
        with open(report, encoding="utf-8") as f:
            return json.load(f)


def findings(report: dict) -> list:
    """(result, check name, first message) for every check that did not succeed or apply."""
    found = []
    for app_report in report["reports"]:
        for group in app_report["groups"]:
            for check in group["checks"]:
                if check["result"] in ("success", "not_applicable"):
                    continue
                message = check["messages"][0]["message"] if check["messages"] else ""
                found.append((check["result"], check["name"], " ".join(message.split())))
    return found


def gate(report: dict, accepted: dict) -> list:
    """The problems that fail the gate (empty when it passes)."""
    problems = []
    for result, name, message in findings(report):
        if result == "warning" and name in accepted:
            continue
        if result in ("skipped", "manual_check"):
            continue
        problems.append("%s %s: %s" % (result, name, message))
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package")
    args = parser.parse_args(argv)
    with open(ACCEPTED, encoding="utf-8") as f:
        accepted = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    report = inspect(args.package)
    summary = report["summary"]
    print("AppInspect (precert, cloud) on %s" % os.path.relpath(args.package, ROOT))
    print("  " + ", ".join("%s=%s" % (k, summary[k]) for k in
                           ("failure", "future_failure", "error", "warning", "success", "not_applicable")))
    for result, name, _ in findings(report):
        if result == "warning" and name in accepted:
            print("  accepted warning %s: %s" % (name, accepted[name]))
    problems = gate(report, accepted)
    for problem in problems:
        print("  GATE " + problem)
    print("  gate: %s" % ("FAILED" if problems else "passed"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
