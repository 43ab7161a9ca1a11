//! The main container of a repository on the shipped image: on the default branch, made
//! once, with the image's tools, a non-root user, and the host's configuration read-only.

use skipper_core::{CommandLine, Sandbox, WorkspaceLocation, WorkspaceTarget};

use crate::fixture::{
    DEFAULT_BRANCH, Fixture, container, default_branch, docker_ready, run_with, sh_ok,
};

#[test]
fn the_main_container_is_on_the_default_branch_and_made_once() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("main");
    let backend = fixture.backend(fixture.shipped_config());
    // The main container, on the default branch.
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    assert_eq!(main.reference.target, WorkspaceTarget::Main);
    let WorkspaceLocation::Container { name, path, state } = &main.location else {
        panic!("{main:?}")
    };
    assert!(name.starts_with("sk-api-main-"), "{name}");
    assert_eq!(path, "/workspace/api");
    assert_eq!(*state, skipper_core::ContainerState::Running);
    assert_eq!(
        sh_ok(&backend, &main, "git symbolic-ref --short HEAD"),
        DEFAULT_BRANCH
    );
    assert_eq!(
        sh_ok(&backend, &main, "git rev-parse --abbrev-ref @{u}"),
        format!("origin/{DEFAULT_BRANCH}")
    );
    assert_eq!(sh_ok(&backend, &main, "git status --porcelain"), "");
    // Idempotent.
    let again = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    assert_eq!(container(&again), container(&main));
}

#[test]
fn the_shipped_image_has_its_tools_and_a_non_root_user() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("tools");
    let backend = fixture.backend(fixture.shipped_config());
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    // The shipped image's tools, and a non-root user.
    assert!(sh_ok(&backend, &main, "node --version").starts_with("v22."));
    assert!(!sh_ok(&backend, &main, "bun --version").is_empty());
    assert!(!sh_ok(&backend, &main, "opencode --version").is_empty());
    assert_eq!(sh_ok(&backend, &main, "id -u"), "1000");
    assert_eq!(
        sh_ok(&backend, &main, "stat -c %u .git/HEAD ."),
        "1000\n1000"
    );
}

#[test]
fn the_hosts_configuration_is_read_only_and_the_agents_own_state_stays_inside() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("hostcfg");
    // Host configuration the container user must be able to read, but not change.
    fs_err::write(
        fixture.home.join(".gitconfig"),
        "[user]\n\tname = Host User\n",
    )
    .unwrap();
    fs_err::create_dir_all(fixture.home.join(".config/opencode")).unwrap();
    fs_err::write(fixture.home.join(".config/opencode/opencode.json"), "{}\n").unwrap();
    fs_err::write(
        fixture.home.join(".config/opencode/package.json"),
        "{\"host\":1}\n",
    )
    .unwrap();
    fs_err::create_dir_all(fixture.home.join(".local/share/opencode")).unwrap();
    fs_err::write(
        fixture.home.join(".local/share/opencode/auth.json"),
        "{\"k\":1}\n",
    )
    .unwrap();
    let backend = fixture.backend(fixture.shipped_config());
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    // The host configuration, read-only, and the agent's own state writable.
    assert_eq!(sh_ok(&backend, &main, "git config user.name"), "Host User");
    assert_eq!(
        sh_ok(&backend, &main, "cat ~/.local/share/opencode/auth.json"),
        "{\"k\":1}"
    );
    assert_eq!(
        sh_ok(&backend, &main, "cat ~/.config/opencode/opencode.json"),
        "{}"
    );
    let write = run_with(
        &backend,
        &main,
        CommandLine::Shell("echo x >> ~/.config/opencode/opencode.json".into()),
        None,
    );
    assert_ne!(write.status, 0, "the host's configuration is writable");
    // OpenCode's own files in its configuration directory stay the container's.
    assert_eq!(
        sh_ok(
            &backend,
            &main,
            "test ! -e ~/.config/opencode/package.json && \\
             echo '{}' > ~/.config/opencode/package.json && \\
             touch ~/.config/opencode/.gitignore && ls -A ~/.config/opencode | tr '\\n' ' '"
        ),
        ".gitignore opencode.json package.json"
    );
    assert!(!fixture.home.join(".config/opencode/.gitignore").exists());
    sh_ok(
        &backend,
        &main,
        "touch ~/.local/share/opencode/opencode.db ~/.cache-test",
    );
    assert!(
        !fixture
            .home
            .join(".local/share/opencode/opencode.db")
            .exists()
    );
}

#[test]
fn each_agents_credentials_are_shared_read_only_and_its_sessions_stay_inside() {
    if !docker_ready() {
        return;
    }
    let fixture = Fixture::new("agentcfg");
    for (file, text) in [
        (".claude/.credentials.json", "{\"claude\":1}\n"),
        (".claude/projects/host-session.jsonl", "host\n"),
        (".codex/auth.json", "{\"codex\":1}\n"),
        (".codex/sessions/host.jsonl", "host\n"),
    ] {
        let path = fixture.home.join(file);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, text).unwrap();
    }
    let backend = fixture.backend(fixture.shipped_config());
    let main = backend
        .prepare_main(&fixture.checkout, &default_branch(), &[])
        .unwrap();
    assert_eq!(
        sh_ok(
            &backend,
            &main,
            "cat ~/.claude/.credentials.json ~/.codex/auth.json"
        ),
        "{\"claude\":1}\n{\"codex\":1}"
    );
    for file in ["~/.claude/.credentials.json", "~/.codex/auth.json"] {
        let write = run_with(
            &backend,
            &main,
            CommandLine::Shell(format!("echo x >> {file}")),
            None,
        );
        assert_ne!(write.status, 0, "{file} is writable");
    }
    // The host's sessions are not shared, and the agent's own are written inside.
    assert_eq!(
        sh_ok(
            &backend,
            &main,
            "test ! -e ~/.claude/projects/host-session.jsonl && test ! -e ~/.codex/sessions && \\
             mkdir -p ~/.claude/projects ~/.codex/sessions && touch ~/.claude/projects/s ~/.codex/sessions/s && echo ok"
        ),
        "ok"
    );
    assert!(!fixture.home.join(".claude/projects/s").exists());
}
