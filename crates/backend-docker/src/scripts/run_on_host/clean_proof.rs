//! `list`'s cheaper proof (`clean-proof.sh`, in `GATE_IF_READY`) against the whole gate,
//! state by state, in a workspace set up as a container's: where the proof says `clean`,
//! the gate finds nothing at all; and in the states a workspace is usually in (fresh, the
//! host's own work, ignored files, a detached HEAD on pushed commits) it does say it, so
//! that `list` does not run the whole gate there.

use std::path::Path;

use skipper_core::AtRisk;
use skipper_git::Policy;
use skipper_git::scripts::GATE_IF_READY;

use super::Repos;

/// One state: a name, what makes it (after setup, in the workspace; `host` before setup,
/// in the host's checkout), and whether the proof must say clean (`None`: either way,
/// only never wrongly).
struct State {
    name: &'static str,
    mode: &'static str,
    host: &'static str,
    work: &'static str,
    proven: Option<bool>,
}

const STATES: &[State] = &[
    State {
        name: "a fresh main workspace",
        mode: "main",
        host: "",
        work: "",
        proven: Some(true),
    },
    State {
        name: "a fresh branch workspace",
        mode: "new",
        host: "",
        work: "",
        proven: Some(true),
    },
    State {
        name: "the host's own unpushed branch and tag",
        mode: "main",
        host: "git checkout -q -b host-work && echo h > h.txt && git add h.txt && git commit -q -m h && git tag host-tag && git checkout -q main",
        work: "",
        proven: Some(true),
    },
    State {
        name: "an ignored file",
        mode: "main",
        host: "",
        work: "echo '*.log' >> .git/info/exclude && echo x > x.log",
        proven: Some(true),
    },
    State {
        name: "a detached HEAD on a pushed commit",
        mode: "main",
        host: "",
        work: "git checkout -q --detach",
        proven: Some(true),
    },
    State {
        name: "a commit pushed",
        mode: "new",
        host: "",
        work: "echo a > a.txt && git add a.txt && git commit -q -m a && git push -q origin feat/x",
        proven: Some(true),
    },
    State {
        name: "an untracked file",
        mode: "main",
        host: "",
        work: "echo x > new.txt",
        proven: Some(false),
    },
    State {
        name: "a modified file",
        mode: "main",
        host: "",
        work: "echo two > README",
        proven: Some(false),
    },
    State {
        name: "a staged file",
        mode: "main",
        host: "",
        work: "echo x > new.txt && git add new.txt",
        proven: Some(false),
    },
    State {
        name: "an unpushed commit",
        mode: "new",
        host: "",
        work: "echo a > a.txt && git add a.txt && git commit -q -m a",
        proven: Some(false),
    },
    State {
        name: "a stash",
        mode: "main",
        host: "",
        work: "echo two > README && git stash -q",
        proven: Some(false),
    },
    State {
        name: "a detached HEAD with a commit of its own",
        mode: "main",
        host: "",
        work: "git checkout -q --detach && git commit -q --allow-empty -m d",
        proven: Some(false),
    },
    State {
        name: "a tag the host lacks",
        mode: "main",
        host: "",
        work: "git tag v2",
        proven: Some(false),
    },
    State {
        name: "a tag moved to a pushed commit",
        mode: "new",
        host: "",
        work: "git commit -q --allow-empty -m a && git push -q origin feat/x && git tag -f v1 >/dev/null",
        proven: Some(false),
    },
    State {
        name: "notes",
        mode: "main",
        host: "",
        work: "git notes add -m note HEAD",
        proven: Some(false),
    },
    State {
        name: "a ref of another kind with a commit of its own",
        mode: "main",
        host: "",
        work: "git update-ref refs/pull/1/head \"$(git commit-tree -m p HEAD^{tree})\"",
        proven: Some(false),
    },
    State {
        name: "a repository in the working tree",
        mode: "main",
        host: "",
        work: "git init -q inner",
        proven: Some(false),
    },
    State {
        name: "a pushed gitlink, not initialised",
        mode: "new",
        host: "",
        work: "git update-index --add --cacheinfo \"160000,$(git rev-parse HEAD),sub\" && git commit -q -m sub && git push -q origin feat/x",
        proven: Some(false),
    },
    State {
        name: "the host's notes",
        mode: "main",
        host: "git notes add -m note HEAD",
        work: "",
        proven: None,
    },
];

/// Runs `script` (shell text) in `dir` with git's identity set.
fn sh(repos: &Repos, dir: &Path, script: &str) {
    if script.is_empty() {
        return;
    }
    let output = repos
        .command("sh", dir)
        .args(["-c", script])
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@t")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@t")
        .output()
        .unwrap();
    assert!(output.status.success(), "{script}: {output:?}");
}

#[test]
fn the_proof_says_clean_only_where_the_gate_finds_nothing() {
    let mut wrong = Vec::new();
    for state in STATES {
        let branch = if state.mode == "new" { "feat/x" } else { "" };
        let repos = Repos::new(state.mode, branch, |repos| {
            sh(repos, &repos.work, state.host);
        });
        sh(&repos, &repos.work, state.work);
        let args = [".", "container", "", "skip-ignored", ".git/skipper/ready"];
        let listed = repos.sh(&repos.work, GATE_IF_READY, &args);
        assert_eq!(listed.status.code(), Some(0), "{}: {listed:?}", state.name);
        let proven = listed.stdout == b"clean\0";
        // The whole gate, as `remove` runs it but with ignored files unmeasured, as `list`.
        let risk =
            skipper_git::gate::at_risk_unmeasured(&repos.scripts(&repos.work), &Policy::Container)
                .unwrap();
        if proven && risk != AtRisk::default() {
            wrong.push(format!(
                "{}: proven clean, the gate found {risk:?}",
                state.name
            ));
        }
        if let Some(expected) = state.proven
            && expected != proven
        {
            wrong.push(format!(
                "{}: proven clean: {proven}, expected {expected} (the gate found {risk:?})",
                state.name
            ));
        }
        // What `list` reads is the gate's answer either way.
        let read = skipper_git::gate::at_risk_unmeasured_if_ready(
            &repos.scripts(&repos.work),
            &Policy::Container,
            ".git/skipper/ready",
        )
        .unwrap();
        if read != Some(risk.clone()) {
            wrong.push(format!(
                "{}: list read {read:?}, the gate {risk:?}",
                state.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
