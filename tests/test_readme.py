"""README is the newcomer's contract: it must name every demo login (the environment variables are
checked in tests/test_ops.py). A new login without its README line fails here."""

from pathlib import Path

from partnerships import demo

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_demo_login_and_the_password():
    assert demo.DEMO_PASSWORD in README
    missing = [email for email, _role, _org in demo.logins() if email not in README]
    assert not missing, f"README does not list: {missing}"


def test_readme_gives_the_two_commands():
    assert "make run" in README
    assert "make test" in README
