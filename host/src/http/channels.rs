//! `/api/v2/channels/...`: where customers' messages arrive. `POST /api/v2/channels/email`
//! takes a raw RFC 5322 message (`message/rfc822`), as a mail relay or a script hands it over.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::IntakeSubmitter;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::JsonBody;
use crate::intake::chat::{ChatMessage, receive_chat};
use crate::intake::voice::{CallAnswer, CallEnded, IncomingCall, end_call, receive_call};
use crate::intake::{IntakeError, IntakeOutcome, Received, receive_email};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(email))
        .routes(routes!(chat_message))
        .routes(routes!(voice_call))
        .routes(routes!(voice_call_ended))
}

/// Takes in an email: a new ticket from its sender (the customer and their organization found
/// or created), or a comment on the ticket it replies to. Mail sent by machines (auto-replies,
/// bounces, bulk) and a Message-ID taken in before write nothing. 201 when a ticket was
/// created, 200 otherwise; 422 for a message that cannot be read, with nothing written.
#[utoipa::path(post, path = "/api/v2/channels/email", tag = "channels",
    request_body(content = String, content_type = "message/rfc822", description = "The raw message"),
    responses((status = 201, body = Received), (status = 200, body = Received),
              (status = 403, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn email(
    _: IntakeSubmitter,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Received>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("message/rfc822")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the raw message with Content-Type: message/rfc822",
        ));
    }
    let received = match receive_email(&state.store, &state.rules, &body).await {
        Ok(received) => received,
        Err(IntakeError::Malformed(reason)) => return Err(ApiError::invalid("message", reason.0)),
        Err(IntakeError::Store(error)) => return Err(error.into()),
    };
    let status = match received.outcome {
        IntakeOutcome::Created => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((status, Json(received)))
}

/// Takes in a chat message: the first of a conversation opens a ticket with channel `chat`
/// from its sender (201); later ones are comments on it (200).
#[utoipa::path(post, path = "/api/v2/channels/chat/messages", tag = "channels", request_body = ChatMessage,
    responses((status = 201, body = Received), (status = 200, body = Received),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn chat_message(
    _: IntakeSubmitter,
    State(state): State<AppState>,
    JsonBody(message): JsonBody<ChatMessage>,
) -> ApiResult<(StatusCode, Json<Received>)> {
    let received = receive_chat(&state.store, &state.rules, message).await?;
    let status = match received.outcome {
        IntakeOutcome::Created => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((status, Json(received)))
}

/// Takes in an incoming call: the caller found or created by number, a ticket with channel
/// `voice` opened through the triggers, and the answer says where to forward the call (the
/// queue a trigger chose, else the default queue, and its SIP URI). 201 for a new call; the
/// same `call_id` again answers 200 with the same ticket and queue.
#[utoipa::path(post, path = "/api/v2/channels/voice/calls", tag = "channels", request_body = IncomingCall,
    responses((status = 201, body = CallAnswer), (status = 200, body = CallAnswer),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn voice_call(
    _: IntakeSubmitter,
    State(state): State<AppState>,
    JsonBody(call): JsonBody<IncomingCall>,
) -> ApiResult<(StatusCode, Json<CallAnswer>)> {
    let answer = receive_call(&state.store, &state.rules, call).await?;
    let status = match answer.outcome {
        IntakeOutcome::Created => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((status, Json(answer)))
}

/// Records how a call ended (duration and outcome) as an internal note on its ticket; a
/// repeated report adds nothing (`duplicate`).
#[utoipa::path(post, path = "/api/v2/channels/voice/calls/{call_id}/ended", tag = "channels",
    params(("call_id" = String, Path)), request_body = CallEnded,
    responses((status = 200, body = Received), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn voice_call_ended(
    _: IntakeSubmitter,
    State(state): State<AppState>,
    Path(call_id): Path<String>,
    JsonBody(ended): JsonBody<CallEnded>,
) -> ApiResult<Json<Received>> {
    Ok(Json(
        end_call(&state.store, &state.rules, &call_id, ended).await?,
    ))
}
