//! An organization's details panel: its values editable in place (its routing fields among
//! them, when a plugin declares them), its domains, its members.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Map, Value, json};

use super::Console;
use super::api::ApiFailure;
use super::form::{self, control_name, field_control, field_value};
use super::layout::{self, Section, csrf};
use super::session::{Notice, Posted, Session, redirect};

pub async fn panel(
    State(console): State<Console>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    match panel_markup(&console, &session, id).await {
        Ok((title, markup)) => layout::page(&console, &session, Section::Customers, &title, markup),
        Err(failure) => layout::failure(&console, &session, Section::Customers, failure),
    }
}

async fn panel_markup(
    console: &Console,
    session: &Session,
    id: i64,
) -> Result<(String, Markup), ApiFailure> {
    let token = &session.token;
    let panel = console
        .api
        .get(token, &format!("/api/v2/organizations/{id}/panel"))
        .await?;
    let organization = console
        .api
        .get(token, &format!("/api/v2/organizations/{id}"))
        .await?;
    let fields = console
        .api
        .get(token, "/api/v2/organization_fields")
        .await?;
    let (members, more) = form::pages(
        &console.api,
        token,
        &format!("/api/v2/organizations/{id}/users"),
        "users",
        1,
    )
    .await?;
    let title = panel["panel"]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let domains: Vec<&str> = organization["organization"]["domain_names"]
        .as_array()
        .map(|domains| domains.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let entries = panel["panel"]["properties"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let markup = html! {
        p class="crumbs" { a href="/customers" { "Customers" } " › " (title) }
        h1 { (title) }
        form method="post" action={"/organizations/" (id)} class="panel" {
            (csrf(session))
            @for entry in &entries {
                (property(entry, &fields["organization_fields"]))
            }
            button type="submit" { "Save" }
        }
        section aria-labelledby="domains-heading" {
            h2 id="domains-heading" { "Domains" }
            p class="hint" { "A new customer whose email is at one of these domains joins this organization." }
            ul class="domains" {
                @for domain in &domains {
                    li {
                        (domain) " "
                        form method="post" action={"/organizations/" (id) "/domains/remove"} class="inline" {
                            (csrf(session))
                            input type="hidden" name="domain" value=(domain);
                            button type="submit" aria-label={"Remove " (domain)} { "Remove" }
                        }
                    }
                }
            }
            form method="post" action={"/organizations/" (id) "/domains"} class="inline" {
                (csrf(session))
                label for="new-domain" { "Add a domain" }
                input id="new-domain" name="domain" type="text" required placeholder="shop.example";
                button type="submit" { "Add domain" }
            }
        }
        section aria-labelledby="members-heading" {
            h2 id="members-heading" { "Members" }
            ul {
                @for member in &members {
                    li { a href={"/customers/" (member["id"])} { (member["name"].as_str().unwrap_or_default()) } " " span class="email" { (member["email"].as_str().unwrap_or_default()) } }
                }
            }
            @if more { p class="hint" { "The first 100 members are listed." } }
        }
    };
    Ok((title, markup))
}

fn property(entry: &Value, fields: &Value) -> Markup {
    let key = entry["key"].as_str().unwrap_or_default();
    let label = entry["label"].as_str().unwrap_or_default();
    let text = entry["text"].as_str().unwrap_or_default();
    let id = format!("control-{}", key.replace('.', "-"));
    if let Some(field_key) = key.strip_prefix("organization_fields.") {
        let field = fields
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["key"] == field_key))
            .cloned()
            .unwrap_or(Value::Null);
        return field_control(key, label, &field, &entry["value"]);
    }
    html! {
        div class="control" {
            @match key {
                "tags" => {
                    label for=(id) { (label) }
                    input id=(id) name=(control_name(key)) type="text" value=(text);
                },
                "notes" => {
                    label for=(id) { (label) }
                    textarea id=(id) name=(control_name(key)) rows="3" { (text) }
                },
                _ => {
                    span class="label" { (label) }
                    span { (text) }
                },
            }
        }
    }
}

pub async fn save(State(console): State<Console>, Path(id): Path<i64>, posted: Posted) -> Response {
    let token = &posted.session.token;
    let back = format!("/organizations/{id}");
    let fields = match console.api.get(token, "/api/v2/organization_fields").await {
        Ok(fields) => fields,
        Err(failure) => return redirect(&console, &back, Notice::Failed(failure.message)),
    };
    let mut organization = Map::new();
    if let Some(tags) = posted.get(&control_name("tags")) {
        organization.insert("tags".into(), form::tags(tags));
    }
    if let Some(notes) = posted.get(&control_name("notes")) {
        organization.insert("notes".into(), json!(notes));
    }
    let mut custom = Map::new();
    for field in fields["organization_fields"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(field_key) = field["key"].as_str() else {
            continue;
        };
        if let Some(value) =
            field_value(&posted, &format!("organization_fields.{field_key}"), field)
        {
            custom.insert(field_key.into(), value);
        }
    }
    if !custom.is_empty() {
        organization.insert("organization_fields".into(), Value::Object(custom));
    }
    let notice = match update(&console, token, id, Value::Object(organization)).await {
        Ok(_) => Notice::Done("Saved.".into()),
        Err(failure) => Notice::Failed(format!("Not saved: {}", failure.message)),
    };
    redirect(&console, &back, notice)
}

async fn update(
    console: &Console,
    token: &str,
    id: i64,
    organization: Value,
) -> Result<Value, ApiFailure> {
    console
        .api
        .send(
            token,
            Method::PUT,
            &format!("/api/v2/organizations/{id}"),
            Some(json!({ "organization": organization })),
        )
        .await
}

/// Replaces the organization's domains with what `change` makes of them.
async fn change_domains(
    console: &Console,
    posted: &Posted,
    id: i64,
    change: impl FnOnce(&mut Vec<String>, String) -> String,
) -> Response {
    let token = &posted.session.token;
    let back = format!("/organizations/{id}");
    let domain = posted.get("domain").unwrap_or_default().to_lowercase();
    let current = match console
        .api
        .get(token, &format!("/api/v2/organizations/{id}"))
        .await
    {
        Ok(organization) => organization,
        Err(failure) => return redirect(console, &back, Notice::Failed(failure.message)),
    };
    let mut domains: Vec<String> = current["organization"]["domain_names"]
        .as_array()
        .map(|domains| {
            domains
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let done = change(&mut domains, domain);
    let notice = match update(console, token, id, json!({ "domain_names": domains })).await {
        Ok(_) => Notice::Done(done),
        Err(failure) => Notice::Failed(format!("Domains not changed: {}", failure.message)),
    };
    redirect(console, &back, notice)
}

pub async fn add_domain(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    change_domains(&console, &posted, id, |domains, domain| {
        let done = format!("Added {domain}.");
        domains.push(domain);
        done
    })
    .await
}

pub async fn remove_domain(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    change_domains(&console, &posted, id, |domains, domain| {
        domains.retain(|known| *known != domain);
        format!("Removed {domain}.")
    })
    .await
}
