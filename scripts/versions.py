"""Released versions of the package, found by tag or, without tags, by the commit that released them.

A version X.Y.Z is released by the commit tagged ``vX.Y.Z`` when that tag exists. A clone without tags
still knows its releases from the version history in git: the release commit of X.Y.Z is the first
commit in the history of HEAD whose datapackage.json says ``"version": "X.Y.Z"`` and whose CHANGELOG.md
has a ``## [X.Y.Z]`` section. A tag always wins over the history.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .descriptor import DESCRIPTOR

CHANGELOG = "CHANGELOG.md"
SEMVER = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)")
STRICT = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")  # semver: no leading zeros
SPEC = re.compile(r"v?([0-9]+\.[0-9]+\.[0-9]+)")  # how a user names a version: 0.1.0 or v0.1.0
SECTION = re.compile(r"^## \[([^\]]+)\]", re.M)


def version_key(version: str):
    m = SEMVER.fullmatch(version or "")
    return tuple(int(x) for x in m.groups()) if m else None


@dataclass(frozen=True)
class Release:
    version: str
    commit: str
    tag: str | None  # the tag vX.Y.Z when the release is tagged, else None (found from the history)

    @property
    def label(self) -> str:
        """How the release is named in notes and change logs."""
        return self.tag if self.tag else f"{self.version} (commit {self.commit[:12]}, untagged)"


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess | None:
    """git in ``root`` only (GIT_DIR and friends from the caller are ignored); None when git cannot run."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env, input=stdin)
    except OSError:
        return None


def is_checkout(root: Path) -> bool:
    done = _git(root, "rev-parse", "--is-inside-work-tree")
    if done is None or done.returncode != 0 or done.stdout.strip() != b"true":
        return False
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return head is not None and head.returncode == 0


def tags(root: Path) -> dict[str, Release]:
    """Release tags vX.Y.Z, by version."""
    done = _git(root, "for-each-ref", "--format=%(refname:strip=2) %(objectname) %(*objectname)", "refs/tags/v*")
    out = {}
    for line in (done.stdout.decode().splitlines() if done is not None and done.returncode == 0 else []):
        name, obj, peeled = (line.split(" ") + ["", ""])[:3]
        if version_key(name[1:]):
            out[name[1:]] = Release(name[1:], peeled or obj, name)
    return out


def _read_blobs(root: Path, specs: list[str]) -> list[bytes | None]:
    """The content of each ``commit:path`` (None where it does not exist), by one `git cat-file --batch`."""
    if not specs:
        return []
    done = _git(root, "cat-file", "--batch", stdin=("\n".join(specs) + "\n").encode())
    if done is None or done.returncode != 0:
        return [None] * len(specs)
    data, pos, out = done.stdout, 0, []
    for _ in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split(b" ")
        if header[-1] == b"missing" or len(header) != 3:
            out.append(None)
            pos = end + 1
            continue
        size = int(header[2])
        out.append(data[end + 1:end + 1 + size])
        pos = end + 1 + size + 1  # the content, then a newline
    return out


def history(root: Path, rev: str = "HEAD") -> dict[str, Release]:
    """Versions released in the history of ``rev``, each at the first commit where datapackage.json states it
    and CHANGELOG.md has its section (oldest first in topological order)."""
    done = _git(root, "rev-list", "--reverse", "--topo-order", rev, "--", DESCRIPTOR, CHANGELOG)
    if done is None or done.returncode != 0:
        return {}
    commits = done.stdout.decode().split()
    blobs = _read_blobs(root, [f"{c}:{p}" for c in commits for p in (DESCRIPTOR, CHANGELOG)])
    out: dict[str, Release] = {}
    for i, commit in enumerate(commits):
        descriptor, changelog = blobs[2 * i], blobs[2 * i + 1]
        if descriptor is None or changelog is None:
            continue
        try:
            version = json.loads(descriptor.decode("utf-8")).get("version")
        except (UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            continue
        if not isinstance(version, str) or not version_key(version) or version in out:
            continue
        if version in SECTION.findall(changelog.decode("utf-8", errors="replace")):
            out[version] = Release(version, commit, None)
    return out


def releases(root: Path, rev: str = "HEAD") -> dict[str, Release]:
    """Every released version known to the repository at ``root``: its tags, and the history of ``rev``
    for versions without a tag. Empty when root is not a git checkout."""
    if not is_checkout(root):
        return {}
    found = history(root, rev)
    found.update(tags(root))
    return dict(sorted(found.items(), key=lambda kv: version_key(kv[0])))


def resolve(root: Path, spec: str) -> Release | None:
    """The release named ``spec`` (``0.1.0`` or ``v0.1.0``): by its tag, else by the commit that released it.
    None when spec does not name a version, or the version was not released."""
    m = SPEC.fullmatch(spec)
    if not m or not is_checkout(root):
        return None
    version = m.group(1)
    tagged = tags(root).get(version)
    return tagged or history(root).get(version)


def latest(root: Path, below: str | None = None) -> Release | None:
    """The highest release (below version ``below`` when given), or None."""
    found = releases(root)
    if below is not None:
        found = {v: r for v, r in found.items() if version_key(v) < version_key(below)}
    return found[max(found, key=version_key)] if found else None
