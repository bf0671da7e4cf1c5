//! Customers grouped by organization (drag one onto another organization, or use "Move to"),
//! a new customer by email, and a customer's details panel as configured.

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Console;
use super::form::{self, control_name, field_control, field_value};
use super::layout::{self, Section, csrf};
use super::session::{Notice, Posted, Session, redirect};

/// How many pages of 100 the list reads; past that, searching finds a customer.
const LIST_PAGES: usize = 5;

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
}

pub async fn page(
    State(console): State<Console>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> Response {
    match list(&console, &session, query.q.as_deref().map(str::trim)).await {
        Ok(markup) => layout::page(&console, &session, Section::Customers, "Customers", markup),
        Err(failure) => layout::failure(&console, &session, Section::Customers, failure),
    }
}

async fn list(
    console: &Console,
    session: &Session,
    search: Option<&str>,
) -> Result<Markup, super::api::ApiFailure> {
    let token = &session.token;
    let (organizations, more_organizations) = form::pages(
        &console.api,
        token,
        "/api/v2/organizations",
        "organizations",
        LIST_PAGES,
    )
    .await?;
    let search = search.filter(|q| !q.is_empty());
    let (customers, more_customers, search_failure) = match search {
        Some(query) => {
            let path = format!(
                "/api/v2/users/search?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("query", query)
                    .finish()
            );
            match form::pages(&console.api, token, &path, "users", LIST_PAGES).await {
                Ok((users, more)) => (users, more, None),
                Err(failure) if failure.status.is_client_error() => {
                    (Vec::new(), false, Some(failure.message))
                }
                Err(failure) => return Err(failure),
            }
        }
        None => {
            let (users, more) = form::pages(
                &console.api,
                token,
                "/api/v2/users?role=end-user",
                "users",
                LIST_PAGES,
            )
            .await?;
            (users, more, None)
        }
    };
    let customers: Vec<&Value> = customers
        .iter()
        .filter(|user| user["role"] == "end-user")
        .collect();
    let mut organizations = organizations;
    organizations.sort_by_key(|organization| {
        organization["name"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    });
    let members = |id: Option<i64>| -> Vec<&Value> {
        customers
            .iter()
            .copied()
            .filter(|user| user["organization_id"].as_i64() == id)
            .collect()
    };
    Ok(html! {
        h1 { "Customers" }
        form method="get" action="/customers" class="search" role="search" {
            label for="q" { "Search customers" }
            input id="q" name="q" type="search" value=[search] placeholder="ada@shop.example, type:vip, service_level:platinum";
            button type="submit" { "Search" }
            @if search.is_some() { a href="/customers" { "Show all" } }
        }
        @if let Some(message) = &search_failure {
            p class="notice failed" role="alert" { (message) }
        }
        details class="create" {
            summary { "New customer" }
            form method="post" action="/customers" {
                (csrf(session))
                label for="new-email" { "Email" }
                input id="new-email" name="email" type="email" required autocomplete="off";
                label for="new-name" { "Name (optional)" }
                input id="new-name" name="name" type="text" autocomplete="off";
                button type="submit" { "Create customer" }
            }
        }
        @if more_customers || more_organizations {
            p class="hint" { "Showing the first " (LIST_PAGES * 100) " customers and organizations; search to find others." }
        }
        p class="hint" { "Drag a customer onto another organization, or use its “Move to” field. Double-click a customer to open their details." }
        datalist id="organization-names" {
            option value="No organization" {}
            @for organization in &organizations {
                option value=(organization["name"].as_str().unwrap_or_default()) {}
            }
        }
        div class="board" {
            @for organization in &organizations {
                @let id = organization["id"].as_i64();
                @let people = members(id);
                @if search.is_none() || !people.is_empty() {
                    (group(session, id, organization["name"].as_str().unwrap_or_default(), organization["domain_names"].as_array().map(|d| d.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default(), &people))
                }
            }
            (group(session, None, "No organization", String::new(), &members(None)))
        }
    })
}

/// One organization's column: a drop target with its customers.
fn group(
    session: &Session,
    id: Option<i64>,
    name: &str,
    domains: String,
    people: &[&Value],
) -> Markup {
    let heading_id = format!("organization-{}", id.unwrap_or(0));
    html! {
        section class="organization" data-organization-id=(id.map(|id| id.to_string()).unwrap_or_default()) aria-labelledby=(heading_id) {
            h2 id=(heading_id) {
                @if let Some(id) = id {
                    a href={"/organizations/" (id)} { (name) }
                } @else {
                    (name)
                }
                " " span class="count" { "(" (people.len()) ")" }
            }
            @if !domains.is_empty() { p class="domains" { (domains) } }
            ul {
                @for person in people {
                    (customer_row(session, person))
                }
            }
        }
    }
}

fn customer_row(session: &Session, person: &Value) -> Markup {
    let id = person["id"].as_i64().unwrap_or_default();
    let name = person["name"].as_str().unwrap_or_default();
    let move_id = format!("move-{id}");
    html! {
        li class="customer" data-customer-id=(id) {
            span class="grip" aria-hidden="true" { "⠿" }
            a class="name" href={"/customers/" (id)} { (name) }
            @if let Some(email) = person["email"].as_str() { " " span class="email" { (email) } }
            @if let Some(kind) = person["type"].as_str() { " " span class="badge" { (kind) } }
            form method="post" action={"/customers/" (id) "/move"} class="move" {
                (csrf(session))
                input type="hidden" name="organization_id" value="";
                label for=(move_id) { "Move " (name) " to" }
                input id=(move_id) name="organization" list="organization-names" autocomplete="off" placeholder="organization";
                button type="submit" { "Move" }
            }
        }
    }
}

pub async fn create(State(console): State<Console>, posted: Posted) -> Response {
    let mut user = Map::new();
    user.insert(
        "email".into(),
        json!(posted.get("email").unwrap_or_default()),
    );
    if let Some(name) = posted.get("name").filter(|name| !name.is_empty()) {
        user.insert("name".into(), json!(name));
    }
    let token = &posted.session.token;
    let created = console
        .api
        .send(
            token,
            Method::POST,
            "/api/v2/users",
            Some(json!({"user": user})),
        )
        .await;
    let notice = match created {
        Ok(answer) => {
            let user = &answer["user"];
            let place = match user["organization_id"].as_i64() {
                Some(id) => match console
                    .api
                    .get(token, &format!("/api/v2/organizations/{id}"))
                    .await
                {
                    Ok(organization) => format!(
                        "under {}",
                        organization["organization"]["name"]
                            .as_str()
                            .unwrap_or_default()
                    ),
                    Err(_) => format!("under organization {id}"),
                },
                None => "without an organization".into(),
            };
            Notice::Done(format!(
                "Created {} {place}.",
                user["email"].as_str().unwrap_or_default()
            ))
        }
        Err(failure) => {
            Notice::Failed(format!("The customer was not created: {}", failure.message))
        }
    };
    redirect(&console, "/customers", notice)
}

pub async fn move_to(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let token = &posted.session.token;
    // The drag sets the id; the "Move to" field names the organization.
    let target = match (posted.get("organization_id"), posted.get("organization")) {
        (Some(id), _) if !id.is_empty() => match id.parse::<i64>() {
            Ok(0) => Ok(None),
            Ok(id) => Ok(Some(id)),
            Err(_) => Err(format!("{id:?} is not an organization id")),
        },
        (_, Some(name)) if name.eq_ignore_ascii_case("no organization") || name == "-" => Ok(None),
        (_, Some(name)) if !name.is_empty() => {
            match form::pages(
                &console.api,
                token,
                "/api/v2/organizations",
                "organizations",
                LIST_PAGES,
            )
            .await
            {
                Ok((organizations, _)) => organizations
                    .iter()
                    .find(|organization| {
                        organization["name"]
                            .as_str()
                            .is_some_and(|known| known.eq_ignore_ascii_case(name))
                    })
                    .and_then(|organization| organization["id"].as_i64())
                    .map(Some)
                    .ok_or_else(|| format!("there is no organization named {name:?}")),
                Err(failure) => Err(failure.message),
            }
        }
        _ => Err("name the organization to move to, or “No organization”".into()),
    };
    let notice = match target {
        Ok(organization_id) => match console
            .api
            .send(
                token,
                Method::PUT,
                &format!("/api/v2/users/{id}"),
                Some(json!({"user": {"organization_id": organization_id}})),
            )
            .await
        {
            Ok(answer) => Notice::Done(format!(
                "Moved {} to {}.",
                answer["user"]["name"].as_str().unwrap_or_default(),
                match organization_id {
                    Some(_) => "the organization",
                    None => "no organization",
                }
            )),
            Err(failure) => Notice::Failed(format!("Not moved: {}", failure.message)),
        },
        Err(reason) => Notice::Failed(format!("Not moved: {reason}")),
    };
    redirect(&console, "/customers", notice)
}

/// A customer's details panel, its values editable in place.
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
) -> Result<(String, Markup), super::api::ApiFailure> {
    let token = &session.token;
    let panel = console
        .api
        .get(token, &format!("/api/v2/users/{id}/panel"))
        .await?;
    let fields = console.api.get(token, "/api/v2/user_fields").await?;
    let types = console.api.get(token, "/api/v2/customer_types").await?;
    let title = panel["panel"]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let entries = panel["panel"]["properties"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let markup = html! {
        p class="crumbs" { a href="/customers" { "Customers" } " › " (title) }
        h1 { (title) }
        form method="post" action={"/customers/" (id)} class="panel" {
            (csrf(session))
            @for entry in &entries {
                (customer_property(entry, &fields["user_fields"], &types["customer_types"]))
            }
            button type="submit" { "Save" }
        }
        p class="hint" { "Which properties show here, and in which order, is set in " a href="/settings#panel-customer" { "Settings" } "." }
    };
    Ok((title, markup))
}

fn customer_property(entry: &Value, fields: &Value, types: &Value) -> Markup {
    let key = entry["key"].as_str().unwrap_or_default();
    let label = entry["label"].as_str().unwrap_or_default();
    let text = entry["text"].as_str().unwrap_or_default();
    let id = format!("control-{}", key.replace('.', "-"));
    if let Some(field_key) = key.strip_prefix("user_fields.") {
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
                "email" | "phone" => {
                    label for=(id) { (label) }
                    input id=(id) name=(control_name(key)) type=(if key == "email" { "email" } else { "tel" }) value=(text);
                },
                "tags" => {
                    label for=(id) { (label) }
                    input id=(id) name=(control_name(key)) type="text" value=(text);
                },
                "type" => {
                    label for=(id) { (label) }
                    select id=(id) name=(control_name(key)) {
                        option value="" { "—" }
                        @for kind in types.as_array().into_iter().flatten() {
                            @let name = kind["name"].as_str().unwrap_or_default();
                            option value=(name) selected[text == name] { (name) }
                        }
                    }
                },
                "organization" => {
                    span class="label" { (label) }
                    @if let Some(id) = entry["value"].as_i64() {
                        a href={"/organizations/" (id)} { (text) }
                    } @else { span { "—" } }
                },
                _ => {
                    span class="label" { (label) }
                    span { (text) }
                },
            }
        }
    }
}

/// Saves what the panel's form sent: only the properties it showed.
pub async fn save(State(console): State<Console>, Path(id): Path<i64>, posted: Posted) -> Response {
    let token = &posted.session.token;
    let back = format!("/customers/{id}");
    let fields = match console.api.get(token, "/api/v2/user_fields").await {
        Ok(fields) => fields,
        Err(failure) => return redirect(&console, &back, Notice::Failed(failure.message)),
    };
    let mut user = Map::new();
    for key in ["email", "phone", "type"] {
        if let Some(value) = posted.get(&control_name(key)) {
            user.insert(
                key.into(),
                if value.is_empty() {
                    Value::Null
                } else {
                    json!(value)
                },
            );
        }
    }
    if let Some(tags) = posted.get(&control_name("tags")) {
        user.insert("tags".into(), form::tags(tags));
    }
    let mut custom = Map::new();
    for field in fields["user_fields"].as_array().into_iter().flatten() {
        let Some(field_key) = field["key"].as_str() else {
            continue;
        };
        if let Some(value) = field_value(&posted, &format!("user_fields.{field_key}"), field) {
            custom.insert(field_key.into(), value);
        }
    }
    if !custom.is_empty() {
        user.insert("user_fields".into(), Value::Object(custom));
    }
    let notice = match console
        .api
        .send(
            token,
            Method::PUT,
            &format!("/api/v2/users/{id}"),
            Some(json!({"user": user})),
        )
        .await
    {
        Ok(_) => Notice::Done("Saved.".into()),
        Err(failure) => Notice::Failed(format!("Not saved: {}", failure.message)),
    };
    redirect(&console, &back, notice)
}
