//! Resource limits (`ulimit`s) every container `sk` creates gets, from `[docker.ulimits]`:
//! written as `docker run --ulimit NAME=SOFT:HARD` takes them, a single number meaning soft
//! and hard alike. A daemon whose own defaults exceed the machine's hard limits (Podman's
//! `nofile`, say) starts no container without them.

use bollard::models::ResourcesUlimits;

/// The limits the daemon knows by name (`docker run --ulimit`'s).
pub const NAMES: [&str; 15] = [
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// The form a limit is written in, for messages.
pub const FORM: &str = "\"SOFT:HARD\" or a single number for both, e.g. \"1024:20000\"";

/// One resource limit of a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// Its name, one of [`NAMES`].
    pub name: String,
    /// What processes start with.
    pub soft: i64,
    /// What they may raise it to.
    pub hard: i64,
}

/// Why a `[docker.ulimits]` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUlimit {
    /// A name the daemon would not know.
    #[error("`{name}` is not a resource limit (known: {})", NAMES.join(", "))]
    UnknownName {
        /// The name given.
        name: String,
    },
    /// A value that is not `SOFT:HARD` or one number.
    #[error("`{text}` is not a limit: write {FORM}")]
    NotALimit {
        /// The value given.
        text: String,
    },
    /// A soft limit above its hard one.
    #[error("the soft limit {soft} is above the hard limit {hard}")]
    SoftAboveHard {
        /// The soft limit.
        soft: i64,
        /// The hard limit.
        hard: i64,
    },
}

impl Ulimit {
    /// The limit `name` written `text`: `SOFT:HARD`, or one number for both (whole numbers
    /// from 0; spaces around them are allowed).
    ///
    /// # Errors
    /// [`InvalidUlimit`] saying what is wrong with the name or the value.
    pub fn parse(name: &str, text: &str) -> Result<Self, InvalidUlimit> {
        if !NAMES.contains(&name) {
            return Err(InvalidUlimit::UnknownName {
                name: name.to_owned(),
            });
        }
        let number = |part: &str| {
            let part = part.trim();
            (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<i64>().ok())
                .flatten()
                .ok_or_else(|| InvalidUlimit::NotALimit {
                    text: text.to_owned(),
                })
        };
        let (soft, hard) = if let Some((soft, hard)) = text.split_once(':') {
            (number(soft)?, number(hard)?)
        } else {
            let both = number(text)?;
            (both, both)
        };
        if soft > hard {
            return Err(InvalidUlimit::SoftAboveHard { soft, hard });
        }
        Ok(Self {
            name: name.to_owned(),
            soft,
            hard,
        })
    }
}

/// `limits` as the create request holds them; `None` when there are none, so the request is
/// the same as without the setting.
#[must_use]
pub fn host_config_ulimits(limits: &[Ulimit]) -> Option<Vec<ResourcesUlimits>> {
    (!limits.is_empty()).then(|| {
        limits
            .iter()
            .map(|limit| ResourcesUlimits {
                name: Some(limit.name.clone()),
                soft: Some(limit.soft),
                hard: Some(limit.hard),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_soft_colon_hard_or_one_number_for_both() {
        assert_eq!(
            Ulimit::parse("nofile", "1024:20000"),
            Ok(Ulimit {
                name: "nofile".into(),
                soft: 1024,
                hard: 20000
            })
        );
        assert_eq!(
            Ulimit::parse("nproc", " 4096 "),
            Ok(Ulimit {
                name: "nproc".into(),
                soft: 4096,
                hard: 4096
            })
        );
        assert_eq!(
            Ulimit::parse("core", "0 : 0"),
            Ok(Ulimit {
                name: "core".into(),
                soft: 0,
                hard: 0
            })
        );
    }

    #[test]
    fn a_bad_limit_says_what_is_wrong() {
        assert_eq!(
            Ulimit::parse("files", "1024"),
            Err(InvalidUlimit::UnknownName {
                name: "files".into()
            })
        );
        for text in ["", "lots", "1024:", ":20000", "-1", "1:2:3", "1.5", "+3"] {
            assert_eq!(
                Ulimit::parse("nofile", text),
                Err(InvalidUlimit::NotALimit { text: text.into() }),
                "{text:?}"
            );
        }
        assert_eq!(
            Ulimit::parse("nofile", "20000:1024"),
            Err(InvalidUlimit::SoftAboveHard {
                soft: 20000,
                hard: 1024
            })
        );
        assert_eq!(
            InvalidUlimit::NotALimit { text: "x".into() }.to_string(),
            "`x` is not a limit: write \"SOFT:HARD\" or a single number for both, e.g. \"1024:20000\""
        );
    }

    #[test]
    fn the_request_holds_each_limit_and_nothing_without_them() {
        let limits = [
            Ulimit::parse("nofile", "1024:20000").unwrap(),
            Ulimit::parse("nproc", "512").unwrap(),
        ];
        assert_eq!(
            host_config_ulimits(&limits),
            Some(vec![
                ResourcesUlimits {
                    name: Some("nofile".into()),
                    soft: Some(1024),
                    hard: Some(20000)
                },
                ResourcesUlimits {
                    name: Some("nproc".into()),
                    soft: Some(512),
                    hard: Some(512)
                },
            ])
        );
        assert_eq!(host_config_ulimits(&[]), None);
    }
}
