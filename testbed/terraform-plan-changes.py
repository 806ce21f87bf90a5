#!/usr/bin/env python3
"""The changes a saved plan makes, checked against the known emulator gaps.

    terraform show -json PLAN | testbed/terraform-plan-changes.py GAPS-FILE

Prints each resource the plan changes with the attributes that change, and
exits 1 when one of them is not in GAPS-FILE. GAPS-FILE lines are
`<resource address pattern> <attribute path> <why>`; the pattern is a shell
glob matched against the address with its index removed (aws_eks_addon.coredns,
aws_subnet.private), the attribute path is the top-level attribute or
block name. Blank lines and lines starting with # are ignored.
"""

import fnmatch
import json
import re
import sys
from typing import Any


def changed(before: Any, after: Any, unknown: Any) -> bool:
    if unknown is True:
        return True
    if isinstance(before, dict) and isinstance(after, dict):
        keys = set(before) | set(after)
        u = unknown if isinstance(unknown, dict) else {}
        return any(changed(before.get(k), after.get(k), u.get(k)) for k in keys)
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        u = unknown if isinstance(unknown, list) else [None] * len(after)
        return any(changed(b, a, x) for b, a, x in zip(before, after, u))
    # null, "" and [] mean the same to the provider for most attributes, but a
    # plan that shows them differing is still a change: report it.
    return before != after


def main() -> int:
    gaps = []
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                pattern, attribute, *_ = line.split(None, 2)
                gaps.append((pattern, attribute))
    plan = json.load(sys.stdin)
    unexplained = 0
    for rc in plan.get("resource_changes", []):
        actions = rc["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        address = rc["address"]
        bare = re.sub(r"\[[^\]]*\]", "", address)
        before = rc["change"].get("before") or {}
        after = rc["change"].get("after") or {}
        unknown = rc["change"].get("after_unknown") or {}
        attributes = sorted(
            k
            for k in set(before) | set(after)
            if changed(before.get(k), after.get(k), unknown.get(k))
        )
        if actions != ["update"]:
            attributes = attributes or ["(" + "/".join(actions) + ")"]
        for attribute in attributes:
            known = any(
                fnmatch.fnmatchcase(bare, p) and a == attribute for p, a in gaps
            )
            mark = "emulator gap" if known else "UNEXPLAINED"
            unexplained += not known
            print(
                f"    {'/'.join(actions)} {address}: {attribute}: "
                f"{json.dumps(before.get(attribute))} -> {json.dumps(after.get(attribute))} ({mark})"
            )
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
