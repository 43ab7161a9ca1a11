//! Container states the Docker API does not have. Podman's Docker-compatible API reports
//! some of its own: `stopped` for a container whose process ended and whose cleanup has not
//! finished (in listings before Podman 5.5, in inspects before 4.5) and `configured` for one
//! made but never initialised. bollard refuses a whole answer for one state it does not
//! know, so a listing failed while any container on the engine was being stopped. Such an
//! answer is read again with each state named as Docker names it.

use bollard::Docker;
use bollard::errors::Error;
use bollard::models::{ContainerInspectResponse, ContainerSummary};
use bollard::query_parameters::ListContainersOptions;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The containers `options` selects, whatever state Podman names.
pub(crate) async fn list_containers(
    docker: &Docker,
    options: ListContainersOptions,
) -> Result<Vec<ContainerSummary>, Error> {
    recovered(docker.list_containers(Some(options)).await)
}

/// Container `name` inspected, whatever state Podman names.
pub(crate) async fn inspect_container(
    docker: &Docker,
    name: &str,
) -> Result<ContainerInspectResponse, Error> {
    recovered(docker.inspect_container(name, None).await)
}

/// `result`, or the answer it could not read when only a state bollard does not know
/// stood in the way.
fn recovered<T: DeserializeOwned>(result: Result<T, Error>) -> Result<T, Error> {
    match result {
        Err(Error::JsonDataError {
            message,
            contents,
            column,
        }) if message.starts_with("unknown variant") => {
            reread(&contents).ok_or(Error::JsonDataError {
                message,
                contents,
                column,
            })
        }
        other => other,
    }
}

/// `contents` read with Docker's names for Podman's states, if that is all it took.
fn reread<T: DeserializeOwned>(contents: &str) -> Option<T> {
    let mut answer: Value = serde_json::from_str(contents).ok()?;
    rename_states(&mut answer);
    serde_json::from_value(answer).ok()
}

/// Renames the states in a listing (`State`) or an inspect (`State.Status`).
fn rename_states(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(rename_states),
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field {
                    Value::String(state) if key == "State" || key == "Status" => {
                        if let Some(docker) = docker_name(state) {
                            docker.clone_into(state);
                        }
                    }
                    _ => rename_states(field),
                }
            }
        }
        _ => {}
    }
}

/// Docker's name for Podman's state `state`, as Podman's own later versions report it.
fn docker_name(state: &str) -> Option<&'static str> {
    match state {
        "stopped" => Some("exited"),
        "configured" => Some("created"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use bollard::models::{ContainerStateStatusEnum, ContainerSummaryStateEnum};

    use super::*;

    fn refused<T: DeserializeOwned + std::fmt::Debug>(contents: &str) -> Error {
        let err = serde_json::from_str::<T>(contents).unwrap_err();
        Error::JsonDataError {
            message: err.to_string(),
            contents: contents.to_owned(),
            column: err.column(),
        }
    }

    #[test]
    fn a_listing_with_podmans_stopped_reads_as_exited() {
        let listing = r#"[{"Id":"a1","State":"running","Status":"Up 2 minutes"},
            {"Id":"b2","State":"stopped","Status":"stopped"},
            {"Id":"c3","State":"configured"}]"#;
        let read: Vec<ContainerSummary> =
            recovered(Err(refused::<Vec<ContainerSummary>>(listing))).unwrap();
        let states: Vec<_> = read.iter().map(|summary| summary.state).collect();
        assert_eq!(
            states,
            [
                Some(ContainerSummaryStateEnum::RUNNING),
                Some(ContainerSummaryStateEnum::EXITED),
                Some(ContainerSummaryStateEnum::CREATED),
            ]
        );
        assert_eq!(read[1].status.as_deref(), Some("exited"));
    }

    #[test]
    fn an_inspect_with_podmans_stopped_reads_as_exited() {
        let inspect = r#"{"Id":"b2","Name":"/b2","State":{"Status":"stopped","Running":false}}"#;
        let read: ContainerInspectResponse =
            recovered(Err(refused::<ContainerInspectResponse>(inspect))).unwrap();
        assert_eq!(
            read.state.and_then(|state| state.status),
            Some(ContainerStateStatusEnum::EXITED)
        );
    }

    #[test]
    fn a_state_nobody_names_is_still_refused() {
        let listing = r#"[{"Id":"a1","State":"sleeping"}]"#;
        let result: Result<Vec<ContainerSummary>, _> =
            recovered(Err(refused::<Vec<ContainerSummary>>(listing)));
        assert!(
            matches!(&result, Err(Error::JsonDataError { message, .. }) if message.contains("sleeping")),
            "{result:?}"
        );
    }

    #[test]
    fn other_errors_pass_through() {
        let result: Result<Vec<ContainerSummary>, _> = recovered(Err(Error::RequestTimeoutError));
        assert!(matches!(result, Err(Error::RequestTimeoutError)));
    }
}
