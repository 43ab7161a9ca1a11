//! The workspace image: built lazily from a Dockerfile, tagged and labelled by a hash of the
//! Dockerfile and its build arguments, so a changed Dockerfile rebuilds once and an unchanged
//! one never does; or a prebuilt image used as it is.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::models::ImageSummary;
use bollard::query_parameters::{BuildImageOptionsBuilder, ListImagesOptionsBuilder};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use skipper_core::Progress;

use crate::error::{DockerError, status_of};
use crate::labels;

/// The repository part of built workspace images' tags.
pub const IMAGE_REPOSITORY: &str = "skipper-workspace";

/// How many lines of the failing step's output an error report keeps.
const TAIL_LINES: usize = 12;

/// How many characters of a step's instruction or a daemon's message a report shows (a
/// `RUN` line can be hundreds long; the log keeps it whole).
const SHOWN_CHARS: usize = 120;

/// A Dockerfile and the build arguments it is built with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecipe {
    /// The Dockerfile's bytes.
    pub dockerfile: Vec<u8>,
    /// Build arguments, sorted so the hash is stable.
    pub build_args: BTreeMap<String, String>,
}

impl ImageRecipe {
    /// The SHA-256 of the Dockerfile and build arguments, in hex.
    #[must_use]
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"skipper workspace image v1\0");
        hasher.update((self.dockerfile.len() as u64).to_le_bytes());
        hasher.update(&self.dockerfile);
        for (key, value) in &self.build_args {
            hasher.update(key.as_bytes());
            hasher.update(b"\0");
            hasher.update(value.as_bytes());
            hasher.update(b"\0");
        }
        format!("{:x}", hasher.finalize())
    }

    /// The short hash used in the tag and the labels.
    #[must_use]
    pub fn short_hash(&self) -> String {
        self.hash()[..12].to_owned()
    }

    /// `<repository>:<short hash>`.
    #[must_use]
    pub fn tag_in(&self, repository: &str) -> String {
        format!("{repository}:{}", self.short_hash())
    }
}

/// What a built image is for: its tag's repository, its role label, its name for people.
#[derive(Debug, Clone, Copy)]
pub struct ImageKind {
    /// The repository part of its tag.
    pub repository: &'static str,
    /// Its [`labels::ROLE`].
    pub role: &'static str,
    /// What progress calls it: `workspace image`.
    pub what: &'static str,
}

/// The workspace image.
pub const WORKSPACE_IMAGE: ImageKind = ImageKind {
    repository: IMAGE_REPOSITORY,
    role: labels::ROLE_IMAGE,
    what: "workspace image",
};

/// The image workspaces are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceImage {
    /// What to pass to the daemon (a tag or an image id).
    pub reference: String,
    /// Its short hash: the recipe's, or the prebuilt image's id.
    pub hash: String,
}

/// A build context holding only the Dockerfile: `COPY` and `ADD` of local files are not
/// supported, which keeps the hash complete.
///
/// # Errors
/// Never in practice: the archive is written to memory.
pub fn build_context(dockerfile: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    builder.append_data(&mut header, "Dockerfile", dockerfile)?;
    builder.into_inner()
}

/// `text` cut to about [`SHOWN_CHARS`] characters by leaving out its middle (marked `…`):
/// a daemon's message ends with what matters ("returned a non-zero code: 3").
#[must_use]
pub fn shortened(text: &str) -> String {
    let count = text.chars().count();
    if count <= SHOWN_CHARS {
        return text.to_owned();
    }
    let half = SHOWN_CHARS / 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(count - half).collect();
    format!("{head}…{tail}")
}

/// `line` without the colour sequences (`ESC [ ... m`) the builder wraps a step's stderr in.
fn without_colour(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('\u{1b}') {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut plain = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("\u{1b}[") {
        plain.push_str(&rest[..start]);
        let sequence = &rest[start + 2..];
        match sequence.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
            Some(end) if sequence[end..].starts_with('m') => rest = &sequence[end + 1..],
            // Not a colour: kept, to be escaped when shown.
            _ => {
                plain.push_str(&rest[start..start + 2]);
                rest = sequence;
            }
        }
    }
    plain.push_str(rest);
    std::borrow::Cow::Owned(plain)
}

/// Whether `line` is the classic builder's own note between steps (an image id, a
/// container started or removed) rather than the step's output.
fn is_builder_note(line: &str) -> bool {
    line.starts_with(" ---> ") || line.starts_with("Removing intermediate container ")
}

/// One step of a build, as the builder announced it (`Step 2/9 : RUN make`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildStep {
    /// Its place: `2/9`.
    pub number: String,
    /// Its instruction, whole: `RUN make`.
    pub instruction: String,
}

impl BuildStep {
    /// The step a line of build output announces, if it announces one.
    #[must_use]
    pub fn parse(line: &str) -> Option<Self> {
        let (number, instruction) = line.strip_prefix("Step ")?.split_once(" : ")?;
        Some(Self {
            number: number.to_owned(),
            instruction: instruction.to_owned(),
        })
    }

    /// `step 2/9 (RUN make)`, the instruction shortened.
    #[must_use]
    pub fn shown(&self) -> String {
        format!("step {} ({})", self.number, shortened(&self.instruction))
    }
}

/// What a build printed: the step running, the last lines of its own output, and the whole
/// output kept in a log file.
#[derive(Debug, Default)]
pub struct BuildLog {
    step: Option<BuildStep>,
    tail: VecDeque<String>,
    file: Option<(PathBuf, fs_err::File)>,
}

/// What one chunk of build output held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Lines that start a step.
    pub steps: Vec<BuildStep>,
    /// The steps' own output lines.
    pub lines: Vec<String>,
}

impl BuildLog {
    /// A log that also writes everything to `path` (made anew). A file that cannot be made
    /// only loses the log: the build goes on.
    #[must_use]
    pub fn to_file(path: &Path) -> Self {
        let file = path
            .parent()
            .map_or(Ok(()), fs_err::create_dir_all)
            .and_then(|()| fs_err::File::create(path));
        match file {
            Ok(file) => Self {
                file: Some((path.to_owned(), file)),
                ..Self::default()
            },
            Err(err) => {
                tracing::warn!("the build log cannot be kept: {err}");
                Self::default()
            }
        }
    }

    /// Records a chunk of build output.
    pub fn record(&mut self, text: &str) -> Recorded {
        if let Some((_, file)) = &mut self.file
            && let Err(err) = file.write_all(text.as_bytes())
        {
            tracing::warn!("the build log cannot be written: {err}");
            self.file = None;
        }
        let mut recorded = Recorded::default();
        for line in text.lines() {
            let line = without_colour(line);
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            if let Some(step) = BuildStep::parse(line) {
                self.step = Some(step.clone());
                self.tail.clear();
                recorded.steps.push(step);
                continue;
            }
            if is_builder_note(line) {
                continue;
            }
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.to_owned());
            recorded.lines.push(line.to_owned());
        }
        recorded
    }

    /// Appends the build's error to the log file, so the log ends with the cause.
    pub fn record_error(&mut self, message: &str) {
        if let Some((_, file)) = &mut self.file {
            let _ = writeln!(file, "ERROR: {message}");
        }
    }

    /// The step running when the build failed.
    #[must_use]
    pub fn step(&self) -> Option<BuildStep> {
        self.step.clone()
    }

    /// The last lines of the running step's output.
    #[must_use]
    pub fn tail(&self) -> Vec<String> {
        self.tail.iter().cloned().collect()
    }

    /// Where the whole output is kept, if it could be.
    #[must_use]
    pub fn path(&self) -> Option<PathBuf> {
        self.file.as_ref().map(|(path, _)| path.clone())
    }
}

/// Whether an image exists locally.
///
/// # Errors
/// [`DockerError::Api`] for anything but "no such image".
pub async fn image_id(docker: &Docker, reference: &str) -> Result<Option<String>, DockerError> {
    match docker.inspect_image(reference).await {
        Ok(image) => Ok(Some(image.id.unwrap_or_else(|| reference.to_owned()))),
        Err(err) if status_of(&err) == Some(404) => Ok(None),
        Err(err) => Err(DockerError::api(docker, "inspect image", reference, &err)),
    }
}

/// Builds `recipe` unless an image with its tag exists. Each step and each line of its
/// output goes to `progress` as it comes (a live view on a terminal), and the whole output
/// to `<logs>/build-<short hash>.log`. The whole build stream is drained; any error item
/// fails the build.
///
/// # Errors
/// [`DockerError::ImageBuild`] with the failing step, the last lines of its output and the
/// log's path.
pub async fn ensure_built(
    docker: &Docker,
    recipe: &ImageRecipe,
    logs: &Path,
    progress: &dyn Progress,
) -> Result<WorkspaceImage, DockerError> {
    ensure_built_as(docker, recipe, logs, progress, WORKSPACE_IMAGE).await
}

/// [`ensure_built`] for an image of `kind`.
///
/// # Errors
/// As [`ensure_built`].
pub async fn ensure_built_as(
    docker: &Docker,
    recipe: &ImageRecipe,
    logs: &Path,
    progress: &dyn Progress,
    kind: ImageKind,
) -> Result<WorkspaceImage, DockerError> {
    let tag = recipe.tag_in(kind.repository);
    let image = WorkspaceImage {
        reference: tag.clone(),
        hash: recipe.short_hash(),
    };
    if image_id(docker, &tag).await?.is_some() {
        return Ok(image);
    }
    progress.step(&format!(
        "Building the {} {tag} (once per Dockerfile)...",
        kind.what
    ));
    let failed = |log: &BuildLog, message: String| DockerError::ImageBuild {
        tag: tag.clone(),
        step: log.step().map(|step| step.shown()),
        message,
        tail: log.tail(),
        log: log.path(),
    };
    let context = build_context(&recipe.dockerfile)
        .map_err(|err| failed(&BuildLog::default(), err.to_string()))?;
    let build_args: HashMap<String, String> = recipe.build_args.clone().into_iter().collect();
    let image_labels = HashMap::from([
        (labels::MANAGED.to_owned(), "true".to_owned()),
        (labels::IMAGE_HASH.to_owned(), recipe.short_hash()),
        (labels::SCHEMA.to_owned(), labels::SCHEMA_VERSION.to_owned()),
        (labels::ROLE.to_owned(), kind.role.to_owned()),
    ]);
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&tag)
        .rm(true)
        .forcerm(true)
        .buildargs(&build_args)
        .labels(&image_labels)
        .build();
    let mut log = BuildLog::to_file(&logs.join(format!("build-{}.log", recipe.short_hash())));
    let mut error = None;
    // The build's log streams for as long as it takes: no deadline.
    let builder = crate::engine::without_deadline(docker);
    let mut stream = builder.build_image(options, None, Some(bollard::body_full(context.into())));
    let output = progress.output(&format!("Building {tag}"));
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(text) = info.stream.as_deref() {
                    let recorded = log.record(text);
                    for step in recorded.steps {
                        output.heading(&step.shown());
                    }
                    for line in recorded.lines {
                        output.line(&line);
                    }
                }
                if let Some(detail) = info.error_detail.and_then(|detail| detail.message) {
                    error.get_or_insert(detail);
                }
            }
            Err(bollard::errors::Error::DockerStreamError { error: message }) => {
                error.get_or_insert(message);
            }
            Err(err) => {
                error.get_or_insert(crate::error::describe_api_error(&err));
            }
        }
    }
    output.finish();
    if let Some(message) = error {
        log.record_error(&message);
        return Err(failed(&log, message));
    }
    if image_id(docker, &tag).await?.is_none() {
        return Err(failed(
            &log,
            "the build ended without producing the image".to_owned(),
        ));
    }
    progress.step(&format!("Built {tag}."));
    Ok(image)
}

/// The images `filters` find, label filters taken together on Docker and Podman alike
/// (see [`labels::one_label_filter`]).
///
/// # Errors
/// The daemon's.
pub async fn list_labelled(
    docker: &Docker,
    filters: &HashMap<String, Vec<String>>,
) -> Result<Vec<ImageSummary>, bollard::errors::Error> {
    let (request, wanted) = labels::one_label_filter(filters);
    let options = ListImagesOptionsBuilder::default()
        .filters(&request)
        .build();
    let images = docker.list_images(Some(options)).await?;
    Ok(images
        .into_iter()
        .filter(|image| labels::has_labels(&image.labels, &wanted))
        .collect())
}

/// Whether the tag an engine lists, `listed`, is `reference` (`name:tag`, as skipper tags
/// its images): the same text, or the same once the registry an engine writes in front of
/// a short name is dropped. Podman lists an image committed as `skipper-repo-x:tag` as
/// `docker.io/library/skipper-repo-x:tag`, and one loaded as `localhost/...`; Docker lists
/// short names as they are.
#[must_use]
pub fn is_tag_of(listed: &str, reference: &str) -> bool {
    fn short(tag: &str) -> &str {
        ["docker.io/library/", "docker.io/", "localhost/"]
            .iter()
            .find_map(|registry| tag.strip_prefix(registry))
            .unwrap_or(tag)
    }
    listed == reference || short(listed) == short(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_listed_with_the_registry_podman_writes_is_the_short_one() {
        let tag = "skipper-repo-0a1b:7971e24473ec";
        assert!(is_tag_of(tag, tag));
        assert!(is_tag_of(
            "docker.io/library/skipper-repo-0a1b:7971e24473ec",
            tag
        ));
        assert!(is_tag_of("localhost/skipper-repo-0a1b:7971e24473ec", tag));
        assert!(!is_tag_of("docker.io/library/skipper-repo-0a1b:other", tag));
        assert!(!is_tag_of("quay.io/skipper-repo-0a1b:7971e24473ec", tag));
    }

    fn recipe(dockerfile: &str, args: &[(&str, &str)]) -> ImageRecipe {
        ImageRecipe {
            dockerfile: dockerfile.as_bytes().to_vec(),
            build_args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn the_tag_follows_the_dockerfile_and_the_arguments() {
        let base = recipe("FROM a\n", &[("USER_UID", "1000")]);
        assert_eq!(
            base.tag_in(IMAGE_REPOSITORY),
            base.clone().tag_in(IMAGE_REPOSITORY)
        );
        assert!(
            base.tag_in(IMAGE_REPOSITORY)
                .starts_with("skipper-workspace:")
        );
        assert_eq!(
            base.tag_in(IMAGE_REPOSITORY).len(),
            "skipper-workspace:".len() + 12
        );
        assert_ne!(
            base.tag_in(IMAGE_REPOSITORY),
            recipe("FROM b\n", &[("USER_UID", "1000")]).tag_in(IMAGE_REPOSITORY)
        );
        assert_ne!(
            base.tag_in(IMAGE_REPOSITORY),
            recipe("FROM a\n", &[("USER_UID", "0")]).tag_in(IMAGE_REPOSITORY)
        );
        // No ambiguity between argument boundaries.
        assert_ne!(
            recipe("", &[("A", "BC")]).hash(),
            recipe("", &[("AB", "C")]).hash()
        );
    }

    #[test]
    fn the_context_holds_only_the_dockerfile() {
        let context = build_context(b"FROM scratch\n").unwrap();
        let mut archive = tar::Archive::new(context.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["Dockerfile"]);
    }

    #[test]
    fn the_build_log_keeps_the_failing_step_and_the_tail_of_its_output() {
        let mut log = BuildLog::default();
        let recorded = log.record("Step 1/2 : FROM x\n ---> abc\n");
        assert_eq!(
            recorded.steps,
            [BuildStep {
                number: "1/2".to_owned(),
                instruction: "FROM x".to_owned()
            }]
        );
        assert!(recorded.lines.is_empty(), "builder notes are no output");
        log.record("Step 2/2 : RUN false\n");
        assert!(log.tail().is_empty(), "only the running step's output");
        for i in 0..40 {
            log.record(&format!("line {i}\n"));
        }
        assert_eq!(
            log.step().map(|step| step.shown()).as_deref(),
            Some("step 2/2 (RUN false)")
        );
        assert_eq!(log.tail().len(), TAIL_LINES);
        assert_eq!(log.tail().last().map(String::as_str), Some("line 39"));
    }

    #[test]
    fn the_tail_holds_the_step_output_without_colours_or_builder_notes() {
        let mut log = BuildLog::default();
        log.record("Step 2/2 : RUN make\n ---> Running in 00a6\n");
        let recorded = log.record("\u{1b}[91mnpm ERR! cause\n\u{1b}[0mout\n");
        log.record("Removing intermediate container 00a6\n");
        assert_eq!(recorded.lines, ["npm ERR! cause", "out"]);
        assert_eq!(log.tail(), ["npm ERR! cause", "out"]);
        assert_eq!(without_colour("a\u{1b}[2Jb"), "a\u{1b}[2Jb");
    }

    #[test]
    fn a_long_instruction_is_shown_shortened() {
        let step = BuildStep::parse(&format!("Step 3/9 : RUN {}", "x".repeat(400))).unwrap();
        let shown = step.shown();
        assert!(shown.starts_with("step 3/9 (RUN xxx"), "{shown}");
        assert!(shown.ends_with("xxx)"), "{shown}");
        assert_eq!(shown.chars().count(), "step 3/9 ()".len() + SHOWN_CHARS + 1);
        assert_eq!(shortened("short"), "short");
        let message = format!(
            "The command '{}' returned a non-zero code: 3",
            "y".repeat(300)
        );
        assert!(shortened(&message).ends_with("returned a non-zero code: 3"));
    }

    #[test]
    fn the_log_file_keeps_every_line_and_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/build-x.log");
        let mut log = BuildLog::to_file(&path);
        log.record("Step 1/1 : RUN make\n");
        for i in 0..40 {
            log.record(&format!("line {i}\n"));
        }
        log.record_error("exit 2");
        assert_eq!(log.path().as_deref(), Some(path.as_path()));
        let kept = fs_err::read_to_string(&path).unwrap();
        assert!(kept.starts_with("Step 1/1 : RUN make\nline 0\n"), "{kept}");
        assert!(kept.ends_with("line 39\nERROR: exit 2\n"), "{kept}");
    }
}
