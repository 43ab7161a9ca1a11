//! `sk repo`: the cloned repositories, with their remote and default branch.

use serde_json::Value;

use crate::support::TestEnv;

#[test]
fn repo_list_shows_each_clone_with_its_remote_and_default_branch() {
    let env = TestEnv::new();
    insta::assert_snapshot!(env.screen_of(&["repo", "list"]), @"
    [exit: 0]
    ----- stderr -----
    No repositories yet: clone one with `sk clone <remote>`.
    ");
    let api = env.origin("api", "release/v1");
    let web = env.origin("web", "main");
    env.ok(&["clone", &api.url]);
    env.ok(&["clone", &web.url]);
    insta::assert_snapshot!(env.screen_of(&["repo", "list"]), @"
    [exit: 0]
    REPOSITORY   REMOTE                                      DEFAULT     PATH
    remotes/api  file://[ROOT]/remotes/api.git  release/v1  [ROOT]/xdg-data/skipper/repos/local/remotes/api
    remotes/web  file://[ROOT]/remotes/web.git  main        [ROOT]/xdg-data/skipper/repos/local/remotes/web
    ----- stderr -----
    ");
    let rows: Vec<Value> = serde_json::from_str(&env.ok(&["repo", "list", "--json"])).unwrap();
    insta::assert_snapshot!(
        serde_json::to_string_pretty(&rows)
            .unwrap()
            .replace(&env.root().display().to_string(), "[ROOT]"),
        @r#"
    [
      {
        "default_branch": "release/v1",
        "path": "[ROOT]/xdg-data/skipper/repos/local/remotes/api",
        "remote": "file://[ROOT]/remotes/api.git",
        "repository": "remotes/api"
      },
      {
        "default_branch": "main",
        "path": "[ROOT]/xdg-data/skipper/repos/local/remotes/web",
        "remote": "file://[ROOT]/remotes/web.git",
        "repository": "remotes/web"
      }
    ]
    "#
    );
}
