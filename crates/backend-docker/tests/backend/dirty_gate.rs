//! The dirty gate of Docker workspaces: what `at_risk` sees in a container (changes, unpushed
//! commits, the stash, a detached HEAD, new tags) and what `preserve` saves for `restore` to put
//! back in a new container.

use skipper_backend_docker::DockerBackend;
use skipper_core::{BranchStart, Sandbox, SaveStore, UnpushedRef, Workspace};

use crate::fixture::{DEFAULT_BRANCH, Fixture, docker_ready, git, kind, sh_ok};

/// A git identity for commands in the container.
const ID: &str = "git -c user.name=A -c user.email=a@b";

/// Two stash entries in `feat`.
fn stash_twice(backend: &DockerBackend, feat: &Workspace) {
    sh_ok(
        backend,
        feat,
        &format!(
            "echo 'change one' >> README.md && {ID} stash -q && \
             echo 'change two' >> README.md && {ID} stash -q"
        ),
    );
}

/// A commit on a detached HEAD in `feat`.
fn commit_on_a_detached_head(backend: &DockerBackend, feat: &Workspace) {
    sh_ok(
        backend,
        feat,
        &format!("git checkout -q --detach && {ID} commit -q --allow-empty -m 'detached work'"),
    );
}

/// Two tags on the pushed head of the default branch, a lightweight one and an annotated
/// one; returns that commit.
fn tag_a_pushed_commit(fixture: &Fixture, backend: &DockerBackend, feat: &Workspace) -> String {
    let host = &fixture.checkout.path;
    let pushed = git(host, &["rev-parse", &format!("origin/{DEFAULT_BRANCH}")]);
    sh_ok(
        backend,
        feat,
        &format!("git tag v9 {pushed} && {ID} tag -a -m 'release notes' v10 {pushed}"),
    );
    pushed
}

/// A fixture whose host checkout has a stash of its own (packed), and its stash list.
fn with_a_host_stash(test: &str) -> (Fixture, String) {
    let fixture = Fixture::new(test);
    let host = &fixture.checkout.path;
    // The host's own stash, packed: it is the host's, never a workspace's.
    fs_err::write(host.join("README.md"), "host change\n").unwrap();
    git(host, &["stash", "-q"]);
    git(host, &["pack-refs", "--all"]);
    let host_stash = git(host, &["stash", "list"]);
    (fixture, host_stash)
}

#[test]
fn the_dirty_gate_sees_the_stash_a_detached_head_and_new_tags() {
    if !docker_ready() {
        return;
    }
    let (fixture, host_stash) = with_a_host_stash("refs");
    let host = &fixture.checkout.path;
    let backend = fixture.backend(fixture.shipped_config());
    let feat = backend
        .create(&fixture.branch_request("feat/x", BranchStart::NewFromDefault))
        .unwrap();
    assert_eq!(sh_ok(&backend, &feat, "git stash list"), "");
    assert_eq!(sh_ok(&backend, &feat, "git tag"), "v0.1");
    assert!(backend.at_risk(&feat).unwrap().is_empty());
    assert_eq!(git(host, &["stash", "list"]), host_stash);

    // Two stash entries, then a commit on a detached HEAD, then two tags on a pushed commit:
    // a lightweight one and an annotated one.
    stash_twice(&backend, &feat);
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(
        risk.other_refs,
        [UnpushedRef::Stash { entries: 2 }],
        "{risk:?}"
    );
    assert!(
        risk.modified.is_empty() && risk.untracked.is_empty() && risk.unpushed.is_empty(),
        "{risk:?}"
    );
    commit_on_a_detached_head(&backend, &feat);
    assert_eq!(
        backend.at_risk(&feat).unwrap().other_refs[1],
        UnpushedRef::DetachedHead { commits: 1 }
    );
    tag_a_pushed_commit(&fixture, &backend, &feat);
    let risk = backend.at_risk(&feat).unwrap();
    assert_eq!(
        risk.other_refs,
        [
            UnpushedRef::Stash { entries: 2 },
            UnpushedRef::DetachedHead { commits: 1 },
            UnpushedRef::Tag { name: "v10".into() },
            UnpushedRef::Tag { name: "v9".into() },
        ]
    );
    assert!(
        risk.untracked.is_empty() && risk.unpushed.is_empty(),
        "{risk:?}"
    );
}

#[test]
fn preserve_then_restore_in_a_new_container_brings_back_the_stash_the_detached_head_and_the_tags() {
    if !docker_ready() {
        return;
    }
    let (fixture, host_stash) = with_a_host_stash("refsaved");
    let host = &fixture.checkout.path;
    let backend = fixture.backend(fixture.shipped_config());
    let request = fixture.branch_request("feat/x", BranchStart::NewFromDefault);
    let feat = backend.create(&request).unwrap();
    stash_twice(&backend, &feat);
    commit_on_a_detached_head(&backend, &feat);
    let pushed = tag_a_pushed_commit(&fixture, &backend, &feat);
    let risk = backend.at_risk(&feat).unwrap();
    let state = "git rev-parse HEAD && git stash list --format='%H %gs' && \
                 git for-each-ref --format='%(objectname) %(objecttype) %(refname)' refs/tags refs/heads";
    let before = sh_ok(&backend, &feat, state);

    let saves = skipper_git::DiskSaves::new(skipper_git::Layout::new(fixture.data_root.clone()));
    let slot = saves.reserve(&feat.reference, kind(&backend)).unwrap();
    let contents = backend.preserve(&feat, &slot).unwrap();
    assert_eq!(contents.stash.len(), 2, "{contents:?}");
    assert_eq!(contents.head.as_ref().unwrap().branch, None, "detached");
    assert!(
        ["refs/tags/v10", "refs/tags/v9"]
            .iter()
            .all(|tag| contents.refs.iter().any(|r| r.name == *tag)),
        "{contents:?}"
    );
    // Saving changed nothing in the container, nor the host's own stash.
    assert_eq!(backend.at_risk(&feat).unwrap(), risk);
    assert_eq!(git(host, &["stash", "list"]), host_stash);
    let saved = saves
        .commit(slot, &feat.reference, kind(&backend), contents)
        .unwrap();
    assert!(
        saved.bundle.is_some(),
        "the stash and the detached commit are new"
    );

    backend.destroy(&feat, true).unwrap();
    let again = backend.create(&request).unwrap();
    backend.restore(&again, &saved).unwrap();
    assert_eq!(sh_ok(&backend, &again, state), before);
    assert_eq!(backend.at_risk(&again).unwrap(), risk);
    assert_eq!(sh_ok(&backend, &again, "git rev-parse 'v10^{}'"), pushed);
    assert_eq!(git(host, &["stash", "list"]), host_stash);
}
