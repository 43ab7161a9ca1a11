use expectrl::Expect;

use crate::support::TestEnv;

#[test]
fn the_picker_selects_a_workspace_on_a_terminal() {
    let env = TestEnv::new();
    let origin = env.origin("api", "main");
    env.ok(&["clone", &origin.url]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/one"]);
    env.ok(&["workspace", "create", "-r", "api", "-b", "feat/two"]);

    let mut session = env.pty(&["workspace", "run", "--command", "echo picked:$(pwd)"]);
    // First the repository (only one), then the workspace: main first, then branches.
    session.expect("Repository:").unwrap();
    session.send("\r").unwrap();
    session.expect("Workspace:").unwrap();
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
