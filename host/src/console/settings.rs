//! Settings: organizations from email domains on or off, the customer types, and which
//! properties the details panels show in which order.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::{Value, json};

use super::Console;
use super::api::ApiFailure;
use super::layout::{self, Section, csrf};
use super::session::{Notice, Posted, Session, redirect};

const BACK: &str = "/settings";

pub async fn page(State(console): State<Console>, session: Session) -> Response {
    match markup(&console, &session).await {
        Ok(markup) => layout::page(&console, &session, Section::Settings, "Settings", markup),
        Err(failure) => layout::failure(&console, &session, Section::Settings, failure),
    }
}

async fn markup(console: &Console, session: &Session) -> Result<Markup, ApiFailure> {
    let token = &session.token;
    let settings = console.api.get(token, "/api/v2/settings").await?;
    let types = console.api.get(token, "/api/v2/customer_types").await?;
    let customer_panel = console.api.get(token, "/api/v2/panels/customer").await?;
    let organization_panel = console
        .api
        .get(token, "/api/v2/panels/organization")
        .await?;
    let from_domains = settings["settings"]["create_organizations_from_domains"] == true;
    Ok(html! {
        h1 { "Settings" }
        section aria-labelledby="organizations-heading" {
            h2 id="organizations-heading" { "Organizations" }
            form method="post" action="/settings/organizations" {
                (csrf(session))
                div class="control" {
                    input type="hidden" name="from_domains" value="false";
                    input type="checkbox" id="from-domains" name="from_domains" value="true" checked[from_domains];
                    label for="from-domains" { "Create an organization from a new customer's email domain when none owns it (never for free-mail domains)" }
                }
                button type="submit" { "Save" }
            }
        }
        section aria-labelledby="types-heading" {
            h2 id="types-heading" { "Customer types" }
            p class="hint" { "A customer has at most one type; search for them with " code { "type:vip" } "." }
            table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Description" } th scope="col" { span class="visually-hidden" { "Actions" } } } }
                tbody {
                    @for kind in types["customer_types"].as_array().into_iter().flatten() {
                        @let name = kind["name"].as_str().unwrap_or_default();
                        tr {
                            td { (name) }
                            td { (kind["description"].as_str().unwrap_or_default()) }
                            td {
                                form method="post" action={"/settings/customer_types/" (kind["id"]) "/delete"} class="inline" {
                                    (csrf(session))
                                    button type="submit" aria-label={"Delete type " (name)} { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
            form method="post" action="/settings/customer_types" class="inline" {
                (csrf(session))
                label for="type-name" { "New type" }
                input id="type-name" name="name" type="text" required placeholder="vip" pattern="[a-z0-9_-]+" title="lowercase letters, digits, _ and -";
                label for="type-description" { "Description" }
                input id="type-description" name="description" type="text";
                button type="submit" { "Add type" }
            }
        }
        (panel_form(session, "customer", "Customer details panel", &customer_panel))
        (panel_form(session, "organization", "Organization details panel", &organization_panel))
    })
}

fn panel_form(session: &Session, panel: &str, title: &str, config: &Value) -> Markup {
    let heading = format!("panel-{panel}");
    html! {
        section id=(heading) aria-labelledby={(heading) "-heading"} {
            h2 id={(heading) "-heading"} { (title) }
            p class="hint" { "Tick what the panel shows; the numbers set the order." }
            form method="post" action={"/settings/panels/" (panel)} {
                (csrf(session))
                table class="panel-config" {
                    thead { tr { th scope="col" { "Property" } th scope="col" { "Shown" } th scope="col" { "Order" } } }
                    tbody {
                        @for (index, property) in config["panel"]["properties"].as_array().into_iter().flatten().enumerate() {
                            @let key = property["key"].as_str().unwrap_or_default();
                            @let label = property["label"].as_str().unwrap_or_default();
                            @let id = format!("{panel}-{}", key.replace('.', "-"));
                            tr {
                                td { (label) input type="hidden" name="key" value=(key); }
                                td {
                                    input type="checkbox" id={"show-" (id)} name={"show." (key)} value="true" checked[property["visible"] == true];
                                    label for={"show-" (id)} class="visually-hidden" { "Show " (label) }
                                }
                                td {
                                    label for={"order-" (id)} class="visually-hidden" { "Order of " (label) }
                                    input type="number" id={"order-" (id)} name={"order." (key)} value=(index + 1) step="1" class="order";
                                }
                            }
                        }
                    }
                }
                button type="submit" { "Save " (title) }
            }
        }
    }
}

pub async fn save_switches(State(console): State<Console>, posted: Posted) -> Response {
    let on = posted.all("from_domains").last() == Some(&"true");
    let notice = match console
        .api
        .send(
            &posted.session.token,
            Method::PUT,
            "/api/v2/settings",
            Some(json!({"settings": {"create_organizations_from_domains": on}})),
        )
        .await
    {
        Ok(_) if on => Notice::Done("New customers' domains now create organizations.".into()),
        Ok(_) => Notice::Done("New customers' domains no longer create organizations.".into()),
        Err(failure) => Notice::Failed(format!("Not saved: {}", failure.message)),
    };
    redirect(&console, BACK, notice)
}

pub async fn add_type(State(console): State<Console>, posted: Posted) -> Response {
    let name = posted.get("name").unwrap_or_default();
    let notice = match console
        .api
        .send(
            &posted.session.token,
            Method::POST,
            "/api/v2/customer_types",
            Some(json!({"customer_type": {
                "name": name, "description": posted.get("description").unwrap_or_default()}})),
        )
        .await
    {
        Ok(created) => Notice::Done(format!(
            "Added the type {}.",
            created["customer_type"]["name"].as_str().unwrap_or(name)
        )),
        Err(failure) => Notice::Failed(format!("The type was not added: {}", failure.message)),
    };
    redirect(&console, BACK, notice)
}

pub async fn delete_type(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let notice = match console
        .api
        .send(
            &posted.session.token,
            Method::DELETE,
            &format!("/api/v2/customer_types/{id}"),
            None,
        )
        .await
    {
        Ok(_) => Notice::Done("Deleted the type; its customers have none now.".into()),
        Err(failure) => Notice::Failed(format!("Not deleted: {}", failure.message)),
    };
    redirect(&console, BACK, notice)
}

pub async fn save_panel(
    State(console): State<Console>,
    Path(panel): Path<String>,
    posted: Posted,
) -> Response {
    let keys = posted.all("key");
    let mut properties: Vec<(i64, usize, Value)> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| {
            let order = posted
                .get(&format!("order.{key}"))
                .and_then(|order| order.parse::<i64>().ok())
                .unwrap_or(index as i64 + 1);
            let visible = posted.get(&format!("show.{key}")) == Some("true");
            (order, index, json!({"key": key, "visible": visible}))
        })
        .collect();
    properties.sort_by_key(|(order, index, _)| (*order, *index));
    let properties: Vec<Value> = properties.into_iter().map(|(.., value)| value).collect();
    let notice = match console
        .api
        .send(
            &posted.session.token,
            Method::PUT,
            &format!("/api/v2/panels/{panel}"),
            Some(json!({"panel": {"properties": properties}})),
        )
        .await
    {
        Ok(_) => Notice::Done(format!("Saved the {panel} panel.")),
        Err(failure) => Notice::Failed(format!("The panel was not saved: {}", failure.message)),
    };
    redirect(&console, &format!("{BACK}#panel-{panel}"), notice)
}
