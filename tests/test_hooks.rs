//! The project setup on the worktree sandbox: `.skipper.toml`'s hooks, their approval, the
//! user's own hooks, the workspace environment, and malformed files.

use expectrl::Expect;

use crate::support::{TestEnv, exit_code, stderr, stdout, ws};

/// Prints every variable skipper sets (and the project's `APP_*`), one `NAME=value` per
/// line.
const PRINT_SK: &str =
    "env | grep -E '^(SK_(REPOSITORY|BRANCH|SANDBOX|WORKSPACE|PORTS?)|APP_[A-Z_]*)=' | sort";

/// A clone of `api` (default branch `main`) whose default branch holds `.skipper.toml`
/// with `text`.
fn project(text: &str) -> (TestEnv, skipper_testkit::Origin) {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    origin.push_commit("main", ".skipper.toml", text);
    env.ok(&["clone", &origin.url]);
    (env, origin)
}

/// Whether `text` has a line that is `line` exactly.
fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|have| have == line)
}

fn hooks_file(post_create: &str, pre_remove: &str) -> String {
    format!(
        "[hooks]\npost-create = [{post_create}]\npre-remove = [{pre_remove}]\n\n[env]\nAPP_MODE = \"dev\"\nSK_BRANCH = \"forged\"\n"
    )
}

/// The one port `list --json` shows for `branch` of `api`.
fn ports_of(env: &TestEnv, branch: &str) -> u64 {
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["workspace", "list", "--json", "-r", "api"])).unwrap();
    let row = rows.iter().find(|row| row["branch"] == branch).unwrap();
    row["ports"][0].as_u64().unwrap()
}

#[test]
fn an_approved_post_create_hook_runs_once_after_the_user_s_and_sees_every_sk_variable() {
    let (env, _origin) = project(&hooks_file(&format!("{PRINT_SK:?}"), ""));
    env.write_config("[hooks]\npost-create = [[\"echo\", \"user hook first\"]]\n");
    let approved = env.ok(&["hooks", "approve", "-r", "api"]);
    assert!(approved.contains("post-create: env | grep"), "{approved}");

    let created = env.run(&ws("create", "feat/x", &[]));
    assert!(created.status.success(), "{}", stderr(&created));
    let path = env.worktree("api", "feat/x");
    let said = stderr(&created);
    let port = ports_of(&env, "feat/x");
    let expected = format!(
        "user hook first\nRunning post-create hook: {PRINT_SK}\nAPP_MODE=dev\nSK_BRANCH=feat/x\nSK_PORT={port}\nSK_PORTS={port}\nSK_REPOSITORY=remotes/api\nSK_SANDBOX=worktree\nSK_WORKSPACE={}\n",
        path.display()
    );
    assert!(said.contains(&expected), "{said}");
    assert!(said.find("user hook first") < said.find("Running post-create hook: env"));
    assert!(stdout(&created).starts_with("Created workspace feat/x"));

    // Made once: creating it again runs nothing.
    let again = env.run(&ws("create", "feat/x", &[]));
    assert!(!stderr(&again).contains("hook"), "{}", stderr(&again));

    // `run` sees the same environment.
    let ran = env.ok(&ws("run", "feat/x", &["--command", PRINT_SK]));
    assert_eq!(
        ran,
        format!(
            "APP_MODE=dev\nSK_BRANCH=feat/x\nSK_PORT={port}\nSK_PORTS={port}\nSK_REPOSITORY=remotes/api\nSK_SANDBOX=worktree\nSK_WORKSPACE={}\n",
            path.display()
        )
    );
    // The main workspace's branch is the default branch.
    let main = env.ok(&[
        "workspace",
        "run",
        "-r",
        "api",
        "--command",
        "echo $SK_BRANCH",
    ]);
    assert_eq!(main, "main\n");
}

#[test]
fn a_failing_post_create_hook_leaves_the_workspace_and_names_the_command() {
    let (env, _origin) = project(&hooks_file("\"true\", \"exit 7\", \"echo never\"", ""));
    env.ok(&["hooks", "approve", "-r", "api"]);

    let created = env.run(&ws("create", "feat/x", &[]));

    assert_eq!(created.status.code(), Some(1), "{}", stderr(&created));
    let said = stderr(&created);
    assert!(
        said.contains(
            "error: the post-create hook `exit 7` of remotes/api (feat/x) failed with exit code 7"
        ),
        "{said}"
    );
    assert!(!said.contains("never"), "{said}");
    assert!(env.worktree("api", "feat/x").is_dir());
    // `--no-hooks` runs none.
    let quiet = env.run(&ws("create", "feat/y", &["--no-hooks"]));
    assert!(quiet.status.success(), "{}", stderr(&quiet));
    assert!(!stderr(&quiet).contains("hook"), "{}", stderr(&quiet));
}

#[test]
fn a_failing_pre_remove_hook_stops_the_remove_unless_forced_and_no_hooks_skips_it() {
    let (env, _origin) = project(&hooks_file("", "\"test -z \\\"$BLOCK\\\"\""));
    env.ok(&["hooks", "approve", "-r", "api"]);
    env.ok(&ws("create", "feat/x", &[]));
    env.ok(&ws("create", "feat/y", &[]));
    let blocked = |args: Vec<&str>| env.sk().env("BLOCK", "1").args(args).output().unwrap();

    let refused = blocked(ws("remove", "feat/x", &[]));
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("the pre-remove hook `test -z \"$BLOCK\"` of remotes/api (feat/x) failed with exit code 1"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("nothing was removed"));
    assert!(env.worktree("api", "feat/x").is_dir());

    let forced = blocked(ws("remove", "feat/x", &["--force"]));
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stderr(&forced).contains("the pre-remove hooks failed, removed anyway"));
    assert!(!env.worktree("api", "feat/x").exists());

    let skipped = blocked(ws("remove", "feat/y", &["--no-hooks"]));
    assert!(skipped.status.success(), "{}", stderr(&skipped));
    assert!(!env.worktree("api", "feat/y").exists());
}

#[test]
fn without_a_terminal_unapproved_hooks_are_skipped_with_the_command_that_approves_them() {
    let (env, origin) = project(&hooks_file("\"echo project hook ran\"", ""));

    let created = env.run(&ws("create", "feat/x", &[]));

    assert!(created.status.success(), "{}", stderr(&created));
    let said = stderr(&created);
    assert!(!has_line(&said, "project hook ran"), "{said}");
    assert!(
        said.contains("Skipped the post-create hooks of remotes/api's .skipper.toml, not approved:\n  echo project hook ran"),
        "{said}"
    );
    assert!(said.contains("sk hooks approve -r remotes/api"), "{said}");
    assert!(env.worktree("api", "feat/x").is_dir());

    let listed = env.ok(&["hooks", "list", "-r", "api"]);
    assert_eq!(
        listed,
        "post-create  project   echo project hook ran  [unapproved]\n"
    );
    env.ok(&["hooks", "approve", "-r", "api"]);
    let listed = env.ok(&["hooks", "list", "-r", "api"]);
    assert_eq!(
        listed,
        "post-create  project   echo project hook ran  [approved]\n"
    );
    let ran = env.run(&ws("create", "feat/y", &[]));
    assert!(
        has_line(&stderr(&ran), "project hook ran"),
        "{}",
        stderr(&ran)
    );

    // A changed file is not approved.
    origin.push_commit(
        "main",
        ".skipper.toml",
        &hooks_file("\"echo changed hook\"", ""),
    );
    let changed = env.run(&ws("create", "feat/z", &[]));
    assert!(
        stderr(&changed).contains("Skipped the post-create hooks"),
        "{}",
        stderr(&changed)
    );
    assert!(
        !has_line(&stderr(&changed), "changed hook"),
        "{}",
        stderr(&changed)
    );

    let revoked = env.ok(&["hooks", "revoke", "-r", "api"]);
    assert_eq!(revoked, "Forgot 1 approval of remotes/api's hooks\n");
}

#[test]
fn on_a_terminal_approval_is_asked_stored_and_asked_again_when_the_file_changes() {
    let (env, origin) = project(&hooks_file("\"echo project hook ran\"", ""));

    let mut session = env.pty(&ws("create", "feat/x", &[]));
    session.expect("echo project hook ran").unwrap();
    session.expect("Run these commands").unwrap();
    session.send("y\r").unwrap();
    session.expect("post-create │ project hook ran").unwrap();
    assert_eq!(exit_code(&mut session), 0);

    // Stored: the next workspace asks nothing.
    let mut session = env.pty(&ws("create", "feat/y", &[]));
    let seen = session.expect("post-create │ project hook ran").unwrap();
    assert!(!String::from_utf8_lossy(seen.before()).contains("Run these commands"));
    assert_eq!(exit_code(&mut session), 0);

    // Changed: asked again; a no skips them.
    origin.push_commit(
        "main",
        ".skipper.toml",
        &hooks_file("\"echo changed hook\"", ""),
    );
    let mut session = env.pty(&ws("create", "feat/z", &[]));
    session.expect("echo changed hook").unwrap();
    session.expect("Run these commands").unwrap();
    session.send("n\r").unwrap();
    session.expect("Skipped the post-create hooks").unwrap();
    assert_eq!(exit_code(&mut session), 0);
}

#[test]
fn a_malformed_project_file_fails_create_and_list_run_and_remove_go_on_with_a_warning() {
    for (text, said) in [
        (
            "colour = \"blue\"\n",
            "cannot use the project file: .skipper.toml at feat/x's HEAD: unknown key `colour`",
        ),
        (
            "[hooks]\npost-create = [\"a\"\n",
            "cannot use the project file: .skipper.toml at feat/x's HEAD:2:19: unclosed array",
        ),
        (
            "[ports]\ncount = 21\n",
            "cannot use the project file: .skipper.toml at feat/x's HEAD: ports.count is 21, but must be from 1 to 20",
        ),
    ] {
        let (env, _origin) = project(text);

        let created = env.run(&ws("create", "feat/x", &[]));
        assert_eq!(
            created.status.code(),
            Some(1),
            "{text}: {}",
            stderr(&created)
        );
        assert!(
            stderr(&created).contains(said),
            "{text}: {}",
            stderr(&created)
        );
        assert!(env.worktree("api", "feat/x").is_dir());

        let listed = env.run(&["workspace", "list"]);
        assert!(listed.status.success(), "{}", stderr(&listed));
        assert!(stdout(&listed).contains("feat/x"));

        let ran = env.run(&ws("run", "feat/x", &["--command", "echo ran $SK_BRANCH"]));
        assert!(ran.status.success(), "{}", stderr(&ran));
        assert_eq!(stdout(&ran), "ran feat/x\n");
        assert!(
            stderr(&ran).contains("going on without the project's setup"),
            "{}",
            stderr(&ran)
        );

        let removed = env.run(&ws("remove", "feat/x", &[]));
        assert!(removed.status.success(), "{text}: {}", stderr(&removed));
        assert!(stderr(&removed).contains("going on without the project's setup"));
        assert!(!env.worktree("api", "feat/x").exists());
    }
}
