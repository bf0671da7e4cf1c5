//! Tickets, their comments, and the attributes with a fixed set of values.

use serde::{Deserialize, Serialize};

use super::contact::read_tags;
use super::problems::{Problems, double_option};
use super::{CustomValues, Timestamp, named_enum};

named_enum! {
    /// How urgent a ticket is.
    pub enum Priority ("priority") { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
}

named_enum! {
    /// Where a ticket is in its lifecycle.
    pub enum Status ("status") {
        New => "new", Open => "open", Pending => "pending", Hold => "hold", Solved => "solved", Closed => "closed",
    }
}

named_enum! {
    /// What kind of request a ticket is.
    pub enum TicketType ("ticket type") {
        Question => "question", Incident => "incident", Problem => "problem", Task => "task",
    }
}

named_enum! {
    /// How a ticket reached the desk.
    pub enum Channel ("channel") {
        Email => "email", Web => "web", Api => "api", Portal => "portal", Voice => "voice", Chat => "chat",
    }
}

/// Longest subject accepted, in characters.
pub const MAX_SUBJECT_CHARS: usize = 500;
/// Longest comment accepted, in bytes.
pub const MAX_COMMENT_BYTES: usize = 256 * 1024;

/// How a ticket came in, as Zendesk shows it: `{"channel": "email", "source": {"from":
/// {"address": "ada@example.com", "name": "Ada"}, "to": {"address": "support@desk.example"},
/// "rel": null}}`. The intake channels fill the source; API tickets have empty ends.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Via {
    pub channel: Channel,
    pub source: ViaSource,
}

/// Both ends of the way a ticket came in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ViaSource {
    /// Who wrote or called: an email's sender, a caller's number.
    #[serde(default)]
    pub from: ViaParty,
    /// Where to: the support address written to, the number called.
    #[serde(default)]
    pub to: ViaParty,
    /// Zendesk's relation of the source (unused: always null).
    #[serde(default, skip_deserializing)]
    pub rel: Option<String>,
}

/// One end: an address (or number) and a name, when known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ViaParty {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Via {
    pub fn of(channel: Channel) -> Via {
        Via {
            channel,
            source: ViaSource::default(),
        }
    }
}

/// A ticket as stored and shown (Zendesk's ticket object).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: i64,
    pub subject: String,
    /// The first comment's text.
    pub description: String,
    pub status: Status,
    pub priority: Option<Priority>,
    #[serde(rename = "type")]
    pub ticket_type: Option<TicketType>,
    pub channel: Channel,
    /// How the ticket came in, in Zendesk's shape.
    pub via: Via,
    pub requester_id: i64,
    /// Who submitted it: the request's `submitter_id`, else the comment's author, else the
    /// token's owner, else the requester.
    pub submitter_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
    /// The call queue a voice ticket waits in.
    pub queue: Option<String>,
    pub tags: Vec<String>,
    /// Ticket values set by clients and plugins, by field key, tagged by kind
    /// (`{"option": "gold"}`), as triggers see them. The API shows them as Zendesk's list
    /// ([`custom_field_list`]), which needs the field definitions.
    #[serde(skip)]
    #[schema(ignore)]
    pub custom_fields: CustomValues,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A comment on a ticket: public (the customer sees it) or an internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub public: bool,
    pub created_at: Timestamp,
}

/// A comment as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentDraft {
    pub body: String,
    #[serde(default = "public_by_default")]
    pub public: bool,
    #[serde(default)]
    pub author_id: Option<i64>,
}

fn public_by_default() -> bool {
    true
}

/// Who asks, when the client names them by email or phone instead of id (found or created;
/// one of the two is required, the email wins when both are sent).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterDraft {
    /// Found by this address, or created with it (and their organization, by domain).
    #[serde(default)]
    pub email: Option<String>,
    /// Found by this number (any common notation with a country code, stored as E.164), or
    /// created with it; used when no email is given.
    #[serde(default)]
    pub phone: Option<String>,
    /// The new customer's name (default: the address's local part, or the number).
    #[serde(default)]
    pub name: Option<String>,
}

/// One ticket field's value as Zendesk lists it: the field's id and the plain value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomFieldValue {
    pub id: i64,
    /// Plain, as the field's type reads it: `"A-1"`, `42`, `true`, `["a", "b"]`; `null` when
    /// unset.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// Ticket custom values as a client sends them: Zendesk's list of `{"id", "value"}`, or an
/// object by field key. Values are plain and read by each field's type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub enum CustomFieldsInput {
    List(Vec<CustomFieldValue>),
    ByKey(serde_json::Map<String, serde_json::Value>),
}

impl TryFrom<serde_json::Value> for CustomFieldsInput {
    type Error = String;

    fn try_from(raw: serde_json::Value) -> Result<Self, String> {
        const SHAPE: &str =
            "send [{\"id\": 7, \"value\": \"A-1\"}, ...] or {\"order_id\": \"A-1\"}";
        match raw {
            serde_json::Value::Array(_) => serde_json::from_value(raw)
                .map(CustomFieldsInput::List)
                .map_err(|e| format!("{e}; {SHAPE}")),
            serde_json::Value::Object(values) => Ok(CustomFieldsInput::ByKey(values)),
            other => Err(format!("{other} is neither a list nor an object; {SHAPE}")),
        }
    }
}

impl CustomFieldsInput {
    /// Reads the values against the ticket `fields`: an unknown id or key, an inactive field
    /// and a value that does not fit are all reported, keyed `custom_fields.ID_OR_KEY`.
    pub fn read(
        self,
        fields: &[super::Field],
    ) -> Result<std::collections::BTreeMap<String, Option<super::FieldValue>>, Problems> {
        let mut problems = Problems::default();
        let by_key = match self {
            CustomFieldsInput::ByKey(values) => values,
            CustomFieldsInput::List(entries) => {
                let mut values = serde_json::Map::new();
                for entry in entries {
                    match fields.iter().find(|field| field.id == entry.id) {
                        Some(field) => {
                            values.insert(field.definition.key.clone(), entry.value);
                        }
                        None => problems.add(
                            &format!("custom_fields.{}", entry.id),
                            format!(
                                "there is no ticket field {}; see /api/v2/ticket_fields",
                                entry.id
                            ),
                        ),
                    }
                }
                values
            }
        };
        let definitions: Vec<_> = fields.iter().map(|f| f.definition.clone()).collect();
        let values = super::read_values(&definitions, &by_key)
            .map_err(|errors| problems.absorb("custom_fields.", errors))
            .ok();
        match values {
            Some(values) if problems.is_empty() => Ok(values),
            _ => Err(problems),
        }
    }
}

/// Every ticket field with the ticket's value (`null` when unset), in the fields' order: the
/// `custom_fields` list Zendesk clients read. Values of deleted fields are not shown.
pub fn custom_field_list(values: &CustomValues, fields: &[super::Field]) -> Vec<CustomFieldValue> {
    fields
        .iter()
        .map(|field| CustomFieldValue {
            id: field.id,
            value: values
                .get(&field.definition.key)
                .map(super::FieldValue::to_plain)
                .unwrap_or(serde_json::Value::Null),
        })
        .collect()
}

/// A ticket as a client sends it to create or update one; `null` clears.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketDraft {
    #[serde(default)]
    pub subject: Option<String>,
    /// On create, the first comment; on update, a comment to add.
    #[serde(default)]
    pub comment: Option<CommentDraft>,
    /// The first comment's text: on create without `comment`, the first comment (public, by the
    /// requester); otherwise ignored, as Zendesk does (it cannot change).
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Status>)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Priority>)]
    pub priority: Option<Option<String>>,
    #[serde(default, rename = "type", deserialize_with = "double_option")]
    #[schema(value_type = Option<TicketType>)]
    pub ticket_type: Option<Option<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    #[serde(default)]
    pub requester_id: Option<i64>,
    /// On create, who submitted the ticket (default: the comment's author, else the token's
    /// owner, else the requester); it cannot change later.
    #[serde(default)]
    pub submitter_id: Option<i64>,
    /// Instead of `requester_id`: who asks, by email or phone (found or created), e.g.
    /// `{"phone": "+4930123456", "name": "Ada"}`.
    #[serde(default)]
    pub requester: Option<RequesterDraft>,
    #[serde(default, deserialize_with = "double_option")]
    pub organization_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub group_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    pub queue: Option<Option<String>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Values of ticket fields (`/api/v2/ticket_fields`), as Zendesk's list
    /// `[{"id": 7, "value": "A-1"}]` or by key `{"order_id": "A-1"}`; `null` clears one.
    /// (`fields` is Zendesk's other name for it.)
    #[serde(default, alias = "fields")]
    #[schema(value_type = Option<Vec<CustomFieldValue>>)]
    pub custom_fields: Option<CustomFieldsInput>,
    #[serde(default, rename = "id")]
    #[schema(ignore)]
    _id: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "url")]
    #[schema(ignore)]
    _url: Option<serde::de::IgnoredAny>,
    /// Read-only, as at Zendesk: a ticket sent back whole carries it.
    #[serde(default, rename = "via")]
    #[schema(ignore)]
    _via: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<serde::de::IgnoredAny>,
    /// On update, Zendesk's optimistic check: with `updated_stamp` (the `updated_at` the client
    /// last read), the update is refused with 409 when the ticket changed since.
    #[serde(default)]
    pub safe_update: Option<bool>,
    /// Set by the intake channels, never read from a client: where the ticket came from.
    #[serde(skip)]
    #[schema(ignore)]
    pub via_source: Option<ViaSource>,
    /// The ticket's `updated_at` as the client last read it (with `safe_update`).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_stamp: Option<String>,
}

/// A [`TicketDraft`] checked and normalised. References (requester, assignee, group) are checked
/// by the store, which knows what exists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketChanges {
    pub subject: Option<String>,
    pub comment: Option<CommentDraft>,
    /// On create without `comment`, the first comment's text; otherwise ignored.
    pub description: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Option<Priority>>,
    pub ticket_type: Option<Option<TicketType>>,
    pub channel: Option<Channel>,
    pub requester_id: Option<i64>,
    pub submitter_id: Option<i64>,
    pub requester: Option<RequesterDraft>,
    pub organization_id: Option<Option<i64>>,
    pub assignee_id: Option<Option<i64>>,
    pub group_id: Option<Option<i64>>,
    pub queue: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// Read against the ticket fields by the store, which knows them.
    pub custom_fields: Option<CustomFieldsInput>,
    /// With `safe_update`: the `updated_at` the client last read.
    pub updated_stamp: Option<super::Timestamp>,
    /// Where the ticket came from, as its intake channel knows it.
    pub via_source: Option<ViaSource>,
}

fn parse_named<T: std::str::FromStr<Err = super::UnknownName>>(
    key: &str,
    raw: Option<&str>,
    problems: &mut Problems,
) -> Option<T> {
    match raw.map(str::parse::<T>) {
        Some(Ok(value)) => Some(value),
        Some(Err(error)) => {
            problems.add(key, error.to_string());
            None
        }
        None => None,
    }
}

impl TicketDraft {
    /// Checks and normalises every attribute; all problems are reported together.
    pub fn validate(self) -> Result<TicketChanges, Problems> {
        let mut problems = Problems::default();
        let subject = self.subject.map(|subject| subject.trim().to_string());
        if subject
            .as_ref()
            .is_some_and(|subject| subject.chars().count() > MAX_SUBJECT_CHARS)
        {
            problems.add(
                "subject",
                format!("must be at most {MAX_SUBJECT_CHARS} characters"),
            );
        }
        // Zendesk's reading: `comment` is the comment a write adds; `description` is the first
        // comment's text, taken on create when there is no `comment` and otherwise ignored
        // (a client that sends a ticket back whole adds no comment).
        let comment = self.comment;
        if let Some(comment) = &comment {
            if comment.body.trim().is_empty() {
                problems.add("comment.body", "must not be empty");
            } else if comment.body.len() > MAX_COMMENT_BYTES {
                problems.add(
                    "comment.body",
                    format!("must be at most {} KiB", MAX_COMMENT_BYTES / 1024),
                );
            }
        }
        if self
            .description
            .as_ref()
            .is_some_and(|description| description.len() > MAX_COMMENT_BYTES)
        {
            problems.add(
                "description",
                format!("must be at most {} KiB", MAX_COMMENT_BYTES / 1024),
            );
        }
        let status = parse_named("status", self.status.as_deref(), &mut problems);
        let priority = self
            .priority
            .map(|raw| parse_named("priority", raw.as_deref(), &mut problems));
        let ticket_type = self
            .ticket_type
            .map(|raw| parse_named("type", raw.as_deref(), &mut problems));
        let channel = parse_named("channel", self.channel.as_deref(), &mut problems);
        if self.requester_id.is_some() && self.requester.is_some() {
            problems.add(
                "requester",
                "send either requester_id or requester, not both",
            );
        }
        if let Some(requester) = &self.requester
            && requester.email.is_none()
            && requester.phone.is_none()
        {
            problems.add(
                "requester",
                "name the requester by email or phone: {\"email\": \"ada@example.com\"}",
            );
        }
        let tags = read_tags(self.tags.as_deref(), &mut problems);
        let queue = self.queue.map(|queue| {
            queue
                .map(|queue| queue.trim().to_string())
                .filter(|queue| !queue.is_empty())
        });
        let updated_stamp = match (self.safe_update, self.updated_stamp.as_deref()) {
            (Some(true), Some(raw)) => match super::Timestamp::parse_rfc3339(raw) {
                Ok(stamp) => Some(stamp),
                Err(reason) => {
                    problems.add("updated_stamp", reason);
                    None
                }
            },
            (Some(true), None) => {
                problems.add(
                    "updated_stamp",
                    "is required with safe_update: send the updated_at you last read",
                );
                None
            }
            _ => None,
        };
        let custom_fields = self.custom_fields;
        problems.into_result(TicketChanges {
            subject,
            comment,
            description: self.description,
            status,
            priority,
            ticket_type,
            channel,
            requester_id: self.requester_id,
            submitter_id: self.submitter_id,
            requester: self.requester,
            organization_id: self.organization_id,
            assignee_id: self.assignee_id,
            group_id: self.group_id,
            queue,
            tags,
            custom_fields,
            updated_stamp,
            via_source: self.via_source,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_bad_attribute_is_reported() {
        let draft: TicketDraft = serde_json::from_value(json!({
            "subject": "Help", "comment": {"body": " "}, "status": "done", "priority": "highest",
            "type": "bug", "channel": "fax", "tags": ["a b"],
        }))
        .unwrap();
        let problems = draft.validate().unwrap_err();
        let keys: Vec<&str> = problems.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "channel",
                "comment.body",
                "priority",
                "status",
                "tags",
                "type"
            ]
        );
        assert!(problems.0["priority"][0].contains("low, normal, high, urgent"));
    }

    #[test]
    fn null_clears_and_absent_keeps() {
        let draft: TicketDraft =
            serde_json::from_value(json!({"priority": null, "description": "It broke"})).unwrap();
        let changes = draft.validate().unwrap();
        assert_eq!(changes.priority, Some(None));
        assert_eq!(changes.assignee_id, None);
        assert_eq!(changes.description.as_deref(), Some("It broke"));
        assert_eq!(
            changes.comment, None,
            "the store decides what a description means"
        );
    }
}
