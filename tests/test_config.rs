use crate::support::{TestEnv, stderr};

fn config_error(text: &str) -> String {
    let env = TestEnv::new();
    env.write_config(text);
    let output = env.run(&["workspace", "list"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(&env.config_file().display().to_string()),
        "names the file: {err}"
    );
    err
}

#[test]
fn config_errors_name_the_file_the_key_and_the_line() {
    let err = config_error("[agent]\ncommand = [\"a\"]\nflavour = 1\n");
    assert!(err.contains("line 3") && err.contains("flavour"), "{err}");

    let err = config_error("[agent]\ncommand = \"opencode run\"\n");
    assert!(err.contains("line 2") && err.contains("command"), "{err}");

    let err = config_error("sandbox = \n");
    assert!(err.contains("line 1"), "{err}");
}

#[test]
fn skipper_config_overrides_the_config_path() {
    let env = TestEnv::new();
    let custom = env.root().join("custom.toml");
    std::fs::write(&custom, "nonsense = true\n").unwrap();
    let output = env
        .sk()
        .env("SKIPPER_CONFIG", &custom)
        .args(["workspace", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("custom.toml"),
        "{}",
        stderr(&output)
    );
}
