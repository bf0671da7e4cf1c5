//! `/api/v2/search`: Zendesk's global search, for one type at a time — `type:user` with the
//! user criteria of `/users/search`, `type:ticket` with `status:`, `requester_id:`, …,
//! `type:organization` with `name:` or `domain:` — each result tagged with its `result_type`.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Agent;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{PageParams, QueryParams, RequestUrl};
use crate::domain::search::{SearchQuery, parse_search};
use crate::store::{Listing, Page, Store, StoreError, TicketFilter};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(count))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchParams {
    /// `type:user email:ada@example.com`, `type:ticket status:open`,
    /// `type:organization name:"Shop Inc"`.
    query: Option<String>,
}

/// One page of results, in id order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// Users, tickets or organizations as their own endpoints show them, each with
    /// `result_type`: `user`, `ticket` or `organization`.
    results: Vec<serde_json::Value>,
    /// The URL of the next page; null on the last.
    next_page: Option<String>,
    /// How many match in all.
    count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchCount {
    count: i64,
}

/// Searches users, tickets or organizations (one type per query).
#[utoipa::path(get, path = "/api/v2/search", tag = "search", params(SearchParams, PageParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<SearchParams>,
    QueryParams(page): QueryParams<PageParams>,
    url: RequestUrl,
) -> ApiResult<Json<SearchResults>> {
    let found = run(&state.store, &query(&params)?, page.page()?).await?;
    Ok(Json(SearchResults {
        next_page: found.next_after.map(|after| url.next_page(after)),
        count: found.count,
        results: found.items,
    }))
}

/// How many results a query has.
#[utoipa::path(get, path = "/api/v2/search/count", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchCount), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn count(
    _: Agent,
    State(state): State<AppState>,
    QueryParams(params): QueryParams<SearchParams>,
) -> ApiResult<Json<SearchCount>> {
    let first = Page {
        after: None,
        size: 1,
    };
    let found = run(&state.store, &query(&params)?, first).await?;
    Ok(Json(SearchCount { count: found.count }))
}

fn query(params: &SearchParams) -> Result<SearchQuery, ApiError> {
    let raw = params.query.as_deref().unwrap_or_default();
    parse_search(raw).map_err(|reason| ApiError::invalid("query", reason))
}

async fn run(
    store: &Store,
    query: &SearchQuery,
    page: Page,
) -> Result<Listing<serde_json::Value>, StoreError> {
    match query {
        SearchQuery::Users(criteria) if criteria.is_empty() => {
            tagged(store.list_users(None, page).await?, "user")
        }
        SearchQuery::Users(criteria) => tagged(store.search_users(criteria, page).await?, "user"),
        SearchQuery::Tickets(criteria) => {
            let filter = TicketFilter {
                status: criteria.status,
                requester_id: criteria.requester_id,
                organization_id: criteria.organization_id,
                assignee_id: criteria.assignee_id,
                group_id: criteria.group_id,
            };
            let listing = store.list_tickets(&filter, page).await?;
            tagged(
                super::tickets::listing_views(store, listing).await?,
                "ticket",
            )
        }
        SearchQuery::Organizations { name, domain } => tagged(
            store
                .search_organizations(name.as_deref(), domain.as_deref(), page)
                .await?,
            "organization",
        ),
    }
}

/// The listing with each item as JSON carrying `result_type`.
fn tagged<T: Serialize>(
    listing: Listing<T>,
    result_type: &str,
) -> Result<Listing<serde_json::Value>, StoreError> {
    let items = listing
        .items
        .iter()
        .map(|item| {
            let mut value = serde_json::to_value(item)
                .map_err(|e| StoreError::Invalid(format!("a search result: {e}")))?;
            if let Some(object) = value.as_object_mut() {
                object.insert("result_type".into(), result_type.into());
            }
            Ok(value)
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Listing {
        items,
        next_after: listing.next_after,
        count: listing.count,
    })
}
