//! Plugins: upload a component, see what it declares, configure it from its declared keys,
//! grant hosts, switch it and its triggers, set the order, dry-run it on a ticket, read its
//! runs and its last day as a chart.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Map, Value, json};

use super::Console;
use super::api::ApiFailure;
use super::chart;
use super::form;
use super::layout::{self, Section, csrf, when};
use super::session::{Notice, Posted, Session, check_csrf, check_origin, redirect};
use super::tickets::run_detail;

pub async fn list(State(console): State<Console>, session: Session) -> Response {
    match list_markup(&console, &session).await {
        Ok(markup) => layout::page(&console, &session, Section::Plugins, "Plugins", markup),
        Err(failure) => layout::failure(&console, &session, Section::Plugins, failure),
    }
}

async fn list_markup(console: &Console, session: &Session) -> Result<Markup, ApiFailure> {
    let plugins = console.api.get(&session.token, "/api/v2/plugins").await?;
    Ok(html! {
        h1 { "Plugins" }
        table {
            thead { tr { th scope="col" { "Plugin" } th scope="col" { "Version" } th scope="col" { "State" } th scope="col" { "Triggers" } } }
            tbody {
                @for plugin in plugins["plugins"].as_array().into_iter().flatten() {
                    tr {
                        td { a href={"/plugins/" (plugin["id"])} { (plugin["name"].as_str().unwrap_or_default()) } }
                        td { (plugin["version"].as_str().unwrap_or_default()) }
                        td { (state(plugin)) }
                        td { (plugin["triggers"].as_array().map(|t| t.len()).unwrap_or(0)) }
                    }
                }
            }
        }
        section aria-labelledby="upload-heading" {
            h2 id="upload-heading" { "Upload a plugin" }
            p class="hint" { "A WebAssembly component built against the wasmdesk:rules contract. A plugin of the same name is replaced; its configuration stays." }
            form method="post" action="/plugins" enctype="multipart/form-data" {
                (csrf(session))
                label for="component" { "Component (.wasm)" }
                input id="component" name="component" type="file" accept=".wasm,application/wasm" required;
                button type="submit" { "Upload" }
            }
        }
    })
}

fn state(plugin: &Value) -> Markup {
    html! {
        @if plugin["enabled"] == true {
            span class="badge on" { "enabled" }
        } @else {
            span class="badge off" { "disabled" }
            @if let Some(reason) = plugin["disabled_reason"].as_str() { " " span class="hint" { (reason) } }
        }
    }
}

pub async fn upload(
    State(console): State<Console>,
    headers: HeaderMap,
    session: Session,
    mut multipart: Multipart,
) -> Response {
    if let Err(refusal) = check_origin(&headers) {
        return refusal;
    }
    let mut sent_csrf = None;
    let mut component = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => sent_csrf = field.text().await.ok(),
                Some("component") => match field.bytes().await {
                    Ok(bytes) => component = Some(bytes.to_vec()),
                    Err(error) => {
                        return redirect(
                            &console,
                            "/plugins",
                            Notice::Failed(format!(
                                "The file could not be read: {}",
                                error.body_text()
                            )),
                        );
                    }
                },
                _ => {}
            },
            Ok(None) => break,
            Err(error) => {
                return redirect(
                    &console,
                    "/plugins",
                    Notice::Failed(format!("The form could not be read: {}", error.body_text())),
                );
            }
        }
    }
    if let Err(refusal) = check_csrf(&session, sent_csrf.as_deref()) {
        return refusal;
    }
    let Some(bytes) = component.filter(|bytes| !bytes.is_empty()) else {
        return redirect(
            &console,
            "/plugins",
            Notice::Failed("Choose a .wasm file to upload.".into()),
        );
    };
    match console
        .api
        .upload(&session.token, "/api/v2/plugins", "application/wasm", bytes)
        .await
    {
        Ok(answer) => {
            let plugin = &answer["plugin"];
            redirect(
                &console,
                &format!("/plugins/{}", plugin["id"]),
                Notice::Done(format!(
                    "Installed {} {}. Check its configuration, then dry-run it on a ticket.",
                    plugin["name"].as_str().unwrap_or_default(),
                    plugin["version"].as_str().unwrap_or_default()
                )),
            )
        }
        Err(failure) => redirect(
            &console,
            "/plugins",
            Notice::Failed(format!("Not installed: {}", failure.message)),
        ),
    }
}

pub async fn show(
    State(console): State<Console>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    render(&console, &session, id, None).await
}

async fn render(
    console: &Console,
    session: &Session,
    id: i64,
    dry_run: Option<Markup>,
) -> Response {
    match show_markup(console, session, id, dry_run).await {
        Ok((title, markup)) => layout::page(console, session, Section::Plugins, &title, markup),
        Err(failure) => layout::failure(console, session, Section::Plugins, failure),
    }
}

async fn show_markup(
    console: &Console,
    session: &Session,
    id: i64,
    dry_run: Option<Markup>,
) -> Result<(String, Markup), ApiFailure> {
    let token = &session.token;
    let answer = console
        .api
        .get(token, &format!("/api/v2/plugins/{id}"))
        .await?;
    let plugin = &answer["plugin"];
    let describe = &plugin["describe"];
    let name = plugin["name"].as_str().unwrap_or_default().to_string();
    let activity = console
        .api
        .get(token, &format!("/api/v2/plugins/{id}/activity?hours=24"))
        .await?;
    let groups = console.api.get(token, "/api/v2/groups").await?;
    let since = activity["activity"]["hours"][0]["hour"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let runs_path = format!(
        "/api/v2/rule_runs?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("plugin", &name)
            .append_pair("since", &since)
            .finish()
    );
    let (mut runs, _) = form::pages(&console.api, token, &runs_path, "rule_runs", 3).await?;
    runs.reverse();
    runs.truncate(20);
    let config = &plugin["config"];
    let markup = html! {
        p class="crumbs" { a href="/plugins" { "Plugins" } " › " (name) }
        h1 { (name) " " small { (plugin["version"].as_str().unwrap_or_default()) } }
        p { (describe["description"].as_str().unwrap_or_default()) }
        p { (state(plugin)) }
        form method="post" action={"/plugins/" (id) "/switch"} class="inline" {
            (csrf(session))
            @if plugin["enabled"] == true {
                input type="hidden" name="enabled" value="false";
                button type="submit" { "Disable " (name) }
            } @else {
                input type="hidden" name="enabled" value="true";
                button type="submit" { "Enable " (name) }
            }
        }
        section aria-labelledby="declares-heading" {
            h2 id="declares-heading" { "What it declares" }
            h3 { "Triggers" }
            table {
                thead { tr { th scope="col" { "Trigger" } th scope="col" { "On" } th scope="col" { "Reads" } th scope="col" { "Active" } th scope="col" { "Order" } } }
                tbody {
                    @for trigger in describe["triggers"].as_array().into_iter().flatten() {
                        @let key = trigger["key"].as_str().unwrap_or_default();
                        @let setting = plugin["triggers"].as_array().into_iter().flatten().find(|t| t["key"] == key);
                        tr {
                            td { strong { (trigger["title"].as_str().unwrap_or(key)) } br; code { (key) } br; (trigger["description"].as_str().unwrap_or_default()) }
                            td { (joined(&trigger["events"])) }
                            td { (inputs(&trigger["inputs"])) }
                            td {
                                @let active = setting.is_some_and(|s| s["active"] == true);
                                form method="post" action={"/plugins/" (id) "/switch"} class="inline" {
                                    (csrf(session))
                                    input type="hidden" name="trigger" value=(key);
                                    input type="hidden" name="active" value=(if active { "false" } else { "true" });
                                    button type="submit" aria-label={(if active { "Deactivate " } else { "Activate " }) (key)} { (if active { "Deactivate" } else { "Activate" }) }
                                }
                            }
                            td {
                                (setting.map(|s| s["position"].to_string()).unwrap_or_default()) " "
                                form method="post" action={"/plugins/" (id) "/order"} class="inline" {
                                    (csrf(session))
                                    input type="hidden" name="trigger" value=(key);
                                    button type="submit" name="direction" value="earlier" aria-label={"Run " (key) " earlier"} { "↑" }
                                    button type="submit" name="direction" value="later" aria-label={"Run " (key) " later"} { "↓" }
                                }
                            }
                        }
                    }
                }
            }
            h3 { "Fields it creates" }
            ul {
                @for (scope, key) in [("customer", "user_fields"), ("organization", "organization_fields")] {
                    @for field in describe[key].as_array().into_iter().flatten() {
                        li { (field["title"].as_str().unwrap_or_default()) " (" (scope) " field " code { (field["key"].as_str().unwrap_or_default()) } ", " (field["type"].as_str().unwrap_or_default()) ")" }
                    }
                }
                @for group in describe["groups"].as_array().into_iter().flatten() {
                    li { "Group " (group.as_str().unwrap_or_default()) }
                }
            }
            h3 { "Hosts it wants to reach" }
            @if describe["http_hosts"].as_array().is_none_or(|hosts| hosts.is_empty()) {
                p { "None: it makes no HTTP requests." }
            } @else {
                p { (joined(&describe["http_hosts"])) }
                form method="post" action={"/plugins/" (id) "/grants"} {
                    (csrf(session))
                    label for="grants" { "Granted origins, one per line" }
                    textarea id="grants" name="granted_hosts" rows="3" { (plugin["granted_hosts"].as_array().map(|hosts| hosts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")).unwrap_or_default()) }
                    button type="submit" { "Save grants" }
                }
            }
        }
        section aria-labelledby="config-heading" {
            h2 id="config-heading" { "Configuration" }
            @if describe["config"].as_array().is_none_or(|keys| keys.is_empty()) {
                p { "It has nothing to configure." }
            } @else {
                form method="post" action={"/plugins/" (id) "/config"} class="panel" {
                    (csrf(session))
                    @for key in describe["config"].as_array().into_iter().flatten() {
                        (config_control(key, &config[key["key"].as_str().unwrap_or_default()], &groups["groups"]))
                    }
                    button type="submit" { "Save configuration" }
                }
                datalist id="group-names" {
                    @for group in groups["groups"].as_array().into_iter().flatten() {
                        option value=(group["name"].as_str().unwrap_or_default()) {}
                    }
                }
            }
        }
        section aria-labelledby="dry-run-heading" {
            h2 id="dry-run-heading" { "Dry run" }
            p class="hint" { "What the plugin would do to a stored ticket now; nothing is written." }
            form method="post" action={"/plugins/" (id) "/dry_run"} class="inline" {
                (csrf(session))
                label for="dry-run-ticket" { "Ticket id" }
                input id="dry-run-ticket" name="ticket_id" type="number" min="1" step="1" required;
                button type="submit" { "Dry run" }
            }
            @if let Some(result) = dry_run { (result) }
        }
        section aria-labelledby="activity-heading" {
            h2 id="activity-heading" { "Last 24 hours" }
            (chart::activity(activity["activity"]["hours"].as_array().map(Vec::as_slice).unwrap_or_default()))
            h3 { "Latest runs" }
            @if runs.is_empty() {
                p { "No trigger of this plugin fired or failed in the last 24 hours." }
            } @else {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Ticket" } th scope="col" { "Trigger" } th scope="col" { "Outcome" } th scope="col" { "Time" } th scope="col" { "Error or logs" } } }
                    tbody {
                        @for run in &runs {
                            tr {
                                td { (when(&run["created_at"])) }
                                td { a href={"/tickets/" (run["ticket_id"])} { "#" (run["ticket_id"]) } }
                                td { (run["trigger"].as_str().unwrap_or_default()) }
                                td { (run["outcome"].as_str().unwrap_or_default()) }
                                td { (run["elapsed_us"]) " µs" }
                                td { (run_detail(run)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok((name, markup))
}

fn joined(values: &Value) -> String {
    values
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The custom fields and text a trigger reads (its declared inputs).
fn inputs(inputs: &Value) -> Markup {
    let named = |key: &str| joined(&inputs[key]);
    html! {
        @for (key, what) in [("user_fields", "customer fields"), ("organization_fields", "organization fields"), ("ticket_fields", "ticket fields")] {
            @let names = named(key);
            @if !names.is_empty() { div { (what) ": " (names) } }
        }
        @if inputs["text"] == true { div { "the ticket's text" } }
    }
}

fn config_control(key: &Value, current: &Value, groups: &Value) -> Markup {
    let name = key["key"].as_str().unwrap_or_default();
    let id = format!("config-{name}");
    let value = current.as_str().unwrap_or_default();
    let default = key["default"].as_str();
    let kind = key["kind"]["type"].as_str().unwrap_or("text");
    let _ = groups;
    html! {
        div class="control" {
            @match kind {
                "boolean" => {
                    input type="hidden" name={"config." (name)} value="";
                    input type="checkbox" id=(id) name={"config." (name)} value="true" checked[value == "true" || (value.is_empty() && default == Some("true"))];
                    label for=(id) { code { (name) } }
                },
                "one_of" => {
                    label for=(id) { code { (name) } }
                    select id=(id) name={"config." (name)} {
                        option value="" { "default" @if let Some(default) = default { " (" (default) ")" } }
                        @for allowed in key["kind"]["allowed"].as_array().into_iter().flatten() {
                            @let allowed = allowed.as_str().unwrap_or_default();
                            option value=(allowed) selected[value == allowed] { (allowed) }
                        }
                    }
                },
                _ => {
                    label for=(id) { code { (name) } }
                    @let (input_type, step, list) = match kind {
                        "integer" => ("number", Some("1"), None),
                        "decimal" => ("number", Some("any"), None),
                        "url" => ("url", None, None),
                        "agent_email" => ("email", None, None),
                        "group_name" => ("text", None, Some("group-names")),
                        _ => ("text", None, None),
                    };
                    input type=(input_type) id=(id) name={"config." (name)} value=(value) step=[step] list=[list] placeholder=[default];
                },
            }
            small { (key["description"].as_str().unwrap_or_default()) " (" (kind.replace('_', " ")) @if let Some(default) = default { "; default " (default) } ")" }
        }
    }
}

pub async fn save_config(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let mut config = Map::new();
    let mut seen: Vec<&str> = Vec::new();
    for (field, _) in &posted.fields {
        let Some(key) = field.strip_prefix("config.") else {
            continue;
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        // A checkbox sends "" then "true"; the last value is the one chosen.
        let value = posted
            .all(field)
            .last()
            .map(|value| value.trim().to_string())
            .unwrap_or_default();
        if !value.is_empty() {
            config.insert(key.to_string(), json!(value));
        }
    }
    let back = format!("/plugins/{id}");
    let notice = match console
        .api
        .send(
            &posted.session.token,
            Method::PUT,
            &format!("/api/v2/plugins/{id}/config"),
            Some(json!({ "config": config })),
        )
        .await
    {
        Ok(_) => Notice::Done("Saved the configuration.".into()),
        Err(failure) => Notice::Failed(format!(
            "The configuration was not saved: {}",
            failure.message
        )),
    };
    redirect(&console, &back, notice)
}

pub async fn save_grants(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let hosts: Vec<&str> = posted
        .get("granted_hosts")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let notice = match console
        .api
        .send(
            &posted.session.token,
            Method::PUT,
            &format!("/api/v2/plugins/{id}/granted_hosts"),
            Some(json!({ "granted_hosts": hosts })),
        )
        .await
    {
        Ok(_) => Notice::Done("Saved the grants.".into()),
        Err(failure) => Notice::Failed(format!("The grants were not saved: {}", failure.message)),
    };
    redirect(&console, &format!("/plugins/{id}"), notice)
}

/// Enables or disables the plugin, or one trigger when the form names it.
pub async fn switch(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let token = &posted.session.token;
    let result = match posted.get("trigger") {
        Some(trigger) => {
            let active = posted.get("active") == Some("true");
            console
                .api
                .send(
                    token,
                    Method::PUT,
                    &format!(
                        "/api/v2/plugins/{id}/triggers/{}",
                        url::form_urlencoded::byte_serialize(trigger.as_bytes())
                            .collect::<String>()
                    ),
                    Some(json!({"trigger": {"active": active}})),
                )
                .await
                .map(|_| {
                    format!(
                        "Trigger {trigger} {}.",
                        if active { "activated" } else { "deactivated" }
                    )
                })
        }
        None => {
            let enabled = posted.get("enabled") == Some("true");
            console
                .api
                .send(
                    token,
                    Method::PUT,
                    &format!("/api/v2/plugins/{id}"),
                    Some(json!({"plugin": {"enabled": enabled}})),
                )
                .await
                .map(|_| {
                    if enabled {
                        "Enabled.".to_string()
                    } else {
                        "Disabled.".to_string()
                    }
                })
        }
    };
    let notice = match result {
        Ok(done) => Notice::Done(done),
        Err(failure) => Notice::Failed(format!("Not changed: {}", failure.message)),
    };
    redirect(&console, &format!("/plugins/{id}"), notice)
}

/// Moves a trigger one place earlier or later in the desk-wide order.
pub async fn move_trigger(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let token = &posted.session.token;
    let back = format!("/plugins/{id}");
    let trigger = posted.get("trigger").unwrap_or_default();
    let earlier = posted.get("direction") == Some("earlier");
    let order = match console.api.get(token, "/api/v2/triggers").await {
        Ok(order) => order,
        Err(failure) => return redirect(&console, &back, Notice::Failed(failure.message)),
    };
    let mut refs: Vec<Value> = order["triggers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| json!({"plugin_id": t["plugin_id"], "trigger": t["trigger"]}))
        .collect();
    let Some(at) = refs
        .iter()
        .position(|t| t["plugin_id"] == id && t["trigger"] == trigger)
    else {
        return redirect(
            &console,
            &back,
            Notice::Failed(format!("This plugin has no trigger {trigger:?}.")),
        );
    };
    let to = if earlier {
        at.saturating_sub(1)
    } else {
        (at + 1).min(refs.len() - 1)
    };
    refs.swap(at, to);
    let notice = match console
        .api
        .send(
            token,
            Method::PUT,
            "/api/v2/triggers/reorder",
            Some(json!({"trigger_ids": refs})),
        )
        .await
    {
        Ok(_) => Notice::Done(format!("Trigger {trigger} now runs {}.", to + 1)),
        Err(failure) => Notice::Failed(format!("Order not changed: {}", failure.message)),
    };
    redirect(&console, &back, notice)
}

/// Runs the plugin on a stored ticket and shows what it would do, beside its page.
pub async fn dry_run(
    State(console): State<Console>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Response {
    let raw = posted.get("ticket_id").unwrap_or_default();
    let result = match raw.parse::<i64>() {
        Ok(ticket_id) => console
            .api
            .send(
                &posted.session.token,
                Method::POST,
                &format!("/api/v2/plugins/{id}/dry_run"),
                Some(json!({"ticket_id": ticket_id})),
            )
            .await
            .map(|answer| dry_run_markup(ticket_id, &answer["dry_run"])),
        Err(_) => Err(ApiFailure {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("{raw:?} is not a ticket id"),
        }),
    };
    let markup = match result {
        Ok(markup) => markup,
        Err(failure) => html! {
            p class="notice failed" role="alert" id="dry-run-result" { "The dry run did not run: " (failure.message) }
        },
    };
    render(&console, &posted.session, id, Some(markup))
        .await
        .into_response()
}

fn dry_run_markup(ticket_id: i64, result: &Value) -> Markup {
    html! {
        div id="dry-run-result" class="result" role="status" {
            h3 { "On ticket #" (ticket_id) }
            @for run in result["runs"].as_array().into_iter().flatten() {
                div class="run" {
                    p { strong { (run["trigger"].as_str().unwrap_or_default()) } ": " span class="outcome" { (run["outcome"].as_str().unwrap_or_default()) } " in " (run["elapsed_us"]) " µs" }
                    @if let Some(actions) = run["actions"].as_array().filter(|a| !a.is_empty()) {
                        ul class="actions" {
                            @for action in actions { li { code { (action.to_string()) } } }
                        }
                    }
                    (run_detail(run))
                }
            }
            @if result["runs"].as_array().is_none_or(|runs| runs.is_empty()) {
                p { "No trigger of this plugin runs on this ticket." }
            }
        }
    }
}
