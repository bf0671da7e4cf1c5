//! Tickets: a list by status, and a ticket with its history, each change saying who made it —
//! a person, or "trigger X of plugin Y" — and what the triggers did or failed to do.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::Console;
use super::api::ApiFailure;
use super::form;
use super::layout::{self, Section, when};
use super::session::Session;

const STATUSES: &[&str] = &["new", "open", "pending", "hold", "solved", "closed"];

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    after: Option<i64>,
}

pub async fn list(
    State(console): State<Console>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> Response {
    match list_markup(&console, &session, &query).await {
        Ok(markup) => layout::page(&console, &session, Section::Tickets, "Tickets", markup),
        Err(failure) => layout::failure(&console, &session, Section::Tickets, failure),
    }
}

/// Names of users by id, read in one request.
async fn names(
    console: &Console,
    token: &str,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeMap<i64, String>, ApiFailure> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let users = console
            .api
            .get(
                token,
                &format!("/api/v2/users/show_many?ids={}", list.join(",")),
            )
            .await?;
        for user in users["users"].as_array().into_iter().flatten() {
            if let (Some(id), Some(name)) = (user["id"].as_i64(), user["name"].as_str()) {
                names.insert(id, name.to_string());
            }
        }
    }
    Ok(names)
}

async fn list_markup(
    console: &Console,
    session: &Session,
    query: &ListQuery,
) -> Result<Markup, ApiFailure> {
    let token = &session.token;
    let status = query
        .status
        .as_deref()
        .filter(|status| STATUSES.contains(status));
    // Built in a block: the serializer is not Send, so it must not live across an await.
    let path = {
        let mut path = url::form_urlencoded::Serializer::new(String::from("/api/v2/tickets?"));
        if let Some(status) = status {
            path.append_pair("status", status);
        }
        path.append_pair("page[size]", "50");
        if let Some(after) = query.after {
            path.append_pair("page[after]", &after.to_string());
        }
        path.finish()
    };
    let page = console.api.get(token, &path).await?;
    let tickets = page["tickets"].as_array().cloned().unwrap_or_default();
    let people = names(
        console,
        token,
        tickets
            .iter()
            .filter_map(|ticket| ticket["requester_id"].as_i64()),
    )
    .await?;
    let next_after = page["next_page"]
        .as_str()
        .and(tickets.last())
        .and_then(|ticket| ticket["id"].as_i64());
    Ok(html! {
        h1 { "Tickets" }
        form method="get" action="/tickets" class="search" {
            label for="status" { "Status" }
            select id="status" name="status" {
                option value="" { "any" }
                @for each in STATUSES {
                    option value=(each) selected[status == Some(*each)] { (each) }
                }
            }
            button type="submit" { "Show" }
        }
        p class="hint" { (page["count"]) " tickets" }
        table {
            thead { tr { th scope="col" { "#" } th scope="col" { "Subject" } th scope="col" { "Status" } th scope="col" { "Priority" } th scope="col" { "Requester" } th scope="col" { "Updated" } } }
            tbody {
                @for ticket in &tickets {
                    @let id = ticket["id"].as_i64().unwrap_or_default();
                    tr {
                        td { (id) }
                        td { a href={"/tickets/" (id)} { (ticket["subject"].as_str().unwrap_or("(no subject)")) } }
                        td { (ticket["status"].as_str().unwrap_or_default()) }
                        td { (ticket["priority"].as_str().unwrap_or("—")) }
                        td { (ticket["requester_id"].as_i64().and_then(|id| people.get(&id)).map(String::as_str).unwrap_or_default()) }
                        td { (when(&ticket["updated_at"])) }
                    }
                }
            }
        }
        @if let Some(after) = next_after {
            p { a href={"/tickets?after=" (after) (status.map(|s| format!("&status={s}")).unwrap_or_default())} { "Next page" } }
        }
    })
}

pub async fn show(
    State(console): State<Console>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    match ticket_markup(&console, &session, id).await {
        Ok((title, markup)) => layout::page(&console, &session, Section::Tickets, &title, markup),
        Err(failure) => layout::failure(&console, &session, Section::Tickets, failure),
    }
}

async fn ticket_markup(
    console: &Console,
    session: &Session,
    id: i64,
) -> Result<(String, Markup), ApiFailure> {
    let token = &session.token;
    let ticket = console
        .api
        .get(token, &format!("/api/v2/tickets/{id}"))
        .await?;
    let ticket = &ticket["ticket"];
    let (audits, more_audits) = form::pages(
        &console.api,
        token,
        &format!("/api/v2/tickets/{id}/audits"),
        "audits",
        5,
    )
    .await?;
    let (runs, _) = form::pages(
        &console.api,
        token,
        &format!("/api/v2/rule_runs?ticket_id={id}"),
        "rule_runs",
        2,
    )
    .await?;
    let groups = console.api.get(token, "/api/v2/groups").await?;
    let group_name = |id: &Value| {
        groups["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|group| &group["id"] == id)
            .and_then(|group| group["name"].as_str())
            .map(str::to_string)
    };
    let people = names(
        console,
        token,
        audits
            .iter()
            .filter_map(|audit| audit["author_id"].as_i64())
            .chain(ticket["requester_id"].as_i64())
            .chain(ticket["assignee_id"].as_i64()),
    )
    .await?;
    let person = |id: &Value| {
        id.as_i64()
            .and_then(|id| people.get(&id).cloned())
            .unwrap_or_else(|| "—".into())
    };
    let subject = ticket["subject"]
        .as_str()
        .unwrap_or("(no subject)")
        .to_string();
    let title = format!("#{id} {subject}");
    let markup = html! {
        p class="crumbs" { a href="/tickets" { "Tickets" } " › #" (id) }
        h1 { (title) }
        dl class="facts" {
            dt { "Status" } dd { (ticket["status"].as_str().unwrap_or_default()) }
            dt { "Priority" } dd { (ticket["priority"].as_str().unwrap_or("—")) }
            dt { "Requester" } dd { a href={"/customers/" (ticket["requester_id"])} { (person(&ticket["requester_id"])) } }
            dt { "Group" } dd { (group_name(&ticket["group_id"]).unwrap_or_else(|| "—".into())) }
            dt { "Assignee" } dd { (person(&ticket["assignee_id"])) }
            dt { "Tags" } dd { (ticket["tags"].as_array().map(|tags| tags.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")).unwrap_or_default()) }
            dt { "Channel" } dd { (ticket["via"]["channel"].as_str().unwrap_or_default()) }
        }
        section aria-labelledby="history-heading" {
            h2 id="history-heading" { "History" }
            ol class="history" {
                @for audit in &audits {
                    li {
                        p class="when" { (when(&audit["created_at"])) " · " (person(&audit["author_id"])) " · via " (audit["via"]["channel"].as_str().unwrap_or_default()) }
                        ul {
                            @for event in audit["events"].as_array().into_iter().flatten() {
                                li { (history_event(event, &group_name, &person)) }
                            }
                        }
                    }
                }
            }
            @if more_audits { p class="hint" { "The first 500 audits are shown." } }
        }
        section aria-labelledby="runs-heading" {
            h2 id="runs-heading" { "Trigger runs" }
            @if runs.is_empty() {
                p { "No trigger fired or failed on this ticket." }
            } @else {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Plugin" } th scope="col" { "Trigger" } th scope="col" { "Outcome" } th scope="col" { "Error or logs" } } }
                    tbody {
                        @for run in &runs {
                            tr {
                                td { (when(&run["created_at"])) }
                                td { (run["plugin"].as_str().unwrap_or_default()) }
                                td { (run["trigger"].as_str().unwrap_or_default()) }
                                td { (run["outcome"].as_str().unwrap_or_default()) }
                                td { (run_detail(run)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok((title, markup))
}

/// A run's error, else what the plugin logged.
pub fn run_detail(run: &Value) -> Markup {
    let logs: Vec<String> = run["logs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|log| match log {
            Value::String(text) => text.clone(),
            other => other["message"]
                .as_str()
                .map(|message| format!("{}: {message}", other["level"].as_str().unwrap_or("log")))
                .unwrap_or_else(|| other.to_string()),
        })
        .collect();
    html! {
        @if let Some(error) = run["error"].as_str() {
            span class="error" { (run["error_kind"].as_str().map(|kind| format!("{kind}: ")).unwrap_or_default()) (error) }
        }
        @for log in &logs { div class="log" { (log) } }
    }
}

fn history_event(
    event: &Value,
    group_name: &impl Fn(&Value) -> Option<String>,
    person: &impl Fn(&Value) -> String,
) -> Markup {
    let field = event["field_name"].as_str().unwrap_or_default();
    let show = |value: &Value| -> String {
        match field {
            "group_id" => group_name(value).unwrap_or_else(|| value.to_string()),
            "assignee_id" | "requester_id" => person(value),
            _ => match value {
                Value::String(text) => text.clone(),
                Value::Array(items) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| item.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Value::Null => "—".into(),
                other => other.to_string(),
            },
        }
    };
    let by = event["via"]["source"]["from"]["title"].as_str();
    html! {
        @match event["type"].as_str().unwrap_or_default() {
            "Comment" => {
                span class="kind" { "Comment" } " " blockquote { (event["body"].as_str().unwrap_or_default()) }
            },
            "Change" => {
                span class="kind" { (field) } " " (show(&event["previous_value"])) " → " (show(&event["value"]))
            },
            kind => {
                span class="kind" { (field) } " " (show(&event["value"])) @if kind != "Create" { " (" (kind) ")" }
            },
        }
        @if let Some(by) = by {
            " " span class="by" { "changed by " (by) }
        }
    }
}
