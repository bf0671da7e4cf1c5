//! API tokens: who may call the API, and as what.

use serde::{Deserialize, Serialize};

use super::{Timestamp, named_enum};

named_enum! {
    /// What a token may do: agents work tickets, users and organizations; admins also define
    /// fields, manage plugins, settings and tokens; a metrics token only reads `/metrics`
    /// (for a Prometheus scraper, when the server is not bound to loopback); an intake token
    /// only submits to the intake channels (`/api/v2/channels/...`, for a mail relay).
    pub enum TokenRole ("token role") {
        Admin => "admin", Agent => "agent", Metrics => "metrics", Intake => "intake",
    }
}

/// A token as listed: the secret itself is shown once, at creation, and stored only hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: TokenRole,
    /// The agent or admin the token belongs to. Only an owned token works with Zendesk's
    /// Basic authentication (`{owner_email}/token` as the user name, the token as password).
    pub owner_id: Option<i64>,
    pub owner_email: Option<String>,
    /// Whether the owner is (still) an agent or admin: a demoted owner's token stops working.
    #[serde(skip)]
    #[schema(ignore)]
    pub owner_is_staff: bool,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A token to create.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenDraft {
    pub name: String,
    pub role: TokenRole,
    /// The agent or admin the token belongs to; needed for Basic authentication.
    #[serde(default)]
    pub owner_id: Option<i64>,
}
