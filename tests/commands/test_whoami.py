"""`git sess whoami`."""

from __future__ import annotations

import json

import jsonschema

from gitsess.data import schema
from tests.helpers import Repo


def test_derived_from_user_name_and_cached(repo: Repo) -> None:
    out = repo.sess("whoami", check=True).stdout
    assert out == "RT\n  email:  rosa@example.com\n  source: derived from user.name\n"
    assert repo.git("config", "sess.operator").stdout.strip() == "RT"
    # Cached: a new name does not change the id.
    repo.git("config", "user.name", "Someone Else Entirely")
    doc = json.loads(repo.sess("whoami", "--json", check=True).stdout)
    jsonschema.validate(doc, schema("whoami"))
    assert doc == {"v": 1, "operator": "RT", "email": "rosa@example.com",
                   "source": "derived from user.name"}


def test_a_hand_set_operator_after_a_cached_one_is_reported_as_set(repo: Repo) -> None:
    repo.sess("whoami", check=True)  # caches RT, derived from user.name
    repo.git("config", "sess.operator", "rosa")
    doc = json.loads(repo.sess("whoami", "--json", check=True).stdout)
    assert (doc["operator"], doc["source"]) == ("rosa", "sess.operator")


def test_sess_operator_wins(repo: Repo) -> None:
    repo.git("config", "sess.operator", "rosa_t")
    doc = json.loads(repo.sess("whoami", "--json", check=True).stdout)
    assert (doc["operator"], doc["source"]) == ("rosa_t", "sess.operator")


def test_derived_from_email_without_a_name(repo: Repo) -> None:
    repo.git("config", "user.name", "")
    repo.git("config", "user.email", "dev.ops@example.com")
    doc = json.loads(repo.sess("whoami", "--json", check=True).stdout)
    assert (doc["operator"], doc["source"]) == ("dev-ops", "derived from user.email")


def test_outside_a_repository(tmp_path: object) -> None:
    from pathlib import Path

    from tests.helpers import sess

    proc = sess("whoami", cwd=Path(str(tmp_path)))
    assert proc.returncode == 3 and proc.stderr.startswith("error: not a git repository")


def test_an_invalid_sess_operator_is_named_not_silently_replaced(repo: Repo) -> None:
    repo.git("config", "sess.operator", "../../x y")
    proc = repo.sess("whoami", "--json", check=True)
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, schema("whoami"))
    assert doc["operator"] == "RT"
    assert proc.stderr.splitlines()[0] == (
        "warning: sess.operator '../../x y' is not a valid operator id; using RT")
    assert proc.stderr.splitlines()[1].startswith("hint: ")
    # The configured value is the user's: never overwritten by the derived id.
    assert repo.git("config", "sess.operator").stdout.strip() == "../../x y"


def test_no_user_name_or_email(repo: Repo) -> None:
    repo.git("config", "user.name", "")
    repo.git("config", "user.email", "")
    doc = json.loads(repo.sess("whoami", "--json", check=True).stdout)
    assert (doc["operator"], doc["email"]) == ("anon", None)
    assert doc["source"].startswith("default")
