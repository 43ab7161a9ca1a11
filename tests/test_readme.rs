use std::process::Command;

use crate::support::{TestEnv, stderr, stdout};

/// The README's quick start, run as written (in a temporary directory instead of /tmp),
/// except the two lines that need a terminal or an installed agent.
#[test]
fn the_readme_quick_start_works_offline() {
    let readme = include_str!("../README.md");
    let start = readme.find("## Quick start").unwrap();
    let block = &readme[start..];
    let body_start = block.find("```sh\n").unwrap() + "```sh\n".len();
    let body_end = body_start + block[body_start..].find("```").unwrap();
    let env = TestEnv::new();
    let scratch = env.root().join("scratch");
    fs_err::create_dir_all(&scratch).unwrap();
    let script: String = block[body_start..body_end]
        .lines()
        .filter(|line| !line.contains(" attach ") && !line.contains(" prompt "))
        .map(|line| line.replace("/tmp/", &format!("{}/", scratch.display())) + "\n")
        .collect();
    let sk = assert_cmd::cargo::cargo_bin("sk");
    let path = format!(
        "{}:{}",
        sk.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    // A fresh machine: no git identity, no default branch name configured.
    fs_err::remove_file(env.home().join(".gitconfig")).unwrap();
    let mut command = Command::new("sh");
    env.isolate(&mut command);
    command.env("GIT_CONFIG_GLOBAL", "/dev/null");
    let output = command
        .current_dir(&scratch)
        .env("PATH", path)
        .args(["-ec", &script])
        .output()
        .unwrap();
    assert!(output.status.success(), "{script}\n{}", stderr(&output));
    // The script's output is mostly git's and `ls`'s (owners, dates): only sk's lines are
    // looked for.
    let out = stdout(&output);
    assert!(out.contains("Created workspace feat/x"), "{out}");
    assert!(out.contains("## feat/x"), "{out}");
    assert!(out.contains("Removed workspace"), "{out}");
}
