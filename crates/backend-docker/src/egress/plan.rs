//! Pure builders of an `allow` workspace's egress: names, tinyproxy's configuration and
//! filter, the create requests of the proxy container and of the internal network, and the
//! proxy variables the workspace is given.

use std::collections::HashMap;

use bollard::models::{
    ContainerCreateBody, HostConfig, NetworkCreateRequest, RestartPolicy, RestartPolicyNameEnum,
};
use skipper_core::AllowEntry;

use crate::labels;
use crate::scripts;

/// The port the proxy listens on.
pub const PROXY_PORT: u16 = 3128;
/// The user name of the proxy's credentials (the password is the workspace's own).
pub const PROXY_USER: &str = "sk";
/// Where `egress-proxy.sh` writes the filter inside the proxy container.
pub const FILTER_PATH: &str = "/tmp/sk-proxy/filter";
/// What the workspace reaches without the proxy: its own loopback.
pub const NO_PROXY: &str = "localhost,127.0.0.1,::1";
/// The repository part of built proxy images' tags.
pub const PROXY_IMAGE_REPOSITORY: &str = "skipper-egress-proxy";
/// The proxy image's base unless `[docker.proxy] base` says otherwise.
pub const DEFAULT_PROXY_BASE: &str = "ubuntu:24.04";
/// The most processes a proxy may hold.
const PROXY_PIDS_LIMIT: i64 = 64;
/// The proxy's memory limit (tinyproxy needs a few MiB).
const PROXY_MEMORY: i64 = 64 << 20;

/// The internal network of a data root's `allow` workspaces: no route out.
#[must_use]
pub fn network_name(namespace: &str) -> String {
    format!("sk-egress-{namespace}")
}

/// The proxy container of the workspace container `workspace`, and its name on the
/// internal network.
#[must_use]
pub fn proxy_name(workspace: &str) -> String {
    format!("{workspace}-proxy")
}

/// The proxy URL the workspace `workspace` is given, with its credentials.
#[must_use]
pub fn proxy_url(workspace: &str, secret: &str) -> String {
    format!(
        "http://{PROXY_USER}:{secret}@{}:{PROXY_PORT}",
        proxy_name(workspace)
    )
}

/// The proxy variables of an `allow` workspace, in both spellings programs read.
#[must_use]
pub fn workspace_env(url: &str) -> Vec<String> {
    [
        ("HTTP_PROXY", url),
        ("HTTPS_PROXY", url),
        ("http_proxy", url),
        ("https_proxy", url),
        ("NO_PROXY", NO_PROXY),
        ("no_proxy", NO_PROXY),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={value}"))
    .collect()
}

/// The password in the workspace's `HTTP_PROXY` among `env` (`NAME=value` entries), as
/// [`proxy_url`] wrote it.
#[must_use]
pub fn secret_in(env: &[String]) -> Option<String> {
    let url = env
        .iter()
        .find_map(|entry| entry.strip_prefix("HTTP_PROXY="))?;
    let credentials = url.strip_prefix("http://")?.split_once('@')?.0;
    let (user, secret) = credentials.split_once(':')?;
    (user == PROXY_USER && !secret.is_empty() && secret.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| secret.to_owned())
}

/// tinyproxy's configuration: one user (`secret` its password), every request filtered by
/// its URL (CONNECT's `host:port`, a plain request's `http://host[:port]/...`) against the
/// filter's patterns, anything they do not match refused with `403 Filtered`.
#[must_use]
pub fn tinyproxy_config(secret: &str) -> String {
    format!(
        "Port {PROXY_PORT}\n\
         Listen 0.0.0.0\n\
         Timeout 600\n\
         MaxClients 64\n\
         DisableViaHeader Yes\n\
         BasicAuth {PROXY_USER} {secret}\n\
         FilterType ere\n\
         FilterURLs On\n\
         FilterCaseSensitive No\n\
         FilterDefaultDeny Yes\n\
         Filter \"{FILTER_PATH}\"\n\
         LogLevel Notice"
    )
}

/// The filter of `allow`: for each entry, an anchored pattern for CONNECT (`host:port`) and
/// one for plain HTTP (`http://host[:port]` then a path, a query or the end). An empty list
/// denies everything. No pattern holds `#`, which starts a comment in tinyproxy's filter
/// file (a request's URL never carries a fragment).
#[must_use]
pub fn filter(allow: &[AllowEntry]) -> String {
    let mut lines = Vec::new();
    for entry in allow {
        let host = host_pattern(entry);
        match entry.port() {
            None => {
                lines.push(format!("^{host}:[0-9]+$"));
                lines.push(format!("^http://{host}(:[0-9]+)?([/?]|$)"));
            }
            Some(port) => {
                lines.push(format!("^{host}:{port}$"));
                if port == 80 {
                    lines.push(format!("^http://{host}(:80)?([/?]|$)"));
                } else {
                    lines.push(format!("^http://{host}:{port}([/?]|$)"));
                }
            }
        }
    }
    lines.join("\n")
}

/// The entry's host as a regular expression: dots literal (a validated host holds only
/// letters, digits, `-` and dots), `*.` as one or more labels.
fn host_pattern(entry: &AllowEntry) -> String {
    let host = entry.host();
    match host.strip_prefix("*.") {
        Some(domain) => format!("([a-z0-9-]+\\.)+{}", domain.replace('.', "\\.")),
        None => host.replace('.', "\\."),
    }
}

/// A short fingerprint of a proxy's configuration and filter: a proxy whose label differs
/// was made for another policy (or another container of the same name) and is replaced.
#[must_use]
pub fn config_hash(config: &str, filter: &str) -> String {
    skipper_core::short_hash(&format!("{config}\0{filter}"), 16)
}

/// What a proxy container is made of.
#[derive(Debug, Clone)]
pub struct ProxySpec<'a> {
    /// The proxy image.
    pub image: &'a str,
    /// The workspace container it serves.
    pub workspace: &'a str,
    /// The data root's namespace.
    pub namespace: &'a str,
    /// The workspace's repository ([`skipper_core::RepositoryId::key`]).
    pub repository: &'a str,
    /// tinyproxy's configuration ([`tinyproxy_config`]).
    pub config: &'a str,
    /// Its filter ([`filter`]).
    pub filter: &'a str,
}

/// The labels of a proxy container.
#[must_use]
pub fn proxy_labels(spec: &ProxySpec<'_>) -> HashMap<String, String> {
    HashMap::from([
        (labels::MANAGED.to_owned(), "true".to_owned()),
        (labels::DATA_ROOT.to_owned(), spec.namespace.to_owned()),
        (labels::REPOSITORY.to_owned(), spec.repository.to_owned()),
        (labels::SCHEMA.to_owned(), labels::SCHEMA_VERSION.to_owned()),
        (
            labels::ROLE.to_owned(),
            labels::ROLE_EGRESS_PROXY.to_owned(),
        ),
        (labels::PROXY_FOR.to_owned(), spec.workspace.to_owned()),
        (
            labels::PROXY_CONFIG.to_owned(),
            config_hash(spec.config, spec.filter),
        ),
    ])
}

/// The daemon's create request of a proxy: `egress-proxy.sh` as PID 1 behind an init, its
/// configuration as arguments, on the default bridge (the internal network is joined
/// before it starts), a read-only root with a small `/tmp`, every capability dropped, no
/// new privileges, small pids and memory limits, and restarted by the daemon unless
/// stopped.
#[must_use]
pub fn proxy_body(spec: &ProxySpec<'_>) -> ContainerCreateBody {
    ContainerCreateBody {
        image: Some(spec.image.to_owned()),
        cmd: Some(vec![
            "sh".to_owned(),
            "-c".to_owned(),
            scripts::EGRESS_PROXY.to_owned(),
            "egress-proxy".to_owned(),
            spec.config.to_owned(),
            spec.filter.to_owned(),
        ]),
        labels: Some(proxy_labels(spec)),
        attach_stdin: Some(false),
        attach_stdout: Some(false),
        attach_stderr: Some(false),
        tty: Some(false),
        open_stdin: Some(false),
        host_config: Some(HostConfig {
            network_mode: Some("bridge".to_owned()),
            init: Some(true),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            cap_drop: Some(vec!["ALL".to_owned()]),
            pids_limit: Some(PROXY_PIDS_LIMIT),
            memory: Some(PROXY_MEMORY),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_owned(),
                "rw,noexec,nosuid,size=8m".to_owned(),
            )])),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            privileged: Some(false),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The labels of a data root's internal network.
#[must_use]
pub fn network_labels(namespace: &str) -> HashMap<String, String> {
    HashMap::from([
        (labels::MANAGED.to_owned(), "true".to_owned()),
        (labels::DATA_ROOT.to_owned(), namespace.to_owned()),
        (labels::SCHEMA.to_owned(), labels::SCHEMA_VERSION.to_owned()),
        (
            labels::ROLE.to_owned(),
            labels::ROLE_EGRESS_NETWORK.to_owned(),
        ),
    ])
}

/// The create request of a data root's internal network: a bridge with no route out.
#[must_use]
pub fn network_body(namespace: &str) -> NetworkCreateRequest {
    NetworkCreateRequest {
        name: network_name(namespace),
        driver: Some("bridge".to_owned()),
        internal: Some(true),
        labels: Some(network_labels(namespace)),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(texts: &[&str]) -> Vec<AllowEntry> {
        texts.iter().map(|text| text.parse().unwrap()).collect()
    }

    /// Whether tinyproxy would let `url` through `filter`: some line matches it, as an
    /// extended regular expression without case (the syntax `filter` writes is the same in
    /// the `regex` crate).
    fn lets_through(filter: &str, url: &str) -> bool {
        filter.lines().any(|pattern| {
            regex::Regex::new(&format!("(?i){pattern}"))
                .unwrap()
                .is_match(url)
        })
    }

    #[test]
    fn a_host_with_a_port_is_reached_on_that_port_alone() {
        let filter = filter(&allow(&["api.example.com:8443", "10.1.2.3:80"]));
        assert_eq!(
            filter,
            "^api\\.example\\.com:8443$\n\
             ^http://api\\.example\\.com:8443([/?]|$)\n\
             ^10\\.1\\.2\\.3:80$\n\
             ^http://10\\.1\\.2\\.3(:80)?([/?]|$)"
        );
        assert!(lets_through(&filter, "api.example.com:8443"));
        assert!(lets_through(&filter, "http://API.example.com:8443/v1?x"));
        assert!(!lets_through(&filter, "api.example.com:443"));
        assert!(!lets_through(&filter, "http://api.example.com/"));
        assert!(lets_through(&filter, "http://10.1.2.3/"));
        assert!(lets_through(&filter, "http://10.1.2.3:80"));
        assert!(!lets_through(&filter, "http://10.1.2.3:8080/"));
        // Another host that starts or ends like an allowed one, or hides behind userinfo.
        assert!(!lets_through(&filter, "api.example.com.evil.test:8443"));
        assert!(!lets_through(&filter, "xapi.example.com:8443"));
        assert!(!lets_through(
            &filter,
            "http://api.example.com:8443@evil.test/"
        ));
        assert!(!lets_through(&filter, "http://apixexample.com:8443/"));
    }

    #[test]
    fn a_host_alone_is_reached_on_any_port_and_a_wildcard_on_its_subdomains() {
        let filter = filter(&allow(&["registry.npmjs.org", "*.github.com"]));
        assert!(lets_through(&filter, "registry.npmjs.org:443"));
        assert!(lets_through(&filter, "http://registry.npmjs.org/x"));
        assert!(lets_through(&filter, "http://registry.npmjs.org:8080/x"));
        assert!(!lets_through(&filter, "registry.npmjs.org.evil.test:443"));
        assert!(lets_through(&filter, "api.github.com:443"));
        assert!(lets_through(&filter, "a.b.github.com:443"));
        assert!(!lets_through(&filter, "github.com:443"));
        assert!(!lets_through(&filter, "evilgithub.com:443"));
        assert!(!lets_through(&filter, "api.github.com.evil.test:443"));
    }

    #[test]
    fn no_pattern_holds_what_tinyproxy_reads_as_a_comment() {
        let filter = filter(&allow(&["a.example", "b.example:80", "*.c.example:8080"]));
        assert!(!filter.contains('#'), "{filter}");
    }

    #[test]
    fn nothing_allowed_lets_nothing_through() {
        assert_eq!(filter(&[]), "");
        assert!(!lets_through("", "a.example:443"));
    }

    #[test]
    fn the_configuration_names_its_one_user_and_denies_by_default() {
        let config = tinyproxy_config("00ff");
        assert!(config.contains("\nBasicAuth sk 00ff\n"), "{config}");
        assert!(config.contains("\nFilterDefaultDeny Yes\n"), "{config}");
        assert!(config.contains("\nFilterURLs On\n"), "{config}");
        assert!(config.contains(&format!("\nFilter \"{FILTER_PATH}\"\n")));
        assert!(config.starts_with("Port 3128\n"));
        assert_ne!(
            config_hash(&config, "a"),
            config_hash(&tinyproxy_config("00fe"), "a")
        );
    }

    #[test]
    fn the_workspace_is_given_its_proxy_with_its_credentials() {
        let url = proxy_url("sk-api-feat-1234", "abcd");
        assert_eq!(url, "http://sk:abcd@sk-api-feat-1234-proxy:3128");
        let env = workspace_env(&url);
        assert!(env.contains(&format!("HTTPS_PROXY={url}")));
        assert!(env.contains(&format!("https_proxy={url}")));
        assert!(env.contains(&"NO_PROXY=localhost,127.0.0.1,::1".to_owned()));
        assert_eq!(secret_in(&env).as_deref(), Some("abcd"));
        assert_eq!(secret_in(&["HTTP_PROXY=http://x@y:1".to_owned()]), None);
        assert_eq!(secret_in(&[]), None);
    }

    #[test]
    fn the_proxy_is_locked_down_and_labelled_for_its_workspace() {
        let spec = ProxySpec {
            image: "skipper-egress-proxy:1",
            workspace: "sk-a-1",
            namespace: "ns",
            repository: "local/o/r",
            config: "Port 3128",
            filter: "^a:1$",
        };
        let body = proxy_body(&spec);
        let cmd = body.cmd.unwrap();
        assert_eq!(cmd[..2], ["sh", "-c"]);
        assert_eq!(cmd[4..], ["Port 3128", "^a:1$"]);
        let host = body.host_config.unwrap();
        assert_eq!(host.cap_drop, Some(vec!["ALL".to_owned()]));
        assert!(host.cap_add.is_none());
        assert_eq!(host.readonly_rootfs, Some(true));
        assert_eq!(host.network_mode.as_deref(), Some("bridge"));
        assert!(host.mounts.is_none() && host.binds.is_none());
        let found = body.labels.unwrap();
        assert_eq!(found[labels::PROXY_FOR], "sk-a-1");
        assert_eq!(found[labels::ROLE], labels::ROLE_EGRESS_PROXY);
        assert_eq!(found[labels::DATA_ROOT], "ns");

        let network = network_body("ns");
        assert_eq!(network.name, "sk-egress-ns");
        assert_eq!(network.internal, Some(true));
        assert_eq!(
            network.labels.unwrap()[labels::ROLE],
            labels::ROLE_EGRESS_NETWORK
        );
    }
}
