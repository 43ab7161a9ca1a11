//! Files carried over into a new workspace: the host checkout's untracked and ignored files
//! that `.worktreeinclude` names, copied by `create` (and `attach --create`) on both
//! sandboxes, never over a tracked file and never following a link out of the checkout.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use fs_err::os::unix::fs::symlink;

use crate::support::docker::{DockerRepo, docker_ready};
use crate::support::{Origin, TestEnv, snapshot_filters};

/// The origin ignores `.env` and `config/*.key`, and its branch `feature` tracks
/// `local.cfg`.
fn with_ignores(origin: &Origin) {
    origin.push_commit("release/v1", ".gitignore", ".env\nconfig/*.key\n");
    origin.push_commit("feature", "local.cfg", "the feature's own\n");
    origin.checkout("release/v1");
}

/// What a host checkout holds besides its tracked files: ignored secrets, a note no
/// pattern names, links inside and out, and an untracked `local.cfg`.
fn host_files(checkout: &Path, outside: &Path) {
    fs_err::write(checkout.join(".env"), "TOKEN=host\n").unwrap();
    fs_err::create_dir_all(checkout.join("config")).unwrap();
    fs_err::write(checkout.join("config/dev.key"), "key\n").unwrap();
    fs_err::set_permissions(
        checkout.join("config/dev.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    fs_err::write(checkout.join("notes.txt"), "not named\n").unwrap();
    fs_err::write(checkout.join("local.cfg"), "the host's\n").unwrap();
    fs_err::write(outside.join("secret.txt"), "outside\n").unwrap();
    symlink(".env", checkout.join("env-link")).unwrap();
    symlink(outside.join("secret.txt"), checkout.join("absolute-link")).unwrap();
    symlink(
        "../../../../../../../../../../secret.txt",
        checkout.join("up-link"),
    )
    .unwrap();
}

const INCLUDE: &str = "# secrets\n.env\nconfig/*.key\n*-link\nlocal.cfg\n";

#[test]
fn worktreeinclude_files_are_copied_into_a_new_worktree_and_links_out_are_not_followed() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    with_ignores(&origin);
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");
    let outside = env.root().join("outside");
    fs_err::create_dir_all(&outside).unwrap();
    host_files(&checkout, &outside);
    // Untracked itself, read from the host checkout's working tree.
    fs_err::write(checkout.join(".worktreeinclude"), INCLUDE).unwrap();

    let created = env.run(&["workspace", "create", "-r", "api", "-b", "feature"]);

    let _filters = snapshot_filters();
    insta::assert_snapshot!(env.screen(&created), @"
    [exit: 0]
    Created workspace feature of remotes/api at [ROOT]/xdg-data/skipper/worktrees/local/remotes/api/feature (tracking origin/feature)
    ----- stderr -----
    copied 3 files from the host checkout: .env, config/dev.key, env-link
    warning: not copied from the host checkout: absolute-link: a symbolic link to the absolute path [ROOT]/outside/secret.txt, which would not name the same file in the workspace
    warning: not copied from the host checkout: local.cfg: the workspace already has it (never overwritten)
    warning: not copied from the host checkout: up-link: a symbolic link to ../../../../../../../../../../secret.txt, outside the host checkout (not followed)
    ");
    let worktree = env.worktree("api", "feature");
    let read = |name: &str| fs_err::read_to_string(worktree.join(name)).unwrap();
    assert_eq!(read(".env"), "TOKEN=host\n");
    assert_eq!(read("config/dev.key"), "key\n");
    let mode = fs_err::metadata(worktree.join("config/dev.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(
        fs_err::read_link(worktree.join("env-link")).unwrap(),
        Path::new(".env")
    );
    // The branch's tracked file is never overwritten.
    assert_eq!(read("local.cfg"), "the feature's own\n");
    for left in ["notes.txt", "absolute-link", "up-link"] {
        assert!(
            fs_err::symlink_metadata(worktree.join(left)).is_err(),
            "{left} was copied"
        );
    }
    // `feature` has no `.gitignore` of the default branch: what was carried is untracked.
    assert_eq!(
        env.git(&worktree, &["status", "--porcelain"]),
        "?? .env\n?? config/\n?? env-link"
    );
}

/// The `copy` list of the repository's `.skipper.toml` carries files as `.worktreeinclude`
/// does, with no `.worktreeinclude` at all.
#[test]
fn the_projects_copy_list_carries_files_too() {
    let env = TestEnv::new();
    let origin = env.origin("api", "release/v1");
    with_ignores(&origin);
    origin.push_commit("release/v1", ".skipper.toml", "copy = [\".env\"]\n");
    env.ok(&["clone", &origin.url]);
    let checkout = env.checkout("api");
    fs_err::write(checkout.join(".env"), "TOKEN=host\n").unwrap();
    fs_err::write(checkout.join("notes.txt"), "not named\n").unwrap();

    let created = env.run(&["workspace", "create", "-r", "api", "-b", "feat/copy"]);

    assert!(created.status.success(), "{}", env.screen(&created));
    assert!(
        crate::support::stderr(&created).contains("copied 1 file from the host checkout: .env"),
        "{}",
        env.screen(&created)
    );
    let worktree = env.worktree("api", "feat/copy");
    assert_eq!(
        fs_err::read_to_string(worktree.join(".env")).unwrap(),
        "TOKEN=host\n"
    );
    assert!(!worktree.join("notes.txt").exists());
}

#[test]
fn a_tracked_worktreeinclude_is_read_from_the_new_workspaces_commit_on_docker() {
    if !docker_ready() {
        return;
    }
    let repo = DockerRepo::uncloned("carry", "");
    with_ignores(&repo.origin);
    // Tracked on the default branch: a new branch's workspace reads it from its commit.
    repo.origin
        .push_commit("release/v1", ".worktreeinclude", INCLUDE);
    repo.ok(&["clone", &repo.origin.url.clone(), "--sandbox", "docker"]);
    let checkout = repo.env.checkout(&repo.name);
    let outside = repo.env.root().join("outside");
    fs_err::create_dir_all(&outside).unwrap();
    host_files(&checkout, &outside);

    let created = repo.run(&[
        "workspace",
        "create",
        "-r",
        &repo.name,
        "-b",
        "feat/x",
        "--sandbox",
        "docker",
    ]);

    let _filters = snapshot_filters();
    insta::assert_snapshot!(repo.screen(&created), @"
    [exit: 0]
    Created workspace feat/x of remotes/[REPO] at sk-[REPO]-feat-x-[HASH]:/workspace/[REPO] (new branch from the remote's default branch)
    ----- stderr -----
    copied 4 files from the host checkout: .env, config/dev.key, env-link, local.cfg
    warning: not copied from the host checkout: absolute-link: a symbolic link to the absolute path [ROOT]/outside/secret.txt, which would not name the same file in the workspace
    warning: not copied from the host checkout: up-link: a symbolic link to ../../../../../../../../../../secret.txt, outside the host checkout (not followed)
    ");
    let seen = repo.sh(
        "feat/x",
        "cat .env config/dev.key env-link local.cfg; stat -c %a config/dev.key; readlink env-link; \
         test \"$(stat -c %u .env config config/dev.key | sort -u)\" = \"$(id -u)\" && echo owned; \
         ls absolute-link up-link notes.txt 2>&1 | wc -l; git status --porcelain",
    );
    assert_eq!(
        seen,
        "TOKEN=host\nkey\nTOKEN=host\nthe host's\n600\n.env\nowned\n3\n?? env-link\n?? local.cfg\n"
    );
}
