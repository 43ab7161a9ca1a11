//! The help text is the reference users read first: snapshot it, so every change to it is
//! seen in review.

use crate::support::{TestEnv, stderr, stdout};

fn help(args: &[&str]) -> String {
    let env = TestEnv::new();
    let output = env.run(args);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn workspace_help() {
    insta::assert_snapshot!(help(&["workspace", "--help"]));
}

/// The commands that bring work home are in the help, the README's commands table and
/// every shell's completions.
#[test]
fn the_way_home_is_in_the_help_the_readme_and_the_completions() {
    let commands = ["diff", "fetch", "push", "sync", "move"];
    let workspace = help(&["workspace", "--help"]);
    let readme = include_str!("../README.md");
    for command in commands {
        assert!(
            workspace
                .lines()
                .any(|line| line.trim_start().starts_with(command)),
            "`sk workspace --help` lacks {command}:\n{workspace}"
        );
        assert!(
            readme.contains(&format!("| `sk workspace {command} ")),
            "the README's commands table lacks {command}"
        );
        assert!(
            help(&["workspace", command, "--help"]).contains("--repository"),
            "{command} --help"
        );
    }
    // What the shell is offered after `sk workspace `, asked of sk as the shell would.
    let env = TestEnv::new();
    let offered = env
        .sk()
        .env("COMPLETE", "fish")
        .args(["--", "sk", "workspace", ""])
        .output()
        .unwrap();
    let offered = stdout(&offered);
    for command in commands {
        assert!(
            offered
                .lines()
                .any(|line| line.starts_with(&format!("{command}\t"))),
            "completions lack {command}:\n{offered}"
        );
    }
    assert!(readme.contains("## Getting work out of a workspace"));
}

#[test]
fn run_help() {
    insta::assert_snapshot!(help(&["workspace", "run", "--help"]));
}

#[test]
fn diff_help() {
    insta::assert_snapshot!(help(&["workspace", "diff", "--help"]));
}

#[test]
fn repo_help() {
    insta::assert_snapshot!(help(&["repo", "--help"]));
}

#[test]
fn hooks_help() {
    insta::assert_snapshot!(help(&["hooks", "--help"]));
    insta::assert_snapshot!("hooks_approve_help", help(&["hooks", "approve", "--help"]));
}

#[test]
fn remove_help() {
    insta::assert_snapshot!(help(&["workspace", "remove", "--help"]));
}

#[test]
fn refusal_names_each_problem_and_the_way_out() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/x"]);
    let workspace = env.worktree("api", "feat/x");
    fs_err::write(workspace.join("README.md"), "changed\n").unwrap();
    fs_err::write(workspace.join("new.txt"), "new\n").unwrap();
    let output = env.run(&["workspace", "remove", "-r", "api", "-b", "feat/x"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output));
}
