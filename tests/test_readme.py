"""The README's commands are the ones CI runs."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    test_command = [b.strip() for b in _bash_blocks(readme) if "pytest" in b]
    assert len(test_command) == 1
    assert test_command[0] in (ROOT / ".ci" / "run").read_text()


def test_readme_demo_script_exists():
    readme = (ROOT / "README.md").read_text()
    demo = [b.strip() for b in _bash_blocks(readme) if "examples/" in b]
    assert len(demo) == 1
    script = re.search(r"python (examples/\S+\.py)", demo[0]).group(1)
    assert (ROOT / script).exists()


@pytest.mark.slow
def test_readme_usage_example_runs(capsys):
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, flags=re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert 0.0 <= float(capsys.readouterr().out.strip()) <= 1.0
