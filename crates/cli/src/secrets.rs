//! `[secrets]` in config.toml: values `sk` reads on the host only when a command asks for
//! them (`--secret NAME`, the secrets an agent declares), hands to that command's
//! environment alone, and masks as `***` wherever its own output or logs would show one.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::RwLock;

use serde::Deserialize;
use skipper_core::{Environment, RESERVED_PREFIX, Secret};

use crate::config::Paths;
use crate::error::CliError;

/// Where one secret's value comes from: exactly one of the three.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSource {
    /// `{ env = "VAR" }`: the host's environment variable `VAR`.
    pub env: Option<String>,
    /// `{ file = "path" }`: a file's contents (`~/` is the home directory; a relative path
    /// is from the configuration file's directory), less one final line break.
    pub file: Option<PathBuf>,
    /// `{ command = ["pass", "show", "x"] }`: what a program prints on stdout, less one
    /// final line break; it must exit 0. Its stderr is the user's.
    pub command: Option<Vec<String>>,
}

/// The `[secrets]` table: secret names (the environment variable each is given as) and
/// their sources.
pub type SecretTable = BTreeMap<String, SecretSource>;

/// Values `sk` was given, masked in everything it prints and logs.
static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// `text` with every secret value read so far written `***`.
pub fn masked(text: &str) -> Cow<'_, str> {
    let Ok(known) = KNOWN.read() else {
        return Cow::Borrowed(text);
    };
    let mut text = Cow::Borrowed(text);
    for value in known.iter() {
        if text.contains(value.as_str()) {
            text = Cow::Owned(text.replace(value.as_str(), "***"));
        }
    }
    text
}

/// Remembers `value` for [`masked`]; an empty one masks nothing.
fn remember(value: &str) {
    if value.is_empty() {
        return;
    }
    if let Ok(mut known) = KNOWN.write()
        && !known.iter().any(|have| have == value)
    {
        // Longest first, so that a value holding another is masked whole.
        known.push(value.to_owned());
        known.sort_by_key(|have| std::cmp::Reverse(have.len()));
    }
}

/// The secrets named by `asked` (each once, in order), read from their sources in `table`,
/// as an [`Environment`] of secrets. `declared` are asked too, but only those `table` has:
/// an agent's secrets the user did not configure are left to the agent's own login.
///
/// # Errors
/// A usage error for a name `table` lacks or one that cannot be an environment variable's
/// (skipper's own `SK_*`, `SKIPPER_*`); a failure for a source that gives no value, naming
/// the secret and the source, never a value.
pub fn resolve(
    table: &SecretTable,
    paths: &Paths,
    asked: &[String],
    declared: &[String],
) -> Result<Environment, CliError> {
    let mut env = Environment::new();
    let declared = declared.iter().filter(|name| table.contains_key(*name));
    for name in asked.iter().chain(declared) {
        if env.secrets().any(|(have, _)| have == name) {
            continue;
        }
        let Some(source) = table.get(name) else {
            return Err(unknown(name, table, paths));
        };
        check_name(name, paths)?;
        let value = read(name, source, paths)?;
        remember(&value);
        env.set_secret(name.clone(), Secret::new(value));
    }
    Ok(env)
}

fn unknown(name: &str, table: &SecretTable, paths: &Paths) -> CliError {
    let known = if table.is_empty() {
        "none is configured".to_owned()
    } else {
        format!(
            "configured: {}",
            table
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    CliError::usage(format!("no secret named {name} ({known})")).hint(format!(
        "add it to [secrets] in {}, e.g. {name} = {{ env = \"{name}\" }}",
        paths.config_file.display()
    ))
}

/// A name is an environment variable's (`[A-Za-z_][A-Za-z0-9_]*`), not skipper's own.
fn check_name(name: &str, paths: &Paths) -> Result<(), CliError> {
    let shell_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let reserved = name.starts_with(RESERVED_PREFIX) || name.starts_with("SKIPPER_");
    if shell_name && !reserved {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "invalid config file {}: secrets.{name}: a secret's name is the environment variable it is given as: letters, digits and _, not starting with a digit, not SK_* or SKIPPER_*",
        paths.config_file.display()
    )))
}

fn read(name: &str, source: &SecretSource, paths: &Paths) -> Result<String, CliError> {
    let failed = |what: String| {
        CliError::failure(format!("cannot read secret {name}: {what}")).hint(format!(
            "fix its source in [secrets] of {}",
            paths.config_file.display()
        ))
    };
    match (&source.env, &source.file, &source.command) {
        (Some(var), None, None) => match std::env::var(var) {
            Ok(value) => Ok(value),
            Err(std::env::VarError::NotPresent) => {
                Err(failed(format!("the environment variable {var} is not set")))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(failed(format!("the environment variable {var} is not UTF-8")))
            }
        },
        (None, Some(file), None) => {
            let path = file_path(file, paths);
            let text = fs_err::read_to_string(&path).map_err(|err| failed(err.to_string()))?;
            Ok(without_final_newline(text))
        }
        (None, None, Some(argv)) => run(argv).map_err(failed),
        _ => Err(CliError::failure(format!(
            "invalid config file {}: secrets.{name}: give exactly one of env, file and command",
            paths.config_file.display()
        ))
        .hint(format!(
            "e.g. {name} = {{ env = \"VAR\" }}, {{ file = \"~/.tokens/x\" }} or {{ command = [\"pass\", \"show\", \"x\"] }}"
        ))),
    }
}

/// `file` as a path: `~/` the home directory, a relative path from the configuration file's
/// directory.
fn file_path(file: &Path, paths: &Paths) -> PathBuf {
    if let Ok(rest) = file.strip_prefix("~") {
        return paths.home.join(rest);
    }
    match paths.config_file.parent() {
        Some(dir) if file.is_relative() => dir.join(file),
        _ => file.to_owned(),
    }
}

/// What `argv` prints, run with no stdin and the user's stderr.
fn run(argv: &[String]) -> Result<String, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("its command is empty".to_owned());
    };
    let shown = argv.join(" ");
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("cannot run `{shown}`: {err}"))?;
    if !output.status.success() {
        return Err(format!("`{shown}` failed ({})", output.status));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| format!("`{shown}` printed what is not UTF-8 text"))?;
    Ok(without_final_newline(text))
}

fn without_final_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// A writer for the logs that masks secrets in each line it is given, as [`masked`] does.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaskedStderr;

impl std::io::Write for MaskedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(masked(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_is_masked_longest_first_and_an_empty_one_never() {
        remember("");
        remember("tok-123");
        remember("tok-123-long");
        assert_eq!(masked("a tok-123-long b tok-123 c"), "a *** b *** c");
        assert_eq!(masked("nothing here"), "nothing here");
    }

    #[test]
    fn one_final_line_break_is_dropped() {
        assert_eq!(without_final_newline("x\n\n".into()), "x\n");
        assert_eq!(without_final_newline("x\r\n".into()), "x");
        assert_eq!(without_final_newline("x".into()), "x");
    }
}
