//! The workspace image: built lazily from a Dockerfile, tagged and labelled by a hash of the
//! Dockerfile and its build arguments, so a changed Dockerfile rebuilds once and an unchanged
//! one never does; or a prebuilt image used as it is.

use std::collections::{BTreeMap, HashMap, VecDeque};

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use skipper_core::Progress;

use crate::error::{DockerError, status_of};
use crate::labels;

/// The repository part of built workspace images' tags.
pub const IMAGE_REPOSITORY: &str = "skipper-workspace";

/// How many lines of build output an error report keeps.
const TAIL_LINES: usize = 25;

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

    /// `skipper-workspace:<short hash>`.
    #[must_use]
    pub fn tag(&self) -> String {
        format!("{IMAGE_REPOSITORY}:{}", self.short_hash())
    }
}

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

/// What a build printed, kept for progress and error reports.
#[derive(Debug, Default)]
pub struct BuildLog {
    step: Option<String>,
    tail: VecDeque<String>,
}

impl BuildLog {
    /// Records a chunk of build output; returns the lines that start a step.
    pub fn record(&mut self, text: &str) -> Vec<String> {
        let mut steps = Vec::new();
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            if line.starts_with("Step ") && line.contains(" : ") {
                self.step = Some(line.to_owned());
                steps.push(line.to_owned());
            }
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.to_owned());
        }
        steps
    }

    /// The step running when the build failed.
    #[must_use]
    pub fn step(&self) -> Option<String> {
        self.step.clone()
    }

    /// The last lines of output.
    #[must_use]
    pub fn tail(&self) -> Vec<String> {
        self.tail.iter().cloned().collect()
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

/// Builds `recipe` unless an image with its tag exists, telling `progress` each step. The whole build stream is drained; any error item fails the build.
///
/// # Errors
/// [`DockerError::ImageBuild`] with the failing step and the output's tail.
pub async fn ensure_built(
    docker: &Docker,
    recipe: &ImageRecipe,
    progress: &dyn Progress,
) -> Result<WorkspaceImage, DockerError> {
    let tag = recipe.tag();
    let image = WorkspaceImage {
        reference: tag.clone(),
        hash: recipe.short_hash(),
    };
    if image_id(docker, &tag).await?.is_some() {
        return Ok(image);
    }
    progress.step(&format!(
        "Building the workspace image {tag} (once per Dockerfile)..."
    ));
    let failed = |log: &BuildLog, message: String| DockerError::ImageBuild {
        tag: tag.clone(),
        step: log.step(),
        message,
        tail: log.tail(),
    };
    let context = build_context(&recipe.dockerfile)
        .map_err(|err| failed(&BuildLog::default(), err.to_string()))?;
    let build_args: HashMap<String, String> = recipe.build_args.clone().into_iter().collect();
    let image_labels = HashMap::from([
        (labels::MANAGED.to_owned(), "true".to_owned()),
        (labels::IMAGE_HASH.to_owned(), recipe.short_hash()),
        (labels::SCHEMA.to_owned(), labels::SCHEMA_VERSION.to_owned()),
        (labels::ROLE.to_owned(), labels::ROLE_IMAGE.to_owned()),
    ]);
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&tag)
        .rm(true)
        .forcerm(true)
        .buildargs(&build_args)
        .labels(&image_labels)
        .build();
    let mut log = BuildLog::default();
    let mut error = None;
    // The build's log streams for as long as it takes: no deadline.
    let builder = crate::engine::without_deadline(docker);
    let mut stream = builder.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(text) = info.stream.as_deref() {
                    for step in log.record(text) {
                        progress.detail(&step);
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
    if let Some(message) = error {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(base.tag(), base.clone().tag());
        assert!(base.tag().starts_with("skipper-workspace:"));
        assert_eq!(base.tag().len(), "skipper-workspace:".len() + 12);
        assert_ne!(
            base.tag(),
            recipe("FROM b\n", &[("USER_UID", "1000")]).tag()
        );
        assert_ne!(base.tag(), recipe("FROM a\n", &[("USER_UID", "0")]).tag());
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
    fn the_build_log_keeps_the_failing_step_and_a_tail() {
        let mut log = BuildLog::default();
        assert_eq!(
            log.record("Step 1/2 : FROM x\n ---> abc\n"),
            ["Step 1/2 : FROM x"]
        );
        log.record("Step 2/2 : RUN false\n");
        for i in 0..40 {
            log.record(&format!("line {i}\n"));
        }
        assert_eq!(log.step().as_deref(), Some("Step 2/2 : RUN false"));
        assert_eq!(log.tail().len(), TAIL_LINES);
        assert_eq!(log.tail().last().map(String::as_str), Some("line 39"));
    }
}
