use expectrl::Expect;

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::{TestEnv, exit_code};

#[test]
fn the_picker_selects_a_workspace_on_a_terminal() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/one"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/two"]);

    let mut session = env.pty(&["workspace", "run", "--command", "echo picked:$(pwd)"]);
    // The only repository is not asked for; the workspaces: main first, then branches.
    let shown = session.expect("Workspace:").unwrap();
    assert!(!String::from_utf8_lossy(shown.before()).contains("Repository:"));
    session.expect("main").unwrap();
    session.send("two").unwrap();
    session.expect("feat/two").unwrap();
    session.send("\r").unwrap();
    let expected = format!("picked:{}", env.worktree("api", "feat/two").display());
    session.expect(expected.as_str()).unwrap();
    session.expect(expectrl::Eof).unwrap();
}

#[test]
fn without_a_terminal_a_missing_choice_exits_2_listing_the_choices() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/one"]);

    insta::assert_snapshot!(env.screen_of(&["workspace", "remove", "-r", "api"]), @"
    [exit: 2]
    ----- stderr -----
    error: --branch is required without a terminal
      - workspaces of remotes/api: feat/one [worktree]
    ");
    insta::assert_snapshot!(env.screen_of(&["workspace", "create", "-b", "x"]), @"
    [exit: 2]
    ----- stderr -----
    error: --repository is required without a terminal
      - cloned repositories: remotes/api
    ");
}

#[test]
fn create_asks_for_the_new_branch_on_a_terminal_and_checks_it() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    let mut session = env.pty(&["workspace", "create", "-r", "api"]);
    session.expect("New branch:").unwrap();
    // git's rules apply while typing: `a..b` is refused, then corrected.
    session.send("a..b\r").unwrap();
    session.expect("cannot").unwrap();
    for _ in 0.."a..b".len() {
        session.send("\x7f").unwrap();
    }
    session.send("feat/typed\r").unwrap();
    session.expect("Created workspace feat/typed").unwrap();
    assert_eq!(crate::support::exit_code(&mut session), 0);
    assert!(env.worktree("api", "feat/typed").is_dir());
}

#[test]
fn create_offers_the_branches_without_a_workspace_and_takes_a_new_name() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.git(&env.checkout("api"), &["branch", "local/only"]);

    // One repository: no question about it; origin's and local branches are offered.
    let mut session = env.pty(&["workspace", "create"]);
    let shown = session.expect("New branch:").unwrap();
    assert!(!String::from_utf8_lossy(shown.before()).contains("Repository:"));
    session.expect("feature").unwrap();
    session.expect("local/only").unwrap();
    session.send("feat").unwrap();
    session.send("\t\r").unwrap();
    session.expect("Created workspace feature").unwrap();
    session.expect("tracking origin/feature").unwrap();
    assert_eq!(exit_code(&mut session), 0);

    // A name that is no branch yet is still taken as typed.
    let mut session = env.pty(&["workspace", "create"]);
    session.expect("New branch:").unwrap();
    session.send("brand-new\r").unwrap();
    session.expect("Created workspace brand-new").unwrap();
    assert_eq!(exit_code(&mut session), 0);
    assert!(env.worktree("api", "feature").is_dir());
    assert!(env.worktree("api", "brand-new").is_dir());
}

/// `sk workspace run` on a terminal, picking the entry `label` (typed in full to filter):
/// what the command printed after `picked:`.
fn pick(repo: &DockerRepo, label: &str) -> String {
    let mut session = repo
        .env
        .pty(&["workspace", "run", "--command", "echo picked:$(pwd)"]);
    session.expect("Workspace:").unwrap();
    session.send(label).unwrap();
    session.send("\r").unwrap();
    let found = session.expect(expectrl::Regex("picked:[^\r\n]*")).unwrap();
    let picked = String::from_utf8_lossy(found.get(0).unwrap()).into_owned();
    assert_eq!(exit_code(&mut session), 0, "{label}");
    picked
}

#[test]
fn the_picker_lists_every_sandbox_of_a_branch_and_uses_the_one_chosen() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::new("pairs", "");
    repo.create("feat/both");
    // A branch in both sandboxes, as an older `sk` made it.
    let path = repo.worktree_beside("feat/both");
    let container = format!("picked:/workspace/{}", repo.name);

    let mut session = repo
        .env
        .pty(&["workspace", "run", "--command", "echo picked:$(pwd)"]);
    session.expect("Workspace:").unwrap();
    for entry in [
        "release/v1 [worktree]",
        "release/v1 [docker]",
        "feat/both [docker]",
        "feat/both [worktree]",
    ] {
        session.expect(entry).unwrap();
    }
    session.send("\x03").unwrap();
    assert_eq!(exit_code(&mut session), 130);

    assert_eq!(pick(&repo, "feat/both [docker]"), container);
    assert_eq!(
        pick(&repo, "feat/both [worktree]"),
        format!("picked:{}", path.display())
    );
    assert_eq!(pick(&repo, "release/v1 [docker]"), container);
    assert_eq!(
        pick(&repo, "release/v1 [worktree]"),
        format!("picked:{}", repo.env.checkout(&repo.name).display())
    );
}

/// Esc cancels: the prompt and the error say "cancelled" alike, and `sk` exits 130.
#[test]
fn esc_cancels_in_one_spelling() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/one"]);

    let mut session = env.pty(&["workspace", "run", "--command", "true"]);
    session.expect("Workspace:").unwrap();
    session.send("\x1b").unwrap();
    let mut seen = Vec::new();
    std::io::Read::read_to_end(&mut session, &mut seen).ok();
    let seen = String::from_utf8_lossy(&seen);
    assert!(!seen.contains("canceled"), "{seen}");
    assert!(seen.contains("cancelled"), "{seen}");
    assert_eq!(exit_code(&mut session), 130);
}
