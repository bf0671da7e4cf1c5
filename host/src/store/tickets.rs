//! Tickets and their comments.
//!
//! A write is resolved (references checked, defaults filled: the requester's organization, a
//! subject from the first comment), decided by the trigger engine and saved, all inside one
//! [`Tx`](super::Tx): a refused write leaves nothing behind.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::fields::{tables, write_values};
use super::groups::group;
use super::identity::{find_or_create_customer, find_or_create_customer_by_phone};
use super::organizations::organization_exists;
use super::rows::{Bind, bind_all, parse_column, placeholders, tags_from_column, tags_to_column};
use super::users::user;
use super::{Conditions, ExportPage, ExportPosition, Listing, Page, Store, StoreError, now_millis};
use crate::domain::audit;
use crate::domain::ticket::{Via, ViaSource};
use crate::domain::{
    Audit, Channel, Comment, CommentDraft, CustomValues, FieldScope, Problems, Status, Ticket,
    TicketChanges, TicketDraft, Timestamp, User,
};

/// Which tickets a listing shows; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub requester_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub group_id: Option<i64>,
}

const TICKET_COLUMNS: &str = "id, subject, description, status, priority, type, channel, \
     requester_id, submitter_id, organization_id, assignee_id, group_id, queue, tags, custom_fields, \
     created_at, updated_at, via_source";

fn ticket_from_row(row: &sqlx::any::AnyRow) -> Result<Ticket, StoreError> {
    let status: String = row.try_get("status")?;
    let priority: Option<String> = row.try_get("priority")?;
    let ticket_type: Option<String> = row.try_get("type")?;
    let channel: String = row.try_get("channel")?;
    let tags: String = row.try_get("tags")?;
    let custom_fields: String = row.try_get("custom_fields")?;
    Ok(Ticket {
        id: row.try_get("id")?,
        subject: row.try_get("subject")?,
        description: row.try_get("description")?,
        status: parse_column(&status)?,
        priority: priority.as_deref().map(parse_column).transpose()?,
        ticket_type: ticket_type.as_deref().map(parse_column).transpose()?,
        channel: parse_column(&channel)?,
        via: Via {
            channel: parse_column(&channel)?,
            source: match row.try_get::<Option<String>, _>("via_source")? {
                Some(source) => serde_json::from_str(&source)
                    .map_err(|e| StoreError::Invalid(format!("a stored via source: {e}")))?,
                None => ViaSource::default(),
            },
        },
        requester_id: row.try_get("requester_id")?,
        submitter_id: row.try_get("submitter_id")?,
        organization_id: row.try_get("organization_id")?,
        assignee_id: row.try_get("assignee_id")?,
        group_id: row.try_get("group_id")?,
        queue: row.try_get("queue")?,
        tags: tags_from_column(&tags)?,
        custom_fields: serde_json::from_str(&custom_fields)
            .map_err(|e| StoreError::Invalid(format!("stored custom fields: {e}")))?,
        created_at: Timestamp(row.try_get("created_at")?),
        updated_at: Timestamp(row.try_get("updated_at")?),
    })
}

fn comment_from_row(row: &sqlx::any::AnyRow) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: row.try_get("id")?,
        ticket_id: row.try_get("ticket_id")?,
        author_id: row.try_get("author_id")?,
        body: row.try_get("body")?,
        public: row.try_get::<i64, _>("public")? != 0,
        created_at: Timestamp(row.try_get("created_at")?),
    })
}

/// A new ticket checked and resolved, not yet stored: the ticket, its first comment, and the
/// requester as found or created (the trigger engine shows it to plugins).
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub ticket: Ticket,
    pub comment: CommentDraft,
    pub requester: User,
}

/// A ticket write with everything the trigger cycle decided, committed in one transaction.
#[derive(Debug, Clone)]
pub struct TicketWrite {
    /// The ticket as it is to be stored; its row exists (a new ticket's was inserted when the
    /// write began, so its id is known to the triggers).
    pub ticket: Ticket,
    /// The ticket as the request left it, before the triggers: the audit tells the two apart.
    pub requested: Ticket,
    /// Whether the write created the ticket (its audit events are `Create`, not `Change`).
    pub created: bool,
    /// The comment the request brought.
    pub comment: Option<CommentDraft>,
    /// Internal notes added by triggers.
    pub notes: Vec<String>,
    /// Requester values set by triggers, by field id, as the field's type reads them.
    pub user_fields: Vec<(i64, crate::domain::FieldValue)>,
    /// Organization values set by triggers, by field id.
    pub organization_fields: Vec<(i64, crate::domain::FieldValue)>,
    /// Webhook deliveries the triggers fired: (webhook id, body), queued in the outbox.
    pub deliveries: Vec<(i64, String)>,
    /// Agent emails the triggers fired, queued in the notification outbox.
    pub notifications: Vec<super::QueuedNotification>,
    /// The audit rows.
    pub runs: Vec<crate::domain::rule_run::NewRuleRun>,
}

/// Longest subject made from a description.
const DERIVED_SUBJECT_CHARS: usize = 80;

/// Reads a ticket; `for_update` also locks its row until the transaction ends (PostgreSQL;
/// a SQLite write transaction already holds the database's write lock).
pub(super) async fn ticket(
    conn: &mut AnyConnection,
    id: i64,
    for_update: bool,
) -> Result<Ticket, StoreError> {
    let lock = if for_update && conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("ticket {id}")))?;
    ticket_from_row(&row)
}

/// The ticket a create draft describes (id 0), and its first comment. A requester named by
/// email or phone is found or created here, in the caller's transaction, so a write refused
/// later leaves no customer behind.
pub(super) async fn resolve_new_ticket(
    conn: &mut AnyConnection,
    draft: TicketDraft,
) -> Result<NewTicket, StoreError> {
    let changes = draft.validate()?;
    let mut problems = Problems::default();
    let first = changes.comment.clone().or_else(|| {
        let body = changes.description.clone()?;
        Some(CommentDraft {
            body,
            public: true,
            author_id: None,
        })
    });
    if first
        .as_ref()
        .is_some_and(|comment| comment.body.trim().is_empty())
    {
        problems.add("description", "must not be empty");
        return Err(problems.into());
    }
    let Some(comment) = first else {
        problems.add(
            "comment",
            "a new ticket needs its first comment: send description or comment.body",
        );
        return Err(problems.into());
    };
    let requester = match (&changes.requester_id, &changes.requester) {
        (Some(id), _) => match user(&mut *conn, *id).await {
            Ok(user) => Some(user),
            Err(StoreError::NotFound { .. }) => {
                problems.add("requester_id", format!("there is no user {id}"));
                None
            }
            Err(other) => return Err(other),
        },
        (None, Some(requester)) => {
            let name = requester.name.as_deref();
            let found = match (&requester.email, &requester.phone) {
                (Some(email), _) => find_or_create_customer(&mut *conn, email, name).await,
                (None, Some(phone)) => {
                    find_or_create_customer_by_phone(&mut *conn, phone, name).await
                }
                // TicketDraft::validate refuses a requester with neither.
                (None, None) => Err(StoreError::rejected("requester", "needs email or phone")),
            };
            match found {
                Ok(user) => Some(user),
                Err(StoreError::Rejected(errors)) => {
                    problems.absorb("requester.", errors);
                    None
                }
                Err(other) => return Err(other),
            }
        }
        (None, None) => {
            problems.add(
                "requester_id",
                "is required (or requester with an email or phone)",
            );
            None
        }
    };
    let submitter = match changes.submitter_id {
        Some(id) => match user(&mut *conn, id).await {
            Ok(_) => Some(id),
            Err(StoreError::NotFound { .. }) => {
                problems.add("submitter_id", format!("there is no user {id}"));
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    let now = Timestamp(now_millis());
    let subject = match &changes.subject {
        Some(subject) if !subject.is_empty() => subject.clone(),
        _ => derived_subject(&comment.body),
    };
    let mut ticket = Ticket {
        id: 0,
        subject,
        description: comment.body.clone(),
        status: Status::New,
        priority: None,
        ticket_type: None,
        channel: changes.channel.unwrap_or(Channel::Api),
        via: Via {
            channel: changes.channel.unwrap_or(Channel::Api),
            source: changes.via_source.clone().unwrap_or_default(),
        },
        requester_id: requester.as_ref().map(|user| user.id).unwrap_or_default(),
        submitter_id: submitter,
        organization_id: requester.as_ref().and_then(|user| user.organization_id),
        assignee_id: None,
        group_id: None,
        queue: None,
        tags: Vec::new(),
        custom_fields: CustomValues::new(),
        created_at: now,
        updated_at: now,
    };
    check_author(&mut *conn, &comment, &mut problems).await?;
    if ticket.submitter_id.is_none() {
        ticket.submitter_id = comment.author_id.or(Some(ticket.requester_id));
    }
    apply_changes(conn, &mut ticket, changes, &mut problems).await?;
    let comment = CommentDraft {
        author_id: comment.author_id.or(Some(ticket.requester_id)),
        ..comment
    };
    match requester {
        Some(requester) if problems.is_empty() => Ok(NewTicket {
            ticket,
            comment,
            requester,
        }),
        // Every way to have no requester added a problem.
        _ => Err(problems.into()),
    }
}

/// `current` with a draft's changes applied and checked, and the comment to add.
pub(super) async fn resolve_ticket_update(
    conn: &mut AnyConnection,
    current: &Ticket,
    draft: TicketDraft,
) -> Result<(Ticket, Option<CommentDraft>), StoreError> {
    let changes = draft.validate()?;
    // Zendesk's safe update compares at its timestamps' precision, whole seconds.
    if let Some(stamp) = changes.updated_stamp
        && stamp.0.div_euclid(1000) != current.updated_at.0.div_euclid(1000)
    {
        return Err(StoreError::Stale(format!(
            "ticket {} was updated at {} after the updated_stamp {}: read it again and retry",
            current.id,
            current.updated_at.rfc3339(),
            stamp.rfc3339()
        )));
    }
    let mut problems = Problems::default();
    if changes.requester.is_some() {
        problems.add("requester", "set requester_id to change the requester");
    }
    if changes
        .submitter_id
        .is_some_and(|id| Some(id) != current.submitter_id)
    {
        problems.add(
            "submitter_id",
            "is set when the ticket is created and cannot change",
        );
    }
    if changes
        .channel
        .is_some_and(|channel| channel != current.channel)
    {
        problems.add("channel", "a ticket's channel cannot change");
    }
    if let Some(id) = changes.requester_id
        && let Err(StoreError::NotFound { .. }) = user(&mut *conn, id).await
    {
        problems.add("requester_id", format!("there is no user {id}"));
    }
    let comment = changes.comment.clone();
    if let Some(comment) = &comment {
        check_author(&mut *conn, comment, &mut problems).await?;
    }
    let mut ticket = current.clone();
    ticket.updated_at = Timestamp(now_millis());
    if let Some(id) = changes.requester_id {
        ticket.requester_id = id;
    }
    apply_changes(conn, &mut ticket, changes, &mut problems).await?;
    problems.into_result((ticket, comment)).map_err(Into::into)
}

/// A comment's author, when named, must be a user.
async fn check_author(
    conn: &mut AnyConnection,
    comment: &CommentDraft,
    problems: &mut Problems,
) -> Result<(), StoreError> {
    if let Some(id) = comment.author_id {
        match user(conn, id).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => {
                problems.add("comment.author_id", format!("there is no user {id}"))
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// Applies the plain attributes of `changes` to `ticket`, checking what they refer to.
async fn apply_changes(
    conn: &mut AnyConnection,
    ticket: &mut Ticket,
    changes: TicketChanges,
    problems: &mut Problems,
) -> Result<(), StoreError> {
    if let Some(subject) = changes.subject.filter(|subject| !subject.is_empty()) {
        ticket.subject = subject;
    }
    if let Some(status) = changes.status {
        ticket.status = status;
    }
    if let Some(priority) = changes.priority {
        ticket.priority = priority;
    }
    if let Some(ticket_type) = changes.ticket_type {
        ticket.ticket_type = ticket_type;
    }
    if let Some(organization_id) = changes.organization_id {
        if let Some(id) = organization_id
            && !organization_exists(&mut *conn, id).await?
        {
            problems.add("organization_id", format!("there is no organization {id}"));
        }
        ticket.organization_id = organization_id;
    }
    if let Some(assignee_id) = changes.assignee_id {
        if let Some(id) = assignee_id {
            match user(&mut *conn, id).await {
                Ok(user) if !user.role.is_staff() => problems.add(
                    "assignee_id",
                    format!("user {id} is an end-user; tickets are assigned to agents"),
                ),
                Ok(_) => {}
                Err(StoreError::NotFound { .. }) => {
                    problems.add("assignee_id", format!("there is no user {id}"))
                }
                Err(other) => return Err(other),
            }
        }
        ticket.assignee_id = assignee_id;
    }
    if let Some(group_id) = changes.group_id {
        if let Some(id) = group_id {
            match group(&mut *conn, id).await {
                Ok(_) => {}
                Err(StoreError::NotFound { .. }) => {
                    problems.add("group_id", format!("there is no group {id}"))
                }
                Err(other) => return Err(other),
            }
        }
        ticket.group_id = group_id;
    }
    if let Some(queue) = changes.queue {
        ticket.queue = queue;
    }
    if let Some(tags) = changes.tags {
        ticket.tags = tags;
    }
    if let Some(input) = changes.custom_fields {
        let fields = super::fields::fields(&mut *conn, FieldScope::Ticket).await?;
        match input.read(&fields) {
            Ok(values) => {
                for (key, value) in values {
                    match value {
                        Some(value) => ticket.custom_fields.insert(key, value),
                        None => ticket.custom_fields.remove(&key),
                    };
                }
            }
            Err(errors) => problems.absorb("", errors),
        }
    }
    Ok(())
}

/// Stores a ticket write whose ticket row exists (inserted at the start of a create, locked at
/// the start of an update): the decided ticket, its comment, the triggers' notes and field
/// values, and the audit rows. Returns the stored ticket. `stored` is the row as it is now; an
/// unchanged row is not rewritten.
pub(super) async fn save_ticket(
    conn: &mut AnyConnection,
    write: TicketWrite,
    stored: &Ticket,
) -> Result<(Ticket, Audit), StoreError> {
    let id = write.ticket.id;
    let audit = audit::draft(
        (!write.created).then_some(stored),
        &write.requested,
        write.comment.as_ref(),
        &write.notes,
        &write.ticket,
        &write.runs,
    );
    if write.ticket != *stored {
        update_ticket_row(&mut *conn, &write.ticket).await?;
    }
    if let Some(comment) = &write.comment {
        insert_comment(&mut *conn, id, comment).await?;
    }
    super::webhooks::queue_deliveries(&mut *conn, id, &write.deliveries).await?;
    super::notifications::queue_notifications(&mut *conn, id, &write.notifications).await?;
    for note in &write.notes {
        let note = CommentDraft {
            body: note.clone(),
            public: false,
            author_id: None,
        };
        insert_comment(&mut *conn, id, &note).await?;
    }
    if !write.user_fields.is_empty() {
        let values = write
            .user_fields
            .iter()
            .map(|(field, value)| (*field, Some(value.clone())))
            .collect();
        write_values(
            &mut *conn,
            &tables(FieldScope::User),
            write.ticket.requester_id,
            &values,
        )
        .await?;
    }
    if let (Some(organization), false) = (
        write.ticket.organization_id,
        write.organization_fields.is_empty(),
    ) {
        let values = write
            .organization_fields
            .iter()
            .map(|(field, value)| (*field, Some(value.clone())))
            .collect();
        write_values(
            &mut *conn,
            &tables(FieldScope::Organization),
            organization,
            &values,
        )
        .await?;
    }
    super::rule_runs::insert_runs(&mut *conn, id, &write.runs).await?;
    let audit = super::audits::insert_audit(&mut *conn, id, audit, write.ticket.updated_at).await?;
    // The row holds exactly what was written: no need to read it back.
    Ok((write.ticket, audit))
}

impl Store {
    /// The ids of the `limit` newest tickets, newest first.
    pub async fn recent_ticket_ids(&self, limit: i64) -> Result<Vec<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT id FROM tickets ORDER BY id DESC LIMIT $1")
                .bind(limit.max(0))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn ticket(&self, id: i64) -> Result<Ticket, StoreError> {
        ticket(&mut *self.conn().await?, id, false).await
    }

    /// The tickets with these ids, in id order; unknown ids are left out.
    pub async fn tickets_by_ids(&self, ids: &[i64]) -> Result<Vec<Ticket>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id IN ({}) ORDER BY id",
            placeholders(1, ids.len())
        );
        let binds: Vec<Bind> = ids.iter().map(|id| Bind::Int(*id)).collect();
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ticket_from_row).collect()
    }

    /// Up to `limit` tickets changed after `after` and before `settled` (ms), in the order they
    /// last changed.
    pub async fn tickets_since(
        &self,
        after: ExportPosition,
        settled: i64,
        limit: i64,
    ) -> Result<ExportPage<Ticket>, StoreError> {
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE {} AND updated_at < $3 \
             ORDER BY updated_at, id LIMIT $4",
            ExportPosition::after_sql(1)
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after.updated_at)
            .bind(after.id)
            .bind(settled)
            .bind(limit + 1)
            .fetch_all(&self.pool)
            .await?;
        let tickets = rows.iter().map(ticket_from_row).collect::<Result<_, _>>()?;
        Ok(ExportPage::from_overfetch(
            tickets,
            limit,
            after,
            |t: &Ticket| ExportPosition {
                updated_at: t.updated_at.0,
                id: t.id,
            },
        ))
    }

    /// Tickets in id order matching every filter given.
    pub async fn list_tickets(
        &self,
        filter: &TicketFilter,
        page: Page,
    ) -> Result<Listing<Ticket>, StoreError> {
        let mut conditions = Conditions::default();
        if let Some(status) = filter.status {
            conditions.add("status =", Bind::Text(status.name().into()));
        }
        for (column, value) in [
            ("requester_id =", filter.requester_id),
            ("organization_id =", filter.organization_id),
            ("assignee_id =", filter.assignee_id),
            ("group_id =", filter.group_id),
        ] {
            if let Some(value) = value {
                conditions.add(column, Bind::Int(value));
            }
        }
        self.filtered_page(
            "tickets",
            TICKET_COLUMNS,
            conditions,
            page,
            ticket_from_row,
            |ticket| ticket.id,
        )
        .await
    }

    /// A ticket's comments, oldest first.
    pub async fn comments(
        &self,
        ticket_id: i64,
        page: Page,
    ) -> Result<Listing<Comment>, StoreError> {
        self.ticket(ticket_id).await?;
        let rows = sqlx::query(
            "SELECT id, ticket_id, author_id, body, public, created_at FROM ticket_comments \
             WHERE ticket_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(ticket_id)
        .bind(page.after.unwrap_or(0))
        .bind(page.size + 1)
        .fetch_all(&self.pool)
        .await?;
        let comments = rows
            .iter()
            .map(comment_from_row)
            .collect::<Result<_, _>>()?;
        let count = self
            .count("ticket_comments", "ticket_id = $1", &[Bind::Int(ticket_id)])
            .await?;
        Ok(Listing::from_overfetch(comments, page, count, |comment| {
            comment.id
        }))
    }

    /// Creates a ticket with its first comment, without running triggers (the trigger engine's
    /// `Rules::create_ticket` is the API's write). The requester is named by id, or by email or
    /// phone (then found or created like a first contact); the organization defaults to the
    /// requester's. All in one transaction.
    pub async fn create_ticket(&self, draft: TicketDraft) -> Result<Ticket, StoreError> {
        let mut tx = self.begin_write().await?;
        let new = tx.resolve_new_ticket(draft).await?;
        let mut ticket = new.ticket;
        ticket.id = tx.insert_ticket(&ticket).await?;
        let saved = tx
            .save_ticket(
                TicketWrite::plain(ticket.clone(), Some(new.comment), true),
                &ticket,
            )
            .await?
            .0;
        tx.commit().await?;
        Ok(saved)
    }

    /// Changes the attributes present in `draft` and adds its comment, if any, without running
    /// triggers; under the ticket's lock.
    pub async fn update_ticket(&self, id: i64, draft: TicketDraft) -> Result<Ticket, StoreError> {
        let mut tx = self.begin_write().await?;
        let current = tx.ticket_for_update(id).await?;
        let (ticket, comment) = tx.resolve_ticket_update(&current, draft).await?;
        let saved = tx
            .save_ticket(TicketWrite::plain(ticket, comment, false), &current)
            .await?
            .0;
        tx.commit().await?;
        Ok(saved)
    }
}

impl TicketWrite {
    /// A write with no trigger decisions in it.
    pub fn plain(ticket: Ticket, comment: Option<CommentDraft>, created: bool) -> TicketWrite {
        TicketWrite {
            requested: ticket.clone(),
            created,
            ticket,
            comment,
            notes: Vec::new(),
            user_fields: Vec::new(),
            organization_fields: Vec::new(),
            deliveries: Vec::new(),
            notifications: Vec::new(),
            runs: Vec::new(),
        }
    }
}

/// The first line of a description, shortened: tickets by email or API often have no subject.
fn derived_subject(description: &str) -> String {
    let line = description
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let mut subject: String = line.trim().chars().take(DERIVED_SUBJECT_CHARS).collect();
    if line.trim().chars().count() > DERIVED_SUBJECT_CHARS {
        subject.push('…');
    }
    subject
}

/// Inserts a resolved new ticket; returns its id.
pub(super) async fn insert_ticket(
    conn: &mut AnyConnection,
    ticket: &Ticket,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO tickets (subject, description, status, priority, type, channel, requester_id, \
         organization_id, assignee_id, group_id, queue, tags, custom_fields, created_at, updated_at, \
         submitter_id, via_source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16) \
         RETURNING id",
    )
    .bind(&ticket.subject)
    .bind(&ticket.description)
    .bind(ticket.status.name())
    .bind(ticket.priority.map(|p| p.name()))
    .bind(ticket.ticket_type.map(|t| t.name()))
    .bind(ticket.channel.name())
    .bind(ticket.requester_id)
    .bind(ticket.organization_id)
    .bind(ticket.assignee_id)
    .bind(ticket.group_id)
    .bind(&ticket.queue)
    .bind(tags_to_column(&ticket.tags))
    .bind(custom_fields_column(&ticket.custom_fields))
    .bind(ticket.created_at.0)
    .bind(ticket.submitter_id)
    .bind(
        (ticket.via.source != ViaSource::default())
            .then(|| serde_json::to_string(&ticket.via.source).unwrap_or_default()),
    )
    .fetch_one(conn)
    .await?)
}

/// Writes every attribute of a resolved, existing ticket.
pub(super) async fn update_ticket_row(
    conn: &mut AnyConnection,
    ticket: &Ticket,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tickets SET subject = $1, status = $2, priority = $3, type = $4, requester_id = $5, \
         organization_id = $6, assignee_id = $7, group_id = $8, queue = $9, tags = $10, \
         custom_fields = $11, updated_at = $12 WHERE id = $13",
    )
    .bind(&ticket.subject)
    .bind(ticket.status.name())
    .bind(ticket.priority.map(|p| p.name()))
    .bind(ticket.ticket_type.map(|t| t.name()))
    .bind(ticket.requester_id)
    .bind(ticket.organization_id)
    .bind(ticket.assignee_id)
    .bind(ticket.group_id)
    .bind(&ticket.queue)
    .bind(tags_to_column(&ticket.tags))
    .bind(custom_fields_column(&ticket.custom_fields))
    .bind(ticket.updated_at.0)
    .bind(ticket.id)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn insert_comment(
    conn: &mut AnyConnection,
    ticket_id: i64,
    comment: &CommentDraft,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ticket_comments (ticket_id, author_id, body, public, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(ticket_id)
    .bind(comment.author_id)
    .bind(&comment.body)
    .bind(i64::from(comment.public))
    .bind(now_millis())
    .fetch_one(conn)
    .await?)
}

fn custom_fields_column(values: &CustomValues) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "{}".into())
}
