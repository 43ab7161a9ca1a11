//! What the world outside `sk` gets wrong, through the real binary: names holding terminal
//! escapes, a Docker daemon that is not there, says nothing, or answers only its ping.

use std::process::Output;

use crate::support::{TestEnv, stderr, stdout};

/// `sk args` as on a colour terminal: `CLICOLOR_FORCE` makes sk's output stream pass every
/// byte through (without it, a pipe strips escape sequences and hides what a terminal would
/// receive). Returns the output and its stdout and stderr without sk's own styling.
fn on_colour_terminal(env: &TestEnv, vars: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> Output {
    let mut command = env.sk();
    command
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// `text` without sk's own styling: SGR sequences (`ESC [ digits ; m`).
fn unstyled(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\u{1b}[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let params = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[params..].starts_with('m') {
            rest = &after[params + 1..];
        } else {
            out.push_str(&rest[start..start + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `text`, once sk's styling is taken out, holds no terminal control character (ESC, BEL,
/// a C1 control such as CSI, a carriage return) but line breaks.
fn assert_no_controls(text: &str) {
    let text = unstyled(text);
    for (i, c) in text.char_indices() {
        assert!(
            !(c.is_control() && c != '\n'),
            "control character {c:?} at byte {i} in:\n{text:?}"
        );
    }
}

#[test]
fn terminal_escapes_in_file_names_are_printed_escaped_in_the_remove_refusal() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/esc"]);
    let workspace = env.worktree("api", "feat/esc");
    for name in [
        "x\u{1b}[2J\u{1b}]0;OWNED\u{7}.txt",
        "y\u{9b}31m.txt",
        "z\n  - all clear, nothing at risk.txt",
    ] {
        fs_err::write(workspace.join(name), "mine\n").unwrap();
    }
    let args = ["workspace", "remove", "-r", "api", "-b", "feat/esc"];
    let coloured = on_colour_terminal(&env, &[], &args);
    assert_eq!(coloured.status.code(), Some(1));
    assert_no_controls(&stderr(&coloured));
    assert!(workspace.is_dir(), "the workspace must stay");
    insta::assert_snapshot!(env.screen_of(&args), @r"
    [exit: 1]
    ----- stderr -----
    error: refusing to remove remotes/api (feat/esc): it holds work that would be lost
      - 3 untracked file(s): x\e[2J\e]0;OWNED\a.txt, y\u{9b}31m.txt, z\n  - all clear, nothing at risk.txt
      - commit and push that work, or pass --force to save it under the data root and remove anyway
    ");
}

#[test]
fn terminal_escapes_in_a_branch_name_are_printed_escaped_in_its_refusal() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let args = [
        "workspace",
        "create",
        "-r",
        "api",
        "-b",
        "a\u{1b}]0;OWNED\u{7}b",
    ];
    let coloured = on_colour_terminal(&env, &[], &args);
    assert_eq!(coloured.status.code(), Some(2));
    assert_no_controls(&stderr(&coloured));
    insta::assert_snapshot!(env.screen_of(&args), @r#"
    [exit: 2]
    ----- stderr -----
    error: invalid branch name `a\e]0;OWNED\ab`: Reference name contains invalid byte: "\x1b"
    "#);
}

#[test]
fn terminal_escapes_in_paths_are_printed_escaped_in_the_list() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    let root = env.root().join("data\u{1b}[2J\u{9b}0;OWNED\u{7}");
    let home = [("SKIPPER_HOME", root.as_os_str())];
    let sk = |args: &[&str]| {
        let output = on_colour_terminal(&env, &home, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        output
    };
    sk(&["clone", &origin.url]);
    sk(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    let table = sk(&["workspace", "list", "--sandbox", "worktree"]);
    assert_no_controls(&stdout(&table));
    assert_no_controls(&stderr(&table));
    insta::assert_snapshot!(unstyled(&env.screen(&table)), @r"
    [exit: 0]
    REPOSITORY   BRANCH  SANDBOX   STATE  PATH
    remotes/api  main    worktree  clean  [ROOT]/data\e[2J\u{9b}0;OWNED\a/repos/local/remotes/api
    remotes/api  feat/x  worktree  clean  [ROOT]/data\e[2J\u{9b}0;OWNED\a/worktrees/local/remotes/api/feat%2Fx
    ----- stderr -----
    ");
    let json = stdout(&sk(&[
        "workspace",
        "list",
        "--sandbox",
        "worktree",
        "--json",
    ]));
    assert_no_controls(&json);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        rows[0]["path"].as_str().unwrap(),
        root.join("repos/local/remotes/api").to_str().unwrap()
    );
}
