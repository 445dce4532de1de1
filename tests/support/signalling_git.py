"""A `git` that, at its K-th run ($K, counted in the file $COUNT), first sends SIGTERM to its
parent and then does its work all the same: a setup-git interrupted while a git child writes."""

from __future__ import annotations

from pathlib import Path


def install(bin_dir: Path, real_git: str) -> Path:
    """Write the wrapper as ``bin_dir``/git (put ``bin_dir`` first on PATH); its path."""
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "git"
    wrapper.write_text(
        '#!/bin/sh\nn=$(cat "$COUNT" 2>/dev/null || echo 0); echo $((n + 1)) > "$COUNT"\n'
        f'[ "$n" = "$K" ] && kill -TERM $PPID\nexec {real_git} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper
