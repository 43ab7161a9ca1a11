use crate::support::TestEnv;

/// `sk workspace list` with the config file holding `text`, as the user sees it.
fn config_error(text: &str) -> String {
    let env = TestEnv::new();
    env.write_config(text);
    env.screen_of(&["workspace", "list"])
}

#[test]
fn config_errors_name_the_file_the_key_and_the_line() {
    insta::assert_snapshot!(config_error("[agent]\ncommand = [\"a\"]\nflavour = 1\n"), @"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: TOML parse error at line 3, column 1
      |
    3 | flavour = 1
      | ^^^^^^^
    unknown field `flavour`, expected `command`
      - see the README's configuration section for the keys skipper knows
    ");
    insta::assert_snapshot!(config_error("[agent]\ncommand = \"opencode run\"\n"), @r#"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: TOML parse error at line 2, column 11
      |
    2 | command = "opencode run"
      |           ^^^^^^^^^^^^^^
    invalid type: string "opencode run", expected a sequence
      - see the README's configuration section for the keys skipper knows
    "#);
    insta::assert_snapshot!(config_error("sandbox = \n"), @"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/xdg-config/skipper/config.toml: TOML parse error at line 1, column 11
      |
    1 | sandbox = 
      |           ^
    string values must be quoted, expected literal string
      - see the README's configuration section for the keys skipper knows
    ");
}

#[test]
fn skipper_config_overrides_the_config_path() {
    let env = TestEnv::new();
    let custom = env.root().join("custom.toml");
    fs_err::write(&custom, "nonsense = true\n").unwrap();
    let output = env
        .sk()
        .env("SKIPPER_CONFIG", &custom)
        .args(["workspace", "list"])
        .output()
        .unwrap();
    insta::assert_snapshot!(env.screen(&output), @"
    [exit: 1]
    ----- stderr -----
    error: invalid config file [ROOT]/custom.toml: TOML parse error at line 1, column 1
      |
    1 | nonsense = true
      | ^^^^^^^^
    unknown field `nonsense`, expected one of `sandbox`, `agent`, `agents`, `docker`, `hooks`, `ports`, `secrets`, `mcp`, `network`, `ssh`
      - see the README's configuration section for the keys skipper knows
    ");
}

/// The stderr of a failing `sk` with `vars` set, as bytes.
fn failure_stderr(vars: &[(&str, &str)]) -> String {
    let env = TestEnv::new();
    let mut command = env.sk();
    command
        .env_remove("NO_COLOR")
        .args(["workspace", "list", "-r", "nope"]);
    for (name, value) in vars {
        command.env(name, value);
    }
    crate::support::stderr(&command.output().unwrap())
}

#[test]
fn colour_follows_clicolor_force_and_no_color() {
    // stderr is a pipe here: no colour unless forced, and never with NO_COLOR.
    assert!(!failure_stderr(&[]).contains('\u{1b}'));
    let forced = failure_stderr(&[("CLICOLOR_FORCE", "1")]);
    assert!(forced.starts_with("\u{1b}["), "{forced:?}");
    assert!(forced.contains("error:"), "{forced:?}");
    let refused = failure_stderr(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert!(!refused.contains('\u{1b}'), "{refused:?}");
    assert!(refused.starts_with("error: "), "{refused:?}");
}
