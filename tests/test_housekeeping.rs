//! `sk doctor` and `sk gc` on what real crashes (fault points) leave in the data root.

use std::os::unix::process::ExitStatusExt as _;

use crate::support::{TestEnv, stderr, stdout};

fn cloned_with(branch: &str) -> TestEnv {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", branch]);
    env
}

/// Runs `sk args` with `SK_FAULT_AT=point` and asserts it died by SIGKILL there.
fn killed_at(env: &TestEnv, point: &str, args: &[&str]) {
    let output = env
        .sk()
        .env("SK_FAULT_AT", point)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        output.status.signal(),
        Some(9),
        "sk {args:?} was to die at {point}: {:?}\n{}",
        output.status,
        stderr(&output)
    );
}

#[test]
fn doctor_finds_nothing_on_a_clean_data_root() {
    let env = cloned_with("feat/x");
    let output = env.run(&["doctor"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "Nothing to fix.\n");
    assert_eq!(env.ok(&["doctor", "--json"]).trim(), "[]");
}

#[test]
fn a_save_cut_short_is_found_and_collected_and_the_workspace_is_untouched() {
    let env = cloned_with("feat/x");
    let workspace = env.worktree("api", "feat/x");
    fs_err::write(workspace.join("notes.txt"), "mine\n").unwrap();
    killed_at(
        &env,
        "remove.after-reserve",
        &[
            "workspace",
            "remove",
            "-r",
            "api",
            "-b",
            "feat/x",
            "--force",
        ],
    );

    let output = env.run(&["doctor"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.starts_with("incomplete-save: "), "{report}");
    assert!(report.contains("  fix: sk gc\n"), "{report}");

    let dry = env.ok(&["gc", "--dry-run"]);
    assert!(dry.contains("Would remove incomplete-save: "), "{dry}");
    assert_eq!(
        env.run(&["doctor"]).status.code(),
        Some(1),
        "a dry run removes nothing"
    );
    let gc = env.ok(&["gc"]);
    assert!(gc.contains("Removed incomplete-save: "), "{gc}");
    assert!(gc.contains("1 item, freed "), "{gc}");
    assert!(env.run(&["doctor"]).status.success());
    // The workspace and its work were never touched.
    assert_eq!(
        fs_err::read_to_string(workspace.join("notes.txt")).unwrap(),
        "mine\n"
    );
}

#[test]
fn an_interrupted_removal_is_found_with_the_command_that_finishes_it() {
    let env = cloned_with("feat/x");
    killed_at(
        &env,
        "remove.before-destroy",
        &["workspace", "remove", "-r", "api", "-b", "feat/x"],
    );

    let json: serde_json::Value =
        serde_json::from_str(&env.ok_or_findings(&["doctor", "--json"])).unwrap();
    let findings = json.as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json:#}");
    assert_eq!(findings[0]["kind"], "interrupted-removal");
    assert_eq!(findings[0]["collectable"], false);
    let fix = findings[0]["fix"].as_str().unwrap();
    assert_eq!(
        fix,
        "sk --sandbox worktree workspace remove --repository remotes/api --branch feat/x"
    );
    // `gc` leaves it to the user.
    assert!(env.ok(&["gc"]).contains("0 items"));

    let args: Vec<&str> = fix.split(' ').skip(1).collect();
    let finished = env.ok(&args);
    assert!(finished.contains("Removed workspace"), "{finished}");
    assert!(!env.worktree("api", "feat/x").exists());
    assert!(env.run(&["doctor"]).status.success());
}

impl TestEnv {
    /// `sk args`'s stdout, for a command that exits 1 when it finds something.
    fn ok_or_findings(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{:?}: {}",
            output.status,
            stderr(&output)
        );
        stdout(&output)
    }
}

#[test]
fn locked_and_forgotten_worktrees_are_found_with_their_fixes_and_never_collected() {
    let env = cloned_with("feat/locked");
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/forgotten"]);
    let checkout = env.checkout("api");
    let locked = env.worktree("api", "feat/locked");
    let forgotten = env.worktree("api", "feat/forgotten");
    env.git(
        &checkout,
        &[
            "worktree",
            "lock",
            "--reason",
            "on a USB disk",
            &locked.display().to_string(),
        ],
    );
    fs_err::write(forgotten.join("mine.txt"), "mine\n").unwrap();
    fs_err::remove_file(forgotten.join(".git")).unwrap();

    let json: serde_json::Value =
        serde_json::from_str(&env.ok_or_findings(&["doctor", "--json"])).unwrap();
    let findings = json.as_array().unwrap();
    let of = |kind: &str| {
        findings
            .iter()
            .find(|f| f["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {json:#}"))
    };
    let lock = of("locked-worktree");
    assert_eq!(lock["subject"], locked.display().to_string());
    assert!(lock["detail"].as_str().unwrap().contains("on a USB disk"));
    assert_eq!(
        lock["fix"],
        format!(
            "git -C '{}' worktree unlock '{}'",
            checkout.display(),
            locked.display()
        )
    );
    let lost = of("forgotten-worktree");
    assert_eq!(lost["subject"], forgotten.display().to_string());
    let repair = format!(
        "git -C '{}' worktree repair '{}'",
        checkout.display(),
        forgotten.display()
    );
    assert_eq!(lost["fix"], repair);
    assert!(
        findings.iter().all(|f| f["collectable"] == false),
        "{json:#}"
    );

    env.ok(&["gc"]);
    assert_eq!(
        fs_err::read_to_string(forgotten.join("mine.txt")).unwrap(),
        "mine\n",
        "gc never deletes what may be the user's"
    );
    // The fixes it names work.
    env.git(
        &checkout,
        &["worktree", "unlock", &locked.display().to_string()],
    );
    let _ = std::process::Command::new("git")
        .args(["-C", &checkout.display().to_string(), "worktree", "repair"])
        .arg(&forgotten)
        .output()
        .unwrap();
    assert!(
        env.run(&["doctor"]).status.success(),
        "{}",
        stdout(&env.run(&["doctor"]))
    );
    assert!(forgotten.join(".git").is_file());
}
