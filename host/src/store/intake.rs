//! What the intake channels keep beside the ticket write: the Message-IDs taken in (threading
//! and de-duplication) and inbound attachments, written in the ticket write's transaction.

use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};

use super::identity::find_or_create_customer;
use super::rows::{Bind, bind_all, placeholders};
use super::{Store, StoreError, Tx, conflict_or, now_millis};
use crate::domain::{Timestamp, User};

/// A file that came with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A stored attachment, without its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub created_at: Timestamp,
}

impl Tx {
    /// The ticket the first of `message_ids` that the desk knows belongs to.
    pub async fn ticket_of_messages(
        &mut self,
        message_ids: &[String],
    ) -> Result<Option<i64>, StoreError> {
        if message_ids.is_empty() {
            return Ok(None);
        }
        let binds: Vec<Bind> = message_ids.iter().cloned().map(Bind::Text).collect();
        let sql = format!(
            "SELECT message_id, ticket_id FROM email_messages WHERE message_id IN ({})",
            placeholders(1, binds.len())
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&mut *self.turn)
            .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            found.push((row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?));
        }
        Ok(message_ids.iter().find_map(|id| {
            found
                .iter()
                .find(|(message_id, _)| message_id == id)
                .map(|(_, ticket)| *ticket)
        }))
    }

    /// Notes that `message_id` was taken into `ticket_id`. A message taken already is a
    /// conflict (the same mail delivered twice at once): the caller rolls back.
    pub async fn record_message(
        &mut self,
        message_id: &str,
        ticket_id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO email_messages (message_id, ticket_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(message_id)
        .bind(ticket_id)
        .bind(now_millis())
        .execute(&mut *self.turn)
        .await
        .map_err(|error| conflict_or(error, &[("email_messages", "this message")]))?;
        Ok(())
    }

    /// Stores an attachment of `ticket_id` with its size and SHA-256.
    pub async fn store_attachment(
        &mut self,
        ticket_id: i64,
        attachment: &NewAttachment,
    ) -> Result<i64, StoreError> {
        let digest = Sha256::digest(&attachment.content);
        let sha256: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attachments (ticket_id, file_name, content_type, size, sha256, content, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(ticket_id)
        .bind(&attachment.file_name)
        .bind(&attachment.content_type)
        .bind(attachment.content.len() as i64)
        .bind(sha256)
        .bind(attachment.content.clone())
        .bind(now_millis())
        .fetch_one(&mut *self.turn)
        .await?;
        Ok(id)
    }

    /// The ticket a chat conversation opened, if it has one.
    pub async fn ticket_of_conversation(
        &mut self,
        conversation_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT ticket_id FROM chat_conversations WHERE conversation_id = $1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *self.turn)
        .await?)
    }

    /// Notes that a conversation opened `ticket_id`; a conversation opened already (by a
    /// message arriving at the same time) is a conflict, and the caller rolls back.
    pub async fn record_conversation(
        &mut self,
        conversation_id: &str,
        ticket_id: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO chat_conversations (conversation_id, ticket_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(conversation_id)
        .bind(ticket_id)
        .bind(now_millis())
        .execute(&mut *self.turn)
        .await
        .map_err(|error| conflict_or(error, &[("chat_conversations", "this conversation")]))?;
        Ok(())
    }

    /// The ticket a call opened, if it was taken in before.
    pub async fn ticket_of_call(&mut self, call_id: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT ticket_id FROM voice_calls WHERE call_id = $1")
                .bind(call_id)
                .fetch_optional(&mut *self.turn)
                .await?,
        )
    }

    /// Records the ticket a call opened; a call recorded before is a conflict.
    pub async fn record_call(&mut self, call_id: &str, ticket_id: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO voice_calls (call_id, ticket_id, created_at) VALUES ($1, $2, $3)")
            .bind(call_id)
            .bind(ticket_id)
            .bind(now_millis())
            .execute(&mut *self.turn)
            .await
            .map_err(|error| conflict_or(error, &[("voice_calls", "this call")]))?;
        Ok(())
    }

    /// Marks a call ended; false when it had ended before (a retried notification).
    pub async fn end_call(&mut self, call_id: &str) -> Result<bool, StoreError> {
        let ended = sqlx::query(
            "UPDATE voice_calls SET ended_at = $1 WHERE call_id = $2 AND ended_at IS NULL",
        )
        .bind(now_millis())
        .bind(call_id)
        .execute(&mut *self.turn)
        .await?;
        Ok(ended.rows_affected() == 1)
    }

    /// The customer with this number, or one created for it, in this transaction.
    pub async fn find_or_create_customer_by_phone(
        &mut self,
        phone: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        super::identity::find_or_create_customer_by_phone(&mut self.turn, phone, name).await
    }

    /// The customer with this address, or one created for it (and their organization, by
    /// domain), in this transaction.
    pub async fn find_or_create_customer(
        &mut self,
        address: &str,
        name: Option<&str>,
    ) -> Result<User, StoreError> {
        find_or_create_customer(&mut self.turn, address, name).await
    }
}

impl Store {
    /// A ticket's attachments, oldest first.
    pub async fn attachments(&self, ticket_id: i64) -> Result<Vec<Attachment>, StoreError> {
        self.ticket(ticket_id).await?;
        let rows = sqlx::query(
            "SELECT id, ticket_id, file_name, content_type, size, sha256, created_at \
             FROM attachments WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(ticket_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Attachment {
                    id: row.try_get("id")?,
                    ticket_id: row.try_get("ticket_id")?,
                    file_name: row.try_get("file_name")?,
                    content_type: row.try_get("content_type")?,
                    size: row.try_get("size")?,
                    sha256: row.try_get("sha256")?,
                    created_at: Timestamp(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// An attachment's content.
    pub async fn attachment_content(&self, id: i64) -> Result<Vec<u8>, StoreError> {
        sqlx::query_scalar("SELECT content FROM attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or_else(|| StoreError::not_found(format!("attachment {id}")))
    }
}
