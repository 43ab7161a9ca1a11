//! Shell completion from the live state: `sk w run -r <TAB>` offers the cloned
//! repositories, `-b <TAB>` that repository's branches. The shell asks `sk` itself
//! (`clap_complete`'s dynamic completion: `COMPLETE=<shell> sk -- <words>`), so what is
//! offered is what exists now.

use std::ffi::OsStr;
use std::sync::Arc;

use clap_complete::engine::CompletionCandidate;
use skipper_core::{Checkout, HostCheckouts as _, NoProgress, RepositoryQuery};
use skipper_git::{GitCheckouts, Layout};

use crate::config::Paths;

/// The host checkouts of the data root, when it can be told.
fn host() -> Option<GitCheckouts> {
    let paths = Paths::from_env().ok()?;
    Some(GitCheckouts::new(
        Layout::new(paths.data_root),
        Arc::new(NoProgress),
    ))
}

/// The host checkouts, or none when the data root cannot be told or read.
fn checkouts(host: Option<&GitCheckouts>) -> Vec<Checkout> {
    host.and_then(|host| host.list().ok()).unwrap_or_default()
}

/// The cloned repositories: each by its short name, and by `owner/name`.
pub fn repositories(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let mut names = Vec::new();
    for checkout in checkouts(host().as_ref()) {
        let repository = &checkout.repository;
        let full = format!("{}/{}", repository.owner(), repository.name());
        for name in [repository.name().to_owned(), full] {
            if name.starts_with(current.as_ref()) && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// The branches of the repository `-r`/`--repository` names on the command line being
/// completed (of every repository without one): local ones and `origin`'s.
pub fn branches(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let named = repository_word(&words).and_then(|word| RepositoryQuery::parse(&word).ok());
    let Some(host) = host() else {
        return Vec::new();
    };
    let mut branches: Vec<String> = Vec::new();
    for checkout in checkouts(Some(&host)) {
        if named
            .as_ref()
            .is_some_and(|query| !query.matches(&checkout.repository))
        {
            continue;
        }
        for name in host.branches(&checkout).unwrap_or_default() {
            let name = name.to_string();
            if name.starts_with(current.as_ref()) && !branches.contains(&name) {
                branches.push(name);
            }
        }
    }
    branches.sort();
    branches.into_iter().map(CompletionCandidate::new).collect()
}

/// The value of `-r`/`--repository` among the words being completed.
fn repository_word(words: &[String]) -> Option<String> {
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == "-r" || word == "--repository" {
            return words.next().cloned();
        }
        if let Some(value) = word.strip_prefix("--repository=") {
            return Some(value.to_owned());
        }
        if let Some(value) = word.strip_prefix("-r").filter(|v| !v.is_empty()) {
            return Some(value.to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_is_read_from_any_spelling_of_the_option() {
        let words = |text: &str| text.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            repository_word(&words("sk w run -r api -b")).as_deref(),
            Some("api")
        );
        assert_eq!(
            repository_word(&words("sk w run --repository=acme/api -b")).as_deref(),
            Some("acme/api")
        );
        assert_eq!(
            repository_word(&words("sk w run -rapi -b")).as_deref(),
            Some("api")
        );
        assert_eq!(repository_word(&words("sk w run -b")), None);
    }
}
