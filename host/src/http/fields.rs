//! `/api/v2/user_fields` and `/api/v2/organization_fields`: custom field definitions. Agents
//! may read them; only admins change them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Admin, Agent};
use super::error::{ApiResult, ErrorBody};
use super::extract::{Id, JsonBody};
use crate::domain::field_definition::FieldPatch;
use crate::domain::{Field, FieldDefinition, FieldOption, FieldScope};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_user_fields, create_user_field))
        .routes(routes!(
            show_user_field,
            update_user_field,
            delete_user_field
        ))
        .routes(routes!(reorder_user_fields))
        .routes(routes!(user_field_options, upsert_user_field_option))
        .routes(routes!(list_organization_fields, create_organization_field))
        .routes(routes!(
            show_organization_field,
            update_organization_field,
            delete_organization_field
        ))
        .routes(routes!(reorder_organization_fields))
        .routes(routes!(
            organization_field_options,
            upsert_organization_field_option
        ))
        .routes(routes!(list_ticket_fields, create_ticket_field))
        .routes(routes!(
            show_ticket_field,
            update_ticket_field,
            delete_ticket_field
        ))
        .routes(routes!(reorder_ticket_fields))
        .routes(routes!(ticket_field_options, upsert_ticket_field_option))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UserFieldEnvelope {
    user_field: Field,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserFieldsList {
    user_fields: Vec<Field>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFieldBody<T> {
    user_field: T,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserFieldsOrder {
    user_field_ids: Vec<i64>,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganizationFieldEnvelope {
    organization_field: Field,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganizationFieldsList {
    organization_fields: Vec<Field>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFieldBody<T> {
    organization_field: T,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationFieldsOrder {
    organization_field_ids: Vec<i64>,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketFieldEnvelope {
    ticket_field: Field,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketFieldsList {
    ticket_fields: Vec<Field>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketFieldBody<T> {
    ticket_field: T,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketFieldsOrder {
    ticket_field_ids: Vec<i64>,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct OptionsList {
    custom_field_options: Vec<FieldOption>,
    count: i64,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionBody {
    custom_field_option: FieldOption,
}
#[derive(Serialize, utoipa::ToSchema)]
pub struct OptionEnvelope {
    custom_field_option: FieldOption,
}

/// Adds an option, or renames the one with the same value.
async fn upsert_option(
    state: &AppState,
    scope: FieldScope,
    id: i64,
    option: FieldOption,
) -> ApiResult<(StatusCode, FieldOption)> {
    let field = state.store.field(scope, id).await?;
    let mut options = field.definition.options;
    let status = match options.iter_mut().find(|o| o.value == option.value) {
        Some(existing) => {
            existing.name = option.name.clone();
            StatusCode::OK
        }
        None => {
            options.push(option.clone());
            StatusCode::CREATED
        }
    };
    state
        .store
        .update_field(scope, id, FieldPatch::options(options))
        .await?;
    Ok((status, option))
}

/// Generates the handlers of one scope; the scopes differ only in names.
macro_rules! field_handlers {
    ($scope:expr, $tag:literal, $base:literal, $item:literal, $reorder_path:literal,
     $options_path:literal, $envelope:ident, $list_ty:ident, $body:ident,
     $order:ident, $one:ident, $many:ident, $ids:ident,
     $list:ident, $create:ident, $show:ident, $update:ident, $delete:ident, $reorder:ident,
     $options:ident, $upsert:ident) => {
        /// Lists the field definitions in display order.
        #[utoipa::path(get, path = $base, tag = $tag,
            responses((status = 200, body = $list_ty)))]
        async fn $list(_: Agent, State(state): State<AppState>) -> ApiResult<Json<$list_ty>> {
            let fields = state.store.fields($scope).await?;
            Ok(Json($list_ty { count: fields.len() as i64, $many: fields }))
        }

        /// Defines a field. Its key (letters, digits, underscore) cannot change later.
        #[utoipa::path(post, path = $base, tag = $tag, request_body = $body<FieldDefinition>,
            responses((status = 201, body = $envelope), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $create(
            _: Admin,
            State(state): State<AppState>,
            JsonBody(body): JsonBody<$body<FieldDefinition>>,
        ) -> ApiResult<(StatusCode, Json<$envelope>)> {
            let field = state.store.create_field($scope, body.$one).await?;
            Ok((StatusCode::CREATED, Json($envelope { $one: field })))
        }

        /// Shows a field definition.
        #[utoipa::path(get, path = $item, tag = $tag, params(("id" = i64, Path)),
            responses((status = 200, body = $envelope), (status = 404, body = ErrorBody)))]
        async fn $show(_: Agent, State(state): State<AppState>, Id(id): Id) -> ApiResult<Json<$envelope>> {
            let field = state.store.field($scope, id).await?;
            Ok(Json($envelope { $one: field }))
        }

        /// Changes a field. A `custom_field_options` list replaces the old one: options left out
        /// are removed, with the values that chose them.
        #[utoipa::path(put, path = $item, tag = $tag, params(("id" = i64, Path)),
            request_body = $body<FieldPatch>,
            responses((status = 200, body = $envelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $update(
            _: Admin,
            State(state): State<AppState>,
            Id(id): Id,
            JsonBody(body): JsonBody<$body<FieldPatch>>,
        ) -> ApiResult<Json<$envelope>> {
            let field = state.store.update_field($scope, id, body.$one).await?;
            Ok(Json($envelope { $one: field }))
        }

        /// Deletes a field and every value stored in it.
        #[utoipa::path(delete, path = $item, tag = $tag, params(("id" = i64, Path)),
            responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
        async fn $delete(_: Admin, State(state): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
            state.store.delete_field($scope, id).await?;
            Ok(StatusCode::NO_CONTENT)
        }

        /// Sets the display order; the list names every field once.
        #[utoipa::path(put, path = $reorder_path, tag = $tag, request_body = $order,
            responses((status = 200, body = $list_ty), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $reorder(
            _: Admin,
            State(state): State<AppState>,
            JsonBody(body): JsonBody<$order>,
        ) -> ApiResult<Json<$list_ty>> {
            let fields = state.store.reorder_fields($scope, &body.$ids).await?;
            Ok(Json($list_ty { count: fields.len() as i64, $many: fields }))
        }

        /// Lists a dropdown's or multiselect's options.
        #[utoipa::path(get, path = $options_path, tag = $tag, params(("id" = i64, Path)),
            responses((status = 200, body = OptionsList), (status = 404, body = ErrorBody)))]
        async fn $options(_: Agent, State(state): State<AppState>, Id(id): Id) -> ApiResult<Json<OptionsList>> {
            let options = state.store.field($scope, id).await?.definition.options;
            Ok(Json(OptionsList { count: options.len() as i64, custom_field_options: options }))
        }

        /// Adds an option (201), or renames the option with the same value (200).
        #[utoipa::path(post, path = $options_path, tag = $tag, params(("id" = i64, Path)),
            request_body = OptionBody,
            responses((status = 201, body = OptionEnvelope), (status = 200, body = OptionEnvelope), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
        async fn $upsert(
            _: Admin,
            State(state): State<AppState>,
            Id(id): Id,
            JsonBody(body): JsonBody<OptionBody>,
        ) -> ApiResult<(StatusCode, Json<OptionEnvelope>)> {
            let (status, option) = upsert_option(&state, $scope, id, body.custom_field_option).await?;
            Ok((status, Json(OptionEnvelope { custom_field_option: option })))
        }
    };
}

field_handlers!(
    FieldScope::User,
    "user_fields",
    "/api/v2/user_fields",
    "/api/v2/user_fields/{id}",
    "/api/v2/user_fields/reorder",
    "/api/v2/user_fields/{id}/options",
    UserFieldEnvelope,
    UserFieldsList,
    UserFieldBody,
    UserFieldsOrder,
    user_field,
    user_fields,
    user_field_ids,
    list_user_fields,
    create_user_field,
    show_user_field,
    update_user_field,
    delete_user_field,
    reorder_user_fields,
    user_field_options,
    upsert_user_field_option
);

field_handlers!(
    FieldScope::Organization,
    "organization_fields",
    "/api/v2/organization_fields",
    "/api/v2/organization_fields/{id}",
    "/api/v2/organization_fields/reorder",
    "/api/v2/organization_fields/{id}/options",
    OrganizationFieldEnvelope,
    OrganizationFieldsList,
    OrganizationFieldBody,
    OrganizationFieldsOrder,
    organization_field,
    organization_fields,
    organization_field_ids,
    list_organization_fields,
    create_organization_field,
    show_organization_field,
    update_organization_field,
    delete_organization_field,
    reorder_organization_fields,
    organization_field_options,
    upsert_organization_field_option
);

field_handlers!(
    FieldScope::Ticket,
    "ticket_fields",
    "/api/v2/ticket_fields",
    "/api/v2/ticket_fields/{id}",
    "/api/v2/ticket_fields/reorder",
    "/api/v2/ticket_fields/{id}/options",
    TicketFieldEnvelope,
    TicketFieldsList,
    TicketFieldBody,
    TicketFieldsOrder,
    ticket_field,
    ticket_fields,
    ticket_field_ids,
    list_ticket_fields,
    create_ticket_field,
    show_ticket_field,
    update_ticket_field,
    delete_ticket_field,
    reorder_ticket_fields,
    ticket_field_options,
    upsert_ticket_field_option
);
