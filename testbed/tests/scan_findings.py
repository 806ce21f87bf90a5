"""The findings of checkov and kube-score against the skip list, for
testbed/tests/scan.sh (make test-scan).

    python3 scan_findings.py SKIPS CHECKOV.json RENDER=KUBE-SCORE.json...

A finding is (scanner, check id, render, Kind/namespace/name). Each one must
match a line of SKIPS (testbed/scan-skips.txt: SCANNER CHECK RENDER OBJECT
REASON..., RENDER and OBJECT may be globs); each line of SKIPS must match a
finding. Prints one ok/FAIL line per finding and per unmatched line, in
testbed/tests/lib.sh's format (scan.sh counts them), and exits 0 whatever
they say: a non-zero exit is this script's own failure. checkov's RENDER is
its file's name without `.yaml`.
"""

import fnmatch
import json
import os
import sys


def checkov_findings(path):
    """checkov -o json of one framework: its failed checks. Refuses parsing
    errors, an empty scan and inline (annotation) skips."""
    report = json.load(open(path))
    summary = report.get("summary", {})
    problems = []
    if summary.get("parsing_errors", 0):
        problems.append(f"checkov: {summary['parsing_errors']} file(s) it could not parse")
    if not summary.get("resource_count"):
        problems.append("checkov: no resource scanned")
    results = report.get("results", {})
    if summary.get("skipped", 0):
        where = ", ".join(f"{s['check_id']} on {s['resource']}" for s in results.get("skipped_checks", []))
        problems.append(
            f"checkov: {summary['skipped']} check(s) skipped by a checkov.io/skip annotation ({where});"
            " skips belong in testbed/scan-skips.txt"
        )
    findings = []
    for failed in results.get("failed_checks", []):
        kind, namespace, name = failed["resource"].split(".", 2)
        render = os.path.basename(failed["file_path"]).removesuffix(".yaml")
        findings.append(("checkov", failed["check_id"], render, f"{kind}/{namespace}/{name}", failed["check_name"]))
    return findings, problems


def kube_score_findings(render, path):
    """kube-score -o json (v2) of one render: each check not skipped whose
    grade is below 10 (OK), with its comments."""
    objects = json.load(open(path))
    if not objects:
        return [], [f"kube-score: no object scored in {render}"]
    findings = []
    for obj in objects:
        meta = obj["object_meta"]
        ident = f"{obj['type_meta']['kind']}/{meta.get('namespace') or '-'}/{meta['name']}"
        for check in obj["checks"]:
            if check["skipped"] or check["grade"] >= 10:
                continue
            comments = "; ".join(
                f"({c['path']}) {c['summary']}" if c.get("path") else c["summary"]
                for c in check.get("comments") or []
            )
            findings.append(("kube-score", check["check"]["id"], render, ident, comments or check["check"]["name"]))
    return findings, []


def read_skips(path):
    skips, problems = [], []
    for number, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(None, 4)
        if len(fields) < 5 or fields[0] not in ("checkov", "kube-score"):
            problems.append(f"{path}:{number}: not 'checkov|kube-score CHECK RENDER OBJECT REASON'")
            continue
        skips.append((number, *fields))
    return skips, problems


def main(skips_path, checkov_path, *kube_score):
    findings, problems = checkov_findings(checkov_path)
    for pair in kube_score:
        render, path = pair.split("=", 1)
        found, trouble = kube_score_findings(render, path)
        findings += found
        problems += trouble
    skips, trouble = read_skips(skips_path)
    problems += trouble
    skips_file = os.path.basename(skips_path)

    used = set()
    for scanner in ("checkov", "kube-score"):
        mine = [f for f in findings if f[0] == scanner]
        print(f"     {scanner}: {len(mine)} finding(s)")
    for scanner, check, render, obj, message in sorted(findings):
        where = f"{scanner} {check} {render} {obj}"
        match = next(
            (
                s
                for s in skips
                if s[1] == scanner
                and s[2] == check
                and fnmatch.fnmatchcase(render, s[3])
                and fnmatch.fnmatchcase(obj, s[4])
            ),
            None,
        )
        if match:
            used.add(match[0])
            print(f"ok   - known: {where} ({skips_file}:{match[0]})")
        else:
            print(f"FAIL - new finding: {where}: {message}")
            print(f"       fix it, or add '{where} REASON' to {skips_file}")
    for number, scanner, check, render, obj, _ in skips:
        if number not in used:
            print(f"FAIL - {skips_file}:{number} matches no finding ({scanner} {check} {render} {obj}): remove it")
    for problem in problems:
        print(f"FAIL - {problem}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
