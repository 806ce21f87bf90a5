#!/usr/bin/env python3
"""The images' SBOMs (CycloneDX JSON): the C libraries, and the licence policy.

  sbom.py vendored BOM METADATA    adds to BOM (cargo-cyclonedx's, of one
                                   binary) the C libraries that its -sys
                                   crates build from their own sources, with
                                   the versions and licences of those sources
  sbom.py check BOM... DENY_TOML   every component's licence is allowed by
                                   deny.toml's [licenses] allow list (the
                                   policy cargo deny checks on the crates)

cargo-cyclonedx lists the crates; the C code that aws-lc-sys, openssl-src,
rdkafka-sys and libz-sys compile into the binaries is invisible to it and to
cargo deny, so it is added here from the crates' own sources (METADATA is
`cargo metadata --format-version 1` of the workspace).
"""

import json
import re
import sys
import tomllib
from pathlib import Path


def header_version(pattern):
    """A version read from a header of the crate's sources."""

    def read(crate_dir):
        for path, regex in pattern:
            text = (crate_dir / path).read_text(errors="replace")
            match = re.search(regex, text)
            if match:
                return match.group(1)
        raise SystemExit(f"sbom.py: no version in {crate_dir} ({pattern})")

    return read


def build_metadata(_crate_dir, version):
    """The upstream version a -src/-sys crate carries after '+'."""
    return version.split("+", 1)[1]


# The crates whose binaries hold vendored C code (the crate in the SBOM), and
# the library: its name, the crate whose sources hold it (openssl-src is a
# build dependency of openssl-sys, so not in the SBOM), where its version
# is, its licence (SPDX, from the library's own LICENSE) and its project URL.
VENDORED = {
    "aws-lc-sys": (
        "aws-lc",
        "aws-lc-sys",
        header_version([("aws-lc/include/openssl/base.h", r'AWSLC_VERSION_NUMBER_STRING "([^"]+)"')]),
        "ISC AND (Apache-2.0 OR ISC) AND OpenSSL",
        "https://github.com/aws/aws-lc",
    ),
    "openssl-sys": ("openssl", "openssl-src", build_metadata, "Apache-2.0", "https://www.openssl.org"),
    "rdkafka-sys": ("librdkafka", "rdkafka-sys", build_metadata, "BSD-2-Clause", "https://github.com/confluentinc/librdkafka"),
    "libz-sys": (
        "zlib",
        "libz-sys",
        header_version([("src/zlib/zlib.h", r'#define ZLIB_VERSION "([^"]+)"')]),
        "Zlib",
        "https://zlib.net",
    ),
}


def vendored(bom_path, metadata_path):
    bom = json.loads(Path(bom_path).read_text())
    metadata = json.loads(Path(metadata_path).read_text())
    # The workspace resolves one version of each source crate.
    packages = {p["name"]: p for p in metadata["packages"]}
    added = []
    for component in list(bom.get("components", [])):
        if component.get("name") not in VENDORED:
            continue
        library, source, read_version, licence, url = VENDORED[component["name"]]
        crate = packages[source]
        crate_dir = Path(crate["manifest_path"]).parent
        if read_version is build_metadata:
            lib_version = build_metadata(crate_dir, crate["version"])
        else:
            lib_version = read_version(crate_dir)
        c = {
            "type": "library",
            "bom-ref": f"vendored:{library}@{lib_version}",
            "name": library,
            "version": lib_version,
            "description": f"C library built from the sources vendored in the crate {source} {crate['version']}",
            "licenses": [{"expression": licence}],
            "externalReferences": [{"type": "website", "url": url}],
        }
        bom["components"].append(c)
        bom.setdefault("dependencies", []).append({"ref": component["bom-ref"], "dependsOn": [c["bom-ref"]]})
        added.append(f"{library} {lib_version}")
    Path(bom_path).write_text(json.dumps(bom, indent=2) + "\n")
    print(f"{bom_path}: added {', '.join(added) or 'no vendored C library'}")


def licence_expressions(component):
    for entry in component.get("licenses", []):
        if "expression" in entry:
            yield entry["expression"]
        elif "license" in entry:
            lic = entry["license"]
            yield lic.get("id") or lic.get("name") or ""


def allowed(expression, allow):
    """An SPDX expression is allowed when some choice of its ORs needs only
    allowed licences ('/' is the old spelling of OR)."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression.replace("/", " OR "))
    pos = 0

    def parse_chain(operator, parse_operand):
        """OPERAND (OPERATOR OPERAND)*: each operand's result, all parsed."""
        nonlocal pos
        results = [parse_operand()]
        while pos < len(tokens) and tokens[pos] == operator:
            pos += 1
            results.append(parse_operand())
        return results

    def parse_or():
        return any(parse_chain("OR", parse_and))

    def parse_and():
        return all(parse_chain("AND", parse_atom))

    def parse_atom():
        nonlocal pos
        if pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            ok = parse_or()
            pos += 1  # ")"
            return ok
        licence = tokens[pos]
        pos += 1
        if pos < len(tokens) and tokens[pos] == "WITH":
            licence = f"{licence} WITH {tokens[pos + 1]}"
            pos += 2
        return licence in allow

    return bool(tokens) and parse_or()


def check(bom_paths, deny_toml):
    allow = set(tomllib.loads(Path(deny_toml).read_text())["licenses"]["allow"])
    refused = 0
    for bom_path in bom_paths:
        bom = json.loads(Path(bom_path).read_text())
        for component in bom.get("components", []):
            expressions = list(licence_expressions(component))
            if not expressions or not all(allowed(e, allow) for e in expressions):
                refused += 1
                print(
                    f"{bom_path}: {component.get('name')} {component.get('version')}: licence "
                    f"{' AND '.join(expressions) or 'none'} is not allowed by {deny_toml}"
                )
    if refused:
        raise SystemExit(f"sbom.py: {refused} component(s) under a licence the policy does not allow")
    print(f"sbom.py: every component of {len(bom_paths)} SBOM(s) is under an allowed licence")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "vendored":
        vendored(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        check(sys.argv[2:-1], sys.argv[-1])
    else:
        raise SystemExit(__doc__)
