//! Request extractors whose failures are [`ApiError`]s, and pagination.

use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Query, Request};
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::store::Page;

/// A JSON body; malformed JSON is a 400, the wrong shape a 422, no JSON content type a 415 and
/// a body over the limit a 413. Text holding a NUL character is a 422 naming where it is, on
/// every resource and both databases alike (PostgreSQL cannot store it in text).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) =
            axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if let Some(at) = nul_at(&value, String::new()) {
            return Err(ApiError::invalid(
                &at,
                "text must not contain the NUL character (\\u0000)",
            ));
        }
        let value = serde_path_to_error::deserialize(value).map_err(|error| {
            let at = error.path().to_string();
            ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                super::error::RECORD_INVALID,
                format!(
                    "the JSON does not have the expected shape: {at}: {}",
                    error.inner()
                ),
            )
        })?;
        Ok(JsonBody(value))
    }
}

/// Where in `value` a string (or an object key) holds a NUL character, as `ticket.subject`.
fn nul_at(value: &serde_json::Value, at: String) -> Option<String> {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => Some(at),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(n, item)| nul_at(item, join(&n.to_string()))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(join(&key.replace('\0', "\\u0000")))
            } else {
                nul_at(item, join(key))
            }
        }),
        _ => None,
    }
}

/// Query parameters; a bad one is a 400 naming it.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = parts.uri.query().unwrap_or_default();
        if let Some((key, _)) = url::form_urlencoded::parse(raw.as_bytes())
            .find(|(key, value)| key.contains('\0') || value.contains('\0'))
        {
            return Err(ApiError::bad_request(format!(
                "the query parameter {:?} holds a NUL character (%00); remove it",
                key.replace('\0', "%00")
            )));
        }
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(QueryParams(value))
    }
}

/// Most items per page (as Zendesk).
pub const MAX_PAGE_SIZE: i64 = 100;

/// Cursor pagination as Zendesk spells it: `?page[size]=25&page[after]=CURSOR`. Kept as text
/// and parsed here: flattened into other parameters, serde would not read numbers.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 100).
    #[serde(rename = "page[size]")]
    #[param(rename = "page[size]", value_type = Option<i64>)]
    pub size: Option<String>,
    /// The cursor from the previous page's `next_page`.
    #[serde(rename = "page[after]")]
    #[param(rename = "page[after]", value_type = Option<i64>)]
    pub after: Option<String>,
}

/// `?ids=1,2,3` of Zendesk's `show_many`: 1 to 100 ids.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdsParams {
    /// Comma-separated ids, at most 100 (`ids=1,2,3`).
    pub ids: Option<String>,
}

/// Most ids one `show_many` takes, as at Zendesk.
pub const MAX_SHOW_MANY: usize = 100;

/// The comma-separated ids of a `show_many` (`ids=1,2,3`), 1 to [`MAX_SHOW_MANY`] of them.
pub fn listed_ids(raw: Option<&str>) -> Result<Vec<&str>, ApiError> {
    let ids: Vec<&str> = raw
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > MAX_SHOW_MANY {
        return Err(ApiError::bad_request(format!(
            "send 1 to {MAX_SHOW_MANY} ids, comma-separated: ids=1,2,3 (got {})",
            ids.len()
        )));
    }
    Ok(ids)
}

impl IdsParams {
    pub fn ids(&self) -> Result<Vec<i64>, ApiError> {
        listed_ids(self.ids.as_deref())?
            .into_iter()
            .map(|id| {
                id.parse().map_err(|_| {
                    ApiError::bad_request(format!("ids: {id:?} is not an id; send ids=1,2,3"))
                })
            })
            .collect()
    }
}

impl PageParams {
    pub fn page(&self) -> Result<Page, ApiError> {
        let size = match self.size.as_deref() {
            None => MAX_PAGE_SIZE,
            Some(raw) => raw.trim().parse().unwrap_or(0),
        };
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(ApiError::bad_request(format!(
                "page[size] must be a whole number from 1 to {MAX_PAGE_SIZE}, got {:?}",
                self.size.as_deref().unwrap_or_default()
            )));
        }
        let after = match self.after.as_deref() {
            None => None,
            Some(raw) => Some(raw.trim().parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "page[after] must be the cursor from a next_page link, got {raw:?}"
                ))
            })?),
        };
        Ok(Page { after, size })
    }
}

/// Where the request was sent, to build `next_page` links.
pub struct RequestUrl {
    pub base: String,
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl FromRequestParts<super::AppState> for RequestUrl {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &super::AppState,
    ) -> Result<Self, ApiError> {
        let OriginalUri(uri) = OriginalUri::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad_request("no request URI"))?;
        let query = uri
            .query()
            .map(|query| {
                url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(RequestUrl {
            // The configured public URL, never the client-chosen Host header.
            base: state.options.public_url.trim_end_matches('/').to_string(),
            path: uri.path().to_string(),
            query,
        })
    }
}

impl RequestUrl {
    /// This URL with `page[after]` set to `after`, other parameters kept.
    pub fn next_page(&self, after: i64) -> String {
        let mut query: Vec<(String, String)> = self
            .query
            .iter()
            .filter(|(key, _)| key != "page[after]")
            .cloned()
            .collect();
        query.push(("page[after]".into(), after.to_string()));
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("{}{}?{encoded}", self.base, self.path)
    }
}

/// Declares the JSON envelopes of a resource, Zendesk's way:
/// `{"user": {...}}` (one), `{"users": [...], "next_page": URL|null, "count": N}` (a page), and
/// the request body `{"user": DRAFT}`.
macro_rules! envelopes {
    ($one:ident, $page:ident, $body:ident { $key:ident / $many:ident : $ty:ty, draft: $draft:ty }) => {
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $one {
            pub $key: $ty,
        }

        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub $many: Vec<$ty>,
            /// The URL of the next page; null on the last.
            pub next_page: Option<String>,
            /// How many there are in all.
            pub count: i64,
        }

        impl $page {
            pub fn new(
                listing: $crate::store::Listing<$ty>,
                url: &$crate::http::extract::RequestUrl,
            ) -> Self {
                $page {
                    next_page: listing.next_after.map(|after| url.next_page(after)),
                    count: listing.count,
                    $many: listing.items,
                }
            }

            /// All of `items` on one page (Zendesk's `show_many`).
            pub fn whole(items: Vec<$ty>) -> Self {
                $page {
                    next_page: None,
                    count: items.len() as i64,
                    $many: items,
                }
            }
        }

        #[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $body {
            pub $key: $draft,
        }
    };
}
pub(crate) use envelopes;

/// The `{id}` of a resource path; anything but a whole number is a 400 saying so.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
        raw.parse().map(Id).map_err(|_| {
            ApiError::bad_request(format!("{raw:?} is not an id; ids are whole numbers"))
        })
    }
}

/// Two ids in the path (`/parent/{id}/child/{child_id}`); each must be a whole number.
pub struct TwoIds(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for TwoIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((first, second)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
        let parse = |raw: &str| {
            raw.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("{raw:?} is not an id; ids are whole numbers"))
            })
        };
        Ok(TwoIds(parse(&first)?, parse(&second)?))
    }
}
