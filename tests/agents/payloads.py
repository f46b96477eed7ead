"""Hook payloads as Codex CLI, Copilot CLI, Qwen Code and Factory Droid send
them, for the adapter and real-process tests. Each builder cites where its
shape comes from."""

from __future__ import annotations

from typing import Any

CODEX_SESSION = "019a8c4e-7d21-7b30-9f4e-5a1c2b3d4e5f"
COPILOT_SESSION = "5c1e0b7a-2f3d-4e8a-9b6c-1d2e3f4a5b6c"
QWEN_SESSION = "8e2b4c6d-1a3f-4b5c-8d7e-9f0a1b2c3d4e"
DROID_SESSION = "d7a1c2e3-4b5f-4c6d-8e9f-0a1b2c3d4e5f"
SECRET = "ghp_" + "R8xQ2mT5vK9wL3nB7cF1" + "hJ4dS6gA0zY2uE8iO5pW"


def codex(event: str, session: str = CODEX_SESSION, **fields: Any) -> dict[str, Any]:
    """openai/codex codex-rs/hooks/src/schema.rs, the *CommandInput structs in
    field order: session_id, turn_id (turn events), transcript_path, cwd,
    hook_event_name, model, permission_mode, then the event's own fields."""
    base: dict[str, Any] = {"session_id": session}
    if event != "SessionStart":
        base["turn_id"] = "019a8c4e-turn-0001"
    base.update({"transcript_path": "/home/rosa/.codex/sessions/2026/11/26/rollout-2026-11-26"
                                    f"T09-00-00-{session}.jsonl",
                 "cwd": "/work/project", "hook_event_name": event, "model": "gpt-5.1-codex",
                 "permission_mode": "default"})
    base.update(fields)
    return base


def codex_session() -> list[dict[str, Any]]:
    shell = {"tool_name": "Bash", "tool_input": {"command": f"deploy --token {SECRET}"}}
    return [
        codex("SessionStart", source="startup"),
        codex("UserPromptSubmit", prompt=f"ship it, token {SECRET}"),
        codex("PreToolUse", **shell, tool_use_id="call_1"),
        codex("PostToolUse", **shell, tool_response=f"exit 0: {SECRET}", tool_use_id="call_1"),
        codex("PreToolUse", tool_name="apply_patch", tool_input={"command": "*** Begin Patch"},
              tool_use_id="call_2"),
        codex("PostToolUse", tool_name="apply_patch", tool_input={"command": "*** Begin Patch"},
              tool_response="Success", tool_use_id="call_2"),
        # A repeated PostToolUse for call_2 counts the call once (tool_use_id).
        codex("PostToolUse", tool_name="apply_patch", tool_input={"command": "x"},
              tool_response="Success", tool_use_id="call_2"),
        codex("SubagentStart", agent_id="agent-7", agent_type="explorer"),
        codex("SubagentStop", agent_transcript_path=None, stop_hook_active=False,
              agent_id="agent-7", agent_type="explorer", last_assistant_message=SECRET),
        codex("PermissionRequest", tool_name="Bash", tool_input={"command": "rm -rf build"}),
        codex("Stop", stop_hook_active=False, last_assistant_message=SECRET),
    ]


def copilot(at: int = 0, **fields: Any) -> dict[str, Any]:
    """A camelCase Copilot CLI payload (docs.github.com/en/copilot/reference/
    hooks-reference, "Hook event input payloads"): sessionId, timestamp (ms,
    `at` after the session's start), cwd, then the event's own fields; no
    event name."""
    return {"sessionId": COPILOT_SESSION, "timestamp": 1764147600000 + at, "cwd": "/work/project",
            **fields}


def copilot_session() -> list[tuple[str, dict[str, Any]]]:
    """(the event it is sent for, the payload), in a session's order, for the
    events gitsess's entries hook (no preToolUse: copilot_settings.py)."""
    transcript = "/home/rosa/.copilot/session-state/5c1e0b7a/events.jsonl"
    ok = {"resultType": "success", "textResultForLlm": SECRET}
    return [
        ("sessionStart", copilot(0, source="new", initialPrompt=f"token {SECRET}")),
        ("userPromptSubmitted", copilot(900, prompt=f"fix the build, token {SECRET}")),
        ("postToolUse", copilot(2100, toolName="bash", toolArgs={"command": "npm test"},
                                toolResult=ok)),
        ("postToolUseFailure", copilot(3050, toolName="edit", toolArgs={"path": "src/app.ts"},
                                       error=f"no match: {SECRET}")),
        ("subagentStart", copilot(4000, transcriptPath=transcript, agentName="explore",
                                  agentDisplayName="Explore", agentDescription="Looks around")),
        ("postToolUse", copilot(5200, toolName="view", toolArgs={"path": "README.md"},
                                toolResult=ok)),
        ("subagentStop", copilot(6000, transcriptPath=transcript, agentId="sub-1",
                                 agentType="explore", agentName="explore", response=SECRET,
                                 stopReason="end_turn")),
        ("postToolUse", copilot(6100, toolName="task", toolArgs={"prompt": "look around"},
                                toolResult=ok)),
        ("postToolUse", copilot(7300, toolName="bash", toolArgs={"command": "npm run build"},
                                toolResult=ok)),
        ("preCompact", copilot(8000, transcriptPath=transcript, trigger="auto",
                               customInstructions="")),
        ("agentStop", copilot(9000, transcriptPath=transcript, stopReason="end_turn",
                              stop_hook_active=False)),
        ("sessionEnd", copilot(9500, reason="user_exit")),
    ]


def qwen(event: str, session: str = QWEN_SESSION, **fields: Any) -> dict[str, Any]:
    """QwenLM/qwen-code docs/users/features/hooks.md, "Common Fields": session_id,
    transcript_path, cwd, hook_event_name, timestamp; then the event's fields."""
    base: dict[str, Any] = {"session_id": session,
                            "transcript_path": f"/home/rosa/.qwen/projects/work-project/chats/"
                                               f"{session}.jsonl",
                            "cwd": "/work/project", "hook_event_name": event,
                            "timestamp": "2026-11-26T09:00:00.000Z"}
    base.update(fields)
    return base


def qwen_session() -> list[dict[str, Any]]:
    pm = {"permission_mode": "default"}
    return [
        qwen("SessionStart", **pm, source="startup", model="qwen3-coder-plus"),
        qwen("UserPromptSubmit", prompt=f"fix it {SECRET}", submitted_prompt=f"fix it {SECRET}"),
        qwen("PreToolUse", **pm, tool_name="run_shell_command", tool_input={"command": "make"},
             tool_use_id="toolu_01", tool_call_id="call_01"),
        qwen("PostToolUseFailure", **pm, tool_use_id="toolu_01", tool_name="run_shell_command",
             tool_input={"command": "make"}, error=f"exit 2 {SECRET}", is_interrupt=False),
        # A continuation after the tool result: model-bound, not typed by the user.
        qwen("UserPromptSubmit", prompt=f"[tool result] {SECRET}"),
        qwen("SubagentStart", **pm, agent_id="sub-1", agent_type="Explorer"),
        qwen("PreToolUse", **pm, tool_name="read_file", tool_input={"path": "a.py"},
             tool_use_id="toolu_02", agent_id="sub-1", agent_type="Explorer"),
        qwen("PostToolUse", **pm, tool_name="read_file", tool_input={"path": "a.py"},
             tool_response={"llmContent": SECRET}, tool_use_id="toolu_02",
             agent_id="sub-1", agent_type="Explorer"),
        qwen("SubagentStop", **pm, stop_hook_active=False, agent_id="sub-1",
             agent_type="Explorer", agent_transcript_path="/tmp/sub-1.jsonl",
             last_assistant_message=SECRET),
        qwen("PreCompact", trigger="auto", custom_instructions=""),
        qwen("Stop", stop_hook_active=False, last_assistant_message=SECRET),
        qwen("SessionEnd", reason="prompt_input_exit"),
    ]


def droid(event: str, session: str = DROID_SESSION, **fields: Any) -> dict[str, Any]:
    """docs.factory.ai/reference/hooks-reference, "Hook Input": session_id,
    transcript_path, cwd, permission_mode, hook_event_name; then the event's."""
    base: dict[str, Any] = {"session_id": session,
                            "transcript_path": f"/home/rosa/.factory/sessions/{session}.jsonl",
                            "cwd": "/work/project", "permission_mode": "default",
                            "hook_event_name": event}
    base.update(fields)
    return base


def droid_session() -> list[dict[str, Any]]:
    return [
        droid("SessionStart", source="startup"),
        droid("UserPromptSubmit", prompt=f"deploy {SECRET}"),
        droid("PreToolUse", tool_name="Create", tool_input={"file_path": "deploy.sh", "content": SECRET}),
        droid("PostToolUse", tool_name="Create", tool_input={"file_path": "deploy.sh"},
              tool_response={"output": SECRET}),
        droid("PreToolUse", tool_name="Task", tool_input={"prompt": "review"}),
        droid("SubagentStop", stop_hook_active=False),
        droid("PostToolUse", tool_name="Task", tool_input={"prompt": "review"},
              tool_response={"output": SECRET}),
        droid("Notification", message="Droid needs your permission"),
        droid("PreCompact", trigger="manual", custom_instructions=""),
        droid("Stop", stop_hook_active=False),
        droid("SessionEnd", reason="other"),
    ]
