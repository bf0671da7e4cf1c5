//! Form controls for custom fields, and reading them back into the API's JSON: one control per
//! field type, each with its label, so a panel is edited where it is read.

use maud::{Markup, html};
use serde_json::{Value, json};

use super::session::Posted;

/// The form name of a panel property (`user_fields.level` → `f.user_fields.level`), kept apart
/// from the form's own fields (`csrf`).
pub fn control_name(key: &str) -> String {
    format!("f.{key}")
}

/// The control for custom field `field` (its definition as `/api/v2/user_fields` shows it)
/// holding `value`, labelled `label`.
pub fn field_control(key: &str, label: &str, field: &Value, value: &Value) -> Markup {
    let name = control_name(key);
    let id = format!("control-{}", key.replace('.', "-"));
    let options = field["custom_field_options"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => String::new(),
    };
    let described = field["description"].as_str().filter(|d| !d.is_empty());
    html! {
        div class="control" {
            @match field["type"].as_str().unwrap_or("text") {
                "checkbox" => {
                    input type="hidden" name=(name) value="false";
                    input type="checkbox" id=(id) name=(name) value="true" checked[value == &Value::Bool(true)];
                    label for=(id) { (label) }
                },
                "dropdown" => {
                    label for=(id) { (label) }
                    select id=(id) name=(name) {
                        option value="" { "—" }
                        @for option in &options {
                            @let tag = option["value"].as_str().unwrap_or_default();
                            option value=(tag) selected[text == tag] { (option["name"].as_str().unwrap_or(tag)) }
                        }
                    }
                },
                "multiselect" => {
                    label for=(id) { (label) }
                    @let chosen: Vec<&str> = value.as_array().map(|tags| tags.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
                    input type="hidden" name=(name) value="";
                    select id=(id) name=(name) multiple {
                        @for option in &options {
                            @let tag = option["value"].as_str().unwrap_or_default();
                            option value=(tag) selected[chosen.contains(&tag)] { (option["name"].as_str().unwrap_or(tag)) }
                        }
                    }
                },
                "textarea" => {
                    label for=(id) { (label) }
                    textarea id=(id) name=(name) rows="3" { (text) }
                },
                kind => {
                    label for=(id) { (label) }
                    @let (input_type, step) = match kind {
                        "integer" => ("number", Some("1")),
                        "decimal" => ("number", Some("any")),
                        "date" => ("date", None),
                        _ => ("text", None),
                    };
                    input type=(input_type) id=(id) name=(name) value=(text) step=[step];
                },
            }
            @if let Some(description) = described {
                small { (description) }
            }
        }
    }
}

/// The JSON value the API takes for field `field` from what the form sent under `key`; `None`
/// when the form did not send it (the property was not on the panel).
pub fn field_value(posted: &Posted, key: &str, field: &Value) -> Option<Value> {
    let name = control_name(key);
    let values = posted.all(&name);
    if values.is_empty() {
        return None;
    }
    let last = values.last().map(|value| value.trim()).unwrap_or_default();
    Some(match field["type"].as_str().unwrap_or("text") {
        // The hidden "false" comes first; a ticked box adds "true".
        "checkbox" => Value::Bool(last == "true"),
        "multiselect" => json!(
            values
                .iter()
                .map(|value| value.trim())
                .filter(|value| !value.is_empty())
                .collect::<Vec<_>>()
        ),
        _ if last.is_empty() => Value::Null,
        // Numbers go as typed: the API checks them and says what is wrong.
        "integer" => last
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(last)),
        "decimal" => last
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::from(last)),
        _ => Value::from(last),
    })
}

/// Space- or comma-separated tags as the API takes them.
pub fn tags(raw: &str) -> Value {
    json!(
        raw.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|tag| !tag.is_empty())
            .collect::<Vec<_>>()
    )
}

/// Follows `next_page` links from `path` for at most `pages` pages; answers the items under
/// `key` and whether more were left.
pub async fn pages(
    api: &super::Api,
    token: &str,
    path: &str,
    key: &str,
    pages: usize,
) -> Result<(Vec<Value>, bool), super::api::ApiFailure> {
    let mut items = Vec::new();
    let mut next = Some(path.to_string());
    for _ in 0..pages {
        let Some(path) = next.take() else {
            break;
        };
        let page = api.get(token, &path).await?;
        items.extend(page[key].as_array().cloned().unwrap_or_default());
        // next_page is an absolute URL on the desk's public address: keep its path.
        next = page["next_page"]
            .as_str()
            .and_then(|url| url.find("/api/v2/").map(|at| url[at..].to_string()));
    }
    Ok((items, next.is_some()))
}
