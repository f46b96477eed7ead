"""gitsess.transcripts.redact: detect-secrets' plugins plus the two additions, on text and JSONL.

Secrets come from tests/helpers.py, assembled at run time so that no test
file holds a whole token for a secret scanner (ours included) to trip on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from gitsess.transcripts.archive import project_folder
from gitsess.transcripts.escapes import encodings
from gitsess.transcripts.redact import redact_jsonl, redact_jsonl_many, redact_text
from tests.helpers import AWS_ID, AWS_SECRET, GH_CLASSIC, GH_FINE, STRIPE, Repo, payload
from tests.helpers import fake_pem as pem
from tests.sesshelpers import bare, remote_refs


def clean(text: str) -> str:
    out, _ = redact_text(text)
    return out


@pytest.mark.parametrize(
    ("line", "secret", "kind"),
    [
        (f"AWS_ACCESS_KEY_ID={AWS_ID}", AWS_ID, "AWS Access Key"),
        (f'aws_secret_access_key = "{AWS_SECRET}"', AWS_SECRET, None),
        (f"export GITHUB_TOKEN={GH_CLASSIC}", GH_CLASSIC, "GitHub Token"),
        (f"remote: https://x-access-token:{GH_CLASSIC}@github.com/o/r", GH_CLASSIC, None),
        (f"token: {GH_FINE}", GH_FINE, "GitHub Token"),
        (f"STRIPE_KEY={STRIPE}", STRIPE, "Stripe Access Key"),
        ("DATABASE_URL=postgres://app:s3cr3tPassw0rd@db:5432/app", "s3cr3tPassw0rd", None),
        ('password = "correct horse battery staple"', "correct horse battery staple", None),
    ],
)
def test_detected_secrets_are_replaced_with_their_type(
    line: str, secret: str, kind: str | None
) -> None:
    out, counts = redact_text(line)
    assert secret not in out
    assert "[REDACTED:" in out
    if kind:
        assert f"[REDACTED:{kind}]" in out and counts[kind] >= 1


def test_only_the_password_of_a_url_goes() -> None:
    out = clean("DATABASE_URL=postgres://app:s3cr3tPassw0rd@db.internal:5432/app")
    assert out == "DATABASE_URL=postgres://app:[REDACTED:Basic Auth Credentials]@db.internal:5432/app"


def test_a_classic_github_token_is_removed_whole() -> None:
    # GitHubTokenDetector's pattern reports only its capture group ('ghp');
    # the span taken is the whole token, even past the pattern's 36 characters.
    out = clean(f"the token is {GH_CLASSIC}.")
    assert out == "the token is [REDACTED:GitHub Token]."


@pytest.mark.parametrize(
    ("kind", "marker"),
    [
        ("RSA PRIVATE KEY", "RSA"),
        ("OPENSSH PRIVATE KEY", "OPENSSH"),
        ("PRIVATE KEY", "PRIVATE KEY"),
        ("EC PRIVATE KEY", "EC PRIVATE"),
    ],
)
def test_private_key_blocks_go_whole(kind: str, marker: str) -> None:
    block, body = pem(kind)
    out, counts = redact_text(f"$ cat key\n{block}done\n")
    assert out == "$ cat key\n[REDACTED:Private Key]\ndone\n"
    assert counts == {"Private Key": 1}
    assert all(line not in out for line in body)


def test_a_cut_off_private_key_is_removed_to_the_end() -> None:
    block, body = pem()
    head = "\n".join(block.splitlines()[:4])  # `head -4 id_rsa`
    out = clean(f"{head}\n")
    assert out == "[REDACTED:Private Key]"
    assert all(line not in out for line in body[:3])


def test_a_private_key_inside_json_text_goes_whole() -> None:
    # A service-account file read by a tool: the key's newlines are "\n" escapes.
    block, body = pem("PRIVATE KEY")
    doc = json.dumps({"type": "service_account", "private_key": block, "client_email": "a@b.c"})
    out = clean(f"{doc}\n")
    assert all(line not in out for line in body)
    assert json.loads(out)["private_key"] == "[REDACTED:Private Key]\n"
    assert json.loads(out)["client_email"] == "a@b.c"


def test_env_lines() -> None:
    env = (
        "# production\n"
        "DB_PASSWORD=hunter2hunter2\n"
        "DEPLOY_TOKEN=q8Zr3kT9mLq8Wv5\n"
        "export SENTRY_DSN=https://4f2a9c@o1.ingest.sentry.io/42\n"
        "ENCRYPTION_KEY='a1b2c3d4e5'\n"
        'AUTH_COOKIE="c00kie-v4lue"\n'
        "SESSION_SECRET=shhh-its-a-secret\n"
        "PORT=8080\n"
        "NODE_ENV=production\n"
        "KEYBOARD_LAYOUT=us\n"
        "PASSWORD_FROM_ENV=${PASSWORD}\n"
    )
    out, counts = redact_text(env)
    for secret in ("hunter2hunter2", "q8Zr3kT9mLq8Wv5", "4f2a9c", "a1b2c3d4e5", "c00kie-v4lue",
                   "shhh-its-a-secret"):
        assert secret not in out
    for kept in ("PORT=8080", "NODE_ENV=production", "KEYBOARD_LAYOUT=us",
                 "PASSWORD_FROM_ENV=${PASSWORD}", "# production"):
        assert kept in out
    assert "ENCRYPTION_KEY='[REDACTED:Env Secret]'" in out
    assert sum(counts.values()) == 6


def test_env_lines_as_a_read_tool_shows_them() -> None:
    # Claude Code's Read tool prefixes each line with its number and an arrow.
    out = clean("     1→API_TOKEN=abcd1234efgh5678\n     2→DEBUG=1\n")
    assert out == "     1→API_TOKEN=[REDACTED:Env Secret]\n     2→DEBUG=1\n"


def test_ordinary_text_is_left_alone() -> None:
    text = (
        "commit 3f1e2d4c5b6a79881726354a5b6c7d8e9f0a1b2c\n"
        "def token_count(s):\n    return len(s.split())\n"
        "the password policy needs review\n"
        "uuid 8a7f4c2e-1b3d-4e5f-9a8b-7c6d5e4f3a2b\n"
    )
    assert clean(text) == text


def test_a_secret_found_once_is_removed_everywhere() -> None:
    text = f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}\nlater I pasted {AWS_SECRET} in prose\n"
    out, counts = redact_text(text)
    assert AWS_SECRET not in out
    assert out.count("[REDACTED:") == 2 and sum(counts.values()) == 2


def jsonl(*objs: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objs)


def test_jsonl_redacts_inside_values_and_keeps_the_structure() -> None:
    block, body = pem()
    data = jsonl(
        {"type": "user", "uuid": "8a7f4c2e-1b3d-4e5f-9a8b-7c6d5e4f3a2b",
         "message": {"content": [{"type": "tool_result",
                                  "content": f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n{block}"}]}},
        {"type": "assistant", "message": {"content": [
            {"type": "tool_use", "name": "Bash",
             "input": {"command": f"curl -H 'Authorization: token {GH_CLASSIC}' api"}}]}},
        {"type": "assistant", "message": {"content": [
            {"type": "text", "text": f"The key {AWS_SECRET} is now in the vault."}]}},
    )
    result = redact_jsonl(data)
    text = result.data.decode()
    for secret in (AWS_SECRET, GH_CLASSIC, *body):
        assert secret not in text
        assert json.dumps(secret)[1:-1] not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 3 and lines[0]["uuid"] == "8a7f4c2e-1b3d-4e5f-9a8b-7c6d5e4f3a2b"
    assert lines[0]["message"]["content"][0]["content"].endswith("\n[REDACTED:Private Key]\n")
    assert result.counts["Private Key"] == 1 and result.counts["GitHub Token"] == 1
    assert result.total >= 4


def test_jsonl_lines_without_secrets_are_kept_byte_for_byte() -> None:
    data = b'{"type": "user",   "message": {"content": "ls -la"}}\n{"a":1}\r\n'
    assert redact_jsonl(data).data == data


def test_a_line_that_is_not_json_is_redacted_as_text() -> None:
    data = jsonl({"a": 1}) + f'{{"truncated": "{AWS_ID}'.encode()
    out = redact_jsonl(data).data.decode()
    assert AWS_ID not in out and out.startswith('{"a": 1}\n')


def test_a_long_line_is_scanned_throughout() -> None:
    filler = "x = compute(y)  # harmless code " * 400  # ~13,000 characters
    out = clean(f"{filler} key {AWS_ID} {filler} {GH_CLASSIC}")
    assert AWS_ID not in out and GH_CLASSIC not in out


# -- secrets inside JSON inside JSON -------------------------------------------

NONCE = "Zx9q" + "P4vR7tY2wK8mN3bL6hJ5gF1dS0aQ"  # high entropy, in quotes: Base64HighEntropyString


def nested_line(doc: object, depth: int) -> bytes:
    """A tool_result whose text is `doc` as JSON, `depth` JSON strings down:
    at depth 1 the key reads \\"AKIA...\\" in the file, at 2 \\\\\\"AKIA...\\\\\\"."""
    text = json.dumps(doc)
    for _ in range(depth - 1):
        text = json.dumps({"type": "text", "text": text})
    line = {"type": "user", "message": {"content": [{"type": "tool_result", "content": text}]}}
    return json.dumps(line).encode() + b"\n"


def unnest(line: str, depth: int) -> object:
    text = json.loads(line)["message"]["content"][0]["content"]
    for _ in range(depth - 1):
        text = json.loads(text)["text"]
    return json.loads(text)


def secret_docs() -> dict[str, tuple[object, list[str], object]]:
    """name -> (document, secrets in it, the document once redacted)."""
    block, body = pem("PRIVATE KEY", seed="nested")
    cut = "\n".join(block.splitlines()[:4]) + "\n"  # `head -4 key.pem`, in a JSON reply
    return {
        "aws": (
            {"Credentials": {"AccessKeyId": AWS_ID, "SecretAccessKey": AWS_SECRET,
                             "Expiration": "2026-11-26T10:00:00Z"}},
            [AWS_ID, AWS_SECRET],
            {"Credentials": {"AccessKeyId": "[REDACTED:AWS Access Key]",
                             "SecretAccessKey": "[REDACTED:Secret Keyword]",
                             "Expiration": "2026-11-26T10:00:00Z"}},
        ),
        "private key": (
            {"type": "service_account", "private_key": block, "client_email": "a@b.c"},
            body,
            {"type": "service_account", "private_key": "[REDACTED:Private Key]\n",
             "client_email": "a@b.c"},
        ),
        "cut-off private key": (
            {"stdout": cut, "exit_code": 0},
            body[:3],
            {"stdout": "[REDACTED:Private Key]", "exit_code": 0},
        ),
        "high entropy": (
            {"data": {"nonce": NONCE}, "ok": True},
            [NONCE],
            {"data": {"nonce": "[REDACTED:Base64 High Entropy String]"}, "ok": True},
        ),
        "keyword": (
            {"db": {"host": "db.internal", "password": "correct-horse-battery"}},
            ["correct-horse-battery"],
            {"db": {"host": "db.internal", "password": "[REDACTED:Secret Keyword]"}},
        ),
    }


@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("name", ["aws", "private key", "cut-off private key", "high entropy",
                                  "keyword"])
def test_secrets_escaped_at_any_depth_go_and_every_level_still_parses(
    name: str, depth: int
) -> None:
    doc, secrets, expected = secret_docs()[name]
    data = jsonl({"type": "user", "message": {"content": "before"}}) + nested_line(doc, depth)
    result = redact_jsonl(data)
    out = result.data.decode()
    for secret in secrets:
        for form in encodings(secret, depth + 1):  # raw and however escaped
            assert form not in out
    lines = out.splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["message"]["content"] == "before"
    assert unnest(lines[1], depth) == expected
    assert result.total >= 1


def test_a_line_holding_a_line_separator_is_still_redacted_as_json() -> None:
    # JSON.stringify leaves U+2028 raw in a string; str.splitlines broke the
    # line there and scanned the halves as text, which took DEBUG=1 along.
    line = {"type": "user", "text": "a\u2028b\n     1→API_TOKEN=abcd1234efgh5678\n     2→DEBUG=1"}
    data = json.dumps(line, ensure_ascii=False).encode() + b"\n"
    out = redact_jsonl(data).data.decode()
    assert len(out.split("\n")) == 2
    assert json.loads(out)["text"] == "a\u2028b\n     1→API_TOKEN=[REDACTED:Env Secret]\n     2→DEBUG=1"


def test_a_lone_surrogate_survives_redaction() -> None:
    # A cut emoji: JSON allows "\ud83d" alone, UTF-8 does not.
    data = b'{"text": "\\ud83d cut", "key": "' + AWS_ID.encode() + b'"}\n'
    out = redact_jsonl(data).data
    assert json.loads(out) == {"text": "\ud83d cut", "key": "[REDACTED:AWS Access Key]"}


def test_a_secret_found_in_one_file_goes_from_all_of_a_session() -> None:
    # The keyword detector finds it in the subagent's config read; the main
    # transcript mentions it bare, where no detector would.
    main = jsonl({"type": "assistant", "text": "I set it to correct-horse-battery, as asked"})
    agent = jsonl({"type": "user", "text": 'password = "correct-horse-battery"'})
    a, b = redact_jsonl_many([main, agent])
    assert b"correct-horse-battery" not in a.data + b.data
    assert a.counts == {"Secret Keyword": 1} and b.counts == {"Secret Keyword": 1}
    assert redact_jsonl(main).data == main  # alone, nothing marks it


# -- issue 11: every token family, whole, at any depth and as a key ------------

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ALNUM = B64URL[:62]


def chars(seed: str, n: int, alphabet: str = ALNUM) -> str:
    """`n` random-looking characters, the same on every run."""
    out: list[str] = []
    i = 0
    while len(out) < n:
        out.extend(alphabet[b % len(alphabet)] for b in hashlib.sha256(f"{seed}/{i}".encode()).digest())
        i += 1
    return "".join(out[:n])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def families() -> dict[str, tuple[str, str]]:
    """name -> (a token in the family's real shape, the type it is redacted as).
    Shapes as gitleaks' rules have them; prefixes split so that no test file
    holds a whole token."""
    jwt = ".".join([b64url(b'{"alg":"HS256","typ":"JWT"}'),
                    b64url(b'{"sub":"1234567890","name":"Rosa","iat":1764147600}'),
                    b64url(hashlib.sha256(b"signature").digest())])  # 43 characters
    assert len(jwt.split(".")[2]) == 43
    gh = "GitHub Token"
    return {
        "jwt": (jwt, "JSON Web Token"),
        "anthropic": ("sk-" + "ant-api03-" + chars("ant", 93, B64URL) + "AA", "Anthropic API Key"),
        "anthropic admin": ("sk-" + "ant-admin01-" + chars("adm", 93, B64URL) + "AA",
                            "Anthropic API Key"),
        "google": ("AI" + "za" + chars("goo", 35, B64URL), "Google API Key"),
        "slack bot": ("xo" + "xb-1234567890123-1234567890123-" + chars("xb", 24), "Slack Token"),
        "slack user": ("xo" + "xp-1234567890-1234567890-1234567890-" + chars("xp", 32, "0123456789abcdef"),
                       "Slack Token"),
        "slack app": ("xo" + "xa-2-" + chars("xa", 40), "Slack Token"),
        "slack refresh": ("xo" + "xr-" + chars("xr", 40), "Slack Token"),
        "slack legacy": ("xo" + "xs-1234-5678-9012-" + chars("xs", 40, "0123456789abcdef"),
                         "Slack Token"),
        **{f"github {p}": (f"gh{p}_" + chars(p, 36), gh) for p in ("p", "o", "u", "s", "r")},
        "github fine-grained": ("github" + "_pat_" + chars("pat", 22) + "_" + chars("pat2", 59), gh),
        "openai legacy": ("sk-" + chars("oai", 20) + "T3Blbk" + "FJ" + chars("oai2", 20),
                          "OpenAI Token"),
        "openai project": ("sk-" + "proj-" + chars("prj", 74, B64URL) + "T3Blbk" + "FJ"
                           + chars("prj2", 74, B64URL), "OpenAI Token"),
        "openai service account": ("sk-" + "svcacct-" + chars("svc", 58, B64URL) + "T3Blbk" + "FJ"
                                   + chars("svc2", 58, B64URL), "OpenAI Token"),
        "stripe secret": ("sk" + "_live_" + chars("sl", 24), "Stripe Access Key"),
        "stripe restricted": ("rk" + "_live_" + chars("rl", 24), "Stripe Access Key"),
        "stripe test": ("sk" + "_test_" + chars("st", 24), "Stripe Access Key"),
        "stripe long": ("sk" + "_live_51" + chars("sll", 97), "Stripe Access Key"),
    }


def leaks(token: str, text: str) -> list[str]:
    """Pieces of `token` (16 characters from every 8th) still in `text`:
    a token cut short (a JWT without its signature) leaks its rest."""
    return [token[i : i + 16] for i in range(0, max(1, len(token) - 15), 8)
            if token[i : i + 16] in text]


@pytest.mark.parametrize("name", list(families()))
@pytest.mark.parametrize("context", [
    "the key is {} now.", "export SERVICE_CREDENTIAL={}", 'config: {{"value": "{}"}}',
    "Authorization: Bearer {}", "curl 'https://api.example.com/v1?key={}&q=1'",
])
def test_every_family_goes_whole_and_by_its_name(name: str, context: str) -> None:
    token, kind = families()[name]
    out, counts = redact_text(context.format(token))
    assert leaks(token, out) == []
    assert counts == {kind: 1}, counts


def family_doc(depth_tag: str) -> dict[str, object]:
    """Every family as a value, and each as the key of an object of its own."""
    tokens = {name: token for name, (token, _) in families().items()}
    return {"values": tokens,
            "keys": [{token: {"scopes": "repo", "tag": depth_tag}} for token in tokens.values()]}


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_every_family_escaped_at_any_depth_and_as_keys_goes_and_parses(depth: int) -> None:
    data = nested_line(family_doc(f"d{depth}"), depth)
    result = redact_jsonl(data)
    out = result.data.decode()
    for name, (token, _) in families().items():
        assert leaks(token, out) == [], name
    doc = unnest(out, depth)  # every level still parses
    assert isinstance(doc, dict)
    for name, value in doc["values"].items():
        assert value == f"[REDACTED:{families()[name][1]}]", name
    assert len(doc["keys"]) == len(families())
    for obj in doc["keys"]:
        ((key, value),) = obj.items()
        assert key.startswith("[REDACTED:") and value == {"scopes": "repo", "tag": f"d{depth}"}


def test_secrets_as_keys_of_the_line_itself_go_and_no_value_is_lost() -> None:
    # An MCP tool's structured reply, stored by Claude Code as an object.
    tokens = [t for t, kind in families().values() if kind == "GitHub Token"]
    line = {"type": "user", "toolUseResult": {"tokens": {t: {"n": i} for i, t in enumerate(tokens)}}}
    out = redact_jsonl(json.dumps(line).encode() + b"\n").data.decode()
    for token in tokens:
        assert leaks(token, out) == []
    kept = json.loads(out)["toolUseResult"]["tokens"]
    assert sorted(v["n"] for v in kept.values()) == list(range(len(tokens)))
    assert all(k.startswith("[REDACTED:GitHub Token]") for k in kept)


# -- what is not a secret stays ------------------------------------------------


def api_ids(seed: str) -> dict[str, str]:
    """Ids as the Anthropic API and Claude Code write them, and a thinking signature."""
    return {
        "tool use": "toolu_01" + chars(f"t{seed}", 22),
        "server tool use": "srvtoolu_01" + chars(f"v{seed}", 22),
        "bedrock tool use": "toolu_bdrk_01" + chars(f"b{seed}", 22),
        "message": "msg_01" + chars(f"m{seed}", 22),
        "request": "req_011C" + chars(f"r{seed}", 20),
        "agent message": "agent_msg_01" + chars(f"a{seed}", 22),
        "signature": base64.b64encode(hashlib.sha512(seed.encode()).digest() * 6).decode(),
    }


JSX = ("{todos.map((todo) => (\n  <li key={todo.id} className=\"todo\">\n"
       "    <Item key={`item-${todo.id}`} todo={todo} />\n  </li>\n))}\n")
CODE = ("rows.sort(key=len)\nitems = dict(key=value, token=self.token)\n"
        "<option key=\"opt-1\" value={o.id}>\nconst auth = useAuth(); fetch(url, {auth: auth.token})\n")


def transcript_turn(seed: str) -> list[dict[str, object]]:
    """A Claude Code turn (2.1.x line shapes) holding ids, signatures and code, no secret."""
    k = api_ids(seed)
    reply = {"id": k["message"], "type": "message", "role": "assistant", "content": [
        {"type": "thinking", "thinking": "The list needs stable keys.", "signature": k["signature"]},
        {"type": "tool_use", "id": k["tool use"], "name": "Edit",
         "input": {"file_path": "src/List.tsx", "old_string": "<li>", "new_string": JSX}}]}
    line = {"type": "assistant", "requestId": k["request"], "message": reply,
            "agentMessageId": k["agent message"]}
    return [
        line,
        {"type": "assistant", "message": {"id": k["message"], "content": [
            {"type": "server_tool_use", "id": k["server tool use"], "name": "web_search"},
            {"type": "redacted_thinking", "data": k["signature"][::-1]}]}},
        {"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": k["bedrock tool use"], "type": "tool_result", "content": CODE + JSX}]}},
        # The same ids and signature quoted by tool results: an API reply
        # printed by curl, and a transcript line read back through an MCP
        # server (two JSON strings down).
        {"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": k["tool use"], "type": "tool_result",
             "content": "$ curl -s localhost:8080/v1/messages\n" + json.dumps(reply, indent=2)}]}},
        {"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": k["tool use"], "type": "tool_result",
             "content": json.dumps({"type": "text", "text": json.dumps(line)})}]}},
    ]


def test_api_ids_signatures_and_code_are_left_alone_at_any_depth() -> None:
    # Issue 11: 96 of 119 redactions on real transcripts were these.
    data = jsonl(*transcript_turn("a"), *transcript_turn("b"))
    result = redact_jsonl(data)
    assert result.counts == {}
    assert result.data == data


def flagged_id(name: str) -> str:
    """An id of the class that the entropy plugin flags in quotes (about half
    of real `toolu_` ids are over its limit, by chance)."""
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString

    plugin = Base64HighEntropyString()
    values = (api_ids(str(i))[name] for i in range(100))
    return next(v for v in values if plugin.calculate_shannon_entropy(v) > plugin.entropy_limit)


@pytest.mark.parametrize("name", list(api_ids("x")))
def test_each_id_class_survives_where_the_entropy_plugin_would_take_it(name: str) -> None:
    value = flagged_id(name)
    quoted = json.dumps({"signature" if name == "signature" else "id": value})
    assert clean(quoted) == quoted  # in quotes, as a tool result prints it
    nested = json.dumps({"type": "text", "text": quoted})
    assert clean(nested) == nested  # and one JSON string down


def test_code_is_not_an_env_secret_but_env_lines_still_are() -> None:
    assert clean(JSX) == JSX and clean(CODE) == CODE
    out = clean("DEPLOY_KEY=kq8Zr3kT9mLq\nSESSION_TOKEN=plainword\napi_token=Zr3k-T9mL-q8Wv\n")
    assert out == ("DEPLOY_KEY=[REDACTED:Env Secret]\nSESSION_TOKEN=[REDACTED:Env Secret]\n"
                   "api_token=[REDACTED:Env Secret]\n")


def test_a_secret_beside_an_id_still_goes() -> None:
    ids = api_ids("c")
    token = families()["anthropic"][0]
    doc = json.dumps({"id": ids["tool use"], "input": {"command": f"export ANTHROPIC_API_KEY={token}"},
                      "signature": ids["signature"]})
    out = clean(json.dumps({"type": "text", "text": doc}))
    assert leaks(token, out) == []
    assert ids["tool use"] in out and ids["signature"] in out


# -- acceptance: through a real handoff, a real push and sync -----------------

SID = "5d0c2b7a-3e4f-4a1b-8c9d-0e1f2a3b4c5d"


def all_objects(path: Path) -> str:
    """Every object of a repository, as `git cat-file --batch-all-objects --batch` prints it."""
    out = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=path,
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace")


def planted_lines(tag: str) -> list[bytes]:
    """A turn of ids, signatures and code, then every family: read from a
    .env file, one to three JSON strings down, and as keys of the line itself."""
    tokens = {name: token for name, (token, _) in families().items()}
    env = "".join(f"{n:>6}\u2192SERVICE_{i}_TOKEN={t}\n" for n, (i, t) in
                  enumerate(enumerate(tokens.values()), 1))
    return [
        jsonl(*transcript_turn(tag)),
        jsonl({"type": "user", "message": {"role": "user", "content": [
            {"tool_use_id": api_ids(tag)["tool use"], "type": "tool_result", "content": env}]}}),
        *(nested_line(family_doc(f"{tag}{depth}"), depth) for depth in (1, 2, 3)),
        jsonl({"type": "user", "toolUseResult": {"structuredContent": {t: {"ok": True} for t in tokens.values()}}}),
    ]


def test_acceptance_no_family_reaches_a_git_object_here_or_on_the_remote(repo: Repo,
                                                                        tmp_path: Path) -> None:
    """Issue 11's planted-secret test: every family, escaped one to three
    levels and as keys, in a session's transcript and its subagent's, archived
    by `git sess handoff` under `transcripts: push`, pushed and synced."""
    remote = bare(tmp_path / "remote.git")
    repo.git("remote", "add", "origin", str(remote))
    assert repo.sess("install").returncode == 0
    folder = Path.home() / ".claude" / "projects" / project_folder(str(repo.path))
    main = folder / f"{SID}.jsonl"
    agent = folder / SID / "subagents" / "agent-a1b2c3.jsonl"
    agent.parent.mkdir(parents=True)
    main.write_bytes(b"".join(planted_lines("main")))
    agent.write_bytes(b"".join(planted_lines("agent")))
    start = payload("SessionStart", session=SID, cwd=str(repo.path), transcript_path=str(main))
    assert repo.hook(start).returncode == 0
    repo.commit("policy", {".gitsess.yaml": "version: 1\ntranscripts: push\n"})
    proc = repo.sess("handoff", "--quick", "--title", "planted secrets", "--workstream", "redact")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (ref,) = repo.refs("refs/sess/transcripts/")
    assert repo.git("push", "-q", "origin", "main", check=False).returncode == 0
    assert repo.sess("sync").returncode == 0
    assert ref in remote_refs(remote)  # the remote's objects include the archive

    tokens = [token for token, _ in families().values()]
    for where in (repo.path, remote):
        objects = all_objects(where)
        assert [t for t in tokens if leaks(t, objects)] == [], where
    stored = {name: repo.git("show", f"{ref}:{name}").stdout
              for name in ("transcript.jsonl", "subagents/agent-a1b2c3.jsonl")}
    for name, text in stored.items():
        tag = "main" if name == "transcript.jsonl" else "agent"
        assert [json.loads(line)["type"] for line in text.splitlines()][:5] == [
            "assistant", "assistant", "user", "user", "user"]
        lines = text.splitlines()
        for depth in (1, 2, 3):  # every level of every nested document parses
            doc = unnest(lines[5 + depth] + "\n", depth)
            assert isinstance(doc, dict) and doc["keys"][0][next(iter(doc["keys"][0]))]["tag"] \
                == f"{tag}{depth}"
        # The ids, signatures and code are all there, unredacted.
        for value in api_ids(tag).values():
            assert value in text or json.dumps(value)[1:-1] in text, value
        assert "key={todo.id}" in text and "rows.sort(key=len)" in text


def test_a_secret_found_once_goes_from_keys_too() -> None:
    # Keys of plain words are not scanned (the transcript's own `tool_use_id`,
    # `cacheReadInputTokens`), but a value found elsewhere is removed from them.
    data = jsonl({"type": "user", "text": 'password = "correcthorsebattery"'},
                 {"type": "user", "toolUseResult": {"correcthorsebattery": {"ok": True}}})
    out = redact_jsonl(data).data.decode()
    assert "correcthorsebattery" not in out
    assert json.loads(out.splitlines()[1])["toolUseResult"] == {"[REDACTED:Secret Keyword]": {"ok": True}}


@pytest.mark.parametrize("name", list(families()))
@pytest.mark.parametrize("sep", ["\n", "\t", "\u00e9", " "])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_token_right_after_a_json_escape_goes(name: str, sep: str, depth: int) -> None:
    # One JSON string down the text reads `line one\nAIza…`: the letter before
    # the token is the escape's, not a word's.
    token, _ = families()[name]
    data = nested_line({"text": f"line one{sep}{token}{sep}after"}, depth)
    out = redact_jsonl(data).data.decode()
    assert leaks(token, out) == []
    doc = unnest(out, depth)
    assert isinstance(doc, dict) and doc["text"].startswith(f"line one{sep}[REDACTED:")
    assert doc["text"].endswith(f"]{sep}after")
